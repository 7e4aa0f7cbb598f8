// Package backdoor is gevent.backdoor's use case, Go-style: a console into
// a live process, on a loopback TCP port or a unix socket, off unless
// started, guarded by a token. It is not a Python REPL: it answers a few
// commands about the running hubs.
//
// Connect with any line-oriented client (nc 127.0.0.1 PORT), send the
// token as the first line, then commands, one per line:
//
//	help             the commands
//	list             every running hub and its greenlets, one line each
//	info             the run info of every hub (gevent.FormatRunInfo)
//	stack NAME       the run info entry (state, wait, spawner, stack) of greenlets named NAME
//	kill NAME        kill the greenlets named NAME (ErrGreenletExit)
//	stats            hubs, greenlets, goroutines, heap
//	quit             close the connection
//
// NAME is a greenlet's name as list shows it: the one set with SetName,
// "Greenlet-N", or "<Greenlet at 0x...>" for one whose name was never
// read. A wrong token, a line longer than 1 KiB, a byte that is not
// printable text or an unknown command closes the connection; so does
// silence for a minute. Nothing a client sends can stop the server or
// the process.
//
// The console runs on goroutines of its own, not in a hub: it answers
// while a greenlet holds a hub (run info then shows that hub as not
// responding).
package backdoor

import (
	"bufio"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gevent-go/gevent"
)

// idle is how long a connection may stay silent.
const idle = time.Minute

// maxLine bounds a command line.
const maxLine = 1024

// ErrNotLoopback is returned by Listen for an address that is not a
// loopback one or a unix socket.
var ErrNotLoopback = errors.New("backdoor: address is not loopback (127.0.0.1, ::1, localhost) or unix:/path")

// Server is a running console. Close it to stop it.
type Server struct {
	ln    net.Listener
	token string
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	done  bool
}

// Listen starts a console on addr, "127.0.0.1:PORT", "[::1]:PORT",
// "localhost:PORT" (port 0: any free one, see Addr) or "unix:/path", that
// serves clients which send token first. The token must not be empty.
// It returns ErrNotLoopback for any other address.
func Listen(addr, token string) (*Server, error) {
	if token == "" {
		return nil, errors.New("backdoor: empty token")
	}
	var ln net.Listener
	var err error
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		ln, err = net.Listen("unix", path)
	} else {
		host, _, serr := net.SplitHostPort(addr)
		if serr != nil {
			return nil, serr
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, ErrNotLoopback
		}
		ln, err = net.Listen("tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, token: token, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr returns the address the console listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops the console: it stops listening, closes the connections and
// waits for their goroutines.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	s.done = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return
		}
		s.mu.Lock()
		if s.done {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(c)
	}
}

func (s *Server) serve(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	r := bufio.NewReaderSize(c, maxLine+1)
	readLine := func() (string, bool) {
		c.SetReadDeadline(time.Now().Add(idle))
		line, err := r.ReadSlice('\n')
		if err != nil {
			return "", false
		}
		l := strings.TrimRight(string(line), "\r\n")
		for _, ch := range l {
			if ch < ' ' && ch != '\t' || ch == 0x7f || ch == '\uFFFD' {
				return "", false
			}
		}
		return l, true
	}
	tok, ok := readLine()
	if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(s.token)) != 1 {
		return
	}
	io.WriteString(c, "gevent backdoor; type help\n")
	for {
		line, ok := readLine()
		if !ok {
			return
		}
		cmd, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
		arg = strings.TrimSpace(arg)
		var out string
		switch cmd {
		case "":
			continue
		case "help":
			out = "commands: list, info, stack NAME, kill NAME, stats, quit\n"
		case "list":
			out = list()
		case "info":
			out = gevent.FormatRunInfo()
		case "stack":
			out = stack(arg)
		case "kill":
			out = kill(arg)
		case "stats":
			out = stats()
		case "quit":
			return
		default:
			return
		}
		c.SetWriteDeadline(time.Now().Add(idle))
		if _, err := io.WriteString(c, out); err != nil {
			return
		}
	}
}

// entries splits run info into its entries: the summary line of each hub
// and, for each greenlet, its header line, spawner line and stack.
func entries() []string {
	var es []string
	for _, block := range strings.Split(gevent.FormatRunInfo(), "\n\n") {
		lines := strings.Split(block, "\n")
		var cur []string
		for _, l := range lines {
			if !strings.HasPrefix(l, "  ") && len(cur) > 0 {
				es = append(es, strings.Join(cur, "\n"))
				cur = nil
			}
			if l != "" {
				cur = append(cur, l)
			}
		}
		if len(cur) > 0 {
			es = append(es, strings.Join(cur, "\n"))
		}
	}
	return es
}

func list() string {
	var b strings.Builder
	for _, e := range entries() {
		head, _, _ := strings.Cut(e, "\n")
		b.WriteString(head + "\n")
	}
	return b.String()
}

func stack(name string) string {
	var b strings.Builder
	for _, e := range entries() {
		if strings.HasPrefix(e, " "+name+" ") {
			b.WriteString(e + "\n")
		}
	}
	if b.Len() == 0 {
		return "no greenlet named " + name + "\n"
	}
	return b.String()
}

// label is a greenlet's name as run info shows it, without giving it a
// number.
func label(g gevent.AnyGreenlet) string {
	s := g.String()
	if n, ok := strings.CutPrefix(s, "<Greenlet \""); ok {
		return strings.TrimSuffix(n, "\">")
	}
	return s
}

func kill(name string) string {
	total := 0
	for _, h := range gevent.Hubs() {
		ch := make(chan int, 1)
		if !h.Post(func() {
			n := 0
			for _, g := range h.Greenlets() {
				if label(g) == name {
					g.Kill(nil, false)
					n++
				}
			}
			ch <- n
		}) {
			continue
		}
		select {
		case n := <-ch:
			total += n
		case <-time.After(2 * time.Second):
			return fmt.Sprintf("%v not responding\n", h)
		}
	}
	return fmt.Sprintf("killed %d\n", total)
}

func stats() string {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var b strings.Builder
	hubs := gevent.Hubs()
	fmt.Fprintf(&b, "hubs: %d\n", len(hubs))
	for _, e := range entries() {
		if strings.HasPrefix(e, "<Hub") {
			fmt.Fprintf(&b, "%s\n", e)
		}
	}
	fmt.Fprintf(&b, "goroutines: %d\nheap: %d bytes\n", runtime.NumGoroutine(), ms.HeapAlloc)
	return b.String()
}
