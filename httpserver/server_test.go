package httpserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

// testServer runs s on a hub of its own (in a new goroutine) on a free
// loopback port and stops it at the end of the test. Clients run in the
// test's goroutine.
type testServer struct {
	s        *Server
	addr     string
	hub      *gevent.Hub
	finished chan struct{} // closed when the hub's Run returned
	runErr   error

	mu     sync.Mutex
	errors []error // what the hub's error handler got
}

func start(t testing.TB, s *Server) *testServer {
	t.Helper()
	ts := &testServer{s: s, finished: make(chan struct{})}
	ready := make(chan error, 1)
	if s.Addr == "" {
		s.Addr = "127.0.0.1:0"
	}
	go func() {
		defer close(ts.finished)
		ts.runErr = gevent.Run(func() error {
			ts.hub = gevent.GetHub()
			ts.hub.SetErrorHandler(func(g gevent.AnyGreenlet, err error) {
				ts.mu.Lock()
				ts.errors = append(ts.errors, err)
				ts.mu.Unlock()
			})
			if err := s.Start(); err != nil {
				ready <- err
				return err
			}
			ts.addr = s.ListenAddr().String()
			ready <- nil
			return s.serveForever()
		})
	}()
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.stop(time.Second) })
	return ts
}

// stop stops the server from a greenlet of its hub and waits for the
// hub's Run to return. A hub that is no longer running (the server was
// stopped already) never runs what is submitted to it.
func (ts *testServer) stop(timeout time.Duration) error {
	g := ts.hub.Submit(func() error { return ts.s.Stop(timeout) })
	select {
	case <-g.Done():
	case <-ts.finished:
		return nil
	}
	<-ts.finished
	return g.Err()
}

func (ts *testServer) hubErrors() []error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]error(nil), ts.errors...)
}

func (ts *testServer) url(path string) string { return "http://" + ts.addr + path }

// raw sends req on a new connection, half-closes nothing, and returns
// everything the server sends until it closes (or 5 s pass).
func raw(t testing.TB, addr, req string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	return string(b)
}

// readResponses parses n responses from r (for pipelining).
func readResponses(t testing.TB, r *bufio.Reader, method string, n int) []string {
	t.Helper()
	var out []string
	for i := 0; i < n; i++ {
		resp, err := http.ReadResponse(r, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("response %d body: %v", i, err)
		}
		out = append(out, fmt.Sprintf("%d %s", resp.StatusCode, b))
	}
	return out
}

func hello(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, "Hello "+r.URL.Path)
}

func TestGetNetHTTPClient(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(hello)})
	for i := 0; i < 3; i++ {
		resp, err := http.Get(ts.url("/x"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "Hello /x" || resp.StatusCode != 200 {
			t.Fatalf("got %d %q", resp.StatusCode, b)
		}
		if resp.ContentLength != 8 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || resp.Header.Get("Date") == "" {
			t.Fatalf("header %v, length %d", resp.Header, resp.ContentLength)
		}
	}
}

func TestRawResponseOneWrite(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(hello)})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	// The header and body come in one segment: a single read gets both.
	time.Sleep(50 * time.Millisecond)
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	got := string(buf[:n])
	if !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(got, "\r\n\r\nHello /a") || !strings.Contains(got, "Content-Length: 8\r\n") {
		t.Fatalf("got %q", got)
	}
}

func TestStopFromAnotherGoroutinePanics(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(hello)})
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "httpserver: ") {
			t.Fatalf("recovered %v", r)
		}
	}()
	ts.s.Stop()
}

func TestServeNeedsCooperativeListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	err = (&Server{}).Serve(l)
	if err == nil || !strings.Contains(err.Error(), "socket.Listen") {
		t.Fatalf("got %v", err)
	}
}
