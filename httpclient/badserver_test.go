package httpclient_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gevent-go/gevent/httpclient"
)

// rawServer serves each connection with serve, after reading one request
// (plain Go goroutines: the peer is not cooperative). It returns the base
// URL and a count of connections.
func rawServer(t testing.TB, serve func(c net.Conn, n int)) (string, *atomic.Int64) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var count atomic.Int64
	done := make(chan struct{})
	quit := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := int(count.Add(1))
			go func() {
				defer c.Close()
				go func() { <-quit; c.Close() }()
				br := bufio.NewReader(c)
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				serve(&bufConn{Conn: c, br: br}, n)
			}()
		}
	}()
	t.Cleanup(func() { close(quit); ln.Close(); <-done })
	return "http://" + ln.Addr().String(), &count
}

type bufConn struct {
	net.Conn
	br *bufio.Reader
}

func (c *bufConn) Read(p []byte) (int, error) { return c.br.Read(p) }

// reply writes s and closes.
func reply(s string) func(c net.Conn, n int) {
	return func(c net.Conn, _ int) { io.WriteString(c, s) }
}

// replyHold writes s and waits for the client to close.
func replyHold(s string) func(c net.Conn, n int) {
	return func(c net.Conn, _ int) {
		io.WriteString(c, s)
		io.Copy(io.Discard, c)
	}
}

func fetch(c *http.Client, u string) (string, error) {
	resp, err := c.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// Bad servers get clear errors, never a hang or a panic.
func TestBadServers(t *testing.T) {
	endlessHeaders := func(c net.Conn, _ int) {
		io.WriteString(c, "HTTP/1.1 200 OK\r\n")
		line := []byte("X-Endless: " + strings.Repeat("y", 100) + "\r\n")
		for {
			if _, err := c.Write(line); err != nil {
				return
			}
		}
	}
	endlessLine := func(c net.Conn, _ int) {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Long: ")
		chunk := []byte(strings.Repeat("z", 4096))
		for {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}
	cases := []struct {
		name  string
		serve func(net.Conn, int)
		want  string // substring of the error
		is    error  // or an error it matches
	}{
		{"garbage-status-line", reply("garbage\r\n\r\n"), "malformed HTTP response", nil},
		{"bad-status-code", reply("HTTP/1.1 abc OK\r\n\r\n"), "malformed HTTP status code", nil},
		{"empty-reply", reply(""), "server closed the connection without answering", io.ErrUnexpectedEOF},
		{"truncated-headers", reply("HTTP/1.1 200 OK\r\nContent-Le"), "malformed MIME header", nil},
		{"truncated-status-line", reply("HTTP/1.1 20"), "malformed HTTP status code", nil},
		{"truncated-chunked", reply("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"), "", io.ErrUnexpectedEOF},
		{"bad-chunk-size", reply("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"), "invalid byte in chunk length", nil},
		{"content-length-longer", reply("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"), "", io.ErrUnexpectedEOF},
		{"bad-content-length", reply("HTTP/1.1 200 OK\r\nContent-Length: -7\r\n\r\n"), "bad Content-Length", nil},
		{"closes-mid-body", reply("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), "", io.ErrUnexpectedEOF},
		{"endless-headers", endlessHeaders, "server response headers exceeded 65536 bytes", nil},
		{"endless-header-line", endlessLine, "server response headers exceeded 65536 bytes", nil},
		{"never-answers", func(c net.Conn, _ int) { io.Copy(io.Discard, c) }, "", os.ErrDeadlineExceeded},
		{"stalls-mid-body", replyHold("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), "", context.DeadlineExceeded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, _ := rawServer(t, tc.serve)
			run(t, func() error {
				tr := httpclient.NewTransport()
				tr.MaxResponseHeaderBytes = 64 << 10
				tr.ResponseHeaderTimeout = 200 * time.Millisecond
				c := &http.Client{Transport: tr}
				ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
				defer cancel()
				req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
				start := time.Now()
				var err error
				resp, err := c.Do(req)
				if err == nil {
					_, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				switch {
				case err == nil:
					t.Errorf("no error")
				case tc.want != "" && !strings.Contains(err.Error(), tc.want):
					t.Errorf("error %q, want it to contain %q", err, tc.want)
				case tc.is != nil && !errors.Is(err, tc.is):
					t.Errorf("error %v, want one matching %v", err, tc.is)
				}
				if el := time.Since(start); el > 5*time.Second {
					t.Errorf("took %v", el)
				}
				return nil
			})
		})
	}
}

// A server sending more than its Content-Length: the body is the declared
// length, and the extra bytes never reach the next response (the
// connection is not reused).
func TestContentLengthShorterThanBody(t *testing.T) {
	u, conns := rawServer(t, func(c net.Conn, n int) {
		if n == 1 {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nWRONG")
		} else {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nright")
		}
		io.Copy(io.Discard, c)
	})
	run(t, func() error {
		tr := httpclient.NewTransport()
		c := &http.Client{Transport: tr}
		b, err := fetch(c, u)
		if err != nil || b != "hello" {
			t.Errorf("first: %q %v", b, err)
		}
		b, err = fetch(c, u)
		if err != nil || b != "right" {
			t.Errorf("second: %q %v (want a fresh connection)", b, err)
		}
		if n := conns.Load(); n != 2 {
			t.Errorf("%d connections, want 2", n)
		}
		tr.CloseIdleConnections()
		return nil
	})
}

// A keep-alive connection the server closed while idle is not used: the
// next request goes on a new connection and succeeds.
func TestServerClosedIdleConn(t *testing.T) {
	u, conns := rawServer(t, reply("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
	run(t, func() error {
		tr := httpclient.NewTransport()
		c := &http.Client{Transport: tr}
		for i := range 3 {
			b, err := fetch(c, u)
			if err != nil || b != "ok" {
				t.Errorf("request %d: %q %v", i, b, err)
			}
			time.Sleep(20 * time.Millisecond) // let the server's close arrive
		}
		if n := conns.Load(); n != 3 {
			t.Errorf("%d connections, want 3", n)
		}
		return nil
	})
}

// A server that closes a keep-alive connection while the next request is
// on its way (after the client's idle check): an idempotent request is
// sent again on a new connection; a POST without GetBody is not.
func TestRetryOnReusedConn(t *testing.T) {
	serve := func(c net.Conn, n int) {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst")
		// Read the next request, then close without answering.
		buf := make([]byte, 4096)
		c.Read(buf)
	}
	u, conns := rawServer(t, serve)
	run(t, func() error {
		tr := httpclient.NewTransport()
		c := &http.Client{Transport: tr}
		for i := range 3 {
			b, err := fetch(c, u)
			if err != nil || b != "first" {
				t.Errorf("GET %d: %q %v", i, b, err)
			}
		}
		if n := conns.Load(); n != 3 {
			t.Errorf("%d connections, want 3", n)
		}
		// A POST whose body cannot be replayed fails on the reused
		// connection.
		resp, err := c.Post(u, "text/plain", io.MultiReader(strings.NewReader("data")))
		if err == nil {
			resp.Body.Close()
			t.Errorf("POST on a connection the server closes: no error")
		}
		tr.CloseIdleConnections()
		return nil
	})
}
