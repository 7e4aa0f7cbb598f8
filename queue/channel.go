package queue

import (
	"iter"
	"time"

	"github.com/gevent-go/gevent"
)

// Channel is a rendezvous between greenlets (gevent.queue.Channel): Put
// waits until a getter takes the item; it holds no items itself. A zero
// Channel is ready to use. It belongs to the hub of the first greenlet or
// callback that uses it; a call from a greenlet of another hub panics.
// It is a typed face of gevent.Rendezvous, which does the work.
//
// Pairing follows gevent's Channel._unlock: a hub callback hands the first
// blocked putter's item to the first blocked getter and resumes the getter,
// then the putter, each running until it blocks.
type Channel[T any] struct {
	r gevent.Rendezvous[T]
}

// Balance returns the number of blocked putters minus the number of
// blocked getters (gevent's balance).
func (c *Channel[T]) Balance() int { return c.r.Balance() }

// Len returns 0: a Channel holds no items (gevent's qsize).
func (c *Channel[T]) Len() int { return 0 }

// Put waits until a getter takes v.
//
// With a timeout (0 or negative: do not wait, but still yield once) it
// returns an error matching both ErrFull and gevent.ErrTimeout when no
// getter took v in time. If the caller is killed or its Timeout scope
// fires, it returns that error. On any error no getter received v. Putters
// are paired with getters in FIFO order. From a hub callback it hands v to
// a blocked getter at once if there is one (resuming it), else returns
// gevent.ErrBlockingSwitchOut.
func (c *Channel[T]) Put(v T, timeout ...time.Duration) error {
	// One call, so that Put is inlined and the hand-off switches from the
	// caller's frame (see gevent.Rendezvous).
	return c.r.Give(v, errFullTimeout, timeout...)
}

// PutNowait hands v to a getter only if one is already blocked and no
// putter is ahead; else it returns ErrFull. The getter resumes later (from
// a greenlet, at the end of the ready queue). It never blocks or yields
// (gevent's put_nowait switches to the getter at once).
func (c *Channel[T]) PutNowait(v T) error {
	if c.r.GiveNowait(v) {
		return nil
	}
	return ErrFull
}

// Get waits for a putter and returns its item.
//
// With a timeout (0 or negative: do not wait, but still yield once) it
// returns an error matching both ErrEmpty and gevent.ErrTimeout when no
// putter came in time. If the caller is killed or its Timeout scope fires,
// it returns that error. On any error no item was taken (its putter still
// waits). Getters are paired with putters in FIFO order. From a hub
// callback it takes the first blocked putter's item at once if there is
// one (the putter is resumed at once), else returns
// gevent.ErrBlockingSwitchOut.
func (c *Channel[T]) Get(timeout ...time.Duration) (T, error) {
	// One call, so that Get is inlined and the wait switches from the
	// caller's frame (see gevent.Rendezvous).
	return c.r.Take(errEmptyTimeout, timeout...)
}

// GetNowait takes the item of a blocked putter if there is one and no
// getter is ahead, else returns ErrEmpty. The putter resumes at the end of
// the ready queue. It never blocks or yields (gevent's get_nowait switches
// to the putter at once).
func (c *Channel[T]) GetNowait() (T, error) {
	if v, ok := c.r.TakeNowait(); ok {
		return v, nil
	}
	var zero T
	return zero, ErrEmpty
}

// All returns an iterator that gets items forever; it stops on an error of
// Get (a kill or a Timeout scope), which the greenlet's next blocking call
// delivers again. Must be ranged over in a greenlet.
func (c *Channel[T]) All() iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			v, err := c.Get()
			if err != nil || !yield(v) {
				return
			}
		}
	}
}
