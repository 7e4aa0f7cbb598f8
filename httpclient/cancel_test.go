package httpclient_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpclient"
	"github.com/gevent-go/gevent/internal/testcert"
	"github.com/gevent-go/gevent/socket"
)

// stallServer answers /ok normally and makes the client wait in one phase
// for the other paths: /headers (never answers), /body (sends headers and
// part of the body), /write (never reads a large request body).
func stallServer(t *testing.T) *httptest.Server { return stallServerTLS(t, false) }

func stallServerTLS(t *testing.T, useTLS bool) *httptest.Server {
	quit := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			io.WriteString(w, "ok")
			return
		case "/body":
			w.Header().Set("Content-Length", "1000")
			io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-quit:
		}
	}))
	if useTLS {
		srv.TLS = testcert.Config()
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(quit) })
	return srv
}

// holdListener accepts connections and never reads or writes them (a TLS
// handshake waits forever).
func holdListener(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// endless is a request body that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'z'
	}
	return len(p), nil
}

type phase struct {
	name     string
	url      string
	body     bool // send an endless body
	readBody bool // the wait is in Body.Read
}

// interrupters each run do (one request, in the calling greenlet) so that
// it is interrupted after about 30 ms, and check the error.
type interrupter struct {
	name string
	run  func(t *testing.T, d time.Duration, c *http.Client, do func(ctx context.Context, c *http.Client) error) error
	want func(err error) bool
}

var interrupters = []interrupter{
	{"kill", func(t *testing.T, d time.Duration, c *http.Client, do func(context.Context, *http.Client) error) error {
		var got error
		g := gevent.Go(func() { got = do(context.Background(), c) })
		gevent.Sleep(d)
		if err := g.Kill(nil, true, 5*time.Second); err != nil {
			t.Errorf("Kill: %v", err)
		}
		return got
	}, func(err error) bool { return errors.Is(err, gevent.ErrGreenletExit) }},
	{"timeout-scope", func(t *testing.T, d time.Duration, c *http.Client, do func(context.Context, *http.Client) error) error {
		to := gevent.NewTimeout(d, nil)
		err := to.Run(func() error { return do(context.Background(), c) })
		if !errors.Is(err, to) {
			t.Errorf("want the Timeout itself, got %v", err)
		}
		return err
	}, func(err error) bool { return errors.Is(err, gevent.ErrTimeout) }},
	{"context-cancel", func(t *testing.T, d time.Duration, c *http.Client, do func(context.Context, *http.Client) error) error {
		ctx, cancel := context.WithCancel(context.Background())
		gevent.GoLater(d, cancel)
		return do(ctx, c)
	}, func(err error) bool { return errors.Is(err, context.Canceled) }},
	{"context-deadline", func(t *testing.T, d time.Duration, c *http.Client, do func(context.Context, *http.Client) error) error {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		return do(ctx, c)
	}, func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }},
	{"client-timeout", func(t *testing.T, d time.Duration, c *http.Client, do func(context.Context, *http.Client) error) error {
		c2 := *c
		c2.Timeout = d
		return do(context.Background(), &c2)
	}, func(err error) bool {
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	}},
}

// Kill, a Timeout scope, the context and Client.Timeout interrupt every
// phase of a request; the connection is closed and the pool (one connection
// per host at most) serves the next request.
func TestInterruptEveryPhase(t *testing.T) {
	srv := stallServer(t)
	tsrv := stallServerTLS(t, true)
	hold := holdListener(t)
	phases := []phase{
		{name: "dial", url: "http://never.resolves.test/"},
		{name: "tls-handshake", url: "https://" + hold + "/"},
		{name: "write", url: srv.URL + "/write", body: true},
		{name: "headers", url: srv.URL + "/headers"},
		{name: "body", url: srv.URL + "/body", readBody: true},
		{name: "tls-write", url: tsrv.URL + "/write", body: true},
		{name: "tls-headers", url: tsrv.URL + "/headers"},
		{name: "tls-body", url: tsrv.URL + "/body", readBody: true},
	}
	for _, ph := range phases {
		for _, in := range interrupters {
			t.Run(ph.name+"/"+in.name, func(t *testing.T) {
				run(t, func() error {
					tr := httpclient.NewTransport()
					tr.MaxConnsPerHost = 1
					tr.TLSClientConfig = &tls.Config{RootCAs: testcert.Config().RootCAs}
					tr.Dialer = &socket.Dialer{Resolver: func(ctx context.Context, network, host string) ([]netip.Addr, error) {
						// A lookup that never answers but honours its
						// context, as the resolver package's do.
						for ctx.Err() == nil {
							if err := gevent.Sleep(5 * time.Millisecond); err != nil {
								return nil, err
							}
						}
						return nil, ctx.Err()
					}}
					c := &http.Client{Transport: tr}
					do := func(ctx context.Context, c *http.Client) error {
						var body io.Reader
						method := "GET"
						if ph.body {
							body, method = endless{}, "POST"
						}
						req, _ := http.NewRequestWithContext(ctx, method, ph.url, body)
						resp, err := c.Do(req)
						if err != nil {
							if ph.readBody {
								t.Errorf("wanted the wait in the body, got %v", err)
							}
							return err
						}
						defer resp.Body.Close()
						if !ph.readBody {
							t.Errorf("got a response %d", resp.StatusCode)
						}
						_, err = io.ReadAll(resp.Body)
						if err == nil {
							t.Errorf("body read to its end")
						}
						return err
					}
					start := time.Now()
					// Long enough for the phases before the one
					// tested (a TLS handshake, or the dial and the
					// response's headers before a body: 30 ms was too
					// short once under make test's load).
					d := 30 * time.Millisecond
					if strings.HasPrefix(ph.name, "tls-") || ph.readBody {
						d = 300 * time.Millisecond
					}
					err := in.run(t, d, c, do)
					if !in.want(err) {
						t.Errorf("error %v (%T)", err, err)
					}
					if el := time.Since(start); el > 5*time.Second {
						t.Errorf("interrupted after %v", el)
					}
					// The pool is sound: the one slot per host is free.
					for _, base := range []string{srv.URL, tsrv.URL} {
						if !strings.HasPrefix(ph.url, base) {
							continue
						}
						b, _, err := get(c, base+"/ok")
						if err != nil || b != "ok" {
							t.Errorf("next request on the same host: %q %v", b, err)
						}
					}
					tr.CloseIdleConnections()
					return nil
				})
			})
		}
	}
}

// RoundTrip itself returns a Timeout scope unchanged (not wrapped), and
// Body.Read too.
func TestRoundTripTimeoutUnchanged(t *testing.T) {
	srv := stallServer(t)
	run(t, func() error {
		tr := httpclient.NewTransport()
		req, _ := http.NewRequest("GET", srv.URL+"/headers", nil)
		to := gevent.NewTimeout(20*time.Millisecond, nil)
		err := to.Run(func() error { _, err := tr.RoundTrip(req); return err })
		if err != error(to) {
			t.Errorf("RoundTrip: %v, want the *Timeout itself", err)
		}
		req, _ = http.NewRequest("GET", srv.URL+"/body", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			return err
		}
		to = gevent.NewTimeout(20*time.Millisecond, nil)
		err = to.Run(func() error { _, err := io.ReadAll(resp.Body); return err })
		if err != error(to) {
			t.Errorf("Body.Read: %v, want the *Timeout itself", err)
		}
		// Later reads keep failing; Close is fine.
		if _, err := resp.Body.Read(make([]byte, 1)); err != error(to) {
			t.Errorf("read after: %v", err)
		}
		resp.Body.Close()
		tr.CloseIdleConnections()
		return nil
	})
}

// A request waiting for a connection under MaxConnsPerHost is interrupted
// too, and leaves the queue.
func TestInterruptWaitingForConn(t *testing.T) {
	srv := stallServer(t)
	run(t, func() error {
		tr := httpclient.NewTransport()
		tr.MaxConnsPerHost = 1
		c := &http.Client{Transport: tr}
		resp, err := c.Get(srv.URL + "/body") // holds the only connection
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/ok", nil)
		if _, err := c.Do(req); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("waiting for a connection: %v", err)
		}
		to := gevent.NewTimeout(30*time.Millisecond, nil)
		if err := to.Run(func() error { _, _, err := get(c, srv.URL+"/ok"); return err }); !errors.Is(err, to) {
			t.Errorf("waiting for a connection under a Timeout: %v", err)
		}
		resp.Body.Close() // gives the slot back (the body cannot be drained)
		b, _, err := get(c, srv.URL+"/ok")
		if err != nil || b != "ok" {
			t.Errorf("after: %q %v", b, err)
		}
		tr.CloseIdleConnections()
		return nil
	})
}

// TLSHandshakeTimeout ends a handshake the server never answers with an
// error matching os.ErrDeadlineExceeded.
func TestTLSHandshakeTimeout(t *testing.T) {
	hold := holdListener(t)
	run(t, func() error {
		tr := httpclient.NewTransport()
		tr.TLSHandshakeTimeout = 50 * time.Millisecond
		_, _, err := get(&http.Client{Transport: tr}, "https://"+hold+"/")
		if !errors.Is(err, os.ErrDeadlineExceeded) || !strings.Contains(err.Error(), "TLS handshake") {
			t.Errorf("got %v", err)
		}
		return nil
	})
}

// A greenlet that ignores two kills is unwound by its next blocking call
// (deferred calls run; see gevent.Greenlet.Kill): wherever that happens, in
// RoundTrip or in a body read, the connection's slot comes back
// (MaxConnsPerHost 1).
func TestUnwoundGreenletGivesSlotBack(t *testing.T) {
	srv := stallServer(t)
	for _, where := range []string{"request", "body"} {
		t.Run(where, func(t *testing.T) {
			run(t, func() error {
				tr := httpclient.NewTransport()
				tr.MaxConnsPerHost = 1
				c := &http.Client{Transport: tr}
				g := gevent.Go(func() {
					if where == "body" {
						resp, err := c.Get(srv.URL + "/body")
						if err != nil {
							t.Error(err)
							return
						}
						gevent.Sleep(time.Hour) // killed here; the kill is ignored
						gevent.Sleep(time.Hour) // killed again; ignored too
						io.ReadAll(resp.Body)   // unwinds
						return
					}
					gevent.Sleep(time.Hour)     // killed here; the kill is ignored
					gevent.Sleep(time.Hour)     // killed again; ignored too
					c.Get(srv.URL + "/headers") // unwinds
				})
				gevent.Sleep(50 * time.Millisecond)
				g.Kill(nil, false)
				gevent.Sleep(50 * time.Millisecond)
				g.Kill(nil, true, 5*time.Second)
				if !g.Dead() {
					t.Fatal("greenlet still alive")
				}
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				defer cancel()
				req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/ok", nil)
				resp, err := c.Do(req)
				if err != nil {
					t.Errorf("next request: %v (the slot was lost)", err)
					return nil
				}
				resp.Body.Close()
				tr.CloseIdleConnections()
				return nil
			})
		})
	}
}
