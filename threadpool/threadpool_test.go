package threadpool_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/blocktest"
	"github.com/gevent-go/gevent/threadpool"
)

func run(t *testing.T, fn func() error) {
	t.Helper()
	if err := gevent.Run(fn); err != nil {
		t.Fatal(err)
	}
}

func TestApplyResults(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	cases := []struct {
		name    string
		fn      func() (int, error)
		want    int
		wantErr error
	}{
		{"value", func() (int, error) { return 42, nil }, 42, nil},
		{"error", func() (int, error) { return 0, boom }, 0, boom},
		{"panic", func() (int, error) { panic(boom) }, 0, boom},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			run(t, func() error {
				v, err := threadpool.Apply(nil, c.fn)
				if v != c.want || !errors.Is(err, c.wantErr) {
					t.Errorf("Apply = %v, %v; want %v, %v", v, err, c.want, c.wantErr)
				}
				if c.name == "panic" {
					var pe *gevent.PanicError
					if !errors.As(err, &pe) || len(pe.Stack) == 0 {
						t.Errorf("panic: want *gevent.PanicError with a stack, got %#v", err)
					}
				}
				return nil
			})
		})
	}
}

// TestHubKeepsServing: while a blocking call runs on the pool, the other
// greenlets of the hub keep running.
func TestHubKeepsServing(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		ticks := 0
		ticker := gevent.Go(func() {
			for {
				if gevent.Sleep(5*time.Millisecond) != nil {
					return
				}
				ticks++
			}
		})
		_, err := threadpool.Apply(nil, func() (struct{}, error) {
			time.Sleep(150 * time.Millisecond) // a blocking call the hub cannot see
			return struct{}{}, nil
		})
		ticker.Kill(nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if ticks < 5 {
			t.Errorf("the hub ran the ticker %d times during a 150ms blocking call; want many", ticks)
		}
		return nil
	})
}

func TestBoundedConcurrency(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		p := threadpool.New(2)
		var cur, peak atomic.Int32
		items := []int{1, 2, 3, 4, 5, 6}
		out, err := threadpool.Map(p, func(i int) (int, error) {
			n := cur.Add(1)
			for {
				old := peak.Load()
				if n <= old || peak.CompareAndSwap(old, n) {
					break
				}
			}
			time.Sleep(20 * time.Millisecond)
			cur.Add(-1)
			return i * i, nil
		}, items)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(out) != "[1 4 9 16 25 36]" {
			t.Errorf("Map = %v", out)
		}
		if peak.Load() != 2 {
			t.Errorf("peak concurrency %d, want 2", peak.Load())
		}
		// Workers exit just after posting their last result.
		for end := time.Now().Add(5 * time.Second); p.Running() != 0 && time.Now().Before(end); {
			gevent.Sleep(time.Millisecond)
		}
		if p.Running() != 0 || p.Queued() != 0 {
			t.Errorf("idle pool: running %d queued %d", p.Running(), p.Queued())
		}
		return nil
	})
}

func TestMapFirstError(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		_, err := threadpool.Map(threadpool.New(4), func(i int) (int, error) {
			if i%2 == 1 {
				return 0, fmt.Errorf("odd %d", i)
			}
			return i, nil
		}, []int{0, 1, 2, 3})
		if err == nil || err.Error() != "odd 1" {
			t.Errorf("Map error = %v, want odd 1", err)
		}
		return nil
	})
}

// blocker returns a pool job that blocks until the test ends.
func blocker(t *testing.T) func() (int, error) {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	return func() (int, error) { <-stop; return 1, nil }
}

func TestResultWaitContract(t *testing.T) {
	blocktest.Check(t, blocktest.Op{
		Name: "Result.Wait",
		Setup: func() blocktest.Op {
			r := threadpool.Spawn(nil, blocker(t))
			return blocktest.Op{
				Block:       func() error { return r.Wait() },
				WithTimeout: func(d time.Duration) error { return r.Wait(d) },
			}
		},
	})
	blocktest.Check(t, blocktest.Op{
		Name: "Apply",
		Setup: func() blocktest.Op {
			fn := blocker(t)
			return blocktest.Op{Block: func() error { _, err := threadpool.Apply(nil, fn); return err }}
		},
	})
}

func TestCancelQueuedJob(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		p := threadpool.New(1)
		var started atomic.Bool
		block := blocker(t)
		first := threadpool.Spawn(p, func() (int, error) { started.Store(true); return block() })
		for !started.Load() {
			gevent.Sleep(time.Millisecond)
		}
		ran := atomic.Bool{}
		second := threadpool.Spawn(p, func() (int, error) { ran.Store(true); return 2, nil })
		if !second.Cancel() {
			t.Fatal("Cancel of a queued job reported false")
		}
		if _, err := second.Get(); !errors.Is(err, threadpool.ErrCancelled) {
			t.Errorf("Get after Cancel: %v, want ErrCancelled", err)
		}
		if first.Cancel() {
			t.Error("Cancel of a running job reported true")
		}
		if first.Ready() {
			t.Error("running job ready")
		}
		if ran.Load() {
			t.Error("cancelled job ran")
		}
		return nil
	})
}

// TestApplyKilledDropsQueuedJob: a greenlet killed while its job waits
// for a worker leaves nothing behind: the job never runs.
func TestApplyKilledDropsQueuedJob(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		p := threadpool.New(1)
		threadpool.Spawn(p, blocker(t))
		var ran atomic.Bool
		g := gevent.Spawn(func() (int, error) {
			return threadpool.Apply(p, func() (int, error) { ran.Store(true); return 1, nil })
		})
		gevent.Sleep(0)
		if err := g.Kill(nil, true, time.Second); err != nil {
			t.Fatal(err)
		}
		if p.Queued() != 1 {
			t.Errorf("queued %d", p.Queued())
		}
		p.SetMaxSize(3) // starts a worker for the queued, cancelled job
		time.Sleep(20 * time.Millisecond)
		if ran.Load() {
			t.Error("job of a killed Apply ran")
		}
		return nil
	})
}

func TestApplyContextCancelledOnKill(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		stopped := make(chan error, 1)
		g := gevent.Spawn(func() (int, error) {
			return threadpool.ApplyContext(nil, context.Background(), func(ctx context.Context) (int, error) {
				<-ctx.Done()
				stopped <- context.Cause(ctx)
				return 0, ctx.Err()
			})
		})
		gevent.Sleep(10 * time.Millisecond)
		g.Kill(nil, true)
		select {
		case err := <-stopped:
			if !errors.Is(err, gevent.ErrGreenletExit) {
				t.Errorf("cause %v, want ErrGreenletExit", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("function not told to stop")
		}
		return nil
	})
}

// TestWaitable: results work with gevent.Wait and come back in completion order.
func TestWaitable(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		slow := threadpool.Spawn(nil, func() (string, error) { time.Sleep(60 * time.Millisecond); return "slow", nil })
		fast := threadpool.Spawn(nil, func() (string, error) { return "fast", nil })
		done, err := gevent.Wait([]*threadpool.Result[string]{slow, fast})
		if err != nil {
			t.Fatal(err)
		}
		if len(done) != 2 || done[0].Value() != "fast" || done[1].Value() != "slow" {
			t.Errorf("order: %v then %v", done[0].Value(), done[1].Value())
		}
		return nil
	})
}

// TestSharedAcrossHubs: one pool serves greenlets of several hubs at once,
// each woken on its own hub.
func TestSharedAcrossHubs(t *testing.T) {
	t.Parallel()
	p := threadpool.New(4)
	errs := make(chan error, 4)
	for h := range 4 {
		go func() {
			errs <- gevent.Run(func() error {
				gs := make([]*gevent.Greenlet[int], 10)
				for i := range gs {
					gs[i] = gevent.Spawn(func() (int, error) {
						return threadpool.Apply(p, func() (int, error) { return h*100 + i, nil })
					})
				}
				for i, g := range gs {
					if v, err := g.Get(); err != nil || v != h*100+i {
						return fmt.Errorf("hub %d greenlet %d: %v %v", h, i, v, err)
					}
				}
				return nil
			})
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestResultFromOtherGoroutinePanics(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		r := threadpool.Spawn(nil, func() (int, error) { return 1, nil })
		msg := make(chan string)
		go func() {
			defer func() { msg <- fmt.Sprint(recover()) }()
			r.Ready()
		}()
		if m := <-msg; !strings.HasPrefix(m, "threadpool: ") {
			t.Errorf("panic %q", m)
		}
		_, err := r.Get()
		return err
	})
}

func ExampleApply() {
	gevent.Run(func() error {
		// Other greenlets run while the pool computes.
		g := gevent.Go(func() { fmt.Println("greenlet runs meanwhile") })
		sum, err := threadpool.Apply(nil, func() (int, error) {
			time.Sleep(20 * time.Millisecond) // stands for a blocking call
			s := 0
			for i := 1; i <= 100; i++ {
				s += i
			}
			return s, nil
		})
		g.Join()
		fmt.Println(sum, err)
		return nil
	})
	// Output:
	// greenlet runs meanwhile
	// 5050 <nil>
}

func ExampleMap() {
	gevent.Run(func() error {
		out, err := threadpool.Map(threadpool.New(3), func(s string) (int, error) {
			return len(s), nil
		}, []string{"gevent", "for", "Go"})
		fmt.Println(out, err)
		return nil
	})
	// Output: [6 3 2] <nil>
}

func BenchmarkApplyRoundTrip(b *testing.B) {
	gevent.Run(func() error {
		p := threadpool.New(1)
		fn := func() (int, error) { return 1, nil }
		b.ReportAllocs()
		for b.Loop() {
			if _, err := threadpool.Apply(p, fn); err != nil {
				b.Fatal(err)
			}
		}
		return nil
	})
}

// BenchmarkApplyParallelGreenlets: 100 greenlets each doing Apply in a loop.
func BenchmarkApplyParallelGreenlets(b *testing.B) {
	gevent.Run(func() error {
		p := threadpool.New(4)
		fn := func() (int, error) { return 1, nil }
		const G = 100
		per := b.N/G + 1
		b.ResetTimer()
		gs := make([]*gevent.Greenlet[struct{}], G)
		for i := range gs {
			gs[i] = gevent.Go(func() {
				for range per {
					threadpool.Apply(p, fn)
				}
			})
		}
		gevent.JoinAll(gs)
		return nil
	})
}

// A Result notifies its raw links and waiters in the order they came, from
// one hub callback after the function returned, as gevent's AsyncResult.
func TestResultNotifiesInOrder(t *testing.T) {
	gevent.Run(func() error {
		release := make(chan struct{})
		r := threadpool.Spawn(nil, func() (int, error) { <-release; return 7, nil })
		var log []string
		waiter := func(name string) *gevent.Greenlet[struct{}] {
			return gevent.Go(func() {
				v, err := r.Get()
				log = append(log, fmt.Sprintf("%s got %d %v", name, v, err))
			})
		}
		r.Rawlink(func() { log = append(log, "L1") })
		a := waiter("A")
		gevent.Sleep(0)
		r.Rawlink(func() { log = append(log, "L2") })
		b := waiter("B")
		gevent.Sleep(0)
		close(release)
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{a, b})
		gevent.Sleep(0)
		want := "[L1 A got 7 <nil> L2 B got 7 <nil>]"
		if got := fmt.Sprint(log); got != want {
			t.Errorf("log %s, want %s", got, want)
		}
		return nil
	})
}
