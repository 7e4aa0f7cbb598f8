package gevent_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

// TestTimedWaitsNeverEndEarly: a sleep, a per-call timeout, a Timeout scope
// and a delayed start all last at least their duration from the call, even
// when a greenlet ahead of the caller in the same loop iteration burned CPU
// for most of it. Regression: timers counted from the loop's cached time at
// the iteration's start, so after a sibling burned 50 ms, Sleep(60ms)
// returned after 10 ms.
func TestTimedWaitsNeverEndEarly(t *testing.T) {
	const d = 60 * time.Millisecond
	cases := []struct {
		name string
		wait func() error // blocks for d, from a spawned greenlet
	}{
		{"Sleep", func() error { return gevent.Sleep(d) }},
		{"WaitList.Wait timeout", func() error {
			var l gevent.WaitList[int]
			if _, err := l.Wait(d); err == nil {
				return fmt.Errorf("Wait returned without a timeout")
			}
			return nil
		}},
		{"Join timeout", func() error {
			g := gevent.Go(func() { gevent.Sleep(time.Hour) })
			defer g.Kill(nil, false)
			if err := g.Join(d); err == nil {
				return fmt.Errorf("Join returned without a timeout")
			}
			return nil
		}},
		{"Timeout scope", func() error {
			to := gevent.NewTimeout(d, nil)
			if err := to.Run(func() error { return gevent.Sleep(time.Hour) }); err != error(to) {
				return fmt.Errorf("scope ended with %v", err)
			}
			return nil
		}},
		{"StartLater", func() error {
			_, err := gevent.SpawnLater(d, func() (int, error) { return 0, nil }).Get()
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			run(t, func() error {
				// The burner runs first in the iteration, the waiter
				// right after it in the same one.
				gevent.Go(func() { burnCPU(50 * time.Millisecond) })
				var took time.Duration
				w := gevent.GoErr(func() error {
					start := time.Now()
					err := c.wait()
					took = time.Since(start)
					return err
				})
				if _, err := w.Get(); err != nil {
					return err
				}
				if took < d {
					t.Errorf("ended %v after the call, before its %v", took, d)
				}
				return nil
			})
		})
	}
}
