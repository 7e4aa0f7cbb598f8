package seeds

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
	"github.com/gevent-go/gevent/local"
	"github.com/gevent-go/gevent/lock"
	"github.com/gevent-go/gevent/pool"
	"github.com/gevent-go/gevent/queue"
	gsignal "github.com/gevent-go/gevent/signal"
	"github.com/gevent-go/gevent/subprocess"
)

// The programs about events, queues, groups and pools, locks,
// greenlet-local data, actors, subprocesses and signals.

var packages = []Program{{
	Name:  "seed_event",
	Seeds: "seeds 000 and 004",
	Title: "an Event wakes five waiters",
	Run:   eventSeed("Wait for me", "Ok, I'm done", "I'll wait for you", "Finish waiting", 5),
}, {
	Name:  "seed_event_001",
	Seeds: "seed 001",
	Title: "an Event setter and three waiters",
	Run: eventSeed("A: Hey wait for me, I have to do something", "Ok, I'm done",
		"I'll wait for you", "It's about time", 3),
}, {
	Name:  "seed_asyncresult",
	Seeds: "seed 000",
	Title: "an AsyncResult passes a message to five waiters",
	Run: func(Timing) error {
		aevt := event.NewAsyncResult[string]()
		setter := func() {
			P("Wait for me")
			gevent.Sleep(30 * ms)
			P("Ok, I'm done")
			aevt.Set("Hello!")
		}
		waiter := func() {
			P("I'll wait for you")
			message, _ := aevt.Get()
			Pf("Got wake up message: %s", message)
		}
		gs := []greenlet{gevent.Go(setter)}
		for range 5 {
			gs = append(gs, gevent.Go(waiter))
		}
		_, err := gevent.JoinAll(gs)
		return err
	},
}, {
	Name:  "seed_asyncresult_001",
	Seeds: "seeds 001 and 002",
	Title: "an AsyncResult set after a sleep; an empty set() wakes 'I live!'",
	Run: func(Timing) error {
		a := event.NewAsyncResult[string]()
		if _, err := gevent.JoinAll([]greenlet{
			gevent.Go(func() { gevent.Sleep(30 * ms); a.Set("Hello!") }),
			gevent.Go(func() { v, _ := a.Get(); P(v) }),
		}); err != nil {
			return err
		}
		b := event.NewAsyncResult[struct{}]()
		_, err := gevent.JoinAll([]greenlet{
			gevent.Go(func() { gevent.Sleep(30 * ms); b.Set(struct{}{}) }),
			gevent.Go(func() { b.Get(); P("I live!") }),
		})
		return err
	},
}, {
	Name:  "seed_queue_products",
	Seeds: "seed 000",
	Title: "a producer fills a Queue, three consumers empty it",
	Run: func(Timing) error {
		products := queue.NewQueue[int](0)
		consumer := func(name string) func() {
			return func() {
				for !products.Empty() {
					v, _ := products.Get()
					Pf("%s got product %d", name, v)
					gevent.Sleep(0)
				}
				P("%s Quit") // sic: the seed prints the literal '%s Quit'
			}
		}
		producer := func() {
			for i := 1; i < 10; i++ {
				products.Put(i)
			}
		}
		_, err := gevent.JoinAll([]greenlet{gevent.Go(producer), gevent.Go(consumer("steve")),
			gevent.Go(consumer("john")), gevent.Go(consumer("nancy"))})
		return err
	},
}, {
	Name:  "seed_queue_tasks",
	Seeds: "seeds 002 and 004",
	Title: "the boss puts 24 tasks with put_nowait, three workers take them",
	Run: func(Timing) error {
		tasks := queue.NewQueue[int](0)
		worker := func(n string) func() {
			return func() {
				for !tasks.Empty() {
					task, _ := tasks.Get()
					Pf("Worker %s got task %d", n, task)
					gevent.Sleep(0)
				}
				P("Quitting time!")
			}
		}
		if err := gevent.Go(func() {
			for i := 1; i < 25; i++ {
				tasks.PutNowait(i)
			}
		}).Join(); err != nil {
			return err
		}
		_, err := gevent.JoinAll([]greenlet{gevent.Go(worker("steve")), gevent.Go(worker("john")), gevent.Go(worker("nancy"))})
		return err
	},
}, {
	Name:  "seed_queue_maxsize",
	Seeds: "seed 002",
	Title: "Queue(maxsize=3): the boss blocks in put, workers quit on Empty",
	Run: func(Timing) error {
		tasks := queue.NewQueue[int](3)
		worker := func(n string) func() error {
			return func() error {
				for {
					task, err := tasks.Get(50 * ms)
					if errors.Is(err, queue.ErrEmpty) {
						P("Quitting time!")
						return nil
					} else if err != nil {
						return err
					}
					Pf("Worker %s got task %d", n, task)
					gevent.Sleep(0)
				}
			}
		}
		boss := func() error {
			for i := 1; i < 10; i++ {
				if err := tasks.Put(i); err != nil {
					return err
				}
			}
			P("Assigned all work in iteration 1")
			for i := 10; i < 20; i++ {
				if err := tasks.Put(i); err != nil {
					return err
				}
			}
			P("Assigned all work in iteration 2")
			return nil
		}
		_, err := gevent.JoinAll([]greenlet{gevent.GoErr(boss), gevent.GoErr(worker("steve")),
			gevent.GoErr(worker("john")), gevent.GoErr(worker("bob"))})
		return err
	},
}, {
	Name:  "seed_group",
	Seeds: "seeds 001, 002 and 004",
	Title: "Group add/join, Group.map, imap, imap_unordered, Pool(2).map",
	Run: func(t Timing) error {
		talk := func(msg string) func() {
			return func() {
				for range 3 {
					P(msg)
				}
			}
		}
		g1, g2, g3 := gevent.Go(talk("bar")), gevent.Go(talk("foo")), gevent.Go(talk("fizz"))
		var group pool.Group
		group.Add(g1)
		group.Add(g2)
		group.Join()
		group.Add(g3)
		group.Join()

		var group2 pool.Group
		helloFrom := func(n int) (int, error) {
			P("Size of group", group2.Len())
			return n, nil
		}
		res, err := pool.Map(&group2, helloFrom, slices.Values([]int{0, 1, 2}))
		if err != nil {
			return err
		}
		P(res)
		intensive := func(n int) (string, error) {
			err := gevent.Sleep(time.Duration(3-n) * t.Wait(200*ms, 100*ms))
			return fmt.Sprintf("('task', %d)", n), err
		}
		P("Ordered")
		for v, err := range pool.IMap(&pool.Group{}, intensive, slices.Values([]int{0, 1, 2})) {
			if err != nil {
				return err
			}
			P(v)
		}
		P("Unordered")
		for v, err := range pool.IMapUnordered(&pool.Group{}, intensive, slices.Values([]int{0, 1, 2})) {
			if err != nil {
				return err
			}
			P(v)
		}
		p := pool.MustPool(2)
		_, err = pool.Map(p, func(int) (struct{}, error) {
			P("Size of pool", p.Len())
			return struct{}{}, nil
		}, slices.Values([]int{0, 1, 2}))
		return err
	},
}, {
	Name:  "seed_pool_semaphore",
	Seeds: "seeds 001 and 002",
	Title: "BoundedSemaphore(2): Pool().map of worker1 (acquire/release), then of worker2 (with sem:)",
	Run: func(Timing) error {
		sem := lock.NewBoundedSemaphore(2)
		worker1 := func(n int) (struct{}, error) {
			sem.Acquire()
			Pf("Worker %d acquired semaphore", n)
			gevent.Sleep(0)
			sem.Release()
			Pf("Worker %d released semaphore", n)
			return struct{}{}, nil
		}
		worker2 := func(n int) (struct{}, error) {
			sem.With(func() error {
				Pf("Worker %d acquired semaphore", n)
				return gevent.Sleep(0)
			})
			Pf("Worker %d released semaphore", n)
			return struct{}{}, nil
		}
		p := pool.MustPool(pool.Unlimited)
		if _, err := pool.Map(p, worker1, slices.Values([]int{0, 1})); err != nil {
			return err
		}
		_, err := pool.Map(p, worker2, slices.Values([]int{3, 4, 5}))
		return err
	},
}, {
	Name:  "seed_semaphore",
	Seeds: "seed 000",
	Title: "BoundedSemaphore(2) shared by six workers",
	Run: func(Timing) error {
		sem := lock.NewBoundedSemaphore(2)
		worker := func(n int) func() {
			return func() {
				sem.Acquire()
				Pf("Worker %d acquired semaphore", n)
				gevent.Sleep(0)
				sem.Release()
				Pf("Worker %d released semaphore", n)
			}
		}
		var gs []greenlet
		for i := range 6 {
			gs = append(gs, gevent.Go(worker(i)))
		}
		_, err := gevent.JoinAll(gs)
		return err
	},
}, {
	Name:  "seed_semaphore_004",
	Seeds: "seed 004",
	Title: "BoundedSemaphore(2), six workers sleeping while they hold it",
	Run: func(Timing) error {
		sem := lock.NewBoundedSemaphore(2)
		worker := func(r int) func() {
			return func() {
				sem.Acquire()
				Pf("Worker %d acquire a sem", r)
				gevent.Sleep(20 * ms)
				sem.Release()
				Pf("Worker %d release a sem", r)
			}
		}
		var gs []greenlet
		for i := range 6 {
			gs = append(gs, gevent.Go(worker(i)))
		}
		_, err := gevent.JoinAll(gs)
		return err
	},
}, {
	Name:  "seed_local",
	Seeds: "seeds 000 and 004",
	Title: "greenlet-local data: f1's data.x is not visible in f2",
	Run: func(Timing) error {
		var x local.Local[int] // a Python local attribute is a local.Local
		f1 := func() {
			x.Set(1)
			v, _ := x.Value()
			P(v)
		}
		f2 := func() {
			if v, err := x.Value(); errors.Is(err, local.ErrNotSet) {
				P("x is not visible")
			} else {
				P(v)
			}
		}
		_, err := gevent.JoinAll([]greenlet{gevent.Go(f1), gevent.Go(f2)})
		return err
	},
}, {
	Name:  "seed_local_stash",
	Seeds: "seeds 001 and 002",
	Title: "stash.x in f1, stash.y in f2: x is not local to f2",
	Run: func(Timing) error {
		var x, y local.Local[int]
		f1 := func() {
			x.Set(1)
			v, _ := x.Get()
			P(v)
		}
		f2 := func() {
			y.Set(2)
			v, _ := y.Get()
			P(v)
			if _, ok := x.Get(); !ok {
				P("x is not local to f2")
			}
		}
		_, err := gevent.JoinAll([]greenlet{gevent.Go(f1), gevent.Go(f2)})
		return err
	},
}, {
	Name:  "seed_pool_determinism",
	Seeds: "seeds 001 and 003",
	Title: "four runs of Pool(10).imap_unordered give the same order",
	Run: func(Timing) error {
		echo := func(i int) (int, error) {
			time.Sleep(time.Millisecond) // blocks the hub, as time.sleep does under gevent
			return i, nil
		}
		p := pool.MustPool(10)
		var runs [4][]int
		for k := range runs {
			for v, err := range pool.IMapUnordered(p, echo, slices.Values([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})) {
				if err != nil {
					return err
				}
				runs[k] = append(runs[k], v)
			}
		}
		P(slices.Equal(runs[0], runs[1]) && slices.Equal(runs[1], runs[2]) && slices.Equal(runs[2], runs[3]))
		P(runs[0])
		return nil
	},
}, {
	Name:  "seed_actors",
	Seeds: "seed 001",
	Title: "Actor: a Greenlet subclass with a Queue inbox; Pinger and Ponger (three messages each)",
	Run: func(Timing) error {
		var ping, pong *actor
		ping = newActor(func(m string) { P(m); pong.inbox.Put("ping"); gevent.Sleep(0) })
		pong = newActor(func(m string) { P(m); ping.inbox.Put("pong"); gevent.Sleep(0) })
		ping.Start()
		pong.Start()
		ping.inbox.Put("start")
		if _, err := gevent.JoinAll([]gevent.AnyGreenlet{ping, pong}); err != nil {
			return err
		}
		P(ping.inbox.Len(), pong.inbox.Len())
		return nil
	},
}, {
	Name:  "seed_subprocess",
	Seeds: "seeds 001 and 002",
	Title: "a cron greenlet keeps printing while a child runs (how many crons is timing)",
	Run: func(t Timing) error {
		g := gevent.Go(func() {
			for {
				P("cron")
				if gevent.Sleep(t.Wait(time.Second, 200*ms)) != nil {
					return
				}
			}
		})
		child := fmt.Sprintf("sleep %g; uname", t.Wait(2500*ms, 500*ms).Seconds())
		sub, err := subprocess.Start([]string{child}, subprocess.Options{Stdout: subprocess.PIPE, Shell: true})
		if err != nil {
			return err
		}
		out, _, err := sub.Communicate(nil)
		if err != nil {
			return err
		}
		g.Kill(nil, true)
		P(strings.TrimRight(string(out), "\n"))
		return nil
	},
}, {
	Name:  "seed_signal",
	Seeds: "seed 001",
	Title: "a signal handler stops a long-running greenlet (the program sends itself the signals)",
	Run: func(t Timing) error {
		usr := gsignal.Handle(syscall.SIGUSR1, func() { P("got SIGUSR1") })
		defer usr.Cancel()
		thread := gevent.Go(func() { gevent.Sleep(1000 * time.Second) })
		quit := gsignal.Handle(syscall.SIGQUIT, func() {
			P("shutting down")
			thread.Kill(nil, false)
		})
		defer quit.Cancel()
		kill := func(sig syscall.Signal) func() error {
			return func() error { return syscall.Kill(os.Getpid(), sig) }
		}
		gevent.GoErrLater(50*ms, kill(syscall.SIGUSR1))
		gevent.GoErrLater(t.Wait(500*ms, 100*ms), kill(syscall.SIGQUIT))
		if err := thread.Join(); err != nil {
			return err
		}
		P("dead:", thread.Dead())
		return nil
	},
}}

// eventSeed is the Event program of seeds 000, 001 and 004: a setter sets
// an Event after a sleep, and the waiters wake.
func eventSeed(setterFirst, done, waitMsg, doneMsg string, waiters int) func(Timing) error {
	return func(Timing) error {
		var evt event.Event
		setter := func() {
			P(setterFirst)
			gevent.Sleep(30 * ms)
			P(done)
			evt.Set()
		}
		waiter := func() {
			P(waitMsg)
			evt.Wait()
			P(doneMsg)
		}
		gs := []greenlet{gevent.Go(setter)}
		for range waiters {
			gs = append(gs, gevent.Go(waiter))
		}
		_, err := gevent.JoinAll(gs)
		return err
	}
}

// actor is the seed's Actor: a Greenlet subclass with a Queue inbox. The
// seed's actors run forever; these stop after three messages, as the
// Python program in conformance/testdata does.
type actor struct {
	gevent.Greenlet[struct{}]
	inbox   *queue.Queue[string]
	receive func(string)
}

func newActor(receive func(string)) *actor {
	a := &actor{inbox: queue.NewQueue[string](0), receive: receive}
	a.Init(func() (struct{}, error) {
		for count := 0; count < 3; count++ {
			m, err := a.inbox.Get()
			if err != nil {
				return struct{}{}, err
			}
			a.receive(m)
		}
		return struct{}{}, nil
	})
	return a
}
