package conformance

import (
	"errors"
	"time"

	"github.com/gevent-go/gevent"
)

// Ports of gevent's kill and killall semantics for a greenlet that catches
// its GreenletExit and does blocking clean-up (greenlet.py kill, _kill,
// killall).

func init() {
	register("greenlet_kill_cleanup", func() error {
		g := gevent.GoErr(func() error {
			err := gevent.Sleep(10 * 1000 * ms)
			if errors.Is(err, gevent.ErrGreenletExit) {
				P("worker: killed, flushing")
				if err := gevent.Sleep(20 * ms); err != nil {
					return err
				}
				P("worker: flushed")
			}
			return err
		})
		if err := gevent.Sleep(ms); err != nil {
			return err
		}
		if err := g.Kill(nil, true); err != nil {
			return err
		}
		P("kill returned", g.Dead(), g.Successful())

		g2 := gevent.GoErr(func() error {
			err := gevent.Sleep(10 * 1000 * ms)
			if errors.Is(err, gevent.ErrGreenletExit) {
				P("stubborn: killed, cleaning up slowly")
				defer P("stubborn: clean-up interrupted")
				if err := gevent.Sleep(10 * 1000 * ms); err != nil {
					return err
				}
				P("not reached")
			}
			return err
		})
		if err := gevent.Sleep(ms); err != nil {
			return err
		}
		if err := g2.Kill(nil, true, 50*ms); err != nil && !errors.Is(err, gevent.ErrTimeout) {
			return err
		}
		P("kill with timeout returned", g2.Dead())
		if err := g2.Kill(nil, true); err != nil {
			return err
		}
		P("second kill returned", g2.Dead(), g2.Successful())
		return nil
	})

	register("greenlet_killall_timeout_cleanup", func() error {
		worker := func(n int) func() error {
			return func() error {
				err := gevent.Sleep(10 * 1000 * ms)
				if errors.Is(err, gevent.ErrGreenletExit) {
					P("worker", n, "cleaning up")
					if err := gevent.Sleep(time.Duration(n) * 200 * ms); err != nil {
						return err
					}
					P("worker", n, "clean-up done")
				}
				return err
			}
		}
		gs := []G{gevent.GoErr(worker(0)), gevent.GoErr(worker(1)), gevent.GoErr(worker(2))}
		if err := gevent.Sleep(ms); err != nil {
			return err
		}
		dead := func() []any {
			var d []any
			for _, g := range gs {
				d = append(d, g.Dead())
			}
			return d
		}
		switch err := gevent.KillAll(gs, nil, true, 50*ms); {
		case err == nil:
			P("killall returned")
		case errors.Is(err, gevent.ErrTimeout):
			P("killall timed out", dead())
		default:
			return err
		}
		if _, err := gevent.JoinAll(gs); err != nil {
			return err
		}
		var ok []any
		for _, g := range gs {
			ok = append(ok, g.Successful())
		}
		P("joinall returned", dead(), ok)
		return nil
	})
}
