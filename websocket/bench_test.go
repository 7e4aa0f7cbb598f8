package websocket_test

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gevent-go/gevent/websocket"
	gorilla "github.com/gorilla/websocket"
)

// BenchmarkEcho: 50 clients (gorilla, goroutines of the test process)
// each do round trips of a 64-byte message with an echo server: this
// package on one hub, and the same gorilla handler under net/http. One
// op is one round trip. Run with -cpu 1 for GOMAXPROCS=1 (clients and
// server then share the one P):
//
//	go test ./websocket -run '^$' -bench Echo -cpu 1
func BenchmarkEcho(b *testing.B) {
	b.Run("gevent", func(b *testing.B) {
		ts := serve(b, websocket.New(echo))
		benchEcho(b, ts.addr)
	})
	b.Run("nethttp", func(b *testing.B) {
		up := gorilla.Upgrader{}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			for {
				typ, m, err := c.ReadMessage()
				if err != nil {
					return
				}
				if c.WriteMessage(typ, m) != nil {
					return
				}
			}
		})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		s := &http.Server{Handler: h}
		go s.Serve(ln)
		defer s.Close()
		benchEcho(b, ln.Addr().String())
	})
}

func benchEcho(b *testing.B, addr string) {
	const clients = 50
	conns := make([]*gorilla.Conn, clients)
	for i := range conns {
		c, _, err := gorilla.DefaultDialer.Dial("ws://"+addr+"/", nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	msg := make([]byte, 64)
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	b.ResetTimer()
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				if err := c.WriteMessage(gorilla.BinaryMessage, msg); err != nil {
					b.Error(err)
					return
				}
				if _, _, err := c.ReadMessage(); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rt/s")
}

// BenchmarkIdleConnMemory reports the server's memory per idle WebSocket
// connection, each handler waiting in Receive: heap and stacks in use
// after GC, the stacks alone, and the process's RSS growth. The 2,000
// clients run in a child process (see idleMemory). b.N is ignored.
//
//	go test ./websocket -run '^$' -bench IdleConnMemory -benchtime 1x
func BenchmarkIdleConnMemory(b *testing.B) {
	hs, stack, rss := idleMemory(b, 2000)
	b.ReportMetric(hs, "B/conn")
	b.ReportMetric(stack, "stackB/conn")
	b.ReportMetric(rss, "rssB/conn")
}
