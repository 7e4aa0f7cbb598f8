package queue

import (
	"iter"
	"time"

	"github.com/gevent-go/gevent"
)

// Channel is a rendezvous between greenlets (gevent.queue.Channel): Put
// waits until a getter takes the item; it holds no items itself. A zero
// Channel is ready to use.
//
// Pairing follows gevent's Channel._unlock: a hub callback hands the first
// blocked putter's item to the first blocked getter and resumes the getter,
// then the putter, each running until it blocks.
type Channel[T any] struct {
	hub       *gevent.Hub
	getters   gevent.WaitList[chanGot[T]]
	putters   putList[T]
	scheduled bool
	unlockFn  func()
}

type chanGot[T any] struct {
	v  T
	ok bool
}

// putReq is one blocked putter: its item and its own parking spot, so that
// the item stays with the putter until the pairing takes it.
type putReq[T any] struct {
	v          T
	wl         gevent.WaitList[struct{}]
	prev, next *putReq[T]
	in         bool
}

type putList[T any] struct {
	head, tail *putReq[T]
	n          int
}

func (l *putList[T]) push(p *putReq[T]) {
	p.in, p.prev, p.next = true, l.tail, nil
	if l.tail != nil {
		l.tail.next = p
	} else {
		l.head = p
	}
	l.tail = p
	l.n++
}

func (l *putList[T]) remove(p *putReq[T]) {
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

func (c *Channel[T]) bind(op string) *gevent.Hub {
	if c.hub == nil {
		c.hub = gevent.HubOf(op)
		return c.hub
	}
	if !c.hub.OnHub() {
		panic("queue: " + op + " called from a goroutine that is not a greenlet of the channel's hub")
	}
	return c.hub
}

// Balance returns the number of blocked putters minus the number of
// blocked getters (gevent's balance).
func (c *Channel[T]) Balance() int { return c.putters.n - c.getters.Len() }

// Len returns 0: a Channel holds no items (gevent's qsize).
func (c *Channel[T]) Len() int { return 0 }

// kick schedules the pairing callback if a putter and a getter wait;
// getting counts the caller, about to wait as a getter.
func (c *Channel[T]) kick(getting bool) {
	if c.scheduled || c.putters.n == 0 || c.getters.Len() == 0 && !getting {
		return
	}
	c.scheduled = true
	if c.unlockFn == nil {
		c.unlockFn = c.unlock
	}
	c.hub.Schedule(c.unlockFn)
}

// unlock pairs the first putter with the first getter, resuming the getter
// with the item, then the putter.
func (c *Channel[T]) unlock() {
	// As in gevent, the callback stops counting as pending when it starts
	// (gevent's callback object is false once run): puts and gets made by
	// the greenlets it resumes schedule a new one.
	c.scheduled = false
	for c.putters.n > 0 && c.getters.Len() > 0 {
		p := c.putters.head
		c.putters.remove(p)
		if !c.getters.WakeOne(chanGot[T]{v: p.v, ok: true}) {
			c.putters.pushFront(p)
			break
		}
		// The putter is parked (a woken putter leaves the list before
		// anything else runs), so this cannot fail.
		p.wl.WakeOne(struct{}{})
	}
}

func (l *putList[T]) pushFront(p *putReq[T]) {
	p.in, p.prev, p.next = true, nil, l.head
	if l.head != nil {
		l.head.prev = p
	} else {
		l.tail = p
	}
	l.head = p
	l.n++
}

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
	h := c.bind("Channel.Put")
	if h.InCallback() {
		if c.putters.n == 0 && c.getters.WakeOne(chanGot[T]{v: v, ok: true}) {
			return nil
		}
		return gevent.ErrBlockingSwitchOut
	}
	if !c.scheduled && c.putters.n == 0 && c.getters.WakeOne(chanGot[T]{v: v, ok: true}) {
		// gevent would schedule its pairing callback, which resumes the
		// getter with v, then this putter. Scheduling the two resumes in
		// that order is the same; the getter has v, so nothing can fail
		// any more: a kill or timeout that arrives meanwhile is left for
		// the next blocking call.
		gevent.Reschedule()
		return nil
	}
	p := &putReq[T]{v: v}
	c.putters.push(p)
	c.kick(false)
	_, err := p.wl.Wait(duration(timeout))
	if err != nil {
		c.putters.remove(p)
		return mapWaitErr(err, errFullTimeout)
	}
	return nil
}

// PutNowait hands v to a getter only if one is already blocked and no
// putter is ahead; else it returns ErrFull. The getter resumes later (from
// a greenlet, at the end of the ready queue). It never blocks.
func (c *Channel[T]) PutNowait(v T) error {
	c.bind("Channel.PutNowait")
	if c.putters.n == 0 && c.getters.WakeOne(chanGot[T]{v: v, ok: true}) {
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
	var zero T
	h := c.bind("Channel.Get")
	if h.InCallback() {
		if v, ok := c.takeNow(); ok {
			return v, nil
		}
		return zero, gevent.ErrBlockingSwitchOut
	}
	c.kick(true)
	g, err := c.getters.Wait(duration(timeout))
	if err != nil {
		return zero, mapWaitErr(err, errEmptyTimeout)
	}
	return g.v, nil
}

// takeNow takes the first blocked putter's item, if no getter is ahead, and
// schedules that putter's wake-up (gevent's get in the hub).
func (c *Channel[T]) takeNow() (T, bool) {
	var zero T
	if c.getters.Len() > 0 || c.putters.n == 0 {
		return zero, false
	}
	p := c.putters.head
	c.putters.remove(p)
	// Handed at once, so that a racing timeout cannot make the putter
	// report a failure for an item that was taken.
	p.wl.WakeOne(struct{}{})
	return p.v, true
}

// GetNowait takes the item of a blocked putter if there is one and no
// getter is ahead, else returns ErrEmpty. The putter resumes at the end of
// the ready queue. It never blocks.
func (c *Channel[T]) GetNowait() (T, error) {
	c.bind("Channel.GetNowait")
	if v, ok := c.takeNow(); ok {
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
