package conformance

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/lock"
	"github.com/gevent-go/gevent/pool"
	gsignal "github.com/gevent-go/gevent/signal"
	"github.com/gevent-go/gevent/subprocess"
)

// intList formats a list of ints as Python prints it.
func intList(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func init() {
	register("seed_group", func() error {
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
		P(intList(res))
		intensive := func(n int) (string, error) {
			err := gevent.Sleep(time.Duration(600-200*n) * ms)
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

	register("seed_pool_semaphore", func() error {
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

	register("seed_pool_determinism", func() error {
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
		P(intList(runs[0]))
		return nil
	})

	register("pool_full_free_count", func() error {
		p := pool.MustPool(2)
		P(p.FreeCount(), p.Full(), p.Len())
		sleeper := func() (struct{}, error) { return struct{}{}, gevent.Sleep(300 * ms) }
		pool.Spawn(p, sleeper)
		pool.Spawn(p, sleeper)
		P(p.FreeCount(), p.Full(), p.Len())
		if err := p.Add(gevent.Go(func() { gevent.Sleep(0) }), 0); errors.Is(err, pool.ErrPoolFull) {
			P("PoolFull")
		}
		n, _ := p.WaitAvailable(time.Millisecond)
		P(n)
		n, err := p.WaitAvailable()
		if err != nil {
			return err
		}
		P(n)
		P(p.FreeCount(), p.Len())
		if err := p.Join(); err != nil {
			return err
		}
		P(p.FreeCount(), p.Full(), p.Len())
		return nil
	})

	register("pool_imap_error", func() error {
		f := func(x int) (int, error) {
			if err := gevent.Sleep(time.Duration(5-x) * ms); err != nil {
				return 0, err
			}
			if x == 3 {
				return 0, fmt.Errorf("bad %d", x)
			}
			return x * 10, nil
		}
		var got []int
		for v, err := range pool.IMap(pool.MustPool(3), f, slices.Values([]int{0, 1, 2, 3, 4, 5})) {
			if err != nil {
				P("raised", err.Error())
				break
			}
			got = append(got, v)
		}
		P(intList(got))
		return nil
	})

	register("pool_map_error", func() error {
		p := pool.MustPool(2)
		delay := map[int]time.Duration{0: 300 * ms, 1: 100 * ms, 2: 50 * ms, 3: 250 * ms, 4: 50 * ms}
		work := func(i int) (int, error) {
			P("start", i)
			if err := gevent.Sleep(delay[i]); err != nil {
				return 0, err
			}
			if i == 1 {
				return 0, fmt.Errorf("item %d failed", i)
			}
			P("end", i)
			return i * 10, nil
		}
		res, err := pool.Map(p, work, slices.Values([]int{0, 1, 2, 3, 4}))
		if err != nil {
			P("raised", err.Error(), "- pool len", p.Len())
		} else {
			P(intList(res))
		}
		if err := p.Join(); err != nil {
			return err
		}
		P("joined - pool len", p.Len())
		res, err = pool.Map(p, work, slices.Values([]int{0, 2}))
		if err != nil {
			return err
		}
		P(intList(res))
		return nil
	})

	register("seed_subprocess", func() error {
		g := gevent.Go(func() {
			for {
				P("cron")
				if gevent.Sleep(time.Second) != nil {
					return
				}
			}
		})
		sub, err := subprocess.Start([]string{"sleep 2.5; uname"}, subprocess.Options{Stdout: subprocess.PIPE, Shell: true})
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

	register("seed_signal", func() error {
		usr := gsignal.Handle(syscall.SIGUSR1, func() { P("got SIGUSR1") })
		defer usr.Cancel()
		thread := gevent.Go(func() { gevent.Sleep(1000 * time.Second) })
		quit := gsignal.Handle(syscall.SIGQUIT, func() {
			P("shutting down")
			thread.Kill(nil, false)
		})
		defer quit.Cancel()
		kill := func(sig syscall.Signal) func() (struct{}, error) {
			return func() (struct{}, error) { return struct{}{}, syscall.Kill(os.Getpid(), sig) }
		}
		gevent.SpawnLater(50*ms, kill(syscall.SIGUSR1))
		gevent.SpawnLater(500*ms, kill(syscall.SIGQUIT))
		if err := thread.Join(); err != nil {
			return err
		}
		P("dead:", thread.Dead())
		return nil
	})
}
