package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/gevent-go/gevent/internal/webtest"
	gorilla "github.com/gorilla/websocket"
)

// start runs a redis-server of the test's own (never skipped under
// CI=true) and the app on a hub.
func start(t *testing.T) *webtest.Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not installed (CI=true): run scripts/deps.sh")
		}
		t.Skip("redis-server is not installed")
	}
	addr, stop, err := startRedis()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return webtest.Start(t, func() (http.Handler, error) { return newApp(addr).routes(), nil })
}

func call(t *testing.T, method, u string, form url.Values, v any) int {
	t.Helper()
	var resp *http.Response
	var err error
	if method == "POST" {
		resp, err = http.PostForm(u, form)
	} else {
		resp, err = http.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

func TestAPI(t *testing.T) {
	ts := start(t)
	var c struct{ Counter int }
	call(t, "GET", ts.URL("/api/counter"), nil, &c)
	if c.Counter != 0 {
		t.Fatalf("initial counter %d", c.Counter)
	}
	// 100 concurrent increments, each a Redis INCR from its own greenlet.
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); call(t, "POST", ts.URL("/api/counter/incr"), nil, nil) }()
	}
	wg.Wait()
	call(t, "GET", ts.URL("/api/counter"), nil, &c)
	if c.Counter != 100 {
		t.Fatalf("counter %d, want 100", c.Counter)
	}
	if code := call(t, "POST", ts.URL("/api/notes"), url.Values{}, nil); code != 400 {
		t.Fatalf("empty note: %d", code)
	}
	call(t, "POST", ts.URL("/api/notes"), url.Values{"text": {"first"}}, nil)
	call(t, "POST", ts.URL("/api/notes"), url.Values{"text": {"second"}}, nil)
	var n struct{ Notes []string }
	call(t, "GET", ts.URL("/api/notes"), nil, &n)
	if len(n.Notes) != 2 || n.Notes[0] != "first" || n.Notes[1] != "second" {
		t.Fatalf("notes %q", n.Notes)
	}
}

func TestWebSocketCounter(t *testing.T) {
	ts := start(t)
	dial := func() *gorilla.Conn {
		c, _, err := gorilla.DefaultDialer.Dial("ws://"+ts.Addr+"/websocket", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	next := func(c *gorilla.Conn) int {
		t.Helper()
		var m struct{ Counter int }
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		if err := c.ReadJSON(&m); err != nil {
			t.Fatal(err)
		}
		return m.Counter
	}
	a, b := dial(), dial()
	if next(a) != 0 || next(b) != 0 {
		t.Fatal("initial counter")
	}
	a.WriteMessage(gorilla.TextMessage, []byte("incr"))
	if x, y := next(a), next(b); x != 1 || y != 1 {
		t.Fatalf("after ws incr: %d %d", x, y)
	}
	call(t, "POST", ts.URL("/api/counter/incr"), nil, nil)
	if x, y := next(a), next(b); x != 2 || y != 2 {
		t.Fatalf("after API incr: %d %d", x, y)
	}
}
