package gevent

import (
	"iter"
	"time"

	"github.com/gevent-go/gevent/internal/loop"
)

// IWait yields the objects as they become ready, in the order they became
// ready (gevent's iwait). Objects already ready come first, in link order.
//
// The timeout, if given, bounds the whole iteration: when it elapses the
// sequence yields (zero, err) with err matching ErrTimeout and stops. A
// kill or Timeout scope of the caller is yielded the same way. Stopping the
// loop early removes every link. Must be ranged over in a greenlet.
func IWait[W Waitable](objs []W, timeout ...time.Duration) iter.Seq2[W, error] {
	return iwait(objs, len(objs), durationOf(timeout), false)
}

// iwait yields count of objs as they become ready. With batch the caller
// only collects what it is given until the end (Wait, JoinAll): the
// waiting greenlet is then woken once, when all count are ready (or on
// timeout or kill, after which the ready ones come first), instead of once
// per object; nothing of it is observable, as a woken collector only
// parks again.
func iwait[W Waitable](objs []W, count int, d time.Duration, batch bool) iter.Seq2[W, error] {
	return func(yield func(W, error) bool) {
		var zero W
		c, err := mustGreenlet("IWait")
		if err != nil {
			yield(zero, err)
			return
		}
		h := c.hub
		col := &collector{c: c, need: 1, slots: make([]joinSlot, len(objs)), ready: make([]int, 0, len(objs))}
		for i, o := range objs {
			s := &col.slots[i]
			s.col, s.i = col, i
			if g := plainGreenlet(o); g != nil {
				// What o.Rawlink does, without a closure per object.
				if g.hub != nil && g.hub != c.hub {
					wrongHub("Greenlet.Rawlink", "greenlet")
				}
				s.id = g.addLink(link{to: s})
			} else {
				s.id = o.Rawlink(s.fire)
			}
		}
		defer func() {
			for i, o := range objs {
				if !col.slots[i].fired {
					o.Unlink(col.slots[i].id)
				}
			}
		}()
		var deadline int64
		var timer loop.Timer
		if d >= 0 {
			deadline = h.loop.Now() + int64(d)
		}
		for n := 0; n < count; n++ {
			if batch {
				col.need = count - n
			}
			for len(col.ready) == 0 || len(col.ready) < col.need {
				if d >= 0 {
					h.loop.StartAt(&timer, deadline, (*timeoutTask)(c))
				}
				col.waiting = true
				err := c.parkTimeout(-1)
				col.waiting = false
				h.loop.Stop(&timer)
				if err != nil {
					for ; n < count && len(col.ready) > 0; n++ {
						i := col.ready[0]
						col.ready = col.ready[1:]
						if !yield(objs[i], nil) {
							return
						}
					}
					yield(zero, timeoutError(err, d))
					return
				}
			}
			i := col.ready[0]
			col.ready = col.ready[1:]
			if !yield(objs[i], nil) {
				return
			}
		}
	}
}

// collector is what iwait's links report to: the indices of the objects
// in the order they became ready, and when to wake the waiting greenlet.
type collector struct {
	c       *greenlet
	ready   []int
	need    int  // ready objects the waiting greenlet needs to go on
	waiting bool // c is parked in iwait
	slots   []joinSlot
}

// joinSlot is iwait's link to one object: a greenlet's link (a
// linkTarget), or the method value given to another object's Rawlink.
type joinSlot struct {
	col   *collector
	id    LinkID
	i     int
	fired bool
}

func (s *joinSlot) fire() {
	s.fired = true
	col := s.col
	col.ready = append(col.ready, s.i)
	if col.waiting && len(col.ready) >= col.need {
		col.c.wakeWith(nil)
	}
}

// plainGreenlet returns o's greenlet if o is a *Greenlet[T] itself, whose
// Rawlink is known (a type that embeds one may have its own), else nil.
func plainGreenlet(o any) *greenlet {
	a, ok := o.(AnyGreenlet)
	if !ok {
		return nil
	}
	g := a.core()
	if g.self == nil || any(g.self) != o {
		return nil
	}
	return g
}

// Wait waits until every object is ready, or the timeout, and returns the
// ready ones in the order they became ready (gevent's wait). On timeout it
// returns those and an error matching ErrTimeout; on the caller's kill or
// Timeout scope, those and that error.
func Wait[W Waitable](objs []W, timeout ...time.Duration) ([]W, error) {
	return WaitN(objs, len(objs), timeout...)
}

// WaitN is Wait that returns as soon as count objects are ready.
func WaitN[W Waitable](objs []W, count int, timeout ...time.Duration) ([]W, error) {
	count = min(max(count, 0), len(objs))
	done := make([]W, 0, count)
	for o, err := range iwait(objs, count, durationOf(timeout), true) {
		if err != nil {
			return done, err
		}
		done = append(done, o)
	}
	return done, nil
}

// JoinOptions are the extra arguments of gevent's joinall.
type JoinOptions struct {
	// Timeout bounds the wait; 0 means no timeout.
	Timeout time.Duration
	// RaiseError makes JoinAllOpts return the error of the first greenlet
	// (in completion order) that failed, as soon as it is seen.
	RaiseError bool
	// Count, if > 0, returns once that many greenlets finished.
	Count int
}

// JoinAll waits for the greenlets to finish and returns the finished ones
// in the order they finished (gevent's joinall). Their failures are not
// returned: check each one's Err, or use JoinAllOpts with RaiseError. On
// timeout it returns those finished and an error matching ErrTimeout; if
// the caller is killed or its Timeout scope fires, that error.
func JoinAll[G AnyGreenlet](gs []G, timeout ...time.Duration) ([]G, error) {
	return Wait(gs, timeout...)
}

// JoinAllOpts is JoinAll with gevent's raise_error and count.
func JoinAllOpts[G AnyGreenlet](gs []G, o JoinOptions) ([]G, error) {
	d := time.Duration(-1)
	if o.Timeout > 0 {
		d = o.Timeout
	}
	count := len(gs)
	if o.Count > 0 {
		count = min(o.Count, len(gs))
	}
	done := make([]G, 0, count)
	for g, err := range iwait(gs, count, d, !o.RaiseError) {
		if err != nil {
			return done, err
		}
		done = append(done, g)
		if o.RaiseError && g.Err() != nil {
			return done, g.Err()
		}
	}
	return done, nil
}

// KillAll kills the greenlets with err (nil: ErrGreenletExit), in order,
// as Kill does (gevent's killall). With block it waits for them all, up
// to timeout, and returns an error matching ErrTimeout if some are still
// alive, or the caller's own kill or timeout error.
func KillAll[G AnyGreenlet](gs []G, err error, block bool, timeout ...time.Duration) error {
	for _, g := range gs {
		g.Kill(err, false)
	}
	if !block {
		return nil
	}
	_, e := Wait(gs, timeout...)
	return e
}

// WaitAll waits until the calling hub has nothing left to do: no greenlet
// alive besides the caller, no timer, no fd waited for, no work handed in
// with Post or Submit and no Hold (gevent's wait() with no objects, which
// is hub.join()). Greenlets, callbacks and timers run meanwhile, in their
// usual order. It returns nil then; the hub stays usable.
//
// Only the main greenlet may call it (in gevent too): a spawned greenlet
// waiting for the hub to run out of work would wait for itself, so that
// call panics; join the greenlets with JoinAll instead. In a hub callback
// it returns ErrBlockingSwitchOut.
//
// On timeout (absent: none) it returns an error matching ErrTimeout and
// leaves the hub's work where it is; the timeout does not keep the hub
// busy itself. A zero timeout elapses at once, work or not (as gevent's
// wait(timeout=0) returns False). A kill or Timeout scope of the caller returns that error at
// once; a Timeout scope's timer is work too, so a scope ends WaitAll no
// later than it fires.
func WaitAll(timeout ...time.Duration) error {
	c, err := mustGreenlet("WaitAll")
	if err != nil {
		return err
	}
	if !c.isMain {
		panic("gevent: WaitAll called from a spawned greenlet: only the main greenlet can wait " +
			"for the hub to run out of work; wait for greenlets with JoinAll or Wait")
	}
	d := durationOf(timeout)
	h := c.hub
	var timer loop.Timer
	if d >= 0 {
		h.loop.StartWeak(&timer, d, (*timeoutTask)(c))
		defer h.loop.Stop(&timer)
	}
	if err := c.parkTimeout(-1); err != ErrLoopExit {
		return timeoutError(err, d)
	}
	return nil
}
