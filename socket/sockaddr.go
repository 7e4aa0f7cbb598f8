package socket

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// LookupFunc resolves a host name to IP addresses: what Dialer.Resolver and
// ListenConfig use. network is "ip", "ip4" or "ip6".
type LookupFunc func(ctx context.Context, network, host string) ([]netip.Addr, error)

// defaultLookup uses the Go resolver. It blocks the calling goroutine (the
// whole hub, for a greenlet) while a name is resolved; literal addresses
// and "localhost" never reach it. Plug in a cooperative resolver with
// Dialer.Resolver.
func defaultLookup(ctx context.Context, network, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, network, host)
}

// kind describes a network name.
type kind struct {
	sotype int
	family int // 0: chosen by address (tcp, udp)
	unix   bool
	stream bool
}

func parseNetwork(network string) (kind, error) {
	switch network {
	case "tcp":
		return kind{sotype: unix.SOCK_STREAM, stream: true}, nil
	case "tcp4":
		return kind{sotype: unix.SOCK_STREAM, family: unix.AF_INET, stream: true}, nil
	case "tcp6":
		return kind{sotype: unix.SOCK_STREAM, family: unix.AF_INET6, stream: true}, nil
	case "udp":
		return kind{sotype: unix.SOCK_DGRAM}, nil
	case "udp4":
		return kind{sotype: unix.SOCK_DGRAM, family: unix.AF_INET}, nil
	case "udp6":
		return kind{sotype: unix.SOCK_DGRAM, family: unix.AF_INET6}, nil
	case "unix":
		return kind{sotype: unix.SOCK_STREAM, family: unix.AF_UNIX, unix: true, stream: true}, nil
	case "unixgram":
		return kind{sotype: unix.SOCK_DGRAM, family: unix.AF_UNIX, unix: true}, nil
	case "unixpacket":
		return kind{sotype: unix.SOCK_SEQPACKET, family: unix.AF_UNIX, unix: true, stream: true}, nil
	}
	return kind{}, net.UnknownNetworkError(network)
}

// resolveIP resolves "host:port" for an IP network. An empty host gives an
// invalid (zero) address: "any" for Listen, the local system for Dial.
func resolveIP(ctx context.Context, k kind, network, address string, lookup LookupFunc) ([]netip.AddrPort, error) {
	host, service, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	port, err := net.LookupPort(network, service)
	if err != nil {
		return nil, err
	}
	if host == "" {
		return []netip.AddrPort{netip.AddrPortFrom(netip.Addr{}, uint16(port))}, nil
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip.WithZone("")}
	} else if host == "localhost" {
		ips = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}
	} else {
		if lookup == nil {
			lookup = defaultLookup
		}
		ipnet := "ip"
		switch k.family {
		case unix.AF_INET:
			ipnet = "ip4"
		case unix.AF_INET6:
			ipnet = "ip6"
		}
		ips, err = lookup(ctx, ipnet, host)
		if err != nil {
			return nil, err
		}
	}
	var out []netip.AddrPort
	for _, ip := range ips {
		ip = ip.Unmap()
		if (k.family == unix.AF_INET && !ip.Is4()) || (k.family == unix.AF_INET6 && ip.Is4()) {
			continue
		}
		out = append(out, netip.AddrPortFrom(ip, uint16(port)))
	}
	if len(out) == 0 {
		return nil, &net.AddrError{Err: "no suitable address found", Addr: host}
	}
	return out, nil
}

// ipSockaddr converts ap to a sockaddr of the given family (AF_INET6
// carries IPv4 addresses mapped).
func ipSockaddr(family int, ap netip.AddrPort) unix.Sockaddr {
	ip := ap.Addr()
	if family == unix.AF_INET {
		sa := &unix.SockaddrInet4{Port: int(ap.Port())}
		if ip.IsValid() {
			sa.Addr = ip.As4()
		}
		return sa
	}
	sa := &unix.SockaddrInet6{Port: int(ap.Port())}
	if ip.IsValid() {
		sa.Addr = ip.As16()
	}
	return sa
}

// familyFor picks the address family for ap on a tcp/udp network.
func familyFor(k kind, ap netip.AddrPort) int {
	if k.family != 0 {
		return k.family
	}
	if ap.Addr().Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// sockaddrToAddr converts a kernel address to the net.Addr Go's net
// package would report for network.
func sockaddrToAddr(k kind, sa unix.Sockaddr) net.Addr {
	var ip netip.Addr
	var port int
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		ip, port = netip.AddrFrom4(sa.Addr), sa.Port
	case *unix.SockaddrInet6:
		ip, port = netip.AddrFrom16(sa.Addr).Unmap(), sa.Port
		if sa.ZoneId != 0 {
			if ifc, err := net.InterfaceByIndex(int(sa.ZoneId)); err == nil {
				ip = ip.WithZone(ifc.Name)
			} else {
				ip = ip.WithZone(strconv.Itoa(int(sa.ZoneId)))
			}
		}
	case *unix.SockaddrUnix:
		netw := "unix"
		switch k.sotype {
		case unix.SOCK_DGRAM:
			netw = "unixgram"
		case unix.SOCK_SEQPACKET:
			netw = "unixpacket"
		}
		return &net.UnixAddr{Name: sa.Name, Net: netw}
	default:
		return nil
	}
	ap := netip.AddrPortFrom(ip, uint16(port))
	if k.sotype == unix.SOCK_STREAM {
		return net.TCPAddrFromAddrPort(ap)
	}
	return net.UDPAddrFromAddrPort(ap)
}

// addrToSockaddr converts a net.Addr given to WriteTo.
func addrToSockaddr(family int, a net.Addr) (unix.Sockaddr, error) {
	switch a := a.(type) {
	case *net.UDPAddr:
		ap := a.AddrPort()
		if family == unix.AF_INET && !ap.Addr().Unmap().Is4() {
			return nil, &net.AddrError{Err: "non-IPv4 address", Addr: a.String()}
		}
		return ipSockaddr(family, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())), nil
	case *net.TCPAddr:
		ap := a.AddrPort()
		return ipSockaddr(family, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())), nil
	case *net.UnixAddr:
		return &unix.SockaddrUnix{Name: a.Name}, nil
	case nil:
		return nil, errMissingAddress
	}
	return nil, &net.AddrError{Err: "unsupported address type", Addr: a.String()}
}

var errMissingAddress = errors.New("missing address")
