package reliability

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/lock"
	"github.com/gevent-go/gevent/queue"
)

// TestModelStubborn: workers that ignore their kills. Since a first kill is
// only an error (the greenlet may go on blocking) and a further kill
// unwinds the greenlet at its next blocking call, a Get (or Acquire) must
// never take an item (a permit) and then unwind: the unwinding happens when
// the call starts, before anything is taken, and an item handed to a
// parked getter together with a kill is returned, the kill left for the
// next call. The workers here treat every error as a failed operation and
// go on; a chaos greenlet kills random workers once, twice in a row, or
// twice with a pause (so some are unwound in Put, Get or Acquire), then
// puts an item itself (handed to a parked consumer whose kill is queued: the
// item and the kill arrive together), and replaces the dead. Then the
// ledger: every item put was taken exactly once (lost 0: no Get unwound
// with an item), nothing came out that was not put (phantom 0: no Put
// unwound after putting); for the semaphore, all permits are back.
func TestModelStubborn(t *testing.T) {
	c := begin(t, "model_stubborn", fmt.Sprintf("workers that ignore kills (killed once, twice, or twice with a pause; unwound at their next blocking call) on Queue(1), Queue(4), JoinableQueue(2), Channel, Semaphore(2); %v each", modelTime()), "", 3*time.Minute)
	for _, size := range []int{1, 4} {
		q := queue.NewQueue[int64](size)
		stubbornQueue(c, fmt.Sprintf("Queue(%d)", size), q.Put, q.Get, q.GetNowait, nil)
	}
	j := queue.NewJoinableQueue[int64](2)
	stubbornQueue(c, "JoinableQueue(2)", j.Put, func(timeout ...time.Duration) (int64, error) {
		v, err := j.Get(timeout...)
		if err == nil {
			j.TaskDone()
		}
		return v, err
	}, func() (int64, error) {
		v, err := j.GetNowait()
		if err == nil {
			j.TaskDone()
		}
		return v, err
	}, func() { // in the hub: the queue's getters check their caller
		c.expect(j.Unfinished() == 0, "JoinableQueue(2): %d tasks unfinished after every item was taken and done", j.Unfinished())
	})
	ch := new(queue.Channel[int64])
	stubbornQueue(c, "Channel", ch.Put, ch.Get, ch.GetNowait, nil)
	stubbornSemaphore(c, 2)
}

// stubbornChaos keeps nProd producers and nCons consumers alive for d,
// killing a random one every millisecond or so (once, twice at once, or
// twice with a yield between; then afterKill, if not nil) and replacing
// those that died; then it kills
// every one twice and waits for them. It returns how many were unwound
// (dead after a kill they ignored).
func stubbornChaos(c *check, d time.Duration, nProd, nCons int, producer, consumer, afterKill func()) (kills, dead int, err error) {
	rng := c.rng
	type worker struct {
		g    *gevent.Greenlet[struct{}]
		prod bool
	}
	var live []worker
	spawn := func(prod bool) {
		fn := consumer
		if prod {
			fn = producer
		}
		live = append(live, worker{gevent.Go(fn), prod})
	}
	for range nProd {
		spawn(true)
	}
	for range nCons {
		spawn(false)
	}
	// Until d has passed and at least 3 workers were unwound (for at most
	// 30 s more: the expectation on dead then fails).
	for stop := time.Now().Add(d); time.Now().Before(stop) || dead < 3 && time.Now().Before(stop.Add(30*time.Second)); {
		if err := gevent.Sleep(time.Duration(rng.IntN(2000)) * time.Microsecond); err != nil {
			return kills, dead, err
		}
		i := rng.IntN(len(live))
		w := live[i]
		w.g.Kill(errStorm, false)
		kills++
		switch rng.IntN(3) {
		case 1:
			w.g.Kill(errStorm, false)
			kills++
		case 2:
			if err := gevent.Sleep(0); err != nil {
				return kills, dead, err
			}
			w.g.Kill(errStorm, false)
			kills++
		}
		if afterKill != nil {
			// The kill is queued: what afterKill hands to a parked worker
			// (the killed one, perhaps) arrives together with it.
			afterKill()
		}
		// Replace the dead (a second kill unwinds the worker at its next
		// blocking call; give it a turn to get there).
		if err := gevent.Sleep(0); err != nil {
			return kills, dead, err
		}
		for k := 0; k < len(live); {
			if live[k].g.Dead() {
				dead++
				prod := live[k].prod
				live = slices.Delete(live, k, k+1)
				spawn(prod)
				continue
			}
			k++
		}
	}
	for _, w := range live {
		w.g.Kill(errStorm, false)
		w.g.Kill(errStorm, false)
	}
	for _, w := range live {
		if err := w.g.Join(time.Minute); err != nil {
			return kills, dead, fmt.Errorf("a worker killed twice is still alive: %v", err)
		}
	}
	return kills, dead, nil
}

// stubbornQueue runs stubborn producers and consumers on one queue-like
// object and checks the ledger.
// atEnd, if not nil, runs in the hub at the end.
func stubbornQueue(c *check, name string, put func(int64, ...time.Duration) error, get func(...time.Duration) (int64, error), getNowait func() (int64, error), atEnd func()) {
	l := newLedger(false)
	var kills, dead, together int
	err := gevent.Run(func() error {
		silence()
		rng := c.rng
		var nextID int64
		producer := func() {
			nextID++
			id := nextID
			for seq := int64(1); ; seq++ {
				v := id<<32 | seq
				err := put(v, opTimeout(rng)...)
				l.put(v, err) // not reached if Put unwinds: v must not be in the queue then
			}
		}
		consumer := func() {
			nextID++
			id := nextID
			for {
				v, err := get(opTimeout(rng)...)
				if err == nil {
					l.take(id, v) // not reached if Get unwinds: it must not have taken v then
				} else {
					l.getFails++
				}
			}
		}
		// After a kill the chaos greenlet puts an item itself: handed to a
		// parked consumer (the killed one, perhaps) whose kill is queued,
		// so that the item and the kill arrive together.
		const chaosID = 1 << 30
		chaosSeq := int64(0)
		afterKill := func() {
			chaosSeq++
			v := int64(chaosID)<<32 | chaosSeq
			l.put(v, put(v, 0))
		}
		var err error
		kills, dead, err = stubbornChaos(c, modelTime(), 2, 2, producer, consumer, afterKill)
		if err != nil {
			return err
		}
		for {
			v, err := getNowait()
			if err != nil {
				break
			}
			l.take(-1, v)
		}
		// Then rounds of one stubborn consumer alone, parked in Get, and a
		// random sequence of kills, puts and yields of the chaos greenlet
		// in one turn: a kill queued before a put reaches the consumer
		// together with the item (the item must be returned, the kill
		// left for its next call), or while it is parked (no item then).
		for range count(2000, 200) {
			g := gevent.Go(consumer)
			if err := gevent.Sleep(0); err != nil {
				return err
			}
			for range 2 + rng.IntN(4) {
				switch rng.IntN(3) {
				case 0:
					g.Kill(errStorm, false)
					kills++
				case 1:
					afterKill()
					together++
				case 2:
					if err := gevent.Sleep(0); err != nil {
						return err
					}
				}
			}
			g.Kill(errStorm, false)
			g.Kill(errStorm, false)
			if err := g.Join(time.Minute); err != nil {
				return fmt.Errorf("a consumer killed twice is still alive: %v", err)
			}
			dead++
			for {
				v, err := getNowait()
				if err != nil {
					break
				}
				l.take(-1, v)
			}
		}
		if atEnd != nil {
			atEnd()
		}
		return nil
	})
	c.expect(err == nil, "%s: Run: %v", name, err)
	c.fig("%s: kills %d, workers unwound %d, items put in the same turn as kills %d", name, kills, dead, together)
	c.expect(dead > 0, "%s: no worker was unwound: the check did not exercise the unwinding", name)
	l.verdict(c, name)
}

// stubbornSemaphore: stubborn workers acquire a Semaphore(permits), hold it
// across a yield, release it (a deferred Release if they unwind while
// holding). At the end every permit is free: an Acquire that unwound took
// nothing.
func stubbornSemaphore(c *check, permits int) {
	name := fmt.Sprintf("Semaphore(%d)", permits)
	s := lock.NewSemaphore(permits)
	var kills, dead, acquired, over, holders, free int
	err := gevent.Run(func() error {
		silence()
		rng := c.rng
		worker := func() {
			held := false
			defer func() {
				if held {
					holders--
					s.Release()
				}
			}()
			for {
				ok, err := s.Acquire(opTimeout(rng)...)
				if err != nil || !ok {
					continue
				}
				held = true
				holders++
				acquired++
				if holders > permits {
					over++
				}
				gevent.Sleep(0) // an error here is ignored: still held
				held = false
				holders--
				s.Release()
			}
		}
		var err error
		kills, dead, err = stubbornChaos(c, modelTime(), 0, 4, worker, worker, nil)
		free = s.Value() // in the hub: the semaphore's getters check their caller
		return err
	})
	c.expect(err == nil, "%s: Run: %v", name, err)
	c.fig("%s: kills %d, workers unwound %d; acquired %d; holders over the limit %d times; permits free at the end %d/%d", name, kills, dead, acquired, over, free, permits)
	c.expect(dead > 0, "%s: no worker was unwound", name)
	c.expect(over == 0, "%s: more holders than permits %d times", name, over)
	c.expect(free == permits, "%s: %d permits free at the end, want %d (a permit taken by an Acquire that unwound is lost)", name, free, permits)
}
