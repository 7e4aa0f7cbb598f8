// Package blocktest checks the contract every cooperative blocking call of
// this module keeps (gevent's testing/timing.py pattern): it returns within
// its own timeout, it wakes on kill with the kill error, an outer Timeout
// scope is delivered to it, and from a hub callback it refuses to block.
package blocktest

import (
	"errors"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

// Op is a blocking operation that will not complete by itself.
type Op struct {
	Name string
	// Setup, if set, runs in the test's hub before each check and returns
	// the operation; it lets each check start from fresh state.
	Setup func() Op
	// Block performs the operation without a timeout.
	Block func() error
	// WithTimeout performs it with a per-call timeout (nil: the operation
	// has none).
	WithTimeout func(d time.Duration) error
}

// Generous bound for "returned promptly": far above any timeout used here.
const bound = 5 * time.Second

func (o Op) fresh() Op {
	if o.Setup != nil {
		n := o.Setup()
		if n.Name == "" {
			n.Name = o.Name
		}
		return n
	}
	return o
}

// Check runs the four checks on op, each in its own hub.
func Check(t *testing.T, op Op) {
	t.Helper()
	t.Run(op.Name+"/own-timeout", func(t *testing.T) {
		gevent.Run(func() error {
			o := op.fresh()
			if o.WithTimeout == nil {
				t.Skip("operation has no per-call timeout")
			}
			start := time.Now()
			err := o.WithTimeout(20 * time.Millisecond)
			if !errors.Is(err, gevent.ErrTimeout) {
				t.Errorf("%s: want an error matching ErrTimeout, got %v", o.Name, err)
			}
			if el := time.Since(start); el < 15*time.Millisecond || el > bound {
				t.Errorf("%s: returned after %v, want about 20ms", o.Name, el)
			}
			return nil
		})
	})
	t.Run(op.Name+"/kill", func(t *testing.T) {
		gevent.Run(func() error {
			o := op.fresh()
			var got error
			returned := false
			g := gevent.Go(func() { got = o.Block(); returned = true })
			gevent.Sleep(0)
			gevent.Sleep(time.Millisecond)
			if err := g.Kill(nil, true, bound); err != nil {
				t.Errorf("%s: Kill: %v", o.Name, err)
			}
			if !returned || !errors.Is(got, gevent.ErrGreenletExit) {
				t.Errorf("%s: on kill returned=%v err=%v, want ErrGreenletExit", o.Name, returned, got)
			}
			if !g.Dead() || !g.Successful() {
				t.Errorf("%s: killed greenlet dead=%v successful=%v", o.Name, g.Dead(), g.Successful())
			}
			return nil
		})
	})
	t.Run(op.Name+"/outer-timeout", func(t *testing.T) {
		gevent.Run(func() error {
			o := op.fresh()
			to := gevent.NewTimeout(20*time.Millisecond, nil)
			start := time.Now()
			err := to.Run(o.Block)
			if err != error(to) {
				t.Errorf("%s: under a Timeout scope want the *Timeout itself, got %v", o.Name, err)
			}
			if el := time.Since(start); el > bound {
				t.Errorf("%s: returned after %v", o.Name, el)
			}
			return nil
		})
	})
	t.Run(op.Name+"/in-callback", func(t *testing.T) {
		gevent.Run(func() error {
			o := op.fresh()
			var got error
			done := false
			h := gevent.GetHub()
			h.Schedule(func() { got = o.Block(); done = true })
			gevent.Sleep(0)
			if !done || !errors.Is(got, gevent.ErrBlockingSwitchOut) {
				t.Errorf("%s: from a hub callback: done=%v err=%v, want ErrBlockingSwitchOut", o.Name, done, got)
			}
			return nil
		})
	})
}
