package zmq_test

import (
	"fmt"
	"testing"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/zmq"
	zmq4 "github.com/pebbe/zmq4"
)

// Benchmarks of issue 18 (figures in docs/BENCHMARKS.md): REQ/REP round
// trip and PUSH/PULL throughput between two greenlets of one hub, and the
// same between two plain goroutines with pebbe/zmq4's blocking calls.
// testdata/bench_green.py measures zmq.green under gevent.
//
//	cd zmq && go test -run XXX -bench . -benchtime 2s
//	/usr/bin/python3 testdata/bench_green.py

var benchEndpoints = []struct{ name, bind string }{
	{"inproc", "inproc://bench"},
	{"tcp", "tcp://127.0.0.1:*"},
}

func BenchmarkReqRepGreenlets(b *testing.B) {
	for _, ep := range benchEndpoints {
		b.Run(ep.name, func(b *testing.B) {
			gevent.Run(func() error {
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
				b.ResetTimer()
				for range n {
					req.SendBytes(msg, 0)
					req.RecvBytes(0)
				}
				b.StopTimer()
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
				b.ResetTimer()
				g := gevent.Go(func() {
					for range n {
						push.SendBytes(msg, 0)
					}
				})
				for range n {
					pull.RecvBytes(0)
				}
				b.StopTimer()
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
			b.ResetTimer()
			for range n {
				req.SendBytes(msg, 0)
				req.RecvBytes(0)
			}
			b.StopTimer()
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
			b.ResetTimer()
			go func() {
				for range n {
					push.SendBytes(msg, 0)
				}
			}()
			for range n {
				pull.RecvBytes(0)
			}
			b.StopTimer()
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
