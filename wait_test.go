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
