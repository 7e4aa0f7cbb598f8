// Command wsplot is gevent-tutorial's WebSocket demo: the server sends
// {"x": n, "y": random} every 0.5 s over a WebSocket and the page plots
// the points (the Python original: websocket_plot.py with
// gevent-websocket's WebSocketHandler). One greenlet per browser.
//
//	go run ./examples/wsplot -addr 127.0.0.1:8000
//	open http://127.0.0.1:8000/
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpserver"
	"github.com/gevent-go/gevent/websocket"
)

//go:embed plot.html
var page []byte

// point is one sample, as the Python demo's json.dumps({'x': x, 'y': y}).
type point struct {
	X int `json:"x"`
	Y int `json:"y"`
}

// routes serves the page on / and the points on /ws, one every interval.
func routes(interval time.Duration) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	mux.Handle("GET /ws", websocket.New(func(ws *websocket.Conn) error {
		// The page sends nothing; a reader greenlet answers pings and
		// notices the browser's close (the Python demo only notices it
		// when a send fails).
		reader := gevent.Go(func() {
			for {
				if _, _, err := ws.Receive(); err != nil {
					return
				}
			}
		})
		defer reader.Kill(nil, true)
		for x := 0; !reader.Dead(); x++ {
			if err := ws.SendJSON(point{X: x, Y: 1 + rand.IntN(5)}); err != nil {
				return nil // the browser went away
			}
			if err := gevent.Sleep(interval); err != nil {
				return err // killed: the server is stopping (close 1001)
			}
		}
		return nil
	}))
	return mux
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "address to listen on")
	flag.Parse()
	fmt.Fprintf(os.Stderr, "open http://%s/\n", *addr)
	s := &httpserver.Server{Addr: *addr, Handler: routes(500 * time.Millisecond)}
	if err := s.ListenAndServe(); err != nil && err != httpserver.ErrServerClosed {
		log.Fatal(err)
	}
}
