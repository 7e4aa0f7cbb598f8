package conformance

import (
	"errors"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/local"
)

// Ports of the seeds about greenlet-local data, and of test__local.py.
// A Python local attribute is a local.Local per attribute.

func init() {
	register("seed_local", func() error {
		var x local.Local[int]
		f1 := func() {
			x.Set(1)
			v, _ := x.Value()
			P(v)
		}
		f2 := func() {
			if v, err := x.Value(); errors.Is(err, local.ErrNotSet) {
				P("x is not visible")
			} else {
				P(v)
			}
		}
		_, err := gevent.JoinAll([]G{gevent.Go(f1), gevent.Go(f2)})
		return err
	})

	register("seed_local_stash", func() error {
		var x, y local.Local[int]
		f1 := func() {
			x.Set(1)
			v, _ := x.Get()
			P(v)
		}
		f2 := func() {
			y.Set(2)
			v, _ := y.Get()
			P(v)
			if _, ok := x.Get(); !ok {
				P("x is not local to f2")
			}
		}
		_, err := gevent.JoinAll([]G{gevent.Go(f1), gevent.Go(f2)})
		return err
	})

	register("local_attribute_error", func() error {
		var fizzBuzz, aPath, bPath local.Local[any]
		if _, err := fizzBuzz.Value(); errors.Is(err, local.ErrNotSet) {
			P("AttributeError")
		}
		if err := gevent.Go(func() {
			fizzBuzz.Set(1)
			v, _ := fizzBuzz.Value()
			P("set in greenlet", v)
		}).Join(); err != nil {
			return err
		}
		if _, err := fizzBuzz.Value(); errors.Is(err, local.ErrNotSet) {
			P("AttributeError again")
		}
		aPath.Set("123")
		bPath.Set("123")
		a, _ := aPath.Value()
		b, _ := bPath.Value()
		P(a == b)
		bPath.Set("321")
		a, _ = aPath.Value()
		b, _ = bPath.Value()
		P(a == b, a, b)
		aPath.Delete()
		if _, err := aPath.Value(); errors.Is(err, local.ErrNotSet) {
			P("deleted")
		}
		return nil
	})
}
