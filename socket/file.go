package socket

import (
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// Socketpair returns two connected unix stream sockets
// (gevent.socket.socketpair with its defaults, AF_UNIX and SOCK_STREAM;
// Python's socket.socketpair), registered with the hub of the calling
// greenlet like the sockets of Dial: their blocking calls are cooperative,
// with the errors, deadlines and interruptions described for Conn. The
// addresses of both ends are unnamed unix addresses (Name "@", as Go's net
// reports them). Closing one end makes reads on the other return io.EOF. It does not block; it fails
// only if the system is out of descriptors or memory.
func Socketpair() (*Conn, *Conn, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	k, _ := parseNetwork("unix")
	a, err := newFD(fds[0], unix.AF_UNIX, unix.SOCK_STREAM, "unix")
	if err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, nil, err
	}
	b, err := newFD(fds[1], unix.AF_UNIX, unix.SOCK_STREAM, "unix")
	if err != nil {
		a.Close()
		unix.Close(fds[1])
		return nil, nil, err
	}
	for _, fd := range []*netFD{a, b} {
		if sa, err := unix.Getpeername(fd.sysfd); err == nil {
			fd.raddr = sockaddrToAddr(k, sa)
		}
	}
	return &Conn{conn{fd: a, k: k}}, &Conn{conn{fd: b, k: k}}, nil
}

// FileConn returns a cooperative connection on a duplicate of the socket
// open in f (gevent.socket.fromfd; net.FileConn): a *Conn for a stream
// socket (tcp, unix, unixpacket), a *PacketConn for a datagram one (udp,
// unixgram). It is registered with the hub of the calling greenlet like
// the sockets of Dial.
//
// The caller keeps f and must close it: closing the connection does not
// close f, nor the reverse. The duplicate shares f's open file description,
// so f is left in non-blocking mode, as net.FileConn leaves it. An f that
// is not a socket, or a socket of another family (IPv4, IPv6 and unix are
// supported), gives an error (a *net.OpError with Op "file"). It does not
// block.
func FileConn(f *os.File) (net.Conn, error) {
	fd, k, err := fileFD(f)
	if err != nil {
		return nil, fileError(f, err)
	}
	if sa, err := unix.Getpeername(fd.sysfd); err == nil {
		fd.raddr = sockaddrToAddr(k, sa)
	}
	return newConn(fd, k), nil
}

// FileListener returns a cooperative *Listener on a duplicate of the
// listening socket open in f (net.FileListener), registered with the hub of
// the calling greenlet. As with FileConn, the caller keeps and closes f,
// which is left non-blocking. An f that is not a listening stream socket
// gives an error (a *net.OpError with Op "file"). Closing the listener
// does not remove the file of a unix socket. It does not block.
func FileListener(f *os.File) (net.Listener, error) {
	fd, k, err := fileFD(f)
	if err == nil && !k.stream {
		fd.Close()
		err = unix.EINVAL
	}
	if err == nil {
		if v, gerr := unix.GetsockoptInt(fd.sysfd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); gerr != nil || v == 0 {
			fd.Close()
			err = os.NewSyscallError("listen", unix.EINVAL) // not listening
		}
	}
	if err != nil {
		return nil, fileError(f, err)
	}
	return &Listener{fd: fd, k: k, addr: fd.localAddr(k)}, nil
}

// FilePacketConn returns a cooperative *PacketConn on a duplicate of the
// datagram socket (udp, unixgram) open in f (net.FilePacketConn),
// registered with the hub of the calling greenlet. As with FileConn, the
// caller keeps and closes f, which is left non-blocking. An f that is not
// a datagram socket gives an error (a *net.OpError with Op "file"). It
// does not block.
func FilePacketConn(f *os.File) (net.PacketConn, error) {
	fd, k, err := fileFD(f)
	if err == nil && k.stream {
		fd.Close()
		err = unix.EINVAL
	}
	if err != nil {
		return nil, fileError(f, err)
	}
	if sa, err := unix.Getpeername(fd.sysfd); err == nil {
		fd.raddr = sockaddrToAddr(k, sa)
	}
	return &PacketConn{conn{fd: fd, k: k}}, nil
}

// fileFD duplicates the socket in f (close-on-exec), makes the duplicate
// non-blocking and wraps it for the calling greenlet's hub.
func fileFD(f *os.File) (*netFD, kind, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, kind{}, err
	}
	s, derr := -1, error(nil)
	if err := rc.Control(func(fd uintptr) { s, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, kind{}, err
	}
	if derr != nil {
		return nil, kind{}, os.NewSyscallError("dup", derr)
	}
	fail := func(err error) (*netFD, kind, error) {
		unix.Close(s)
		return nil, kind{}, err
	}
	sotype, err := unix.GetsockoptInt(s, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return fail(os.NewSyscallError("getsockopt", err)) // ENOTSOCK: not a socket
	}
	family, err := unix.GetsockoptInt(s, unix.SOL_SOCKET, unix.SO_DOMAIN)
	if err != nil {
		return fail(os.NewSyscallError("getsockopt", err))
	}
	var network string
	switch {
	case (family == unix.AF_INET || family == unix.AF_INET6) && sotype == unix.SOCK_STREAM:
		network = "tcp"
	case (family == unix.AF_INET || family == unix.AF_INET6) && sotype == unix.SOCK_DGRAM:
		network = "udp"
	case family == unix.AF_UNIX && sotype == unix.SOCK_STREAM:
		network = "unix"
	case family == unix.AF_UNIX && sotype == unix.SOCK_DGRAM:
		network = "unixgram"
	case family == unix.AF_UNIX && sotype == unix.SOCK_SEQPACKET:
		network = "unixpacket"
	default:
		return fail(unix.EPROTONOSUPPORT)
	}
	k, _ := parseNetwork(network)
	if err := unix.SetNonblock(s, true); err != nil {
		return fail(os.NewSyscallError("setnonblock", err))
	}
	fd, err := newFD(s, family, sotype, network)
	if err != nil {
		return fail(err)
	}
	return fd, k, nil
}

// fileAddr names the file a File* function was given, in its errors.
type fileAddr string

func (fileAddr) Network() string  { return "file+net" }
func (f fileAddr) String() string { return string(f) }

func fileError(f *os.File, err error) error {
	return &net.OpError{Op: "file", Net: "file+net", Addr: fileAddr(f.Name()), Err: err}
}
