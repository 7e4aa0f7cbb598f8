package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/webtest"
	gorilla "github.com/gorilla/websocket"
)

func start(t *testing.T) *webtest.Server {
	return webtest.Start(t, func() (http.Handler, error) { return routes(NewRoom(1000)), nil })
}

func wsDial(t *testing.T, ts *webtest.Server, name string) *gorilla.Conn {
	t.Helper()
	c, _, err := gorilla.DefaultDialer.Dial("ws://"+ts.Addr+"/ws?name="+name, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// expect reads messages until one matches want (kind/name/text), failing
// after 30 s.
func expect(t *testing.T, c *gorilla.Conn, want Message) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var m Message
		if err := c.ReadJSON(&m); err != nil {
			t.Fatalf("waiting for %+v: %v", want, err)
		}
		if m.Kind == want.Kind && m.Name == want.Name && m.Text == want.Text {
			return
		}
	}
}

func TestWebSocketChat(t *testing.T) {
	ts := start(t)
	ann := wsDial(t, ts, "ann")
	expect(t, ann, Message{Kind: "join", Name: "ann"})
	bob := wsDial(t, ts, "bob")
	expect(t, ann, Message{Kind: "join", Name: "bob"})
	bob.WriteMessage(gorilla.TextMessage, []byte("hello ann"))
	expect(t, ann, Message{Kind: "text", Name: "bob", Text: "hello ann"})
	expect(t, bob, Message{Kind: "text", Name: "bob", Text: "hello ann"})
	bob.Close()
	expect(t, ann, Message{Kind: "leave", Name: "bob"})
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// TestLongPollAndWebSocketTogether: a long poll waiting gets what a
// WebSocket member says, and the member gets what the poller posts.
func TestLongPollAndWebSocketTogether(t *testing.T) {
	ts := start(t)
	var cur struct{ Last int }
	getJSON(t, ts.URL("/poll"), &cur)
	got := make(chan []Message, 1)
	go func() {
		var d struct{ Messages []Message }
		resp, err := http.Get(ts.URL(fmt.Sprintf("/poll?since=%d", cur.Last)))
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&d)
			resp.Body.Close()
		}
		got <- d.Messages
	}()
	ann := wsDial(t, ts, "ann")
	expect(t, ann, Message{Kind: "join", Name: "ann"})
	select {
	case ms := <-got:
		if len(ms) != 1 || ms[0].Kind != "join" || ms[0].Name != "ann" {
			t.Fatalf("poll got %+v", ms)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("poll did not return")
	}
	if _, err := http.PostForm(ts.URL("/send"), url.Values{"name": {"pat"}, "text": {"via poll"}}); err != nil {
		t.Fatal(err)
	}
	expect(t, ann, Message{Kind: "text", Name: "pat", Text: "via poll"})
}

// TestGoneLongPollersEnd: 50 long polls wait; their clients close the
// connections; every poll's handler (and so its greenlet) ends, long
// before the 25 s poll timeout.
func TestGoneLongPollersEnd(t *testing.T) {
	ts := start(t)
	count := func() int {
		var n int
		ts.Do(func() error { n = polling; return nil })
		return n
	}
	before := count()
	var conns []net.Conn
	for i := 0; i < 50; i++ {
		c, err := net.Dial("tcp", ts.Addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "GET /poll?since=0 HTTP/1.1\r\nHost: x\r\n\r\n")
		conns = append(conns, c)
	}
	waitFor(t, func() bool { return count() == before+50 }, "50 polls waiting")
	for _, c := range conns {
		c.Close()
	}
	waitFor(t, func() bool { return count() == before }, "polls ended")
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for end := time.Now().Add(15 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestBrowserChat: two headless chromium tabs join; one sends, the other
// shows the message; a third tab uses the long-polling transport.
func TestBrowserChat(t *testing.T) {
	bctx := webtest.Browser(t)
	ts := start(t)
	ann, cancelAnn := chromedp.NewContext(bctx)
	defer cancelAnn()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	open := func(tabCtx context.Context, q string) {
		t.Helper()
		_, err := chromedp.Run(tabCtx, chromedp.Navigate(ts.URL("/?"+q)))
		must(err)
		_, err = chromedp.Run(tabCtx, chromedp.Poll[bool](`document.body.dataset.ready === '1'`, chromedp.WithPollingTimeout(30*time.Second)))
		must(err)
	}
	shows := func(tabCtx context.Context, text string) {
		t.Helper()
		js := fmt.Sprintf(`document.getElementById('log').textContent.includes(%q)`, text)
		_, err := chromedp.Run(tabCtx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(30*time.Second)))
		if err != nil {
			t.Fatalf("tab never showed %q: %v", text, err)
		}
	}
	open(ann, "name=ann")
	// The browser starts with ann's first Run; bob and pat are tabs of it.
	bob, cancelBob := chromedp.NewContext(ann) // a second tab of the same browser
	defer cancelBob()
	pat, cancelPat := chromedp.NewContext(ann)
	defer cancelPat()
	open(bob, "name=bob")
	open(pat, "name=pat&transport=poll")
	shows(ann, "bob joined")
	shows(ann, "pat joined")
	_, err := chromedp.Run(bob, chromedp.SendKeys("#text", "hello from bob\n"))
	must(err)
	shows(ann, "bob: hello from bob")
	shows(pat, "bob: hello from bob")
	_, err = chromedp.Run(pat, chromedp.SendKeys("#text", "pat polls\n"))
	must(err)
	shows(ann, "pat: pat polls")
	shows(bob, "pat: pat polls")
	shot, err := chromedp.Run(ann, chromedp.FullScreenshot(100))
	must(err)
	webtest.Screenshot(t, "wschat", shot)
}

// TestLongPollFanOut: 1,000 long polls wait; a producer greenlet posts 50
// messages at 1 kHz; every poller, polling again from its cursor, gets
// each message exactly once and in order.
func TestLongPollFanOut(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	const pollers, msgs = 1000, 50
	var room *Room
	ts := webtest.Start(t, func() (http.Handler, error) { room = NewRoom(10000); return routes(room), nil })
	tr := &http.Transport{MaxIdleConnsPerHost: pollers, MaxConnsPerHost: pollers}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	errs := make(chan error, pollers)
	var requests atomic.Int64
	start := time.Now()
	for i := 0; i < pollers; i++ {
		go func() {
			since, next := 0, 1
			for next <= msgs {
				requests.Add(1)
				resp, err := client.Get(ts.URL(fmt.Sprintf("/poll?since=%d", since)))
				if err != nil {
					errs <- err
					return
				}
				var d struct {
					Last     int
					Messages []Message
				}
				err = json.NewDecoder(resp.Body).Decode(&d)
				resp.Body.Close()
				if err != nil {
					errs <- err
					return
				}
				for _, m := range d.Messages {
					if m.Seq != next || m.Text != fmt.Sprint(next) {
						errs <- fmt.Errorf("got %+v, want message %d", m, next)
						return
					}
					next++
					since = m.Seq
				}
			}
			errs <- nil
		}()
	}
	waitFor(t, func() bool {
		var n int
		ts.Do(func() error { n = polling; return nil })
		return n == pollers
	}, "1,000 polls waiting")
	began := time.Now()
	t.Logf("waiting after %v", time.Since(start))
	ts.Do(func() error {
		gevent.Go(func() {
			for i := 1; i <= msgs; i++ {
				room.Post("text", "producer", fmt.Sprint(i))
				if gevent.Sleep(time.Millisecond) != nil {
					return
				}
			}
		})
		return nil
	})
	for i := 0; i < pollers; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("delivered in %v, %d requests", time.Since(began), requests.Load())
}
