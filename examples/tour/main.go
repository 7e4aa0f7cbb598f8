// Command tour runs the programs of the gevent tutorials this project was
// created from, ported to Go, and prints what each prints. Sleeps of seconds
// are shortened to milliseconds. Run it with: go run ./examples/tour
package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/subprocess"
)

type section struct {
	title string
	run   func()
}

var sections []section

func add(title string, run func()) { sections = append(sections, section{title, run}) }

func main() {
	for _, s := range sections {
		fmt.Printf("=== %s\n", s.title)
		s.run()
		fmt.Println()
	}
}

func init() {
	add("greenlets switch at Sleep(0)", func() {
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
	})
	add("synchronous vs asynchronous", func() {
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
		var gs []*gevent.Greenlet[struct{}]
		for i := range 5 {
			gs = append(gs, gevent.Go(func() { task(i) }))
		}
		gevent.JoinAll(gs)
	})
	add("greenlet state (the failure is reported on stderr; the program goes on)", func() {
		winner := gevent.Spawn(func() (string, error) { return "You win!", nil })
		loser := gevent.Spawn(func() (string, error) { return "", errors.New("You failed!") })
		fmt.Println("started:", winner.Started(), loser.Started())
		gevent.JoinAll([]*gevent.Greenlet[string]{winner, loser})
		fmt.Println("ready:", winner.Ready(), loser.Ready())
		fmt.Printf("value: %q %q\n", winner.Value(), loser.Value())
		fmt.Println("successful:", winner.Successful(), loser.Successful())
		fmt.Println("exception:", loser.Err())
	})
	add("timeouts", func() {
		t := gevent.NewTimeout(20*time.Millisecond, nil)
		t.Start()
		if err := gevent.Go(func() { gevent.Sleep(10 * time.Second) }).Join(); errors.Is(err, gevent.ErrTimeout) {
			fmt.Println("Could not complete:", err)
		}
		t.Cancel()
		tooLong := errors.New("TooLong")
		err := gevent.NewTimeout(10*time.Millisecond, tooLong).Run(func() error { return gevent.Sleep(10 * time.Second) })
		fmt.Println("custom timeout error:", err, errors.Is(err, tooLong))
		v, err := gevent.WithTimeoutValue(10*time.Millisecond, "fallback", func() (string, error) {
			return "late", gevent.Sleep(time.Second)
		})
		fmt.Println("with_timeout(timeout_value=...):", v, err)
	})
	add("kill", func() {
		g := gevent.GoErr(func() error {
			err := gevent.Sleep(time.Hour)
			fmt.Println("the sleeping greenlet got:", err)
			return err
		})
		gevent.Sleep(0)
		g.Kill(nil, true)
		fmt.Println("dead:", g.Dead(), "successful:", g.Successful())
	})
	add("subclassing Greenlet", func() {
		g := newMyGreenlet("Hi there!", 30*time.Millisecond)
		g.Start()
		g.Join()
	})
	add("determinism: the same program, the same order", func() {
		order := func() (s []int) {
			var gs []*gevent.Greenlet[int]
			for i := range 10 {
				gs = append(gs, gevent.Spawn(func() (int, error) {
					return i, gevent.Sleep(time.Duration(i%3) * time.Millisecond)
				}))
			}
			for g, err := range gevent.IWait(gs) {
				if err != nil {
					break
				}
				s = append(s, g.Value())
			}
			return s
		}
		a, b := order(), order()
		fmt.Println(a, fmt.Sprint(a) == fmt.Sprint(b))
	})
	add("subprocess: a cron greenlet keeps running while a child runs", func() {
		g := gevent.Go(func() {
			for {
				fmt.Println("cron")
				if gevent.Sleep(200*time.Millisecond) != nil {
					return
				}
			}
		})
		sub, err := subprocess.Start([]string{"sleep 0.5; uname"}, subprocess.Options{Stdout: subprocess.PIPE, Shell: true})
		if err != nil {
			fmt.Println(err)
			return
		}
		out, _, _ := sub.Communicate(nil)
		g.Kill(nil, true)
		fmt.Print(string(out))
	})
	_ = os.Stdout
}

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
	fmt.Println(g.message)
	return struct{}{}, gevent.Sleep(g.n)
}
