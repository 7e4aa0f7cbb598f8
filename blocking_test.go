package gevent_test

import (
	"os"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/blocktest"
)

// Every blocking call of the core keeps the same contract.
func TestBlockingContract(t *testing.T) {
	forever := func() *gevent.Greenlet[int] {
		return gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Hour) })
	}
	ops := []blocktest.Op{
		{Name: "Sleep", Block: func() error { return gevent.Sleep(time.Hour) }},
		{Name: "Join", Setup: func() blocktest.Op {
			g := forever()
			return blocktest.Op{Block: func() error { return g.Join() },
				WithTimeout: func(d time.Duration) error { return g.Join(d) }}
		}},
		{Name: "Get", Setup: func() blocktest.Op {
			g := forever()
			return blocktest.Op{Block: func() error { _, err := g.Get(); return err },
				WithTimeout: func(d time.Duration) error { _, err := g.Get(d); return err }}
		}},
		{Name: "JoinAll", Setup: func() blocktest.Op {
			gs := []*gevent.Greenlet[int]{forever(), forever()}
			return blocktest.Op{Block: func() error { _, err := gevent.JoinAll(gs); return err },
				WithTimeout: func(d time.Duration) error { _, err := gevent.JoinAll(gs, d); return err }}
		}},
		{Name: "WaitRead", Setup: func() blocktest.Op {
			r, w, err := os.Pipe()
			if err != nil {
				panic(err)
			}
			_ = w
			fd := int(r.Fd())
			return blocktest.Op{Block: func() error { return gevent.WaitRead(fd) },
				WithTimeout: func(d time.Duration) error { return gevent.WaitRead(fd, d) }}
		}},
		{Name: "Links.Wait", Setup: func() blocktest.Op {
			var l gevent.Links
			return blocktest.Op{Block: func() error { return l.Wait(-1) },
				WithTimeout: func(d time.Duration) error { return l.Wait(d) }}
		}},
		{Name: "Rendezvous.Take", Setup: func() blocktest.Op {
			var r gevent.Rendezvous[int]
			return blocktest.Op{Block: func() error { _, err := r.Take(nil); return err },
				WithTimeout: func(d time.Duration) error { _, err := r.Take(nil, d); return err }}
		}},
		{Name: "Rendezvous.Give", Setup: func() blocktest.Op {
			var r gevent.Rendezvous[int]
			return blocktest.Op{Block: func() error { return r.Give(1, nil) },
				WithTimeout: func(d time.Duration) error { return r.Give(1, nil, d) }}
		}},
	}
	for _, op := range ops {
		blocktest.Check(t, op)
	}
}
