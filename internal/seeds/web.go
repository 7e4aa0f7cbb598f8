package seeds

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpserver"
	"github.com/gevent-go/gevent/local"
	"github.com/gevent-go/gevent/socket"
)

// The seeds' web program (gevent.pywsgi -> httpserver).

var web = []Program{{
	Name:  "seed_wsgi_local",
	Seeds: "seeds 001/002",
	Title: "a WSGI server keeps each request in greenlet-local storage (local.Local)",
	Run: func(Timing) error {
		var requests local.Local[*http.Request] // the seed's _requests = local()
		request := func() *http.Request { r, _ := requests.Get(); return r }
		sessionManager := func(r *http.Request, body func()) {
			requests.Set(r)
			defer requests.Set(nil)
			body()
		}
		logic := func() string {
			gevent.Sleep(10 * ms) // the other request runs meanwhile
			host := request().RemoteAddr[:strings.LastIndexByte(request().RemoteAddr, ':')]
			return "Hello " + host + " " + request().URL.Path
		}
		application := func(w http.ResponseWriter, r *http.Request) {
			var body string
			sessionManager(r, func() { body = logic() })
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, body)
		}
		server := &httpserver.Server{Addr: "127.0.0.1:0", Handler: http.HandlerFunc(application)}
		if err := server.Start(); err != nil {
			return err
		}
		client := func(path string) (string, error) {
			s, err := socket.Dial("tcp", server.ListenAddr().String())
			if err != nil {
				return "", err
			}
			defer s.Close()
			fmt.Fprintf(s, "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", path)
			data, err := io.ReadAll(s)
			if err != nil {
				return "", err
			}
			head, body, _ := bytes.Cut(data, []byte("\r\n\r\n"))
			line, _, _ := bytes.Cut(head, []byte("\r\n"))
			return string(line) + " | " + string(body), nil
		}
		jobs := []*gevent.Greenlet[string]{
			gevent.Spawn(func() (string, error) { return client("/a") }),
			gevent.Spawn(func() (string, error) { return client("/b") }),
		}
		gevent.JoinAll(jobs)
		for _, j := range jobs {
			if j.Err() != nil {
				return j.Err()
			}
			P(j.Value())
		}
		return server.Stop()
	},
}}
