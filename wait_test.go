package gevent_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

func TestWaitAllRunsUntilNothingIsLeft(t *testing.T) {
	var trace []string
	run(t, func() error {
		gevent.Go(func() {
			trace = append(trace, "a")
			gevent.GoLater(10*time.Millisecond, func() {
				trace = append(trace, "b")
				gevent.Go(func() { gevent.Sleep(5 * time.Millisecond); trace = append(trace, "c") })
			})
		})
		if err := gevent.WaitAll(); err != nil {
			t.Errorf("WaitAll: %v", err)
		}
		if got := strings.Join(trace, " "); got != "a b c" {
			t.Errorf("trace %q", got)
		}
		// A zero timeout elapses before the loop looks for work, even with
		// nothing to do (gevent.wait(timeout=0) returns False too).
		if err := gevent.WaitAll(0); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("WaitAll(0) with nothing to do: %v", err)
		}
		return nil
	})
}

func TestWaitAllTimeoutAndScope(t *testing.T) {
	run(t, func() error {
		sleeper := gevent.Go(func() { gevent.Sleep(time.Hour) })
		if err := gevent.WaitAll(10 * time.Millisecond); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("WaitAll(10ms) with a sleeper: %v", err)
		}
		scope := gevent.NewTimeout(10*time.Millisecond, nil)
		if err := scope.Run(func() error { return gevent.WaitAll() }); err != error(scope) {
			t.Errorf("WaitAll in a Timeout scope: %v", err)
		}
		if sleeper.Dead() {
			t.Error("the sleeper was ended")
		}
		sleeper.Kill(nil, false)
		// The timeout's own timer does not count as work.
		if err := gevent.WaitAll(time.Hour); err != nil {
			t.Errorf("WaitAll(1h) after the kill: %v", err)
		}
		if !sleeper.Dead() {
			t.Error("the sleeper is alive")
		}
		return nil
	})
}

func TestWaitAllOnlyFromTheMainGreenlet(t *testing.T) {
	run(t, func() error {
		var panicked any
		g := gevent.Go(func() {
			defer func() { panicked = recover() }()
			gevent.WaitAll()
		})
		g.Join()
		if s, _ := panicked.(string); !strings.HasPrefix(s, "gevent: WaitAll called from a spawned greenlet") {
			t.Errorf("panic %v", panicked)
		}
		var err error
		gevent.GetHub().Schedule(func() { err = gevent.WaitAll() })
		gevent.Sleep(0)
		if err != gevent.ErrBlockingSwitchOut {
			t.Errorf("in a hub callback: %v", err)
		}
		return nil
	})
}

// JoinAll wakes its caller once, when all are done (batched); on a timeout
// or a kill meanwhile it still returns those that finished, in the order
// they finished.
func TestJoinAllTimeoutOrKillReturnsFinishedInOrder(t *testing.T) {
	run(t, func() error {
		quiet()
		mk := func(d time.Duration) *gevent.Greenlet[int] {
			return gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(d) })
		}
		gs := []*gevent.Greenlet[int]{mk(3 * time.Millisecond), mk(time.Hour), mk(time.Millisecond), mk(2 * time.Millisecond)}
		done, err := gevent.JoinAll(gs, 200*time.Millisecond)
		if !errors.Is(err, gevent.ErrTimeout) || len(done) != 3 || done[0] != gs[2] || done[1] != gs[3] || done[2] != gs[0] {
			t.Errorf("timeout: done=%v err=%v", done, err)
		}
		gs = []*gevent.Greenlet[int]{mk(time.Hour), mk(time.Millisecond), mk(2 * time.Millisecond)}
		boom := errors.New("boom")
		var got []*gevent.Greenlet[int]
		waiter := gevent.GoErr(func() (err error) { got, err = gevent.JoinAll(gs); return err })
		gevent.Spawn(func() (int, error) {
			gevent.Sleep(100 * time.Millisecond)
			return 0, waiter.Kill(boom, false)
		})
		waiter.Join()
		if waiter.Err() != boom || len(got) != 2 || got[0] != gs[1] || got[1] != gs[2] {
			t.Errorf("kill: done=%v err=%v", got, waiter.Err())
		}
		gevent.KillAll(gs, nil, true)
		return nil
	})
}
