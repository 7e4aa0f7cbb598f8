package zmq_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/blocktest"
	"github.com/gevent-go/gevent/subprocess"
	"github.com/gevent-go/gevent/zmq"
	zmq4 "github.com/pebbe/zmq4"
)

func run(t *testing.T, fn func() error) {
	t.Helper()
	if err := gevent.Run(fn); err != nil {
		t.Fatal(err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

var ctx = must(zmq.NewContext())

// freePort returns a TCP port free on loopback now.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func pair(t *testing.T, a, b zmq.Type, endpoint string) (*zmq.Socket, *zmq.Socket) {
	t.Helper()
	s1 := must(ctx.Socket(a))
	s2 := must(ctx.Socket(b))
	if err := s1.Bind(endpoint); err != nil {
		t.Fatal(err)
	}
	if err := s2.Connect(endpoint); err != nil {
		t.Fatal(err)
	}
	return s1, s2
}

var inprocSeq int

func inproc() string { inprocSeq++; return fmt.Sprintf("inproc://test-%d", inprocSeq) }

// Two greenlets of one hub talk REQ/REP; a third keeps running while they
// wait (the hub is never blocked).
func TestReqRepGreenletsTCPAndInproc(t *testing.T) {
	for _, ep := range []string{"tcp://127.0.0.1:*", ""} {
		run(t, func() error {
			if ep == "" {
				ep = inproc()
			}
			rep := must(ctx.Socket(zmq.REP))
			defer rep.Close()
			if err := rep.Bind(ep); err != nil {
				return err
			}
			ep = must(rep.GetLastEndpoint())
			req := must(ctx.Socket(zmq.REQ))
			defer req.Close()
			ticks := 0
			ticker := gevent.Go(func() {
				for gevent.Sleep(time.Millisecond) == nil {
					ticks++
				}
			})
			defer ticker.Kill(nil, false)
			server := gevent.GoErr(func() error {
				for {
					msg, err := rep.Recv(0)
					if err != nil {
						return err
					}
					if msg == "stop" {
						_, err := rep.Send("bye", 0)
						return err
					}
					if _, err := rep.Send(strings.ToUpper(msg), 0); err != nil {
						return err
					}
				}
			})
			gevent.Sleep(10 * time.Millisecond) // the server waits in Recv
			if err := req.Connect(ep); err != nil {
				return err
			}
			for i := range 50 {
				if _, err := req.Send(fmt.Sprint("hello ", i), 0); err != nil {
					return err
				}
				got, err := req.Recv(0)
				if err != nil || got != fmt.Sprint("HELLO ", i) {
					t.Fatalf("%s: reply %q %v", ep, got, err)
				}
			}
			req.Send("stop", 0)
			req.Recv(0)
			if err := server.Join(5 * time.Second); err != nil || server.Err() != nil {
				t.Errorf("server: %v %v", err, server.Err())
			}
			if ticks == 0 {
				t.Errorf("%s: the ticker never ran while the server waited", ep)
			}
			return nil
		})
	}
}

// The edge-trigger trap: one greenlet blocked in Recv, another sending on
// the same DEALER socket. Each send reads ZMQ_EVENTS inside libzmq and may
// consume the ZMQ_FD edge that announces the receiver's reply; unless the
// sender wakes the receiver (zmq.green's __state_changed), it hangs.
func TestSendOnSocketWakesBlockedReceiver(t *testing.T) {
	run(t, func() error {
		router, dealer := pair(t, zmq.ROUTER, zmq.DEALER, inproc())
		defer router.Close()
		defer dealer.Close()
		const n = 200
		echo := gevent.GoErr(func() error {
			for range n {
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
		recv := gevent.Spawn(func() (int, error) {
			got := 0
			for range n {
				if _, err := dealer.Recv(0); err != nil {
					return got, err
				}
				got++
			}
			return got, nil
		})
		for i := range n {
			if _, err := dealer.Send(fmt.Sprint(i), 0); err != nil {
				return err
			}
			if i%7 == 0 {
				gevent.Sleep(0)
			}
		}
		got, err := recv.Get(10 * time.Second)
		if err != nil || got != n {
			t.Fatalf("receiver got %d of %d: %v", got, n, err)
		}
		return echo.Join(5 * time.Second)
	})
}

func TestMultipartAndSubscribe(t *testing.T) {
	run(t, func() error {
		ep := inproc()
		pub := must(ctx.Socket(zmq.PUB))
		defer pub.Close()
		pub.Bind(ep)
		sub := must(ctx.Socket(zmq.SUB))
		defer sub.Close()
		sub.SetSubscribe("news")
		sub.Connect(ep)
		gevent.Sleep(20 * time.Millisecond) // let the subscription reach the publisher
		pub.SendMessage("sport", "ignored")
		pub.SendMessage("news", "part 1", []byte("part 2"))
		msg, err := sub.RecvMessage(0)
		if err != nil || strings.Join(msg, "|") != "news|part 1|part 2" {
			t.Errorf("got %q %v", msg, err)
		}
		return nil
	})
}

func TestCloseWakesWaiters(t *testing.T) {
	run(t, func() error {
		pull := must(ctx.Socket(zmq.PULL))
		pull.Bind(inproc())
		errs := make([]error, 3)
		var gs []*gevent.Greenlet[struct{}]
		for i := range errs {
			gs = append(gs, gevent.Go(func() { _, errs[i] = pull.Recv(0) }))
		}
		gevent.Sleep(5 * time.Millisecond)
		if err := pull.Close(); err != nil {
			return err
		}
		if _, err := gevent.JoinAll(gs, 5*time.Second); err != nil {
			return err
		}
		for i, err := range errs {
			if !errors.Is(err, zmq.ErrClosed) {
				t.Errorf("waiter %d: %v, want ErrClosed", i, err)
			}
		}
		if _, err := pull.Recv(0); !errors.Is(err, zmq.ErrClosed) {
			t.Errorf("Recv after Close: %v", err)
		}
		if err := pull.Close(); !errors.Is(err, zmq.ErrClosed) {
			t.Errorf("second Close: %v", err)
		}
		return nil
	})
}

func TestRcvtimeoAndLibzmqErrors(t *testing.T) {
	run(t, func() error {
		req := must(ctx.Socket(zmq.REQ))
		defer req.Close()
		if err := req.Connect("bogus://nowhere"); err == nil {
			t.Errorf("bad endpoint accepted")
		}
		if _, err := req.Recv(0); zmq4.AsErrno(err) != zmq4.EFSM {
			t.Errorf("Recv on a fresh REQ: %v, want EFSM", err)
		}
		pull := must(ctx.Socket(zmq.PULL))
		defer pull.Close()
		pull.Bind(inproc())
		pull.SetRcvtimeo(30 * time.Millisecond)
		start := time.Now()
		_, err := pull.Recv(0)
		if !errors.Is(err, gevent.ErrTimeout) || !errors.Is(err, zmq.ErrAgain) {
			t.Errorf("Recv with RCVTIMEO: %v", err)
		}
		if el := time.Since(start); el < 25*time.Millisecond || el > 5*time.Second {
			t.Errorf("RCVTIMEO of 30ms returned after %v", el)
		}
		if _, err := pull.Recv(zmq.DONTWAIT); !errors.Is(err, zmq.ErrAgain) {
			t.Errorf("DONTWAIT: %v", err)
		}
		return nil
	})
}

func TestBlockingContract(t *testing.T) {
	blocktest.Check(t, blocktest.Op{Name: "Recv", Setup: func() blocktest.Op {
		s := must(ctx.Socket(zmq.PULL))
		s.Bind(inproc())
		return blocktest.Op{
			Block: func() error { _, err := s.Recv(0); return err },
			WithTimeout: func(d time.Duration) error {
				s.SetRcvtimeo(d)
				_, err := s.Recv(0)
				return err
			},
		}
	}})
	blocktest.Check(t, blocktest.Op{Name: "Send", Setup: func() blocktest.Op {
		s := must(ctx.Socket(zmq.PUSH)) // no peer: a send waits
		s.Bind(inproc())
		return blocktest.Op{
			Block: func() error { _, err := s.Send("x", 0); return err },
			WithTimeout: func(d time.Duration) error {
				s.SetSndtimeo(d)
				_, err := s.Send("x", 0)
				return err
			},
		}
	}})
	blocktest.Check(t, blocktest.Op{Name: "Poll", Setup: func() blocktest.Op {
		s := must(ctx.Socket(zmq.PULL))
		s.Bind(inproc())
		p := zmq.NewPoller()
		p.Add(s, zmq.POLLIN)
		return blocktest.Op{Block: func() error { _, err := p.Poll(-1); return err }}
	}})
}

func TestPoller(t *testing.T) {
	run(t, func() error {
		a1, a2 := pair(t, zmq.PAIR, zmq.PAIR, inproc())
		b1, b2 := pair(t, zmq.PAIR, zmq.PAIR, inproc())
		p := zmq.NewPoller()
		p.Add(a1, zmq.POLLIN)
		p.Add(b1, zmq.POLLIN)
		got, err := p.Poll(20 * time.Millisecond)
		if err != nil || len(got) != 0 {
			t.Errorf("poll with nothing: %v %v", got, err)
		}
		gevent.GoLater(5*time.Millisecond, func() { b2.Send("to b", 0) })
		got, err = p.Poll(-1)
		if err != nil || len(got) != 1 || got[0].Socket != b1 || got[0].Events != zmq.POLLIN {
			t.Fatalf("poll: %v %v", got, err)
		}
		if m, _ := b1.Recv(0); m != "to b" {
			t.Errorf("recv %q", m)
		}
		a2.Send("to a", 0)
		got, _ = p.Poll(time.Second)
		if len(got) != 1 || got[0].Socket != a1 {
			t.Errorf("poll: %v", got)
		}
		for _, s := range []*zmq.Socket{a1, a2, b1, b2} {
			s.Close()
		}
		return nil
	})
}

// A socket left open when its hub ends is closed then, so the context
// can terminate.
func TestHubEndClosesSockets(t *testing.T) {
	c := must(zmq.NewContext())
	run(t, func() error {
		s := must(c.Socket(zmq.PULL))
		return s.Bind(inproc())
	})
	done := make(chan error, 1)
	go func() { done <- c.Term() }()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Term blocked: the socket was not closed with its hub")
	}
}

// --- peers no one here wrote: pyzmq (Debian python3-zmq) ---

const python = "/usr/bin/python3"

func needPyzmq(t *testing.T) {
	if exec.Command(python, "-c", "import zmq, gevent").Run() != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-zmq/python3-gevent missing (scripts/deps.sh installs them)")
		}
		t.Skip("python3-zmq not installed (scripts/deps.sh installs it)")
	}
}

// startPy starts a pyzmq program and returns it once it printed "ready".
func startPy(t *testing.T, prog string, args ...string) *subprocess.Popen {
	t.Helper()
	p, err := subprocess.Start(append([]string{python, "-c", prog}, args...), subprocess.Options{Stdout: subprocess.PIPE})
	if err != nil {
		t.Fatal(err)
	}
	// A failing test must not leave the peer waiting forever.
	gevent.GetHub().AfterClose(func() { p.Kill() })
	buf := make([]byte, 6)
	if _, err := io.ReadFull(p.Stdout, buf); err != nil || string(buf) != "ready\n" {
		t.Fatalf("python peer: %q %v", buf, err)
	}
	return p
}

func TestAgainstPyzmq(t *testing.T) {
	needPyzmq(t)
	t.Run("REQ to pyzmq REP", func(t *testing.T) {
		port := freePort(t)
		run(t, func() error {
			p := startPy(t, `
import sys, zmq
s = zmq.Context().socket(zmq.REP); s.bind("tcp://127.0.0.1:" + sys.argv[1]); print("ready", flush=True)
for i in range(3): s.send(s.recv().upper())
`, fmt.Sprint(port))
			req := must(ctx.Socket(zmq.REQ))
			defer req.Close()
			req.Connect(fmt.Sprint("tcp://127.0.0.1:", port))
			for i := range 3 {
				req.Send(fmt.Sprint("ping ", i), 0)
				if m, err := req.Recv(0); err != nil || m != fmt.Sprint("PING ", i) {
					t.Errorf("reply %q %v", m, err)
				}
			}
			_, err := p.Wait(10 * time.Second)
			return err
		})
	})
	t.Run("REP to pyzmq REQ, multipart", func(t *testing.T) {
		port := freePort(t)
		run(t, func() error {
			rep := must(ctx.Socket(zmq.REP))
			defer rep.Close()
			rep.Bind(fmt.Sprint("tcp://127.0.0.1:", port))
			p, err := subprocess.Start([]string{python, "-c", `
import sys, zmq
s = zmq.Context().socket(zmq.REQ); s.connect("tcp://127.0.0.1:" + sys.argv[1])
s.send_multipart([b"a", b"b"]); print(s.recv_multipart())
`, fmt.Sprint(port)}, subprocess.Options{Stdout: subprocess.PIPE})
			if err != nil {
				return err
			}
			gevent.GetHub().AfterClose(func() { p.Kill() })
			m, err := rep.RecvMessage(0)
			if err != nil || strings.Join(m, ",") != "a,b" {
				t.Errorf("got %q %v", m, err)
			}
			rep.SendMessage("x", "y", "z")
			out, _, err := p.Communicate(nil, 10*time.Second)
			if string(out) != "[b'x', b'y', b'z']\n" {
				t.Errorf("python printed %q", out)
			}
			return err
		})
	})
	t.Run("SUB to pyzmq PUB, PULL from pyzmq PUSH, PUSH to pyzmq PULL", func(t *testing.T) {
		p1, p2, p3 := freePort(t), freePort(t), freePort(t)
		run(t, func() error {
			p := startPy(t, `
import sys, time, zmq
c = zmq.Context()
pub = c.socket(zmq.PUB); pub.bind("tcp://127.0.0.1:" + sys.argv[1])
push = c.socket(zmq.PUSH); push.bind("tcp://127.0.0.1:" + sys.argv[2])
pull = c.socket(zmq.PULL); pull.bind("tcp://127.0.0.1:" + sys.argv[3])
print("ready", flush=True)
for i in range(5): push.send(b"job %d" % i)
pull.recv()  # the Go side is subscribed
for i in range(5): pub.send_multipart([b"topic", b"event %d" % i])
total = sum(int(pull.recv()) for i in range(5))
print(total, flush=True)
`, fmt.Sprint(p1), fmt.Sprint(p2), fmt.Sprint(p3))
			sub := must(ctx.Socket(zmq.SUB))
			pull := must(ctx.Socket(zmq.PULL))
			push := must(ctx.Socket(zmq.PUSH))
			for _, s := range []*zmq.Socket{sub, pull, push} {
				defer s.Close()
			}
			sub.SetSubscribe("topic")
			sub.Connect(fmt.Sprint("tcp://127.0.0.1:", p1))
			pull.Connect(fmt.Sprint("tcp://127.0.0.1:", p2))
			push.Connect(fmt.Sprint("tcp://127.0.0.1:", p3))
			jobs := gevent.Spawn(func() ([]string, error) {
				var got []string
				for range 5 {
					m, err := pull.Recv(0)
					if err != nil {
						return got, err
					}
					got = append(got, m)
				}
				return got, nil
			})
			gevent.Sleep(100 * time.Millisecond) // the subscription reaches the publisher
			push.Send("subscribed", 0)
			for i := range 5 {
				m, err := sub.RecvMessage(0)
				if err != nil || strings.Join(m, " ") != fmt.Sprint("topic event ", i) {
					t.Errorf("sub got %q %v", m, err)
				}
				push.Send(fmt.Sprint(i), 0)
			}
			got, err := jobs.Get(10 * time.Second)
			if err != nil || strings.Join(got, ",") != "job 0,job 1,job 2,job 3,job 4" {
				t.Errorf("pull got %q %v", got, err)
			}
			out, _, err := p.Communicate(nil, 10*time.Second)
			if string(out) != "10\n" {
				t.Errorf("python summed %q", out)
			}
			return err
		})
	})
}

// Regression: a Poll (or GetEvents) by one greenlet reads ZMQ_EVENTS,
// which drains the ZMQ_FD signal a greenlet blocked in Recv on the same
// socket waits for; the epoll edge is then gone. Unless the reader of the
// events wakes that greenlet, it hangs although a message is queued.
func TestPollWakesGreenletBlockedInRecvOnSameSocket(t *testing.T) {
	run(t, func() error {
		ep := inproc()
		router := must(ctx.Socket(zmq.ROUTER))
		defer router.Close()
		router.Bind(ep)
		dealer := must(ctx.Socket(zmq.DEALER))
		defer dealer.Close()
		dealer.SetIdentity("D")
		dealer.Connect(ep)
		dealer.Send("hello", 0)
		if m, err := router.RecvMessage(0); err != nil || m[0] != "D" {
			t.Fatalf("router: %q %v", m, err)
		}
		recv := gevent.Spawn(func() (string, error) { return dealer.Recv(0) })
		gevent.Sleep(5 * time.Millisecond) // recv waits on ZMQ_FD
		p := zmq.NewPoller()
		p.Add(dealer, zmq.POLLIN)
		router.SendMessage("D", "reply")
		if got, err := p.Poll(0); err != nil || len(got) != 1 {
			t.Fatalf("Poll(0): %v %v", got, err)
		}
		m, err := recv.Get(3 * time.Second)
		if err != nil || m != "reply" {
			t.Fatalf("blocked Recv: %q %v (the poll took its wake-up)", m, err)
		}
		return nil
	})
}

// A socket dropped without Close is not kept alive by its hub: the
// garbage collector can reclaim it while the hub runs.
func TestDroppedSocketIsCollectable(t *testing.T) {
	run(t, func() error {
		s := must(ctx.Socket(zmq.PULL))
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
		t.Error("a dropped Socket is still reachable (held by its hub)")
		return nil
	})
}

// A new socket busy-polls for DefaultBusyPoll while a greenlet waits on
// it, once it has an endpoint other than inproc (the hub's side is tested
// in the gevent package:
// TestFDSetBusyPollSpinsOnlyWhileWaiting); SetBusyPoll changes it, 0
// turns it off, negative is 0; after Close it returns ErrClosed. A REQ/REP
// round trip over tcp works either way.
func TestSetBusyPoll(t *testing.T) {
	run(t, func() error {
		irep, ireq := pair(t, zmq.REP, zmq.REQ, inproc()) // inproc only: never polls
		defer irep.Close()
		defer ireq.Close()
		g := gevent.Go(func() {
			m, _ := irep.Recv(0)
			irep.Send(m, 0)
		})
		ireq.Send("ping", 0)
		ireq.Recv(0)
		g.Join()
		if a, b := zmq.BusyPoll(irep), zmq.BusyPoll(ireq); a != 0 || b != 0 {
			t.Errorf("inproc sockets poll %v, %v; want 0", a, b)
		}

		rep, req := pair(t, zmq.REP, zmq.REQ, fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t)))
		defer req.Close()
		if d := zmq.BusyPoll(rep); d != 50*time.Microsecond {
			t.Errorf("new socket: busy poll %v, want DefaultBusyPoll (50µs)", d)
		}
		for _, c := range []struct{ in, want time.Duration }{
			{time.Millisecond, time.Millisecond}, {-time.Second, 0}, {0, 0}, {zmq.DefaultBusyPoll, zmq.DefaultBusyPoll},
		} {
			for _, s := range []*zmq.Socket{rep, req} {
				if err := s.SetBusyPoll(c.in); err != nil {
					return err
				}
				if d := zmq.BusyPoll(s); d != c.want {
					t.Errorf("SetBusyPoll(%v): %v, want %v", c.in, d, c.want)
				}
			}
			g := gevent.Go(func() {
				m, _ := rep.Recv(0)
				rep.Send(m, 0)
			})
			req.Send("ping", 0)
			if m, err := req.Recv(0); m != "ping" || err != nil {
				t.Errorf("busy poll %v: round trip gave %q, %v", c.want, m, err)
			}
			g.Join()
		}
		rep.Close()
		if err := rep.SetBusyPoll(0); !errors.Is(err, zmq.ErrClosed) {
			t.Errorf("SetBusyPoll after Close: %v, want ErrClosed", err)
		}
		return nil
	})
}

// The busy poll adapts to the socket's waits: each wait longer than 8
// times the setting halves it for the next, none after six in a row but
// for one wait in 16 that polls in full, and a short wait restores it.
func TestBusyPollAdaptsToWaits(t *testing.T) {
	run(t, func() error {
		s := must(ctx.Socket(zmq.PULL))
		defer s.Close()
		const d = 64 * time.Microsecond
		s.SetBusyPoll(d)
		var got []time.Duration
		for range 6 + 16 {
			zmq.ArmSpin(s)
			got = append(got, zmq.BusyPoll(s))
			zmq.Waited(s, time.Millisecond)
		}
		want := []time.Duration{d, d / 2, d / 4, d / 8, d / 16, d / 32}
		for range 15 {
			want = append(want, 0)
		}
		want = append(want, d) // the probe
		if !slices.Equal(got, want) {
			t.Errorf("busy poll of each wait %v, want %v", got, want)
		}
		zmq.Waited(s, 8*d) // the probe's wait was short (at most 8 times d)
		zmq.ArmSpin(s)
		if got := zmq.BusyPoll(s); got != d {
			t.Errorf("after a short wait: %v, want %v", got, d)
		}
		zmq.Waited(s, 8*d+1)
		zmq.ArmSpin(s)
		if got := zmq.BusyPoll(s); got != d/2 {
			t.Errorf("after a wait of 8 d + 1 ns: %v, want %v", got, d/2)
		}
		s.SetBusyPoll(0)
		zmq.Waited(s, 0)
		zmq.ArmSpin(s)
		if got := zmq.BusyPoll(s); got != 0 {
			t.Errorf("SetBusyPoll(0): armed %v", got)
		}
		return nil
	})
}

// A REP socket whose requests come 2 ms apart (over tcp, as an idle-ish
// server) stops busy-polling after six of them.
func TestBusyPollOffForSparseRequests(t *testing.T) {
	run(t, func() error {
		rep, req := pair(t, zmq.REP, zmq.REQ, fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t)))
		defer rep.Close()
		defer req.Close()
		const n = 8
		g := gevent.Go(func() {
			for range n {
				m, _ := rep.Recv(0)
				rep.Send(m, 0)
			}
		})
		for i := range n {
			gevent.Sleep(2 * time.Millisecond)
			req.Send("ping", 0)
			if _, err := req.Recv(0); err != nil {
				return err
			}
			if want := time.Duration(0); i == n-1 && zmq.BusyPoll(rep) != want {
				t.Errorf("after %d requests 2 ms apart the REP socket polls %v, want 0", n, zmq.BusyPoll(rep))
			}
		}
		g.Join()
		return nil
	})
}
