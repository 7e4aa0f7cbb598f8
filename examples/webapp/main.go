// Command webapp is the seeds' application pattern (their glb server: a
// framework's routes, a /websocket route and a Redis connection on one
// pywsgi server with WebSocketHandler): one httpserver with an
// http.ServeMux JSON API, a /websocket route, and the state in a real
// redis-server reached with redigo through interop.DialContext, which
// makes every Redis round trip a cooperative socket wait.
//
//	go run ./examples/webapp                  # starts its own redis-server
//	go run ./examples/webapp -redis 127.0.0.1:6379
//	curl -X POST http://127.0.0.1:8000/api/counter/incr   # {"counter":1}
//	curl http://127.0.0.1:8000/api/counter                # {"counter":1}
//	curl -X POST -d 'text=hi' http://127.0.0.1:8000/api/notes
//	curl http://127.0.0.1:8000/api/notes                  # {"notes":["hi"]}
//
// /websocket sends {"counter": n} at once and at every change; a client
// that sends "incr" increments the counter.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
	"github.com/gevent-go/gevent/httpserver"
	"github.com/gevent-go/gevent/interop"
	"github.com/gevent-go/gevent/websocket"
	"github.com/gomodule/redigo/redis"
)

// app is the state shared by the routes: a redigo pool (Wait false: a
// waiting Get would block the hub on a channel) and the event that wakes
// the WebSocket clients when the counter changes. It lives on one hub.
type app struct {
	pool    *redis.Pool
	changed *event.Event
}

func newApp(redisAddr string) *app {
	return &app{changed: new(event.Event), pool: &redis.Pool{
		MaxIdle:     64,
		IdleTimeout: time.Minute,
		Dial: func() (redis.Conn, error) {
			return redis.Dial("tcp", redisAddr, redis.DialContextFunc(interop.DialContext),
				redis.DialReadTimeout(10*time.Second), redis.DialWriteTimeout(10*time.Second))
		},
	}}
}

// do runs one Redis command on a pooled connection (cooperative: the
// greenlet waits on the socket, the others go on).
func (a *app) do(cmd string, args ...any) (any, error) {
	c := a.pool.Get()
	defer c.Close()
	return c.Do(cmd, args...)
}

func (a *app) counter() (int, error) {
	n, err := redis.Int(a.do("GET", "counter"))
	if errors.Is(err, redis.ErrNil) {
		return 0, nil
	}
	return n, err
}

func (a *app) incr() (int, error) {
	n, err := redis.Int(a.do("INCR", "counter"))
	if err == nil {
		old := a.changed
		a.changed = new(event.Event)
		old.Set()
	}
	return n, err
}

func writeJSON(w http.ResponseWriter, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		v = map[string]string{"error": err.Error()}
	}
	json.NewEncoder(w).Encode(v)
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/counter", func(w http.ResponseWriter, r *http.Request) {
		n, err := a.counter()
		writeJSON(w, map[string]int{"counter": n}, err)
	})
	mux.HandleFunc("POST /api/counter/incr", func(w http.ResponseWriter, r *http.Request) {
		n, err := a.incr()
		writeJSON(w, map[string]int{"counter": n}, err)
	})
	mux.HandleFunc("GET /api/notes", func(w http.ResponseWriter, r *http.Request) {
		notes, err := redis.Strings(a.do("LRANGE", "notes", 0, -1))
		if notes == nil {
			notes = []string{}
		}
		writeJSON(w, map[string][]string{"notes": notes}, err)
	})
	mux.HandleFunc("POST /api/notes", func(w http.ResponseWriter, r *http.Request) {
		text := r.FormValue("text")
		if text == "" {
			http.Error(w, `{"error":"text is required"}`, http.StatusBadRequest)
			return
		}
		n, err := redis.Int(a.do("RPUSH", "notes", text))
		writeJSON(w, map[string]int{"count": n}, err)
	})
	mux.Handle("GET /websocket", websocket.New(func(ws *websocket.Conn) error {
		// A greenlet per client reads its commands; this one pushes the
		// counter at every change.
		reader := gevent.Go(func() {
			for {
				text, err := ws.ReceiveText()
				if err != nil {
					return
				}
				if text == "incr" {
					a.incr()
				}
			}
		})
		defer reader.Kill(nil, false)
		for {
			ev := a.changed
			n, err := a.counter()
			if err != nil {
				return err
			}
			if err := ws.SendJSON(map[string]int{"counter": n}); err != nil {
				return nil
			}
			if _, err := gevent.WaitN([]gevent.Waitable{ev, reader}, 1); err != nil {
				return err
			}
			if reader.Dead() {
				return nil // the client closed
			}
		}
	}))
	return mux
}

// startRedis runs a redis-server without persistence on a free loopback
// port and returns its address and a function that stops it.
func startRedis() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("starting redis-server (scripts/deps.sh installs it): %w", err)
	}
	stop := func() { cmd.Process.Kill(); cmd.Wait() }
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if c, err := redis.Dial("tcp", addr); err == nil {
			_, err = c.Do("PING")
			c.Close()
			if err == nil {
				return addr, stop, nil
			}
		}
	}
	stop()
	return "", nil, errors.New("redis-server did not start")
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "address to listen on")
	redisAddr := flag.String("redis", "", "redis-server address (empty: start one)")
	flag.Parse()
	if *redisAddr == "" {
		a, stop, err := startRedis()
		if err != nil {
			log.Fatal(err)
		}
		defer stop()
		// Ctrl-C ends the process without running main's defers: stop
		// the redis-server first.
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		go func() { <-sig; stop(); os.Exit(130) }()
		*redisAddr = a
	}
	fmt.Fprintf(os.Stderr, "serving on http://%s/ (redis %s)\n", *addr, *redisAddr)
	s := &httpserver.Server{Addr: *addr, Handler: newApp(*redisAddr).routes(), IdleTimeout: time.Minute}
	if err := s.ListenAndServe(); err != nil && err != httpserver.ErrServerClosed {
		log.Print(err)
	}
}
