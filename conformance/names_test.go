package conformance

import (
	"errors"

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
