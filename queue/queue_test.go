package queue_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/blocktest"
	"github.com/gevent-go/gevent/queue"
)

func TestBlockingContract(t *testing.T) {
	blocktest.Check(t, blocktest.Op{Name: "Queue.Get", Setup: func() blocktest.Op {
		var q queue.Queue[int]
		return blocktest.Op{
			Block:       func() error { _, err := q.Get(); return err },
			WithTimeout: func(d time.Duration) error { _, err := q.Get(d); return err },
		}
	}})
	blocktest.Check(t, blocktest.Op{Name: "Queue.Peek", Setup: func() blocktest.Op {
		var q queue.Queue[int]
		return blocktest.Op{
			Block:       func() error { _, err := q.Peek(); return err },
			WithTimeout: func(d time.Duration) error { _, err := q.Peek(d); return err },
		}
	}})
	blocktest.Check(t, blocktest.Op{Name: "Queue.Put", Setup: func() blocktest.Op {
		q := queue.NewQueue[int](1)
		q.Put(0)
		return blocktest.Op{
			Block:       func() error { return q.Put(1) },
			WithTimeout: func(d time.Duration) error { return q.Put(1, d) },
		}
	}})
	blocktest.Check(t, blocktest.Op{Name: "Channel.Get", Setup: func() blocktest.Op {
		var c queue.Channel[int]
		return blocktest.Op{
			Block:       func() error { _, err := c.Get(); return err },
			WithTimeout: func(d time.Duration) error { _, err := c.Get(d); return err },
		}
	}})
	blocktest.Check(t, blocktest.Op{Name: "Channel.Put", Setup: func() blocktest.Op {
		var c queue.Channel[int]
		return blocktest.Op{
			Block:       func() error { return c.Put(1) },
			WithTimeout: func(d time.Duration) error { return c.Put(1, d) },
		}
	}})
	blocktest.Check(t, blocktest.Op{Name: "JoinableQueue.Join", Setup: func() blocktest.Op {
		var q queue.JoinableQueue[int]
		q.Put(1)
		return blocktest.Op{
			Block: func() error { _, err := q.Join(); return err },
			WithTimeout: func(d time.Duration) error {
				ok, err := q.Join(d)
				if err == nil && !ok {
					return gevent.ErrTimeout
				}
				return err
			},
		}
	}})
}

// TestHandOffsDoNotStarveTheHub: putters and getters that put and get again
// at once, through the unlock callback that resumes them in turn, must not
// keep the hub from its timers. Regression: with two putters and two
// getters on a bounded Queue or a Channel (one of each on Queue(1)) that
// callback never returned: a Sleep(100ms) in the main greenlet had not
// returned after 5 s and millions of items.
func TestHandOffsDoNotStarveTheHub(t *testing.T) {
	type ops struct {
		put func(int, ...time.Duration) error
		get func() error
	}
	cases := []struct {
		name                 string
		producers, consumers int
		make                 func() ops
	}{
		{"Queue(1) 1+1", 1, 1, func() ops {
			q := queue.NewQueue[int](1)
			return ops{q.Put, func() error { _, err := q.Get(); return err }}
		}},
		{"Queue(4) 2+2", 2, 2, func() ops {
			q := queue.NewQueue[int](4)
			return ops{q.Put, func() error { _, err := q.Get(); return err }}
		}},
		{"JoinableQueue(2) 2+2", 2, 2, func() ops {
			q := queue.NewJoinableQueue[int](2)
			return ops{q.Put, func() error {
				if _, err := q.Get(); err != nil {
					return err
				}
				return q.TaskDone()
			}}
		}},
		{"Channel 2+2", 2, 2, func() ops {
			var c queue.Channel[int]
			return ops{c.Put, func() error { _, err := c.Get(); return err }}
		}},
		{"Channel 3+2", 3, 2, func() ops {
			var c queue.Channel[int]
			return ops{c.Put, func() error { _, err := c.Get(); return err }}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stop := make(chan struct{}) // closed by the test if the hub starves
			done := false               // set by the main greenlet
			stopped := func() bool {
				select {
				case <-stop:
					return true
				default:
					return done
				}
			}
			items := 0
			result := make(chan error, 1)
			go func() {
				result <- gevent.Run(func() error {
					o := c.make()
					for range c.producers {
						gevent.Go(func() {
							for i := 0; !stopped(); i++ {
								if o.put(i) != nil {
									return
								}
							}
						})
					}
					for range c.consumers {
						gevent.Go(func() {
							for !stopped() && o.get() == nil {
								items++
							}
						})
					}
					to := gevent.NewTimeout(20*time.Millisecond, nil)
					if err := to.Run(func() error { return gevent.Sleep(time.Hour) }); err != error(to) {
						return fmt.Errorf("Timeout scope: Sleep returned %v", err)
					}
					if err := gevent.Sleep(100 * time.Millisecond); err != nil {
						return fmt.Errorf("Sleep: %v", err)
					}
					done = true
					return nil
				})
			}()
			select {
			case err := <-result:
				if err != nil {
					t.Error(err)
				}
				if items == 0 {
					t.Error("no item was handed over")
				}
			case <-time.After(5 * time.Second):
				close(stop)
				t.Fatal("the main greenlet's Timeout and Sleep(100ms) not back after 5 s")
			}
		})
	}
}

func TestTimeoutErrors(t *testing.T) {
	gevent.Run(func() error {
		var q queue.Queue[int]
		_, err := q.Get(time.Millisecond)
		if !errors.Is(err, queue.ErrEmpty) || !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("Get timeout: %v", err)
		}
		if _, err := q.GetNowait(); err != queue.ErrEmpty {
			t.Errorf("GetNowait: %v", err)
		}
		b := queue.NewQueue[int](1)
		b.PutNowait(1)
		if err := b.PutNowait(2); err != queue.ErrFull {
			t.Errorf("PutNowait: %v", err)
		}
		err = b.Put(2, 0)
		if !errors.Is(err, queue.ErrFull) || !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("Put timeout: %v", err)
		}
		if b.Len() != 1 {
			t.Errorf("timed-out putter left %d items", b.Len())
		}
		return nil
	})
}

// A getter that timed out or was killed consumes nothing, and waiting
// getters are served FIFO even when a newcomer finds an item.
func TestNothingLostFIFO(t *testing.T) {
	gevent.Run(func() error {
		var q queue.Queue[int]
		var got []string
		getter := func(name string, d ...time.Duration) *gevent.Greenlet[struct{}] {
			return gevent.Go(func() {
				v, err := q.Get(d...)
				if err != nil {
					got = append(got, name+":err")
					return
				}
				got = append(got, name+":"+string(rune('0'+v)))
			})
		}
		a := getter("a")
		b := getter("b", time.Millisecond)
		k := getter("k")
		c := getter("c")
		gevent.Sleep(0)
		k.Kill(nil, true)
		gevent.Sleep(10 * time.Millisecond) // b times out
		q.Put(1)
		q.Put(2)
		late := getter("late") // finds items but must queue behind a and c
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{a, b, c})
		q.Put(3)
		late.Join()
		want := []string{"b:err", "k:err", "a:1", "c:2", "late:3"}
		slices.Sort(want[:2])
		if len(got) > 1 {
			slices.Sort(got[:2])
		}
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		if q.Len() != 0 {
			t.Errorf("%d items left", q.Len())
		}
		return nil
	})
}

func TestPuttersFIFOBounded(t *testing.T) {
	gevent.Run(func() error {
		q := queue.NewQueue[int](1)
		q.Put(0)
		var gs []*gevent.Greenlet[struct{}]
		for i := 1; i <= 5; i++ {
			gs = append(gs, gevent.Go(func() {
				d := []time.Duration{}
				if i == 3 {
					d = append(d, time.Millisecond)
				}
				q.Put(i, d...)
			}))
		}
		gevent.Sleep(10 * time.Millisecond)
		var got []int
		for range 5 {
			v, _ := q.Get()
			got = append(got, v)
		}
		gevent.JoinAll(gs)
		if want := []int{0, 1, 2, 4, 5}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v (putter 3 timed out)", got, want)
		}
		return nil
	})
}

func TestVariants(t *testing.T) {
	gevent.Run(func() error {
		tests := []struct {
			name string
			q    *queue.Queue[int]
			want []int
		}{
			{"fifo", queue.NewQueue[int](0), []int{3, 1, 2}},
			{"lifo", queue.NewLifoQueue[int](0), []int{2, 1, 3}},
			{"priority", queue.NewOrderedPriorityQueue[int](0), []int{1, 2, 3}},
			{"priority-desc", queue.NewPriorityQueue(0, func(a, b int) bool { return a > b }), []int{3, 2, 1}},
		}
		for _, tc := range tests {
			for _, v := range []int{3, 1, 2} {
				tc.q.Put(v)
			}
			if p, _ := tc.q.Peek(); p != tc.want[0] {
				t.Errorf("%s: Peek = %d", tc.name, p)
			}
			var got []int
			for !tc.q.Empty() {
				v, _ := tc.q.Get()
				got = append(got, v)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			}
		}
		return nil
	})
}

func TestJoinableQueue(t *testing.T) {
	gevent.Run(func() error {
		var q queue.JoinableQueue[int]
		if err := q.TaskDone(); err != queue.ErrTaskDone {
			t.Errorf("TaskDone on empty: %v", err)
		}
		for i := range 3 {
			q.Put(i)
		}
		done := 0
		gevent.Go(func() {
			for range 3 {
				q.Get()
				gevent.Sleep(time.Millisecond)
				done++
				q.TaskDone()
			}
		})
		if ok, err := q.Join(); !ok || err != nil || done != 3 {
			t.Errorf("Join = %v %v with %d done", ok, err, done)
		}
		return nil
	})
}

func TestShutdown(t *testing.T) {
	gevent.Run(func() error {
		q := queue.NewQueue[int](1)
		getter := gevent.Spawn(func() (int, error) {
			var e queue.Queue[int]
			gevent.Go(func() { e.Shutdown(false) })
			return e.Get()
		})
		q.Put(1)
		putter := gevent.GoErr(func() error { return q.Put(2) })
		gevent.Sleep(0)
		q.Shutdown(false)
		if err := putter.Join(); err != nil || !errors.Is(putter.Err(), queue.ErrShutDown) {
			t.Errorf("blocked putter: %v", putter.Err())
		}
		if _, err := getter.Get(); !errors.Is(err, queue.ErrShutDown) {
			t.Errorf("blocked getter: %v", err)
		}
		if err := q.Put(3); err != queue.ErrShutDown {
			t.Errorf("Put after shutdown: %v", err)
		}
		var got []int
		for v := range q.All() {
			got = append(got, v)
		}
		if !slices.Equal(got, []int{1}) {
			t.Errorf("All after shutdown = %v, want [1]", got)
		}
		j := queue.NewJoinableQueue[int](0)
		j.Put(1)
		j.Put(2)
		j.Shutdown(true)
		if ok, err := j.Join(0); !ok || err != nil || j.Len() != 0 {
			t.Errorf("immediate shutdown: Join %v %v, Len %d", ok, err, j.Len())
		}
		return nil
	})
}

func TestChannelRendezvous(t *testing.T) {
	gevent.Run(func() error {
		var c queue.Channel[string]
		var log []string
		p := gevent.Go(func() {
			c.Put("a")
			log = append(log, "put a returned")
		})
		gevent.Sleep(time.Millisecond)
		if p.Dead() {
			t.Fatal("Put returned without a getter")
		}
		v, err := c.Get()
		log = append(log, "got "+v)
		p.Join()
		if err != nil || !slices.Equal(log, []string{"got a", "put a returned"}) {
			t.Errorf("log %v, err %v", log, err)
		}
		// A putter that timed out handed nothing.
		if err := c.Put("x", time.Millisecond); !errors.Is(err, queue.ErrFull) {
			t.Errorf("Put timeout: %v", err)
		}
		if _, err := c.GetNowait(); err != queue.ErrEmpty {
			t.Errorf("GetNowait: %v", err)
		}
		return nil
	})
}

func TestFromHubCallback(t *testing.T) {
	gevent.Run(func() error {
		q := queue.NewQueue[int](1)
		var errs []error
		g := gevent.Go(func() { v, _ := q.Get(); errs = append(errs, error(nil)); _ = v })
		gevent.Sleep(0)
		h := gevent.GetHub()
		h.Schedule(func() {
			errs = append(errs, q.Put(1)) // room: fine
			errs = append(errs, q.Put(2)) // resumes the getter to make room
			errs = append(errs, q.Put(3)) // full, nobody to resume
		})
		g.Join()
		gevent.Sleep(0)
		if len(errs) != 4 || errs[0] != nil || errs[2] != nil && errs[1] != nil || !errors.Is(errs[3], gevent.ErrBlockingSwitchOut) {
			t.Errorf("errs %v", errs)
		}
		return nil
	})
}

// A Put that wakes a blocked getter sets the item aside for it: a
// GetNowait or a new Get before the woken getter runs cannot take it.
func TestWokenGetterItemIsNotOvertaken(t *testing.T) {
	gevent.Run(func() error {
		var q queue.Queue[int]
		var got int
		g := gevent.Go(func() { got, _ = q.Get() })
		gevent.Sleep(0) // g blocks in Get
		q.Put(1)        // wakes g, which has not run yet
		if v, err := q.GetNowait(); err == nil {
			t.Errorf("GetNowait took %d, promised to the blocked getter", v)
		}
		if q.Len() != 1 {
			t.Errorf("Len %d, want 1 (the item is still in the queue)", q.Len())
		}
		q.Put(2)
		v, err := q.Get()
		g.Join()
		if got != 1 || v != 2 || err != nil {
			t.Errorf("blocked getter got %d, newcomer got %d %v", got, v, err)
		}
		return nil
	})
}

func TestImmediateShutdownWithWokenGetter(t *testing.T) {
	gevent.Run(func() error {
		var q queue.Queue[int]
		var err error
		g := gevent.Go(func() { _, err = q.Get() })
		gevent.Sleep(0)
		q.Put(1)
		q.Shutdown(true)
		g.Join()
		if !errors.Is(err, queue.ErrShutDown) {
			t.Errorf("getter woken before an immediate shutdown: %v", err)
		}
		if _, err := q.GetNowait(); !errors.Is(err, queue.ErrShutDown) {
			t.Errorf("after: %v", err)
		}
		return nil
	})
}

// Misuse panics start with "queue: " and say what to use instead.
func TestPanicMessagesSayWhatToUse(t *testing.T) {
	gevent.Run(func() error {
		var q queue.Queue[int]
		q.PutNowait(1) // binds q to this hub
		done := make(chan string)
		go func() {
			defer func() { s, _ := recover().(string); done <- s }()
			q.PutNowait(2)
		}()
		if m := <-done; !strings.HasPrefix(m, "queue: ") || !strings.Contains(m, "Hub.Submit") {
			t.Errorf("PutNowait from a goroutine: panic %q", m)
		}
		// A Channel used from a greenlet of another hub.
		var c queue.Channel[int]
		c.PutNowait(0) // binds c to this hub
		go gevent.Run(func() error {
			defer func() { s, _ := recover().(string); done <- s }()
			c.PutNowait(1)
			return nil
		})
		if m := <-done; !strings.Contains(m, "Channel") || !strings.Contains(m, "Hub.Post") {
			t.Errorf("Channel from another hub: panic %q", m)
		}
		return nil
	})
}

// noSwitch runs f with another greenlet ready to run and reports whether
// that greenlet ran before f returned (a switch).
func noSwitch(t *testing.T, name string, f func()) {
	t.Helper()
	ran := 0
	g := gevent.Go(func() { ran++ })
	f()
	if ran != 0 {
		t.Errorf("%s switched: a ready greenlet ran before it returned", name)
	}
	g.Join()
}

// Issue 12 item 5: the *_nowait forms never switch, whether they succeed,
// fail, or hand an item to a blocked greenlet.
func TestNowaitNeverSwitches(t *testing.T) {
	gevent.Run(func() error {
		check := func(name string, err, want error) {
			t.Helper()
			if !errors.Is(err, want) && err != want {
				t.Errorf("%s: %v, want %v", name, err, want)
			}
		}
		q := queue.NewQueue[int](1)
		noSwitch(t, "Queue.GetNowait (empty)", func() { _, err := q.GetNowait(); check("GetNowait", err, queue.ErrEmpty) })
		noSwitch(t, "Queue.PeekNowait (empty)", func() { _, err := q.PeekNowait(); check("PeekNowait", err, queue.ErrEmpty) })
		noSwitch(t, "Queue.PutNowait", func() { check("PutNowait", q.PutNowait(1), nil) })
		noSwitch(t, "Queue.PutNowait (full)", func() { check("PutNowait", q.PutNowait(2), queue.ErrFull) })
		noSwitch(t, "Queue.PeekNowait", func() { _, err := q.PeekNowait(); check("PeekNowait", err, nil) })
		noSwitch(t, "Queue.GetNowait", func() { _, err := q.GetNowait(); check("GetNowait", err, nil) })
		// A blocked getter is handed the item; it resumes later.
		getter := gevent.Go(func() { q.Get() })
		gevent.Sleep(0)
		noSwitch(t, "Queue.PutNowait (to a blocked getter)", func() { check("PutNowait", q.PutNowait(3), nil) })
		getter.Join()

		j := queue.NewJoinableQueue[int](1)
		noSwitch(t, "JoinableQueue.PutNowait", func() { check("PutNowait", j.PutNowait(1), nil) })
		noSwitch(t, "JoinableQueue.PutNowait (full)", func() { check("PutNowait", j.PutNowait(2), queue.ErrFull) })
		noSwitch(t, "JoinableQueue.GetNowait", func() { _, err := j.GetNowait(); check("GetNowait", err, nil) })
		noSwitch(t, "JoinableQueue.TaskDone", func() { check("TaskDone", j.TaskDone(), nil) })

		var c queue.Channel[int]
		noSwitch(t, "Channel.PutNowait (no getter)", func() { check("PutNowait", c.PutNowait(1), queue.ErrFull) })
		noSwitch(t, "Channel.GetNowait (no putter)", func() { _, err := c.GetNowait(); check("GetNowait", err, queue.ErrEmpty) })
		getter = gevent.Go(func() { c.Get() })
		gevent.Sleep(0)
		noSwitch(t, "Channel.PutNowait (to a blocked getter)", func() { check("PutNowait", c.PutNowait(1), nil) })
		getter.Join()
		putter := gevent.Go(func() { c.Put(2) })
		gevent.Sleep(0)
		noSwitch(t, "Channel.GetNowait (from a blocked putter)", func() { _, err := c.GetNowait(); check("GetNowait", err, nil) })
		putter.Join()
		return nil
	})
}

// TestHandOffsLeaveTheReadyQueueItsTurn: putters and getters that put and
// get again at once must leave their turn to what waits in the hub's ready
// queue behind the unlock callback: kills (the hub's shutdown kills too),
// posted callbacks, greenlets being started. Regression: once an
// iteration's budget was spent, the callback went on at the head of the
// next iteration, every iteration, so timers ran but no kill was ever
// delivered (Run's shutdown gave up on the greenlets after 3 s) and no
// posted callback ran.
func TestHandOffsLeaveTheReadyQueueItsTurn(t *testing.T) {
	type ops struct {
		put func(int, ...time.Duration) error
		get func() error
	}
	cases := []struct {
		name                 string
		producers, consumers int
		make                 func() ops
	}{
		{"Queue(1) 1+1", 1, 1, func() ops {
			q := queue.NewQueue[int](1)
			return ops{q.Put, func() error { _, err := q.Get(); return err }}
		}},
		{"Queue(4) 2+2", 2, 2, func() ops {
			q := queue.NewQueue[int](4)
			return ops{q.Put, func() error { _, err := q.Get(); return err }}
		}},
		{"JoinableQueue(2) 2+2", 2, 2, func() ops {
			q := queue.NewJoinableQueue[int](2)
			return ops{q.Put, func() error {
				if _, err := q.Get(); err != nil {
					return err
				}
				return q.TaskDone()
			}}
		}},
		{"Channel 2+2", 2, 2, func() ops {
			var c queue.Channel[int]
			return ops{c.Put, func() error { _, err := c.Get(); return err }}
		}},
	}
	errStop := errors.New("stop")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			result := make(chan error, 1)
			go func() {
				result <- gevent.Run(func() error {
					gevent.GetHub().SetErrorHandler(func(gevent.AnyGreenlet, error) {})
					o := c.make()
					var gs []*gevent.Greenlet[error]
					for range c.producers {
						gs = append(gs, gevent.Spawn(func() (error, error) {
							for i := 0; ; i++ {
								if err := o.put(i); err != nil {
									return err, nil
								}
							}
						}))
					}
					for range c.consumers {
						gs = append(gs, gevent.Spawn(func() (error, error) {
							for {
								if err := o.get(); err != nil {
									return err, nil
								}
							}
						}))
					}
					if err := gevent.Sleep(20 * time.Millisecond); err != nil {
						return err
					}
					// A posted callback and a new greenlet get their turn.
					h := gevent.GetHub()
					var posted gevent.WaitList[struct{}]
					h.Post(func() { posted.WakeAll(struct{}{}) })
					if _, err := posted.Wait(5 * time.Second); err != nil {
						return fmt.Errorf("posted callback not run within 5 s: %v", err)
					}
					if _, err := gevent.Spawn(func() (int, error) { return 1, nil }).Get(5 * time.Second); err != nil {
						return fmt.Errorf("a new greenlet did not run within 5 s: %v", err)
					}
					// Each kill is delivered as the error of a Put or Get.
					for i, g := range gs {
						if err := g.Kill(errStop, true, 5*time.Second); err != nil {
							return fmt.Errorf("greenlet %d: Kill: %v", i, err)
						}
						if v, _ := g.Get(); !errors.Is(v, errStop) {
							return fmt.Errorf("greenlet %d ended with %v, want the kill", i, v)
						}
					}
					return nil
				})
			}()
			select {
			case err := <-result:
				if err != nil {
					t.Error(err)
				}
			case <-time.After(60 * time.Second):
				t.Fatal("Run not back after 60 s")
			}
		})
	}
}

// TestHandOffsOneUnlockAtATime: a yield of another greenlet waits for a
// bounded number of hand-offs, however long the producers and consumers
// have been at it. Regression: when its budget was spent, the unlock
// callback scheduled its next run even if a greenlet it had resumed had
// already scheduled one; the copies doubled at each spent budget (the
// ready queue held 1,660 of them after 10 yields of the main greenlet, the
// tenth took 2.9 s) and the kills queued behind them were not served.
func TestHandOffsOneUnlockAtATime(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func() (func(int) error, func() error)
	}{
		{"Queue(1)", func() (func(int) error, func() error) {
			q := queue.NewQueue[int](1)
			return func(v int) error { return q.Put(v) }, func() error { _, err := q.Get(); return err }
		}},
		{"Channel", func() (func(int) error, func() error) {
			var c queue.Channel[int]
			return func(v int) error { return c.Put(v) }, func() error { _, err := c.Get(); return err }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var items, worst int
			err := gevent.Run(func() error {
				put, get := tc.make()
				var gs []*gevent.Greenlet[struct{}]
				for range 2 {
					gs = append(gs, gevent.Go(func() {
						for put(1) == nil {
						}
					}))
					gs = append(gs, gevent.Go(func() {
						for get() == nil {
							items++
						}
					}))
				}
				for range 14 {
					before := items
					if err := gevent.Sleep(0); err != nil {
						return err
					}
					worst = max(worst, items-before)
				}
				return gevent.KillAll(gs, nil, true, 10*time.Second)
			})
			if err != nil {
				t.Fatal(err)
			}
			// A loop iteration runs up to 1,024 resumes; a yield waits for
			// about one iteration.
			if worst > 8*1024 {
				t.Errorf("%d items handed over during one Sleep(0) of the main greenlet (want at most %d)", worst, 8*1024)
			}
			t.Logf("items handed over during one Sleep(0): max %d", worst)
		})
	}
}
