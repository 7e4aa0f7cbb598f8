package event

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/onhub"
)

// errGetTimeout is returned by AsyncResult.Get when its own timeout elapses.
var errGetTimeout = fmt.Errorf("event: AsyncResult.Get: %w", gevent.ErrTimeout)

// AsyncResult is a one-time event that carries a value or an error
// (gevent.event.AsyncResult, a future). A zero AsyncResult is unset and
// ready to use; it binds to the hub of the first greenlet that uses it, or
// to the caller's hub with NewAsyncResult.
//
// Set, SetError and SetFromGoroutine are safe from any goroutine once the
// AsyncResult is bound: from a goroutine that is not a greenlet of its hub
// they hand the work to the hub with Hub.Post (the thread-safe wake-up).
type AsyncResult[T any] struct {
	n      notifier
	shared atomic.Pointer[gevent.Hub] // n.hub, readable from any goroutine
	done   bool
	value  T
	err    error
}

// NewAsyncResult returns an unset AsyncResult bound to the calling
// greenlet's hub, so that goroutines may set it at once.
func NewAsyncResult[T any]() *AsyncResult[T] {
	a := &AsyncResult[T]{}
	a.bind("NewAsyncResult")
	return a
}

func (a *AsyncResult[T]) bind(op string) {
	if a.n.hub == nil {
		a.n.links.SetReady(a.Ready, false) // once: a method value allocates
		a.shared.Store(a.n.bind(op))
		return
	}
	a.n.bind(op)
}

// foreign hands fn to the bound hub if the caller is not one of its
// greenlets; it reports whether it did.
func (a *AsyncResult[T]) foreign(fn func()) bool {
	h := a.shared.Load()
	if h == nil || h.OnHub() {
		return false
	}
	h.Post(fn)
	return true
}

// Set stores v (and no error) and wakes every waiter, in FIFO order, from
// one hub callback; later Get and Wait calls return at once. Setting again
// replaces the stored outcome. Safe from any goroutine once bound (see
// SetFromGoroutine).
func (a *AsyncResult[T]) Set(v T) {
	if a.foreign(func() { a.settle(v, nil) }) {
		return
	}
	a.settle(v, nil)
}

// SetError stores err (nil: a nil error, i.e. Set of the zero T) and wakes
// every waiter, as Set does; Get then returns err. Safe from any goroutine
// once bound.
func (a *AsyncResult[T]) SetError(err error) {
	var zero T
	if a.foreign(func() { a.settle(zero, err) }) {
		return
	}
	a.settle(zero, err)
}

// SetFromGoroutine sets the result from any goroutine, through the hub's
// thread-safe Post: the waiters are woken at the hub's next loop iteration.
// err, if not nil, is stored instead of v. The AsyncResult must be bound
// (NewAsyncResult, or used by a greenlet before), else it panics. It
// reports false, and stores nothing, if the hub is closed. Called from a
// greenlet of the hub, it sets at once.
func (a *AsyncResult[T]) SetFromGoroutine(v T, err error) bool {
	h := a.shared.Load()
	if h == nil {
		panic("event: AsyncResult.SetFromGoroutine on an AsyncResult bound to no hub (create it with NewAsyncResult)")
	}
	if h.OnHub() {
		a.settle(v, err)
		return true
	}
	return h.Post(func() { a.settle(v, err) })
}

func (a *AsyncResult[T]) settle(v T, err error) {
	a.bind("AsyncResult.Set")
	a.value, a.err, a.done = v, err, true
	a.n.links.Fire()
}

// SetFrom stores g's outcome: its value, or the error it failed with
// (gevent's use of an AsyncResult as a link target). Use it as
// g.Link(a.SetFrom), or from a Rawlink: g.Rawlink(func() { a.SetFrom(g) }).
// A greenlet killed with gevent.ErrGreenletExit stores its zero value.
func (a *AsyncResult[T]) SetFrom(g *gevent.Greenlet[T]) {
	if err := g.Err(); err != nil {
		a.SetError(err)
		return
	}
	a.Set(g.Value())
}

// Ready reports whether a value or an error is stored.
func (a *AsyncResult[T]) Ready() bool { a.read("AsyncResult.Ready"); return a.done }

// read panics if a is bound to a hub and the caller is not on it.
func (a *AsyncResult[T]) read(op string) {
	if h := a.shared.Load(); h != nil {
		if !h.OnHub() {
			onhub.Wrong("event", op, "object")
		}
	}
}

// Successful reports whether a value (and no error) is stored.
func (a *AsyncResult[T]) Successful() bool {
	a.read("AsyncResult.Successful")
	return a.done && a.err == nil
}

// Err returns the stored error, or nil (also while unset).
func (a *AsyncResult[T]) Err() error { a.read("AsyncResult.Err"); return a.err }

// Value returns the stored value, or the zero T while unset or on error.
func (a *AsyncResult[T]) Value() T {
	a.read("AsyncResult.Value")
	if a.done && a.err == nil {
		return a.value
	}
	var zero T
	return zero
}

// Get waits until the result is set and returns the stored value and error
// (gevent's get, which re-raises the stored exception).
//
// It returns at once if the result is set. With a timeout (0 or negative:
// do not wait, but still yield once) it returns an error matching
// gevent.ErrTimeout when the timeout elapses first. If the caller is
// killed or its Timeout scope fires, it returns that error. Nothing is left
// behind. Waiters are woken in FIFO order, each running until it blocks
// before the next. From a hub callback it returns
// gevent.ErrBlockingSwitchOut unless the result is set.
func (a *AsyncResult[T]) Get(timeout ...time.Duration) (T, error) {
	a.read("AsyncResult.Get")
	if a.done {
		return a.value, a.err
	}
	ok, err := a.Wait(timeout...)
	if err != nil {
		var zero T
		return zero, err
	}
	if !ok {
		var zero T
		return zero, errGetTimeout
	}
	return a.value, a.err
}

// Wait waits until the result is set, without returning it.
//
// It returns (true, nil) once the result is set (at once if it is). With a
// timeout (0 or negative: do not wait, but still yield once) it returns
// (false, nil) when the timeout elapses first. If the caller is killed or
// its Timeout scope fires, it returns (false, that error); the stored
// outcome is unaffected. Waiters are woken in FIFO order.
func (a *AsyncResult[T]) Wait(timeout ...time.Duration) (bool, error) {
	a.bind("AsyncResult.Wait")
	if a.done {
		return waited(a.n.links.WaitPending())
	}
	return waited(a.n.links.Wait(duration(timeout)))
}

// Rawlink arranges for fn to run in the hub (it must not block) once the
// result is set; at the next loop iteration if it already is. Links and
// waiting greenlets are notified in the order they were added, from one
// hub callback per Set; a panic in fn is reported and the others still run.
func (a *AsyncResult[T]) Rawlink(fn func()) gevent.LinkID {
	a.bind("AsyncResult.Rawlink")
	return a.n.links.Add(fn, a.done)
}

// Unlink removes a link that has not run yet.
func (a *AsyncResult[T]) Unlink(id gevent.LinkID) {
	a.bind("AsyncResult.Unlink")
	a.n.links.Remove(id)
}

var _ gevent.Waitable = (*AsyncResult[int])(nil)
