package gevent_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/gevent-go/gevent"
)

// The seed programs about greenlets, states and timeouts. Each Output is
// what real gevent 22.10 prints for the Python original (run with
// /usr/bin/python3); sleeps of seconds are shortened to milliseconds where
// that does not change the output.

// py formats a value the way Python's print does, so that outputs match
// gevent's line for line.
func py(v any) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "True"
		}
		return "False"
	case nil:
		return "None"
	case error:
		if v == nil {
			return "None"
		}
		return v.Error()
	case string:
		if v == "" {
			return "None"
		}
	}
	return fmt.Sprint(v)
}

// Seed 000: two greenlets yield to each other with Sleep(0).
func Example() {
	test1 := func() {
		fmt.Println(12)
		gevent.Sleep(0)
		fmt.Println(34)
	}
	test2 := func() {
		fmt.Println(56)
		gevent.Sleep(0)
		fmt.Println(78)
	}
	gevent.JoinAll([]*gevent.Greenlet[struct{}]{gevent.Go(test1), gevent.Go(test2)})
	// Output:
	// 12
	// 56
	// 34
	// 78
}

// Seeds 001 and 003: explicit context switches.
func Example_contextSwitch() {
	foo := func() {
		fmt.Println("Running in foo")
		gevent.Sleep(0)
		fmt.Println("Explicit context switch to foo again")
	}
	bar := func() {
		fmt.Println("Explicit context to bar")
		gevent.Sleep(0)
		fmt.Println("Implicit context switch back to bar")
	}
	gevent.JoinAll([]*gevent.Greenlet[struct{}]{gevent.Go(foo), gevent.Go(bar)})
	// Output:
	// Running in foo
	// Explicit context to bar
	// Explicit context switch to foo again
	// Implicit context switch back to bar
}

// Seeds 001 and 003: synchronous versus asynchronous execution. The seed
// draws each delay with random.randint(0, 2); a fixed draw makes the output
// checkable (the Python run used the same delays).
func Example_synchronousAsynchronous() {
	delays := []int{2, 0, 1, 1, 0}
	task := func(pid int) {
		gevent.Sleep(time.Duration(delays[pid]) * time.Millisecond)
		fmt.Printf("Task %d done\n", pid)
	}
	fmt.Println("Synchronous:")
	for i := range 5 {
		task(i)
	}
	fmt.Println("Asynchronous:")
	var threads []*gevent.Greenlet[struct{}]
	for i := range 5 {
		threads = append(threads, gevent.Go(func() { task(i) }))
	}
	gevent.JoinAll(threads)
	// Output:
	// Synchronous:
	// Task 0 done
	// Task 1 done
	// Task 2 done
	// Task 3 done
	// Task 4 done
	// Asynchronous:
	// Task 1 done
	// Task 4 done
	// Task 2 done
	// Task 3 done
	// Task 0 done
}

// Seeds 001 and 003: the ways to create greenlets (Greenlet.spawn,
// gevent.spawn, a lambda). Sleeps of 1 s and 2 s shortened to 10 and 20 ms.
func ExampleSpawn() {
	foo := func(message string, n time.Duration) func() {
		return func() {
			gevent.Sleep(n)
			fmt.Println(message)
		}
	}
	thread1 := gevent.Go(foo("Hello", 10*time.Millisecond))
	thread2 := gevent.Go(foo("I live!", 20*time.Millisecond))
	thread3 := gevent.Spawn(func() (int, error) { x := 2; return x + 1, nil })
	gevent.JoinAll([]gevent.AnyGreenlet{thread1, thread2, thread3})
	fmt.Println(thread3.Value())
	// Output:
	// Hello
	// I live!
	// 3
}

// MyGreenlet is the seeds' Greenlet subclass that overrides _run.
type MyGreenlet struct {
	gevent.Greenlet[struct{}]
	message string
	n       time.Duration
}

// NewMyGreenlet is MyGreenlet.__init__: Init plays Greenlet.__init__(self).
func NewMyGreenlet(message string, n time.Duration) *MyGreenlet {
	g := &MyGreenlet{message: message, n: n}
	g.Init(g.run)
	return g
}

// run is _run.
func (g *MyGreenlet) run() (struct{}, error) {
	fmt.Println(g.message)
	return struct{}{}, gevent.Sleep(g.n)
}

// Seeds 001 and 003: subclassing Greenlet (3 s shortened to 30 ms).
func ExampleGreenlet_Init() {
	g := NewMyGreenlet("Hi there!", 30*time.Millisecond)
	g.Start()
	g.Join()
	// Output:
	// Hi there!
}

// Seeds 000 and 004: greenlet state. The failure is reported on standard
// error ("<Greenlet at 0xc000...> failed with error: You failed!") and the
// program goes on; JoinAll does not return it.
func ExampleGreenlet_Successful() {
	win := func() (string, error) { return "You win!", nil }
	fail := func() (string, error) { return "", errors.New("You failed!") }
	winner := gevent.Spawn(win)
	loser := gevent.Spawn(fail)
	fmt.Println(py(winner.Started()))
	fmt.Println(py(loser.Started()))
	if _, err := gevent.JoinAll([]*gevent.Greenlet[string]{winner, loser}); err != nil {
		fmt.Println("This will never be reached")
	}
	fmt.Println(py(winner.Ready()))
	fmt.Println(py(loser.Ready()))
	fmt.Println(py(winner.Value()))
	fmt.Println(py(loser.Value()))
	fmt.Println(py(winner.Successful()))
	fmt.Println(py(loser.Successful()))
	fmt.Println(py(loser.Err()))
	if _, err := loser.Get(); err != nil {
		fmt.Println("exception from loser")
	}
	// Output:
	// True
	// True
	// True
	// True
	// You win!
	// None
	// True
	// False
	// You failed!
	// exception from loser
}

// Seeds 000, 001 and 004: a Timeout started on the main greenlet
// interrupts the join (2 s shortened to 20 ms).
func ExampleTimeout() {
	timeout := gevent.NewTimeout(20*time.Millisecond, nil)
	timeout.Start()
	defer timeout.Cancel()
	wait := func() { gevent.Sleep(10 * time.Second) }
	if err := gevent.Go(wait).Join(); errors.Is(err, gevent.ErrTimeout) {
		fmt.Println("Could not complete")
	}
	// Output:
	// Could not complete
}

// TooLong is the seeds' custom timeout exception.
var TooLong = errors.New("TooLong")

// Seed 000: a Timeout scope with a custom error (`with Timeout(1, TooLong)`).
func ExampleNewTimeout() {
	err := gevent.NewTimeout(10*time.Millisecond, TooLong).Run(func() error {
		return gevent.Sleep(10 * time.Second)
	})
	if errors.Is(err, TooLong) {
		fmt.Println("TooLong raised")
	}
	// Output:
	// TooLong raised
}

// Seed 001: timeouts on join, get and with_timeout (1 s and 2 s
// shortened to 10 and 20 ms).
func ExampleWithTimeout() {
	wait := func() (struct{}, error) { return struct{}{}, gevent.Sleep(20 * time.Millisecond) }

	timer := gevent.NewTimeout(10*time.Millisecond, nil)
	timer.Start()
	thread1 := gevent.Spawn(wait)
	if err := thread1.Join(); errors.Is(err, gevent.ErrTimeout) {
		fmt.Println("Thread 1 timed out")
	}
	timer.Cancel()

	timer = gevent.StartNewTimeout(10*time.Millisecond, nil)
	thread2 := gevent.Spawn(wait)
	if _, err := thread2.Get(); errors.Is(err, gevent.ErrTimeout) {
		fmt.Println("Thread 2 timed out")
	}
	timer.Cancel()

	if _, err := gevent.WithTimeout(10*time.Millisecond, wait); errors.Is(err, gevent.ErrTimeout) {
		fmt.Println("Thread 3 timed out")
	}
	// Output:
	// Thread 1 timed out
	// Thread 2 timed out
	// Thread 3 timed out
}

// A Rendezvous hands each value from a giver to a taker; Give returns once
// the taker has it. queue.Channel is the same with queue's errors; gevent
// 22.10 prints these lines for the program with gevent.queue.Channel.
func ExampleRendezvous() {
	gevent.Run(func() error {
		var r gevent.Rendezvous[string]
		g := gevent.Go(func() {
			for _, w := range []string{"ping", "pong"} {
				r.Give(w, nil)
				fmt.Println("gave", w)
			}
		})
		for range 2 {
			v, _ := r.Take(nil)
			fmt.Println("took", v)
		}
		_, err := r.Take(nil, 10*time.Millisecond)
		fmt.Println(errors.Is(err, gevent.ErrTimeout))
		return g.Join()
	})
	// Output:
	// took ping
	// gave ping
	// took pong
	// gave pong
	// true
}

// A killed greenlet may do clean-up that blocks before it returns (gevent's
// `except GreenletExit:`); Kill with block waits for it. A greenlet that
// ignores its kill is ended by a second one.
func ExampleGreenlet_Kill() {
	worker := gevent.GoErr(func() error {
		err := gevent.Sleep(time.Hour)
		if errors.Is(err, gevent.ErrGreenletExit) {
			fmt.Println("worker: killed, flushing")
			gevent.Sleep(10 * time.Millisecond) // blocking clean-up
			fmt.Println("worker: flushed")
		}
		return err
	})
	gevent.Sleep(0)
	worker.Kill(nil, true)
	fmt.Println("worker dead:", worker.Dead())

	stubborn := gevent.Go(func() {
		defer fmt.Println("stubborn: unwound")
		for {
			gevent.Sleep(time.Hour) // ignores the kill error
		}
	})
	gevent.Sleep(0)
	err := stubborn.Kill(nil, true, 10*time.Millisecond)
	fmt.Println("first kill:", errors.Is(err, gevent.ErrTimeout), stubborn.Dead())
	err = stubborn.Kill(nil, true)
	fmt.Println("second kill:", err, stubborn.Dead())
	// Output:
	// worker: killed, flushing
	// worker: flushed
	// worker dead: true
	// first kill: true false
	// stubborn: unwound
	// second kill: <nil> true
}
