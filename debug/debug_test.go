package debug_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/debug"
	"github.com/gevent-go/gevent/httpserver"
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

// Served by this module's HTTP server, in a greenlet of the hub it
// describes: the handler's own greenlet is the caller, the others are
// listed with their spawners.
func TestHandlerOnHTTPServer(t *testing.T) {
	mux := http.NewServeMux()
	debug.Register(mux)
	addr := make(chan string, 1)
	var (
		h   *gevent.Hub
		srv = &httpserver.Server{Addr: "127.0.0.1:0", Handler: mux}
	)
	done := make(chan error, 1)
	go func() {
		done <- gevent.Run(func() error {
			h = gevent.GetHub()
			if err := srv.Start(); err != nil {
				addr <- ""
				return err
			}
			sleeper := gevent.Go(func() { gevent.Sleep(time.Hour) })
			sleeper.SetName("served-sleeper")
			addr <- srv.ListenAddr().String()
			err := srv.ServeForever()
			sleeper.Kill(nil, true)
			return err
		})
	}()
	a := <-addr
	if a == "" {
		t.Fatal(<-done)
	}
	resp, err := http.Get("http://" + a + debug.Path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		" served-sleeper parked: sleeping, wakes in ",
		"\n  spawned by MainGreenlet\n",
		" running: (the caller)\n", // the connection's greenlet, serving the page
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	h.Submit(func() error { return srv.Stop(time.Second) })
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("server: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server's hub did not end")
	}
}
