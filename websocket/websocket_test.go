package websocket_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
	"github.com/gevent-go/gevent/httpserver"
	"github.com/gevent-go/gevent/websocket"
	gorilla "github.com/gorilla/websocket"
)

// srv is an httpserver on a hub of its own goroutine; clients run in the
// test's goroutine.
type srv struct {
	s    *httpserver.Server
	hub  *gevent.Hub
	addr string
	done chan error
	mu   sync.Mutex
	errs []error
}

func serve(t testing.TB, h http.Handler) *srv {
	t.Helper()
	ts := &srv{s: &httpserver.Server{Addr: "127.0.0.1:0", Handler: h}, done: make(chan error, 1)}
	ready := make(chan error, 1)
	go func() {
		ts.done <- gevent.Run(func() error {
			ts.hub = gevent.GetHub()
			ts.hub.SetErrorHandler(func(g gevent.AnyGreenlet, err error) {
				ts.mu.Lock()
				ts.errs = append(ts.errs, err)
				ts.mu.Unlock()
			})
			if err := ts.s.Start(); err != nil {
				ready <- err
				return err
			}
			ts.addr = ts.s.ListenAddr().String()
			ready <- nil
			return ts.s.ServeForever()
		})
	}()
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ts.hub.Submit(func() error { return ts.s.Stop(2 * time.Second) })
		select {
		case <-ts.done:
		case <-time.After(20 * time.Second):
			t.Error("server did not stop")
		}
	})
	return ts
}

func (ts *srv) url(path string) string { return "ws://" + ts.addr + path }

func dial(t testing.TB, url string) *gorilla.Conn {
	t.Helper()
	c, resp, err := gorilla.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v (%v)", url, err, resp)
	}
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

func echo(c *websocket.Conn) error {
	for {
		typ, b, err := c.Receive()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return nil
			}
			return err
		}
		if err := c.Send(typ, b); err != nil {
			return err
		}
	}
}

func TestEchoTextBinaryAndCloseHandshake(t *testing.T) {
	ts := serve(t, websocket.New(echo))
	c := dial(t, ts.url("/"))
	for _, m := range []struct {
		typ  int
		data string
	}{{gorilla.TextMessage, "hello"}, {gorilla.BinaryMessage, "\x00\x01\xff"}, {gorilla.TextMessage, strings.Repeat("x", 70000)}} {
		if err := c.WriteMessage(m.typ, []byte(m.data)); err != nil {
			t.Fatal(err)
		}
		typ, b, err := c.ReadMessage()
		if err != nil || typ != m.typ || string(b) != m.data {
			t.Fatalf("echo: %v %d %q", err, typ, b[:min(len(b), 20)])
		}
	}
	// Client-initiated close: the server answers with the same code.
	c.WriteMessage(gorilla.CloseMessage, gorilla.FormatCloseMessage(4000, "bye"))
	_, _, err := c.ReadMessage()
	var ce *gorilla.CloseError
	if !errors.As(err, &ce) || ce.Code != 4000 {
		t.Fatalf("close answer: %v", err)
	}
}

func TestServerCloseCodes(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/nil", websocket.New(func(c *websocket.Conn) error { return c.SendText("hi") }))
	mux.Handle("/err", websocket.New(func(c *websocket.Conn) error { return errors.New("boom") }))
	mux.Handle("/close", websocket.New(func(c *websocket.Conn) error { return c.Close(4001, "custom") }))
	ts := serve(t, mux)
	for _, tc := range []struct {
		path   string
		code   int
		reason string
	}{{"/nil", 1000, ""}, {"/err", 1011, "boom"}, {"/close", 4001, "custom"}} {
		c := dial(t, ts.url(tc.path))
		var err error
		for err == nil {
			_, _, err = c.ReadMessage()
		}
		var ce *gorilla.CloseError
		if !errors.As(err, &ce) || ce.Code != tc.code || ce.Text != tc.reason {
			t.Errorf("%s: %v, want close %d %q", tc.path, err, tc.code, tc.reason)
		}
	}
}

func TestHandshakeErrors(t *testing.T) {
	called := false
	ts := serve(t, websocket.New(func(c *websocket.Conn) error { called = true; return nil }))
	for _, tc := range []struct {
		name   string
		method string
		hdr    map[string]string
		status int
		reason string
	}{
		{"plain GET", "GET", nil, 400, "'upgrade' token not found"},
		{"no key", "GET", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13"}, 400, "Sec-WebSocket-Key"},
		{"bad version", "GET", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "8", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}, 400, "version"},
		{"POST", "POST", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}, 405, "GET"},
		{"foreign origin", "GET", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": "http://evil.example"}, 403, "origin"},
	} {
		req, _ := http.NewRequest(tc.method, "http://"+ts.addr+"/", nil)
		for k, v := range tc.hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.reason) {
			t.Errorf("%s: %d %q, want %d with %q", tc.name, resp.StatusCode, b, tc.status, tc.reason)
		}
	}
	if called {
		t.Error("Serve called for a bad handshake")
	}
}

// rawUpgrade performs the handshake on a plain TCP conn, for tests that
// send broken frames.
func rawUpgrade(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", addr)
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("upgrade: %v %v", err, resp)
	}
	return nc, br
}

// readClose reads one server frame and returns its close code (-1 if it
// is not a close frame).
func readClose(t *testing.T, br *bufio.Reader) int {
	t.Helper()
	h := make([]byte, 2)
	if _, err := io.ReadFull(br, h); err != nil {
		t.Fatalf("reading close frame: %v", err)
	}
	p := make([]byte, h[1]&0x7f)
	io.ReadFull(br, p)
	if h[0]&0x0f != 8 || len(p) < 2 {
		return -1
	}
	return int(p[0])<<8 | int(p[1])
}

func TestProtocolViolationCloses1002(t *testing.T) {
	got := make(chan error, 1)
	ts := serve(t, websocket.New(func(c *websocket.Conn) error {
		_, _, err := c.Receive()
		got <- err
		return err
	}))
	nc, br := rawUpgrade(t, ts.addr)
	nc.Write([]byte{0x81, 0x02, 'h', 'i'}) // unmasked client frame
	if code := readClose(t, br); code != 1002 {
		t.Fatalf("close code %d, want 1002", code)
	}
	if err := <-got; err == nil {
		t.Fatal("Receive: no error")
	}
}

func TestOversizedMessageCloses1009(t *testing.T) {
	got := make(chan error, 1)
	ts := serve(t, &websocket.Handler{ReadLimit: 1000, Serve: func(c *websocket.Conn) error {
		_, _, err := c.Receive()
		got <- err
		return err
	}})
	c := dial(t, ts.url("/"))
	c.WriteMessage(gorilla.BinaryMessage, make([]byte, 1001))
	_, _, err := c.ReadMessage()
	var ce *gorilla.CloseError
	if !errors.As(err, &ce) || ce.Code != 1009 {
		t.Fatalf("client got %v, want close 1009", err)
	}
	if err := <-got; !errors.Is(err, gorilla.ErrReadLimit) {
		t.Fatalf("Receive: %v", err)
	}
}

func TestClientDisconnectMidMessage(t *testing.T) {
	got := make(chan error, 1)
	ts := serve(t, websocket.New(func(c *websocket.Conn) error {
		_, _, err := c.Receive()
		got <- err
		return err
	}))
	nc, _ := rawUpgrade(t, ts.addr)
	// A masked text frame announcing 100 bytes, of which 10 are sent.
	nc.Write(append([]byte{0x81, 0x80 | 100, 1, 2, 3, 4}, make([]byte, 10)...))
	time.Sleep(50 * time.Millisecond)
	nc.Close()
	select {
	case err := <-got:
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("Receive: %v, want io.ErrUnexpectedEOF", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Receive did not return")
	}
}

func TestWriteTimeoutClientNeverReads(t *testing.T) {
	got := make(chan error, 1)
	ts := serve(t, &websocket.Handler{WriteTimeout: 200 * time.Millisecond, Serve: func(c *websocket.Conn) error {
		buf := make([]byte, 64<<10)
		for i := 0; i < 10000; i++ { // 640 MB: far more than socket buffers
			if err := c.Send(websocket.BinaryMessage, buf); err != nil {
				got <- err
				return err
			}
		}
		got <- nil
		return nil
	}})
	nc, _ := rawUpgrade(t, ts.addr) // never reads
	_ = nc
	select {
	case err := <-got:
		if !errors.Is(err, websocket.ErrWriteTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Send: %v, want ErrWriteTimeout", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Send did not time out")
	}
}

func TestReceiveTimeout(t *testing.T) {
	got := make(chan error, 1)
	ts := serve(t, websocket.New(func(c *websocket.Conn) error {
		_, _, err := c.Receive(100 * time.Millisecond)
		got <- err
		return nil
	}))
	dial(t, ts.url("/"))
	select {
	case err := <-got:
		if !errors.Is(err, websocket.ErrReadTimeout) {
			t.Fatalf("Receive: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no timeout")
	}
}

func TestTimeoutScopeInterruptsReceive(t *testing.T) {
	got := make(chan error, 1)
	ts := serve(t, websocket.New(func(c *websocket.Conn) error {
		var tmo *gevent.Timeout
		err := gevent.NewTimeout(100*time.Millisecond, nil).Run(func() error {
			_, _, err := c.Receive()
			return err
		})
		got <- err
		if !errors.As(err, &tmo) {
			return nil
		}
		return err
	}))
	c := dial(t, ts.url("/"))
	select {
	case err := <-got:
		if !errors.Is(err, gevent.ErrTimeout) {
			t.Fatalf("Receive: %v, want the Timeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no timeout")
	}
	_, _, err := c.ReadMessage()
	var ce *gorilla.CloseError
	if !errors.As(err, &ce) || ce.Code != 1001 {
		t.Fatalf("client: %v, want close 1001", err)
	}
}

func TestPingPong(t *testing.T) {
	pong := make(chan string, 1)
	ts := serve(t, websocket.New(func(c *websocket.Conn) error {
		c.OnPong(func(b []byte) { pong <- string(b) })
		if err := c.Ping([]byte("server-ping")); err != nil {
			return err
		}
		return echo(c)
	}))
	c := dial(t, ts.url("/"))
	gotPing := make(chan string, 1)
	c.SetPingHandler(func(s string) error {
		gotPing <- s
		return c.WriteControl(gorilla.PongMessage, []byte(s), time.Now().Add(time.Second))
	})
	clientPong := make(chan string, 1)
	c.SetPongHandler(func(s string) error { clientPong <- s; return nil })
	c.WriteControl(gorilla.PingMessage, []byte("client-ping"), time.Now().Add(time.Second))
	c.WriteMessage(gorilla.TextMessage, []byte("x"))
	if _, b, err := c.ReadMessage(); err != nil || string(b) != "x" {
		t.Fatal(err, b)
	}
	c.WriteMessage(gorilla.TextMessage, []byte("y")) // lets the server's Receive see our pong
	if _, b, err := c.ReadMessage(); err != nil || string(b) != "y" {
		t.Fatal(err, b)
	}
	for name, ch := range map[string]chan string{"server-ping": gotPing, "client-ping": clientPong, "server-ping ": pong} {
		select {
		case s := <-ch:
			if s != strings.TrimSpace(name) {
				t.Errorf("%s: %q", name, s)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("%s: nothing", name)
		}
	}
}

func TestKillHandlerGreenletSendsClose(t *testing.T) {
	var g gevent.AnyGreenlet
	started := make(chan struct{})
	ts := serve(t, websocket.New(func(c *websocket.Conn) error {
		g = gevent.GetCurrent()
		close(started)
		_, _, err := c.Receive()
		return err
	}))
	c := dial(t, ts.url("/"))
	<-started
	ts.hub.Submit(func() error { g.Kill(nil, false); return nil })
	_, _, err := c.ReadMessage()
	var ce *gorilla.CloseError
	if !errors.As(err, &ce) || ce.Code != 1001 {
		t.Fatalf("client: %v, want close 1001", err)
	}
}

func TestKilledWhileBlockedInSendStillCloses(t *testing.T) {
	// The handler blocks in Send (the client does not read), is killed,
	// and the close frame cannot be written at once either: the server
	// must still close the TCP connection.
	var g gevent.AnyGreenlet
	blocked := make(chan struct{})
	ts := serve(t, &websocket.Handler{WriteTimeout: -1, Serve: func(c *websocket.Conn) error {
		g = gevent.GetCurrent()
		gevent.Go(func() { gevent.Sleep(200 * time.Millisecond); close(blocked) })
		buf := make([]byte, 64<<10)
		for {
			if err := c.Send(websocket.BinaryMessage, buf); err != nil {
				return err
			}
		}
	}})
	nc, br := rawUpgrade(t, ts.addr)
	<-blocked
	ts.hub.Submit(func() error { g.Kill(nil, false); return nil })
	// Drain: the connection must end (EOF) within the close timeout.
	nc.SetReadDeadline(time.Now().Add(15 * time.Second))
	if _, err := io.Copy(io.Discard, br); err != nil {
		t.Fatalf("connection not closed: %v", err)
	}
}

func TestCompression(t *testing.T) {
	ts := serve(t, &websocket.Handler{EnableCompression: true, Serve: echo})
	d := gorilla.Dialer{EnableCompression: true}
	c, resp, err := d.Dial(ts.url("/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.Contains(ext, "permessage-deflate") {
		t.Fatalf("extensions %q", ext)
	}
	msg := strings.Repeat("compress me ", 1000)
	c.WriteMessage(gorilla.TextMessage, []byte(msg))
	if _, b, err := c.ReadMessage(); err != nil || string(b) != msg {
		t.Fatal(err)
	}
}

// TestBroadcast200Clients: 200 clients on one hub; each sends 3 messages,
// which the server broadcasts to every client; each client must receive
// each of the 600 messages exactly once (120,000 deliveries).
func TestBroadcast200Clients(t *testing.T) { broadcast(t, 200, 200, 3) }

// TestBroadcast1000Clients: 1,000 connections open at once on one hub;
// 10 of them send 2 messages each; all 1,000 get the 20 exactly once.
func TestBroadcast1000Clients(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	broadcast(t, 1000, 10, 2)
}

func broadcast(t *testing.T, clients, senders, per int) {
	members := map[*websocket.Conn]bool{}
	allJoined := new(event.Event)
	var joined int
	ts := serve(t, websocket.New(func(c *websocket.Conn) error {
		members[c] = true
		defer delete(members, c)
		if joined++; joined == clients {
			allJoined.Set()
		}
		for {
			_, b, err := c.Receive()
			if err != nil {
				return nil
			}
			for m := range members {
				m.Send(websocket.TextMessage, b) // errors: that member's own Receive ends it
			}
		}
	}))
	var wg sync.WaitGroup
	var bad atomic.Int32
	conns := make([]*gorilla.Conn, clients)
	for i := range conns {
		conns[i] = dial(t, ts.url("/"))
	}
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen := map[string]int{}
			for len(seen) < senders*per {
				c.SetReadDeadline(time.Now().Add(60 * time.Second))
				_, b, err := c.ReadMessage()
				if err != nil {
					t.Errorf("client %d: %v after %d", i, err, len(seen))
					bad.Add(1)
					return
				}
				if seen[string(b)]++; seen[string(b)] > 1 {
					t.Errorf("client %d: %q twice", i, b)
				}
			}
		}()
	}
	// Wait until every client is a member before sending.
	ok := make(chan struct{})
	ts.hub.Submit(func() error { _, err := allJoined.Wait(); close(ok); return err })
	<-ok
	for i, c := range conns[:senders] {
		for j := 0; j < per; j++ {
			if err := c.WriteMessage(gorilla.TextMessage, []byte(fmt.Sprintf("%d-%d", i, j))); err != nil {
				t.Fatal(err)
			}
		}
	}
	wg.Wait()
	if bad.Load() > 0 {
		t.FailNow()
	}
	// Nothing more arrives: no duplicate after the last expected message.
	for _, c := range conns[:10] {
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, b, err := c.ReadMessage(); err == nil {
			t.Fatalf("extra message %q", b)
		}
	}
}

// TestPingAnsweredWhileSendBlocked: one greenlet is blocked in Send (the
// client does not read for 1.5 s) when a ping arrives. The pong waits its
// turn cooperatively and reaches the client after the messages. (gorilla's
// own ping handler waits on its channel lock instead, blocking the whole
// hub, and drops the pong after 1 s.)
func TestPingAnsweredWhileSendBlocked(t *testing.T) {
	const msgs = 100
	ts := serve(t, &websocket.Handler{WriteTimeout: -1, Serve: func(c *websocket.Conn) error {
		gevent.Go(func() {
			buf := make([]byte, 64<<10)
			for i := 0; i < msgs; i++ {
				if c.Send(websocket.BinaryMessage, buf) != nil {
					return
				}
			}
		})
		return echo(c)
	}})
	c := dial(t, ts.url("/"))
	pong := make(chan string, 1)
	c.SetPongHandler(func(s string) error { pong <- s; return nil })
	time.Sleep(200 * time.Millisecond) // the sender fills the buffers and blocks
	c.WriteControl(gorilla.PingMessage, []byte("p"), time.Now().Add(time.Second))
	time.Sleep(1500 * time.Millisecond)
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	for i := 0; i < msgs; i++ {
		if _, _, err := c.ReadMessage(); err != nil {
			t.Fatal(err)
		}
	}
	c.WriteMessage(gorilla.TextMessage, []byte("end"))
	if _, b, err := c.ReadMessage(); err != nil || string(b) != "end" {
		t.Fatal(err, b)
	}
	select {
	case s := <-pong:
		if s != "p" {
			t.Fatalf("pong %q", s)
		}
	default:
		t.Fatal("the ping was never answered")
	}
}

// TestServerStopClosesWithGoingAway: Stop's deadline kills the handlers
// of open WebSockets; each client gets a 1001 close frame.
func TestServerStopClosesWithGoingAway(t *testing.T) {
	ts := serve(t, websocket.New(echo))
	var cs []*gorilla.Conn
	for i := 0; i < 5; i++ {
		c := dial(t, ts.url("/"))
		c.WriteMessage(gorilla.TextMessage, []byte("hi"))
		c.ReadMessage() // the handler runs
		cs = append(cs, c)
	}
	ts.hub.Submit(func() error { return ts.s.Stop(100 * time.Millisecond) })
	for i, c := range cs {
		_, _, err := c.ReadMessage()
		var ce *gorilla.CloseError
		if !errors.As(err, &ce) || ce.Code != 1001 {
			t.Errorf("client %d: %v, want close 1001", i, err)
		}
	}
}

// TestReceiveTimeoutLeavesConnUsable: Receive with a timeout, and
// Receive under a Timeout scope, used to poll: each timeout before a
// message began leaves the connection readable; the message that comes
// later is received whole.
func TestReceiveTimeoutLeavesConnUsable(t *testing.T) {
	for _, scope := range []bool{false, true} {
		timeouts := make(chan int, 1)
		ts := serve(t, websocket.New(func(c *websocket.Conn) error {
			n := 0
			for {
				var typ int
				var b []byte
				var err error
				if scope {
					err = gevent.NewTimeout(30*time.Millisecond, nil).Run(func() error {
						typ, b, err = c.Receive()
						return err
					})
				} else {
					typ, b, err = c.Receive(30 * time.Millisecond)
				}
				if errors.Is(err, gevent.ErrTimeout) || errors.Is(err, websocket.ErrReadTimeout) {
					n++
					continue
				}
				if err != nil {
					return err
				}
				timeouts <- n
				return c.Send(typ, b)
			}
		}))
		c := dial(t, ts.url("/"))
		time.Sleep(300 * time.Millisecond)
		c.WriteMessage(gorilla.TextMessage, []byte("late"))
		if _, b, err := c.ReadMessage(); err != nil || string(b) != "late" {
			t.Fatalf("scope=%v: %v %q", scope, err, b)
		}
		if n := <-timeouts; n < 2 {
			t.Fatalf("scope=%v: %d timeouts before the message", scope, n)
		}
	}
}

// TestProtocolErrorWhileSendBlockedDoesNotStallHub: on 4 connections a
// greenlet is blocked in Send (the client does not read) when the client
// sends a broken frame. gorilla answers a protocol violation with a close
// frame written by itself; its write lock is a channel, held by the
// blocked Send, so without care the hub's thread waits on it (1 s each,
// 4 s in all). The hub must stay responsive and the handlers end.
func TestProtocolErrorWhileSendBlockedDoesNotStallHub(t *testing.T) {
	const conns = 4
	ended := make(chan error, conns)
	ts := serve(t, &websocket.Handler{WriteTimeout: -1, Serve: func(c *websocket.Conn) error {
		gevent.Go(func() {
			buf := make([]byte, 64<<10)
			for c.Send(websocket.BinaryMessage, buf) == nil {
			}
		})
		_, _, err := c.Receive()
		ended <- err
		return err
	}})
	var ncs []net.Conn
	for i := 0; i < conns; i++ {
		nc, _ := rawUpgrade(t, ts.addr)
		ncs = append(ncs, nc)
	}
	time.Sleep(300 * time.Millisecond) // the senders fill the buffers and block
	began := time.Now()
	for _, nc := range ncs {
		nc.Write([]byte{0x81, 0x02, 'h', 'i'}) // unmasked client frame
	}
	for i := 0; i < conns; i++ {
		select {
		case err := <-ended:
			if err == nil {
				t.Fatal("Receive: no error")
			}
		case <-time.After(20 * time.Second):
			t.Fatal("handlers did not end")
		}
	}
	done := make(chan struct{})
	ts.hub.Submit(func() error { close(done); return nil })
	<-done
	if d := time.Since(began); d > 2500*time.Millisecond {
		t.Fatalf("the hub was stalled: %v for %d protocol errors", d, conns)
	}
}

// TestTimeoutReachesSenderToFastClient: a greenlet that sends small
// messages to a client that reads them at once never has to wait on the
// socket; its Timeout scope must still reach it (Send yields).
func TestTimeoutReachesSenderToFastClient(t *testing.T) {
	got := make(chan error, 1)
	ts := serve(t, websocket.New(func(c *websocket.Conn) error {
		msg := []byte("0123456789abcdef")
		err := gevent.NewTimeout(100*time.Millisecond, nil).Run(func() error {
			for {
				if err := c.Send(websocket.BinaryMessage, msg); err != nil {
					return err
				}
			}
		})
		got <- err
		return nil
	}))
	c := dial(t, ts.url("/"))
	go func() {
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}()
	select {
	case err := <-got:
		if !errors.Is(err, gevent.ErrTimeout) {
			t.Fatalf("Send loop ended with %v, want the Timeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the Timeout never reached the sending greenlet")
	}
}

type ctxKey struct{}

// TestRequestKeepsHandshake: Conn.Request returns the handshake's method,
// URL, headers, cookies and RemoteAddr; its context is not done while the
// connection is served, and a context a middleware gave the request (with
// its values) is kept.
func TestRequestKeepsHandshake(t *testing.T) {
	got := make(chan string, 2)
	ws := websocket.New(func(c *websocket.Conn) error {
		r := c.Request()
		ck, _ := r.Cookie("session")
		v, _ := r.Context().Value(ctxKey{}).(string)
		done := r.Context().Err() != nil
		got <- fmt.Sprintf("%s %s %s %v %v %q %v", r.Method, r.URL.RequestURI(), r.Header.Get("X-Test"), ck != nil && ck.Value == "s1", r.RemoteAddr != "", v, done)
		return nil
	})
	mux := http.NewServeMux()
	mux.Handle("/plain", ws)
	mux.Handle("/mw", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, "mw")))
	}))
	ts := serve(t, mux)
	h := http.Header{"X-Test": {"yes"}, "Cookie": {"session=s1"}}
	for path, want := range map[string]string{
		"/plain": `GET /plain?q=1 yes true true "" false`,
		"/mw":    `GET /mw?q=1 yes true true "mw" false`,
	} {
		c, _, err := gorilla.DefaultDialer.Dial(ts.url(path+"?q=1"), h)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case s := <-got:
			if s != want {
				t.Errorf("%s: Request() gives %s, want %s", path, s, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("handler did not run")
		}
		c.Close()
	}
}

// Issue 14: after gorilla closed the connection with 1002 for a protocol
// violation, a Send returns ErrClosed and writes no frame after the close.
func TestSendAfterProtocolViolation(t *testing.T) {
	got := make(chan error, 1)
	ts := serve(t, websocket.New(func(c *websocket.Conn) error {
		c.Receive()
		got <- c.Send(websocket.TextMessage, []byte("late"))
		return nil
	}))
	nc, br := rawUpgrade(t, ts.addr)
	nc.Write([]byte{0x81, 0x02, 'h', 'i'}) // unmasked client frame
	if code := readClose(t, br); code != 1002 {
		t.Fatalf("close code %d, want 1002", code)
	}
	if err := <-got; !errors.Is(err, websocket.ErrClosed) {
		t.Fatalf("Send after the violation: %v, want ErrClosed", err)
	}
	nc.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if b, err := br.ReadByte(); err == nil {
		t.Fatalf("a byte (%#x) after the close frame", b)
	}
}
