package pool_test

import (
	"errors"
	"iter"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/pool"
)

// runners gives a fresh Group, unlimited Pool and small Pool.
func runners() map[string]func() pool.Runner {
	return map[string]func() pool.Runner{
		"Group":         func() pool.Runner { return &pool.Group{} },
		"Pool(3)":       func() pool.Runner { return pool.MustPool(3) },
		"Pool(1)":       func() pool.Runner { return pool.MustPool(1) },
		"Pool(Unlimit)": func() pool.Runner { return pool.MustPool(pool.Unlimited) },
	}
}

func lenOf(r pool.Runner) int {
	switch r := r.(type) {
	case *pool.Group:
		return r.Len()
	case *pool.Pool:
		return r.Len()
	}
	return -1
}

// delay makes item i finish in reverse order of input.
func reverseDelay(n int) func(int) (int, error) {
	return func(i int) (int, error) {
		err := gevent.Sleep(time.Duration(n-i) * time.Millisecond)
		return i * i, err
	}
}

func TestMapOrder(t *testing.T) {
	t.Parallel()
	for name, mk := range runners() {
		run(t, func() error {
			r := mk()
			out, err := pool.Map(r, reverseDelay(8), rangeSeq(8))
			want := []int{0, 1, 4, 9, 16, 25, 36, 49}
			if err != nil || !slices.Equal(out, want) {
				t.Errorf("%s: Map %v %v", name, out, err)
			}
			got := []int{}
			for v, err := range pool.IMap(r, reverseDelay(8), rangeSeq(8)) {
				if err != nil {
					t.Errorf("%s: IMap err %v", name, err)
				}
				got = append(got, v)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: IMap %v", name, got)
			}
			got = got[:0]
			for v, err := range pool.IMapUnordered(r, reverseDelay(8), rangeSeq(8)) {
				if err != nil {
					t.Errorf("%s: IMapUnordered err %v", name, err)
				}
				got = append(got, v)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) || lenOf(r) != 0 {
				t.Errorf("%s: IMapUnordered %v Len %d", name, got, lenOf(r))
			}
			h := pool.MapAsync(r, reverseDelay(3), slices.Values([]int{0, 1, 2}))
			if out, err := h.Get(); err != nil || !slices.Equal(out, []int{0, 1, 4}) {
				t.Errorf("%s: MapAsync %v %v", name, out, err)
			}
			return nil
		})
	}
}

func TestIMapUnorderedCompletionOrder(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		var got []int
		for v, err := range pool.IMapUnordered(&pool.Group{}, reverseDelay(5), rangeSeq(5)) {
			if err != nil {
				return err
			}
			got = append(got, v)
		}
		if !slices.Equal(got, []int{16, 9, 4, 1, 0}) {
			t.Errorf("got %v", got)
		}
		return nil
	})
}

var errOdd = errors.New("odd")

func failOdd(i int) (int, error) {
	gevent.Sleep(0)
	if i%2 == 1 {
		return 0, errOdd
	}
	return i, nil
}

func TestWorkerErrors(t *testing.T) {
	t.Parallel()
	for name, mk := range runners() {
		run(t, func() error {
			r := mk()
			if _, err := pool.Map(r, failOdd, rangeSeq(6)); !errors.Is(err, errOdd) {
				t.Errorf("%s: Map: %v", name, err)
			}
			// The iterator yields errors and goes on.
			var vals []int
			errs := 0
			for v, err := range pool.IMap(r, failOdd, rangeSeq(6)) {
				if err != nil {
					errs++
					continue
				}
				vals = append(vals, v)
			}
			if errs != 3 || !slices.Equal(vals, []int{0, 2, 4}) {
				t.Errorf("%s: IMap vals %v errs %d", name, vals, errs)
			}
			// A panic is an error too.
			for _, err := range pool.IMapUnordered(r, func(int) (int, error) { panic("bang") }, rangeSeq(1)) {
				var pe *gevent.PanicError
				if !errors.As(err, &pe) {
					t.Errorf("%s: panic surfaced as %v", name, err)
				}
			}
			gevent.Sleep(0)
			if lenOf(r) != 0 {
				t.Errorf("%s: Len %d after errors", name, lenOf(r))
			}
			return nil
		})
	}
}

func TestEarlyStopLeavesNothing(t *testing.T) {
	t.Parallel()
	for name, mk := range runners() {
		for _, ordered := range []bool{false, true} {
			run(t, func() error {
				r := mk()
				started, finished := 0, 0
				fn := func(i int) (int, error) {
					started++
					defer func() { finished++ }()
					return i, gevent.Sleep(time.Duration(i%3) * time.Millisecond)
				}
				it := pool.IMapUnordered(r, fn, rangeSeq(1000))
				if ordered {
					it = pool.IMap(r, fn, rangeSeq(1000))
				}
				n := 0
				for _, err := range it {
					if err != nil {
						return err
					}
					if n++; n == 3 {
						break
					}
				}
				if lenOf(r) != 0 || started != finished {
					t.Errorf("%s ordered=%v: after break Len %d started %d finished %d", name, ordered, lenOf(r), started, finished)
				}
				if started == 1000 && name != "Group" && name != "Pool(Unlimit)" {
					t.Errorf("%s: every item started", name)
				}
				return nil
			})
		}
	}
}

func TestConsumerKilled(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		p := pool.MustPool(2)
		var got error
		var workers []gevent.AnyGreenlet
		fn := func(i int) (int, error) {
			workers = append(workers, gevent.GetCurrent())
			return i, gevent.Sleep(time.Hour)
		}
		c := gevent.Go(func() {
			for _, err := range pool.IMapUnordered(p, fn, rangeSeq(10)) {
				got = err
			}
		})
		gevent.Sleep(time.Millisecond)
		if err := c.Kill(nil, true); err != nil {
			return err
		}
		if !errors.Is(got, gevent.ErrGreenletExit) {
			t.Errorf("consumer got %v", got)
		}
		if err := p.Join(time.Second); err != nil {
			t.Errorf("workers left: %v", err)
		}
		if len(workers) != 2 {
			t.Errorf("%d workers ran", len(workers))
		}
		return nil
	})
}

func TestConsumerTimeoutScope(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		p := pool.MustPool(2)
		to := gevent.NewTimeout(5*time.Millisecond, nil)
		err := to.Run(func() error {
			for _, err := range pool.IMap(p, func(int) (int, error) { return 0, gevent.Sleep(time.Hour) }, rangeSeq(4)) {
				if err != nil {
					return err
				}
			}
			return nil
		})
		if !errors.Is(err, to) || !errors.Is(err, pool.ErrInterrupted) {
			t.Errorf("got %v, want the Timeout, as ErrInterrupted", err)
		}
		if p.Len() != 0 {
			t.Errorf("Len %d: workers not joined", p.Len())
		}
		return nil
	})
}

func TestMaxSizeHoldsWorkers(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		var g pool.Group
		returned := 0
		fn := func(i int) (int, error) { returned++; return i, nil }
		var got []int
		for v, err := range pool.IMapUnordered(&g, fn, rangeSeq(6), pool.MaxSize(2)) {
			if err != nil {
				return err
			}
			if len(got) == 0 {
				// Every function returned; 1 result was read, 2 are unread, the
				// other 3 workers wait with theirs.
				gevent.Sleep(time.Millisecond)
				if returned != 6 || g.Len() != 3 {
					t.Errorf("returned %d, members %d; want 6, 3", returned, g.Len())
				}
			}
			got = append(got, v)
		}
		slices.Sort(got)
		if !slices.Equal(got, []int{0, 1, 2, 3, 4, 5}) || g.Len() != 0 {
			t.Errorf("got %v Len %d", got, g.Len())
		}
		return nil
	})
}

func TestMaxSizeOrderedNoDeadlock(t *testing.T) {
	t.Parallel()
	for _, m := range []int{1, 2, 3} {
		run(t, func() error {
			var got []int
			for v, err := range pool.IMap(&pool.Group{}, reverseDelay(6), rangeSeq(6), pool.MaxSize(m)) {
				if err != nil {
					return err
				}
				got = append(got, v)
			}
			if !slices.Equal(got, []int{0, 1, 4, 9, 16, 25}) {
				t.Errorf("MaxSize(%d): %v", m, got)
			}
			return nil
		})
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		p := pool.MustPool(1)
		// From outside: runs in a new member greenlet.
		caller := gevent.GetCurrent()
		v, err := pool.Apply(p, func() (gevent.AnyGreenlet, error) { return gevent.GetCurrent(), nil })
		if err != nil || v == caller {
			t.Errorf("Apply from outside ran inline: %v", err)
		}
		// From a member of a full pool: inline, no deadlock.
		var inner, self gevent.AnyGreenlet
		g, _ := pool.Spawn(p, func() (int, error) {
			self = gevent.GetCurrent()
			var err error
			inner, err = pool.Apply(p, func() (gevent.AnyGreenlet, error) { return gevent.GetCurrent(), nil })
			return 0, err
		})
		if _, err := g.Get(time.Second); err != nil || inner != self {
			t.Errorf("Apply from a member: %v inline %v", err, inner == self)
		}
		// ApplyAsync never blocks, even when full.
		p.Go(sleeper(5 * time.Millisecond))
		a := pool.ApplyAsync(p, func() (int, error) { return 7, nil })
		if p.Contains(a) {
			t.Error("ApplyAsync on a full pool returned a member")
		}
		if v, err := a.Get(); v != 7 || err != nil {
			t.Errorf("ApplyAsync: %v %v", v, err)
		}
		b := pool.ApplyAsync(p, func() (int, error) { return 8, nil })
		if !p.Contains(b) {
			t.Error("ApplyAsync with a free slot did not return a member")
		}
		if v, err := b.Get(); v != 8 || err != nil {
			t.Errorf("ApplyAsync: %v %v", v, err)
		}
		return nil
	})
}

// The determinism seed: IMapUnordered over a Pool gives the same order on
// every run. The goroutine side (a channel worker pool, the port of
// multiprocessing.Pool) is only reported: it usually differs.
func TestIMapUnorderedDeterministic(t *testing.T) {
	t.Parallel()
	for name, echo := range map[string]func(int) (int, error){
		// The seed: every item sleeps the same time. Timers started in
		// one loop iteration fire in the order they were started.
		"sleep-1ms": func(i int) (int, error) { return i, gevent.Sleep(time.Millisecond) },
		// Pure scheduling: item i yields i%4 times.
		"yields": func(i int) (int, error) {
			for range i % 4 {
				if err := gevent.Sleep(0); err != nil {
					return 0, err
				}
			}
			return i, nil
		},
	} {
		var first []int
		for k := range 4 {
			run(t, func() error {
				p := pool.MustPool(10)
				var got []int
				for v, err := range pool.IMapUnordered(p, echo, rangeSeq(40)) {
					if err != nil {
						return err
					}
					got = append(got, v)
				}
				if k == 0 {
					first = got
				} else if !slices.Equal(got, first) {
					t.Errorf("%s: run %d: %v, run 0: %v", name, k, got, first)
				}
				return nil
			})
		}
	}
}

func TestGoroutinePoolIsNotDeterministic(t *testing.T) {
	t.Parallel()
	echo := func(i int) int { time.Sleep(time.Millisecond); return i }
	goPool := func(n int) []int {
		in, out := make(chan int), make(chan int, n)
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range in {
					out <- echo(i)
				}
			}()
		}
		for i := range n {
			in <- i
		}
		close(in)
		wg.Wait()
		close(out)
		var r []int
		for v := range out {
			r = append(r, v)
		}
		return r
	}
	differs := 0
	for range 5 {
		a, b, c, d := goPool(10), goPool(10), goPool(10), goPool(10)
		if !(slices.Equal(a, b) && slices.Equal(b, c) && slices.Equal(c, d)) {
			differs++
		}
	}
	t.Logf("goroutine worker pool: 4 runs differed in %d of 5 trials (gevent pool: never)", differs)
}

// Issue 12 item 9: the consumer's own kill or Timeout scope ends the
// iteration with an error matching pool.ErrInterrupted (and the kill error
// or the *gevent.Timeout), told apart from a worker's failure, which never
// matches it. A consumer that skips workers' errors still stops.
func TestConsumerInterruptionToldApart(t *testing.T) {
	t.Parallel()
	for _, ordered := range []bool{false, true} {
		run(t, func() error {
			p := pool.MustPool(2)
			// Item 0 fails at once; the others sleep for an hour.
			fn := func(i int) (int, error) {
				if i == 0 {
					return 0, errOdd
				}
				return i, gevent.Sleep(time.Hour)
			}
			seq := func() iter.Seq2[int, error] {
				if ordered {
					return pool.IMap(p, fn, rangeSeq(6))
				}
				return pool.IMapUnordered(p, fn, rangeSeq(6))
			}
			// consume skips worker errors and records the rest.
			consume := func() (workerErrs, after int, last error) {
				for _, err := range seq() {
					if last != nil {
						after++
					}
					if errors.Is(err, pool.ErrInterrupted) {
						last = err
						continue // the iteration must stop all the same
					}
					if err != nil {
						workerErrs++
					}
				}
				return
			}

			// A Timeout scope around the loop.
			to := gevent.NewTimeout(5*time.Millisecond, nil)
			var werrs, after int
			var last error
			err := to.Run(func() error {
				werrs, after, last = consume()
				return last
			})
			var scope *gevent.Timeout
			if werrs != 1 || after != 0 || !errors.Is(last, pool.ErrInterrupted) || !errors.As(last, &scope) || scope != to || !errors.Is(err, to) {
				t.Errorf("ordered=%v timeout: worker errors %d, items after %d, last %v, Run %v", ordered, werrs, after, last, err)
			}
			if errors.Is(errOdd, pool.ErrInterrupted) {
				t.Errorf("a worker's error matches ErrInterrupted")
			}
			if p.Len() != 0 {
				t.Errorf("ordered=%v: Len %d after the timeout", ordered, p.Len())
			}

			// A kill of the consuming greenlet.
			var kerrs, kafter int
			var klast error
			c := gevent.Go(func() { kerrs, kafter, klast = consume() })
			gevent.Sleep(time.Millisecond)
			if err := c.Kill(nil, true); err != nil {
				return err
			}
			if kerrs != 1 || kafter != 0 || !errors.Is(klast, pool.ErrInterrupted) || !errors.Is(klast, gevent.ErrGreenletExit) {
				t.Errorf("ordered=%v kill: worker errors %d, items after %d, last %v", ordered, kerrs, kafter, klast)
			}
			return p.Join(time.Second)
		})
	}
}

// Issue 12 item 7: as gevent 22.10's map, Map spawns every item before it
// collects any result, so the items after a failing one have all started
// when it returns the failure, and they go on running to the end.
func TestMapSpawnsAllBeforeRaising(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		p := pool.MustPool(1)
		var started, finished []int
		fn := func(i int) (int, error) {
			started = append(started, i)
			if i == 0 {
				return 0, errOdd // fails at once, before any other item starts
			}
			if err := gevent.Sleep(time.Millisecond); err != nil {
				return 0, err
			}
			finished = append(finished, i)
			return i, nil
		}
		_, err := pool.Map(p, fn, rangeSeq(5))
		if !errors.Is(err, errOdd) {
			t.Errorf("Map: %v, want the worker's error", err)
		}
		if !slices.Equal(started, []int{0, 1, 2, 3, 4}) || p.Len() != 1 {
			t.Errorf("at the raise: started %v, pool len %d; want every item started, the last still running", started, p.Len())
		}
		if err := p.Join(time.Second); err != nil {
			return err
		}
		if !slices.Equal(finished, []int{1, 2, 3, 4}) {
			t.Errorf("finished %v, want the items after the failure to finish", finished)
		}
		return nil
	})
}
