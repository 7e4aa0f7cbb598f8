package conformance

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gevent-go/gevent"
)

func init() {
	register("greenlet_names", func() error {
		f := func() { gevent.Sleep(0) }
		fail := func() error { return errors.New("boom") }
		a := gevent.Go(f)
		b := gevent.Go(f)
		P(b.Name(), a.Name())
		x := gevent.GoErr(fail)
		gevent.JoinAll([]G{a, b, x})
		c := gevent.Go(f)
		P(c.Name(), x.Name(), a.Name())
		u := gevent.New(func() (struct{}, error) { f(); return struct{}{}, nil })
		P(u.Name())
		c.SetName("custom")
		P(c.Name())
		d := gevent.SpawnLater(10*ms, func() (struct{}, error) { f(); return struct{}{}, nil })
		gevent.JoinAll([]G{c, d})
		P(d.Name())
		P(gevent.Go(f).Name())
		return nil
	})
}

func init() {
	register("api_wait_hub", func() error {
		var trace []string
		child := func(n int) func() {
			return func() {
				trace = append(trace, fmt.Sprintf("child %d", n))
				gevent.Sleep(10 * ms)
				trace = append(trace, fmt.Sprintf("child %d done", n))
			}
		}
		parent := func() {
			trace = append(trace, "parent")
			gevent.Go(child(1))
			gevent.GoLater(20*ms, child(2))
		}
		// gevent.wait() returns True when the loop ran out of work, False on timeout.
		wait := func(timeout ...time.Duration) any {
			err := gevent.WaitAll(timeout...)
			if errors.Is(err, gevent.ErrTimeout) {
				return false
			}
			if err != nil {
				return err
			}
			return true
		}
		gevent.Go(parent)
		P(wait())
		P(strings.Join(trace, " / "))

		sleeper := gevent.Go(func() { gevent.Sleep(10 * time.Second) })
		P(wait(20 * ms))
		P(sleeper.Dead())
		sleeper.Kill(nil, false)
		P(wait(20 * ms))
		P(sleeper.Dead())
		P(wait())
		P(wait(0))
		return nil
	})
}
