package conformance

import (
	"errors"
	"fmt"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
	"github.com/gevent-go/gevent/queue"
)

// Ports of gevent's test__queue.py (the seeds about queues are in
// internal/seeds).

func init() {
	register("queue_max_size", func() error {
		q := queue.NewQueue[string](2)
		results := []string{}
		p := gevent.Spawn(func() (string, error) {
			for _, s := range []string{"a", "b", "c"} {
				if err := q.Put(s); err != nil {
					return "", err
				}
				results = append(results, s)
			}
			return "OK", nil
		})
		gevent.Sleep(0)
		P(results)
		v, _ := q.Get()
		P(v)
		gevent.Sleep(0)
		P(results)
		b, _ := q.Get()
		c, _ := q.Get()
		P(b, c)
		v, err := p.Get(0)
		if err != nil {
			return err
		}
		P(v)
		return nil
	})

	register("queue_peek", func() error {
		q := queue.NewQueue[any](0)
		q.Put("hi")
		a, _ := q.Peek()
		b, _ := q.Get()
		P(a, b)
		if _, err := q.Peek(); errors.Is(err, gevent.ErrLoopExit) {
			P("LoopExit")
		}
		g := gevent.Go(func() {
			if _, err := q.Peek(10 * ms); errors.Is(err, queue.ErrEmpty) {
				P("Empty")
			}
		})
		gevent.Sleep(50 * ms)
		g.Join()
		g2 := gevent.Spawn(func() (any, error) { return q.Peek() })
		gevent.Sleep(0)
		q.Put(1)
		g2.Join()
		v, _ := q.Peek()
		P(g2.Err() == nil, g2.Value(), v)
		return nil
	})

	register("queue_waiters", func() error {
		q := queue.NewQueue[string](0)
		sendings := []string{"1", "2", "3", "4"}
		evts := make([]*event.AsyncResult[string], len(sendings))
		for i := range sendings {
			evts[i] = event.NewAsyncResult[string]()
			gevent.Go(func() { v, _ := q.Get(); evts[i].Set(v) })
		}
		gevent.Sleep(10 * ms)
		results := []string{}
		collect := func() int {
			for _, e := range evts {
				gevent.NewSilentTimeout(time.Millisecond).Run(func() error {
					x, err := e.Get()
					if err != nil {
						return err
					}
					for _, r := range results {
						if r == x {
							return nil
						}
					}
					results = append(results, x)
					return nil
				})
			}
			return len(results)
		}
		q.Put(sendings[0])
		P(collect())
		q.Put(sendings[1])
		P(collect())
		q.Put(sendings[2])
		q.Put(sendings[3])
		P(collect(), results)

		evt := event.NewAsyncResult[string]()
		gevent.Go(doReceive(q, evt))
		v, _ := evt.Get()
		P(v)
		q.Put("hi")
		v, _ = q.Get()
		P(v)
		gevent.Go(func() { q.Put("sent") })
		v, _ = q.Get()
		P(v)
		return nil
	})

	register("queue_two_waiters_one_dies", func() error {
		q := queue.NewQueue[string](0)
		dying, waiting := event.NewAsyncResult[string](), event.NewAsyncResult[string]()
		gevent.Go(doReceive(q, dying))
		gevent.Go(func() { v, _ := q.Get(); waiting.Set(v) })
		gevent.Sleep(200 * ms)
		q.Put("hi")
		a, _ := dying.Get()
		b, _ := waiting.Get()
		P(a, b)

		q = queue.NewQueue[string](0)
		e1, e2 := event.NewAsyncResult[string](), event.NewAsyncResult[string]()
		gevent.Go(doReceive(q, e1))
		gevent.Go(doReceive(q, e2))
		gevent.Sleep(200 * ms)
		q.Put("sent")
		a, _ = e1.Get()
		b, _ = e2.Get()
		c, _ := q.Get()
		P(a, b, c)
		return nil
	})

	register("greenlet_link_to_queue", func() error {
		p := gevent.Spawn(func() (int, error) { return 100, nil })
		q := queue.NewQueue[*gevent.Greenlet[int]](0)
		put := func(g *gevent.Greenlet[int]) { q.Put(g) }
		p.Link(put)
		g, err := q.Get()
		if err != nil {
			return err
		}
		P(g.Value())
		for range 3 {
			p.Link(put)
			g, err := q.Get()
			if err != nil {
				return err
			}
			P(g.Value())
		}
		var c queue.Channel[*gevent.Greenlet[int]]
		for _, v := range []int{101, 102, 103} {
			gevent.Spawn(func() (int, error) { return v, nil }).Link(func(g *gevent.Greenlet[int]) { c.Put(g) })
		}
		var results []int
		for range 3 {
			g, err := c.Get()
			if err != nil {
				return err
			}
			results = append(results, g.Value())
		}
		P(results)
		return nil
	})
}

var errRuntime = &Exception{Name: "RuntimeError"}

// doReceive is test__queue.py's do_receive: a get under Timeout(0).
func doReceive(q *queue.Queue[string], evt *event.AsyncResult[string]) func() {
	return func() {
		err := gevent.NewTimeout(0, errRuntime.New("")).Run(func() error {
			v, err := q.Get()
			if err == nil {
				evt.Set(v)
			}
			return err
		})
		if errors.Is(err, errRuntime) {
			evt.Set("timed out")
		} else if err != nil {
			evt.Set(fmt.Sprint("unexpected ", err))
		}
	}
}
