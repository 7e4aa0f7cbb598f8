package httpserver

import (
	"bufio"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkHelloKeepAlive: hello world over 50 keep-alive connections,
// clients in goroutines, the server on one hub.
func BenchmarkHelloKeepAlive(b *testing.B) {
	ts := start(b, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("Hello, World!"))
	})})
	req := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	b.ResetTimer()
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", ts.addr)
			if err != nil {
				b.Error(err)
				return
			}
			defer c.Close()
			br := bufio.NewReader(c)
			tp := textproto.NewReader(br)
			for left.Add(-1) >= 0 {
				c.Write(req)
				if _, err := tp.ReadLine(); err != nil {
					b.Error(err)
					return
				}
				h, err := tp.ReadMIMEHeader()
				if err != nil {
					b.Error(err)
					return
				}
				n, _ := strconv.Atoi(h.Get("Content-Length"))
				br.Discard(n)
			}
		}()
	}
	wg.Wait()
}
