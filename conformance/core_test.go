package conformance

import (
	"errors"
	"strings"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/seeds"
)

// Ports of gevent's own tests of the core: test__order.py,
// test__sleep0.py, test__api.py, test__timeout.py, test__greenlet.py.

// errExpected plays gevent.testing's ExpectedError class.
var errExpected = &Exception{Name: "ExpectedError"}

// gstate prints bool(g), dead, started, ready(), successful(), value and
// exception, as greenlet_simple_exit's state() does.
func gstate[T any](g *gevent.Greenlet[T]) {
	var value any = none
	if g.Successful() {
		value = g.Value()
	}
	P(g.Started(), g.Dead(), g.Started(), g.Ready(), g.Successful(), value, g.Err())
}

func timeoutOrNone(err error) any {
	if errors.Is(err, gevent.ErrTimeout) {
		return none
	}
	return err
}

func init() {
	register("order_greenlet_link", func() error {
		for _, count := range []int{2, 3, 4, 1000} {
			var lst []int
			g := gevent.Go(func() { lst = append(lst, 0) })
			for i := 1; i < count; i++ {
				g.Link(func(G) { lst = append(lst, i) })
			}
			if err := g.Join(); err != nil {
				return err
			}
			ok := len(lst) == count
			for i, v := range lst {
				ok = ok && v == i
			}
			P(count, ok, lst[:min(4, len(lst))])
		}
		return nil
	})

	register("order_sleep0", func() error {
		var lst []string
		sleep0 := func(param string) func() {
			return func() {
				lst = append(lst, param+"A")
				gevent.Sleep(0)
				lst = append(lst, param+"B")
			}
		}
		gevent.Go(sleep0("1"))
		gevent.Go(sleep0("2"))
		if err := gevent.WaitAll(); err != nil {
			return err
		}
		P(strings.Join(lst, " "))
		return nil
	})

	register("sleep0_timeout", func() error {
		n := 0
		err := gevent.NewSilentTimeout(10 * ms).Run(func() error {
			for {
				if err := gevent.Sleep(0); err != nil {
					return err
				}
				n++
			}
		})
		if err != nil {
			return err
		}
		P("loop interrupted", n > 0)
		return nil
	})

	register("timeout_fired_together", func() error {
		burn := func(d time.Duration) {
			for end := time.Now().Add(d); time.Now().Before(end); {
			}
		}
		bothDelivered := func() error {
			outer := gevent.NewTimeout(30*ms, nil)
			if err := outer.Start(); err != nil {
				return err
			}
			err := func() error {
				inner := gevent.NewTimeout(10*ms, nil)
				if err := inner.Start(); err != nil {
					return err
				}
				burn(60 * ms)
				P("expired while running; pending:", inner.Pending(), outer.Pending())
				var err error
				for err == nil {
					err = gevent.Sleep(0)
				}
				inner.Cancel()
				if err != error(inner) && err != error(outer) {
					return err
				}
				P("inner delivered:", err == error(inner))
				P("outer pending after the inner one:", outer.Pending())
				if err := gevent.Sleep(500 * ms); err != nil {
					return err
				}
				P("outer lost")
				return nil
			}()
			outer.Cancel()
			if err != nil && err != error(outer) {
				return err
			}
			if err != nil {
				P("outer delivered:", true)
			}
			P("outer pending at the end:", outer.Pending())
			return nil
		}
		cancelledNotDelivered := func() error {
			outer := gevent.NewTimeout(30*ms, nil)
			inner := gevent.NewTimeout(10*ms, nil)
			if err := outer.Start(); err != nil {
				return err
			}
			if err := inner.Start(); err != nil {
				return err
			}
			burn(60 * ms)
			var err error
			for err == nil {
				err = gevent.Sleep(0)
			}
			if err != error(inner) {
				return err
			}
			P("inner delivered:", true)
			outer.Cancel()
			P("outer pending after cancel:", outer.Pending())
			if err := gevent.Sleep(20 * ms); err != nil {
				return err
			}
			P("slept without a timeout")
			return nil
		}
		if _, err := gevent.GoErr(bothDelivered).Get(); err != nil {
			return err
		}
		if err := bothDelivered(); err != nil {
			return err
		}
		if _, err := gevent.GoErr(cancelledNotDelivered).Get(); err != nil {
			return err
		}
		return cancelledNotDelivered()
	})

	register("api_killing_dormant", func() error {
		const delay = 200 * ms
		state := []string{}
		g := gevent.Go(func() {
			state = append(state, "start")
			if err := gevent.Sleep(delay * 3); err != nil {
				state = append(state, "except")
			}
			state = append(state, "finished")
		})
		if err := gevent.Sleep(delay / 2); err != nil {
			return err
		}
		P(state)
		if err := g.Kill(nil, true); err != nil {
			return err
		}
		P(state)
		return nil
	})

	register("api_nested_with_timeout", func() error {
		fn := func() (int, error) {
			return gevent.WithTimeoutValue(500*ms, 1, func() (int, error) {
				return 0, gevent.Sleep(time.Second)
			})
		}
		if _, err := gevent.WithTimeout(10*ms, fn); errors.Is(err, gevent.ErrTimeout) {
			P("Timeout raised")
		} else {
			P("no timeout")
		}
		return nil
	})

	register("api_timer_fired", func() error {
		lst := []int{1}
		gevent.Go(func() {
			gevent.SpawnLater(10*ms, func() (struct{}, error) { lst = lst[:len(lst)-1]; return struct{}{}, nil })
			gevent.Sleep(20 * ms)
		})
		P(lst)
		if err := gevent.Sleep(0); err != nil {
			return err
		}
		P(lst)
		if err := gevent.Sleep(500 * ms); err != nil {
			return err
		}
		P(lst)
		return nil
	})

	register("api_spawn_not_cancelled", func() error {
		lst := []int{1}
		gevent.Go(func() {
			gevent.Go(func() { lst = lst[:len(lst)-1] })
		})
		if err := gevent.Sleep(100 * ms); err != nil {
			return err
		}
		P(lst)
		return nil
	})

	register("timeout_expires", func() error {
		test := func(t *gevent.Timeout, close bool) error {
			err := gevent.Sleep(10 * time.Second)
			if err == nil {
				P("Must raise Timeout")
				return nil
			}
			if errors.Is(err, gevent.ErrTimeout) {
				P("raised, is the timeout:", err == error(t))
			}
			if close {
				t.Close()
			}
			return err
		}
		check := func(t *gevent.Timeout) error {
			if err := t.Start(); err != nil {
				return err
			}
			test(t, false)
			if err := t.Start(); err != nil {
				return err
			}
			return test(t, true)
		}
		check(gevent.NewTimeout(10*ms, nil))
		check(gevent.NewSilentTimeout(10 * ms))
		ex := check(gevent.NewTimeout(10*ms, errors.New("XXX")))
		P(strings.HasSuffix(ex.Error(), "XXX"))
		return nil
	})

	register("timeout_context_manager", func() error {
		check := func(t *gevent.Timeout) error {
			err := t.Run(func() error { return gevent.Sleep(10 * time.Second) })
			if err != nil {
				P("raised, is the timeout:", err == error(t))
				return err
			}
			P("not raised")
			return nil
		}
		check(gevent.NewTimeout(10*ms, nil))
		check(gevent.NewSilentTimeout(10 * ms))
		ex := check(gevent.NewTimeout(10*ms, errors.New("XXX")))
		P(strings.HasSuffix(ex.Error(), "XXX"))
		return nil
	})

	register("timeout_cancel", func() error {
		t := gevent.NewTimeout(10*ms, nil)
		if err := t.Start(); err != nil {
			return err
		}
		P(t.Pending())
		t.Cancel()
		P(t.Pending())
		if err := gevent.Sleep(20 * ms); err != nil {
			return err
		}
		P(t.Pending())
		P("not raised")
		t.Close()
		return nil
	})

	register("timeout_with_timeout", func() error {
		sleep := func(d time.Duration) func() (any, error) {
			return func() (any, error) { return nil, gevent.Sleep(d) }
		}
		if _, err := gevent.WithTimeout(50*ms, sleep(500*ms)); errors.Is(err, gevent.ErrTimeout) {
			P("raised Timeout")
		}
		x := &struct{ int }{}
		r, err := gevent.WithTimeoutValue[any](50*ms, x, sleep(500*ms))
		if err != nil {
			return err
		}
		P(r == any(x))
		r, err = gevent.WithTimeoutValue[any](500*ms, x, sleep(50*ms))
		if err != nil {
			return err
		}
		P(r)
		return nil
	})

	register("greenlet_wait_noerrors", func() error {
		ret := func(v int) func() (int, error) { return func() (int, error) { return v, nil } }
		x, y, z := gevent.Spawn(ret(1)), gevent.Spawn(ret(2)), gevent.Spawn(ret(3))
		if _, err := gevent.JoinAllOpts([]*gevent.Greenlet[int]{x, y, z}, gevent.JoinOptions{RaiseError: true}); err != nil {
			return err
		}
		P([]int{x.Value(), y.Value(), z.Value()})
		return nil
	})

	register("greenlet_wait_error", func() error {
		x := gevent.Spawn(func() (int, error) {
			if err := gevent.Sleep(10 * ms); err != nil {
				return 0, err
			}
			return 1, nil
		})
		y := gevent.Spawn(func() (int, error) { return 0, errExpected.New("test_wait_error") })
		if _, err := gevent.JoinAllOpts([]*gevent.Greenlet[int]{x, y}, gevent.JoinOptions{RaiseError: true}); errors.Is(err, errExpected) {
			P("raised", err)
		}
		if _, err := gevent.JoinAllOpts([]*gevent.Greenlet[int]{y}, gevent.JoinOptions{RaiseError: true}); errors.Is(err, errExpected) {
			P("raised again", err)
		}
		P(x.Ready())
		if err := x.Join(); err != nil {
			return err
		}
		P(x.Value())
		return nil
	})

	register("greenlet_joinall_exception_order", func() error {
		a := gevent.GoErr(func() error {
			if err := gevent.Sleep(20 * ms); err != nil {
				return err
			}
			return errExpected.New("first")
		})
		b := gevent.GoErr(func() error { return errExpected.New("second") })
		if _, err := gevent.JoinAllOpts([]G{a, b}, gevent.JoinOptions{RaiseError: true}); errors.Is(err, errExpected) {
			P("raised", err)
		}
		if _, err := gevent.JoinAll([]G{a, b}); err != nil {
			return err
		}
		P(a.Err(), b.Err())
		return nil
	})

	register("greenlet_joinall_count", func() error {
		sleeper := gevent.GoErr(func() error {
			for {
				if err := gevent.Sleep(100 * ms); err != nil {
					return err
				}
			}
		})
		raiser := gevent.GoErr(func() error { return errExpected.New("count") })
		done, err := gevent.JoinAllOpts([]G{sleeper, raiser}, gevent.JoinOptions{Count: 1})
		if err != nil {
			return err
		}
		P(len(done), done[0] == raiser)
		P(raiser.Ready(), sleeper.Ready())
		if err := sleeper.Kill(nil, true); err != nil {
			return err
		}
		P(sleeper.Ready(), sleeper.Successful())
		return nil
	})

	register("greenlet_multiple_listeners_error", func() error {
		var results []int
		listener1 := func(G) { results = append(results, 10); panic(errExpected.New("listener1")) }
		listener2 := func(G) { results = append(results, 20); panic(errExpected.New("listener2")) }
		listener3 := func(G) { panic(errExpected.New("listener3")) }
		p := gevent.GoErr(func() error { return nil })
		p.Link(listener1)
		p.Link(listener2)
		p.Link(listener3)
		if err := gevent.Sleep(50 * ms); err != nil {
			return err
		}
		P(results)
		p = gevent.GoErr(func() error { return errExpected.New("test_multiple_listeners_error") })
		results = nil
		p.Link(listener1)
		p.Link(listener2)
		p.Link(listener3)
		if err := gevent.Sleep(50 * ms); err != nil {
			return err
		}
		P(results)
		return nil
	})

	register("greenlet_listeners_unlink_link", func() error {
		results := []int{}
		var id1, id2 gevent.LinkID
		p := gevent.GoErr(func() error { return nil })
		id1 = p.Link(func(p G) { p.Unlink(id2); results = append(results, 5); panic(errExpected.New("listener1")) })
		id2 = p.Link(func(p G) { p.Unlink(id1); results = append(results, 5); panic(errExpected.New("listener2")) })
		p.Link(func(G) { panic(errExpected.New("listener3")) })
		if err := gevent.Sleep(50 * ms); err != nil {
			return err
		}
		P(results)
		return p.Kill(nil, true)
	})

	register("greenlet_listeners_unlink_rawlink", func() error {
		results := []int{}
		var id1, id2 gevent.LinkID
		p := gevent.GoErr(func() error { return nil })
		id1 = p.Rawlink(func() { p.Unlink(id2); results = append(results, 5); panic(errExpected.New("listener1")) })
		id2 = p.Rawlink(func() { p.Unlink(id1); results = append(results, 5); panic(errExpected.New("listener2")) })
		p.Rawlink(func() { panic(errExpected.New("listener3")) })
		if err := gevent.Sleep(50 * ms); err != nil {
			return err
		}
		P(results)
		return nil
	})

	register("greenlet_simple_exit", func() error {
		linkTest := []bool{}
		var g *gevent.Greenlet[int]
		g = gevent.New(func() (int, error) {
			if err := gevent.Sleep(200 * ms); err != nil {
				return 0, err
			}
			return 5, nil
		})
		g.Rawlink(func() { linkTest = append(linkTest, true) })
		gstate(g)
		g.Start()
		gstate(g)
		if err := gevent.Sleep(time.Millisecond); err != nil {
			return err
		}
		gstate(g)
		P(pyBools(linkTest))
		if err := gevent.Sleep(500 * ms); err != nil {
			return err
		}
		gstate(g)
		P(pyBools(linkTest))
		return nil
	})

	register("greenlet_error_exit", func() error {
		linkTest := []bool{}
		g := gevent.New(func() (int, error) {
			if err := gevent.Sleep(time.Millisecond); err != nil {
				return 0, err
			}
			return 0, errExpected.New("test_error_exit 5")
		})
		g.Rawlink(func() { linkTest = append(linkTest, true) })
		g.Start()
		if err := gevent.Sleep(0); err != nil {
			return err
		}
		if err := gevent.Sleep(300 * ms); err != nil {
			return err
		}
		gstate(g)
		P(pyBools(linkTest))
		return nil
	})

	register("greenlet_start", func() error {
		g := gevent.GoErr(func() error { return gevent.Sleep(10 * ms) })
		P(g.Started(), g.Dead())
		g.Start()
		P(g.Started(), g.Dead())
		if err := g.Join(); err != nil {
			return err
		}
		P(g.Started(), g.Dead(), g.Ready())
		g.Start()
		P(g.Started(), g.Dead(), g.Ready())
		return nil
	})

	register("greenlet_kill_scheduled", func() error {
		exitName := func(g G) string {
			if errors.Is(g.ExitErr(), gevent.ErrGreenletExit) {
				return "GreenletExit"
			}
			return "NoneType"
		}
		g := gevent.GoErr(func() error { return gevent.Sleep(time.Second) })
		if err := g.Kill(nil, true); err != nil {
			return err
		}
		P(g.Dead(), g.Successful(), exitName(g))
		g = gevent.GoErr(func() error { return gevent.Sleep(time.Second) })
		if err := gevent.Sleep(time.Millisecond); err != nil {
			return err
		}
		if err := g.Kill(nil, true); err != nil {
			return err
		}
		P(g.Dead(), g.Successful(), exitName(g))
		return nil
	})

	register("greenlet_join_timeout", func() error {
		g := gevent.GoErr(func() error { return gevent.Sleep(10 * time.Second) })
		P(timeoutOrNone(g.Join(10*ms)), g.Ready())
		if _, err := g.Get(10 * ms); errors.Is(err, gevent.ErrTimeout) {
			P("get raised Timeout", g.Ready())
		}
		done, err := gevent.JoinAll([]G{g}, 10*ms)
		if err != nil && !errors.Is(err, gevent.ErrTimeout) {
			return err
		}
		P(pyGreenlets(done), g.Ready())
		if err := g.Kill(nil, true); err != nil {
			return err
		}
		P(g.Ready())
		g0 := gevent.New(func() (struct{}, error) { return struct{}{}, nil })
		done, err = gevent.JoinAll([]G{g0}, 10*ms)
		if err != nil && !errors.Is(err, gevent.ErrTimeout) {
			return err
		}
		P(pyGreenlets(done), g0.Ready())
		return nil
	})

	for _, mode := range []string{"not_started", "after_start", "after_start_later", "while_running"} {
		register("greenlet_kill_"+mode, func() error { return killMatrix(mode) })
	}
}

// killMatrix is TestKill and its subclasses: kill or killall, blocking or
// not, with GreenletExit or an error, of a greenlet in the given mode.
func killMatrix(mode string) error {
	state := func(g G) tuple {
		return tuple{g.Started(), g.Dead(), g.Started(), g.Ready(), g.Successful(), g.Err() == nil}
	}
	for _, block := range []bool{true, false} {
		for _, killall := range []bool{false, true} {
			for _, exc := range []string{"GreenletExit", "Exception"} {
				linkTest := []bool{}
				result := []int{}
				var g G
				g = gevent.New(func() (struct{}, error) {
					if mode == "while_running" {
						if err := gevent.Sleep(10 * time.Second); err != nil {
							return struct{}{}, err
						}
					}
					result = append(result, 1)
					return struct{}{}, nil
				})
				g.Link(func(x G) { linkTest = append(linkTest, x == g) })
				switch mode {
				case "after_start":
					g.Start()
				case "after_start_later":
					g.StartLater(50 * ms)
				case "while_running":
					g.Start()
					if err := gevent.Sleep(time.Millisecond); err != nil {
						return err
					}
				}
				var e error
				if exc == "Exception" {
					e = errors.New("killed")
				}
				killer := func() error {
					if killall {
						return gevent.KillAll([]G{g}, e, block)
					}
					return g.Kill(e, block)
				}
				if err := killer(); err != nil {
					return err
				}
				if !block {
					if err := gevent.Sleep(time.Millisecond); err != nil {
						return err
					}
				}
				s1 := state(g)
				if err := gevent.Sleep(10 * ms); err != nil {
					return err
				}
				s2 := state(g)
				if err := killer(); err != nil {
					return err
				}
				if err := gevent.Sleep(10 * ms); err != nil {
					return err
				}
				s3 := state(g)
				same := seeds.Str(s1) == seeds.Str(s2) && seeds.Str(s2) == seeds.Str(s3)
				P(block, killall, exc, s1, same, result, pyBools(linkTest))
			}
		}
	}
	return nil
}

func pyBools(v []bool) string {
	s := make([]string, len(v))
	for i, b := range v {
		s[i] = seeds.Str(b)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func pyGreenlets[T gevent.AnyGreenlet](gs []T) string {
	s := make([]string, len(gs))
	for i, g := range gs {
		s[i] = g.String()
	}
	return "[" + strings.Join(s, ", ") + "]"
}
