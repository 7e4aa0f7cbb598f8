package httpserver

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
)

func TestExpectContinue(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/read", echoHandler)
	mux.HandleFunc("/noread", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "no") })
	ts := start(t, &Server{Handler: mux})

	// The 100 comes only once the handler reads the body.
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("got %q, %v", line, err)
	}
	br.ReadString('\n')
	io.WriteString(c, "abc")
	if got := readResponses(t, br, "POST", 1)[0]; got != "200 POST /read abc" {
		t.Fatalf("got %q", got)
	}

	// A handler that does not read: no 100, and the connection is closed
	// (the client may never send the body).
	got := raw(t, ts.addr, "POST /noread HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
	if strings.Contains(got, "100 Continue") || !strings.Contains(got, "Connection: close") || !strings.HasSuffix(got, "no") {
		t.Fatalf("got %q", got)
	}
}

func TestUnreadBodyDrained(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(hello)})
	small := strings.Repeat("s", 1000)
	big := strings.Repeat("b", maxDrainBytes+10)
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	go io.WriteString(c, "POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"+small+
		"POST /2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n"+small+"\r\n0\r\n\r\n"+
		"POST /3 HTTP/1.1\r\nHost: x\r\nContent-Length: 262154\r\n\r\n"+big+
		"GET /4 HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	got := readResponses(t, br, "POST", 3)
	if got[0] != "200 Hello /1" || got[1] != "200 Hello /2" || got[2] != "200 Hello /3" {
		t.Fatalf("got %q", got)
	}
	// The big body was not drained: the connection is closed after /3.
	if _, err := http.ReadResponse(br, nil); err == nil {
		t.Fatal("connection kept after a body over the drain limit")
	}
}

func TestHandlerPanic(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Lost", "1")
		io.WriteString(w, "partial")
		panic("boom")
	})
	mux.HandleFunc("/late", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "sent")
		w.(http.Flusher).Flush()
		panic("late boom")
	})
	mux.HandleFunc("/abort", func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) })
	mux.HandleFunc("/ok", hello)
	ts := start(t, &Server{Handler: mux})

	got := raw(t, ts.addr, "GET /panic HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
	if statusOf(got) != 500 || strings.Contains(got, "partial") || strings.Contains(got, "X-Lost") || strings.Contains(got, "/ok") {
		t.Fatalf("got %q", got)
	}
	got = raw(t, ts.addr, "GET /late HTTP/1.1\r\nHost: x\r\n\r\n")
	if statusOf(got) != 200 || strings.HasSuffix(got, "0\r\n\r\n") {
		t.Fatalf("got %q (want 200, body cut short)", got)
	}
	if got = raw(t, ts.addr, "GET /abort HTTP/1.1\r\nHost: x\r\n\r\n"); got != "" {
		t.Fatalf("got %q", got)
	}
	if got = raw(t, ts.addr, "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); statusOf(got) != 200 {
		t.Fatalf("server broken after panics: %q", got)
	}
	errs := ts.hubErrors()
	if len(errs) != 2 {
		t.Fatalf("hub got %v, want the two panics", errs)
	}
	var pe *gevent.PanicError
	if !errors.As(errs[0], &pe) || pe.Value != "boom" || !strings.Contains(string(pe.Stack), "TestHandlerPanic") {
		t.Fatalf("hub error %#v", errs[0])
	}
}

// A long poll notices the client closing the connection through its
// context, while the handler waits cooperatively.
func TestContextCancelledWhenClientGoes(t *testing.T) {
	cause := make(chan error, 1)
	ts := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		ctx.Done() // starts the watch
		for ctx.Err() == nil {
			if err := gevent.Sleep(5 * time.Millisecond); err != nil {
				cause <- err
				return
			}
		}
		// ClientGone asked only now: its event is set already.
		if gone := ClientGone(r); !gone.IsSet() {
			cause <- errors.New("ClientGone's event not set after the context was cancelled")
			return
		}
		cause <- context.Cause(ctx)
	})})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /poll HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	c.Close()
	select {
	case err := <-cause:
		if !errors.Is(err, errClientGone) {
			t.Fatalf("cause %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("handler did not notice the client going away")
	}
}

func TestContextCancelledByKillAndStop(t *testing.T) {
	entered := make(chan struct{}, 1)
	result := make(chan error, 1)
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		err := gevent.Sleep(time.Hour)
		result <- errors.Join(err, context.Cause(r.Context()))
	})}
	ts := start(t, s)
	go http.Get(ts.url("/sleep"))
	<-entered
	if err := ts.stop(50 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-result:
		if !errors.Is(err, gevent.ErrGreenletExit) {
			t.Fatalf("got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("handler not interrupted by Stop")
	}
}

// Stop lets requests in flight finish and closes idle connections at once.
func TestStopGraceful(t *testing.T) {
	entered := make(chan struct{}, 1)
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		if err := gevent.Sleep(200 * time.Millisecond); err != nil {
			panic(err)
		}
		io.WriteString(w, "finished")
	})}
	ts := start(t, s)
	idle, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	body := make(chan string, 1)
	go func() {
		resp, err := http.Get(ts.url("/slow"))
		if err != nil {
			body <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		body <- string(b)
	}()
	<-entered
	idleClosed := make(chan error, 1)
	go func() {
		idle.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := idle.Read(make([]byte, 1))
		idleClosed <- err
	}()
	if err := ts.stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := <-idleClosed; err != io.EOF {
		t.Fatalf("idle connection: %v", err)
	}
	if b := <-body; b != "finished" {
		t.Fatalf("in-flight request got %q", b)
	}
	if errs := ts.hubErrors(); len(errs) != 0 {
		t.Fatal(errs)
	}
}

func TestShutdownDeadlineKills(t *testing.T) {
	entered := make(chan struct{}, 1)
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		gevent.Sleep(time.Hour)
	})}
	ts := start(t, s)
	go http.Get(ts.url("/hang"))
	<-entered
	g := ts.hub.Submit(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		return s.Shutdown(ctx)
	})
	select {
	case <-g.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return")
	}
	if !errors.Is(g.Err(), context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v", g.Err())
	}
}

// Kill and Timeout interrupt a handler blocked in a body read, a sleep and
// a write to a client that does not read.
func TestTimeoutInterruptsHandler(t *testing.T) {
	results := make(chan error, 3)
	mux := http.NewServeMux()
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		results <- gevent.NewTimeout(50*time.Millisecond, nil).Run(func() error {
			_, err := io.ReadAll(r.Body)
			return err
		})
	})
	mux.HandleFunc("/sleep", func(w http.ResponseWriter, r *http.Request) {
		results <- gevent.NewTimeout(50*time.Millisecond, nil).Run(func() error { return gevent.Sleep(time.Hour) })
	})
	mux.HandleFunc("/write", func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("w", 64<<10))
		results <- gevent.NewTimeout(200*time.Millisecond, nil).Run(func() error {
			for {
				if _, err := w.Write(chunk); err != nil {
					return err
				}
			}
		})
	})
	ts := start(t, &Server{Handler: mux})
	for _, req := range []string{
		"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc",
		"GET /sleep HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /write HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, req) // and never read
		select {
		case err := <-results:
			if !errors.Is(err, gevent.ErrTimeout) {
				t.Fatalf("%s: %v", strings.Fields(req)[1], err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: not interrupted", strings.Fields(req)[1])
		}
	}
}

func TestKillInterruptsBodyRead(t *testing.T) {
	var handlerG gevent.AnyGreenlet
	var ready event.Event
	result := make(chan error, 1)
	ts := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlerG = gevent.GetCurrent()
		ready.Set()
		_, err := io.ReadAll(r.Body)
		result <- err
	})})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
	killed := ts.hub.Submit(func() error {
		if _, err := ready.Wait(5 * time.Second); err != nil {
			return err
		}
		return handlerG.Kill(gevent.ErrGreenletExit, true, 5*time.Second)
	})
	<-killed.Done()
	if killed.Err() != nil {
		t.Fatal(killed.Err())
	}
	if err := <-result; !errors.Is(err, gevent.ErrGreenletExit) {
		t.Fatalf("body read: %v", err)
	}
	// The connection is closed.
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, _ := io.ReadAll(c); len(b) != 0 {
		t.Fatalf("got %q", b)
	}
}

// A kill of the greenlet in ServeForever stops the server: idle
// connections are closed at once.
func TestKillServeForever(t *testing.T) {
	errc := make(chan error, 1)
	addrc := make(chan string, 1)
	var hub *gevent.Hub
	var clientDone gevent.WaitList[struct{}]
	go func() {
		errc <- gevent.Run(func() error {
			hub = gevent.GetHub()
			s := &Server{Addr: "127.0.0.1:0", Handler: http.HandlerFunc(hello)}
			if err := s.Start(); err != nil {
				return err
			}
			addrc <- s.ListenAddr().String()
			g := gevent.Spawn(func() (struct{}, error) { return struct{}{}, s.ServeForever() })
			gevent.Sleep(100 * time.Millisecond)
			g.Kill(gevent.ErrGreenletExit, true)
			_, err := clientDone.Wait(5 * time.Second) // the hub runs until the client is done
			return err
		})
	}()
	c, err := net.Dial("tcp", <-addrc)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// At once, not after the handlers' stop timeout (DefaultStopTimeout, 1 s).
	c.SetReadDeadline(time.Now().Add(DefaultStopTimeout * 8 / 10))
	_, err = c.Read(make([]byte, 1))
	hub.Post(func() { clientDone.WakeOne(struct{}{}) })
	if err != io.EOF {
		t.Fatalf("idle connection: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// A ResponseWriter kept past its handler fails instead of writing into the
// connection's next response (its buffers are pooled).
func TestWriteAfterHandlerReturned(t *testing.T) {
	kept := make(chan http.ResponseWriter, 1)
	result := make(chan error, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/keep", func(w http.ResponseWriter, r *http.Request) {
		kept <- w
		io.WriteString(w, "first")
		w.(http.Flusher).Flush() // chunked: no length to stop a late write
	})
	mux.HandleFunc("/late", func(w http.ResponseWriter, r *http.Request) {
		old := <-kept
		_, err := io.WriteString(old, "INJECTED")
		result <- err
		io.WriteString(w, "second")
	})
	ts := start(t, &Server{Handler: mux})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /keep HTTP/1.1\r\nHost: x\r\n\r\nGET /late HTTP/1.1\r\nHost: x\r\n\r\n")
	got := readResponses(t, bufio.NewReader(c), "GET", 2)
	if got[0] != "200 first" || got[1] != "200 second" {
		t.Fatalf("got %q", got)
	}
	if err := <-result; err == nil {
		t.Fatal("write after the handler returned succeeded")
	}
}

// A long poll blocked on a gevent primitive wakes when the client goes
// away, through ClientGone.
func TestClientGoneWakesLongPoll(t *testing.T) {
	result := make(chan string, 1)
	var never event.Event
	ts := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gone := ClientGone(r)
		ready, err := gevent.WaitN([]gevent.Waitable{&never, gone}, 1, 5*time.Second)
		switch {
		case err != nil:
			result <- err.Error()
		case len(ready) == 1 && ready[0] == gevent.Waitable(gone):
			result <- "gone: " + context.Cause(r.Context()).Error()
		default:
			result <- "woken by something else"
		}
	})})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /poll HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	c.Close()
	if got := <-result; got != "gone: "+errClientGone.Error() {
		t.Fatalf("got %q", got)
	}
	if ClientGone(httptestRequest()) != nil {
		t.Fatal("ClientGone of a request not read by the server")
	}
}

func httptestRequest() *http.Request {
	r, _ := http.NewRequest("GET", "/", nil)
	return r
}
