package main

import (
	"net"
	"strconv"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/pool"
	"github.com/gevent-go/gevent/queue"
	"github.com/gevent-go/gevent/server"
)

// The gevent-go side of the workloads that need sibling packages, added as
// those packages landed.

func init() {
	packageWorkloads["queue_pingpong"] = func(n int) error {
		q, r := queue.NewQueue[int](0), queue.NewQueue[int](0)
		a := gevent.GoErr(func() error {
			for i := range n {
				if err := q.Put(i); err != nil {
					return err
				}
				if _, err := r.Get(); err != nil {
					return err
				}
			}
			return nil
		})
		b := gevent.GoErr(func() error {
			for range n {
				v, err := q.Get()
				if err != nil {
					return err
				}
				if err := r.Put(v); err != nil {
					return err
				}
			}
			return nil
		})
		_, err := gevent.JoinAll([]G{a, b})
		return firstErr(err, a.Err(), b.Err())
	}
	packageWorkloads["channel_handoff"] = func(n int) error {
		var c queue.Channel[int]
		a := gevent.GoErr(func() error {
			for i := range n {
				if err := c.Put(i); err != nil {
					return err
				}
			}
			return nil
		})
		b := gevent.GoErr(func() error {
			for range n {
				if _, err := c.Get(); err != nil {
					return err
				}
			}
			return nil
		})
		_, err := gevent.JoinAll([]G{a, b})
		return firstErr(err, a.Err(), b.Err())
	}

	childServers["echo-streamserver"] = func(port int) error {
		return gevent.Run(func() error {
			s := server.NewStreamServer("127.0.0.1:"+strconv.Itoa(port), func(c net.Conn, _ net.Addr) {
				echoConn(c, make([]byte, 65536))
			})
			return s.ServeForever()
		})
	}
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func init() {
	packageWorkloads["pool_imap_unordered"] = func(n int) error {
		p := pool.MustPool(100)
		identity := func(x int) (int, error) { return x, nil }
		for _, err := range pool.IMapUnordered(p, identity, func(yield func(int) bool) {
			for i := range n {
				if !yield(i) {
					return
				}
			}
		}) {
			if err != nil {
				return err
			}
		}
		return nil
	}
}
