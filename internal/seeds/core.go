package seeds

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gevent-go/gevent"
)

// The programs about greenlets and timeouts.

// greenlet is the type of a greenlet spawned by gevent.Go.
type greenlet = *gevent.Greenlet[struct{}]

var core = []Program{{
	Name:  "seed_basic",
	Seeds: "seed 000",
	Title: "test1 and test2 switch at gevent.sleep(0)",
	Run: func(Timing) error {
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
		_, err := gevent.JoinAll([]greenlet{gevent.Go(test1), gevent.Go(test2)})
		return err
	},
}, {
	Name:  "seed_context_switch",
	Seeds: "seeds 001 and 003",
	Title: "explicit context switches between foo and bar",
	Run: func(Timing) error {
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
		_, err := gevent.JoinAll([]greenlet{gevent.Go(foo), gevent.Go(bar)})
		return err
	},
}, {
	Name:  "seed_select_poll",
	Seeds: "seed 001",
	Title: "three greenlets, two of them polling (times rounded to 0.1 s)",
	Run: func(t Timing) error {
		start := gevent.Now()
		tic := func() string { return fmt.Sprintf("at %1.1f seconds", gevent.Since(start).Seconds()) }
		gr1 := func() {
			Pf("Started Polling: %s", tic())
			gevent.Sleep(t.Wait(500*ms, 200*ms))
			Pf("Ended Polling: %s", tic())
		}
		gr2 := func() {
			Pf("Started Polling: %s", tic())
			gevent.Sleep(t.Wait(time.Second, 400*ms))
			Pf("Ended Polling: %s", tic())
		}
		gr3 := func() {
			Pf("Hey lets do some stuff while the greenlets poll, %s", tic())
			gevent.Sleep(t.Wait(500*ms, 200*ms))
		}
		_, err := gevent.JoinAll([]greenlet{gevent.Go(gr1), gevent.Go(gr2), gevent.Go(gr3)})
		return err
	},
}, {
	Name:  "seed_sync_async",
	Seeds: "seed 001",
	Title: "synchronous vs asynchronous tasks (a fixed draw of the random delays)",
	Run: func(t Timing) error {
		delays := []time.Duration{t.Wait(450*ms, 30*ms), 0, t.Wait(300*ms, 20*ms), t.Wait(150*ms, 10*ms), 0}
		task := func(pid int) {
			gevent.Sleep(delays[pid])
			Pf("Task %d done", pid)
		}
		P("Synchronous:")
		for i := range 5 {
			task(i)
		}
		P("Asynchronous:")
		var threads []greenlet
		for i := range 5 {
			threads = append(threads, gevent.Go(func() { task(i) }))
		}
		_, err := gevent.JoinAll(threads)
		return err
	},
}, {
	Name:  "seed_create_greenlets",
	Seeds: "seeds 001 and 003",
	Title: "Greenlet.spawn, gevent.spawn and a lambda",
	Run: func(t Timing) error {
		foo := func(message string, n time.Duration) func() {
			return func() {
				gevent.Sleep(n)
				P(message)
			}
		}
		thread1 := gevent.Go(foo("Hello", t.Wait(100*ms, 10*ms)))
		thread2 := gevent.Go(foo("I live!", t.Wait(400*ms, 20*ms)))
		thread3 := gevent.Spawn(func() (int, error) { x := 2; return x + 1, nil })
		_, err := gevent.JoinAll([]gevent.AnyGreenlet{thread1, thread2, thread3})
		P(thread3.Value())
		return err
	},
}, {
	Name:  "seed_subclass",
	Seeds: "seeds 001 and 003",
	Title: "a Greenlet subclass overriding _run (embed Greenlet, call Init)",
	Run: func(Timing) error {
		g := newMyGreenlet("Hi there!", 30*ms)
		g.Start()
		return g.Join()
	},
}, {
	Name:  "seed_status",
	Seeds: "seed 000",
	Title: "greenlet state (the failure is also reported on stderr; the program goes on)",
	Run: func(Timing) error {
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
	},
}, {
	Name:  "seed_status_004",
	Seeds: "seed 004",
	Title: "greenlet state with labels, then loser.get() raising",
	Run: func(Timing) error {
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
	},
}, {
	Name:  "seed_timeout",
	Seeds: "seed 000",
	Title: "a Timeout started on the main greenlet interrupts join",
	Run: func(Timing) error {
		timeout := gevent.NewTimeout(20*ms, nil)
		timeout.Start()
		wait := func() { gevent.Sleep(10 * time.Second) }
		if err := gevent.Go(wait).Join(); errors.Is(err, gevent.ErrTimeout) {
			fmt.Fprintln(os.Stderr, "Traceback: ", err) // the seed prints the traceback
			P("Could not complete")
		}
		return nil
	},
}, {
	Name:     "seed_timeout_with",
	Seeds:    "seed 000",
	Title:    "with Timeout(1): gevent.sleep(10), uncaught (stdout stays empty; the error goes to stderr)",
	Uncaught: true,
	Run: func(Timing) error {
		err := gevent.NewTimeout(10*ms, nil).Run(func() error {
			return gevent.Sleep(10 * time.Second)
		})
		if err != nil {
			return err // the Python program ends here with the Timeout's traceback
		}
		P("not reached")
		return nil
	},
}, {
	Name:  "seed_timeout_toolong",
	Seeds: "seeds 000 and 001",
	Title: "with Timeout(1, TooLong): the timeout raises your exception",
	Run: func(Timing) error {
		tooLong := errors.New("TooLong")
		P("start")
		err := gevent.NewTimeout(10*ms, tooLong).Run(func() error {
			return gevent.Sleep(10 * time.Second)
		})
		if errors.Is(err, tooLong) {
			P("TooLong raised")
		}
		return nil
	},
}, {
	Name:  "seed_timeout_args",
	Seeds: "seed 001",
	Title: "three timeouts: on join, on get, and with_timeout",
	Run: func(t Timing) error {
		wait := func() (struct{}, error) { return struct{}{}, gevent.Sleep(t.Wait(500*ms, 20*ms)) }
		timeout := t.Wait(50*ms, 10*ms)

		timer := gevent.NewTimeout(timeout, nil)
		timer.Start()
		thread1 := gevent.Spawn(wait)
		if err := thread1.Join(); errors.Is(err, gevent.ErrTimeout) {
			P("Thread 1 timed out")
		}

		timer = gevent.StartNewTimeout(timeout, nil)
		thread2 := gevent.Spawn(wait)
		if _, err := thread2.Get(); errors.Is(err, gevent.ErrTimeout) {
			P("Thread 2 timed out")
		}

		if _, err := gevent.WithTimeout(timeout, wait); errors.Is(err, gevent.ErrTimeout) {
			P("Thread 3 timed out")
		}
		return nil
	},
}}

// pyStr is a string greenlet's value as Python prints it (None until it
// finished successfully).
func pyStr(g *gevent.Greenlet[string]) any {
	if !g.Successful() {
		return None
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
