package gevent

import "time"

// Sleep suspends the calling greenlet for d.
//
// Sleep(0) (or less) yields: the greenlets that are already ready run
// first, in FIFO order, then the caller; it does not wait for I/O (gevent's
// sleep(0)). A longer sleep never ends before d has passed since the call,
// on the monotonic clock (as time.Sleep). Sleeps, per-call timeouts and
// Timeout scopes started in one loop iteration end in order of duration,
// equal ones in start order, however long the greenlets of that iteration
// run: which keeps programs deterministic. The price: d counts from the
// hub's next clock read after the call (when the iteration's batch of
// ready greenlets is done), so a sleep may end up to the running time of
// the greenlets that ran after the caller in its iteration late, and the
// timers after it in that order wait for it (see docs/porting.md).
// On kill or a Timeout scope firing, Sleep returns that error early. From
// a hub callback it returns ErrBlockingSwitchOut.
func Sleep(d time.Duration) error {
	g, err := mustGreenlet("Sleep")
	if err != nil {
		return err
	}
	if d <= 0 {
		return g.yieldNow()
	}
	if err := g.enter(); err != nil {
		return err
	}
	h := g.hub
	h.loop.Start(&g.timer, d, (*wakeTask)(g))
	g.state = stateParked
	g.block(-1)
	h.loop.Stop(&g.timer)
	return g.woken()
}

// Idle waits until no other greenlet is ready to run: it yields until the
// hub's ready queue is empty when the caller resumes (gevent's idle()).
// Kill and Timeout scopes interrupt it.
func Idle() error {
	g, err := mustGreenlet("Idle")
	if err != nil {
		return err
	}
	for {
		if err := g.yieldNow(); err != nil {
			return err
		}
		if g.hub.loop.Ready() == 0 {
			return nil
		}
	}
}

// Reschedule puts the calling greenlet at the end of the ready queue and
// switches out, as Sleep(0) does, but delivers nothing: a kill or a Timeout
// that is pending, or that arrives meanwhile, is left for the caller's next
// blocking call. It is for primitives that have completed their operation
// and only give up their turn, so that the greenlets they woke run first,
// where returning an error would wrongly report the operation as failed.
// From a hub callback it does nothing.
func Reschedule() { give[struct{}](nil, struct{}{}, nil, nil) }

// give puts the calling greenlet at the end of the ready queue and
// switches out: Reschedule, and with r not nil Rendezvous.Give, where r
// takes part first (enterGive) and may complete the call itself. Its
// callers are wrappers small enough to be inlined, so that this is the only
// frame at the switch (see block). A kill or timeout that arrives during
// the switch is not delivered here; for Give, one pending when it starts is.
func give[T any](r *Rendezvous[T], v T, timeoutErr error, timeouts []time.Duration) error {
	op := "Reschedule"
	if r != nil {
		op = "Rendezvous.Give"
	}
	c := self(op)
	if r != nil && (c.killPending || c.unwindArmed || c.pendingTimeout != nil) && !c.isHub {
		// Give is a blocking call: a kill or timeout pending when it starts
		// is its error (and v is not given). Without this, a giver that
		// always finds a taker waiting never blocks and never sees its
		// kill.
		if err := c.enter(); err != nil {
			return err
		}
	}
	if r != nil && (r.hub != c.hub || c.isHub || r.scheduled || r.givers.n != 0 || !r.takers.WakeOne(v)) {
		if err, resched := r.enterGive(c, v, timeoutErr, timeouts); !resched {
			return err
		}
	}
	if c.isHub {
		return nil
	}
	c.state = stateScheduled
	h := c.hub
	h.loop.Schedule((*resumeTask)(c))
	// block, written out (see block on why; keep in step).
	for c.drive {
		g := h.driveNext(c)
		if g == c {
			return nil
		}
		if g == nil {
			break
		}
		g.next()
	}
	if !c.isMain {
		if !c.yield(struct{}{}) {
			panic(unwindSentinel) // the hub is being torn down
		}
		return nil
	}
	h.runLoop()
	return nil
}
