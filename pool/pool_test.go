package pool_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/blocktest"
	"github.com/gevent-go/gevent/pool"
	"github.com/gevent-go/gevent/queue"
)

// run runs body in a fresh hub and fails the test on its error.
func run(t *testing.T, body func() error) {
	t.Helper()
	if err := gevent.Run(func() error {
		// Failing workers are expected here: keep the reports quiet.
		gevent.GetHub().SetErrorHandler(func(gevent.AnyGreenlet, error) {})
		return body()
	}); err != nil {
		t.Fatal(err)
	}
}

func sleeper(d time.Duration) func() { return func() { gevent.Sleep(d) } }

// TestNewPoolSizes also inspects pools outside any hub (Size, Full): the
// read-only methods must work without a hub (a test goroutine belongs to
// none, and may not bind the default hub).
func TestNewPoolSizes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		size     int
		err      error
		wantSize int
		full     bool
	}{
		{-1, pool.ErrInvalidSize, 0, false},
		{-100, pool.ErrInvalidSize, 0, false},
		{0, nil, 0, true},
		{1, nil, 1, false},
		{pool.Unlimited, nil, pool.Unlimited, false},
	} {
		p, err := pool.NewPool(tc.size)
		if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("NewPool(%d): err %v, want %v", tc.size, err, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		if p.Size() != tc.wantSize || p.Full() != tc.full {
			t.Errorf("NewPool(%d): Size %d Full %v", tc.size, p.Size(), p.Full())
		}
	}
}

func TestErrPoolFullMatches(t *testing.T) {
	t.Parallel()
	if !errors.Is(pool.ErrPoolFull, queue.ErrFull) {
		t.Error("ErrPoolFull does not match queue.ErrFull")
	}
	if !errors.Is(pool.ErrZeroSize, pool.ErrPoolFull) || !errors.Is(pool.ErrZeroSize, queue.ErrFull) {
		t.Error("ErrZeroSize does not match ErrPoolFull and queue.ErrFull")
	}
}

func TestPoolAddWhenFull(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		p := pool.MustPool(1)
		if _, err := p.Go(sleeper(time.Second)); err != nil {
			return err
		}
		if !p.Full() || p.FreeCount() != 0 {
			t.Errorf("Full %v FreeCount %d", p.Full(), p.FreeCount())
		}
		for _, tc := range []struct {
			name    string
			timeout time.Duration
			timeErr bool
		}{{"nonblocking", 0, false}, {"negative", -time.Second, false}, {"timeout", 20 * time.Millisecond, true}} {
			g := gevent.New(func() (int, error) { return 1, nil })
			err := p.Add(g, tc.timeout)
			if !errors.Is(err, pool.ErrPoolFull) || !errors.Is(err, queue.ErrFull) {
				t.Errorf("%s: Add: %v, want ErrPoolFull", tc.name, err)
			}
			if errors.Is(err, gevent.ErrTimeout) != tc.timeErr {
				t.Errorf("%s: Add: %v, matches ErrTimeout: want %v", tc.name, err, tc.timeErr)
			}
			if p.Contains(g) || p.Len() != 1 {
				t.Errorf("%s: a refused greenlet was added", tc.name)
			}
			if err := p.Start(g, tc.timeout); !errors.Is(err, pool.ErrPoolFull) || g.Started() {
				t.Errorf("%s: Start: %v started %v", tc.name, err, g.Started())
			}
		}
		return p.Kill(nil, true)
	})
}

func TestZeroSizePool(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		p := pool.MustPool(0)
		ran := false
		if g, err := p.Go(func() { ran = true }); !errors.Is(err, pool.ErrZeroSize) || g != nil {
			t.Errorf("Go: %v %v, want ErrZeroSize", g, err)
		}
		if _, err := pool.Map(p, func(int) (int, error) { return 0, nil }, rangeSeq(2)); !errors.Is(err, pool.ErrZeroSize) {
			t.Errorf("Map: %v, want ErrZeroSize", err)
		}
		for _, err := range pool.IMapUnordered(p, func(int) (int, error) { return 0, nil }, rangeSeq(2)) {
			if !errors.Is(err, pool.ErrZeroSize) {
				t.Errorf("IMapUnordered: %v, want ErrZeroSize", err)
			}
		}
		if err := p.Add(gevent.New(func() (int, error) { return 0, nil }), 10*time.Millisecond); !errors.Is(err, pool.ErrPoolFull) {
			t.Errorf("Add with timeout: %v", err)
		}
		if n, err := p.WaitAvailable(10 * time.Millisecond); n != 0 || !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("WaitAvailable(10ms): %d %v", n, err)
		}
		if _, err := p.WaitAvailable(); !errors.Is(err, pool.ErrZeroSize) {
			t.Errorf("WaitAvailable(): %v", err)
		}
		gevent.Sleep(0)
		if ran {
			t.Error("something ran in a pool of size 0")
		}
		return nil
	})
}

func TestPoolLimitsConcurrency(t *testing.T) {
	t.Parallel()
	for _, size := range []int{1, 2, 5} {
		run(t, func() error {
			p := pool.MustPool(size)
			active, peak, done := 0, 0, 0
			for range 12 {
				_, err := p.Go(func() {
					active++
					peak = max(peak, active)
					gevent.Sleep(time.Millisecond)
					active--
					done++
				})
				if err != nil {
					return err
				}
				if p.Len() > size {
					t.Errorf("size %d: Len %d", size, p.Len())
				}
			}
			if err := p.Join(); err != nil {
				return err
			}
			if peak != size || done != 12 || p.Len() != 0 || p.FreeCount() != size {
				t.Errorf("size %d: peak %d done %d Len %d FreeCount %d", size, peak, done, p.Len(), p.FreeCount())
			}
			return nil
		})
	}
}

func TestWaitAvailable(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		p := pool.MustPool(1)
		g, _ := p.Go(sleeper(5 * time.Millisecond))
		n, err := p.WaitAvailable()
		if err != nil || n != 1 || !g.Dead() {
			t.Errorf("WaitAvailable: %d %v dead %v", n, err, g.Dead())
		}
		if n, err := (&pool.Group{}).WaitAvailable(0); err != nil || n <= 0 {
			t.Errorf("Group.WaitAvailable: %d %v", n, err)
		}
		return nil
	})
}

func TestGroupMembership(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		var g pool.Group
		a := gevent.New(func() (int, error) { return 1, gevent.Sleep(time.Second) })
		b := gevent.New(func() (int, error) { return 2, nil })
		g.Start(a)
		g.Start(b)
		g.Add(b) // again: nothing
		if g.Len() != 2 || !g.Contains(a) || !g.Contains(b) {
			t.Fatalf("Len %d", g.Len())
		}
		if gs := g.Greenlets(); len(gs) != 2 || gs[0] != gevent.AnyGreenlet(a) || gs[1] != gevent.AnyGreenlet(b) {
			t.Errorf("Greenlets order %v", gs)
		}
		gevent.Sleep(0)
		gevent.Sleep(0)
		if g.Contains(b) || g.Len() != 1 {
			t.Errorf("finished greenlet did not leave: Len %d", g.Len())
		}
		g.Discard(a)
		if g.Contains(a) || g.Len() != 0 || a.Dead() {
			t.Errorf("Discard: Len %d dead %v", g.Len(), a.Dead())
		}
		if err := g.Join(0); err != nil {
			t.Errorf("Join on empty group: %v", err)
		}
		// A discarded greenlet does not come back when it finishes.
		a.Kill(nil, true)
		gevent.Sleep(0)
		if g.Len() != 0 {
			t.Error("discarded greenlet came back")
		}
		return nil
	})
}

func TestGroupJoin(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		var g pool.Group
		g.Go(sleeper(30 * time.Millisecond))
		if err := g.Join(5 * time.Millisecond); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("Join(5ms): %v", err)
		}
		if err := g.Join(); err != nil || g.Len() != 0 {
			t.Errorf("Join: %v Len %d", err, g.Len())
		}
		// JoinRaise reports a member's failure.
		boom := errors.New("boom")
		g.GoErr(func() error { return boom })
		g.Go(func() {})
		if err := g.JoinRaise(); !errors.Is(err, boom) {
			t.Errorf("JoinRaise: %v", err)
		}
		return nil
	})
}

func TestGroupKill(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		var g pool.Group
		var order []int
		for i := range 3 {
			g.Go(func() {
				if err := gevent.Sleep(time.Second); err != nil {
					order = append(order, i)
				}
			})
		}
		gevent.Sleep(0)
		if err := g.Kill(nil, true); err != nil || g.Len() != 0 {
			t.Errorf("Kill: %v Len %d", err, g.Len())
		}
		if len(order) != 3 || order[0] != 0 || order[2] != 2 {
			t.Errorf("kill order %v", order)
		}
		// A greenlet that ignores kills for a while: Kill with a timeout.
		stubborn, _ := g.Go(func() {
			defer gevent.Sleep(50 * time.Millisecond) // blocking clean-up during unwinding
			gevent.Sleep(time.Second)
			gevent.Sleep(time.Second)
		})
		gevent.Sleep(0)
		if err := g.Kill(nil, true, 5*time.Millisecond); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("Kill with timeout: %v", err)
		}
		if err := g.Kill(nil, true); err != nil || !stubborn.Dead() {
			t.Errorf("second Kill: %v dead %v", err, stubborn.Dead())
		}
		// KillOne.
		a, _ := g.Go(sleeper(time.Second))
		b, _ := g.Go(sleeper(time.Second))
		gevent.Sleep(0)
		if err := g.KillOne(a, nil, true); err != nil || !a.Dead() || b.Dead() {
			t.Errorf("KillOne: %v", err)
		}
		if err := g.KillOne(a, nil, true); err != nil {
			t.Errorf("KillOne non-member: %v", err)
		}
		g.Kill(nil, false)
		return g.Join()
	})
}

func TestWrongGoroutinePanics(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		var g pool.Group
		g.Go(func() {})
		done := make(chan any)
		go func() {
			defer func() { done <- recover() }()
			g.Join()
		}()
		release := gevent.GetHub().Hold()
		defer release()
		var r any
		for r == nil {
			select {
			case r = <-done:
			default:
				gevent.Sleep(time.Millisecond)
			}
		}
		if s, _ := r.(string); !strings.HasPrefix(s, "pool: ") || !strings.Contains(s, "Hub.Submit") {
			t.Errorf("panic %v, want a message starting with pool: that names Hub.Submit", r)
		}
		return nil
	})
}

func TestBlockingContract(t *testing.T) {
	full := func() *pool.Pool {
		p := pool.MustPool(1)
		p.Go(sleeper(time.Hour))
		return p
	}
	for _, op := range []blocktest.Op{
		{Name: "Pool.Add", Setup: func() blocktest.Op {
			p := full()
			return blocktest.Op{
				Block:       func() error { return p.Add(gevent.New(func() (int, error) { return 0, nil })) },
				WithTimeout: func(d time.Duration) error { return p.Add(gevent.New(func() (int, error) { return 0, nil }), d) },
			}
		}},
		{Name: "Spawn", Setup: func() blocktest.Op {
			p := full()
			return blocktest.Op{Block: func() error { _, err := p.Go(func() {}); return err }}
		}},
		{Name: "WaitAvailable", Setup: func() blocktest.Op {
			p := full()
			return blocktest.Op{
				Block:       func() error { _, err := p.WaitAvailable(); return err },
				WithTimeout: func(d time.Duration) error { _, err := p.WaitAvailable(d); return err },
			}
		}},
		{Name: "Group.Join", Setup: func() blocktest.Op {
			p := full()
			return blocktest.Op{Block: func() error { return p.Join() }, WithTimeout: func(d time.Duration) error { return p.Join(d) }}
		}},
		{Name: "Map", Setup: func() blocktest.Op {
			p := full()
			return blocktest.Op{Block: func() error {
				_, err := pool.Map(p, func(int) (int, error) { return 0, nil }, rangeSeq(3))
				return err
			}}
		}},
		{Name: "IMapUnordered", Setup: func() blocktest.Op {
			p := full()
			return blocktest.Op{Block: func() error {
				for _, err := range pool.IMapUnordered(p, func(int) (int, error) { return 0, nil }, rangeSeq(3)) {
					// The consumer's own timeout comes as ErrInterrupted
					// wrapping the *Timeout: hand the contract the latter.
					var to *gevent.Timeout
					if errors.Is(err, pool.ErrInterrupted) && errors.As(err, &to) {
						return to
					}
					if err != nil {
						return err
					}
				}
				return nil
			}}
		}},
	} {
		blocktest.Check(t, op)
	}
}

// Issue 12 item 5: gevent's add(blocking=False) never switches; neither do
// Add and Start with a timeout of 0, full or not, nor FreeCount and Full.
func TestNonBlockingAddNeverSwitches(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		p := pool.MustPool(1)
		ran := 0
		noSwitch := func(name string, f func()) {
			t.Helper()
			ran = 0
			g := gevent.Go(func() { ran++ })
			f()
			if ran != 0 {
				t.Errorf("%s switched: a ready greenlet ran before it returned", name)
			}
			g.Join()
		}
		g1 := gevent.New(func() (int, error) { return 1, gevent.Sleep(time.Second) })
		noSwitch("Pool.Start (free slot)", func() {
			if err := p.Start(g1, 0); err != nil {
				t.Errorf("Start: %v", err)
			}
		})
		noSwitch("Pool.FreeCount and Full", func() { p.FreeCount(); p.Full() })
		g2 := gevent.New(func() (int, error) { return 2, nil })
		noSwitch("Pool.Add (full)", func() {
			if err := p.Add(g2, 0); !errors.Is(err, pool.ErrPoolFull) {
				t.Errorf("Add: %v, want ErrPoolFull", err)
			}
		})
		noSwitch("Pool.Start (full)", func() {
			if err := p.Start(g2, 0); !errors.Is(err, pool.ErrPoolFull) {
				t.Errorf("Start: %v, want ErrPoolFull", err)
			}
		})
		return p.Kill(nil, true)
	})
}

// TestGroupMembershipMixedTypes: members are told apart by greenlet, whatever
// their result type (the member map is keyed by the greenlet's address);
// a nil or typed-nil greenlet and a greenlet never added are not members.
func TestGroupMembershipMixedTypes(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		var g pool.Group
		a := gevent.New(func() (int, error) { return 1, gevent.Sleep(time.Second) })
		b := gevent.New(func() (string, error) { return "b", gevent.Sleep(time.Second) })
		c := gevent.New(func() (int, error) { return 3, nil })
		g.Start(a)
		g.Start(b)
		var typedNil *gevent.Greenlet[int]
		if g.Len() != 2 || !g.Contains(a) || !g.Contains(b) || g.Contains(c) || g.Contains(nil) || g.Contains(typedNil) {
			t.Fatalf("Len %d, Contains a %v b %v c %v", g.Len(), g.Contains(a), g.Contains(b), g.Contains(c))
		}
		g.Discard(typedNil) // not a member: nothing
		g.Discard(b)
		if g.Len() != 1 || !g.Contains(a) || g.Contains(b) {
			t.Fatalf("after Discard(b): Len %d", g.Len())
		}
		return g.Kill(nil, true)
	})
}
