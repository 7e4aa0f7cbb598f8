package socket

import (
	"context"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// listenBacklog is the accept queue length asked for (the kernel caps it
// at net.core.somaxconn).
const listenBacklog = 4096

// Listener is a listening stream socket (tcp, tcp4, tcp6, unix,
// unixpacket); it implements net.Listener.
type Listener struct {
	fd     *netFD
	k      kind
	addr   net.Addr
	unlink string // unix socket path removed by Close
}

var _ net.Listener = (*Listener)(nil)

// Listen announces on the local address (gevent's socket + bind + listen).
// For tcp, an empty or unspecified host listens on every address, IPv4 and
// IPv6; port 0 picks a free port (see Addr). SO_REUSEADDR is set. The
// listener waits on the hub of the calling greenlet.
func Listen(network, address string) (net.Listener, error) {
	l, err := listen(network, address)
	if err != nil {
		return nil, err
	}
	return l, nil
}

func listen(network, address string) (*Listener, error) {
	k, err := parseNetwork(network)
	if err != nil || !k.stream {
		if err == nil {
			err = net.UnknownNetworkError(network)
		}
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	fail := func(a net.Addr, err error) (*Listener, error) {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: a, Err: err}
	}
	if k.unix {
		ua := &net.UnixAddr{Name: address, Net: network}
		fd, err := socket(unix.AF_UNIX, k, network)
		if err != nil {
			return fail(ua, err)
		}
		if err := unix.Bind(fd.sysfd, &unix.SockaddrUnix{Name: address}); err != nil {
			fd.Close()
			return fail(ua, os.NewSyscallError("bind", err))
		}
		if err := unix.Listen(fd.sysfd, listenBacklog); err != nil {
			fd.Close()
			return fail(ua, os.NewSyscallError("listen", err))
		}
		fd.laddr = ua
		return &Listener{fd: fd, k: k, addr: ua, unlink: address}, nil
	}
	aps, err := resolveIP(context.Background(), k, network, address, nil)
	if err != nil {
		return fail(nil, err)
	}
	fd, err := bindIP(k, network, aps[0])
	if err != nil {
		return fail(net.TCPAddrFromAddrPort(aps[0]), err)
	}
	if err := unix.Listen(fd.sysfd, listenBacklog); err != nil {
		fd.Close()
		return fail(net.TCPAddrFromAddrPort(aps[0]), os.NewSyscallError("listen", err))
	}
	return &Listener{fd: fd, k: k, addr: fd.localAddr(k)}, nil
}

// bindIP creates a socket bound to ap: dual-stack IPv6 for an unspecified
// address on tcp/udp (IPv4 if the host has no IPv6).
func bindIP(k kind, network string, ap netip.AddrPort) (*netFD, error) {
	family := k.family
	anyAddr := !ap.Addr().IsValid() || ap.Addr().IsUnspecified()
	if family == 0 {
		family = unix.AF_INET
		if anyAddr || ap.Addr().Is6() {
			family = unix.AF_INET6
		}
	}
	fd, err := socket(family, k, network)
	if err != nil && family == unix.AF_INET6 && anyAddr && k.family == 0 {
		family = unix.AF_INET
		fd, err = socket(family, k, network)
	}
	if err != nil {
		return nil, err
	}
	if k.stream {
		unix.SetsockoptInt(fd.sysfd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	}
	if !ap.Addr().IsValid() || (family == unix.AF_INET6 && ap.Addr().Is4() && ap.Addr().IsUnspecified()) {
		ap = netip.AddrPortFrom(netip.Addr{}, ap.Port())
	}
	if err := unix.Bind(fd.sysfd, ipSockaddr(family, ap)); err != nil {
		fd.Close()
		return nil, os.NewSyscallError("bind", err)
	}
	return fd, nil
}

// Accept waits for and returns the next connection (a *Conn, with
// TCP_NODELAY set for TCP).
//
// It waits until a client connects, the deadline set with SetDeadline
// passes (os.ErrDeadlineExceeded) or the listener is closed
// (net.ErrClosed). A kill or Timeout scope of the calling greenlet is
// returned unchanged and no connection is taken from the queue. Errors
// such as EMFILE are returned (wrapped in *net.OpError); the listener stays
// usable. Accepting greenlets take turns in FIFO order.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.AcceptConn()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptConn is Accept returning the concrete type.
func (l *Listener) AcceptConn() (*Conn, error) {
	s, sa, err := l.fd.accept()
	if err != nil {
		return nil, l.wrap(err)
	}
	return l.newAccepted(s, sa)
}

func (l *Listener) newAccepted(s int, sa unix.Sockaddr) (*Conn, error) {
	if !l.k.unix {
		unix.SetsockoptInt(s, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	fd, err := newFD(s, l.fd.family, l.k.sotype, l.fd.net)
	if err != nil {
		unix.Close(s)
		return nil, l.wrap(err)
	}
	fd.raddr = sockaddrToAddr(l.k, sa)
	return &Conn{conn{fd: fd, k: l.k}}, nil
}

func (l *Listener) wrap(err error) error {
	return (&conn{fd: l.fd, k: l.k}).wrap("accept", err)
}

// Close stops listening; a blocked Accept returns net.ErrClosed. The
// socket file of a unix listener is removed.
func (l *Listener) Close() error {
	err := l.fd.Close()
	if err == nil && l.unlink != "" {
		unix.Unlink(l.unlink)
	}
	return l.wrap(err)
}

// Addr returns the listening address (with the port actually bound).
func (l *Listener) Addr() net.Addr { return l.addr }

// SetDeadline sets the deadline for Accept (zero: none); a deadline in the
// past wakes a blocked Accept.
func (l *Listener) SetDeadline(t time.Time) error {
	return l.wrap(l.fd.setDeadline(t, true, false))
}

// Fd returns the listening descriptor, valid until Close.
func (l *Listener) Fd() int { return l.fd.sysfd }

// ListenPacket announces on a local datagram address (udp, udp4, udp6,
// unixgram) and returns a *PacketConn.
func ListenPacket(network, address string) (net.PacketConn, error) {
	k, err := parseNetwork(network)
	if err != nil || k.stream {
		if err == nil {
			err = net.UnknownNetworkError(network)
		}
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	if k.unix {
		ua := &net.UnixAddr{Name: address, Net: network}
		fd, err := socket(unix.AF_UNIX, k, network)
		if err != nil {
			return nil, &net.OpError{Op: "listen", Net: network, Addr: ua, Err: err}
		}
		if err := unix.Bind(fd.sysfd, &unix.SockaddrUnix{Name: address}); err != nil {
			fd.Close()
			return nil, &net.OpError{Op: "listen", Net: network, Addr: ua, Err: os.NewSyscallError("bind", err)}
		}
		fd.laddr = ua
		return &PacketConn{conn{fd: fd, k: k}}, nil
	}
	aps, err := resolveIP(context.Background(), k, network, address, nil)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	fd, err := bindIP(k, network, aps[0])
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: net.UDPAddrFromAddrPort(aps[0]), Err: err}
	}
	return &PacketConn{conn{fd: fd, k: k}}, nil
}
