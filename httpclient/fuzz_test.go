package httpclient_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpclient"
)

// FuzzResponse serves arbitrary bytes as the response (after reading the
// request) and checks that the client neither panics nor hangs: each
// request ends, with a response or an error, within its context's bound.
// The first byte picks whether the server then closes (even) or keeps the
// connection open for a while (odd).
func FuzzResponse(f *testing.F) {
	seeds := []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nclose-delimited body",
		"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
		"HTTP/1.1 301 Moved\r\nLocation: /\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
		"garbage\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: " + string(make([]byte, 5000)) + "\r\n\r\n",
		"",
	}
	for i, s := range seeds {
		f.Add(byte(i), s)
	}
	var data atomic.Pointer[fuzzCase]
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				fc := data.Load()
				buf := make([]byte, 4096)
				c.SetReadDeadline(time.Now().Add(time.Second))
				c.Read(buf) // the request (it fits)
				c.Write([]byte(fc.resp))
				if fc.hold {
					c.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
					io.Copy(io.Discard, c)
				}
			}()
		}
	}()
	u := "http://" + ln.Addr().String() + "/"
	f.Fuzz(func(t *testing.T, mode byte, resp string) {
		data.Store(&fuzzCase{resp: resp, hold: mode%2 == 1})
		watchdog := time.AfterFunc(15*time.Second, func() {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			panic(fmt.Sprintf("FuzzResponse hung on %q:\n%s", resp, buf[:n]))
		})
		defer watchdog.Stop()
		gevent.Run(func() error {
			tr := httpclient.NewTransport()
			tr.MaxResponseHeaderBytes = 4096
			c := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			for range 2 { // the second may reuse the connection
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				start := time.Now()
				req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
				if r, err := c.Do(req); err == nil {
					io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
					r.Body.Close()
				}
				cancel()
				if el := time.Since(start); el > 5*time.Second {
					t.Fatalf("request took %v", el)
				}
			}
			tr.CloseIdleConnections()
			return nil
		})
	})
}

type fuzzCase struct {
	resp string
	hold bool
}
