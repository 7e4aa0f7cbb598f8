// Package event provides Event and AsyncResult, gevent.event's
// synchronisation objects for greenlets.
//
// Which goroutines may call what: an object binds to the hub of the first
// greenlet that uses it (a zero value is ready to use). Its methods must
// then be called from greenlets or hub callbacks of that hub; a call from
// another goroutine panics with a message starting with "event: ", except
// AsyncResult.Set, SetError and SetFromGoroutine, which are safe from any
// goroutine once the AsyncResult is bound (they go through Hub.Post).
//
// Wake-up order is gevent's: Set schedules one hub callback (gevent's
// loop.run_callback of _notify_links) that switches to each waiter in turn,
// in the order they started waiting; each waiter runs until it blocks
// before the next one is resumed.
package event

import (
	"errors"
	"time"

	"github.com/gevent-go/gevent"
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
// AbstractLinkable with _notify_all set.
type notifier struct {
	hub       *gevent.Hub
	waiters   gevent.WaitList[struct{}]
	links     gevent.Links
	scheduled bool
	run       func() // n.notify bound once, so Set does not allocate
	ready     *bool  // the owner's flag
}

// bind binds n to the caller's hub on first use and checks the caller.
func (n *notifier) bind(op string) *gevent.Hub {
	if n.hub == nil {
		n.hub = gevent.HubOf(op)
		return n.hub
	}
	if !n.hub.OnHub() {
		panic("event: " + op + " called from a goroutine that is not a greenlet of the object's hub")
	}
	return n.hub
}

// schedule arranges for the waiters present when the callback runs to be
// woken (gevent's _check_and_notify).
func (n *notifier) schedule() {
	if !n.scheduled && n.waiters.Len() > 0 {
		n.scheduled = true
		if n.run == nil {
			n.run = n.notify
		}
		n.hub.Schedule(n.run)
	}
	if n.links.Len() > 0 {
		n.links.Fire()
	}
}

// notify wakes, in FIFO order, the waiters that were waiting when it
// started; each runs at once (the hub switches to it) until it blocks.
func (n *notifier) notify() {
	for k := n.waiters.Len(); k > 0; k-- {
		if !n.waiters.WakeOne(struct{}{}) {
			break
		}
	}
	n.scheduled = false
	if *n.ready && n.waiters.Len() > 0 {
		// Greenlets that waited behind this notification (gevent's
		// _check_and_notify after _notify_links).
		n.schedule()
	}
}

// wait parks the caller until notify wakes it. It reports whether it was
// woken; an own timeout is (false, nil).
func (n *notifier) wait(d time.Duration) (bool, error) {
	_, err := n.waiters.Wait(d)
	if err == nil {
		return true, nil
	}
	if ownTimeout(err) {
		return false, nil
	}
	return false, err
}

// Event is a flag that greenlets can wait for (gevent.event.Event). A zero
// Event is clear and ready to use.
type Event struct {
	n    notifier
	flag bool
}

// Set sets the flag and wakes every greenlet waiting in Wait: they are
// resumed from one hub callback, in the order they started waiting, after
// the caller next blocks. Greenlets that call Wait while the flag is set do
// not block (unless a notification is still pending, in which case they
// are woken by it, after the earlier waiters, as in gevent 20.12+).
func (e *Event) Set() {
	e.n.bind("Event.Set")
	e.n.ready = &e.flag
	e.flag = true
	e.n.schedule()
}

// Clear resets the flag. Greenlets already notified by a Set still return
// true from Wait.
func (e *Event) Clear() {
	e.n.bind("Event.Clear")
	e.flag = false
}

// IsSet reports whether the flag is set.
func (e *Event) IsSet() bool { return e.flag }

// Ready reports whether the flag is set (gevent.Waitable).
func (e *Event) Ready() bool { return e.flag }

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
	e.n.bind("Event.Wait")
	if e.flag && !e.n.scheduled {
		return true, nil
	}
	if e.flag {
		// A notification is pending: wait behind the earlier waiters.
		return e.n.wait(-1)
	}
	return e.n.wait(duration(timeout))
}

// Rawlink arranges for fn to run in the hub (it must not block) when the
// flag is set; at the next loop iteration if it already is. Links run in
// the order they were added, from a callback of their own that runs after
// the waiters woken by the same Set were scheduled.
func (e *Event) Rawlink(fn func()) gevent.LinkID {
	e.n.bind("Event.Rawlink")
	return e.n.links.Add(fn, e.flag)
}

// Unlink removes a link that has not run yet.
func (e *Event) Unlink(id gevent.LinkID) {
	e.n.bind("Event.Unlink")
	e.n.links.Remove(id)
}

var _ gevent.Waitable = (*Event)(nil)
