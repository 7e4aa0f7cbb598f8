package gevent

import (
	"errors"
	"time"

	"github.com/gevent-go/gevent/internal/loop"
)

// Forever, passed where a timeout is accepted, means no timeout: a
// NewTimeout(Forever, ...) never fires (gevent's Timeout(None)). Every other
// negative duration means "already expired".
const Forever time.Duration = -1 << 63

// Timeout is a timeout scope on the greenlet that starts it (gevent's
// Timeout): when it fires, the greenlet's current blocking call, or its next
// one, returns the *Timeout as its error. Every cooperative blocking call
// of this module and its sibling packages honours it, including a tight
// Sleep(0) loop.
//
// The error is the *Timeout itself, so code can tell its own timeout from
// an outer one with errors.Is(err, t) (or err == t), and any timeout with
// errors.Is(err, ErrTimeout). A Timeout created with a custom error (the
// seeds' TooLong) also matches that error with errors.Is, and prints as it.
//
// Nested scopes: each fires on its own; the one that fires first is the one
// delivered, so an outer timeout that is earlier wins. Every scope that
// fires is delivered, once, unless cancelled first: when several fire
// before the greenlet's next blocking call (a greenlet busy with CPU work,
// between Sleep(0) calls), the first to fire is delivered by that call and
// the others, in the order they fired, by the calls after it (an outer
// scope that fired together with an inner one ends the outer scope once the
// inner one was handled). Code that ignores a delivered timeout goes on. A
// Timeout may be restarted after it was delivered or cancelled. Its
// methods must be called from greenlets of the hub it was started in.
type Timeout struct {
	timer  loop.Timer
	d      time.Duration
	err    error
	silent bool
	g      *greenlet

	// nextPending links the timeouts of g that fired but are not yet
	// delivered, from g.pendingTimeout, in the order they fired.
	nextPending *Timeout
}

// NewTimeout returns a Timeout of d that is not started. err, if not nil,
// is the error the timeout reports (gevent's exception argument); d of
// Forever never fires, d <= 0 fires at the next loop iteration.
func NewTimeout(d time.Duration, err error) *Timeout { return &Timeout{d: d, err: err} }

// NewSilentTimeout returns a Timeout whose Run swallows it: Run returns nil
// when this timeout ends the function (gevent's Timeout(s, False)).
func NewSilentTimeout(d time.Duration) *Timeout { return &Timeout{d: d, silent: true} }

// StartNewTimeout creates and starts a Timeout (gevent's Timeout.start_new).
func StartNewTimeout(d time.Duration, err error) *Timeout {
	t := NewTimeout(d, err)
	if e := t.Start(); e != nil {
		panic(e)
	}
	return t
}

type fireTask Timeout

func (f *fireTask) RunTask() {
	t := (*Timeout)(f)
	g := t.g
	if g == nil || g.state == stateDead {
		return
	}
	if !g.wakeWith(t) {
		g.queueTimeout(t)
	}
}

// queueTimeout keeps t, which fired while g was not parked, for g's next
// blocking calls: behind the timeouts that fired before it.
func (g *greenlet) queueTimeout(t *Timeout) {
	t.nextPending = nil
	p := &g.pendingTimeout
	for *p != nil {
		if *p == t {
			return
		}
		p = &(*p).nextPending
	}
	*p = t
}

// unqueueTimeout removes t from g's fired timeouts; it reports whether t
// was there.
func (g *greenlet) unqueueTimeout(t *Timeout) bool {
	for p := &g.pendingTimeout; *p != nil; p = &(*p).nextPending {
		if *p == t {
			*p, t.nextPending = t.nextPending, nil
			return true
		}
	}
	return false
}

// queued reports whether t fired and waits to be delivered to g.
func (t *Timeout) queued() bool {
	g := t.g
	if g == nil || g.state == stateDead {
		return false
	}
	for p := g.pendingTimeout; p != nil; p = p.nextPending {
		if p == t {
			return true
		}
	}
	return false
}

// Start arms the timeout on the calling greenlet. Starting a pending
// timeout (see Pending) is an error; a delivered or cancelled one may be
// started again.
func (t *Timeout) Start() error {
	c := self("Timeout.Start")
	if t.g != nil && t.g.hub != c.hub {
		wrongHub("Timeout.Start", "timeout")
	}
	if c.isHub {
		return ErrBlockingSwitchOut
	}
	if t.Pending() {
		return errors.New("gevent: timeout " + t.d.String() + " is already started; to restart it, cancel it first")
	}
	t.g = c
	if t.d == Forever {
		return nil
	}
	c.hub.loop.Start(&t.timer, max(t.d, 0), (*fireTask)(t))
	return nil
}

// Pending reports whether the timeout is started and neither delivered nor
// cancelled: it is true while it waits to fire, and also once it fired
// while its greenlet was busy, until a blocking call delivers it (gevent's
// pending, which stays true until the timer's callback has thrown).
func (t *Timeout) Pending() bool {
	if t.g != nil {
		t.g.hub.mustOn("Timeout.Pending", "timeout")
	}
	return t.timer.Active() || t.queued()
}

// Cancel disarms the timeout; if it fired but was not yet delivered, it is
// not delivered (other timeouts that fired are delivered as before).
// Cancelling an idle timeout does nothing.
func (t *Timeout) Cancel() {
	g := t.g
	if g == nil {
		return
	}
	g.hub.mustOn("Timeout.Cancel", "timeout")
	g.hub.loop.Stop(&t.timer)
	g.unqueueTimeout(t)
}

// Close is Cancel (gevent's close).
func (t *Timeout) Close() { t.Cancel() }

// Duration returns the timeout's duration.
func (t *Timeout) Duration() time.Duration { return t.d }

func (t *Timeout) deliver() error { return t }

// Error describes the timeout, or is the custom error's message.
func (t *Timeout) Error() string {
	if t.err != nil {
		return t.err.Error()
	}
	if t.d == Forever {
		return "gevent: timeout (never)"
	}
	return "gevent: timeout " + t.d.String()
}

// Is makes errors.Is(err, ErrTimeout) true for every Timeout.
func (t *Timeout) Is(target error) bool { return target == ErrTimeout }

// Unwrap returns the custom error, if any.
func (t *Timeout) Unwrap() error { return t.err }

// Run starts t, runs fn and cancels t (gevent's `with Timeout(...)`); it
// returns fn's error. For a silent timeout (NewSilentTimeout), an error that
// is t itself becomes nil.
func (t *Timeout) Run(fn func() error) error {
	if err := t.Start(); err != nil {
		return err
	}
	defer t.Cancel()
	err := fn()
	if t.silent && err != nil && errors.Is(err, t) {
		return nil
	}
	return err
}

// WithTimeout runs fn in the calling greenlet under a Timeout of d and
// returns fn's result (gevent's with_timeout). When the timeout ends fn,
// the error is the *Timeout (errors.Is(err, ErrTimeout)).
func WithTimeout[T any](d time.Duration, fn func() (T, error)) (T, error) {
	t := NewTimeout(d, nil)
	var v T
	err := t.Run(func() (err error) { v, err = fn(); return err })
	return v, err
}

// WithTimeoutValue is WithTimeout that returns (fallback, nil) when its own
// timeout ends fn (gevent's timeout_value); other errors pass through.
func WithTimeoutValue[T any](d time.Duration, fallback T, fn func() (T, error)) (T, error) {
	t := NewTimeout(d, nil)
	var v T
	err := t.Run(func() (err error) { v, err = fn(); return err })
	if err != nil && errors.Is(err, t) {
		return fallback, nil
	}
	return v, err
}
