package zmq_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/zmq"
)

// loopIterations counts the hub's loop iterations while fn runs.
func loopIterations(fn func() error) (int, error) {
	n := 0
	h := gevent.GetHub()
	h.SetHooks(gevent.Hooks{LoopIteration: func() { n++ }})
	defer h.SetHooks(gevent.Hooks{})
	err := fn()
	return n, err
}

// Two greenlets of one hub doing REQ/REP over inproc hand over directly
// (the one that parks wakes its peer, whose ZMQ_FD it just made readable),
// not through a trip of the hub's loop and epoll_wait per hop: the loop
// runs once per batch of ready greenlets, not once per message.
func TestInprocPeersOfOneHubHandOverWithoutLoopTrips(t *testing.T) {
	for _, connectFirst := range []bool{false, true} {
		t.Run(fmt.Sprint("connectFirst=", connectFirst), func(t *testing.T) {
			run(t, func() error {
				ep := inproc()
				rep := must(ctx.Socket(zmq.REP))
				defer rep.Close()
				req := must(ctx.Socket(zmq.REQ))
				defer req.Close()
				if connectFirst { // libzmq allows connect before bind for inproc
					must(0, req.Connect(ep))
					must(0, rep.Bind(ep))
				} else {
					must(0, rep.Bind(ep))
					must(0, req.Connect(ep))
				}
				const n = 2000
				g := gevent.GoErr(func() error {
					for range n {
						m, err := rep.RecvBytes(0)
						if err != nil {
							return err
						}
						if _, err := rep.SendBytes(m, 0); err != nil {
							return err
						}
					}
					return nil
				})
				iters, err := loopIterations(func() error {
					for i := range n {
						if _, err := req.Send(fmt.Sprint(i), 0); err != nil {
							return err
						}
						m, err := req.Recv(0)
						if err != nil {
							return err
						}
						if m != fmt.Sprint(i) {
							return fmt.Errorf("reply %q to %d", m, i)
						}
					}
					return nil
				})
				if err != nil {
					return err
				}
				if err := g.Join(5 * time.Second); err != nil {
					return err
				}
				// One iteration per hop would be 2n; the ready FIFO runs up
				// to 1,024 greenlets per iteration.
				if iters > n/10 {
					t.Errorf("%d round trips took %d loop iterations, want <= %d", n, iters, n/10)
				}
				return nil
			})
		})
	}
}

// A check of a peer consumes the peer's ZMQ_FD edge: it must wake every
// waiter that can proceed. Two greenlets receive on one PULL socket, fed
// by a PUSH greenlet of the same hub over inproc that parks in Send every
// two messages (so messages are announced by the direct check rather than
// epoll); every message must arrive.
func TestPeerCheckWakesEveryReceiverOfOneSocket(t *testing.T) {
	run(t, func() error {
		// High-water marks of one message: the sender parks in Send (a
		// zmq wait, which checks the peer) every two messages.
		ep := inproc()
		pull := must(ctx.Socket(zmq.PULL))
		defer pull.Close()
		push := must(ctx.Socket(zmq.PUSH))
		defer push.Close()
		must(0, pull.SetRcvhwm(1))
		must(0, push.SetSndhwm(1))
		must(0, push.SetSndtimeo(10*time.Second)) // a lost wake-up fails, not hangs
		must(0, pull.Bind(ep))
		must(0, push.Connect(ep))
		const n = 300
		got := make([]int, 2)
		var rs []*gevent.Greenlet[struct{}]
		for i := range got {
			rs = append(rs, gevent.Go(func() {
				for {
					if _, err := pull.Recv(0); err != nil {
						return
					}
					got[i]++
				}
			}))
		}
		for i := range n {
			if _, err := push.Send(fmt.Sprint(i), 0); err != nil {
				return err
			}
		}
		deadline := time.Now().Add(10 * time.Second)
		for got[0]+got[1] < n && time.Now().Before(deadline) {
			gevent.Sleep(time.Millisecond)
		}
		if got[0]+got[1] != n {
			t.Errorf("receivers got %v of %d messages", got, n)
		}
		pull.Close()
		_, err := gevent.JoinAll(rs, 5*time.Second)
		return err
	})
}

// A Poller waits for POLLIN on the socket a greenlet sends on; the peer
// (same hub, inproc) replies and parks. The reply must wake the Poller.
func TestPeerCheckWakesPollerOnSendingSocket(t *testing.T) {
	run(t, func() error {
		a, b := pair(t, zmq.DEALER, zmq.DEALER, inproc())
		defer a.Close()
		defer b.Close()
		const n = 200
		echo := gevent.GoErr(func() error {
			for range n {
				m, err := b.Recv(0)
				if err != nil {
					return err
				}
				if _, err := b.Send(m, 0); err != nil {
					return err
				}
			}
			return nil
		})
		p := zmq.NewPoller()
		p.Add(a, zmq.POLLIN)
		for i := range n {
			if _, err := a.Send(fmt.Sprint(i), 0); err != nil {
				return err
			}
			got, err := p.Poll(10 * time.Second)
			if err != nil {
				return err
			}
			if len(got) != 1 {
				t.Fatalf("round %d: poll returned %v (hung: no wake-up)", i, got)
			}
			if m, err := a.Recv(zmq.DONTWAIT); err != nil || m != fmt.Sprint(i) {
				t.Fatalf("round %d: %q %v", i, m, err)
			}
		}
		return echo.Join(5 * time.Second)
	})
}

// Inproc sockets of two hubs (two goroutines) are not linked as peers
// (neither hub may touch the other's sockets) and still talk, woken by
// epoll. Run with -race.
func TestInprocAcrossHubs(t *testing.T) {
	ep := inproc()
	bound := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- gevent.Run(func() error {
			rep := must(ctx.Socket(zmq.REP))
			defer rep.Close()
			if err := rep.Bind(ep); err != nil {
				close(bound)
				return err
			}
			close(bound)
			for range 100 {
				m, err := rep.Recv(0)
				if err != nil {
					return err
				}
				if _, err := rep.Send(m, 0); err != nil {
					return err
				}
			}
			return nil
		})
	}()
	<-bound
	run(t, func() error {
		req := must(ctx.Socket(zmq.REQ))
		defer req.Close()
		if err := req.Connect(ep); err != nil {
			return err
		}
		for i := range 100 {
			req.Send(fmt.Sprint(i), 0)
			if m, err := req.Recv(0); err != nil || m != fmt.Sprint(i) {
				return fmt.Errorf("%d: %q %v", i, m, err)
			}
		}
		return nil
	})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// The peer registry holds sockets weakly: a bound socket dropped without
// Close while its connected peer lives is still collected.
func TestDroppedInprocPeerIsCollectable(t *testing.T) {
	run(t, func() error {
		ep := inproc()
		s := must(ctx.Socket(zmq.PULL))
		must(0, s.Bind(ep))
		peer := must(ctx.Socket(zmq.PUSH))
		defer peer.Close()
		must(0, peer.Connect(ep))
		collected := make(chan struct{})
		runtime.AddCleanup(s, func(ch chan struct{}) { close(ch) }, collected)
		s = nil
		for range 50 {
			runtime.GC()
			select {
			case <-collected:
				return nil
			default:
			}
			gevent.Sleep(time.Millisecond)
		}
		t.Error("a dropped Socket with an inproc peer is still reachable")
		return nil
	})
}

// A socket with more inproc peers on its hub than the direct checks cover
// (a server of six clients) leaves them to epoll: every exchange
// completes.
func TestManyInprocPeersOfOneHub(t *testing.T) {
	run(t, func() error {
		ep := inproc()
		router := must(ctx.Socket(zmq.ROUTER))
		defer router.Close()
		must(0, router.Bind(ep))
		const clients, rounds = 6, 50
		srv := gevent.GoErr(func() error {
			for range clients * rounds {
				m, err := router.RecvMessageBytes(0)
				if err != nil {
					return err
				}
				if _, err := router.SendMessage(m); err != nil {
					return err
				}
			}
			return nil
		})
		var gs []*gevent.Greenlet[struct{}]
		errs := make([]error, clients)
		for i := range clients {
			req := must(ctx.Socket(zmq.REQ))
			defer req.Close()
			must(0, req.SetRcvtimeo(10*time.Second))
			must(0, req.Connect(ep))
			gs = append(gs, gevent.Go(func() {
				for r := range rounds {
					want := fmt.Sprint(i, "/", r)
					if _, errs[i] = req.Send(want, 0); errs[i] != nil {
						return
					}
					var m string
					if m, errs[i] = req.Recv(0); errs[i] == nil && m != want {
						errs[i] = fmt.Errorf("client %d: got %q, want %q", i, m, want)
					}
					if errs[i] != nil {
						return
					}
				}
			}))
		}
		if _, err := gevent.JoinAll(gs, 20*time.Second); err != nil {
			return err
		}
		for _, err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		return srv.Join(5 * time.Second)
	})
}
