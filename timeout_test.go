package gevent_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

var errTooLong = errors.New("TooLong")

func TestTimeoutTable(t *testing.T) {
	cases := []struct {
		name string
		body func(t *testing.T) error
	}{
		{"fires", func(t *testing.T) error {
			to := gevent.NewTimeout(5*time.Millisecond, nil)
			err := to.Run(func() error { return gevent.Sleep(time.Hour) })
			if err != error(to) || !errors.Is(err, gevent.ErrTimeout) || to.Pending() {
				t.Errorf("err=%v pending=%v", err, to.Pending())
			}
			return nil
		}},
		{"custom error", func(t *testing.T) error {
			to := gevent.NewTimeout(5*time.Millisecond, errTooLong)
			err := to.Run(func() error { return gevent.Sleep(time.Hour) })
			if !errors.Is(err, errTooLong) || !errors.Is(err, to) || err.Error() != "TooLong" {
				t.Errorf("err=%v", err)
			}
			return nil
		}},
		{"silent", func(t *testing.T) error {
			to := gevent.NewSilentTimeout(5 * time.Millisecond)
			if err := to.Run(func() error { return gevent.Sleep(time.Hour) }); err != nil {
				t.Errorf("silent timeout returned %v", err)
			}
			return nil
		}},
		{"not reached", func(t *testing.T) error {
			to := gevent.NewTimeout(time.Hour, nil)
			if err := to.Run(func() error { return gevent.Sleep(time.Millisecond) }); err != nil || to.Pending() {
				t.Errorf("err=%v pending=%v", err, to.Pending())
			}
			return nil
		}},
		{"forever never fires", func(t *testing.T) error {
			to := gevent.NewTimeout(gevent.Forever, nil)
			if err := to.Run(func() error { return gevent.Sleep(5 * time.Millisecond) }); err != nil {
				t.Errorf("err=%v", err)
			}
			return nil
		}},
		{"zero fires at next iteration", func(t *testing.T) error {
			to := gevent.NewTimeout(0, nil)
			n := 0
			err := to.Run(func() error {
				for {
					if err := gevent.Sleep(0); err != nil {
						return err
					}
					n++
				}
			})
			// An iteration runs at most 1,024 ready tasks before timers.
			if err != error(to) || n > 2048 {
				t.Errorf("err=%v after %d yields", err, n)
			}
			return nil
		}},
		{"tight sleep0 loop interrupted", func(t *testing.T) error {
			to := gevent.NewTimeout(5*time.Millisecond, nil)
			err := to.Run(func() error {
				for {
					if err := gevent.Sleep(0); err != nil {
						return err
					}
				}
			})
			if err != error(to) {
				t.Errorf("err=%v", err)
			}
			return nil
		}},
		{"inner fires first", func(t *testing.T) error {
			outer := gevent.NewTimeout(time.Hour, nil)
			inner := gevent.NewTimeout(5*time.Millisecond, nil)
			err := outer.Run(func() error {
				err := inner.Run(func() error { return gevent.Sleep(time.Hour) })
				if err != error(inner) {
					t.Errorf("inner run returned %v", err)
				}
				return nil
			})
			if err != nil {
				t.Errorf("outer returned %v", err)
			}
			return nil
		}},
		{"outer earlier wins", func(t *testing.T) error {
			outer := gevent.NewTimeout(5*time.Millisecond, nil)
			inner := gevent.NewTimeout(time.Hour, nil)
			var innerErr error
			err := outer.Run(func() error {
				innerErr = inner.Run(func() error { return gevent.Sleep(time.Hour) })
				if errors.Is(innerErr, inner) {
					t.Error("inner timeout reported as its own")
				}
				return innerErr
			})
			if err != error(outer) || innerErr != error(outer) {
				t.Errorf("outer=%v inner=%v", err, innerErr)
			}
			return nil
		}},
		{"scopes that fire together are all delivered, in firing order", func(t *testing.T) error {
			// Regression: a second timeout that fired while its greenlet
			// was runnable (CPU work between Sleep(0) calls) was dropped,
			// and the scope it guarded never ended.
			outer := gevent.NewTimeout(30*time.Millisecond, nil)
			middle := gevent.NewTimeout(20*time.Millisecond, nil)
			inner := gevent.NewTimeout(10*time.Millisecond, nil)
			for _, to := range []*gevent.Timeout{outer, middle, inner} {
				if err := to.Start(); err != nil {
					t.Fatal(err)
				}
				defer to.Cancel()
			}
			burnCPU(60 * time.Millisecond)
			if !outer.Pending() || !middle.Pending() || !inner.Pending() {
				t.Errorf("fired, undelivered timeouts not pending: %v %v %v", outer.Pending(), middle.Pending(), inner.Pending())
			}
			var err error
			for err == nil {
				err = gevent.Sleep(0)
			}
			if err != error(inner) || inner.Pending() || !outer.Pending() {
				t.Errorf("first delivered: %v (inner pending %v, outer pending %v)", err, inner.Pending(), outer.Pending())
			}
			if err := gevent.Sleep(time.Second); err != error(middle) {
				t.Errorf("second delivered: %v, want the middle timeout", err)
			}
			if err := gevent.Sleep(time.Second); err != error(outer) {
				t.Errorf("third delivered: %v, want the outer timeout", err)
			}
			if outer.Pending() {
				t.Error("delivered timeout still pending")
			}
			return nil
		}},
		{"a fired timeout cancelled before delivery is not delivered", func(t *testing.T) error {
			outer := gevent.NewTimeout(30*time.Millisecond, nil)
			middle := gevent.NewTimeout(20*time.Millisecond, nil)
			inner := gevent.NewTimeout(10*time.Millisecond, nil)
			outer.Start()
			middle.Start()
			inner.Start()
			burnCPU(60 * time.Millisecond)
			var err error
			for err == nil {
				err = gevent.Sleep(0)
			}
			if err != error(inner) {
				t.Errorf("first delivered: %v, want the inner timeout", err)
			}
			middle.Cancel()
			if middle.Pending() || !outer.Pending() {
				t.Errorf("pending after cancel: middle %v outer %v", middle.Pending(), outer.Pending())
			}
			if err := gevent.Sleep(time.Second); err != error(outer) {
				t.Errorf("Sleep returned %v, want the outer timeout", err)
			}
			if err := outer.Start(); err != nil {
				t.Errorf("restart after delivery: %v", err)
			}
			outer.Cancel()
			if err := gevent.Sleep(time.Millisecond); err != nil {
				t.Errorf("Sleep after cancel returned %v", err)
			}
			return nil
		}},
		{"start twice is an error, restart after cancel", func(t *testing.T) error {
			to := gevent.NewTimeout(time.Hour, nil)
			if err := to.Start(); err != nil {
				t.Fatal(err)
			}
			if err := to.Start(); err == nil {
				t.Error("second Start of a pending timeout succeeded")
			}
			to.Cancel()
			if err := to.Start(); err != nil {
				t.Errorf("restart after cancel: %v", err)
			}
			to.Cancel()
			return nil
		}},
		{"WithTimeout", func(t *testing.T) error {
			v, err := gevent.WithTimeout(5*time.Millisecond, func() (int, error) { return 1, gevent.Sleep(time.Hour) })
			if !errors.Is(err, gevent.ErrTimeout) {
				t.Errorf("v=%v err=%v", v, err)
			}
			v, err = gevent.WithTimeoutValue(5*time.Millisecond, -1, func() (int, error) { return 1, gevent.Sleep(time.Hour) })
			if v != -1 || err != nil {
				t.Errorf("fallback: v=%v err=%v", v, err)
			}
			v, err = gevent.WithTimeoutValue(time.Hour, -1, func() (int, error) { return 7, nil })
			if v != 7 || err != nil {
				t.Errorf("no timeout: v=%v err=%v", v, err)
			}
			return nil
		}},
		{"main greenlet join under timeout (seed)", func(t *testing.T) error {
			to := gevent.StartNewTimeout(5*time.Millisecond, nil)
			defer to.Cancel()
			err := gevent.Go(func() { gevent.Sleep(time.Hour) }).Join()
			if err != error(to) {
				t.Errorf("join returned %v", err)
			}
			return nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			run(t, func() error { return c.body(t) })
		})
	}
}

// burnCPU runs for d without yielding: a greenlet busy with CPU work.
func burnCPU(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
	}
}
