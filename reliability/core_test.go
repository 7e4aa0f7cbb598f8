package reliability

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
	"github.com/gevent-go/gevent/lock"
	"github.com/gevent-go/gevent/queue"
)

var errStorm = errors.New("storm")

// TestKillStorm: rounds of 100,000 sleeping greenlets, all killed; every kill
// is delivered as the error of the blocking call, and the goroutines of the
// greenlets are gone after each round.
func TestKillStorm(t *testing.T) {
	n, rounds := count(100_000, 2_000), count(5, 1)
	c := begin(t, "kill_storm", fmt.Sprintf("%d rounds: spawn %d sleeping greenlets, KillAll(block)", rounds, n), "", 5*time.Minute)
	delivered, dead := 0, 0
	var times []time.Duration
	// The Go runtime keeps the descriptor of every goroutine it ever ran
	// (some 450 bytes each): the heap after the first round is the baseline
	// for the others.
	c.heapSlackMB = 256
	var heapFirst, heapLast float64
	for r := range rounds {
		start := time.Now()
		err := gevent.Run(func() error {
			gs := make([]*gevent.Greenlet[struct{}], n)
			for i := range gs {
				gs[i] = gevent.Go(func() {
					if err := gevent.Sleep(time.Hour); errors.Is(err, gevent.ErrGreenletExit) {
						delivered++
					}
				})
			}
			if err := gevent.Sleep(0); err != nil {
				return err
			}
			if err := gevent.KillAll(gs, nil, true, time.Minute); err != nil {
				return err
			}
			for _, g := range gs {
				if g.Dead() {
					dead++
				}
			}
			return nil
		})
		times = append(times, time.Since(start))
		c.expect(err == nil, "round: %v", err)
		heapLast = heapMB()
		if r == 0 {
			heapFirst = heapLast
		}
	}
	total := n * rounds
	c.fig("heap after round 1: %.1f MB, after round %d: %.1f MB", heapFirst, rounds, heapLast)
	c.expect(heapLast <= heapFirst+16, "heap grew from %.1f MB after round 1 to %.1f MB after round %d", heapFirst, heapLast, rounds)
	c.fig("kills delivered %d/%d", delivered, total)
	c.fig("dead %d/%d", dead, total)
	c.fig("round (spawn+kill %d) median %v, max %v", n, median(times), slices.Max(times))
	c.expect(delivered == total, "kills delivered: %d of %d", delivered, total)
	c.expect(dead == total, "dead after KillAll: %d of %d", dead, total)
}

// TestKillStormMixed: greenlets in every kind of wait (not started, sleeping,
// Queue.Get, Event.Wait, Semaphore.Acquire, inside a Timeout scope, runnable
// in a Sleep(0) loop, joining another) are killed in random order, with
// ErrGreenletExit or an error of ours, blocking or not, twice; each one
// ends with its kill, its links run once, and the primitives are left with
// no waiter.
func TestKillStormMixed(t *testing.T) {
	n, rounds := count(20_000, 800), count(5, 1)
	c := begin(t, "kill_storm_mixed", fmt.Sprintf("%d rounds: %d greenlets in 8 kinds of wait, killed in random order (blocking or not, twice)", rounds, n), "", 5*time.Minute)
	var delivered, neverRan, linksOK, total, notStarted int
	for range rounds {
		err := gevent.Run(func() error {
			silence()
			q := queue.NewQueue[int](0)
			var ev event.Event
			sem := lock.NewSemaphore(0)
			forever := gevent.Go(func() { gevent.Sleep(time.Hour) })
			type member struct {
				g     *gevent.Greenlet[struct{}]
				kind  int
				want  error
				got   error
				ran   bool
				links int
			}
			ms := make([]*member, n)
			wait := func(m *member) func() {
				return func() {
					m.ran = true
					switch m.kind {
					case 1:
						m.got = gevent.Sleep(time.Hour)
					case 2:
						_, m.got = q.Get()
					case 3:
						_, m.got = ev.Wait()
					case 4:
						_, m.got = sem.Acquire()
					case 5:
						m.got = gevent.NewTimeout(time.Hour, nil).Run(func() error { return gevent.Sleep(time.Hour) })
					case 6:
						for m.got == nil {
							m.got = gevent.Sleep(0)
						}
					case 7:
						m.got = forever.Join()
					}
				}
			}
			// Kind 0 (never started) last, so that they have not run when killed.
			for i := range ms {
				m := &member{kind: 1 + i%7}
				if i >= n*7/8 {
					m.kind = 0
				}
				if c.rng.IntN(2) == 0 {
					m.want = errStorm
				}
				ms[i] = m
			}
			for _, m := range ms {
				if m.kind != 0 {
					m.g = gevent.Go(wait(m))
					m.g.Rawlink(func() { m.links++ })
				}
			}
			if err := gevent.Sleep(0); err != nil {
				return err
			}
			for _, m := range ms {
				if m.kind == 0 {
					m.g = gevent.Go(wait(m))
					m.g.Rawlink(func() { m.links++ })
				}
			}
			c.rng.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
			// The ones not started first, before anything yields.
			for _, m := range ms {
				if m.kind == 0 {
					m.g.Kill(m.want, false)
				}
			}
			gs := make([]*gevent.Greenlet[struct{}], 0, n)
			for i, m := range ms {
				gs = append(gs, m.g)
				if i%2 == 0 {
					m.g.Kill(m.want, false)
				}
			}
			// The other half with KillAll, per error; then everyone again.
			var a, b []*gevent.Greenlet[struct{}]
			for i, m := range ms {
				if i%2 == 1 {
					if m.want == nil {
						a = append(a, m.g)
					} else {
						b = append(b, m.g)
					}
				}
			}
			if err := gevent.KillAll(a, nil, true, time.Minute); err != nil {
				return err
			}
			if err := gevent.KillAll(b, errStorm, false); err != nil {
				return err
			}
			if _, err := gevent.JoinAll(gs, time.Minute); err != nil {
				return err
			}
			gevent.KillAll(gs, nil, true) // twice: harmless
			if err := gevent.Sleep(0); err != nil {
				return err
			}
			for _, m := range ms {
				total++
				if m.kind == 0 {
					notStarted++
				}
				want := m.want
				if want == nil {
					want = gevent.ErrGreenletExit
				}
				switch {
				case m.kind == 0 && !m.ran && m.g.Dead():
					neverRan++
				case m.kind != 0 && errors.Is(m.got, want) && m.g.Dead():
					delivered++
				default:
					c.fail("kind %d: ran %v, dead %v, got %v, want %v", m.kind, m.ran, m.g.Dead(), m.got, want)
				}
				if m.links == 1 {
					linksOK++
				}
			}
			c.expect(q.Getters() == 0, "queue still has %d getters", q.Getters())
			sem.Release()
			ok, err := sem.Acquire(0)
			c.expect(ok && err == nil, "the semaphore's permit went to a killed waiter (%v %v)", ok, err)
			ev.Set()
			return nil
		})
		c.expect(err == nil, "round: %v", err)
	}
	c.fig("kills delivered %d/%d started", delivered, total-notStarted)
	c.fig("never started and dead %d/%d", neverRan, notStarted)
	c.fig("links run once %d/%d", linksOK, total)
	c.expect(delivered+neverRan == total, "%d of %d greenlets did not end with their kill", total-delivered-neverRan, total)
	c.expect(linksOK == total, "links did not run exactly once for %d greenlets", total-linksOK)
}

// TestTimeoutNest: 1,000 nested Timeout scopes, one of them (at a random
// depth) much shorter than the others: exactly that one fires, its error
// reaches the top, and no scope is left pending; in some rounds the
// greenlet is killed inside the nest instead.
func TestTimeoutNest(t *testing.T) {
	depth, rounds := 1000, count(40, 4)
	c := begin(t, "timeout_nest", fmt.Sprintf("%d rounds: %d nested Timeout scopes, the shortest at a random depth (1 round in 4: a kill)", rounds, depth), "", 3*time.Minute)
	var rightOne, pendingLeft, kills int
	for r := range rounds {
		err := gevent.Run(func() error {
			ts := make([]*gevent.Timeout, depth)
			k := c.rng.IntN(depth)
			for i := range ts {
				d := time.Duration(1+c.rng.IntN(3600)) * time.Second
				if i == k {
					d = time.Duration(1+c.rng.IntN(10)) * time.Millisecond
				}
				ts[i] = gevent.NewTimeout(d, nil)
			}
			kill := r%4 == 3
			if kill {
				ts[k] = gevent.NewTimeout(time.Hour, nil)
			}
			var nest func(i int) error
			nest = func(i int) error {
				if i == depth {
					return gevent.Sleep(time.Hour)
				}
				return ts[i].Run(func() error { return nest(i + 1) })
			}
			var err error
			g := gevent.Go(func() { err = nest(0) })
			if kill {
				if err := gevent.Sleep(time.Millisecond); err != nil {
					return err
				}
				if err := g.Kill(nil, true, time.Minute); err != nil {
					return err
				}
			}
			if err := g.Join(); err != nil {
				return err
			}
			var fired *gevent.Timeout
			switch {
			case kill && errors.Is(err, gevent.ErrGreenletExit):
				kills++
			case !kill && errors.As(err, &fired) && fired == ts[k]:
				rightOne++
			default:
				c.fail("round %d (kill %v): greenlet ended with %v, want scope %d of %d", r, kill, err, k, depth)
			}
			for i, t := range ts {
				if t.Pending() {
					pendingLeft++
					c.fail("round %d: scope %d still pending", r, i)
					break
				}
			}
			return nil
		})
		c.expect(err == nil, "round %d: %v", r, err)
	}
	c.fig("right scope fired %d/%d", rightOne, rounds-rounds/4)
	c.fig("killed inside the nest %d/%d", kills, rounds/4)
	c.fig("scopes left pending %d", pendingLeft)
}

// TestTimeoutTwoExpireRunnable (issue 11.1): a greenlet doing CPU work that
// yields with Sleep(0) inside two Timeout scopes that expire in the same loop
// iteration gets the inner one, then the outer one: no scope is lost.
func TestTimeoutTwoExpireRunnable(t *testing.T) {
	rounds := count(10, 2)
	c := begin(t, "timeout_two_expire_runnable", fmt.Sprintf("%d rounds: 2 nested scopes (10 and 20 ms) expire in one iteration while the greenlet is runnable (Sleep(0) loop)", rounds), "11.1", time.Minute)
	errInner, errOuter, errLost := errors.New("inner"), errors.New("outer"), errors.New("lost")
	var innerOK, outerOK int
	for range rounds {
		err := gevent.Run(func() error {
			spin := func(first time.Duration) error {
				burn(first) // both deadlines pass without a yield
				for stop := time.Now().Add(time.Second); time.Now().Before(stop); {
					burn(100 * time.Microsecond)
					if err := gevent.Sleep(0); err != nil {
						return err
					}
				}
				return errLost
			}
			outer := gevent.NewTimeout(20*time.Millisecond, errOuter)
			err := outer.Run(func() error {
				inner := gevent.NewTimeout(10*time.Millisecond, errInner)
				err := inner.Run(func() error { return spin(40 * time.Millisecond) })
				if errors.Is(err, errInner) {
					innerOK++
				}
				return spin(0)
			})
			if errors.Is(err, errOuter) {
				outerOK++
			}
			return nil
		})
		c.expect(err == nil, "round: %v", err)
	}
	c.fig("inner delivered %d/%d", innerOK, rounds)
	c.fig("outer delivered %d/%d", outerOK, rounds)
	c.expect(innerOK == rounds, "inner scope delivered %d of %d times", innerOK, rounds)
	c.expect(outerOK == rounds, "outer scope delivered %d of %d times (lost: the greenlet spun 1 s)", outerOK, rounds)
}

// burn uses the CPU for d without yielding.
func burn(d time.Duration) {
	for stop := time.Now().Add(d); time.Now().Before(stop); {
	}
}

// TestGoexit (issue 11.7): greenlets that call runtime.Goexit (what t.FailNow
// does) end, and leave no goroutine behind once Run has returned.
func TestGoexit(t *testing.T) {
	n := count(1000, 50)
	c := begin(t, "goexit", fmt.Sprintf("%d greenlets call runtime.Goexit; goroutines after Run", n), "11.7", time.Minute)
	before := runtime.NumGoroutine()
	err := gevent.Run(func() error {
		silence() // each greenlet fails with "runtime.Goexit called in greenlet"
		gs := make([]*gevent.Greenlet[struct{}], n)
		for i := range gs {
			gs[i] = gevent.Go(func() { runtime.Goexit() })
		}
		_, err := gevent.JoinAll(gs, 30*time.Second)
		return err
	})
	c.expect(err == nil, "Run: %v", err)
	var after int
	for stop := time.Now().Add(3 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		after = runtime.NumGoroutine()
		if after <= before || time.Now().After(stop) {
			break
		}
	}
	c.fig("goroutines %d before, %d after Run", before, after)
	c.expect(after <= before, "%d goroutines left behind by %d Goexits", after-before, n)
	c.slackGoroutines = n + 1 // counted above; do not fail twice
}

// TestStarvation* (issue 11.2): producers and consumers handing items over a
// bounded Queue or a Channel as fast as they can must leave the loop its
// turn: a Sleep(100ms) in the main greenlet returns, late by at most 2 s.
func TestStarvationQueue2x2(t *testing.T) {
	starvation(t, "starvation_queue_2x2", "Queue(1), 2 producers + 2 consumers", 2, func() (func(int) error, func() error) {
		q := queue.NewQueue[int](1)
		return func(v int) error { return q.Put(v) }, func() error { _, err := q.Get(); return err }
	})
}

func TestStarvationQueue1x1(t *testing.T) {
	starvation(t, "starvation_queue_1x1", "Queue(1), 1 producer + 1 consumer", 1, func() (func(int) error, func() error) {
		q := queue.NewQueue[int](1)
		return func(v int) error { return q.Put(v) }, func() error { _, err := q.Get(); return err }
	})
}

func TestStarvationJoinable2x2(t *testing.T) {
	starvation(t, "starvation_joinable_2x2", "JoinableQueue(1), 2 producers + 2 consumers", 2, func() (func(int) error, func() error) {
		q := queue.NewJoinableQueue[int](1)
		return func(v int) error { return q.Put(v) }, func() error { _, err := q.Get(); q.TaskDone(); return err }
	})
}

func TestStarvationChannel2x2(t *testing.T) {
	starvation(t, "starvation_channel_2x2", "Channel, 2 producers + 2 consumers", 2, func() (func(int) error, func() error) {
		ch := new(queue.Channel[int])
		return func(v int) error { return ch.Put(v) }, func() error { _, err := ch.Get(); return err }
	})
}

func starvation(t *testing.T, id, what string, pairs int, mk func() (put func(int) error, get func() error)) {
	c := begin(t, id, what+": items handed over as fast as possible while main sleeps 100 ms", "11.2", time.Minute)
	var items atomic.Int64
	var slept time.Duration
	returned := within(5*time.Second, func() {
		err := gevent.Run(func() error {
			put, get := mk()
			for range pairs {
				gevent.Go(func() {
					for i := 0; put(i) == nil; i++ {
					}
				})
				gevent.Go(func() {
					for get() == nil {
						items.Add(1)
					}
				})
			}
			if err := gevent.Sleep(0); err != nil {
				return err
			}
			start := time.Now()
			err := gevent.Sleep(100 * time.Millisecond)
			slept = time.Since(start)
			return err
		})
		c.expect(err == nil, "Run: %v", err)
	})
	if !returned {
		// The hub is stuck in a callback: nothing can stop it; report and exit.
		c.fail("starved: main's Sleep(100ms) had not returned after 5 s (%d items handed over)", items.Load())
		c.abandon()
	}
	c.fig("Sleep(100ms) took %v", slept.Round(time.Millisecond))
	c.fig("items handed over meanwhile: %d", items.Load())
	c.expect(slept < 2*time.Second, "Sleep(100ms) took %v", slept)
}

// abandon writes the check's record and exits the process: used when a hub
// is stuck and cannot be stopped.
func (c *check) abandon() {
	c.dog.Stop()
	c.mu.Lock()
	c.done = true
	c.rec.Pass = false
	c.rec.Seconds = time.Since(c.start).Seconds()
	c.rec.Goroutines[1], c.rec.FDs[1], c.rec.HeapMB[1] = runtime.NumGoroutine(), openFDs(), -1
	rec := c.rec
	c.mu.Unlock()
	writeRecord(rec)
	fmt.Printf("--- FAIL: %s (abandoned: a hub is stuck)\n", c.t.Name())
	os.Exit(3)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2].Round(time.Millisecond)
}
