package zmq_test

import (
	"fmt"
	"strings"
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

// BenchmarkReqRepGreenlets: the hub sleeps in epoll_wait whenever it
// waits (gevent's way); the "-busypoll" cases poll for up to 50 µs first
// (Hub.SetBusyPoll).
func BenchmarkReqRepGreenlets(b *testing.B) {
	for _, ep := range append(benchEndpoints, struct{ name, bind string }{"tcp-busypoll", "tcp://127.0.0.1:*"}) {
		b.Run(ep.name, func(b *testing.B) {
			gevent.Run(func() error {
				if strings.HasSuffix(ep.name, "-busypoll") {
					gevent.GetHub().SetBusyPoll(50 * time.Microsecond)
				}
				rep := must(ctx.Socket(zmq.REP))
				defer rep.Close()
				rep.Bind(ep.bind + suffix(ep.name, "rr", b.N))
				addr := must(rep.GetLastEndpoint())
				req := must(ctx.Socket(zmq.REQ))
				defer req.Close()
				req.Connect(addr)
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
	for _, ep := range benchEndpoints {
		b.Run(ep.name, func(b *testing.B) {
			gevent.Run(func() error {
				pull := must(ctx.Socket(zmq.PULL))
				defer pull.Close()
				pull.Bind(ep.bind + suffix(ep.name, "pp", b.N))
				addr := must(pull.GetLastEndpoint())
				push := must(ctx.Socket(zmq.PUSH))
				defer push.Close()
				push.Connect(addr)
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

// suffix makes inproc names unique per run (tcp binds port *).
func suffix(kind, name string, n int) string {
	if kind != "inproc" {
		return ""
	}
	inprocSeq++
	return fmt.Sprintf("-%s-%d-%d", name, n, inprocSeq)
}
