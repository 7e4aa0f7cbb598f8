package gevent

import (
	"errors"
	"time"

	"github.com/gevent-go/gevent/internal/loop"
	"golang.org/x/sys/unix"
)

type rawFD struct {
	f    *loop.FD
	r, w *greenlet
}

// WaitRead waits until fd is readable (or hung up), gevent's wait_read.
// It works on any pollable descriptor: pipes, sockets, eventfds, ttys; a
// regular file is always ready. With a timeout it returns an error matching
// ErrTimeout when it elapses; kill and Timeout scopes interrupt it. A second
// greenlet waiting to read the same fd gets ErrConcurrentUse.
func WaitRead(fd int, timeout ...time.Duration) error { return waitFD(fd, false, timeout) }

// WaitWrite waits until fd is writable; see WaitRead.
func WaitWrite(fd int, timeout ...time.Duration) error { return waitFD(fd, true, timeout) }

func waitFD(fd int, write bool, timeout []time.Duration) error {
	c, err := mustGreenlet("WaitRead/WaitWrite")
	if err != nil {
		return err
	}
	if err := c.enter(); err != nil {
		return err
	}
	// Level semantics: an fd that is ready now needs no wait.
	ev := int16(unix.POLLIN)
	if write {
		ev = unix.POLLOUT
	}
	pfd := []unix.PollFd{{Fd: int32(fd), Events: ev}}
	if n, err := unix.Poll(pfd, 0); err == nil && n > 0 {
		if pfd[0].Revents&unix.POLLNVAL != 0 {
			return unix.EBADF
		}
		return nil
	}
	h := c.hub
	if h.rawFDs == nil {
		h.rawFDs = make(map[int]*rawFD)
	}
	rf := h.rawFDs[fd]
	if rf == nil {
		f, err := h.loop.Register(fd)
		if err != nil {
			if errors.Is(err, unix.EPERM) {
				return nil // regular files are always ready
			}
			return err
		}
		rf = &rawFD{f: f}
		h.rawFDs[fd] = rf
	}
	task := (*wakeTask)(c)
	if write {
		if rf.w != nil {
			return ErrConcurrentUse
		}
		rf.w = c
		rf.f.SetWriter(task)
	} else {
		if rf.r != nil {
			return ErrConcurrentUse
		}
		rf.r = c
		rf.f.SetReader(task)
	}
	// Deferred: the wait may end in a panic that unwinds the greenlet (a
	// kill it ignored, the hub's teardown); the fd must not keep it.
	defer func() {
		if write {
			rf.w = nil
			rf.f.ClearWriter(task)
		} else {
			rf.r = nil
			rf.f.ClearReader(task)
		}
		if rf.r == nil && rf.w == nil {
			rf.f.Unregister()
			delete(h.rawFDs, fd)
		}
	}()
	d := durationOf(timeout)
	return timeoutError(c.parkTimeout(d), d)
}

// FD is a file descriptor registered with a hub's epoll instance for
// repeated waits: what the socket package builds on. Readiness is
// edge-triggered and remembered: the owner tries its syscall first and
// calls WaitRead/WaitWrite only after EAGAIN. Methods must be called from
// greenlets of the hub that registered it.
type FD struct {
	h       *Hub
	f       *loop.FD
	r, w    *greenlet
	closed  error
	wakeErr error
}

// RegisterFD registers fd (which must be non-blocking) with the calling
// greenlet's hub.
func RegisterFD(fd int) (*FD, error) {
	h := self("RegisterFD").hub
	f, err := h.loop.Register(fd)
	if err != nil {
		return nil, err
	}
	return &FD{h: h, f: f}, nil
}

// Hub returns the hub the fd is registered with.
func (f *FD) Hub() *Hub { return f.h }

// SetBusyPoll makes the hub, while a greenlet waits on f and nothing else
// is ready, poll its FDs without blocking for up to d before it sleeps in
// epoll_wait (0, the default: never; negative is 0), yielding the CPU
// between polls. It is Hub.SetBusyPoll confined to the waits on f: meant
// for an FD whose events come from another thread or process within
// microseconds, at a cost of up to d of CPU time each time the hub runs
// out of work while such a wait is pending (package zmq sets it on its
// sockets, and shortens it for sockets whose waits are long). With waits
// on several such FDs the longest d counts. It applies to waits that
// start afterwards; not under a virtual clock. Call it from a greenlet of
// f's hub.
func (f *FD) SetBusyPoll(d time.Duration) {
	f.h.mustOn("FD.SetBusyPoll", "FD")
	f.f.SetSpin(int64(max(d, 0)))
}

// BusyPoll returns what SetBusyPoll set (0: none). Call it from a
// greenlet of f's hub.
func (f *FD) BusyPoll() time.Duration {
	f.h.mustOn("FD.BusyPoll", "FD")
	return time.Duration(f.f.Spin())
}

// WaitRead waits until the fd becomes readable (or hung up), unless it was
// seen readable since the last WaitRead. timeout < 0 waits without limit;
// on timeout it returns an error matching ErrTimeout; kill and Timeout
// scopes interrupt it; after Close it returns the close error. A second
// greenlet waiting to read gets ErrConcurrentUse.
func (f *FD) WaitRead(timeout time.Duration) error { return f.wait(false, timeout) }

// WaitWrite is WaitRead for writability.
func (f *FD) WaitWrite(timeout time.Duration) error { return f.wait(true, timeout) }

func (f *FD) wait(write bool, timeout time.Duration) error {
	if f.closed != nil {
		return f.closed
	}
	c, err := mustGreenlet("FD.Wait")
	if err != nil {
		return err
	}
	if c.hub != f.h {
		wrongHub("FD.WaitRead/WaitWrite", "FD")
	}
	if timeout == Forever {
		timeout = -1
	}
	if write {
		if f.f.Writable() {
			f.f.ClearWritable()
			return c.enter()
		}
		if f.w != nil {
			return ErrConcurrentUse
		}
	} else {
		if f.f.Readable() {
			f.f.ClearReadable()
			return c.enter()
		}
		if f.r != nil {
			return ErrConcurrentUse
		}
	}
	task := (*wakeTask)(c)
	if write {
		f.w = c
		f.f.SetWriter(task)
	} else {
		f.r = c
		f.f.SetReader(task)
	}
	// Deferred: the wait may end in a panic that unwinds the greenlet (a
	// kill it ignored, the hub's teardown); the fd must not keep it.
	defer func() {
		if write {
			f.w = nil
			if f.closed == nil {
				f.f.ClearWriter(task)
			}
		} else {
			f.r = nil
			if f.closed == nil {
				f.f.ClearReader(task)
			}
		}
	}()
	err = c.parkTimeout(timeout)
	if err == nil {
		if f.closed != nil {
			return f.closed
		}
		if write {
			f.f.ClearWritable()
		} else {
			f.f.ClearReadable()
		}
	}
	if err == errWake {
		return f.wakeErr
	}
	return timeoutError(err, timeout)
}

// Drained tells the fd that a read just returned fewer bytes than it asked
// for from a TCP socket: the receive queue was empty then, so the next
// byte to arrive will bring an edge the hub has not seen yet. It forgets
// the read readiness seen so far, so that the next WaitRead parks until
// that edge instead of returning at once (and the caller's read failing
// with EAGAIN). It forgets nothing, and returns false, once the peer hung
// up, the fd errored or urgent data came (those come as one edge, which
// may be the one seen already, and a read stops short at the urgent mark
// with data after it queued); it returns true otherwise. Do not call it
// for a unix stream socket: with SO_PASSCRED its reads are short between
// two writers' data too, with the second's queued. Call it right after
// the read, before anything that may yield to the hub, from a greenlet of
// the fd's hub (it panics on any other goroutine). It does not block.
func (f *FD) Drained() bool {
	f.h.mustOn("FD.Drained", "FD")
	if f.closed != nil || f.f.HungUp() {
		return false
	}
	f.f.ClearReadable()
	return true
}

// errWake marks a wait ended by FD.Wake.
var errWake = errors.New("gevent: fd wait woken")

// Wake ends the current read (read true) or write wait on the fd, if any,
// which returns err; the fd stays registered (for deadline changes). It
// reports whether a greenlet was waiting.
func (f *FD) Wake(read bool, err error) bool {
	f.h.mustOn("FD.Wake", "FD")
	g := f.w
	if read {
		g = f.r
	}
	if g == nil || f.closed != nil {
		return false
	}
	f.wakeErr = err
	return g.wakeWith(errWake)
}

// Close unregisters the fd (it does not close it) and wakes its waiters,
// whose waits return err (use net.ErrClosed for sockets).
func (f *FD) Close(err error) {
	f.h.mustOn("FD.Close", "FD")
	if f.closed != nil {
		return
	}
	f.closed = err
	f.f.Unregister()
	for _, g := range []*greenlet{f.r, f.w} {
		if g != nil {
			g.wakeWith(err)
		}
	}
}
