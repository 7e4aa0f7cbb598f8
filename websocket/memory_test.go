package websocket_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gevent-go/gevent/websocket"
	gorilla "github.com/gorilla/websocket"
)

// The idle-connection memory measurements count the server only: the
// clients run in a child process (this test binary again, running
// TestIdleClientsChild), so that their sockets and buffers are not in
// the figures.

const idleClientsEnv = "WEBSOCKET_IDLE_CLIENTS" // "addr n" for the child

// TestIdleClientsChild is the child process of idleMemory (it does
// nothing in a normal run): it opens n WebSocket connections to addr
// (gorilla clients, 50 handshakes at a time), prints "ready", and holds
// them until its stdin closes.
func TestIdleClientsChild(t *testing.T) {
	spec := os.Getenv(idleClientsEnv)
	if spec == "" {
		return
	}
	var addr string
	var n int
	if _, err := fmt.Sscan(spec, &addr, &n); err != nil {
		t.Fatal(err)
	}
	conns := make([]*gorilla.Conn, n)
	errs := make([]error, n)
	dialer := gorilla.Dialer{ReadBufferSize: 512, WriteBufferSize: 512, HandshakeTimeout: time.Minute}
	sem := make(chan struct{}, 50) // handshakes at once
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			conns[i], _, errs[i] = dialer.Dial("ws://"+addr+"/", nil)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
}

// idleMemory serves n WebSocket connections from a child process's
// clients, each handler waiting in Receive, and returns the server's
// growth per connection: heap and stacks in use after GC, stacks alone,
// and the process's resident set (which also counts garbage not yet
// collected and the runtime's free pages).
func idleMemory(t testing.TB, n int) (heapStack, stack, rss float64) {
	var waiting atomic.Int64
	mux := http.NewServeMux()
	mux.Handle("/", websocket.New(func(c *websocket.Conn) error {
		waiting.Add(1)
		_, _, err := c.Receive()
		return err
	}))
	ts := serve(t, mux)
	inUse := func() (uint64, uint64) {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse + m.StackInuse, m.StackInuse
	}
	hs0, st0 := inUse()
	rss0 := vmRSS()

	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleClientsChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), idleClientsEnv+"="+ts.addr+" "+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("client process: %q %v", line, err)
	}
	for deadline := time.Now().Add(time.Minute); waiting.Load() < int64(n); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d handlers reached Receive", waiting.Load(), n)
		}
	}
	time.Sleep(50 * time.Millisecond) // the last ones are waiting in Receive
	hs1, st1 := inUse()
	rss1 := vmRSS()
	per := func(a, b uint64) float64 { return (float64(b) - float64(a)) / float64(n) }
	return per(hs0, hs1), per(st0, st1), per(uint64(rss0), uint64(rss1))
}

func vmRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// TestIdleConnMemory: an idle WebSocket connection (its handler waiting
// in Receive) costs the server at most 10.5 KiB of heap and stack (issue
// 14's goal is 12 KiB; 9.7-10.0 KB measured): the greenlet's stack,
// gorilla's Conn and a small read buffer, the connection's state and the
// handshake request; no 4 KiB write buffer (gorilla takes one from a pool
// while writing) and none of the HTTP connection's buffers.
//
// Its stacks stay at 4 KiB: the frames under the handler (httpserver's,
// the handshake's) leave room, at the handshake's deepest point, for the
// runtime's allocation slow path. A stack that grows to 8 KiB there never
// shrinks back (an idle greenlet uses more than a quarter of it); when a
// quarter of the connections did, the stacks averaged 5.2 KB.
func TestIdleConnMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's shadow memory is counted in the heap")
	}
	const n = 1000
	hs, stack, rss := idleMemory(t, n)
	t.Logf("per idle connection: heap+stack %.0f B (stack %.0f B), RSS %.0f B", hs, stack, rss)
	if hs > 10752 {
		t.Errorf("heap+stack per idle connection %.0f B, want <= 10.5 KiB", hs)
	}
	if stack > 4608 {
		t.Errorf("stack per idle connection %.0f B, want <= 4.5 KiB (4 KiB stacks, a few at 8 KiB)", stack)
	}
}
