package reliability

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/lock"
	"github.com/gevent-go/gevent/pool"
	"github.com/gevent-go/gevent/queue"
)

// The model checks run producers and consumers (or holders, or spawners)
// for a while with random timeouts on every operation, random Timeout
// scopes around them, and a chaos greenlet that kills random workers and
// starts new ones; a plain goroutine also feeds the queues through
// Hub.Post. Then everything is stopped and compared with a reference model:
// for the queues, every item whose Put returned nil was taken exactly once
// (by a Get or by the final drain), and no item whose Put failed, or that
// was never put, came out.

// modelTime is how long each model check runs its workload.
func modelTime() time.Duration {
	return time.Duration(count(4000, 250)) * time.Millisecond
}

var errScope = errors.New("scope")

// interrupted reports an error that ends a worker: a kill.
func interrupted(err error) bool {
	return errors.Is(err, gevent.ErrGreenletExit) || errors.Is(err, errStorm)
}

// opTimeout picks the timeout of one operation: none (block), 0 (do not
// wait) or up to 3 ms.
func opTimeout(rng *rand.Rand) []time.Duration {
	switch r := rng.IntN(10); {
	case r < 3:
		return nil
	case r < 5:
		return []time.Duration{0}
	default:
		return []time.Duration{time.Duration(rng.IntN(3000)) * time.Microsecond}
	}
}

// scoped runs op, one time in five inside a Timeout scope of up to 3 ms.
func scoped(rng *rand.Rand, op func() error) error {
	if rng.IntN(5) != 0 {
		return op()
	}
	return gevent.NewTimeout(time.Duration(rng.IntN(3000))*time.Microsecond, errScope).Run(op)
}

// ledger is the reference model of a queue: items are producer<<32|seq.
type ledger struct {
	putOK, putFailed map[int64]bool
	taken            map[int64]int
	last             map[[2]int64]int64 // (consumer, producer) -> last seq taken
	fifo             bool
	order            int // FIFO violations
	puts, fails      int
	gets, getFails   int
}

func newLedger(fifo bool) *ledger {
	return &ledger{putOK: map[int64]bool{}, putFailed: map[int64]bool{}, taken: map[int64]int{}, last: map[[2]int64]int64{}, fifo: fifo}
}

func (l *ledger) put(id int64, err error) {
	if err == nil {
		l.putOK[id] = true
		l.puts++
	} else {
		l.putFailed[id] = true
		l.fails++
	}
}

func (l *ledger) take(consumer int64, id int64) {
	l.taken[id]++
	l.gets++
	if l.fifo {
		k := [2]int64{consumer, id >> 32}
		if s, ok := l.last[k]; ok && id&0xffffffff <= s {
			l.order++
		}
		l.last[k] = id & 0xffffffff
	}
}

// verdict compares the ledger with the model and records the figures.
func (l *ledger) verdict(c *check, name string) {
	var lost, dup, phantom int
	for id := range l.putOK {
		if l.taken[id] == 0 {
			lost++
		}
	}
	for id, n := range l.taken {
		if n > 1 {
			dup += n - 1
		}
		if !l.putOK[id] {
			phantom++
		}
	}
	c.fig("%s: puts ok %d, failed %d; gets ok %d, failed %d; lost %d, duplicated %d, phantom %d, out of order %d",
		name, l.puts, l.fails, l.gets, l.getFails, lost, dup, phantom, l.order)
	c.expect(l.order == 0, "%s: %d items came out of order", name, l.order)
	c.expect(l.puts > 0 && l.gets > 0, "%s: nothing went through (%d puts, %d gets)", name, l.puts, l.gets)
	c.expect(lost == 0, "%s: %d items lost", name, lost)
	c.expect(dup == 0, "%s: %d items taken twice", name, dup)
	c.expect(phantom == 0, "%s: %d items came out that were not put", name, phantom)
}

// workers runs the chaos part of a model check: it keeps nProd producers and
// nCons consumers alive, kills a random one every millisecond or so (with
// ErrGreenletExit or errStorm, blocking or not) and starts a replacement,
// until d has passed; then it kills them all.
type workers struct {
	c     *check
	name  string
	live  []*gevent.Greenlet[struct{}]
	kills int
	next  int64
}

func (w *workers) spawn(fn func(id int64)) {
	w.next++
	id := w.next
	w.live = append(w.live, gevent.Go(func() { fn(id) }))
}

func (w *workers) chaos(d time.Duration, nProd, nCons int, producer, consumer func(id int64)) error {
	rng := w.c.rng
	for range nProd {
		w.spawn(producer)
	}
	for range nCons {
		w.spawn(consumer)
	}
	roles := map[*gevent.Greenlet[struct{}]]bool{} // true: producer
	for i, g := range w.live {
		roles[g] = i < nProd
	}
	for stop := time.Now().Add(d); time.Now().Before(stop); {
		if err := gevent.Sleep(time.Duration(rng.IntN(2000)) * time.Microsecond); err != nil {
			return err
		}
		i := rng.IntN(len(w.live))
		g := w.live[i]
		var kerr error
		if rng.IntN(2) == 0 {
			kerr = errStorm
		}
		if err := g.Kill(kerr, rng.IntN(2) == 0, time.Minute); err != nil {
			return err
		}
		w.kills++
		prod := roles[g]
		w.live = slices.Delete(w.live, i, i+1)
		if prod {
			w.spawn(producer)
		} else {
			w.spawn(consumer)
		}
		roles[w.live[len(w.live)-1]] = prod
	}
	err := gevent.KillAll(w.live, nil, true, time.Minute)
	w.c.fig("%s: workers killed at random %d", w.name, w.kills)
	return err
}

// TestModelQueue: FIFO queues (unbounded, bounded 1 and 8) against the
// model, plus a sequential comparison of the non-blocking operations of
// FIFO, LIFO and priority queues with a slice.
func TestModelQueue(t *testing.T) {
	c := begin(t, "model_queue", fmt.Sprintf("Queue(0, 1, 8): 3 producers, 3 consumers, a Post feeder, random timeouts/scopes/kills, %v each; sequential model of Queue/LifoQueue/PriorityQueue", modelTime()), "", 3*time.Minute)
	for _, size := range []int{0, 1, 8} {
		q := queue.NewQueue[int64](size)
		queueModel(c, fmt.Sprintf("Queue(%d)", size), q.Put, q.Get, q.GetNowait, func() int { return q.Getters() }, hooks{})
	}
	sequentialQueues(c)
}

// TestModelJoinableQueue: as TestModelQueue, and every task put is marked
// done exactly once: Unfinished is 0 at the end and Join returns true.
func TestModelJoinableQueue(t *testing.T) {
	c := begin(t, "model_joinable", fmt.Sprintf("JoinableQueue(4): 3 producers, 3 consumers (TaskDone after a yield), joiners, a Post feeder, random timeouts/scopes/kills, %v", modelTime()), "", 3*time.Minute)
	q := queue.NewJoinableQueue[int64](4)
	var done, owed, joins, joinTrue int
	get := func(timeout ...time.Duration) (int64, error) {
		v, err := q.Get(timeout...)
		if err != nil {
			return v, err
		}
		// A yield between Get and TaskDone: a kill or scope may come in
		// between; then the task is owed (settled at the end) and the
		// consumer returns the item with that error.
		if err := gevent.Sleep(0); err != nil {
			owed++
			return v, takenThen{err}
		}
		if q.TaskDone() == nil {
			done++
		}
		return v, nil
	}
	start := func(rng *rand.Rand) {
		gevent.Go(func() {
			for {
				ok, err := q.Join(opTimeout(rng)...)
				if err != nil {
					return
				}
				joins++
				if ok {
					joinTrue++
				}
				if gevent.Sleep(time.Millisecond) != nil {
					return
				}
			}
		})
	}
	queueModel(c, "JoinableQueue(4)", q.Put, get, func() (int64, error) {
		v, err := q.GetNowait()
		if err == nil {
			q.TaskDone()
			done++
		}
		return v, err
	}, func() int { return q.Getters() }, hooks{start: start, end: func() {
		// Settle the tasks whose consumer was killed between Get and TaskDone.
		for range owed {
			q.TaskDone()
		}
		c.fig("TaskDone %d (+%d owed by killed consumers), joins %d (%d true)", done, owed, joins, joinTrue)
		c.expect(q.Unfinished() == 0, "Unfinished is %d after every task was done", q.Unfinished())
		ok, err := q.Join(0)
		c.expect(ok && err == nil, "Join at the end: %v %v", ok, err)
	}})
}

// takenThen is the error of a get that took its item, then was interrupted.
type takenThen struct{ err error }

func (e takenThen) Error() string { return "taken, then " + e.err.Error() }
func (e takenThen) Unwrap() error { return e.err }

// hooks run inside a model check's hub: start before the workload, end
// after the drain.
type hooks struct {
	start func(*rand.Rand)
	end   func()
}

// TestModelChannel: a Channel holds nothing: every item a Put handed over
// was received by exactly one Get, and nothing else came out.
func TestModelChannel(t *testing.T) {
	c := begin(t, "model_channel", fmt.Sprintf("Channel: 3 producers, 3 consumers, a Post feeder, random timeouts/scopes/kills, %v", modelTime()), "", 3*time.Minute)
	ch := new(queue.Channel[int64])
	queueModel(c, "Channel", ch.Put, ch.Get, ch.GetNowait, func() int { return -ch.Balance() }, hooks{})
}

// queueModel runs the concurrent workload on one queue-like object.
func queueModel(c *check, name string, put func(int64, ...time.Duration) error, get func(...time.Duration) (int64, error),
	getNowait func() (int64, error), getters func() int, hk hooks) {
	l := newLedger(true)
	err := gevent.Run(func() error {
		silence()
		rng := c.rng
		producer := func(id int64) {
			for seq := int64(1); ; seq++ {
				v := id<<32 | seq
				err := scoped(rng, func() error { return put(v, opTimeout(rng)...) })
				l.put(v, err)
				if interrupted(err) {
					return
				}
				if rng.IntN(4) == 0 && gevent.Sleep(0) != nil {
					return
				}
			}
		}
		consumer := func(id int64) {
			for {
				var v int64
				err := scoped(rng, func() error {
					var err error
					v, err = get(opTimeout(rng)...)
					return err
				})
				var tt takenThen
				if err == nil || errors.As(err, &tt) {
					l.take(id, v)
				} else {
					l.getFails++
				}
				if interrupted(err) {
					return
				}
			}
		}
		// A plain goroutine feeds items through Hub.Post: from a callback,
		// Put puts at once or returns gevent.ErrBlockingSwitchOut.
		h := gevent.GetHub()
		stopFeed := make(chan struct{})
		fed := make(chan struct{})
		const feeder = 1 << 30
		go func() {
			defer close(fed)
			for seq := int64(1); ; seq++ {
				select {
				case <-stopFeed:
					return
				default:
				}
				v := int64(feeder)<<32 | seq
				if !h.Post(func() { l.put(v, put(v, 0)) }) {
					return
				}
				time.Sleep(50 * time.Microsecond)
			}
		}()
		if hk.start != nil {
			hk.start(rng)
		}
		w := &workers{c: c, name: name}
		err := w.chaos(modelTime(), 3, 3, producer, consumer)
		close(stopFeed)
		<-fed
		if err != nil {
			return err
		}
		if err := gevent.Sleep(time.Millisecond); err != nil { // the last posted callbacks
			return err
		}
		// Drain what is left, in order.
		for {
			v, err := getNowait()
			if err != nil {
				break
			}
			l.take(-1, v)
		}
		if n := getters(); n > 0 {
			c.fail("%s: %d getters still registered after every consumer was killed", name, n)
		}
		if hk.end != nil {
			hk.end()
		}
		return nil
	})
	c.expect(err == nil, "%s: Run: %v", name, err)
	l.verdict(c, name)
}

// sequentialQueues applies random non-blocking operations to queues and to
// slices that model them, comparing every result.
func sequentialQueues(c *check) {
	ops, mismatches := 0, 0
	err := gevent.Run(func() error {
		rng := c.rng
		for round := range count(300, 20) {
			size := rng.IntN(6)
			kind := round % 3
			var q *queue.Queue[int]
			switch kind {
			case 0:
				q = queue.NewQueue[int](size)
			case 1:
				q = queue.NewLifoQueue[int](size)
			case 2:
				q = queue.NewPriorityQueue(size, func(a, b int) bool { return a < b })
			}
			var m []int // FIFO: front first; LIFO: top last; priority: sorted
			for range 200 {
				ops++
				switch rng.IntN(4) {
				case 0, 1:
					v := rng.IntN(1000)
					err := q.PutNowait(v)
					full := size > 0 && len(m) >= size
					if (err != nil) != full {
						mismatches++
					}
					if !full {
						m = append(m, v)
						if kind == 2 {
							slices.Sort(m)
						}
					}
				case 2:
					v, err := q.GetNowait()
					if len(m) == 0 {
						if err == nil {
							mismatches++
						}
						continue
					}
					var want int
					if kind == 1 {
						want, m = m[len(m)-1], m[:len(m)-1]
					} else {
						want, m = m[0], m[1:]
					}
					if err != nil || v != want {
						mismatches++
					}
				case 3:
					v, err := q.PeekNowait()
					switch {
					case len(m) == 0:
						if err == nil {
							mismatches++
						}
					case kind == 1:
						if err != nil || v != m[len(m)-1] {
							mismatches++
						}
					default:
						if err != nil || v != m[0] {
							mismatches++
						}
					}
				}
				if q.Len() != len(m) || q.Empty() != (len(m) == 0) || q.Full() != (size > 0 && len(m) >= size) {
					mismatches++
				}
			}
		}
		return nil
	})
	c.expect(err == nil, "sequential: %v", err)
	c.fig("sequential ops (FIFO, LIFO, priority) compared with the model %d, mismatches %d", ops, mismatches)
	c.expect(mismatches == 0, "%d results differ from the model", mismatches)
}

// TestModelSemaphore: holders of a Semaphore(3) under random timeouts,
// scopes and kills never exceed 3; an Acquire that fails holds nothing;
// at the end all 3 permits are free again.
func TestModelSemaphore(t *testing.T) {
	const permits = 3
	c := begin(t, "model_semaphore", fmt.Sprintf("Semaphore(%d): 8 workers acquire (random timeouts/scopes), hold, release; random kills; %v", permits, modelTime()), "", 3*time.Minute)
	var holders, maxHolders, acquired, failed, over int
	err := gevent.Run(func() error {
		silence()
		rng := c.rng
		s := lock.NewSemaphore(permits)
		worker := func(int64) {
			for {
				var ok bool
				err := scoped(rng, func() error {
					var err error
					ok, err = s.Acquire(opTimeout(rng)...)
					return err
				})
				if !ok {
					failed++
					if interrupted(err) {
						return
					}
					continue
				}
				acquired++
				holders++
				maxHolders = max(maxHolders, holders)
				if holders > permits {
					over++
				}
				err = gevent.Sleep(time.Duration(rng.IntN(500)) * time.Microsecond)
				holders--
				s.Release()
				if interrupted(err) {
					return
				}
			}
		}
		w := &workers{c: c, name: "Semaphore(3)"}
		if err := w.chaos(modelTime(), 8, 0, worker, nil); err != nil {
			return err
		}
		if err := gevent.Sleep(time.Millisecond); err != nil {
			return err
		}
		c.expect(s.Value() == permits, "%d permits free at the end, want %d", s.Value(), permits)
		n := 0
		for {
			ok, _ := s.Acquire(0)
			if !ok {
				break
			}
			n++
		}
		c.expect(n == permits, "%d permits could be taken at the end, want %d", n, permits)
		return nil
	})
	c.expect(err == nil, "Run: %v", err)
	c.fig("acquired %d, failed (timeout/scope/kill) %d", acquired, failed)
	c.fig("holders at once max %d (permits %d), over the limit %d times", maxHolders, permits, over)
	c.expect(acquired > 0, "nothing acquired")
	c.expect(over == 0, "more holders than permits %d times", over)
}

// TestModelPool: spawners start jobs in a Pool(5) (Spawn inside random
// scopes, Add with random timeouts) while jobs are killed at random: never
// more than 5 jobs run, a job whose Spawn or Add failed never runs, every
// job that started ends, and the pool is empty at the end.
func TestModelPool(t *testing.T) {
	const size = 5
	c := begin(t, "model_pool", fmt.Sprintf("Pool(%d): 4 spawners (Spawn in random scopes, Add with random timeouts), WaitAvailable callers, random job and spawner kills; %v", size, modelTime()), "", 3*time.Minute)
	var running, maxRunning, started, ended, rejected, ranRejected, waits int
	err := gevent.Run(func() error {
		silence()
		rng := c.rng
		p := pool.MustPool(size)
		var jobs []*gevent.Greenlet[struct{}]
		job := func(rejectedFlag *bool) func() {
			return func() {
				if *rejectedFlag {
					ranRejected++
				}
				started++
				running++
				maxRunning = max(maxRunning, running)
				defer func() { running--; ended++ }()
				gevent.Sleep(time.Duration(rng.IntN(2000)) * time.Microsecond)
			}
		}
		spawner := func(int64) {
			for {
				rej := new(bool)
				var err error
				if rng.IntN(2) == 0 {
					err = scoped(rng, func() error {
						g, err := pool.Spawn(p, func() (struct{}, error) { job(rej)(); return struct{}{}, nil })
						if err == nil {
							jobs = append(jobs, g)
						}
						return err
					})
				} else {
					g := gevent.New(func() (struct{}, error) { job(rej)(); return struct{}{}, nil })
					if err = p.Add(g, opTimeout(rng)...); err == nil {
						g.Start()
						jobs = append(jobs, g)
					}
				}
				if err != nil {
					*rej = true
					rejected++
					if interrupted(err) {
						return
					}
				}
				if p.Len() > size {
					c.fail("pool holds %d greenlets", p.Len())
				}
				if rng.IntN(3) == 0 && len(jobs) > 0 {
					jobs[rng.IntN(len(jobs))].Kill(errStorm, false)
				}
				if rng.IntN(4) == 0 {
					if _, err := p.WaitAvailable(opTimeout(rng)...); interrupted(err) {
						return
					}
					waits++
				}
			}
		}
		w := &workers{c: c, name: "Pool(5)"}
		if err := w.chaos(modelTime(), 4, 0, spawner, nil); err != nil {
			return err
		}
		if err := p.Join(time.Minute); err != nil {
			return err
		}
		c.expect(p.Len() == 0 && p.FreeCount() == size, "pool not empty at the end: len %d, free %d", p.Len(), p.FreeCount())
		return nil
	})
	c.expect(err == nil, "Run: %v", err)
	c.fig("jobs started %d, ended %d; Spawn/Add refused (timeout/scope/kill) %d; WaitAvailable %d", started, ended, rejected, waits)
	c.fig("jobs at once max %d (size %d); refused jobs that ran %d", maxRunning, size, ranRejected)
	c.expect(started > 0, "no job ran")
	c.expect(maxRunning <= size, "%d jobs ran at once in a Pool(%d)", maxRunning, size)
	c.expect(ranRejected == 0, "%d jobs ran although their Spawn or Add failed", ranRejected)
	c.expect(started == ended, "%d jobs started, %d ended", started, ended)
}
