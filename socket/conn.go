package socket

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

var errEOF = io.EOF

// conn is what Conn and PacketConn share.
type conn struct {
	fd *netFD
	k  kind
}

// wrap turns an error of the fd layer into the *net.OpError Go's net
// package returns (so errors.Is(err, net.ErrClosed) and
// errors.Is(err, os.ErrDeadlineExceeded) work, and net.Error's Timeout
// reports deadlines). io.EOF and the errors of the calling greenlet (a kill
// error, a *gevent.Timeout) are returned unchanged.
func (c *conn) wrap(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	var se *os.SyscallError
	if !errors.Is(err, net.ErrClosed) && !errors.Is(err, os.ErrDeadlineExceeded) && !errors.As(err, &se) {
		return err
	}
	return &net.OpError{Op: op, Net: c.fd.net, Source: c.fd.localAddr(c.k), Addr: c.fd.remoteAddr(), Err: err}
}

func (fd *netFD) localAddr(k kind) net.Addr {
	fd.addrMu.Lock()
	defer fd.addrMu.Unlock()
	if fd.laddr == nil && !fd.closing() {
		if sa, err := unix.Getsockname(fd.sysfd); err == nil {
			fd.laddr = sockaddrToAddr(k, sa)
		}
	}
	return fd.laddr
}

func (fd *netFD) remoteAddr() net.Addr {
	fd.addrMu.Lock()
	defer fd.addrMu.Unlock()
	return fd.raddr
}

// Close closes the socket. Greenlets and goroutines blocked in its calls
// return an error matching net.ErrClosed; the descriptor itself is closed
// when the last of them has left. Closing twice returns net.ErrClosed.
func (c *conn) Close() error { return c.wrap("close", c.fd.Close()) }

// LocalAddr returns the local address.
func (c *conn) LocalAddr() net.Addr { return c.fd.localAddr(c.k) }

// RemoteAddr returns the peer's address (nil for an unconnected datagram socket).
func (c *conn) RemoteAddr() net.Addr { return c.fd.remoteAddr() }

// SetDeadline sets the read and write deadlines; see SetReadDeadline.
func (c *conn) SetDeadline(t time.Time) error {
	return c.wrap("set", c.fd.setDeadline(t, true, true))
}

// SetReadDeadline sets the time after which reads fail with an error
// matching os.ErrDeadlineExceeded (whose Timeout method reports true). It
// applies to a read already blocked: a deadline in the past wakes it. The
// zero time means no deadline.
func (c *conn) SetReadDeadline(t time.Time) error {
	return c.wrap("set", c.fd.setDeadline(t, true, false))
}

// SetWriteDeadline is SetReadDeadline for writes.
func (c *conn) SetWriteDeadline(t time.Time) error {
	return c.wrap("set", c.fd.setDeadline(t, false, true))
}

// SetReadBuffer sets the kernel receive buffer size (SO_RCVBUF).
func (c *conn) SetReadBuffer(bytes int) error {
	return c.setInt(unix.SOL_SOCKET, unix.SO_RCVBUF, bytes)
}

// SetWriteBuffer sets the kernel send buffer size (SO_SNDBUF).
func (c *conn) SetWriteBuffer(bytes int) error {
	return c.setInt(unix.SOL_SOCKET, unix.SO_SNDBUF, bytes)
}

// Fd returns the socket's descriptor, valid until Close. Do not close it;
// reads and writes made on it directly bypass the deadlines.
func (c *conn) Fd() int { return c.fd.sysfd }

// SyscallConn returns a raw connection (for setsockopt and the like).
func (c *conn) SyscallConn() (syscall.RawConn, error) { return rawConn{c.fd}, nil }

func (c *conn) setInt(level, opt, v int) error {
	if err := c.fd.incref(); err != nil {
		return c.wrap("set", err)
	}
	defer c.fd.decref()
	return c.wrap("set", os.NewSyscallError("setsockopt", unix.SetsockoptInt(c.fd.sysfd, level, opt, v)))
}

// Conn is a stream connection: TCP, unix or unixpacket. It implements
// net.Conn with the extras of *net.TCPConn. Reads and writes wait
// cooperatively on the hub of the greenlet that created it (see the package
// doc for other goroutines).
type Conn struct{ conn }

var _ net.Conn = (*Conn)(nil)

// Read reads up to len(b) bytes.
//
// It waits until data arrives, the peer closes (io.EOF), the read deadline
// passes (an error matching os.ErrDeadlineExceeded) or the socket is closed
// (net.ErrClosed). A kill or Timeout scope of the calling greenlet returns
// that error unchanged; nothing was read then. Greenlets reading one Conn
// take turns in FIFO order; each Read is one recv.
func (c *Conn) Read(b []byte) (int, error) {
	n, err := c.fd.read(b)
	return n, c.wrap("read", err)
}

// Write writes all of b.
//
// It waits while the kernel buffer is full, until the write deadline
// (os.ErrDeadlineExceeded), Close (net.ErrClosed), or a kill or Timeout
// scope (returned unchanged). On any error it returns how many bytes were
// written: a prefix of b may have been sent. Writes from several greenlets
// do not interleave; they take turns in FIFO order.
func (c *Conn) Write(b []byte) (int, error) {
	n, err := c.fd.write(b)
	return n, c.wrap("write", err)
}

// CloseRead shuts down the reading side.
func (c *Conn) CloseRead() error { return c.shutdown(unix.SHUT_RD) }

// CloseWrite shuts down the writing side (half-close: the peer reads EOF).
func (c *Conn) CloseWrite() error { return c.shutdown(unix.SHUT_WR) }

func (c *Conn) shutdown(how int) error {
	if err := c.fd.incref(); err != nil {
		return c.wrap("close", err)
	}
	defer c.fd.decref()
	return c.wrap("close", os.NewSyscallError("shutdown", unix.Shutdown(c.fd.sysfd, how)))
}

// SetNoDelay sets TCP_NODELAY (on by default: Nagle's algorithm is off).
func (c *Conn) SetNoDelay(noDelay bool) error {
	return c.setInt(unix.IPPROTO_TCP, unix.TCP_NODELAY, boolint(noDelay))
}

// SetKeepAlive turns TCP keep-alive probes on or off (off by default,
// unlike Go's net, as in gevent).
func (c *Conn) SetKeepAlive(keepalive bool) error {
	return c.setInt(unix.SOL_SOCKET, unix.SO_KEEPALIVE, boolint(keepalive))
}

// SetKeepAlivePeriod sets the idle time before probes and between them.
func (c *Conn) SetKeepAlivePeriod(d time.Duration) error {
	secs := int(max((d+time.Second-1)/time.Second, 1))
	if err := c.setInt(unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, secs); err != nil {
		return err
	}
	return c.setInt(unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, secs)
}

// SetLinger sets SO_LINGER: sec < 0 is the default (close returns at once,
// the kernel sends what is left); 0 discards unsent data and resets the
// connection on Close; > 0 lingers that many seconds (blocking Close).
func (c *Conn) SetLinger(sec int) error {
	if err := c.fd.incref(); err != nil {
		return c.wrap("set", err)
	}
	defer c.fd.decref()
	l := &unix.Linger{}
	if sec >= 0 {
		l.Onoff, l.Linger = 1, int32(sec)
	}
	return c.wrap("set", os.NewSyscallError("setsockopt", unix.SetsockoptLinger(c.fd.sysfd, unix.SOL_SOCKET, unix.SO_LINGER, l)))
}

func boolint(b bool) int {
	if b {
		return 1
	}
	return 0
}

// PacketConn is a datagram socket: UDP or unixgram. It implements
// net.PacketConn, and net.Conn when connected (Dial).
type PacketConn struct{ conn }

var (
	_ net.PacketConn = (*PacketConn)(nil)
	_ net.Conn       = (*PacketConn)(nil)
)

// ReadFrom reads one datagram into b and returns its size and sender; a
// datagram longer than b is truncated.
//
// It waits for a datagram, until the read deadline
// (os.ErrDeadlineExceeded) or Close (net.ErrClosed); a kill or Timeout
// scope returns that error unchanged and nothing was read. Readers take
// turns in FIFO order.
func (c *PacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, sa, err := c.fd.recvfrom(b)
	if err != nil {
		return 0, nil, c.wrap("read", err)
	}
	return n, sockaddrToAddr(c.k, sa), nil
}

// WriteTo sends b as one datagram to addr, waiting while the send buffer
// is full (same errors as ReadFrom, for the write deadline).
func (c *PacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	sa, err := addrToSockaddr(c.fd.family, addr)
	if err != nil {
		return 0, &net.OpError{Op: "write", Net: c.fd.net, Source: c.LocalAddr(), Addr: addr, Err: err}
	}
	n, err := c.fd.sendto(b, sa)
	return n, c.wrap("write", err)
}

// Read reads one datagram from the connected peer; see ReadFrom.
func (c *PacketConn) Read(b []byte) (int, error) {
	n, err := c.fd.read(b)
	return n, c.wrap("read", err)
}

// Write sends b as one datagram to the connected peer; see WriteTo.
func (c *PacketConn) Write(b []byte) (int, error) {
	n, err := c.fd.sendto(b, nil)
	return n, c.wrap("write", err)
}

// rawConn implements syscall.RawConn. Read and Write wait cooperatively
// like the socket's own calls.
type rawConn struct{ fd *netFD }

func (r rawConn) Control(f func(fd uintptr)) error {
	if err := r.fd.incref(); err != nil {
		return err
	}
	defer r.fd.decref()
	f(uintptr(r.fd.sysfd))
	return nil
}

func (r rawConn) Read(f func(fd uintptr) (done bool)) error { return r.rw(false, f) }

func (r rawConn) Write(f func(fd uintptr) (done bool)) error { return r.rw(true, f) }

func (r rawConn) rw(write bool, f func(fd uintptr) bool) error {
	onHub, err := r.fd.begin(write)
	if err != nil {
		return err
	}
	defer r.fd.end(write, onHub)
	for !f(uintptr(r.fd.sysfd)) {
		if err := r.fd.wait(write, onHub); err != nil {
			return err
		}
	}
	return nil
}
