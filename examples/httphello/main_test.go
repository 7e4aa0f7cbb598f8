package main

import (
	"io"
	"net/http"
	"testing"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpserver"
)

func TestRoutes(t *testing.T) {
	ready := make(chan string)
	var hub *gevent.Hub
	s := &httpserver.Server{Addr: "127.0.0.1:0", Handler: routes()}
	done := make(chan error)
	go func() {
		done <- gevent.Run(func() error {
			hub = gevent.GetHub()
			if err := s.Start(); err != nil {
				close(ready)
				return err
			}
			ready <- s.ListenAddr().String()
			return s.ServeForever()
		})
	}()
	addr, ok := <-ready
	if !ok {
		t.Fatal(<-done)
	}
	for path, want := range map[string]string{"/": "Hello, World!\n", "/sleep?ms=10": "slept 10 ms\n"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != want {
			t.Errorf("%s: %q", path, b)
		}
	}
	hub.Submit(func() error { return s.Stop() })
	<-done
}
