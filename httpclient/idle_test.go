package httpclient_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpclient"
)

// stateCounter counts new and closed connections of a server.
type stateCounter struct{ opened, closed atomic.Int64 }

func (s *stateCounter) hook(_ net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		s.opened.Add(1)
	case http.StateClosed, http.StateHijacked:
		s.closed.Add(1)
	}
}

func countingServer(t *testing.T) (*httptest.Server, *stateCounter) {
	sc := &stateCounter{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	srv.Config.ConnState = sc.hook
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, sc
}

// waitFor polls cond cooperatively for up to 5 s.
func waitFor(cond func() bool) bool {
	for range 500 {
		if cond() {
			return true
		}
		gevent.Sleep(10 * time.Millisecond)
	}
	return cond()
}

func TestIdleConnTimeout(t *testing.T) {
	srv, sc := countingServer(t)
	run(t, func() error {
		tr := httpclient.NewTransport()
		tr.IdleConnTimeout = 50 * time.Millisecond
		c := &http.Client{Transport: tr}
		if _, _, err := get(c, srv.URL); err != nil {
			return err
		}
		if !waitFor(func() bool { return sc.closed.Load() == 1 }) {
			t.Errorf("idle connection not closed after IdleConnTimeout: closed %d", sc.closed.Load())
		}
		if _, _, err := get(c, srv.URL); err != nil {
			return err
		}
		if n := sc.opened.Load(); n != 2 {
			t.Errorf("opened %d, want 2", n)
		}
		tr.CloseIdleConnections()
		return nil
	})
}

// MaxIdleConnsPerHost keeps that many; MaxIdleConns evicts the least
// recently used over all hosts; CloseIdleConnections closes them all.
func TestIdleLimits(t *testing.T) {
	srv1, sc1 := countingServer(t)
	srv2, sc2 := countingServer(t)
	run(t, func() error {
		tr := httpclient.NewTransport()
		tr.MaxIdleConnsPerHost = 3
		tr.MaxIdleConns = 4
		c := &http.Client{Transport: tr}
		burst := func(u string, n int) {
			gs := make([]*gevent.Greenlet[string], n)
			for i := range gs {
				gs[i] = gevent.Spawn(func() (string, error) { b, _, err := get(c, u); return b, err })
			}
			gevent.JoinAll(gs)
			for _, g := range gs {
				if g.Value() != "ok" {
					t.Errorf("request: %v", g.Err())
				}
			}
		}
		burst(srv1.URL, 5) // 5 opened, 3 kept
		if !waitFor(func() bool { return sc1.closed.Load() == 2 }) {
			t.Errorf("host 1: closed %d of %d, want 2 (3 kept idle)", sc1.closed.Load(), sc1.opened.Load())
		}
		burst(srv2.URL, 3) // 3 more idle: 6 > 4, the 2 oldest of host 1 go
		if !waitFor(func() bool { return sc1.closed.Load() == 4 }) {
			t.Errorf("host 1 after host 2: closed %d, want 4", sc1.closed.Load())
		}
		if sc2.closed.Load() != 0 {
			t.Errorf("host 2: closed %d, want 0", sc2.closed.Load())
		}
		tr.CloseIdleConnections()
		if !waitFor(func() bool { return sc1.closed.Load() == 5 && sc2.closed.Load() == 3 }) {
			t.Errorf("CloseIdleConnections: closed %d and %d", sc1.closed.Load(), sc2.closed.Load())
		}
		return nil
	})
}

func TestDisableKeepAlives(t *testing.T) {
	srv, sc := countingServer(t)
	run(t, func() error {
		tr := httpclient.NewTransport()
		tr.DisableKeepAlives = true
		c := &http.Client{Transport: tr}
		for range 3 {
			if _, _, err := get(c, srv.URL); err != nil {
				return err
			}
		}
		if n := sc.opened.Load(); n != 3 {
			t.Errorf("opened %d, want 3", n)
		}
		return nil
	})
}

func TestNewTransportProxyFromEnvironment(t *testing.T) {
	tr := httpclient.NewTransport()
	if reflect.ValueOf(tr.Proxy).Pointer() != reflect.ValueOf(http.ProxyFromEnvironment).Pointer() {
		t.Error("NewTransport's Proxy is not http.ProxyFromEnvironment")
	}
}
