package httpclient_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpclient"
	"github.com/gevent-go/gevent/httpserver"
)

// The client against this module's own HTTP server, both on one hub: 200
// greenlets fetch over a keep-alive pool of at most 20 connections while
// the handlers sleep (the requests overlap: the whole takes about one
// handler's sleep per connection's share, not 200 of them), a chunked
// streamed body arrives whole, a POST body is echoed, and a Timeout scope
// ends a request the handler holds.
func TestAgainstOurServer(t *testing.T) {
	run(t, func() error {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /sleep/{n}", func(w http.ResponseWriter, r *http.Request) {
			gevent.Sleep(20 * time.Millisecond)
			fmt.Fprintf(w, "slept %s", r.PathValue("n"))
		})
		mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
			for i := range 50 {
				fmt.Fprintf(w, "part %d\n", i)
				w.(http.Flusher).Flush()
				gevent.Sleep(0)
			}
		})
		mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(w, r.Body)
		})
		mux.HandleFunc("GET /hold", func(w http.ResponseWriter, r *http.Request) {
			gevent.Sleep(time.Hour)
		})
		srv := &httpserver.Server{Addr: "127.0.0.1:0", Handler: mux}
		if err := srv.Start(); err != nil {
			return err
		}
		defer srv.Stop(time.Second)
		base := "http://" + srv.ListenAddr().String()
		tr := httpclient.NewTransport()
		tr.MaxConnsPerHost = 20
		defer tr.CloseIdleConnections()
		c := &http.Client{Transport: tr}

		start := time.Now()
		gs := make([]*gevent.Greenlet[string], 200)
		for i := range gs {
			gs[i] = gevent.Spawn(func() (string, error) {
				b, _, err := get(c, fmt.Sprintf("%s/sleep/%d", base, i))
				return b, err
			})
		}
		if _, err := gevent.JoinAll(gs); err != nil {
			return err
		}
		for i, g := range gs {
			if g.Err() != nil || g.Value() != fmt.Sprintf("slept %d", i) {
				t.Errorf("request %d: %q %v", i, g.Value(), g.Err())
			}
		}
		// Sequential would be 200 x 20 ms = 4 s; 20 connections at once
		// make it about 10 x 20 ms. The bound is generous for a loaded machine.
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("200 requests over 20 connections took %v: they did not overlap", el)
		}

		b, resp, err := get(c, base+"/stream")
		if err != nil || strings.Count(b, "\n") != 50 || !strings.HasPrefix(b, "part 0\n") || resp.TransferEncoding == nil {
			t.Errorf("stream: %d lines, %v, transfer encoding %v", strings.Count(b, "\n"), err, resp)
		}

		r, err := c.Post(base+"/echo", "text/plain", strings.NewReader(strings.Repeat("y", 100_000)))
		if err != nil {
			return err
		}
		echoed, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil || len(echoed) != 100_000 {
			t.Errorf("echo: %d bytes, %v", len(echoed), err)
		}

		to := gevent.NewTimeout(50*time.Millisecond, nil)
		if err := to.Run(func() error { _, _, err := get(c, base+"/hold"); return err }); !errors.Is(err, to) {
			t.Errorf("held request under a Timeout scope: %v", err)
		}
		return nil
	})
}
