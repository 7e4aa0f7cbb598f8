package socket

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Dialer holds options for connecting (the counterpart of net.Dialer). The
// zero Dialer is ready to use.
type Dialer struct {
	// Timeout bounds the whole dial, name resolution included (0: none).
	Timeout time.Duration
	// Deadline is an absolute limit for the dial (zero: none).
	Deadline time.Time
	// LocalAddr, if set, is bound before connecting (*net.TCPAddr,
	// *net.UDPAddr or *net.UnixAddr).
	LocalAddr net.Addr
	// KeepAlive > 0 turns on TCP keep-alive with that period; 0 or less
	// leaves it off (gevent's default; Go's net turns it on).
	KeepAlive time.Duration
	// Resolver resolves host names; nil uses Go's resolver, which blocks
	// the hub while it runs (the resolver package provides a cooperative
	// one). Literal IPs and "localhost" are never looked up.
	Resolver LookupFunc
}

// Dial connects to address on network (tcp, tcp4, tcp6, udp, udp4, udp6,
// unix, unixgram, unixpacket) and returns a *Conn (stream networks) or a
// *PacketConn (datagram networks), whose blocking calls are cooperative.
// See Dialer.DialContext.
func Dial(network, address string) (net.Conn, error) {
	var d Dialer
	return d.DialContext(context.Background(), network, address)
}

// DialTimeout is Dial with a timeout for the whole dial; when it passes,
// the error matches os.ErrDeadlineExceeded.
func DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	d := Dialer{Timeout: timeout}
	return d.DialContext(context.Background(), network, address)
}

// Dial connects to address; see DialContext.
func (d *Dialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

// DialContext connects to address on network.
//
// It waits for name resolution (see Resolver) and the TCP handshake,
// trying the resolved addresses in order. When the Timeout, the Deadline or
// the deadline of ctx passes, it returns an error matching
// os.ErrDeadlineExceeded (context.DeadlineExceeded for ctx's own deadline);
// when ctx is cancelled, one matching context.Canceled. A kill or Timeout
// scope of the calling greenlet is returned unchanged. On every error the
// half-made socket is closed: nothing is left behind.
//
// Its signature matches net.Dialer.DialContext, so it plugs into
// http.Transport, redis clients and the like; connections dialled from a
// goroutine that is not a greenlet work in blocking mode (see the package
// doc).
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	k, err := parseNetwork(network)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	deadline := d.Deadline
	if d.Timeout > 0 {
		if t := time.Now().Add(d.Timeout); deadline.IsZero() || t.Before(deadline) {
			deadline = t
		}
	}
	ctxDeadline := false
	if t, ok := ctx.Deadline(); ok && (deadline.IsZero() || t.Before(deadline)) {
		deadline, ctxDeadline = t, true
	}
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	fix := func(err error) error {
		if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, net.ErrClosed) {
			if ctx.Err() != nil && (ctxDeadline || errors.Is(ctx.Err(), context.Canceled)) {
				return ctx.Err()
			}
		}
		return err
	}
	if k.unix {
		c, err := d.dialOne(ctx, k, network, &unix.SockaddrUnix{Name: address}, unix.AF_UNIX, deadline)
		if err != nil {
			return nil, &net.OpError{Op: "dial", Net: network, Addr: &net.UnixAddr{Name: address, Net: network}, Err: fix(err)}
		}
		return c, nil
	}
	rctx := ctx
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		rctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	aps, err := resolveIP(rctx, k, network, address, d.Resolver)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	var first error
	for _, ap := range aps {
		if !ap.Addr().IsValid() { // empty host: the local system
			if k.family == unix.AF_INET6 {
				ap = netip.AddrPortFrom(netip.IPv6Loopback(), ap.Port())
			} else {
				ap = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), ap.Port())
			}
		}
		fam := familyFor(k, ap)
		c, err := d.dialOne(ctx, k, network, ipSockaddr(fam, ap), fam, deadline)
		if err == nil {
			return c, nil
		}
		var raddr net.Addr = net.TCPAddrFromAddrPort(ap)
		if !k.stream {
			raddr = net.UDPAddrFromAddrPort(ap)
		}
		err = &net.OpError{Op: "dial", Net: network, Addr: raddr, Err: fix(err)}
		if first == nil {
			first = err
		}
		if isInterrupt(errors.Unwrap(err)) || ctx.Err() != nil || (!deadline.IsZero() && time.Now().After(deadline)) {
			break
		}
	}
	return nil, first
}

// dialOne creates a socket for family and connects it to sa.
func (d *Dialer) dialOne(ctx context.Context, k kind, network string, sa unix.Sockaddr, family int, deadline time.Time) (net.Conn, error) {
	fd, err := socket(family, k, network)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			fd.Close()
		}
	}()
	if d.LocalAddr != nil {
		lsa, err := addrToSockaddr(family, d.LocalAddr)
		if err != nil {
			return nil, err
		}
		if err := unix.Bind(fd.sysfd, lsa); err != nil {
			return nil, os.NewSyscallError("bind", err)
		}
	}
	if !deadline.IsZero() {
		fd.setDeadline(deadline, false, true)
	}
	stop := func() bool { return true }
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { fd.setDeadline(time.Unix(0, 1), false, true) })
	}
	err = fd.connect(sa)
	if !stop() && err == nil {
		err = ctx.Err() // cancelled as the handshake completed
	}
	if err != nil {
		return nil, err
	}
	fd.wdeadline.Store(0)
	if rsa, err := unix.Getpeername(fd.sysfd); err == nil {
		fd.raddr = sockaddrToAddr(k, rsa)
	} else {
		fd.raddr = sockaddrToAddr(k, sa)
	}
	if k.sotype == unix.SOCK_STREAM && !k.unix && d.KeepAlive > 0 {
		c := &Conn{conn{fd: fd, k: k}}
		c.SetKeepAlive(true)
		c.SetKeepAlivePeriod(d.KeepAlive)
	}
	ok = true
	return newConn(fd, k), nil
}

// socket creates a non-blocking socket registered with the caller's hub;
// TCP sockets get TCP_NODELAY.
func socket(family int, k kind, network string) (*netFD, error) {
	s, err := unix.Socket(family, k.sotype|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if k.sotype == unix.SOCK_STREAM && !k.unix {
		unix.SetsockoptInt(s, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	if family == unix.AF_INET6 {
		unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, boolint(k.family == unix.AF_INET6))
	}
	if k.sotype == unix.SOCK_DGRAM && !k.unix {
		unix.SetsockoptInt(s, unix.SOL_SOCKET, unix.SO_BROADCAST, 1)
	}
	fd, err := newFD(s, family, k.sotype, network)
	if err != nil {
		unix.Close(s)
		return nil, err
	}
	return fd, nil
}

func newConn(fd *netFD, k kind) net.Conn {
	if k.stream {
		return &Conn{conn{fd: fd, k: k}}
	}
	return &PacketConn{conn{fd: fd, k: k}}
}
