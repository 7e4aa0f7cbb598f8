package gselect

import (
	"os"
	"slices"
	"sync"
	"time"

	"github.com/gevent-go/gevent"
	"golang.org/x/sys/unix"
)

// The waiters of a hub: every Select and Poll call of the hub's greenlets
// that has to wait joins one FIFO list, and their descriptors are
// registered (the union of the events each is waited for with) in one
// epoll instance of the hub's, nested in the hub's own through
// gevent.WaitRead. One waiter at a time, the leader (the oldest one), waits
// for that instance to become readable; when it does, the leader polls
// every waiter's descriptors in FIFO order and wakes the ready ones in that
// order (gevent: one io watcher per descriptor and call, whose callbacks
// run in the order the calls started waiting). A private epoll instance per
// call would wake them newest first, the order in which the kernel queues
// a descriptor's waiters.

// wakeKind is what a waiter is woken for.
type wakeKind uint8

const (
	wakeReady wakeKind = iota + 1 // its descriptors are ready: return
	wakeLead                      // it is the leader now: wait on the epoll instance
)

type waiter struct {
	fds   []unix.PollFd
	wake  gevent.WaitList[wakeKind]
	ready int // entries of fds with Revents set, once woken ready
}

// hubWaiters is the waiter list of one hub; only its greenlets touch it.
type hubWaiters struct {
	h       *gevent.Hub
	ep      int
	reg     map[int32]uint32 // what ep watches: fd -> events
	waiters []*waiter        // FIFO
	leader  *waiter
}

var (
	hubsMu sync.Mutex
	hubs   = map[*gevent.Hub]*hubWaiters{}
)

// waitersOf returns h's waiter list, creating it (and its epoll instance)
// for a first waiter.
func waitersOf(h *gevent.Hub) (*hubWaiters, error) {
	hubsMu.Lock()
	defer hubsMu.Unlock()
	if d := hubs[h]; d != nil {
		return d, nil
	}
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	d := &hubWaiters{h: h, ep: ep, reg: map[int32]uint32{}}
	hubs[h] = d
	return d, nil
}

// register makes ep watch the union of the events the waiters wait for.
func (d *hubWaiters) register() error {
	want := map[int32]uint32{}
	for _, w := range d.waiters {
		for _, p := range w.fds {
			want[p.Fd] |= uint32(p.Events)
		}
	}
	for fd := range d.reg {
		if _, ok := want[fd]; !ok {
			// The descriptor may be closed already (the kernel then
			// dropped it): nothing to report.
			unix.EpollCtl(d.ep, unix.EPOLL_CTL_DEL, int(fd), nil)
			delete(d.reg, fd)
		}
	}
	var first error
	for fd, ev := range want {
		old, ok := d.reg[fd]
		if ok && old == ev {
			continue
		}
		e := unix.EpollEvent{Events: ev, Fd: fd}
		var err error
		if ok {
			err = unix.EpollCtl(d.ep, unix.EPOLL_CTL_MOD, int(fd), &e)
		}
		if !ok || err == unix.ENOENT {
			// New, or closed and reopened under the same number since.
			err = unix.EpollCtl(d.ep, unix.EPOLL_CTL_ADD, int(fd), &e)
		}
		if err != nil && err != unix.EPERM {
			delete(d.reg, fd)
			if first == nil {
				first = os.NewSyscallError("epoll_ctl", err)
			}
			continue
		}
		d.reg[fd] = ev
	}
	return first
}

// remove takes w out of the list (if it is still in it) and updates the
// registrations.
func (d *hubWaiters) remove(w *waiter) {
	if i := slices.Index(d.waiters, w); i >= 0 {
		d.waiters = slices.Delete(d.waiters, i, i+1)
		d.register()
	}
}

// leave is the end of w's wait, however it ended: w leaves the list, hands
// the lead on to the oldest waiter left, and the last one closes the epoll
// instance.
func (d *hubWaiters) leave(w *waiter) {
	d.remove(w)
	if d.leader == w {
		d.leader = nil
		d.elect()
	}
	if len(d.waiters) == 0 && d.ep >= 0 {
		hubsMu.Lock()
		delete(hubs, d.h)
		hubsMu.Unlock()
		unix.Close(d.ep)
		d.ep = -1 // a woken waiter that leaves later must not close it again
	}
}

// elect makes the oldest waiter that can be woken the leader. A waiter that
// cannot (its timeout or kill woke it already) is on its way out.
func (d *hubWaiters) elect() {
	for _, w := range d.waiters {
		if w.wake.WakeOne(wakeLead) {
			d.leader = w
			return
		}
	}
}

// dispatch runs in the leader after the epoll instance became readable:
// it polls each waiter's descriptors in FIFO order and wakes those that
// are ready, in that order; the leader, if ready, is only marked (it
// returns when dispatch does). A ready waiter that cannot be woken (its
// timeout or kill woke it first, and it has not run yet) leaves the list
// too, so that its descriptors stop making the epoll instance readable. It
// reports whether any waiter was ready.
func (d *hubWaiters) dispatch(lead *waiter) bool {
	changed := false
	kept := d.waiters[:0]
	for _, w := range d.waiters {
		n, err := poll0(w.fds)
		if err != nil {
			n = len(w.fds) // EBADF: let the waiter poll again and report it
		}
		switch {
		case n == 0:
			kept = append(kept, w)
			continue
		case w == lead:
			w.ready = n
		case w.wake.WakeOne(wakeReady):
			w.ready = n
		}
		// Woken, or interrupted meanwhile (it leaves by itself, and finds
		// itself gone already).
		changed = true
	}
	clear(d.waiters[len(kept):])
	d.waiters = kept
	if changed {
		d.register()
	}
	return changed
}

// waitShared waits, in the hub's FIFO of waiters, until fds are ready, the
// timeout (none if absent) elapses, or the caller is interrupted. It
// returns the number of entries of fds with Revents set.
func waitShared(h *gevent.Hub, fds []unix.PollFd, timeout []time.Duration) (int, error) {
	var deadline time.Time
	if len(timeout) > 0 {
		deadline = time.Now().Add(timeout[0])
	}
	left := func() time.Duration {
		if deadline.IsZero() {
			return -1
		}
		return max(time.Until(deadline), 0)
	}
	for {
		n, err := waitOnce(h, fds, left)
		if err != nil || n > 0 {
			return n, err
		}
		// Woken ready but not ready any more when it ran (another greenlet
		// read the data first): wait again, at the back of the list.
	}
}

// waitOnce is one stay in the list: it returns 0 and no error if the caller
// was woken ready but the descriptors are not ready any more.
func waitOnce(h *gevent.Hub, fds []unix.PollFd, left func() time.Duration) (int, error) {
	d, err := waitersOf(h)
	if err != nil {
		return 0, err
	}
	w := &waiter{fds: fds}
	d.waiters = append(d.waiters, w)
	defer d.leave(w)
	if err := d.register(); err != nil {
		return 0, err
	}
	if d.leader == nil {
		d.leader = w
	}
	for {
		if d.leader != w {
			k, err := w.wake.Wait(left())
			if err != nil {
				return 0, err
			}
			if k == wakeReady {
				return poll0(fds)
			}
			continue // wakeLead: d.leader is w now
		}
		if err := waitRead(d.ep, left()); err != nil {
			return 0, err
		}
		if !d.dispatch(w) {
			// The instance was readable but no waiter is (a descriptor
			// that epoll and poll(2) see differently): yield rather than
			// spin without letting the hub run.
			if err := gevent.Sleep(0); err != nil {
				return 0, err
			}
			continue
		}
		if w.ready > 0 {
			return poll0(fds) // no switch since dispatch polled: still ready
		}
	}
}

// waitRead waits until the epoll instance ep is readable, or the timeout
// (-1: none) elapses.
func waitRead(ep int, timeout time.Duration) error {
	if timeout < 0 {
		return gevent.WaitRead(ep)
	}
	return gevent.WaitRead(ep, timeout)
}
