// Command streaming ports gevent-tutorial's "Streaming Servers" and "Long
// Polling" (the seed's streaming server and ajax endpoint) and adds
// Server-Sent Events:
//
//	go run ./examples/streaming -addr 127.0.0.1:8000
//	curl -N http://127.0.0.1:8000/          # "<p>Hello", 1 s later "World</p>"
//	curl -N http://127.0.0.1:8000/ajax      # tutorial: a JSON line per item, forever
//	curl http://127.0.0.1:8000/poll         # long poll: one item, or 204 after 5 s
//	curl -N http://127.0.0.1:8000/events    # SSE: a "tick" event per second
//
// A producer greenlet puts "Hello World" into a queue.Queue every second;
// each /ajax or /poll request waits on it with a timeout (each item goes
// to one waiter, as with the tutorial's gevent.queue.Queue).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpserver"
	"github.com/gevent-go/gevent/queue"
	"github.com/gevent-go/gevent/sse"
)

// app holds the routes' state; it lives on one hub.
type app struct {
	source  *queue.Queue[string]
	step    time.Duration // the streaming pause and the producer's period
	waiting int           // long polls waiting (their greenlets), for the tests
}

// newApp starts the producer greenlet (in the calling greenlet's hub).
func newApp(step time.Duration) *app {
	a := &app{source: queue.NewQueue[string](100), step: step}
	gevent.Go(func() {
		for {
			a.source.PutNowait("Hello World") // full (nobody listens): dropped
			if gevent.Sleep(step) != nil {
				return
			}
		}
	})
	return a
}

// killOnGone kills the calling greenlet (the request's) when ctx ends
// while the handler still runs: the client went away, and a queue wait
// does not see a context. Call the returned function before returning.
func killOnGone(ctx context.Context) (done func()) {
	g, hub := gevent.GetCurrent(), gevent.GetHub()
	returned := false
	stop := context.AfterFunc(ctx, func() {
		hub.Post(func() {
			if !returned {
				g.Kill(nil, false)
			}
		})
	})
	return func() { returned = true; stop() }
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	// streaming.py: each part is flushed (a chunk on the wire) when written.
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<p>Hello"))
		w.(http.Flusher).Flush()
		if gevent.Sleep(a.step) != nil {
			return
		}
		w.Write([]byte("World</p>"))
	})
	// longpoll.py's ajax_endpoint: streams an item per line, forever.
	mux.HandleFunc("GET /ajax", func(w http.ResponseWriter, r *http.Request) {
		defer killOnGone(r.Context())()
		w.Header().Set("Content-Type", "application/json")
		for {
			item, err := a.source.Get(5 * a.step)
			if errors.Is(err, queue.ErrEmpty) {
				continue
			}
			if err != nil {
				return // killed: client gone or server stopping
			}
			b, _ := json.Marshal(item)
			if _, err := w.Write(append(b, '\n')); err != nil {
				return
			}
			if w.(http.Flusher).Flush(); r.Context().Err() != nil {
				return
			}
		}
	})
	// The long poll proper: wait up to 5 steps for one item, answer, and
	// let the client ask again.
	mux.HandleFunc("GET /poll", func(w http.ResponseWriter, r *http.Request) {
		defer killOnGone(r.Context())()
		a.waiting++
		item, err := a.source.Get(5 * a.step)
		a.waiting--
		switch {
		case errors.Is(err, queue.ErrEmpty):
			w.WriteHeader(http.StatusNoContent)
		case err != nil:
			return // killed: the client went away (or the server stops)
		default:
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(item)
		}
	})
	// Server-Sent Events: a tick per step, resuming after Last-Event-ID.
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		s, err := sse.New(w)
		if err != nil {
			return
		}
		n, _ := strconv.Atoi(sse.LastEventID(r))
		for n++; ; n++ {
			if s.Send(sse.Event{ID: strconv.Itoa(n), Event: "tick", Data: fmt.Sprintf(`{"n": %d}`, n)}) != nil {
				return
			}
			if gevent.Sleep(a.step) != nil {
				return
			}
		}
	})
	return mux
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "address to listen on")
	flag.Parse()
	fmt.Fprintf(os.Stderr, "serving on http://%s/\n", *addr)
	s := &httpserver.Server{Addr: *addr, Handler: newApp(time.Second).routes()}
	if err := s.ListenAndServe(); err != nil && err != httpserver.ErrServerClosed {
		log.Fatal(err)
	}
}
