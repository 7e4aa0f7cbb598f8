package httpclient_test

import (
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpclient"
	"github.com/gevent-go/gevent/internal/testcert"
	"github.com/gevent-go/gevent/threadpool"
)

// run runs fn in a fresh hub and fails the test on its error.
func run(t *testing.T, fn func() error) {
	t.Helper()
	if err := gevent.Run(fn); err != nil {
		t.Fatal(err)
	}
}

// connCounter counts the connections a test server accepted.
type connCounter struct{ n atomic.Int64 }

func (c *connCounter) hook(_ net.Conn, s http.ConnState) {
	if s == http.StateNew {
		c.n.Add(1)
	}
}

func newServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *connCounter) {
	cc := &connCounter{}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = cc.hook
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, cc
}

func get(c *http.Client, u string) (string, *http.Response, error) {
	resp, err := c.Get(u)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), resp, err
}

func TestGetKeepAlive(t *testing.T) {
	srv, cc := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	})
	run(t, func() error {
		tr := httpclient.NewTransport()
		c := &http.Client{Transport: tr}
		for i := range 5 {
			body, resp, err := get(c, srv.URL+fmt.Sprint("/", i))
			if err != nil {
				return err
			}
			if want := fmt.Sprint("hello /", i); body != want || resp.StatusCode != 200 {
				t.Errorf("got %d %q, want %q", resp.StatusCode, body, want)
			}
		}
		if n := cc.n.Load(); n != 1 {
			t.Errorf("server saw %d connections, want 1 (keep-alive)", n)
		}
		tr.CloseIdleConnections()
		return nil
	})
}

// A body closed before its end is drained (small remainder): the
// connection is reused. A big remainder closes the connection.
func TestCloseDrainsSmallBody(t *testing.T) {
	big := strings.Repeat("x", 4<<20)
	srv, cc := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			io.WriteString(w, big)
			return
		}
		io.WriteString(w, strings.Repeat("y", 10000))
	})
	run(t, func() error {
		tr := httpclient.NewTransport()
		c := &http.Client{Transport: tr}
		for range 3 {
			resp, err := c.Get(srv.URL + "/small")
			if err != nil {
				return err
			}
			resp.Body.Read(make([]byte, 10))
			resp.Body.Close()
		}
		if n := cc.n.Load(); n != 1 {
			t.Errorf("small bodies: server saw %d connections, want 1", n)
		}
		for range 2 {
			resp, err := c.Get(srv.URL + "/big")
			if err != nil {
				return err
			}
			resp.Body.Read(make([]byte, 10))
			resp.Body.Close()
		}
		if n := cc.n.Load(); n != 2 {
			t.Errorf("big bodies: server saw %d connections, want 2 (no reuse after an undrained body)", n)
		}
		// The pool still works.
		if body, _, err := get(c, srv.URL+"/small"); err != nil || len(body) != 10000 {
			t.Errorf("after: %d bytes, %v", len(body), err)
		}
		if n := cc.n.Load(); n != 3 {
			t.Errorf("after big bodies: server saw %d connections, want 3", n)
		}
		tr.CloseIdleConnections()
		return nil
	})
}

func TestTLS(t *testing.T) {
	cc := &connCounter{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "tls %v %s", r.TLS != nil, r.Proto)
	}))
	srv.EnableHTTP2 = true // the client must still speak HTTP/1.1
	srv.Config.ConnState = cc.hook
	srv.StartTLS()
	defer srv.Close()
	run(t, func() error {
		tr := httpclient.NewTransport()
		pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
		c := &http.Client{Transport: tr}
		for range 3 {
			body, resp, err := get(c, srv.URL)
			if err != nil {
				return err
			}
			if body != "tls true HTTP/1.1" || resp.TLS == nil || resp.TLS.NegotiatedProtocol == "h2" {
				t.Errorf("got %q, TLS %+v", body, resp.TLS)
			}
			gevent.Sleep(10 * time.Millisecond) // session tickets arrive
		}
		if n := cc.n.Load(); n != 1 {
			t.Errorf("TLS keep-alive: %d connections, want 1", n)
		}
		// Verification: without the test CA the handshake fails.
		_, _, err := get(&http.Client{Transport: httpclient.NewTransport()}, srv.URL)
		var ue x509UnknownAuthority
		if err == nil || !errors.As(err, &ue.err) {
			t.Errorf("untrusted server: %v, want a certificate error", err)
		}
		tr.CloseIdleConnections()
		return nil
	})
}

type x509UnknownAuthority struct {
	err *tls.CertificateVerificationError
}

// SNI: the ServerName sent is the URL's host.
func TestTLSServerName(t *testing.T) {
	var got atomic.Value
	cfg := testcert.Config().Clone()
	cfg.GetConfigForClient = func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		got.Store(h.ServerName + " " + strings.Join(h.SupportedProtos, ","))
		return nil, nil
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.TLS = cfg
	srv.StartTLS()
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	run(t, func() error {
		tr := &httpclient.Transport{TLSClientConfig: &tls.Config{RootCAs: testcert.Config().RootCAs}}
		_, _, err := get(&http.Client{Transport: tr}, "https://localhost:"+u.Port()+"/")
		if err != nil {
			return err
		}
		if s, _ := got.Load().(string); s != "localhost http/1.1" {
			t.Errorf("client hello: %q, want SNI localhost and ALPN http/1.1 only", s)
		}
		return nil
	})
}

func TestGzip(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			fmt.Fprintf(w, "plain %q", r.Header.Get("Accept-Encoding"))
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, "zipped hello")
		zw.Close()
	})
	run(t, func() error {
		c := httpclient.NewClient()
		body, resp, err := get(c, srv.URL)
		if err != nil {
			return err
		}
		if body != "zipped hello" || !resp.Uncompressed || resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("got %q uncompressed=%v", body, resp.Uncompressed)
		}
		// Asked for by the caller: not decompressed.
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err = c.Do(req)
		if err != nil {
			return err
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Uncompressed || !bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) {
			t.Errorf("caller's own Accept-Encoding: got %q", raw)
		}
		tr := httpclient.NewTransport()
		tr.DisableCompression = true
		body, _, err = get(&http.Client{Transport: tr}, srv.URL)
		if err != nil {
			return err
		}
		if body != `plain ""` {
			t.Errorf("DisableCompression: got %q", body)
		}
		return nil
	})
}

// A request body is streamed from an io.Reader: chunked when its length is
// unknown, with Content-Length when known.
func TestRequestBody(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %d %v %d", r.Method, r.ContentLength, r.TransferEncoding, len(b))
	})
	run(t, func() error {
		c := httpclient.NewClient()
		pr := io.MultiReader(strings.NewReader(strings.Repeat("a", 100000)), strings.NewReader("b"))
		resp, err := c.Post(srv.URL, "text/plain", pr)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "POST -1 [chunked] 100001" {
			t.Errorf("streamed body: %q", b)
		}
		resp, err = c.Post(srv.URL, "text/plain", strings.NewReader("hello"))
		if err != nil {
			return err
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "POST 5 [] 5" {
			t.Errorf("sized body: %q", b)
		}
		// A GET with an empty body of unknown length sends no body (the
		// probe runs in the greenlet).
		req, _ := http.NewRequest("GET", srv.URL, io.NopCloser(strings.NewReader("")))
		resp, err = c.Do(req)
		if err != nil {
			return err
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "GET 0 [] 0" {
			t.Errorf("empty GET body: %q", b)
		}
		return nil
	})
}

func TestExpectContinue(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/deny" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
		io.WriteString(w, "ok")
	})
	run(t, func() error {
		tr := httpclient.NewTransport()
		tr.ExpectContinueTimeout = 5 * time.Second
		c := &http.Client{Transport: tr}
		start := time.Now()
		req, _ := http.NewRequest("PUT", srv.URL+"/ok", strings.NewReader("payload"))
		req.Header.Set("Expect", "100-continue")
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "ok" || time.Since(start) > 4*time.Second {
			t.Errorf("100-continue: %q after %v (the body must go at the 100, not the timeout)", b, time.Since(start))
		}
		req, _ = http.NewRequest("PUT", srv.URL+"/deny", strings.NewReader("secret"))
		req.Header.Set("Expect", "100-continue")
		resp, err = c.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("deny: status %d", resp.StatusCode)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 || got[0] != "payload" {
			t.Errorf("server got bodies %q, want only the first", got)
		}
		return nil
	})
}

func TestRedirectsAndCookies(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cr3t", Path: "/"})
			http.Redirect(w, r, "/hop", http.StatusFound)
		case "/hop":
			http.Redirect(w, r, "/home", http.StatusMovedPermanently)
		case "/home":
			c, err := r.Cookie("session")
			if err != nil {
				http.Error(w, "no cookie", 403)
				return
			}
			fmt.Fprintf(w, "welcome %s", c.Value)
		}
	})
	run(t, func() error {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Transport: httpclient.NewTransport(), Jar: jar}
		body, resp, err := get(c, srv.URL+"/login")
		if err != nil {
			return err
		}
		if body != "welcome s3cr3t" || resp.Request.URL.Path != "/home" {
			t.Errorf("got %q at %s", body, resp.Request.URL)
		}
		return nil
	})
}

// MaxConnsPerHost: requests over the limit wait for a connection; no more
// than the limit are ever open.
func TestMaxConnsPerHost(t *testing.T) {
	var cur, peak atomic.Int64
	srv, cc := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		cur.Add(-1)
		io.WriteString(w, "ok")
	})
	run(t, func() error {
		tr := httpclient.NewTransport()
		tr.MaxConnsPerHost = 3
		tr.MaxIdleConnsPerHost = 3
		c := &http.Client{Transport: tr}
		var gs []*gevent.Greenlet[string]
		for range 30 {
			gs = append(gs, gevent.Spawn(func() (string, error) {
				b, _, err := get(c, srv.URL)
				return b, err
			}))
		}
		gevent.JoinAll(gs)
		for _, g := range gs {
			if g.Value() != "ok" {
				t.Errorf("request: %q %v", g.Value(), g.Err())
			}
		}
		if p := peak.Load(); p > 3 {
			t.Errorf("peak concurrent requests at the server %d, want <= 3", p)
		}
		if n := cc.n.Load(); n > 3 {
			t.Errorf("%d connections, want <= 3", n)
		}
		tr.CloseIdleConnections()
		return nil
	})
}

// A Transport belongs to one hub: other goroutines get ErrWrongHub.
func TestWrongHub(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {})
	tr := httpclient.NewTransport()
	run(t, func() error {
		_, _, err := get(&http.Client{Transport: tr}, srv.URL)
		return err
	})
	c := &http.Client{Transport: tr}
	if _, err := c.Get(srv.URL); !errors.Is(err, httpclient.ErrWrongHub) {
		t.Errorf("from a plain goroutine: %v, want ErrWrongHub", err)
	}
	run(t, func() error {
		if _, err := c.Get(srv.URL); !errors.Is(err, httpclient.ErrWrongHub) {
			t.Errorf("from another hub: %v, want ErrWrongHub", err)
		}
		return nil
	})
}

// A body may be read off the hub (here on the thread pool): the connection
// still goes back to the pool, through the hub.
func TestBodyReadOffHub(t *testing.T) {
	srv, cc := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("b", 100000))
	})
	run(t, func() error {
		tr := httpclient.NewTransport()
		c := &http.Client{Transport: tr}
		for range 3 {
			resp, err := c.Get(srv.URL)
			if err != nil {
				return err
			}
			n, err := threadpool.Apply(nil, func() (int, error) {
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				return len(b), err
			})
			if err != nil || n != 100000 {
				t.Errorf("read off the hub: %d %v", n, err)
			}
			gevent.Sleep(0) // the posted release runs
		}
		if n := cc.n.Load(); n != 1 {
			t.Errorf("%d connections, want 1", n)
		}
		tr.CloseIdleConnections()
		return nil
	})
}

// Expect: 100-continue against a server that says nothing: the body goes
// after ExpectContinueTimeout; the wait itself is interruptible.
func TestExpectContinueSilentServer(t *testing.T) {
	u, _ := rawServer(t, func(c net.Conn, _ int) {
		b := make([]byte, 7)
		if _, err := io.ReadFull(c, b); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n")
		c.Write(b)
	})
	run(t, func() error {
		tr := httpclient.NewTransport()
		tr.ExpectContinueTimeout = 50 * time.Millisecond
		c := &http.Client{Transport: tr}
		req, _ := http.NewRequest("PUT", u, strings.NewReader("payload"))
		req.Header.Set("Expect", "100-continue")
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "payload" {
			t.Errorf("echo: %q", b)
		}
		tr2 := httpclient.NewTransport()
		tr2.ExpectContinueTimeout = time.Hour
		req, _ = http.NewRequest("PUT", u, strings.NewReader("payload"))
		req.Header.Set("Expect", "100-continue")
		to := gevent.NewTimeout(30*time.Millisecond, nil)
		err = to.Run(func() error { _, err := tr2.RoundTrip(req); return err })
		if err != error(to) {
			t.Errorf("waiting for 100 Continue under a Timeout: %v", err)
		}
		return nil
	})
}
