// Command httphello is the hello world of gevent's pywsgi on this
// library: an http.Handler served on the hub, a greenlet per connection,
// and a route that sleeps cooperatively (the other clients go on).
//
//	go run ./examples/httphello -addr 127.0.0.1:8080
//	curl http://127.0.0.1:8080/            # Hello, World!
//	curl http://127.0.0.1:8080/sleep?ms=500
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpserver"
)

func routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "Hello, World!\n")
	})
	mux.HandleFunc("GET /sleep", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		if err := gevent.Sleep(time.Duration(ms) * time.Millisecond); err != nil {
			return // killed: the server is stopping
		}
		fmt.Fprintf(w, "slept %d ms\n", ms)
	})
	return mux
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	quiet := flag.Bool("quiet", false, "no access log")
	flag.Parse()
	s := &httpserver.Server{Addr: *addr, Handler: routes(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	if !*quiet {
		s.AccessLog = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	fmt.Fprintf(os.Stderr, "serving on http://%s/\n", *addr)
	// main's goroutine is the default hub's main greenlet: no gevent.Run.
	if err := s.ListenAndServe(); err != nil && err != httpserver.ErrServerClosed {
		log.Fatal(err)
	}
}
