// Package event provides Event and AsyncResult, gevent.event's
// synchronisation objects for greenlets.
//
// Which goroutines may call what: an object binds to the hub of the first
// greenlet that uses it (a zero value is ready to use). Its methods must
// then be called from greenlets or hub callbacks of that hub; a call from
// another goroutine panics with a message starting with "event: ", except
// Event.Set and AsyncResult.Set, SetError and SetFromGoroutine, which are
// safe from any goroutine once the object is bound (they go through
// Hub.Post). NewEvent and NewAsyncResult bind at creation, for objects that
// goroutines will set. (gevent documents both as usable from their hub's
// thread only.)
//
// Wake-up order is gevent's: Set schedules one hub callback (gevent's
// loop.run_callback of _notify_links) that switches to each waiter in turn,
// in the order they started waiting; each waiter runs until it blocks
// before the next one is resumed.
package event

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/onhub"
)

// duration turns the variadic timeout convention into a WaitList timeout:
// absent means forever (-1); 0 or negative means do not wait (0).
func duration(timeout []time.Duration) time.Duration {
	if len(timeout) == 0 || timeout[0] == gevent.Forever {
		return -1
	}
	return max(timeout[0], 0)
}

// ownTimeout reports whether err is the per-call timeout of a WaitList wait
// rather than a Timeout scope (a *gevent.Timeout) or a kill.
func ownTimeout(err error) bool {
	if !errors.Is(err, gevent.ErrTimeout) {
		return false
	}
	var t *gevent.Timeout
	return !errors.As(err, &t)
}

// notifier is the part shared by Event and AsyncResult: gevent's
// AbstractLinkable with _notify_all set. Waiters and raw links share one
// list (gevent.Links), notified in the order they were added.
type notifier struct {
	hub   *gevent.Hub
	links gevent.Links
}

// bind binds n to the caller's hub on first use and checks the caller.
func (n *notifier) bind(op string) *gevent.Hub {
	if n.hub == nil {
		n.hub = onhub.Get("event", op)
		return n.hub
	}
	if !n.hub.OnHub() {
		panic("event: " + op + " called from a goroutine that is not a greenlet of the object's hub; " +
			"call it from a greenlet of that hub (hand work to it with Hub.Submit or Hub.Post), " +
			"or use Event.Set or AsyncResult.Set, which are safe from any goroutine")
	}
	return n.hub
}

// waited turns the error of a wait on the links into Wait's result: true
// when resumed by a notification; an own timeout is (false, nil).
func waited(err error) (bool, error) {
	if err == nil {
		return true, nil
	}
	if ownTimeout(err) {
		return false, nil
	}
	return false, err
}

// Event is a flag that greenlets can wait for (gevent.event.Event). A zero
// Event is clear and ready to use; it binds to the hub of the first
// greenlet that uses it, or to the caller's hub with NewEvent.
//
// Set is safe from any goroutine once the Event is bound: from a goroutine
// that is not a greenlet of its hub it hands the work to the hub with
// Hub.Post, as AsyncResult.Set does. The other methods belong to the hub's
// greenlets.
type Event struct {
	n      notifier
	shared atomic.Pointer[gevent.Hub] // n.hub, readable from any goroutine
	flag   bool
}

// NewEvent returns a clear Event bound to the calling greenlet's hub, so
// that goroutines may Set it at once.
func NewEvent() *Event {
	e := &Event{}
	e.bind("NewEvent")
	return e
}

// Set sets the flag and wakes every greenlet waiting in Wait: they are
// resumed from one hub callback, in the order they started waiting, after
// the caller next blocks. Greenlets that call Wait while the flag is set do
// not block (unless a notification is still pending, in which case they
// are woken by it, after the earlier waiters, as in gevent 20.12+).
//
// Safe from any goroutine once the Event is bound (NewEvent, or used by a
// greenlet before): from a goroutine that is not a greenlet of its hub, the
// flag is set by a hub callback (Hub.Post) at the hub's next loop
// iteration, and Set returns before that; nothing happens if the hub has
// closed. On an Event bound to no hub, Set from a goroutine of no hub
// panics with a message starting with "event: " (create it with NewEvent).
func (e *Event) Set() {
	h := e.shared.Load()
	if h == nil {
		if gevent.GetHub() == nil {
			panic("event: Event.Set called from a goroutine of no hub on an Event bound to no hub; " +
				"create it with NewEvent in a greenlet of the hub that waits for it, " +
				"or let a greenlet use it first, then Set works from any goroutine")
		}
		e.set() // binds it
		return
	}
	if !h.OnHub() {
		h.Post(e.set)
		return
	}
	e.flag = true
	e.n.links.Fire()
}

func (e *Event) set() {
	e.bind("Event.Set")
	e.flag = true
	e.n.links.Fire()
}

func (e *Event) bind(op string) {
	if e.n.hub == nil {
		e.n.links.SetReady(e.IsSet, false) // once: a method value allocates
		e.shared.Store(e.n.bind(op))
		return
	}
	e.n.bind(op)
}

// Clear resets the flag. Greenlets already notified by a Set still return
// true from Wait.
func (e *Event) Clear() {
	e.bind("Event.Clear")
	e.flag = false
}

// IsSet reports whether the flag is set.
func (e *Event) IsSet() bool { e.read("Event.IsSet"); return e.flag }

// Ready reports whether the flag is set (gevent.Waitable).
func (e *Event) Ready() bool { e.read("Event.Ready"); return e.flag }

// read panics if e is bound to a hub and the caller is not on it.
func (e *Event) read(op string) {
	if h := e.shared.Load(); h != nil {
		if !h.OnHub() {
			onhub.Wrong("event", op, "object")
		}
	}
}

// Wait waits until the flag is set.
//
// It returns (true, nil) at once if the flag is set, else when a Set wakes
// it: true means the flag was set at least once while the caller waited,
// even if it was cleared before the caller ran (gevent's rule). With a
// timeout (0 or negative: do not wait, but still yield once), it returns
// (false, nil) when the timeout elapses first. If the caller is killed or
// its Timeout scope fires, it returns (false, that error). Nothing is left
// behind: the caller is no longer registered. Waiters are woken in FIFO
// order, each running until it blocks before the next. From a hub callback
// it returns gevent.ErrBlockingSwitchOut (unless the flag is set and no
// notification is pending).
func (e *Event) Wait(timeout ...time.Duration) (bool, error) {
	e.bind("Event.Wait")
	// The links' Wait and WaitPending are inlined here: one frame less at
	// the switch (see gevent's block).
	if e.flag {
		// If a notification is pending, wait behind its waiters and links
		// (gevent 20.12+); else return at once.
		return waited(e.n.links.WaitPending())
	}
	return waited(e.n.links.Wait(duration(timeout)))
}

// Rawlink arranges for fn to run in the hub (it must not block) when the
// flag is set; at the next loop iteration if it already is. Links and
// waiting greenlets are notified in the order they were added, from one
// hub callback per Set (gevent's _links); a panic in fn is reported and the
// others still run.
func (e *Event) Rawlink(fn func()) gevent.LinkID {
	e.bind("Event.Rawlink")
	return e.n.links.Add(fn, e.flag)
}

// Unlink removes a link that has not run yet.
func (e *Event) Unlink(id gevent.LinkID) {
	e.bind("Event.Unlink")
	e.n.links.Remove(id)
}

var _ gevent.Waitable = (*Event)(nil)
