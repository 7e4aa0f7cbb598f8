package server_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/server"
	"github.com/gevent-go/gevent/socket"
	"golang.org/x/sys/unix"
)

// These tests count /proc/self/fd, so they are not parallel (Go runs the
// parallel tests after them).

func openFDs(t *testing.T) int {
	// The Go runtime creates its own netpoller (an epoll fd and an eventfd)
	// the first time a pipe or network file is used; make sure that has
	// happened so that it is not counted as a leak.
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// smallEcho echoes with a 64-byte buffer (io.Copy would hold 32 KiB per
// connection).
func smallEcho(c net.Conn, _ net.Addr) {
	buf := make([]byte, 64)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}

// waitIdle waits until the server has no handler left and the hub has run
// its posted closes.
func waitIdle(srv *server.StreamServer) error {
	for i := 0; srv.Running() > 0; i++ {
		if i > 5000 {
			return fmt.Errorf("%d handlers still running", srv.Running())
		}
		gevent.Sleep(time.Millisecond)
	}
	return gevent.Sleep(10 * time.Millisecond)
}

// clientsEnv makes the test binary a load generator (see TestHelperClients).
const clientsEnv = "GEVENT_SERVER_TEST_CLIENTS"

// TestTenThousandConnections holds 10,000 connections on one hub, each
// echoing once, measures the memory per connection and checks that no
// descriptor leaks. The clients run in a child process (the same test
// binary), which has its own descriptor limit.
func TestTenThousandConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const n = 10000
	var lim unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_NOFILE, &lim)
	if lim.Max < n+200 {
		t.Skipf("RLIMIT_NOFILE hard limit %d", lim.Max)
	}
	old := lim
	lim.Cur = lim.Max
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	defer unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
	before := openFDs(t)
	run(t, func() error {
		srv := server.NewStreamServer("127.0.0.1:0", smallEcho)
		if err := srv.Start(); err != nil {
			return err
		}
		defer srv.Stop()
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)

		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperClients$")
		cmd.Env = append(os.Environ(), clientsEnv+"="+srv.ListenAddr().String()+","+strconv.Itoa(n))
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return err
		}
		defer cmd.Wait()
		defer stdin.Close()
		// The child prints "ready" once every connection echoed; read it
		// in a goroutine and hand it to the hub.
		var ready gevent.WaitList[string]
		h := gevent.GetHub()
		go func() {
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil {
				line = "child: " + err.Error()
			}
			h.Post(func() { ready.WakeOne(line) })
		}()
		line, err := ready.Wait(60 * time.Second)
		if err != nil {
			return err
		}
		if line != "ready\n" {
			return fmt.Errorf("child said %q", line)
		}
		if srv.Running() != n {
			return fmt.Errorf("%d handlers running, want %d", srv.Running(), n)
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		used := (m1.HeapInuse + m1.StackInuse) - (m0.HeapInuse + m0.StackInuse)
		t.Logf("%d connections: %.0f B per connection (heap+stacks, 64 B handler buffer)", n, float64(used)/n)
		stdin.Close() // the child closes its connections
		return waitIdle(srv)
	})
	if after := openFDs(t); after > before {
		t.Errorf("descriptors leaked: %d before, %d after", before, after)
	}
}

// TestHelperClients is the child process of TestTenThousandConnections.
func TestHelperClients(t *testing.T) {
	env := os.Getenv(clientsEnv)
	if env == "" {
		t.Skip("helper process")
	}
	var addr string
	var n int
	for i := range env {
		if env[i] == ',' {
			addr = env[:i]
			n, _ = strconv.Atoi(env[i+1:])
		}
	}
	var lim unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_NOFILE, &lim)
	lim.Cur = lim.Max
	unix.Setrlimit(unix.RLIMIT_NOFILE, &lim)
	err := gevent.Run(func() error {
		conns := make([]net.Conn, 0, n)
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		// Dial in waves so the listen backlog is not overrun.
		for len(conns) < n {
			var gs []*gevent.Greenlet[net.Conn]
			for range min(1000, n-len(conns)) {
				gs = append(gs, gevent.Spawn(func() (net.Conn, error) {
					c, err := socket.DialTimeout("tcp", addr, 20*time.Second)
					if err != nil {
						return nil, err
					}
					c.SetDeadline(time.Now().Add(20 * time.Second))
					b := []byte("x")
					if _, err := c.Write(b); err != nil {
						c.Close()
						return nil, err
					}
					if _, err := io.ReadFull(c, b); err != nil {
						c.Close()
						return nil, err
					}
					c.SetDeadline(time.Time{})
					return c, nil
				}))
			}
			var first error
			for _, g := range gs {
				c, err := g.Get()
				if err != nil {
					first = cmp(first, err)
					continue
				}
				conns = append(conns, c)
			}
			if first != nil {
				return first
			}
		}
		fmt.Println("ready")
		// Wait for the parent to close stdin.
		for {
			if err := gevent.WaitRead(0); err != nil {
				return err
			}
			var b [1]byte
			if k, _ := os.Stdin.Read(b[:]); k == 0 {
				return nil
			}
		}
	})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// TestMisbehavingClients: clients that reset mid-stream, half-close,
// stall, and a handler that panics. The server serves the others and no
// descriptor leaks.
func TestMisbehavingClients(t *testing.T) {
	before := openFDs(t)
	var served int
	run(t, func() error {
		srv := &server.StreamServer{Addr: "127.0.0.1:0", Handler: func(c net.Conn, a net.Addr) {
			br := bufio.NewReader(c)
			c.SetReadDeadline(time.Now().Add(200 * time.Millisecond)) // stalled clients
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if line == "panic\n" {
				panic("handler panics")
			}
			served++
			// Echo the rest until EOF (half-close) or error (reset).
			c.SetReadDeadline(time.Time{})
			io.WriteString(c, line)
			io.Copy(c, br)
		}}
		if err := srv.Start(); err != nil {
			return err
		}
		defer srv.Stop()
		addr := srv.ListenAddr().String()
		var gs []*gevent.Greenlet[struct{}]
		for i := range 40 {
			gs = append(gs, gevent.GoErr(func() error {
				c, err := socket.Dial("tcp", addr)
				if err != nil {
					return err
				}
				defer c.Close()
				tc := c.(*socket.Conn)
				switch i % 5 {
				case 0: // reset mid-stream
					io.WriteString(c, "hello\npartial")
					tc.SetLinger(0)
					return nil
				case 1: // half-close: the echo still arrives, then EOF
					io.WriteString(c, "half\nrest")
					tc.CloseWrite()
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					b, err := io.ReadAll(c)
					if err != nil || string(b) != "half\nrest" {
						return fmt.Errorf("half-close: %q %v", b, err)
					}
					return nil
				case 2: // stall: send nothing; the server's deadline closes us
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					_, err := c.Read(make([]byte, 1))
					if err != io.EOF {
						return fmt.Errorf("stalled client: %v", err)
					}
					return nil
				case 3: // the handler panics: the connection is closed
					io.WriteString(c, "panic\n")
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					_, err := c.Read(make([]byte, 1))
					if err != io.EOF && !errors.Is(err, unix.ECONNRESET) {
						return fmt.Errorf("panicking handler: %v", err)
					}
					return nil
				default: // a well-behaved client, served among the others
					io.WriteString(c, "good\n")
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					b := make([]byte, 5)
					if _, err := io.ReadFull(c, b); err != nil || string(b) != "good\n" {
						return fmt.Errorf("good client: %q %v", b, err)
					}
					return nil
				}
			}))
		}
		for _, g := range gs {
			if err := g.Join(10 * time.Second); err != nil {
				return err
			}
			if g.Err() != nil {
				return g.Err()
			}
		}
		if err := roundTrip(addr, "still serving\n"); err != nil {
			return err
		}
		return waitIdle(srv)
	})
	if served < 24 {
		t.Errorf("served %d clients", served)
	}
	if after := openFDs(t); after > before {
		t.Errorf("descriptors leaked: %d before, %d after", before, after)
	}
}

// TestAcceptBackoffOnEMFILE runs the server out of descriptors: it backs
// off, keeps running, and serves the waiting clients once descriptors are
// free again.
func TestAcceptBackoffOnEMFILE(t *testing.T) {
	before := openFDs(t)
	var lim unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_NOFILE, &lim)
	defer unix.Setrlimit(unix.RLIMIT_NOFILE, &lim)
	run(t, func() error {
		var release gevent.WaitList[struct{}]
		released := false
		emfile := 0
		srv := &server.StreamServer{Addr: "127.0.0.1:0",
			MinDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond,
			ErrorLog: func(err error, _ time.Duration) {
				if errors.Is(err, unix.EMFILE) {
					emfile++
				}
			},
			Handler: func(c net.Conn, _ net.Addr) {
				if !released {
					release.Wait(5 * time.Second)
				}
				io.WriteString(c, "ok")
			}}
		l, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv.Listener = l.(*socket.Listener)
		defer srv.Stop()
		// The clients connect before the server starts: the kernel queues them.
		const clients = 20
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for range clients {
			c, err := socket.Dial("tcp", l.Addr().String())
			if err != nil {
				return err
			}
			conns = append(conns, c)
		}
		// Leave room for 5 accepted descriptors only.
		low := lim
		low.Cur = uint64(openFDs(t) + 5)
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
			return err
		}
		if err := srv.Start(); err != nil {
			return err
		}
		for i := 0; emfile < 3; i++ {
			if i > 2000 {
				return fmt.Errorf("no EMFILE seen (%d running)", srv.Running())
			}
			gevent.Sleep(time.Millisecond)
		}
		unix.Setrlimit(unix.RLIMIT_NOFILE, &lim)
		for srv.Running() < clients {
			gevent.Sleep(time.Millisecond)
		}
		released = true
		release.WakeAll(struct{}{})
		for _, c := range conns {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if b, err := io.ReadAll(c); err != nil || string(b) != "ok" {
				return fmt.Errorf("client: %q %v", b, err)
			}
		}
		return waitIdle(srv)
	})
	if after := openFDs(t); after > before {
		t.Errorf("descriptors leaked: %d before, %d after", before, after)
	}
}
