package backdoor_test

import (
	"bufio"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/backdoor"
)

const token = "s3cret"

// hub runs a hub with a greenlet named victim until it is killed; the
// returned channel is closed then.
func hub(t *testing.T) <-chan struct{} {
	ready, dead := make(chan struct{}), make(chan struct{})
	go gevent.Run(func() error {
		g := gevent.Go(func() { gevent.Sleep(time.Hour) })
		g.SetName("victim")
		gevent.Sleep(0)
		close(ready)
		err := g.Join(30 * time.Second)
		close(dead)
		return err
	})
	<-ready
	return dead
}

func dial(t *testing.T, s *backdoor.Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// session logs in, runs cmds and quits, returning all the server sent.
func session(t *testing.T, s *backdoor.Server, cmds ...string) string {
	t.Helper()
	c := dial(t, s)
	defer c.Close()
	io.WriteString(c, token+"\n"+strings.Join(cmds, "\n")+"\nquit\n")
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBackdoor(t *testing.T) {
	dead := hub(t)
	s, err := backdoor.Listen("127.0.0.1:0", token)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// Bad clients: each is disconnected, the server goes on.
	bad := map[string][]byte{
		"wrong token":   []byte("nope\nlist\n"),
		"empty token":   []byte("\nlist\n"),
		"garbage":       make([]byte, 4096),
		"long line":     []byte(strings.Repeat("x", 5000) + "\n"),
		"unknown cmd":   []byte(token + "\nrm -rf /\nlist\n"),
		"control bytes": []byte(token + "\nli\x00st\n"),
	}
	rand.Read(bad["garbage"])
	for name, in := range bad {
		c := dial(t, s)
		c.Write(in)
		r := bufio.NewReader(c)
		first, _ := r.ReadString('\n')
		rest, _ := io.ReadAll(r)
		c.Close()
		if strings.HasPrefix(first, "gevent backdoor") {
			first = ""
		}
		if first != "" || len(rest) != 0 {
			t.Errorf("%s: got an answer %q %q", name, first, rest)
		}
	}
	// Disconnect in the middle of a command.
	c := dial(t, s)
	io.WriteString(c, token+"\nli")
	c.Close()

	out := session(t, s, "help", "list", "stack victim", "stats")
	for _, want := range []string{"commands: list", " victim parked: sleeping", "\n  spawned by MainGreenlet\n", "  | goroutine ", "goroutines: ", "<Hub at "} {
		if !strings.Contains(out, want) {
			t.Errorf("session output lacks %q:\n%.3000s", want, out)
		}
	}
	if out := session(t, s, "kill victim"); !strings.Contains(out, "killed 1\n") {
		t.Fatalf("kill: %q", out)
	}
	select {
	case <-dead:
	case <-time.After(10 * time.Second):
		t.Fatal("victim not killed")
	}
}

func TestBackdoorLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0"} {
		if s, err := backdoor.Listen(addr, token); !errors.Is(err, backdoor.ErrNotLoopback) {
			if s != nil {
				s.Close()
			}
			t.Errorf("Listen(%q): %v, want ErrNotLoopback", addr, err)
		}
	}
	if _, err := backdoor.Listen("127.0.0.1:0", ""); err == nil {
		t.Error("empty token accepted")
	}
}
