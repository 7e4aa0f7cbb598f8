package main

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

// The tutorials' programs about events, queues, groups and pools, locks,
// greenlet-local data, actors, subprocesses and signals.

func addPackages() {
	add("seed_event", "an Event wakes five waiters", eventSeed("Wait for me", "Ok, I'm done",
		"I'll wait for you", "Finish waiting", 5))
	add("seed_event_001", "an Event setter and three waiters", eventSeed("A: Hey wait for me, I have to do something",
		"Ok, I'm done", "I'll wait for you", "It's about time", 3))

	add("seed_asyncresult", "an AsyncResult passes a message to five waiters", func() error {
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
		gs := []G{gevent.Go(setter)}
		for range 5 {
			gs = append(gs, gevent.Go(waiter))
		}
		_, err := gevent.JoinAll(gs)
		return err
	})

	add("seed_asyncresult_001", "an AsyncResult set after a sleep; an empty set() wakes 'I live!'", func() error {
		a := event.NewAsyncResult[string]()
		if _, err := gevent.JoinAll([]G{
			gevent.Go(func() { gevent.Sleep(30 * ms); a.Set("Hello!") }),
			gevent.Go(func() { v, _ := a.Get(); P(v) }),
		}); err != nil {
			return err
		}
		b := event.NewAsyncResult[struct{}]()
		_, err := gevent.JoinAll([]G{
			gevent.Go(func() { gevent.Sleep(30 * ms); b.Set(struct{}{}) }),
			gevent.Go(func() { b.Get(); P("I live!") }),
		})
		return err
	})

	add("seed_queue_products", "a producer fills a Queue, three consumers empty it", func() error {
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
		_, err := gevent.JoinAll([]G{gevent.Go(producer), gevent.Go(consumer("steve")),
			gevent.Go(consumer("john")), gevent.Go(consumer("nancy"))})
		return err
	})

	add("seed_queue_tasks", "the boss puts 24 tasks with put_nowait, three workers take them", func() error {
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
		_, err := gevent.JoinAll([]G{gevent.Go(worker("steve")), gevent.Go(worker("john")), gevent.Go(worker("nancy"))})
		return err
	})

	add("seed_queue_maxsize", "Queue(maxsize=3): the boss blocks in put, workers quit on Empty", func() error {
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
		_, err := gevent.JoinAll([]G{gevent.GoErr(boss), gevent.GoErr(worker("steve")),
			gevent.GoErr(worker("john")), gevent.GoErr(worker("bob"))})
		return err
	})

	add("seed_group", "Group add/join, Group.map, imap, imap_unordered, Pool(2).map", func() error {
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
			err := gevent.Sleep(time.Duration(300-100*n) * ms)
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
	})

	add("seed_pool_semaphore", "BoundedSemaphore(2): Pool().map of worker1 (acquire/release), then of worker2 (with sem:)", func() error {
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
	})

	add("seed_semaphore", "BoundedSemaphore(2) shared by six workers", func() error {
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
		var gs []G
		for i := range 6 {
			gs = append(gs, gevent.Go(worker(i)))
		}
		_, err := gevent.JoinAll(gs)
		return err
	})

	add("seed_semaphore_004", "BoundedSemaphore(2), six workers sleeping while they hold it", func() error {
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
		var gs []G
		for i := range 6 {
			gs = append(gs, gevent.Go(worker(i)))
		}
		_, err := gevent.JoinAll(gs)
		return err
	})

	add("seed_local", "greenlet-local data: f1's data.x is not visible in f2", func() error {
		var x local.Local[int]
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
		_, err := gevent.JoinAll([]G{gevent.Go(f1), gevent.Go(f2)})
		return err
	})

	add("seed_local_stash", "stash.x in f1, stash.y in f2: x is not local to f2", func() error {
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
		_, err := gevent.JoinAll([]G{gevent.Go(f1), gevent.Go(f2)})
		return err
	})

	add("seed_pool_determinism", "four runs of Pool(10).imap_unordered give the same order", func() error {
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
	})

	add("seed_actors", "Actor: a Greenlet subclass with a Queue inbox; Pinger and Ponger (three messages each)", func() error {
		var ping, pong *seedActor
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
	})

	addVarying("seed_subprocess", "a cron greenlet keeps printing while a child runs (how many crons is timing)",
		`(?m)^cron\n`, func() error {
			g := gevent.Go(func() {
				for {
					P("cron")
					if gevent.Sleep(200*ms) != nil {
						return
					}
				}
			})
			sub, err := subprocess.Start([]string{"sleep 0.5; uname"}, subprocess.Options{Stdout: subprocess.PIPE, Shell: true})
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
		})

	add("seed_signal", "a signal handler stops a long-running greenlet (the program sends itself the signals)", func() error {
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
		gevent.GoErrLater(100*ms, kill(syscall.SIGQUIT))
		if err := thread.Join(); err != nil {
			return err
		}
		P("dead:", thread.Dead())
		return nil
	})
}

func eventSeed(setterFirst, done, waitMsg, doneMsg string, waiters int) func() error {
	return func() error {
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
		gs := []G{gevent.Go(setter)}
		for range waiters {
			gs = append(gs, gevent.Go(waiter))
		}
		_, err := gevent.JoinAll(gs)
		return err
	}
}

// seedActor is the tutorials' Actor: a Greenlet subclass with a Queue inbox.
// The seed's actors run forever; these stop after three messages, as the
// Python original in conformance/testdata does.
type seedActor struct {
	gevent.Greenlet[struct{}]
	inbox   *queue.Queue[string]
	receive func(string)
}

func newActor(receive func(string)) *seedActor {
	a := &seedActor{inbox: queue.NewQueue[string](0), receive: receive}
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
