package interop_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/interop"
)

func run(t *testing.T, fn func() error) {
	t.Helper()
	if err := gevent.Run(fn); err != nil {
		t.Fatal(err)
	}
}

// slowServer answers every request after delay, from goroutines of its
// own (outside any hub).
func slowServer(t *testing.T, delay time.Duration) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// fetchAll fetches n paths at once from n greenlets with client, while a
// ticker greenlet counts 10ms ticks.
func fetchAll(t *testing.T, client *http.Client, url string, n int) (el time.Duration, ticks int) {
	run(t, func() error {
		tick := gevent.Go(func() {
			for gevent.Sleep(10*time.Millisecond) == nil {
				ticks++
			}
		})
		start := time.Now()
		gs := make([]*gevent.Greenlet[string], n)
		for i := range gs {
			gs[i] = gevent.Spawn(func() (string, error) {
				resp, err := client.Get(fmt.Sprintf("%s/%d", url, i))
				if err != nil {
					return "", err
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				return string(b), err
			})
		}
		gevent.JoinAll(gs)
		el = time.Since(start)
		tick.Kill(nil, true)
		for i, g := range gs {
			if v, err := g.Get(); err != nil || v != fmt.Sprintf("hello /%d", i) {
				t.Errorf("greenlet %d: %q %v", i, v, err)
			}
		}
		return nil
	})
	return el, ticks
}

// TestHTTPClientCooperative: five requests to a server that takes 500ms
// each overlap, and other greenlets keep running meanwhile. (500ms, not
// 200ms: on a loaded machine a 10ms tick can take 40ms and start-up adds
// hundreds of milliseconds; the bounds below hold with two CPU hogs.)
func TestHTTPClientCooperative(t *testing.T) {
	t.Parallel()
	const n, delay = 5, 500 * time.Millisecond
	srv := slowServer(t, delay)
	el, ticks := fetchAll(t, interop.HTTPClient(), srv.URL, n)
	t.Logf("cooperative client: %d requests of %v in %v, %d ticks", n, delay, el, ticks)
	if el >= n*delay/2 {
		t.Errorf("%d requests took %v: they did not overlap", n, el)
	}
	if ticks < 5 {
		t.Errorf("the ticker ran %d times", ticks)
	}
}

// TestHTTPTransportAloneBlocks documents the rule: net/http's Transport
// dials and reads on goroutines of its own and the caller waits on a
// channel, so a cooperative dialer alone leaves each request blocking the
// hub: the requests run one after the other and the ticker starves. So
// does http.DefaultClient.
func TestHTTPTransportAloneBlocks(t *testing.T) {
	t.Parallel()
	const n, delay = 3, 150 * time.Millisecond
	srv := slowServer(t, delay)
	for _, c := range []struct {
		name   string
		client *http.Client
	}{
		{"interop.HTTPTransport", &http.Client{Transport: interop.HTTPTransport()}},
		{"http.DefaultClient", http.DefaultClient},
	} {
		el, ticks := fetchAll(t, c.client, srv.URL, n)
		t.Logf("%s: %d requests of %v in %v, %d ticks", c.name, n, delay, el, ticks)
		if el < n*delay*9/10 {
			t.Errorf("%s: %d requests took %v: expected them to add up (the hub blocks)", c.name, n, el)
		}
	}
}

// TestRoundTripKilled: killing a greenlet that waits for a response
// returns at once, and the request's context is cancelled.
func TestRoundTripKilled(t *testing.T) {
	t.Parallel()
	cancelled := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		close(cancelled)
	}))
	defer srv.Close()
	run(t, func() error {
		g := gevent.Spawn(func() (*http.Response, error) { return interop.HTTPClient().Get(srv.URL) })
		gevent.Sleep(50 * time.Millisecond)
		start := time.Now()
		if err := g.Kill(nil, true, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if !errors.Is(g.Err(), gevent.ErrGreenletExit) && g.Err() != nil {
			t.Errorf("killed: %v", g.Err())
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("kill took %v", time.Since(start))
		}
		return nil
	})
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Error("the server never saw the request cancelled")
	}
}

func TestCall(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		v, err := interop.Call(func() (int, error) { time.Sleep(10 * time.Millisecond); return 7, nil })
		if v != 7 || err != nil {
			t.Errorf("Call = %v, %v", v, err)
		}
		return nil
	})
}

func ExampleHTTPClient() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		fmt.Fprint(w, "pong")
	}))
	defer srv.Close()
	gevent.Run(func() error {
		client := interop.HTTPClient()
		g := gevent.Go(func() { fmt.Println("other greenlets run while the request waits") })
		resp, err := client.Get(srv.URL)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		g.Join()
		fmt.Println(string(b))
		return nil
	})
	// Output:
	// other greenlets run while the request waits
	// pong
}
