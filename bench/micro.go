package main

import (
	"iter"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
)

// workload is one micro benchmark: fn(n) performs n ops.
type workload struct {
	name      string
	geventgo  func(n int) error // in a fresh hub
	py        string            // key of gevent_bench.py's WORKLOADS
	plain     func(n int) error
	plainWhat string
	note      string
	// off, if set, is geventgo without the feature the row measures (the
	// blocking monitor): both are measured in turn, off and on
	// alternately, and the note gives off's figure and the difference.
	off func(n int) error
}

type G = *gevent.Greenlet[struct{}]

// inHub runs fn as the main greenlet of a fresh hub.
func inHub(fn func(n int) error) func(n int) error {
	return func(n int) error { return gevent.Run(func() error { return fn(n) }) }
}

const fanout = 100

// withMonitor runs fn(n) as the main greenlet of a fresh hub, with the
// blocking monitor on (default configuration: its watchdog wakes every
// 25 ms) or off.
func withMonitor(on bool, fn func(n int) error) func(n int) error {
	return func(n int) error {
		h, err := gevent.NewHub()
		if err != nil {
			return err
		}
		if on {
			h.StartMonitor(gevent.MonitorConfig{})
		}
		return h.Run(func() error { return fn(n) })
	}
}

// sleep0Switch: two greenlets alternate n switches with Sleep(0).
func sleep0Switch(n int) error {
	w := func() error {
		for range n / 2 {
			if err := gevent.Sleep(0); err != nil {
				return err
			}
		}
		return nil
	}
	_, err := gevent.JoinAll([]G{gevent.GoErr(w), gevent.GoErr(w)})
	return err
}

// spawnJoin: n times, spawn a trivial greenlet and join it.
func spawnJoin(n int) error {
	for range n {
		if err := gevent.Spawn(func() (int, error) { return 1, nil }).Join(); err != nil {
			return err
		}
	}
	return nil
}

func micro() []workload {
	ws := []workload{
		{
			name:      "switch: Sleep(0) between 2 greenlets, per switch",
			geventgo:  inHub(sleep0Switch),
			py:        "switch",
			plain:     chanSwitch,
			plainWhat: "unbuffered channel ping-pong, per hand-off",
		},
		{
			name:     "switch: Sleep(0) between 2 greenlets, blocking monitor on",
			geventgo: withMonitor(true, sleep0Switch),
			off:      withMonitor(false, sleep0Switch),
			note:     "cost of Hub.StartMonitor, default threshold",
		},
		{
			name:      "switch (coroutine floor)",
			geventgo:  nil,
			py:        "",
			plain:     pullSwitch,
			plainWhat: "iter.Pull next(), per switch (2 per next)",
			note:      "anchor",
		},
		{
			name:     "spawn + join",
			geventgo: inHub(spawnJoin),
			py:       "spawn_join",
			plain: func(n int) error {
				done := make(chan int, 1)
				for range n {
					go func() { done <- 1 }()
					<-done
				}
				return nil
			},
			plainWhat: "go f() + channel reply",
		},
		{
			name:     "spawn + join, blocking monitor on",
			geventgo: withMonitor(true, spawnJoin),
			off:      withMonitor(false, spawnJoin),
			note:     "cost of Hub.StartMonitor, default threshold",
		},
		{
			name: "spawn n + joinall, per greenlet",
			geventgo: inHub(func(n int) error {
				gs := make([]*gevent.Greenlet[int], n)
				for i := range gs {
					gs[i] = gevent.Spawn(func() (int, error) { return 1, nil })
				}
				_, err := gevent.JoinAll(gs)
				return err
			}),
			py: "spawn_many",
			plain: func(n int) error {
				var g errgroup.Group
				for range n {
					g.Go(func() error { return nil })
				}
				return g.Wait()
			},
			plainWhat: "errgroup.Go n + Wait",
		},
		{
			name:      "queue put/get round trip between 2 greenlets",
			py:        "queue_pingpong",
			plain:     chanRoundTrip,
			plainWhat: "2 unbuffered channels, round trip",
		},
		{
			name:      "channel hand-off (unbuffered), per item",
			py:        "channel_handoff",
			plain:     chanHandoff,
			plainWhat: "unbuffered channel send/receive",
		},
		{
			name: "event fan-out: 100 waiters, set, joinall; per waiter",
			geventgo: inHub(func(n int) error {
				for range max(1, n/fanout) {
					var e event.Event
					gs := make([]*gevent.Greenlet[bool], fanout)
					for i := range gs {
						gs[i] = gevent.Spawn(func() (bool, error) { return e.Wait() })
					}
					if err := gevent.Sleep(0); err != nil {
						return err
					}
					e.Set()
					if _, err := gevent.JoinAll(gs); err != nil {
						return err
					}
				}
				return nil
			}),
			py: "event_fanout",
			plain: func(n int) error {
				for range max(1, n/fanout) {
					ch := make(chan struct{})
					var wg sync.WaitGroup
					for range fanout {
						wg.Go(func() { <-ch })
					}
					close(ch)
					wg.Wait()
				}
				return nil
			},
			plainWhat: "100 goroutines wait on close(chan), WaitGroup",
		},
		{
			name:      "pool(100).imap_unordered, per item",
			py:        "pool_imap_unordered",
			plain:     workerPool,
			plainWhat: "100 worker goroutines, in/out channels",
		},
		{
			name: "timer: arm + cancel a Timeout",
			geventgo: inHub(func(n int) error {
				for range n {
					t := gevent.NewTimeout(time.Second, nil)
					if err := t.Start(); err != nil {
						return err
					}
					t.Cancel()
				}
				return nil
			}),
			py: "timer_arm_cancel",
			plain: func(n int) error {
				for range n {
					time.AfterFunc(time.Second, func() {}).Stop()
				}
				return nil
			},
			plainWhat: "time.AfterFunc + Stop",
		},
		{
			name: "timer: n greenlets Sleep(1ms) + joinall, per greenlet",
			geventgo: inHub(func(n int) error {
				gs := make([]G, n)
				for i := range gs {
					gs[i] = gevent.GoErr(func() error { return gevent.Sleep(time.Millisecond) })
				}
				_, err := gevent.JoinAll(gs)
				return err
			}),
			py: "timer_fire",
			plain: func(n int) error {
				var wg sync.WaitGroup
				for range n {
					wg.Go(func() { time.Sleep(time.Millisecond) })
				}
				wg.Wait()
				return nil
			},
			plainWhat: "n goroutines time.Sleep(1ms), WaitGroup",
		},
	}
	for i := range ws {
		if g := packageWorkloads[ws[i].py]; g != nil {
			ws[i].geventgo = inHub(g)
		} else if ws[i].geventgo == nil && ws[i].py != "" {
			ws[i].note = "not yet: its package has not landed"
		}
	}
	return ws
}

// packageWorkloads holds the gevent-go side of the workloads that need a
// sibling package (queue, pool), keyed like the Python workloads; filled
// in by the files that import those packages.
var packageWorkloads = map[string]func(n int) error{}

func chanSwitch(n int) error {
	a, b := make(chan int), make(chan int)
	go func() {
		for v := range a {
			b <- v
		}
		close(b)
	}()
	for i := range n / 2 {
		a <- i
		<-b
	}
	close(a)
	return nil
}

func pullSwitch(n int) error {
	next, stop := iter.Pull(func(yield func(int) bool) {
		for i := 0; yield(i); i++ {
		}
	})
	defer stop()
	for range n / 2 {
		next()
	}
	return nil
}

func chanRoundTrip(n int) error {
	q, r := make(chan int), make(chan int)
	go func() {
		for range n {
			r <- <-q
		}
	}()
	for i := range n {
		q <- i
		<-r
	}
	return nil
}

func chanHandoff(n int) error {
	c := make(chan int)
	done := make(chan struct{})
	go func() {
		for range n {
			<-c
		}
		close(done)
	}()
	for i := range n {
		c <- i
	}
	<-done
	return nil
}

func workerPool(n int) error {
	in, out := make(chan int), make(chan int)
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			for v := range in {
				out <- v
			}
		})
	}
	go func() {
		for i := range n {
			in <- i
		}
		close(in)
		wg.Wait()
		close(out)
	}()
	for range out {
	}
	return nil
}
