package loop

import (
	"errors"
	"runtime"

	"golang.org/x/sys/unix"
)

// ErrBusy is returned by FD.SetReader/SetWriter when another waiter is
// already waiting for the same event on the same fd.
var ErrBusy = errors.New("another greenlet is already waiting on this file descriptor")

// FD is a file descriptor registered with the loop's epoll instance
// (edge-triggered, read and write). It remembers readiness between waits:
// Readable/Writable stay true until the owner clears them after EAGAIN.
type FD struct {
	l        *Loop
	fd       int
	gen      int32
	readable bool
	writable bool
	hup      bool // seen EPOLLRDHUP, EPOLLHUP, EPOLLERR or EPOLLPRI (sticky)
	r, w     Task
	spin     int64 // SetSpin
	rs, ws   bool  // the r, w waits count in l.spinWaits
}

// SetSpin makes the loop, while a task waits on the fd (SetReader,
// SetWriter), poll without blocking for up to d nanoseconds before it
// sleeps in epoll_wait (the longest d of the pending waits); 0 (the
// default) turns it off. It applies to waits that start afterwards.
func (f *FD) SetSpin(d int64) { f.spin = max(d, 0) }

// Spin returns what SetSpin set.
func (f *FD) Spin() int64 { return f.spin }

// addWait counts a wait that starts on f (write: SetWriter).
func (f *FD) addWait(write bool) {
	l := f.l
	l.fdWaits++
	if f.spin > 0 {
		l.spinWaits++
		l.spinMax = max(l.spinMax, f.spin)
		if write {
			f.ws = true
		} else {
			f.rs = true
		}
	}
}

// endWait uncounts a wait that ends on f, for loop l.
func (f *FD) endWait(l *Loop, write bool) {
	l.fdWaits--
	counted := &f.rs
	if write {
		counted = &f.ws
	}
	if *counted {
		*counted = false
		if l.spinWaits--; l.spinWaits == 0 {
			l.spinMax = 0
		}
	}
}

// Register adds fd to the loop. The fd must stay open until Unregister.
func (l *Loop) Register(fd int) (*FD, error) {
	l.fdGen++
	f := &FD{l: l, fd: fd, gen: l.fdGen}
	ev := unix.EpollEvent{
		Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLPRI | unix.EPOLLET,
		Fd:     int32(fd), Pad: f.gen,
	}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return nil, err
	}
	for fd >= len(l.fdtab) {
		l.fdtab = append(l.fdtab, make([]*FD, len(l.fdtab)+64)...)
	}
	l.fdtab[fd] = f
	l.fdActive++
	return f, nil
}

// Fd returns the file descriptor number.
func (f *FD) Fd() int { return f.fd }

// Unregister removes the fd from epoll. Waiters still set are returned so
// the caller can wake them; the FD must not be used afterwards.
func (f *FD) Unregister() (r, w Task) {
	l := f.l
	if l == nil {
		return nil, nil
	}
	unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, f.fd, nil)
	if f.fd < len(l.fdtab) && l.fdtab[f.fd] == f {
		l.fdtab[f.fd] = nil
	}
	l.fdActive--
	r, w = f.r, f.w
	if r != nil {
		f.endWait(l, false)
	}
	if w != nil {
		f.endWait(l, true)
	}
	f.r, f.w, f.l = nil, nil, nil
	return r, w
}

// Readable reports whether the fd was seen readable (or hung up) since the
// last ClearReadable.
func (f *FD) Readable() bool { return f.readable }

// Writable reports whether the fd was seen writable since the last ClearWritable.
func (f *FD) Writable() bool { return f.writable }

// ClearReadable forgets read readiness (after a read returned EAGAIN).
func (f *FD) ClearReadable() { f.readable = false }

// HungUp reports whether the fd was ever seen hung up (EPOLLRDHUP: the
// peer shut down its side), in error (EPOLLHUP, EPOLLERR) or with urgent
// data (EPOLLPRI: a TCP read stops short at the urgent mark, with data
// after it queued). Those come as one edge each: a short read after them
// does not mean that a later edge will come.
func (f *FD) HungUp() bool { return f.hup }

// ClearWritable forgets write readiness (after a write returned EAGAIN).
func (f *FD) ClearWritable() { f.writable = false }

// SetReader installs the task run when the fd becomes readable.
func (f *FD) SetReader(t Task) error {
	if f.r != nil {
		return ErrBusy
	}
	f.r = t
	f.addWait(false)
	return nil
}

// SetWriter installs the task run when the fd becomes writable.
func (f *FD) SetWriter(t Task) error {
	if f.w != nil {
		return ErrBusy
	}
	f.w = t
	f.addWait(true)
	return nil
}

// ClearReader removes the read waiter, if it is t.
func (f *FD) ClearReader(t Task) {
	if f.r == t && t != nil {
		f.r = nil
		f.endWait(f.l, false)
	}
}

// ClearWriter removes the write waiter, if it is t.
func (f *FD) ClearWriter(t Task) {
	if f.w == t && t != nil {
		f.w = nil
		f.endWait(f.l, true)
	}
}

// poll waits in epoll_wait for up to timeout ms (-1: no limit) and runs
// the tasks of the FDs that became ready; it returns the number of events.
func (l *Loop) poll(timeout int) int {
	if timeout != 0 {
		l.sleeps++
	}
	n, err := unix.EpollWait(l.epfd, l.events, timeout)
	if err != nil {
		return 0 // EINTR: the caller loops
	}
	for i := 0; i < n; i++ {
		ev := l.events[i]
		if ev.Pad == -1 && int(ev.Fd) == l.evfd {
			var buf [8]byte
			unix.Read(l.evfd, buf[:])
			l.wakeSent.Store(false)
			continue
		}
		fd := int(ev.Fd)
		if fd >= len(l.fdtab) {
			continue
		}
		f := l.fdtab[fd]
		if f == nil || f.gen != ev.Pad {
			continue // stale event for a closed and reused fd
		}
		if ev.Events&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR|unix.EPOLLRDHUP|unix.EPOLLPRI) != 0 {
			f.readable = true
			if ev.Events&(unix.EPOLLHUP|unix.EPOLLERR|unix.EPOLLRDHUP|unix.EPOLLPRI) != 0 {
				f.hup = true
			}
			if t := f.r; t != nil {
				f.r = nil
				f.endWait(l, false)
				l.runTask(t)
			}
		}
		if ev.Events&(unix.EPOLLOUT|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			f.writable = true
			if t := f.w; t != nil && f.l == l {
				f.w = nil
				f.endWait(l, true)
				l.runTask(t)
			}
		}
	}
	if n == len(l.events) && n < 4096 {
		l.events = make([]unix.EpollEvent, 2*n)
	}
	return n
}

func stack() []byte {
	buf := make([]byte, 16<<10)
	return buf[:runtime.Stack(buf, false)]
}
