package gevent_test

import (
	"errors"
	"runtime"
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

// mallocs returns the number of heap allocations so far.
func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

// JoinAll over *Greenlet values links to each greenlet without a closure
// (or anything else) allocated per greenlet: its allocations do not grow
// with the number of greenlets. (It allocated a closure per greenlet, and
// its list of ready ones grew by appending: 115 allocations for 100.)
// Wait and IWait share the code; a type that embeds a Greenlet still goes
// through its Rawlink, and gets the same results.
func TestJoinAllAllocatesNothingPerGreenlet(t *testing.T) {
	run(t, func() error {
		const n = 100
		gs := make([]*gevent.Greenlet[int], n)
		spawn := func() {
			for i := range gs {
				gs[i] = gevent.Spawn(func() (int, error) { return 1, nil })
			}
		}
		spawn()
		gevent.JoinAll(gs) // warm up: coroutines and link nodes to reuse
		spawn()
		before := mallocs()
		done, err := gevent.JoinAll(gs)
		allocs := mallocs() - before
		if err != nil || len(done) != n || done[0] != gs[0] || done[n-1] != gs[n-1] {
			t.Fatalf("JoinAll: %d done, err %v", len(done), err)
		}
		if allocs > 20 { // slack for a stray allocation elsewhere in the process
			t.Errorf("JoinAll of %d greenlets made %d allocations, want at most 20", n, allocs)
		}

		type embedded struct{ gevent.Greenlet[int] }
		es := make([]*embedded, 3)
		for i := range es {
			e := &embedded{}
			e.Init(func() (int, error) { return 0, gevent.Sleep(time.Duration(3-i) * time.Millisecond) })
			e.Start()
			es[i] = e
		}
		edone, err := gevent.JoinAll(es)
		if err != nil || len(edone) != 3 || edone[0] != es[2] || edone[1] != es[1] || edone[2] != es[0] {
			t.Errorf("JoinAll of embedded greenlets: %v, %v", edone, err)
		}
		return nil
	})
}
