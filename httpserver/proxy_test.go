package httpserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
	"github.com/gevent-go/gevent/httpclient"
)

// proxySetup is a ReverseProxy served by this package, with
// httpclient.NewTransport() as its Transport, in front of a backend: an
// httpserver on the same hub (or any URL).
type proxySetup struct {
	front   *testServer
	backend *url.URL
	proxy   *httputil.ReverseProxy
	logs    strings.Builder // the proxy's ErrorLog (written on the hub)
}

// startProxy starts backend (if not nil) and the proxy on one hub.
// configure may change the proxy before it serves (the default rewrites
// to the backend and sets X-Forwarded-*).
func startProxy(t *testing.T, backend http.Handler, configure func(*proxySetup)) *proxySetup {
	t.Helper()
	ps := &proxySetup{}
	ps.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(ps.backend)
			pr.SetXForwarded()
		},
		Transport: httpclient.NewTransport(),
		ErrorLog:  log.New(&lockedWriter{b: &ps.logs}, "", 0),
	}
	ps.front = start(t, &Server{Handler: ps.proxy})
	// The backend starts, and configure runs, on the hub (the proxy's
	// fields are then the hub's to read).
	bs := &Server{Addr: "127.0.0.1:0", Handler: backend}
	g := ps.front.hub.Submit(func() error {
		if backend != nil {
			if err := bs.Start(); err != nil {
				return err
			}
			ps.backend = &url.URL{Scheme: "http", Host: bs.ListenAddr().String()}
		}
		if configure != nil {
			configure(ps)
		}
		return nil
	})
	<-g.Done()
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	if backend != nil {
		t.Cleanup(func() {
			g := ps.front.hub.Submit(func() error { return bs.Stop(time.Second) })
			select {
			case <-g.Done():
			case <-ps.front.finished:
			}
		})
	}
	return ps
}

type lockedWriter struct {
	mu atomic.Bool
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	for !w.mu.CompareAndSwap(false, true) {
	}
	defer w.mu.Store(false)
	return w.b.Write(p)
}

func TestReverseProxy(t *testing.T) {
	backend := http.NewServeMux()
	backend.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		gevent.Sleep(time.Millisecond) // a cooperative call in the backend's handler
		w.Header().Set("X-Backend", "yes")
		fmt.Fprintf(w, "hello %s via %s, for %s", r.URL.Path, r.Header.Get("X-Proxy"), r.Header.Get("X-Forwarded-For"))
	})
	backend.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		fmt.Fprintf(w, "%d:%s", len(b), b[:min(len(b), 10)])
	})
	ps := startProxy(t, backend, func(ps *proxySetup) {
		ps.proxy.Rewrite = func(pr *httputil.ProxyRequest) {
			pr.SetURL(ps.backend)
			pr.SetXForwarded()
			pr.Out.Header.Set("X-Proxy", "gevent")
			pr.Out.Header.Del("X-Secret")
		}
		ps.proxy.ModifyResponse = func(r *http.Response) error {
			r.Header.Set("X-Modified", r.Header.Get("X-Backend"))
			return nil
		}
	})

	t.Run("GET", func(t *testing.T) {
		req, _ := http.NewRequest("GET", ps.front.url("/hello"), nil)
		req.Header.Set("X-Secret", "s")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "hello /hello via gevent, for 127.0.0.1" || resp.Header.Get("X-Modified") != "yes" || resp.ContentLength != int64(len(b)) {
			t.Fatalf("%d %q %v", resp.StatusCode, b, resp.Header)
		}
	})
	t.Run("POST", func(t *testing.T) {
		body := strings.Repeat("x", 100_000)
		resp, err := http.Post(ps.front.url("/echo"), "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "100000:xxxxxxxxxx" {
			t.Fatalf("%d %q", resp.StatusCode, b)
		}
		// A chunked request body (unknown length) too.
		resp, err = http.Post(ps.front.url("/echo"), "text/plain", io.MultiReader(strings.NewReader("abc"), strings.NewReader("def")))
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "6:abcdef" {
			t.Fatalf("%d %q", resp.StatusCode, b)
		}
	})
	if errs := ps.front.hubErrors(); len(errs) != 0 {
		t.Fatal(errs)
	}
	if ps.logs.Len() > 0 {
		t.Fatalf("proxy log: %s", ps.logs.String())
	}
}

// The proxy streams a chunked response as it comes: a part the backend
// flushed reaches the client while the backend still holds the rest
// (ReverseProxy flushes after each write when the length is unknown).
func TestReverseProxyStreaming(t *testing.T) {
	var next event.Event
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "part one\n")
		w.(http.Flusher).Flush()
		next.Wait(5 * time.Second)
		io.WriteString(w, "part two\n")
	})
	ps := startProxy(t, backend, nil)
	resp, err := http.Get(ps.front.url("/"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "part one\n" || resp.TransferEncoding == nil {
		t.Fatalf("%q %v %v", line, err, resp.TransferEncoding)
	}
	ps.front.hub.Post(next.Set)
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "part two\n" {
		t.Fatalf("%q %v", rest, err)
	}
}

// FlushInterval > 0 flushes from a timer (time.AfterFunc, off the hub).
func TestReverseProxyFlushInterval(t *testing.T) {
	var next event.Event
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "18")
		io.WriteString(w, "part one\n")
		w.(http.Flusher).Flush()
		next.Wait(5 * time.Second)
		io.WriteString(w, "part two\n")
	})
	ps := startProxy(t, backend, func(ps *proxySetup) { ps.proxy.FlushInterval = 10 * time.Millisecond })
	resp, err := http.Get(ps.front.url("/"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "part one\n" {
		t.Fatalf("%q %v", line, err)
	}
	ps.front.hub.Post(next.Set)
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "part two\n" {
		t.Fatalf("%q %v", rest, err)
	}
	if errs := ps.front.hubErrors(); len(errs) != 0 {
		t.Fatal(errs)
	}
}

// A backend that is down: the ErrorHandler answers 502.
func TestReverseProxyBackendDown(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	down := &url.URL{Scheme: "http", Host: l.Addr().String()}
	l.Close()
	handlerErr := make(chan error, 1)
	ps := startProxy(t, nil, func(ps *proxySetup) {
		ps.backend = down
		ps.proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
			handlerErr <- err
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "backend down")
		}
	})
	resp, err := http.Get(ps.front.url("/"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 502 || string(b) != "backend down" {
		t.Fatalf("%d %q", resp.StatusCode, b)
	}
	if err := <-handlerErr; !strings.Contains(err.Error(), "refused") {
		t.Fatalf("error handler got %v", err)
	}
}

// The client goes away while the backend holds the request: the proxy's
// request context is cancelled, the transport closes its connection to the
// backend, and the backend's request context is cancelled in turn.
func TestReverseProxyClientGone(t *testing.T) {
	backendCause := make(chan error, 1)
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gone := ClientGone(r)
		gone.Wait(10 * time.Second)
		backendCause <- context.Cause(r.Context())
	})
	proxyErr := make(chan error, 1)
	ps := startProxy(t, backend, func(ps *proxySetup) {
		ps.proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
			proxyErr <- err
		}
	})
	c, err := net.Dial("tcp", ps.front.addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(100 * time.Millisecond)
	c.Close()
	select {
	case err := <-proxyErr:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("proxy: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the proxy did not notice the client going away")
	}
	select {
	case err := <-backendCause:
		if !errors.Is(err, errClientGone) {
			t.Errorf("backend: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the backend did not notice the proxy going away")
	}
}

// A net/http backend (goroutines) behind the cooperative proxy.
func TestReverseProxyNetHTTPBackend(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		io.WriteString(w, "from net/http")
		w.Header().Set("X-Sum", "7")
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	ps := startProxy(t, nil, func(ps *proxySetup) { ps.backend = u })
	resp, err := http.Get(ps.front.url("/"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "from net/http" || resp.Trailer.Get("X-Sum") != "7" {
		t.Fatalf("%q trailer %v", b, resp.Trailer)
	}
}

// Protocol upgrades (101 Switching Protocols, e.g. WebSocket) are not
// proxied: httpclient returns the 101 with a body that cannot be written,
// and ReverseProxy answers 502 through its ErrorHandler.
func TestReverseProxyUpgrade(t *testing.T) {
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "test")
		w.WriteHeader(http.StatusSwitchingProtocols)
	})
	proxyErr := make(chan error, 1)
	ps := startProxy(t, backend, func(ps *proxySetup) {
		ps.proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
			proxyErr <- err
			w.WriteHeader(http.StatusBadGateway)
		}
	})
	got := raw(t, ps.front.addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\nUpgrade: test\r\n\r\n")
	if statusOf(got) != 502 {
		t.Fatalf("%q", got)
	}
	if err := <-proxyErr; !strings.Contains(err.Error(), "non-writable body") {
		t.Fatal(err)
	}
}

// A Flush from another goroutine (ReverseProxy's FlushInterval timer)
// while the client does not read must not stall the hub: the flush is
// handed to the hub, so neither the timer's goroutine nor, through
// ReverseProxy's mutex, the handler's greenlet blocks the hub's thread.
// Other connections are answered meanwhile.
func TestReverseProxyFlushIntervalSlowClient(t *testing.T) {
	// Small chunks, paced: they stay in the response's buffer until the
	// timer flushes them, so the timer's flush is the write that finds
	// the socket full.
	chunk := strings.Repeat("x", 1000)
	const chunks = 100_000
	backend := http.NewServeMux()
	backend.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(chunks*len(chunk)))
		for i := range chunks {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			if i%4 == 0 {
				gevent.Sleep(time.Millisecond)
			}
		}
	})
	backend.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "pong") })
	ps := startProxy(t, backend, func(ps *proxySetup) { ps.proxy.FlushInterval = time.Millisecond })
	slow, err := net.Dial("tcp", ps.front.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	io.WriteString(slow, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
	c := &http.Client{Timeout: 5 * time.Second}
	for i := range 15 { // without the hand-off, the hub stalled within 2 s
		time.Sleep(200 * time.Millisecond)
		resp, err := c.Get(ps.front.url("/ping"))
		if err != nil {
			t.Fatalf("request %d while a client does not read: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "pong" {
			t.Fatalf("%q", b)
		}
	}
}

// 1xx interim responses of the backend (103 Early Hints) are not
// forwarded: httpclient skips them and calls no httptrace Got1xxResponse.
// The final response arrives as usual.
func TestReverseProxyInterimNotForwarded(t *testing.T) {
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</a.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		io.WriteString(w, "final")
	})
	ps := startProxy(t, backend, nil)
	got := raw(t, ps.front.addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(got, "\r\n\r\nfinal") {
		t.Fatalf("%q", got)
	}
}
