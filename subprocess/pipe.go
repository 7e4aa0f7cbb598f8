package subprocess

import (
	"errors"
	"io"
	"os"
	"sync"
	"syscall"

	"github.com/gevent-go/gevent"
	"golang.org/x/sys/unix"
)

// pipeEnd is the parent's end of a pipe: reads and writes wait on the
// hub's epoll when called from a greenlet, and block the calling goroutine
// (through os.File) otherwise.
type pipeEnd struct {
	f      *os.File
	fd     int
	mu     sync.Mutex
	gfd    *gevent.FD
	closed bool
}

func newPipeEnd(f *os.File) *pipeEnd {
	p := &pipeEnd{f: f, fd: -1}
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { p.fd = int(fd) })
	}
	return p
}

func (p *pipeEnd) coop() (*gevent.FD, bool) {
	if p.fd < 0 {
		return nil, false
	}
	h := gevent.GetHub()
	if h == nil { // not a greenlet of any hub: block this goroutine instead
		return nil, false
	}
	if p.gfd == nil {
		fd, err := gevent.RegisterFD(p.fd)
		if err != nil {
			return nil, false
		}
		p.gfd = fd
	}
	if p.gfd.Hub() != h {
		return nil, false
	}
	return p.gfd, true
}

func (p *pipeEnd) Read(b []byte) (int, error) {
	gfd, ok := p.coop()
	if !ok {
		return p.f.Read(b)
	}
	for {
		if p.closed {
			return 0, os.ErrClosed
		}
		n, err := unix.Read(p.fd, b)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if err := gfd.WaitRead(-1); err != nil {
				return 0, err
			}
			continue
		case err != nil:
			return 0, &os.PathError{Op: "read", Path: p.f.Name(), Err: err}
		case n == 0 && len(b) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (p *pipeEnd) Write(b []byte) (int, error) {
	gfd, ok := p.coop()
	if !ok {
		return p.f.Write(b)
	}
	written := 0
	for written < len(b) {
		if p.closed {
			return written, os.ErrClosed
		}
		n, err := unix.Write(p.fd, b[written:])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if err := gfd.WaitWrite(-1); err != nil {
				return written, err
			}
			continue
		case err != nil:
			if errors.Is(err, syscall.EPIPE) {
				return written, &os.PathError{Op: "write", Path: p.f.Name(), Err: syscall.EPIPE}
			}
			return written, &os.PathError{Op: "write", Path: p.f.Name(), Err: err}
		}
		written += n
	}
	return written, nil
}

func (p *pipeEnd) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	if p.gfd != nil {
		p.gfd.Close(os.ErrClosed)
	}
	return p.f.Close()
}
