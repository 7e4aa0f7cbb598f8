package httpserver

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"weak"

	"github.com/gevent-go/gevent"
)

// The client-gone watch reads one byte; when that byte is the start of the
// next pipelined request, the request is still served intact.
func TestContextWatchKeepsPipelinedBytes(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Context().Done()
		gevent.Sleep(100 * time.Millisecond)
		if err := r.Context().Err(); err != nil {
			io.WriteString(w, "cancelled "+err.Error())
			return
		}
		io.WriteString(w, "ok "+r.URL.Path)
	})})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(30 * time.Millisecond)
	io.WriteString(c, "GET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
	got := readResponses(t, bufio.NewReader(c), "GET", 2)
	if got[0] != "200 ok /1" || got[1] != "200 ok /2" {
		t.Fatalf("got %q", got)
	}
}

func TestSlowlorisClosed(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(hello), ReadHeaderTimeout: 200 * time.Millisecond})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	closed := make(chan []byte, 1)
	go func() {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		b, _ := io.ReadAll(c)
		closed <- b
	}()
	io.WriteString(c, "GET / HTTP/1.1\r\n")
	// One header byte every 50 ms would never end the header: the
	// header deadline is not extended by progress.
	for i := 0; i < 100; i++ {
		if _, err := io.WriteString(c, "X"); err != nil {
			break
		}
		select {
		case b := <-closed:
			if len(b) != 0 {
				t.Fatalf("got %q", b)
			}
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatal("slowloris connection not closed")
}

func TestIdleTimeout(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(hello), IdleTimeout: 100 * time.Millisecond})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	readResponses(t, br, "GET", 1)
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection: %v, want EOF", err)
	}
}

func TestWriteTimeout(t *testing.T) {
	result := make(chan error, 1)
	ts := start(t, &Server{WriteTimeout: 100 * time.Millisecond, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("w"), 64<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				result <- err
				return
			}
		}
	})})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case err := <-result:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("write: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("write to a client that does not read was not bounded")
	}
}

func TestBodyErrors(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(echoHandler)})
	cases := []struct{ name, req, want string }{
		{"bad chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", "read error"},
		{"short body", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", "read error: unexpected EOF"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(c, tc.req)
			c.(*net.TCPConn).CloseWrite()
			b, _ := io.ReadAll(c)
			got := string(b)
			if statusOf(got) != 400 || !strings.Contains(got, tc.want) || !strings.Contains(got, "Connection: close") {
				t.Fatalf("got %q", got)
			}
		})
	}
}

func TestHijack(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		// The connection is served by another greenlet after the handler returns.
		gevent.Go(func() {
			defer conn.Close()
			line, err := brw.ReadString('\n')
			if err != nil {
				return
			}
			io.WriteString(conn, "echo: "+line)
		})
	})})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nhello\n")
	b, _ := io.ReadAll(c)
	if got := string(b); !strings.HasPrefix(got, "HTTP/1.1 101 ") || !strings.HasSuffix(got, "\r\n\r\necho: hello\n") {
		t.Fatalf("got %q", got)
	}
}

func TestResponseController(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for _, err := range []error{
			rc.EnableFullDuplex(),
			rc.SetReadDeadline(time.Now().Add(time.Second)),
			rc.SetWriteDeadline(time.Now().Add(time.Second)),
		} {
			if err != nil {
				panic(err)
			}
		}
		io.WriteString(w, "a")
		if err := rc.Flush(); err != nil {
			panic(err)
		}
		io.WriteString(w, "b")
	})})
	resp, err := http.Get(ts.url("/"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "ab" || len(resp.TransferEncoding) != 1 {
		t.Fatalf("got %q %v", b, resp.TransferEncoding)
	}
}

func TestTLS(t *testing.T) {
	cert := httptest.NewUnstartedServer(nil)
	cert.StartTLS() // only for its certificate and client
	defer cert.Close()
	cfg := &tls.Config{Certificates: cert.TLS.Certificates}
	ts := start(t, &Server{TLSConfig: cfg, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || !r.TLS.HandshakeComplete {
			panic("no TLS state")
		}
		io.WriteString(w, "secure "+r.Proto)
	})})
	client := cert.Client()
	for i := 0; i < 2; i++ {
		resp, err := client.Get("https://" + ts.addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "secure HTTP/1.1" {
			t.Fatalf("got %q", b)
		}
	}
}

func TestMaxConns(t *testing.T) {
	ts := start(t, &Server{MaxConns: 1, Handler: http.HandlerFunc(hello)})
	first, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	io.WriteString(first, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n")
	first.SetDeadline(time.Now().Add(5 * time.Second))
	readResponses(t, bufio.NewReader(first), "GET", 1)
	second, err := net.Dial("tcp", ts.addr) // queued by the kernel
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	io.WriteString(second, "GET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
	second.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := second.Read(make([]byte, 1)); err == nil {
		t.Fatal("second connection served while the first is open")
	}
	first.Close()
	second.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got := readResponses(t, bufio.NewReader(second), "GET", 1)[0]; got != "200 Hello /2" {
		t.Fatalf("got %q", got)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestAccessLog(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key != slog.MessageKey {
			return slog.Attr{}
		}
		return slog.String("", a.Value.String())
	}}))
	ts := start(t, &Server{AccessLog: log, Handler: http.HandlerFunc(hello)})
	raw(t, ts.addr, "GET /logged?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	raw(t, ts.addr, "BAD\r\n\r\n")
	ts.stop(time.Second)
	re := regexp.MustCompile(`127\.0\.0\.1 - - \[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \\"GET /logged\?q=1 HTTP/1\.1\\" 200 13 \d+\.\d{6}`)
	if !re.MatchString(buf.String()) || !strings.Contains(buf.String(), `400`) {
		t.Fatalf("log %q", buf.String())
	}
}

func TestManyClientsConcurrently(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gevent.Sleep(20 * time.Millisecond) // cooperative: the others go on
		io.WriteString(w, r.URL.Path)
	})})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				resp, err := http.Get(ts.url("/p"))
				if err != nil {
					errs <- err
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) != "/p" {
					errs <- errors.New("bad body " + string(b))
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

var _ = context.Background

// An idle keep-alive connection holds no reader, writer or body buffer
// (they go back to their pools): 10,000 idle connections cost ~10 KiB each.
func TestIdleConnectionHoldsNoBuffers(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(hello)})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	readResponses(t, bufio.NewReader(c), "GET", 1)
	var held []string
	for i := 0; i < 100; i++ { // until the connection greenlet is back to waiting
		g := ts.hub.Submit(func() error {
			held = held[:0]
			for conn := range ts.s.conns {
				if conn.state != stateIdle {
					held = append(held, "not idle yet")
					continue
				}
				if conn.br != nil || conn.bw != nil || conn.wbuf != nil {
					held = append(held, "buffers")
				}
			}
			return nil
		})
		<-g.Done()
		if len(held) == 0 || held[0] != "not idle yet" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(held) != 0 {
		t.Fatalf("idle connection: %v", held)
	}
}

// TestHijackHandsOverBuffers: after Hijack the connection keeps none of
// its buffers (they are the hijacker's, or back in their pools: an idle
// hijacked connection, a WebSocket, holds only what its new owner keeps),
// and a byte the background read took (the handler asked for the
// context's Done) is in the returned reader's buffer, where a hijacker
// checking Buffered() sees it (as with net/http).
func TestHijackHandsOverBuffers(t *testing.T) {
	type result struct {
		buffered     int
		peek         string
		br, bw, wbuf bool
		size         int
		err          error
	}
	got := make(chan result, 1)
	ts := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Context().Done() // starts the background read
		c := w.(*response).c
		for deadline := time.Now().Add(5 * time.Second); !c.r.hasByte && time.Now().Before(deadline); {
			if err := gevent.Sleep(5 * time.Millisecond); err != nil {
				got <- result{err: err}
				return
			}
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			got <- result{err: err}
			return
		}
		defer conn.Close()
		p, _ := brw.Reader.Peek(brw.Reader.Buffered())
		got <- result{buffered: brw.Reader.Buffered(), peek: string(p), br: c.br != nil, bw: c.bw != nil, wbuf: c.wbuf != nil, size: brw.Reader.Size()}
	})})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	time.Sleep(50 * time.Millisecond) // the request is read; then the byte comes
	io.WriteString(c, "x")
	select {
	case r := <-got:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.buffered != 1 || r.peek != "x" {
			t.Errorf("the reader holds %d bytes %q, want the byte the background read took", r.buffered, r.peek)
		}
		if r.size != 4096 {
			t.Errorf("the reader holding a byte has size %d, want the server's (4096)", r.size)
		}
		if r.br || r.bw || r.wbuf {
			t.Errorf("after Hijack the connection still holds its reader %v, writer %v, body buffer %v", r.br, r.bw, r.wbuf)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("handler did not run")
	}
}

// TestHijackSmallBuffers: a connection hijacked with nothing buffered
// hands out a 512-byte reader and a 256-byte writer (its 4 KiB buffers
// go back to the pools), and
// they work: the client's bytes arrive through the reader, the writer's
// reach the client.
func TestHijackSmallBuffers(t *testing.T) {
	sizes := make(chan [2]int, 1)
	ts := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		sizes <- [2]int{brw.Reader.Size(), brw.Writer.Size()}
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		line, err := brw.ReadString('\n')
		if err != nil {
			return
		}
		brw.WriteString("echo: " + strings.Repeat(line, 100))
		brw.Flush()
	})})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("%v %v", resp, err)
	}
	io.WriteString(c, "hello\n")
	b, _ := io.ReadAll(br)
	if got, want := string(b), "echo: "+strings.Repeat("hello\n", 100); got != want {
		t.Fatalf("got %q", got)
	}
	if s := <-sizes; s != [2]int{512, 256} {
		t.Errorf("hijacked reader and writer sizes %v, want 512 and 256", s)
	}
}

// An idle keep-alive connection keeps nothing of its last request alive
// (the request, its response and context were held by the connection's
// reader until the next request: about 1.5 KiB per idle connection).
func TestIdleConnKeepsNoRequest(t *testing.T) {
	reqs := make(chan weak.Pointer[http.Request], 1)
	ts := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs <- weak.Make(r)
		io.WriteString(w, "ok")
	})})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	got := readResponsesAfter(t, c, br, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if got != "200 ok" {
		t.Fatal(got)
	}
	wp := <-reqs
	for i := 0; wp.Value() != nil; i++ {
		if i == 50 {
			t.Fatal("the idle connection keeps its last request alive")
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

func readResponsesAfter(t *testing.T, c net.Conn, br *bufio.Reader, req string) string {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, req)
	return readResponses(t, br, "GET", 1)[0]
}

// TestHijackLetsResponseGo: after Hijack the server keeps neither the
// response nor its request (a WebSocket's handler runs as long as the
// connection: they would stay with it), and detachRequest gives a copy of
// the request that does not keep them either: once the handler drops w
// and r, the response is collected.
func TestHijackLetsResponseGo(t *testing.T) {
	got := make(chan error, 1)
	ts := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		collected := make(chan struct{})
		conn, req, err := hijackWatched(w, r, collected)
		if err != nil {
			got <- err
			return
		}
		defer conn.Close()
		if _, ok := req.Context().(*reqContext); ok || req.Method != "GET" || req.URL.Path != "/ws" || req.Header.Get("Upgrade") != "echo" || req.RemoteAddr == "" {
			got <- fmt.Errorf("detached request %+v", req)
			return
		}
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
			runtime.GC()
			select {
			case <-collected:
				got <- nil
				return
			default:
			}
			if err := gevent.Sleep(10 * time.Millisecond); err != nil {
				got <- err
				return
			}
		}
		got <- errors.New("the response of a hijacked request was not collected")
	})})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("handler did not finish")
	}
}

// hijackWatched closes collected when w's response is collected, hijacks
// the connection and returns it with the detached request.
//
//go:noinline
func hijackWatched(w http.ResponseWriter, r *http.Request, collected chan struct{}) (net.Conn, *http.Request, error) {
	runtime.AddCleanup(w.(*response), func(ch chan struct{}) { close(ch) }, collected)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil, err
	}
	return conn, detachRequest(r), nil
}
