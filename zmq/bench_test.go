package zmq_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/zmq"
	zmq4 "github.com/pebbe/zmq4"
)

// Benchmarks of issue 18 (figures in docs/BENCHMARKS.md): REQ/REP round
// trip and PUSH/PULL throughput between two greenlets of one hub, and the
// same between two plain goroutines with pebbe/zmq4's blocking calls.
// testdata/bench_green.py measures zmq.green under gevent.
//
//	cd zmq && GOMAXPROCS=1 go test -run XXX -bench . -benchtime 1s -count 5
//	/usr/bin/python3 testdata/bench_green.py
//
// ns/op is wall time per message (the figure compared); cpu-ns/op is the
// CPU time of the whole process per message (user + system, every
// thread: the goroutine pair runs its two blocking callers on two
// threads even with GOMAXPROCS=1, and tcp uses libzmq's I/O thread).

// cpuTimer measures the process's CPU time between ResetTimer and
// StopTimer.
type cpuTimer struct{ start time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (c *cpuTimer) reset(b *testing.B) {
	b.ResetTimer()
	c.start = cpuNow()
}

func (c *cpuTimer) stop(b *testing.B) {
	d := cpuNow() - c.start
	b.StopTimer()
	b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

var benchEndpoints = []struct{ name, bind string }{
	{"inproc", "inproc://bench"},
	{"tcp", "tcp://127.0.0.1:*"},
}

// BenchmarkReqRepGreenlets: the sockets busy-poll as they do by default
// (Socket.SetBusyPoll); "-nobusypoll" turns that off, and the hub sleeps
// in epoll_wait whenever it waits (gevent's way); "-hubbusypoll" polls
// for a fixed 50 µs instead (Hub.SetBusyPoll, sockets' off).
func BenchmarkReqRepGreenlets(b *testing.B) {
	for _, ep := range append(benchEndpoints,
		struct{ name, bind string }{"tcp-nobusypoll", "tcp://127.0.0.1:*"},
		struct{ name, bind string }{"tcp-hubbusypoll", "tcp://127.0.0.1:*"}) {
		b.Run(ep.name, func(b *testing.B) {
			gevent.Run(func() error {
				rep := must(ctx.Socket(zmq.REP))
				defer rep.Close()
				rep.Bind(ep.bind + suffix(ep.name, "rr", b.N))
				addr := must(rep.GetLastEndpoint())
				req := must(ctx.Socket(zmq.REQ))
				defer req.Close()
				req.Connect(addr)
				setBusyPoll(ep.name, rep, req)
				n := b.N
				g := gevent.Go(func() {
					for range n {
						m, _ := rep.RecvBytes(0)
						rep.SendBytes(m, 0)
					}
				})
				msg := []byte("0123456789abcdef")
				var ct cpuTimer
				ct.reset(b)
				for range n {
					req.SendBytes(msg, 0)
					req.RecvBytes(0)
				}
				ct.stop(b)
				g.Join()
				return nil
			})
		})
	}
}

func BenchmarkPushPullGreenlets(b *testing.B) {
	for _, ep := range append(benchEndpoints, struct{ name, bind string }{"tcp-nobusypoll", "tcp://127.0.0.1:*"}) {
		b.Run(ep.name, func(b *testing.B) {
			gevent.Run(func() error {
				pull := must(ctx.Socket(zmq.PULL))
				defer pull.Close()
				pull.Bind(ep.bind + suffix(ep.name, "pp", b.N))
				addr := must(pull.GetLastEndpoint())
				push := must(ctx.Socket(zmq.PUSH))
				defer push.Close()
				push.Connect(addr)
				setBusyPoll(ep.name, pull, push)
				n := b.N
				msg := []byte("0123456789abcdef")
				var ct cpuTimer
				ct.reset(b)
				g := gevent.Go(func() {
					for range n {
						push.SendBytes(msg, 0)
					}
				})
				for range n {
					pull.RecvBytes(0)
				}
				ct.stop(b)
				g.Join()
				return nil
			})
		})
	}
}

func BenchmarkReqRepZmq4Goroutines(b *testing.B) {
	for _, ep := range benchEndpoints {
		b.Run(ep.name, func(b *testing.B) {
			c := ctx.Context
			rep := must(c.NewSocket(zmq4.REP))
			defer rep.Close()
			rep.Bind(ep.bind + suffix(ep.name, "grr", b.N))
			addr := must(rep.GetLastEndpoint())
			req := must(c.NewSocket(zmq4.REQ))
			defer req.Close()
			req.Connect(addr)
			n := b.N
			done := make(chan struct{})
			go func() {
				for range n {
					m, _ := rep.RecvBytes(0)
					rep.SendBytes(m, 0)
				}
				close(done)
			}()
			msg := []byte("0123456789abcdef")
			var ct cpuTimer
			ct.reset(b)
			for range n {
				req.SendBytes(msg, 0)
				req.RecvBytes(0)
			}
			ct.stop(b)
			<-done
		})
	}
}

func BenchmarkPushPullZmq4Goroutines(b *testing.B) {
	for _, ep := range benchEndpoints {
		b.Run(ep.name, func(b *testing.B) {
			c := ctx.Context
			pull := must(c.NewSocket(zmq4.PULL))
			defer pull.Close()
			pull.Bind(ep.bind + suffix(ep.name, "gpp", b.N))
			addr := must(pull.GetLastEndpoint())
			push := must(c.NewSocket(zmq4.PUSH))
			defer push.Close()
			push.Connect(addr)
			n := b.N
			msg := []byte("0123456789abcdef")
			var ct cpuTimer
			ct.reset(b)
			go func() {
				for range n {
					push.SendBytes(msg, 0)
				}
			}()
			for range n {
				pull.RecvBytes(0)
			}
			ct.stop(b)
		})
	}
}

// setBusyPoll sets up the busy polling of case name: the sockets' default,
// none ("-nobusypoll"), or the hub's for 50 µs ("-hubbusypoll").
func setBusyPoll(name string, socks ...*zmq.Socket) {
	if strings.HasSuffix(name, "-nobusypoll") || strings.HasSuffix(name, "-hubbusypoll") {
		for _, s := range socks {
			s.SetBusyPoll(0)
		}
	}
	if strings.HasSuffix(name, "-hubbusypoll") {
		gevent.GetHub().SetBusyPoll(50 * time.Microsecond)
	}
}

// suffix makes inproc names unique per run (tcp binds port *).
func suffix(kind, name string, n int) string {
	if kind != "inproc" {
		return ""
	}
	inprocSeq++
	return fmt.Sprintf("-%s-%d-%d", name, n, inprocSeq)
}

// BenchmarkLibzmqFloor runs testdata/reqrep_floor.c (C against libzmq,
// no Go, built with gcc -lzmq; skipped without them): the REQ/REP round
// trip over tcp loopback with two threads of one context ("threads"), and
// with one thread switching between the two sockets with zmq_poll as one
// hub does ("poll"; "poll-spin50" polls with a zero timeout for up to
// 50 µs before it blocks, "poll-yield50" also calls sched_yield between
// the polls). ns/op and cpu-ns/op are the program's own
// figures per round trip (process start and connection excluded).
//
//	cd zmq && go test -run XXX -bench LibzmqFloor -benchtime 5000x
//	make -C zmq/testdata floor   # the same without Go
func BenchmarkLibzmqFloor(b *testing.B) {
	bin := floorBinary(b)
	for _, m := range []struct{ name, mode, spin string }{
		{"threads", "threads", "0"}, {"poll", "poll", "0"},
		{"poll-spin50", "poll-spin", "50"}, {"poll-yield50", "poll-yield", "50"},
	} {
		b.Run(m.name, func(b *testing.B) {
			out, err := exec.Command(bin, m.mode, m.spin, strconv.Itoa(b.N)).Output()
			if err != nil {
				b.Fatal(err)
			}
			// "poll          spin=  0us n=5000:    28.2 us/round-trip wall,    27.7 us CPU"
			f := strings.Fields(string(out[bytes.IndexByte(out, ':')+1:]))
			wall, _ := strconv.ParseFloat(f[0], 64)
			cpu, _ := strconv.ParseFloat(f[3], 64)
			b.ReportMetric(wall*1e3, "ns/op")
			b.ReportMetric(cpu*1e3, "cpu-ns/op")
		})
	}
}

var floorBin struct {
	once sync.Once
	path string
	err  error
}

// floorBinary builds testdata/reqrep_floor.c once per test process, or
// skips b when gcc or libzmq's headers are missing.
func floorBinary(b *testing.B) string {
	floorBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "zmqfloor")
		if err != nil {
			floorBin.err = err
			return
		}
		floorBin.path = filepath.Join(dir, "reqrep_floor")
		out, err := exec.Command("gcc", "-O2", "-o", floorBin.path, "testdata/reqrep_floor.c", "-lzmq", "-lpthread").CombinedOutput()
		if err != nil {
			floorBin.err = fmt.Errorf("%v: %s", err, out)
		}
	})
	if floorBin.err != nil {
		b.Skip("building testdata/reqrep_floor.c: ", floorBin.err)
	}
	return floorBin.path
}

// BenchmarkReqRepSparse is the cost side of busy polling: a REP server
// greenlet answers a REQ client in another process (reqrep_floor client,
// C) over tcp at 100 requests/s, the hub idle in between. cpu-ns/op is
// this process's CPU time per request (the hub's thread, the Go
// runtime's, libzmq's I/O thread), rtt-ns the client's mean round trip;
// ns/op is the 10 ms period. Cases as in BenchmarkReqRepGreenlets.
//
//	cd zmq && GOMAXPROCS=1 go test -run XXX -bench Sparse -benchtime 200x
func BenchmarkReqRepSparse(b *testing.B) {
	bin := floorBinary(b)
	for _, name := range []string{"tcp", "tcp-nobusypoll", "tcp-hubbusypoll"} {
		b.Run(name, func(b *testing.B) {
			var out []byte
			var cerr error
			gevent.Run(func() error {
				rep := must(ctx.Socket(zmq.REP))
				setBusyPoll(name, rep)
				defer rep.Close()
				rep.Bind("tcp://127.0.0.1:*")
				addr := must(rep.GetLastEndpoint())
				cmd := exec.Command(bin, "client", addr, strconv.Itoa(b.N), "10000")
				cmd.Stderr = os.Stderr
				stdout := must(cmd.StdoutPipe())
				if cerr = cmd.Start(); cerr != nil {
					return nil
				}
				m, _ := rep.RecvBytes(0) // the connecting round trip
				rep.SendBytes(m, 0)
				var ct cpuTimer
				ct.reset(b)
				for range b.N {
					m, _ := rep.RecvBytes(0)
					rep.SendBytes(m, 0)
				}
				ct.stop(b)
				out, _ = io.ReadAll(stdout)
				cerr = cmd.Wait()
				return nil
			})
			if cerr != nil {
				b.Fatal(cerr)
			}
			rtt, _ := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
			b.ReportMetric(rtt, "rtt-ns")
		})
	}
}
