package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent/internal/webtest"
)

func start(t *testing.T, step time.Duration) (*webtest.Server, *app) {
	var a *app
	ts := webtest.Start(t, func() (http.Handler, error) { a = newApp(step); return a.routes(), nil })
	return ts, a
}

// TestStreamingPartsArriveWhenFlushed: the first part is on the wire,
// chunked, while the handler still sleeps before the second.
func TestStreamingPartsArriveWhenFlushed(t *testing.T) {
	ts, _ := start(t, 2*time.Second)
	c, err := net.Dial("tcp", ts.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.TransferEncoding == nil || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("not chunked: %v", resp.Header)
	}
	began := time.Now()
	buf := make([]byte, 100)
	n, err := resp.Body.Read(buf)
	if err != nil || string(buf[:n]) != "<p>Hello" {
		t.Fatalf("first part: %q %v", buf[:n], err)
	}
	// The second part comes ~2 s after the first was readable: the first
	// was not held back until the end of the response.
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "World</p>" {
		t.Fatalf("second part: %q %v", rest, err)
	}
	if d := time.Since(began); d < time.Second {
		t.Fatalf("second part only %v after the first: first part was not sent at its flush", d)
	}
}

// TestCurlStreamingAndSSE: curl -N as a real client.
func TestCurlStreamingAndSSE(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	ts, _ := start(t, 50*time.Millisecond)
	out, err := exec.Command("curl", "-sN", "--max-time", "30", ts.URL("/")).Output()
	if err != nil || string(out) != "<p>HelloWorld</p>" {
		t.Fatalf("curl /: %q %v", out, err)
	}
	// SSE: three events, then curl is stopped by its time limit; ids resume.
	cmd := exec.Command("curl", "-sN", "-H", "Last-Event-ID: 41", "--max-time", "30", ts.URL("/events"))
	stdout, _ := cmd.StdoutPipe()
	cmd.Start()
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	var lines []string
	for sc.Scan() && len(lines) < 9 {
		lines = append(lines, sc.Text())
	}
	want := "id: 42|event: tick|data: {\"n\": 42}||id: 43|event: tick|data: {\"n\": 43}||id: 44"
	if got := strings.Join(lines, "|"); got != want {
		t.Fatalf("SSE:\n got %s\nwant %s", got, want)
	}
}

// TestLongPoll: a poll gets the producer's item; one with a producer too
// slow gets 204 after its timeout.
func TestLongPoll(t *testing.T) {
	ts, _ := start(t, 20*time.Millisecond)
	resp, err := http.Get(ts.URL("/poll"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "\"Hello World\"\n" {
		t.Fatalf("%d %q", resp.StatusCode, b)
	}
	// /ajax: a JSON line per item, streamed.
	resp, err = http.Get(ts.URL("/ajax"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	for i := 0; i < 3; i++ {
		if !sc.Scan() || sc.Text() != `"Hello World"` {
			t.Fatalf("ajax line %d: %q %v", i, sc.Text(), sc.Err())
		}
	}
	resp.Body.Close()
}

// TestGonePollersEnd: 100 long polls wait on the queue (the producer is
// far slower); their clients go away; every poll's greenlet ends at once,
// not at its timeout.
func TestGonePollersEnd(t *testing.T) {
	ts, a := start(t, time.Hour)
	count := func() int {
		var n int
		ts.Do(func() error { n = a.waiting; return nil })
		return n
	}
	// The producer's first item is taken by a first poll.
	resp, err := http.Get(ts.URL("/poll"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		go func() {
			req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL("/poll"), nil)
			resp, err := http.DefaultTransport.(*http.Transport).Clone().RoundTrip(req)
			if err == nil {
				resp.Body.Close()
			}
			errs <- err
		}()
	}
	waitFor(t, func() bool { return count() == 100 }, "100 polls waiting")
	cancel() // the clients go away
	for i := 0; i < 100; i++ {
		<-errs
	}
	waitFor(t, func() bool { return count() == 0 }, "the polls' greenlets to end")
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
