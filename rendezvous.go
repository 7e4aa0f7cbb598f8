package gevent

import "time"

// Rendezvous pairs greenlets that give a value with greenlets that take
// one, without holding any value itself: Give returns once a taker has the
// value. It is the building block of queue.Channel (gevent.queue.Channel),
// which most programs should use; it lives here so that a hand-off runs in
// one stack frame (see the core's notes on frames in docs/BENCHMARKS.md).
// A zero Rendezvous is ready to use; it belongs to the hub of the first
// greenlet or callback that uses it, and a call from any other goroutine
// panics.
//
// Pairing follows gevent's Channel._unlock: a hub callback hands the first
// blocked giver's value to the first blocked taker and resumes the taker,
// then the giver, each running until it blocks. Givers and takers are each
// served in FIFO order. Unlike gevent's, the callback pairs at most a loop
// iteration's batch (see Hub.SpendTurn), then goes on from the end of the
// ready queue, after timers, I/O and the tasks queued meanwhile (kills,
// posted callbacks), so givers and takers that come straight back cannot
// starve the hub.
type Rendezvous[T any] struct {
	hub       *Hub
	takers    WaitList[T]
	givers    giverList[T]
	scheduled bool
	unlockFn  func()
}

// giver is one blocked giver: its value and its own parking spot, so that
// the value stays with the giver until the pairing takes it.
type giver[T any] struct {
	v          T
	wl         WaitList[struct{}]
	prev, next *giver[T]
	in         bool
}

type giverList[T any] struct {
	head, tail *giver[T]
	n          int
}

func (l *giverList[T]) push(p *giver[T]) {
	p.in, p.prev, p.next = true, l.tail, nil
	if l.tail != nil {
		l.tail.next = p
	} else {
		l.head = p
	}
	l.tail = p
	l.n++
}

func (l *giverList[T]) pushFront(p *giver[T]) {
	p.in, p.prev, p.next = true, nil, l.head
	if l.head != nil {
		l.head.prev = p
	} else {
		l.tail = p
	}
	l.head = p
	l.n++
}

func (l *giverList[T]) remove(p *giver[T]) {
	if !p.in {
		return
	}
	if p.prev != nil {
		p.prev.next = p.next
	} else {
		l.head = p.next
	}
	if p.next != nil {
		p.next.prev = p.prev
	} else {
		l.tail = p.prev
	}
	p.prev, p.next, p.in = nil, nil, false
	l.n--
}

// Give waits until a taker has v.
//
// With no timeout, or Forever, it waits without limit; a timeout of 0 or
// less does not wait but still yields once (queue's convention). When the
// timeout elapses with no taker, Give returns timeoutErr, or an error
// matching ErrTimeout if timeoutErr is nil. If the caller is killed or its
// Timeout scope fires, it returns that error. On any error no taker
// received v. Once a taker has v, Give cannot fail: a
// kill or timeout that arrives meanwhile is left for the caller's next
// blocking call. From a hub callback it hands v to a blocked taker at once
// if there is one (resuming it), else returns ErrBlockingSwitchOut.
func (r *Rendezvous[T]) Give(v T, timeoutErr error, timeout ...time.Duration) error {
	return give(r, v, timeoutErr, timeout)
}

// Take waits for a giver and returns its value.
//
// With no timeout, or Forever, it waits without limit; a timeout of 0 or
// less does not wait but still yields once (queue's convention). When the
// timeout elapses with no giver, Take returns timeoutErr, or an error
// matching ErrTimeout if timeoutErr is nil. If the caller is killed or its
// Timeout scope fires, it returns that error. On any error nothing was
// taken (its giver still waits). From a hub callback
// it takes the first blocked giver's value at once if there is one (the
// giver is resumed at once), else returns ErrBlockingSwitchOut.
func (r *Rendezvous[T]) Take(timeoutErr error, timeout ...time.Duration) (T, error) {
	// WaitList.Wait with the rendezvous' part first, written out so that
	// queue.Channel.Get, a one-call wrapper, is inlined and this is the
	// only frame at the switch (see block; keep in step).
	c := self("Rendezvous.Take")
	if r.hub != c.hub || c.isHub || r.givers.n != 0 {
		if v, err, done := r.enterWait(c); done {
			return v, err
		}
	}
	d := durationOf(timeout)
	n, err := r.takers.join(c, d)
	if err != nil {
		var zero T
		return zero, err
	}
	h := c.hub
	for c.drive {
		g := h.driveNext(c)
		if g == c {
			return r.takers.leave(c, n, d, timeoutErr)
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
	return r.takers.leave(c, n, d, timeoutErr)
}

// GiveNowait hands v to a taker only if one is blocked and no giver is
// ahead, and reports whether it did. The taker resumes later (from a
// greenlet, at the end of the ready queue; from a callback, at once). It
// never blocks.
func (r *Rendezvous[T]) GiveNowait(v T) bool {
	r.bind(self("Rendezvous.GiveNowait"))
	return r.givers.n == 0 && r.takers.WakeOne(v)
}

// TakeNowait takes the value of a blocked giver if there is one and no
// taker is ahead, and reports whether it did. The giver resumes at the end
// of the ready queue (from a callback, at once). It never blocks.
func (r *Rendezvous[T]) TakeNowait() (T, bool) {
	r.bind(self("Rendezvous.TakeNowait"))
	return r.takeNow()
}

// Balance returns the number of blocked givers minus the number of blocked
// takers (gevent's Channel.balance).
func (r *Rendezvous[T]) Balance() int {
	if r.hub != nil {
		r.hub.mustOn("Rendezvous.Balance", "rendezvous")
	}
	return r.givers.n - r.takers.n
}

// bind ties r to c's hub on first use and panics for a caller of another.
func (r *Rendezvous[T]) bind(c *greenlet) {
	if r.hub == nil {
		r.hub = c.hub
	} else if c.hub != r.hub {
		panic("gevent: a Rendezvous (or queue.Channel) used from a greenlet of another hub than the one that first used it; " +
			"use one per hub, and pass values between hubs with Hub.Post or Hub.Submit")
	}
}

// enterGive is the part of Give before the switch (see give), which makes
// the common hand-off (bound, from a greenlet, a taker waiting and no giver
// ahead) itself.
func (r *Rendezvous[T]) enterGive(c *greenlet, v T, timeoutErr error, timeouts []time.Duration) (error, bool) {
	r.bind(c)
	if c.isHub {
		if r.givers.n == 0 && r.takers.WakeOne(v) {
			return nil, false
		}
		return ErrBlockingSwitchOut, false
	}
	if !r.scheduled && r.givers.n == 0 && r.takers.WakeOne(v) {
		// gevent would schedule its pairing callback, which resumes the
		// taker with v, then this giver. Rescheduling the giver after the
		// taker's wake-up is the same; the taker has v, so nothing can
		// fail any more.
		return nil, true
	}
	p := &giver[T]{v: v}
	r.givers.push(p)
	r.kick(false)
	_, err := p.wl.Wait(durationOf(timeouts))
	if err != nil {
		r.givers.remove(p)
		if isOwnTimeout(err) && timeoutErr != nil {
			err = timeoutErr // its own timeout, not a Timeout scope's
		}
		return err, false
	}
	return nil, false
}

// enterWait is the part of Take before the taker joins the list, but for
// the common case (bound, from a greenlet, no giver waiting), where there
// is nothing to do.
func (r *Rendezvous[T]) enterWait(c *greenlet) (T, error, bool) {
	r.bind(c)
	if c.isHub {
		if v, ok := r.takeNow(); ok {
			return v, nil, true
		}
		var zero T
		return zero, ErrBlockingSwitchOut, true
	}
	r.kick(true)
	var zero T
	return zero, nil, false
}

// kick schedules the pairing callback if a giver and a taker wait; taking
// counts the caller, about to wait as a taker.
func (r *Rendezvous[T]) kick(taking bool) {
	if r.scheduled || r.givers.n == 0 || r.takers.Len() == 0 && !taking {
		return
	}
	r.scheduled = true
	if r.unlockFn == nil {
		r.unlockFn = r.unlock
	}
	r.hub.Schedule(r.unlockFn)
}

// unlock pairs the first giver with the first taker, resuming the taker
// with the value, then the giver.
func (r *Rendezvous[T]) unlock() {
	// As in gevent, the callback stops counting as pending when it starts
	// (gevent's callback object is false once run): gives and takes made
	// by the greenlets it resumes schedule a new one.
	r.scheduled = false
	for first := true; r.givers.n > 0 && r.takers.Len() > 0; first = false {
		// Bounded, unlike gevent's: givers and takers that give and take
		// again at once would keep this loop, and the hub, going for ever.
		// Each pairing after the first is charged to the hub's loop
		// iteration; once its budget is spent the callback goes on from
		// the end of the ready queue, after timers, I/O and the tasks
		// queued meanwhile (at the head, it would starve them: kills too).
		if !first && !r.hub.spendTurn() {
			if !r.scheduled { // not already by a greenlet it resumed (kick)
				r.scheduled = true
				r.hub.Schedule(r.unlockFn)
			}
			return
		}
		p := r.givers.head
		r.givers.remove(p)
		if !r.takers.WakeOne(p.v) {
			r.givers.pushFront(p)
			break
		}
		// The giver is parked (a woken giver leaves the list before
		// anything else runs), so this cannot fail.
		p.wl.WakeOne(struct{}{})
	}
}

// isOwnTimeout reports whether err is the timeout error of a wait's own
// timer (not a Timeout scope's).
func isOwnTimeout(err error) bool {
	_, ok := err.(*timeoutErr)
	return ok
}

// takeNow takes the first blocked giver's value, if no taker is ahead, and
// wakes that giver (gevent's get in the hub).
func (r *Rendezvous[T]) takeNow() (T, bool) {
	var zero T
	if r.takers.Len() > 0 || r.givers.n == 0 {
		return zero, false
	}
	p := r.givers.head
	r.givers.remove(p)
	// Woken at once, so that a racing timeout cannot make the giver report
	// a failure for a value that was taken.
	p.wl.WakeOne(struct{}{})
	return p.v, true
}
