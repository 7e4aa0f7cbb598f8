package conformance

import (
	"os"
	"slices"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/gselect"
)

func init() {
	register("select_wake_order", func() error {
		pr, pw, err := os.Pipe()
		if err != nil {
			return err
		}
		defer pr.Close()
		defer pw.Close()
		r, w := int(pr.Fd()), pw
		var order []int
		sel := func(i int) func() {
			return func() {
				rl, _, _, err := gselect.Select([]int{r}, nil, nil, 2*time.Second)
				if err != nil {
					P("select", i, err)
				}
				order = append(order, i)
				P("select", i, slices.Equal(rl, []int{r}))
			}
		}
		pol := func(i int) func() {
			return func() {
				var p gselect.Poll
				p.Register(r, gselect.POLLIN)
				ev, err := p.Poll(2 * time.Second)
				if err != nil {
					P("poll", i, err)
				}
				order = append(order, i)
				P("poll", i, slices.Equal(ev, []gselect.PollEvent{{Fd: r, Events: gselect.POLLIN}}))
			}
		}
		one := make([]byte, 1)
		round := func(waiter func(int) func()) error {
			order = nil
			var gs []*gevent.Greenlet[struct{}]
			for i := range 4 {
				gs = append(gs, gevent.Go(waiter(i)))
			}
			gevent.Sleep(20 * ms)
			w.Write([]byte("x"))
			gevent.JoinAll(gs)
			P(order)
			return nil
		}
		round(sel)
		pr.Read(one)
		round(pol)
		pr.Read(one)
		round(func(i int) func() {
			if i%2 == 0 {
				return sel(i)
			}
			return pol(i)
		})
		pr.Read(one)

		// Two descriptors: the first waiter's stays quiet while the other is ready.
		pr2, pw2, err := os.Pipe()
		if err != nil {
			return err
		}
		defer pr2.Close()
		defer pw2.Close()
		order = nil
		var gs []*gevent.Greenlet[struct{}]
		for i := range 4 {
			fd := r
			if i%2 == 0 {
				fd = int(pr2.Fd())
			}
			gs = append(gs, gevent.Go(func() {
				gselect.Select([]int{fd}, nil, nil, 2*time.Second)
				order = append(order, i)
			}))
		}
		gevent.Sleep(20 * ms)
		w.Write([]byte("x"))
		gevent.Sleep(20 * ms)
		P(order)
		pw2.Write([]byte("x"))
		gevent.JoinAll(gs)
		P(order)
		return nil
	})
}
