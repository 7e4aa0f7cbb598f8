package gevent

import (
	"errors"
	"fmt"
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

// timeoutErr is the error of a per-call timeout (Join(d), Get(d), ...).
type timeoutErr struct{ d string }

func (e *timeoutErr) Error() string        { return "gevent: timeout after " + e.d }
func (e *timeoutErr) Is(target error) bool { return target == ErrTimeout }
