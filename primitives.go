package gevent

import (
	"time"

	"github.com/gevent-go/gevent/internal/loop"
)

// This file holds the building blocks of the sibling packages (event,
// queue, lock, pool, socket...), exported so that users can build their own
// primitives the same way (gevent exposes its Waiter for the same reason).

// OnHub reports whether the calling goroutine is a greenlet or a callback
// of h (and so may use objects bound to h).
func (h *Hub) OnHub() bool {
	c := current()
	return c != nil && c.hub == h
}

// Schedule runs fn as a hub callback at the end of the ready queue (gevent's
// loop.run_callback). fn must not block; a panic in it is reported. Call it
// from a greenlet or callback of h; from any other goroutine it panics: use
// Post, which is safe from any goroutine.
func (h *Hub) Schedule(fn func()) {
	if c := current(); c == nil || c.hub != h {
		panic("gevent: Hub.Schedule called from a goroutine that is not a greenlet or callback of the hub; " +
			"use Hub.Post, which is safe from any goroutine")
	}
	h.loop.Schedule(loop.Func(fn))
}

// InCallback reports whether the caller is a hub callback of h rather than
// a greenlet: wake-ups made there switch to the woken greenlet at once. It
// is on the hot path of every queue operation, so it first reads a flag of
// h without synchronisation (free), and looks the caller up only while h
// runs a callback: from any other goroutine it answers false, but that
// read races with h's loop (the race detector reports it); ask OnHub first.
func (h *Hub) InCallback() bool { return h.inHub && current() == &h.hubGl }

// SpendTurn charges one turn to the current loop iteration, which runs a
// bounded batch of ready greenlets and callbacks (see docs/porting.md)
// before timers, I/O and posted work get theirs. A hub callback that
// resumes waiting greenlets in a loop (each WakeOne there switches to the
// greenlet, which runs until it blocks and may wait again) calls it before
// each further resume: when it reports false, nothing was charged and the
// callback should reschedule the rest of its work with Schedule (at the end
// of the ready queue, after the tasks already there) and return. Without
// that, greenlets that keep handing work to each other through one
// callback would keep the hub from ever reaching its timers, kills and
// posted work.
// From a greenlet, or a callback that does not run from the ready queue (a
// timer's), it reports false.
func (h *Hub) SpendTurn() bool {
	h.mustOn("Hub.SpendTurn", "hub")
	return h.spendTurn()
}

// spendTurn is SpendTurn for the callbacks of this package, which run on h
// by construction: no caller check on the hand-off path.
func (h *Hub) spendTurn() bool { return h.inHub && h.loop.Spend() }

// WaitList is a FIFO of greenlets waiting for something, each to be handed
// a value of type T: the building block of events, locks and queues. A
// zero WaitList is ready to use. All its methods must be called from
// greenlets or callbacks of one hub.
type WaitList[T any] struct {
	head, tail *waitNode[T]
	n          int
	free       *waitNode[T] // recycled nodes (single hub: no locking)
}

type waitNode[T any] struct {
	g          *greenlet
	v          T
	handed     bool
	prev, next *waitNode[T]
	list       *WaitList[T]
}

// Len returns the number of greenlets waiting. Like every method of l it
// belongs to the hub of the waiters, but it is not checked: it only reads a
// counter, and queues call it several times per hand-off.
func (l *WaitList[T]) Len() int { return l.n }

func (l *WaitList[T]) push(n *waitNode[T]) {
	n.list = l
	n.prev = l.tail
	if l.tail != nil {
		l.tail.next = n
	} else {
		l.head = n
	}
	l.tail = n
	l.n++
}

func (l *WaitList[T]) remove(n *waitNode[T]) {
	if n.list != l {
		return
	}
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		l.head = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		l.tail = n.prev
	}
	n.prev, n.next, n.list = nil, nil, nil
	l.n--
}

// Wait parks the calling greenlet at the tail of l until WakeOne or WakeAll
// hands it a value, which it returns.
//
// timeout < 0 (or Forever) waits without limit; otherwise, when it elapses,
// Wait returns an error matching ErrTimeout. A kill or a Timeout scope of the
// caller returns that error. On every error the caller has left the list
// and was handed nothing: nothing is lost. From a hub callback it returns
// ErrBlockingSwitchOut. Waiters are handed values in FIFO order.
func (l *WaitList[T]) Wait(timeout time.Duration) (T, error) {
	var zero T
	c := self("WaitList.Wait")
	if l.head != nil && l.head.g.hub != c.hub {
		wrongHub("WaitList.Wait", "wait list")
	}
	if c.isHub {
		return zero, ErrBlockingSwitchOut
	}
	if timeout == Forever {
		timeout = -1
	}
	// join and leave (below, used by Rendezvous.Take), written out: calling
	// them from here made the queue round trip 15 ns slower (measured
	// 236-242 against 222 ns).
	if err := c.enter(); err != nil {
		return zero, err
	}
	n := l.free
	if n != nil {
		l.free = n.next
		n.next = nil
	} else {
		n = &waitNode[T]{}
	}
	n.g = c
	l.push(n)
	c.state = stateParked
	h := c.hub
	if timeout >= 0 {
		h.loop.Start(&c.timer, timeout, (*timeoutTask)(c))
	}
	// block, written out (see block on why; keep in step).
	for c.drive {
		g := h.driveNext(c)
		if g == c {
			goto resumed
		}
		if g == nil {
			break
		}
		g.next()
	}
	if c.isMain {
		h.runLoop()
	} else if !c.yield(struct{}{}) {
		panic(unwindSentinel) // the hub is being torn down
	}
resumed:
	if timeout >= 0 {
		h.loop.Stop(&c.timer)
	}
	err := c.woken()
	if n.handed {
		if err != nil && err != errWaitTimeout {
			c.repend(err)
		}
		v := n.v
		l.recycle(n)
		return v, nil
	}
	l.remove(n)
	l.recycle(n)
	return zero, timeoutError(err, timeout)
}

// join parks greenlet c at the tail of l, with a timer if timeout >= 0:
// the part of a wait before the switch.
func (l *WaitList[T]) join(c *greenlet, timeout time.Duration) (*waitNode[T], error) {
	// A pending kill or timeout is delivered, and a greenlet that blocks
	// again after a further kill is unwound, here, before it joins the
	// list: so the wait can only end in a panic at the hub's teardown,
	// when the list dies too.
	if err := c.enter(); err != nil {
		return nil, err
	}
	n := l.free
	if n != nil {
		l.free = n.next
		n.next = nil
	} else {
		n = &waitNode[T]{}
	}
	n.g = c
	l.push(n)
	c.state = stateParked
	if timeout >= 0 {
		c.hub.loop.Start(&c.timer, timeout, (*timeoutTask)(c))
	}
	return n, nil
}

// leave is the part of a wait after c, parked in l as n by join, was
// resumed: the value it was handed, or why it was not (timeoutErr, if not
// nil, stands for its own timeout).
func (l *WaitList[T]) leave(c *greenlet, n *waitNode[T], timeout time.Duration, timeoutErr error) (T, error) {
	if timeout >= 0 {
		c.hub.loop.Stop(&c.timer)
	}
	err := c.woken()
	if n.handed {
		// Handed a value: the wait succeeded even if an interrupt raced it;
		// the interrupt stays pending for the next blocking call.
		if err != nil && err != errWaitTimeout {
			c.repend(err)
		}
		v := n.v
		l.recycle(n)
		return v, nil
	}
	l.remove(n)
	l.recycle(n)
	var zero T
	if err == errWaitTimeout && timeoutErr != nil {
		return zero, timeoutErr
	}
	return zero, timeoutError(err, timeout)
}

func (l *WaitList[T]) recycle(n *waitNode[T]) {
	var zero T
	n.g, n.v, n.handed, n.prev = nil, zero, false, nil
	n.next = l.free
	l.free = n
}

// repend puts back an interrupt that arrived together with a successful
// hand-off, so that the next blocking call delivers it.
func (c *greenlet) repend(err error) {
	if c.killErr != nil && err == c.killErr {
		// Undo killHanded: the kill is handed again by the next call.
		if c.unwindArmed {
			c.unwindArmed, c.escalated = false, true
		} else {
			c.killDelivered = false
		}
		c.killPending = true
		return
	}
	if t, ok := err.(*Timeout); ok {
		// First in line: it fired before any timeout still queued.
		c.unqueueTimeout(t)
		t.nextPending, c.pendingTimeout = c.pendingTimeout, t
	}
}

// WakeOne hands v to the first greenlet still waiting in l, removes it and
// wakes it (at once from a hub callback, else at the end of the ready
// queue). It reports false, handing nothing, if no greenlet is waiting.
func (l *WaitList[T]) WakeOne(v T) bool {
	if l.head != nil {
		l.head.g.hub.mustOn("WaitList.WakeOne", "wait list")
	}
	for n := l.head; n != nil; n = l.head {
		l.remove(n)
		if n.g.state == stateParked {
			n.v, n.handed = v, true
			n.g.wakeWith(nil)
			return true
		}
	}
	return false
}

// WakeAll hands v to every waiting greenlet, in FIFO order, and returns how
// many were woken.
func (l *WaitList[T]) WakeAll(v T) int {
	k := 0
	for l.WakeOne(v) {
		k++
	}
	return k
}
