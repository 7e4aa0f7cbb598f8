// Package debug serves the state of a program's hubs over HTTP, in the
// manner of net/http/pprof: the run info of every running hub
// (gevent.FormatRunInfo: greenlets, states, waits, spawners, stacks,
// ready queue, timers) as plain text.
//
// Register it on any net/http mux, or a server of this module:
//
//	debug.Register(http.DefaultServeMux) // GET /debug/gevent/
//
// Nothing is registered on import. The page shows stacks and names of the
// program's code: serve it on a loopback or otherwise protected listener.
package debug

import (
	"io"
	"net/http"

	"github.com/gevent-go/gevent"
)

// Path is where Register serves the handler.
const Path = "/debug/gevent/"

// Handler returns a handler that answers GET and HEAD with the run info of
// every running hub (text/plain), and other methods with 405. Each hub
// answers between two of its greenlets; one that does not within 2 s is
// shown as not responding, with every goroutine's stack. Served by a
// greenlet, the handler waits for the other hubs without yielding (a
// few microseconds each, up to 2 s for a hub that does not respond).
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		info := gevent.FormatRunInfo()
		if info == "" {
			info = "no hub is running\n"
		}
		if r.Method == http.MethodGet {
			io.WriteString(w, info)
		}
	})
}

// Register serves Handler at Path on mux.
func Register(mux *http.ServeMux) { mux.Handle(Path, Handler()) }
