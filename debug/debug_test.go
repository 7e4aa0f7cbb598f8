package debug_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/debug"
)

func TestHandler(t *testing.T) {
	mux := http.NewServeMux()
	debug.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ready := make(chan struct{})
	done := make(chan struct{})
	go gevent.Run(func() error {
		g := gevent.Go(func() {
			gevent.Go(func() { gevent.Sleep(time.Hour) }).SetName("debug-child")
			gevent.Sleep(time.Hour)
		})
		g.SetName("debug-sleeper")
		gevent.Sleep(0)
		close(ready)
		for {
			select {
			case <-done:
				g.Kill(nil, true)
				return nil
			default:
				gevent.Sleep(5 * time.Millisecond)
			}
		}
	})
	<-ready
	defer close(done)

	resp, err := http.Get(srv.URL + debug.Path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(string(body), " debug-sleeper parked: sleeping, wakes in ") {
		t.Fatalf("page does not list the greenlet:\n%s", body)
	}
	if !strings.Contains(string(body), " debug-child parked: sleeping, wakes in ") ||
		!strings.Contains(string(body), "\n  spawned by debug-sleeper\n") {
		t.Fatalf("page does not list the greenlet's child and its spawner:\n%s", body)
	}
	resp, err = http.Post(srv.URL+debug.Path, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: status %d", resp.StatusCode)
	}
}
