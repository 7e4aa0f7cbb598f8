package conformance

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gevent-go/gevent"
)

// The seed programs that need only the core (greenlets, sleep, timeouts).

const ms = time.Millisecond

type G = *gevent.Greenlet[struct{}]

func init() {
	register("seed_basic", func() error {
		test1 := func() {
			P(12)
			gevent.Sleep(0)
			P(34)
		}
		test2 := func() {
			P(56)
			gevent.Sleep(0)
			P(78)
		}
		_, err := gevent.JoinAll([]G{gevent.Go(test1), gevent.Go(test2)})
		return err
	})

	register("seed_context_switch", func() error {
		foo := func() {
			P("Running in foo")
			gevent.Sleep(0)
			P("Explicit context switch to foo again")
		}
		bar := func() {
			P("Explicit context to bar")
			gevent.Sleep(0)
			P("Implicit context switch back to bar")
		}
		_, err := gevent.JoinAll([]G{gevent.Go(foo), gevent.Go(bar)})
		return err
	})

	register("seed_select_poll", func() error {
		start := gevent.Now()
		tic := func() string { return fmt.Sprintf("at %1.1f seconds", gevent.Since(start).Seconds()) }
		gr1 := func() {
			Pf("Started Polling: %s", tic())
			gevent.Sleep(500 * ms)
			Pf("Ended Polling: %s", tic())
		}
		gr2 := func() {
			Pf("Started Polling: %s", tic())
			gevent.Sleep(time.Second)
			Pf("Ended Polling: %s", tic())
		}
		gr3 := func() {
			Pf("Hey lets do some stuff while the greenlets poll, %s", tic())
			gevent.Sleep(500 * ms)
		}
		_, err := gevent.JoinAll([]G{gevent.Go(gr1), gevent.Go(gr2), gevent.Go(gr3)})
		return err
	})

	register("seed_sync_async", func() error {
		delays := []time.Duration{450 * ms, 0, 300 * ms, 150 * ms, 0}
		task := func(pid int) {
			gevent.Sleep(delays[pid])
			Pf("Task %d done", pid)
		}
		P("Synchronous:")
		for i := range 5 {
			task(i)
		}
		P("Asynchronous:")
		var threads []G
		for i := range 5 {
			threads = append(threads, gevent.Go(func() { task(i) }))
		}
		_, err := gevent.JoinAll(threads)
		return err
	})

	register("seed_create_greenlets", func() error {
		foo := func(message string, n time.Duration) func() {
			return func() {
				gevent.Sleep(n)
				P(message)
			}
		}
		thread1 := gevent.Go(foo("Hello", 100*ms))
		thread2 := gevent.Go(foo("I live!", 400*ms))
		thread3 := gevent.Spawn(func() (int, error) { x := 2; return x + 1, nil })
		_, err := gevent.JoinAll([]gevent.AnyGreenlet{thread1, thread2, thread3})
		P(thread3.Value())
		return err
	})

	register("seed_subclass", func() error {
		g := newMyGreenlet("Hi there!", 30*ms)
		g.Start()
		return g.Join()
	})

	register("seed_status", func() error {
		win := func() (string, error) { return "You win!", nil }
		fail := func() (string, error) { return "", errors.New("You failed!") }
		winner := gevent.Spawn(win)
		loser := gevent.Spawn(fail)
		P(winner.Started())
		P(loser.Started())
		if _, err := gevent.JoinAll([]*gevent.Greenlet[string]{winner, loser}); err != nil {
			P("This will never be reached")
		}
		P(winner.Ready())
		P(loser.Ready())
		P(pyStr(winner))
		P(pyStr(loser))
		P(winner.Successful())
		P(loser.Successful())
		P(loser.Err())
		return nil
	})

	register("seed_status_004", func() error {
		win := func() (string, error) { return "You Win", nil }
		fail := func() (string, error) { return "", errors.New("You Fail") }
		winner := gevent.Spawn(win)
		loser := gevent.Spawn(fail)
		P("winner.started =", winner.Started())
		P("loser.started =", loser.Started())
		if _, err := gevent.JoinAll([]*gevent.Greenlet[string]{winner, loser}); err != nil {
			P(err)
		}
		P("winner.ready() =", winner.Ready())
		P("loser.ready() =", loser.Ready())
		P("winner.value =", pyStr(winner))
		P("loser.value =", pyStr(loser))
		P("winner.successful() =", winner.Successful())
		P("loser.successful() =", loser.Successful())
		P("loser.exception =", loser.Err())
		if v, err := loser.Get(); err != nil {
			P("exception from loser")
		} else {
			P(v)
		}
		return nil
	})

	register("seed_timeout", func() error {
		timeout := gevent.NewTimeout(20*ms, nil)
		timeout.Start()
		wait := func() { gevent.Sleep(10 * time.Second) }
		if err := gevent.Go(wait).Join(); errors.Is(err, gevent.ErrTimeout) {
			fmt.Fprintln(os.Stderr, "Traceback: ", err)
			P("Could not complete")
		}
		return nil
	})

	register("seed_timeout_with", func() error {
		err := gevent.NewTimeout(10*ms, nil).Run(func() error {
			return gevent.Sleep(10 * time.Second)
		})
		if err != nil {
			return err
		}
		P("not reached")
		return nil
	})

	register("seed_timeout_toolong", func() error {
		tooLong := errors.New("TooLong")
		P("start")
		err := gevent.NewTimeout(10*ms, tooLong).Run(func() error {
			return gevent.Sleep(10 * time.Second)
		})
		if errors.Is(err, tooLong) {
			P("TooLong raised")
		}
		return nil
	})

	register("seed_timeout_args", func() error {
		wait := func() (struct{}, error) { return struct{}{}, gevent.Sleep(500 * ms) }

		timer := gevent.NewTimeout(50*ms, nil)
		timer.Start()
		thread1 := gevent.Spawn(wait)
		if err := thread1.Join(); errors.Is(err, gevent.ErrTimeout) {
			P("Thread 1 timed out")
		}

		timer = gevent.StartNewTimeout(50*ms, nil)
		thread2 := gevent.Spawn(wait)
		if _, err := thread2.Get(); errors.Is(err, gevent.ErrTimeout) {
			P("Thread 2 timed out")
		}

		if _, err := gevent.WithTimeout(50*ms, wait); errors.Is(err, gevent.ErrTimeout) {
			P("Thread 3 timed out")
		}
		return nil
	})
}

// pyStr is a string greenlet's value as Python prints it (None until it
// finished successfully).
func pyStr(g *gevent.Greenlet[string]) any {
	if !g.Successful() {
		return none
	}
	return g.Value()
}

// myGreenlet is the seeds' Greenlet subclass overriding _run.
type myGreenlet struct {
	gevent.Greenlet[struct{}]
	message string
	n       time.Duration
}

func newMyGreenlet(message string, n time.Duration) *myGreenlet {
	g := &myGreenlet{message: message, n: n}
	g.Init(g.run)
	return g
}

func (g *myGreenlet) run() (struct{}, error) {
	P(g.message)
	return struct{}{}, gevent.Sleep(g.n)
}
