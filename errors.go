package gevent

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrGreenletExit is the default error a killed greenlet receives from
	// its blocking call (gevent's GreenletExit). A greenlet that ends with an
	// error matching it counts as successful.
	ErrGreenletExit = errors.New("gevent: greenlet exit")

	// ErrTimeout is matched (errors.Is) by every timeout error: a *Timeout
	// that fired, and the error of a per-call timeout such as Get(d).
	ErrTimeout = errors.New("gevent: timeout")

	// ErrLoopExit is returned to the main greenlet when it waits for
	// something that nothing can ever deliver: no greenlet is ready and there
	// are no timers, fd waits, posted work or holds (gevent's LoopExit).
	ErrLoopExit = errors.New("gevent: this operation would block forever")

	// ErrBlockingSwitchOut is returned by a blocking call made from inside a
	// hub callback (a link, a timer task), where nothing may block (gevent's
	// BlockingSwitchOutError).
	ErrBlockingSwitchOut = errors.New("gevent: impossible to call blocking function in the event loop callback")

	// ErrConcurrentUse is returned when two greenlets wait for the same event
	// on the same file descriptor (gevent's ConcurrentObjectUseError).
	ErrConcurrentUse = errors.New("gevent: this file descriptor is already being waited on by another greenlet")

	// ErrHubClosed is returned by calls on a hub whose Run has returned, and
	// is the error of greenlets abandoned by such a hub.
	ErrHubClosed = errors.New("gevent: hub closed")
)

// PanicError is the error of a greenlet whose function panicked. It keeps
// the panic value and the stack of the panicking greenlet.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// StuckError is the error of a greenlet that a hub's Run gave up on at
// shutdown: still alive after it was killed three times, each kill followed
// by the hub's shutdown grace (see Run and Hub.SetShutdownGrace), most likely
// because a recover() swallowed its unwinding (see IsUnwind). It is
// reported to the hub's error handler, with the stack of the greenlet where
// it waited then, and is the greenlet's Err; the greenlet's goroutine stays
// parked for good. It matches ErrHubClosed.
type StuckError struct {
	After time.Duration // time from the first kill to giving up
	Stack []byte        // the greenlet's stack when given up; nil if unknown
}

func (e *StuckError) Error() string {
	return "gevent: greenlet still alive " + e.After.Round(time.Millisecond).String() +
		" after the hub's shutdown killed it (does a recover() swallow its unwinding? see gevent.IsUnwind); abandoned"
}

// Unwrap returns ErrHubClosed.
func (e *StuckError) Unwrap() error { return ErrHubClosed }

// timeoutErr is the error of a per-call timeout (Join(d), Get(d), ...).
type timeoutErr struct{ d string }

func (e *timeoutErr) Error() string        { return "gevent: timeout after " + e.d }
func (e *timeoutErr) Is(target error) bool { return target == ErrTimeout }
