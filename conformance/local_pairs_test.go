package conformance

import (
	"errors"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/local"
)

// Ports of test__local.py (the seeds about greenlet-local data are in
// internal/seeds).
// A Python local attribute is a local.Local per attribute.

func init() {
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
