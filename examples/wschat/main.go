// Command wschat is a chat room: a browser page, a WebSocket per member
// and a long-polling fallback (?transport=poll), one greenlet per
// connection, every message broadcast through an event.Event of the
// library, join and leave notices.
//
//	go run ./examples/wschat -addr 127.0.0.1:8000
//	open http://127.0.0.1:8000/?name=ann   (and ?name=bob&transport=poll)
//
// Routes: GET / (the page), GET /ws?name=N (WebSocket: send text, receive
// JSON messages), GET /poll?since=SEQ (long poll: the messages after SEQ
// as JSON, waiting up to 25 s for one; without since, the cursor at once), POST /send (name, text), POST /join and /leave (name) for the
// long-poll transport.
package main

import (
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpserver"
	"github.com/gevent-go/gevent/websocket"
)

//go:embed chat.html
var page []byte

// polling counts the long polls waiting (their greenlets), for the tests.
var polling int

// pollWait bounds a long poll (the browser then polls again).
var pollWait = 25 * time.Second

func cleanName(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		s = "anonymous"
	}
	return s[:min(len(s), 32)]
}

func routes(room *Room) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	mux.Handle("GET /ws", websocket.New(func(ws *websocket.Conn) error {
		name := cleanName(ws.Request().URL.Query().Get("name"))
		since := room.Last()
		room.Post("join", name, "")
		defer room.Post("leave", name, "")
		// The writer greenlet follows the room from the join on; the
		// handler's greenlet reads what the member says.
		writer := gevent.Go(func() {
			for {
				ms, err := room.Wait(nil, since, time.Hour)
				if err != nil {
					return
				}
				for _, m := range ms {
					if ws.SendJSON(m) != nil {
						ws.Close(websocket.CloseGoingAway, "")
						return
					}
					since = m.Seq
				}
			}
		})
		defer writer.Kill(nil, false)
		for {
			text, err := ws.ReceiveText()
			if err != nil {
				return nil // closed or gone: leave
			}
			room.Post("text", name, text)
		}
	}))
	mux.HandleFunc("GET /poll", func(w http.ResponseWriter, r *http.Request) {
		var ms []Message
		since, err := strconv.Atoi(r.URL.Query().Get("since"))
		if err == nil { // without since: the cursor at once
			polling++
			ms, err = room.Wait(r.Context(), since, pollWait)
			polling--
			if err != nil {
				return // client gone, or the server is stopping
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"last": room.Last(), "messages": ms})
	})
	mux.HandleFunc("POST /send", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(room.Post("text", cleanName(r.FormValue("name")), r.FormValue("text")))
	})
	for _, kind := range []string{"join", "leave"} {
		mux.HandleFunc("POST /"+kind, func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode(room.Post(kind, cleanName(r.FormValue("name")), ""))
		})
	}
	return mux
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "address to listen on")
	flag.Parse()
	fmt.Fprintf(os.Stderr, "open http://%s/?name=you\n", *addr)
	s := &httpserver.Server{Addr: *addr, Handler: routes(NewRoom(1000)), IdleTimeout: time.Minute}
	if err := s.ListenAndServe(); err != nil && err != httpserver.ErrServerClosed {
		log.Fatal(err)
	}
}
