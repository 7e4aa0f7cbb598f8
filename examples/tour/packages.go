package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/actor"
	"github.com/gevent-go/gevent/event"
	"github.com/gevent-go/gevent/local"
	"github.com/gevent-go/gevent/lock"
	"github.com/gevent-go/gevent/pool"
	"github.com/gevent-go/gevent/queue"
	"github.com/gevent-go/gevent/server"
	"github.com/gevent-go/gevent/socket"
	"github.com/gevent-go/gevent/threadpool"
)

func init() {
	add("event: five waiters woken by one Set", func() {
		var evt event.Event
		setter := func() {
			fmt.Println("Wait for me")
			gevent.Sleep(30 * time.Millisecond)
			fmt.Println("Ok, I'm done")
			evt.Set()
		}
		waiter := func() {
			fmt.Println("I'll wait for you")
			evt.Wait()
			fmt.Println("Finish waiting")
		}
		gs := []*gevent.Greenlet[struct{}]{gevent.Go(setter)}
		for range 5 {
			gs = append(gs, gevent.Go(waiter))
		}
		gevent.JoinAll(gs)
	})
	add("AsyncResult: a value handed from one greenlet to another", func() {
		var a event.AsyncResult[string]
		setter := gevent.Go(func() { gevent.Sleep(30 * time.Millisecond); a.Set("Hello!") })
		waiter := gevent.Go(func() { v, _ := a.Get(); fmt.Println("Got wake up message:", v) })
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{setter, waiter})
	})
	add("queue: Queue(maxsize=3), a boss and three workers, Get with a timeout", func() {
		tasks := queue.NewQueue[int](3)
		worker := func(n string) {
			for {
				task, err := tasks.Get(50 * time.Millisecond)
				if errors.Is(err, queue.ErrEmpty) {
					fmt.Println("Quitting time!")
					return
				}
				fmt.Printf("Worker %s got task %d\n", n, task)
				gevent.Sleep(0)
			}
		}
		boss := func() {
			for i := 1; i < 10; i++ {
				tasks.Put(i)
			}
			fmt.Println("Assigned all work in iteration 1")
			for i := 10; i < 20; i++ {
				tasks.Put(i)
			}
			fmt.Println("Assigned all work in iteration 2")
		}
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{gevent.Go(boss),
			gevent.Go(func() { worker("steve") }), gevent.Go(func() { worker("john") }), gevent.Go(func() { worker("bob") })})
	})
	add("lock: BoundedSemaphore(2) and six workers", func() {
		sem := lock.NewBoundedSemaphore(2)
		var gs []*gevent.Greenlet[struct{}]
		for i := range 6 {
			gs = append(gs, gevent.Go(func() {
				sem.Acquire()
				fmt.Printf("Worker %d acquired semaphore\n", i)
				gevent.Sleep(0)
				sem.Release()
				fmt.Printf("Worker %d released semaphore\n", i)
			}))
		}
		gevent.JoinAll(gs)
	})
	add("local: greenlet-local storage", func() {
		var x local.Local[int]
		f1 := func() { x.Set(1); v, _ := x.Value(); fmt.Println(v) }
		f2 := func() {
			if _, err := x.Value(); errors.Is(err, local.ErrNotSet) {
				fmt.Println("x is not visible")
			}
		}
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{gevent.Go(f1), gevent.Go(f2)})
	})
	add("pool: Group.IMap (ordered), IMapUnordered (completion order), Pool(2).Map", func() {
		intensive := func(n int) (string, error) {
			return fmt.Sprintf("('task', %d)", n), gevent.Sleep(time.Duration(3-n) * 10 * time.Millisecond)
		}
		fmt.Println("Ordered")
		for v := range pool.IMap(&pool.Group{}, intensive, slices.Values([]int{0, 1, 2})) {
			fmt.Println(v)
		}
		fmt.Println("Unordered")
		for v := range pool.IMapUnordered(&pool.Group{}, intensive, slices.Values([]int{0, 1, 2})) {
			fmt.Println(v)
		}
		p := pool.MustPool(2)
		pool.Map(p, func(int) (struct{}, error) { fmt.Println("Size of pool", p.Len()); return struct{}{}, nil },
			slices.Values([]int{0, 1, 2}))
	})
	add("pool: the determinism demo (four runs of IMapUnordered over Pool(10))", func() {
		echo := func(i int) (int, error) { return i, gevent.Sleep(time.Millisecond) }
		p := pool.MustPool(10)
		var runs [4][]int
		for k := range runs {
			for v := range pool.IMapUnordered(p, echo, slices.Values([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})) {
				runs[k] = append(runs[k], v)
			}
		}
		fmt.Println(slices.Equal(runs[0], runs[1]) && slices.Equal(runs[1], runs[2]) && slices.Equal(runs[2], runs[3]), runs[0])
	})
	add("actor: Pinger and Ponger (stopped after six messages)", func() {
		count := 0
		var ping, pong *actor.Actor[string]
		receive := func(reply func() *actor.Actor[string], answer string) func(string) error {
			return func(message string) error {
				fmt.Println(message)
				if count++; count >= 6 {
					ping.Stop()
					pong.Stop()
					return actor.ErrStop
				}
				reply().Send(answer)
				return gevent.Sleep(0)
			}
		}
		ping = actor.New(receive(func() *actor.Actor[string] { return pong }, "ping"))
		pong = actor.New(receive(func() *actor.Actor[string] { return ping }, "pong"))
		ping.Start()
		pong.Start()
		ping.Send("start")
		gevent.JoinAll([]gevent.AnyGreenlet{ping, pong})
	})
	add("server: the simple server (telnet hello + 0..4), read by a cooperative client", func() {
		srv := server.NewStreamServer("127.0.0.1:0", func(conn net.Conn, _ net.Addr) {
			io.WriteString(conn, "Hello from a telnet!\n")
			for i := range 5 {
				fmt.Fprintf(conn, "%d\n", i)
			}
		})
		if err := srv.Start(); err != nil {
			fmt.Println(err)
			return
		}
		defer srv.Stop()
		c, err := socket.Dial("tcp", srv.ListenAddr().String())
		if err != nil {
			fmt.Println(err)
			return
		}
		defer c.Close()
		out, _ := io.ReadAll(c)
		fmt.Print(string(out))
	})
	add("threadpool: blocking work off the hub while a greenlet keeps ticking", func() {
		ticks := 0
		ticker := gevent.Go(func() {
			for gevent.Sleep(10*time.Millisecond) == nil {
				ticks++
			}
		})
		v, err := threadpool.Apply(nil, func() (string, error) {
			time.Sleep(100 * time.Millisecond) // blocks an OS thread, not the hub
			return "done", nil
		})
		ticker.Kill(nil, true)
		fmt.Printf("%s %v; the ticker ran %d times meanwhile\n", v, err, ticks)
	})
}
