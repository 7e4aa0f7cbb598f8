package httpserver

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func echoHandler(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(400)
		io.WriteString(w, "read error: "+err.Error())
		return
	}
	io.WriteString(w, r.Method+" "+r.URL.Path+" "+string(b))
}

func statusOf(resp string) int {
	if len(resp) < 12 {
		return 0
	}
	n, _ := strconv.Atoi(resp[9:12])
	return n
}

func TestBadInput(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(echoHandler), MaxHeaderBytes: 1024})
	long := strings.Repeat("a", 8000)
	cases := []struct {
		name, req string
		status    int
	}{
		{"garbage", "hello\r\n\r\n", 400},
		{"bad header", "GET / HTTP/1.1\r\nHost: x\r\nbad header\r\n\r\n", 400},
		{"uri too long", "GET /" + long + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"headers too large", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + long + "\r\n\r\n", 431},
		{"unsupported te", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"te and cl", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", 400},
		{"te in 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"differing cl", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
		{"bad cl", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: x3\r\n\r\nabc", 400},
		{"missing host", "GET / HTTP/1.1\r\n\r\n", 400},
		{"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400},
		{"http2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
		{"http 0.9", "GET /\r\n", 505},
		{"http 3", "GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505},
		{"expect other", "GET / HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n", 417},
		{"bad host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The second request must not be answered: the connection is closed.
			got := raw(t, ts.addr, tc.req+"GET /second HTTP/1.1\r\nHost: x\r\n\r\n")
			if statusOf(got) != tc.status {
				t.Fatalf("status %d, want %d: %q", statusOf(got), tc.status, got)
			}
			if !strings.Contains(got, "Connection: close") || strings.Contains(got, "/second") {
				t.Fatalf("connection not closed: %q", got)
			}
		})
	}
	// The server is still fine.
	if got := raw(t, ts.addr, "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); !strings.HasSuffix(got, "GET /ok ") {
		t.Fatalf("got %q", got)
	}
}

func TestPipelining(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(echoHandler)})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"+
		"POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"+
		"POST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"+
		"GET /4 HTTP/1.1\r\nHost: x\r\n\r\n")
	got := readResponses(t, bufio.NewReader(c), "GET", 4)
	want := []string{"200 GET /1 ", "200 POST /2 hello", "200 POST /3 abcde", "200 GET /4 "}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}

func TestKeepAliveAndClose(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(hello)})
	cases := []struct {
		name, req string
		keep      bool
		hdr       string
	}{
		{"1.1 default", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", true, ""},
		{"1.1 close", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false, ""},
		{"1.0 default", "GET / HTTP/1.0\r\n\r\n", false, ""},
		{"1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true, "Connection: keep-alive"},
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
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			io.ReadAll(resp.Body)
			var hdr strings.Builder
			resp.Header.Write(&hdr)
			if tc.hdr != "" && !strings.Contains(hdr.String(), tc.hdr) {
				t.Fatalf("header %q lacks %q", hdr.String(), tc.hdr)
			}
			if resp.Close == tc.keep {
				t.Fatalf("response Close = %v (Connection: close sent or not)", resp.Close)
			}
			io.WriteString(c, "GET /again HTTP/1.1\r\nHost: x\r\n\r\n")
			resp, err = http.ReadResponse(br, nil)
			if tc.keep && err != nil {
				t.Fatalf("connection closed: %v", err)
			}
			if !tc.keep && err == nil {
				t.Fatalf("connection kept")
			}
		})
	}
}

func TestResponseFraming(t *testing.T) {
	big := strings.Repeat("x", 10000)
	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html>hi") })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) })
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "a")
		w.(http.Flusher).Flush()
		io.WriteString(w, "b")
	})
	mux.HandleFunc("/declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10000")
		io.WriteString(w, big)
	})
	mux.HandleFunc("/short", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		io.WriteString(w, "abc")
	})
	mux.HandleFunc("/204", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(204)
		if _, err := io.WriteString(w, "x"); err != http.ErrBodyNotAllowed {
			panic(err)
		}
	})
	mux.HandleFunc("/304", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(304)
	})
	mux.HandleFunc("/trailer", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		io.WriteString(w, "body")
		w.Header().Set("X-Sum", "42")
		w.Header().Set(http.TrailerPrefix+"X-Late", "7")
	})
	mux.HandleFunc("/early", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</a.css>; rel=preload")
		w.WriteHeader(103)
		io.WriteString(w, "final")
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/late", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Early", "1")
		w.WriteHeader(200)
		// After WriteHeader: no effect on the header sent.
		w.Header().Set("X-Late", "2")
		w.Header().Del("X-Early")
		w.Header().Set("Connection", "close")
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "<html>")
	})
	mux.HandleFunc("/te-chunked", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Transfer-Encoding", "chunked")
		w.Header().Set("Content-Length", "5")
		io.WriteString(w, "hello")
	})
	mux.HandleFunc("/badlen", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "x1")
		io.WriteString(w, "hi")
	})
	ts := start(t, &Server{Handler: mux})
	cases := []struct {
		req      string
		contains []string
		absent   []string
		suffix   string
	}{
		{"GET /small HTTP/1.1\r\nHost: x\r\n\r\n", []string{"Content-Length: 8\r\n", "Content-Type: text/html; charset=utf-8"}, []string{"chunked"}, "\r\n\r\n<html>hi"},
		{"HEAD /small HTTP/1.1\r\nHost: x\r\n\r\n", []string{"Content-Length: 8\r\n"}, []string{"<html>"}, "\r\n\r\n"},
		{"GET /big HTTP/1.1\r\nHost: x\r\n\r\n", []string{"Transfer-Encoding: chunked"}, []string{"Content-Length"}, "\r\n0\r\n\r\n"},
		{"HEAD /big HTTP/1.1\r\nHost: x\r\n\r\n", nil, []string{"xxx", "chunked"}, "\r\n\r\n"},
		{"GET /big HTTP/1.0\r\n\r\n", []string{"Connection: close"}, []string{"chunked", "Content-Length"}, big},
		{"GET /flush HTTP/1.1\r\nHost: x\r\n\r\n", []string{"Transfer-Encoding: chunked", "1\r\na\r\n1\r\nb\r\n0\r\n\r\n"}, nil, ""},
		{"GET /declared HTTP/1.1\r\nHost: x\r\n\r\n", []string{"Content-Length: 10000"}, []string{"chunked", "Connection: close"}, big},
		{"GET /short HTTP/1.1\r\nHost: x\r\n\r\n", []string{"Content-Length: 10"}, nil, "abc"},
		{"GET /204 HTTP/1.1\r\nHost: x\r\n\r\n", []string{"HTTP/1.1 204 No Content"}, []string{"Content-Length", "chunked"}, "\r\n\r\n"},
		{"GET /304 HTTP/1.1\r\nHost: x\r\n\r\n", []string{"HTTP/1.1 304"}, []string{"Content-Length", "Content-Type", "chunked"}, "\r\n\r\n"},
		{"GET /trailer HTTP/1.1\r\nHost: x\r\n\r\n", []string{"Trailer: X-Sum", "chunked", "4\r\nbody\r\n0\r\nX-Late: 7\r\nX-Sum: 42\r\n\r\n"}, []string{"Content-Length"}, ""},
		{"GET /early HTTP/1.1\r\nHost: x\r\n\r\n", []string{"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK"}, nil, "final"},
		{"GET /empty HTTP/1.1\r\nHost: x\r\n\r\n", []string{"Content-Length: 0"}, []string{"Content-Type"}, "\r\n\r\n"},
		{"GET /late HTTP/1.1\r\nHost: x\r\n\r\n", []string{"X-Early: 1\r\n", "Content-Type: text/html; charset=utf-8\r\n", "Content-Length: 6\r\n"}, []string{"X-Late", "close", "text/plain"}, "\r\n\r\n<html>"},
		{"GET /te-chunked HTTP/1.1\r\nHost: x\r\n\r\n", []string{"Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"}, []string{"Content-Length"}, ""},
		{"GET /badlen HTTP/1.1\r\nHost: x\r\n\r\n", []string{"Content-Length: 2\r\n"}, []string{"x1"}, "\r\n\r\nhi"},
	}
	for _, tc := range cases {
		t.Run(strings.Fields(tc.req)[0]+strings.Fields(tc.req)[1]+strings.Fields(tc.req)[2], func(t *testing.T) {
			c, err := net.Dial("tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(c, tc.req)
			// Read until the server has sent its response: close it by a
			// half-close of ours after a pause, then read to EOF.
			time.Sleep(100 * time.Millisecond)
			c.(*net.TCPConn).CloseWrite()
			b, _ := io.ReadAll(c)
			got := string(b)
			for _, s := range tc.contains {
				if !strings.Contains(got, s) {
					t.Errorf("missing %q in %q", s, got)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(got, s) {
					t.Errorf("unexpected %q in %q", s, got)
				}
			}
			if !strings.HasSuffix(got, tc.suffix) {
				t.Errorf("want suffix %q: %q", tc.suffix, got)
			}
		})
	}
}

// gevent's test__pywsgi.py client-disconnect cases: the client goes away in
// the middle of a body; the handler gets an error, nothing fails, and the
// server goes on.
func TestClientDisconnectMidBody(t *testing.T) {
	results := make(chan error, 2)
	ts := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		results <- err
	})})
	for _, req := range []string{
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
	} {
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, req)
		time.Sleep(20 * time.Millisecond)
		c.Close()
		select {
		case err := <-results:
			if err != io.ErrUnexpectedEOF {
				t.Fatalf("body read: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("handler not woken by the disconnect")
		}
	}
	if got := raw(t, ts.addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); statusOf(got) != 200 {
		t.Fatalf("got %q", got)
	}
	if errs := ts.hubErrors(); len(errs) != 0 {
		t.Fatal(errs)
	}
}

// writeHeaderLines writes the bytes http.Header.WriteSubset writes.
func TestWriteHeaderLinesMatchesStdlib(t *testing.T) {
	many := http.Header{}
	for i := range 12 {
		many.Set(fmt.Sprintf("X-K%02d", 11-i), "v")
	}
	cases := []struct {
		h       http.Header
		exclude map[string]bool
	}{
		{http.Header{}, nil},
		{http.Header{"Content-Type": {"text/plain"}}, nil},
		{http.Header{"Zeta": {"1"}, "Alpha": {"2", "3"}, "Mid": {""}, "B": {"x"}}, nil},
		{http.Header{"A": {" padded\t"}, "B": {"ok"}}, nil},
		{http.Header{"A": {"line\r\nbreak"}, "C": {"x\ny"}}, nil},
		{http.Header{"Bad Key": {"1"}, "": {"2"}, "x:y": {"3"}, "Good": {"4"}, "ü": {"5"}}, nil},
		{many, nil},
		{http.Header{"A": {"1"}, "B": {"2"}}, map[string]bool{"A": true}},
	}
	for i, tc := range cases {
		var want bytes.Buffer
		var got hdrBuf
		tc.h.WriteSubset(&want, tc.exclude)
		writeHeaderLines(&got, tc.h, tc.exclude)
		if string(got) != want.String() {
			t.Errorf("case %d: got %q, want %q", i, got, want.String())
		}
	}
}
