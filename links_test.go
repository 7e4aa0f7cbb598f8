package gevent_test

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

// A run takes callbacks and waiting greenlets in the order they were
// added; a panicking callback is reported and the others still run; a
// greenlet whose wait ended (timeout, kill) is passed over and leaves
// nothing behind; an entry added during a run waits for the next one.
func TestLinksOrder(t *testing.T) {
	var reported []string
	h, err := gevent.NewHub()
	if err != nil {
		t.Fatal(err)
	}
	h.SetErrorHandler(func(g gevent.AnyGreenlet, err error) {
		reported = append(reported, err.Error())
	})
	h.Run(func() error {
		var l gevent.Links
		var log []string
		add := func(name string, then func()) gevent.LinkID {
			return l.Add(func() {
				log = append(log, name)
				if then != nil {
					then()
				}
			}, false)
		}
		waiter := func(name string, timeout time.Duration) *gevent.Greenlet[struct{}] {
			return gevent.Go(func() {
				err := l.Wait(timeout)
				log = append(log, fmt.Sprintf("%s: %v", name, err))
			})
		}
		add("L1", nil)
		a := waiter("A", -1)
		gevent.Sleep(0)
		l.Add(func() { panic("boom") }, false)
		timed := waiter("T", time.Millisecond)
		gevent.Sleep(20 * time.Millisecond) // T times out and leaves
		killed := waiter("K", -1)
		gevent.Sleep(0)
		killed.Kill(nil, true)
		gone := add("gone", nil)
		add("L2", func() { add("L3 (added during the run)", nil) })
		b := waiter("B", -1)
		gevent.Sleep(0)
		l.Remove(gone)
		if l.Len() != 5 || l.Pending() {
			t.Errorf("before Fire: Len %d (want 5), Pending %v", l.Len(), l.Pending())
		}
		l.Fire()
		if !l.Pending() {
			t.Error("Fire scheduled no run")
		}
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{a, timed, killed, b})
		want := []string{"T: gevent: timeout after 1ms", "K: " + gevent.ErrGreenletExit.Error(),
			"L1", "A: <nil>", "L2", "B: <nil>"}
		if !slices.Equal(log, want) {
			t.Errorf("log %q, want %q", log, want)
		}
		if l.Len() != 1 || l.Pending() {
			t.Errorf("after the run: Len %d (want 1: L3), Pending %v", l.Len(), l.Pending())
		}
		l.Fire()
		gevent.Sleep(0)
		if log[len(log)-1] != "L3 (added during the run)" || l.Len() != 0 {
			t.Errorf("log %q, Len %d", log, l.Len())
		}
		if len(reported) != 1 {
			t.Errorf("reported %q, want the one panic", reported)
		}
		return nil
	})
}

// Wait's contract: own timeout, kill, Timeout scope, and the hub callback.
func TestLinksWaitErrors(t *testing.T) {
	gevent.Run(func() error {
		var l gevent.Links
		if err := l.Wait(0); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("Wait(0): %v", err)
		}
		if err := l.WaitPending(); err != nil {
			t.Errorf("WaitPending with no run pending: %v", err)
		}
		var inCallback error
		done := false
		gevent.GetHub().Schedule(func() { inCallback = l.Wait(-1); done = true })
		for !done {
			gevent.Sleep(0)
		}
		if !errors.Is(inCallback, gevent.ErrBlockingSwitchOut) {
			t.Errorf("Wait in a callback: %v", inCallback)
		}
		if l.Len() != 0 {
			t.Errorf("Len %d after failed waits", l.Len())
		}
		return nil
	})
}

// SetReady decides whether entries added during a run get another run.
func TestLinksSetReady(t *testing.T) {
	for _, ready := range []bool{true, false} {
		gevent.Run(func() error {
			var l gevent.Links
			l.SetReady(func() bool { return ready }, false)
			ran := 0
			l.Add(func() { l.Add(func() { ran++ }, false); ran++ }, true)
			for range 3 {
				gevent.Sleep(0)
			}
			want := 1
			if ready {
				want = 2
			}
			if ran != want {
				t.Errorf("ready %v: %d links ran, want %d", ready, ran, want)
			}
			return nil
		})
	}
}

// WaitPending waits for the pending run, after the entries that run was
// going to take. A kill that reaches a greenlet the run already resumed is
// left for its next blocking call (the wait succeeded: nothing is lost).
func TestLinksWaitPending(t *testing.T) {
	gevent.Run(func() error {
		var l gevent.Links
		var log []string
		l.Add(func() { log = append(log, "link") }, false)
		waiter := func(name string) *gevent.Greenlet[struct{}] {
			return gevent.Go(func() {
				err := l.WaitPending()
				log = append(log, fmt.Sprintf("%s: %v", name, err))
				if err == nil {
					log = append(log, fmt.Sprintf("%s then: %v", name, gevent.Sleep(0)))
				}
			})
		}
		// Ready queue: first, second, killer, then the run; the kill
		// (a callback, as gevent's throw) comes after the run.
		first, second := waiter("first"), waiter("second")
		killer := gevent.Go(func() { first.Kill(nil, false) })
		l.Fire()
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{first, second, killer})
		want := []string{"link", "first: <nil>", "second: <nil>",
			"first then: " + gevent.ErrGreenletExit.Error(), "second then: <nil>"}
		if !slices.Equal(log, want) || l.Len() != 0 || l.Pending() {
			t.Errorf("log %q (want %q), Len %d, Pending %v", log, want, l.Len(), l.Pending())
		}
		if err := l.WaitPending(); err != nil {
			t.Errorf("WaitPending with no run pending: %v", err)
		}
		return nil
	})
}

// TestLinkAddedByWokenJoiner: a joiner woken by the last link of a
// greenlet runs on the hub's behalf (it resumes the greenlets behind it
// itself); a link it then adds to the dead greenlet still runs as soon as
// it blocks, before the greenlets already ready, as in gevent
// (conformance: the same program under gevent 22.10 prints this order).
func TestLinkAddedByWokenJoiner(t *testing.T) {
	var log []string
	add := func(s string) func() { return func() { log = append(log, s) } }
	err := gevent.Run(func() error {
		a := gevent.Go(add("a"))
		a.Join()
		gevent.Go(add("e"))
		a.Rawlink(add("link-a"))
		gevent.Go(add("b"))
		gevent.Go(add("c"))
		x := gevent.Go(add("x"))
		x.Join()
		log = append(log, "joined")
		gevent.Go(add("d"))
		x.Rawlink(add("link-x"))
		gevent.Sleep(0)
		log = append(log, "main")
		y := gevent.Go(add("y"))
		y.Join()
		gevent.Go(add("z"))
		y.Rawlink(add("link-y"))
		gevent.Sleep(0)
		log = append(log, "end")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "a link-a e b c x joined link-x d main y link-y z end"
	if got := strings.Join(log, " "); got != want {
		t.Fatalf("order:\n got %s\nwant %s", got, want)
	}
}

// TestJoinSpawnedNoHubTrip: once the main greenlet runs on the hub's
// behalf (woken by a Join's link), spawn + Join switches straight into the
// spawned greenlet and back: the hub's loop does not run in between (the
// Switch hook never reports it).
func TestJoinSpawnedNoHubTrip(t *testing.T) {
	var switches []string
	err := gevent.Run(func() error {
		gevent.GetHub().SetHooks(gevent.Hooks{Switch: func(g gevent.AnyGreenlet) {
			if g == nil {
				switches = append(switches, "hub")
			} else {
				switches = append(switches, g.Name())
			}
		}})
		gevent.Go(func() {}).Join()
		switches = switches[:0]
		for i := range 3 {
			g := gevent.Go(func() {})
			g.SetName(fmt.Sprint("g", i))
			g.Join()
		}
		gevent.GetHub().SetHooks(gevent.Hooks{})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "g0 MainGreenlet g1 MainGreenlet g2 MainGreenlet"
	if got := strings.Join(switches, " "); got != want {
		t.Fatalf("switches:\n got %s\nwant %s", got, want)
	}
}

// A greenlet that waits on a fresh object (an Event per request, say)
// allocates one 64-byte node: the node parks the greenlet itself. (It
// held a wait list of its own and that list's first node: 112 bytes.)
func TestLinksWaitAllocatesOneSmallNode(t *testing.T) {
	gevent.Run(func() error {
		const n = 100
		round := func() (allocs, bytes uint64) {
			l := new(gevent.Links)
			gs := make([]*gevent.Greenlet[struct{}], n)
			for i := range gs {
				gs[i] = gevent.GoErr(func() error { return l.Wait(-1) })
			}
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			gevent.Sleep(0) // every waiter starts and parks in l.Wait
			runtime.ReadMemStats(&m1)
			if l.Len() != n {
				t.Fatalf("%d waiting, want %d", l.Len(), n)
			}
			l.Fire()
			gevent.JoinAll(gs)
			for _, g := range gs {
				if g.Err() != nil {
					t.Fatalf("Wait: %v", g.Err())
				}
			}
			return m1.Mallocs - m0.Mallocs, m1.TotalAlloc - m0.TotalAlloc
		}
		round() // warm up: coroutines to reuse
		// Slack for a stray allocation elsewhere in the process; the
		// 112-byte nodes made 11,200 bytes.
		if allocs, bytes := round(); allocs > n+10 || bytes > n*64+2048 {
			t.Errorf("%d greenlets parking in Wait on a fresh Links made %d allocations of %d bytes, want at most %d of %d",
				n, allocs, bytes, n+10, n*64+2048)
		}
		return nil
	})
}
