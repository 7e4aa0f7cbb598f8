package gipc_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/gipc"
	"github.com/gevent-go/gevent/internal/blocktest"
	"github.com/gevent-go/gevent/subprocess"
)

type Msg struct {
	N    int
	Text string
}

// TestMain runs the child roles: the test binary re-executed by gipc.Start
// with GIPC_TEST_ROLE set.
func TestMain(m *testing.M) {
	switch os.Getenv("GIPC_TEST_ROLE") {
	case "":
		os.Exit(m.Run())
	case "echo": // plain goroutine, no hub: blocks only itself
		c, err := gipc.Parent()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		for {
			var msg Msg
			if err := c.Get(&msg); err != nil {
				os.Exit(0) // the parent closed
			}
			msg.Text = strings.ToUpper(msg.Text)
			msg.N++
			if err := c.Put(msg); err != nil {
				os.Exit(1)
			}
		}
	case "die":
		c, _ := gipc.Parent()
		var msg Msg
		c.Get(&msg)
		os.Exit(msg.N)
	case "silent":
		time.Sleep(time.Minute)
		os.Exit(0)
	}
}

func startChild(t *testing.T, role string) *gipc.Child {
	t.Helper()
	ch, err := gipc.Start([]string{os.Args[0]}, subprocess.Options{Env: append(os.Environ(), "GIPC_TEST_ROLE="+role)})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func run(t *testing.T, fn func() error) {
	t.Helper()
	if err := gevent.Run(fn); err != nil {
		t.Fatal(err)
	}
}

// Messages go both ways, small and large (1 MiB: the pipe takes 64 KiB at a
// time), while another greenlet keeps running: the hub is never blocked.
func TestEchoChild(t *testing.T) {
	run(t, func() error {
		ch := startChild(t, "echo")
		ticks := 0
		ticker := gevent.Go(func() {
			for gevent.Sleep(time.Millisecond) == nil {
				ticks++
			}
		})
		defer ticker.Kill(nil, false)
		big := strings.Repeat("x", 1<<20)
		for i, text := range []string{"hi", big, "bye"} {
			if err := ch.Conn.Put(Msg{i, text}); err != nil {
				return err
			}
			var got Msg
			if err := ch.Conn.Get(&got); err != nil {
				return err
			}
			if got.N != i+1 || got.Text != strings.ToUpper(text) {
				t.Errorf("message %d: got N=%d len=%d", i, got.N, len(got.Text))
			}
		}
		ch.Conn.CloseWrite()
		var m Msg
		err := ch.Conn.Get(&m)
		var ee *gipc.ExitError
		if !errors.As(err, &ee) || ee.Returncode != 0 || !errors.Is(err, io.EOF) {
			t.Errorf("after the child ended: %v", err)
		}
		if ticks == 0 {
			t.Errorf("the ticker never ran")
		}
		return nil
	})
}

// Concurrent Puts from several greenlets arrive whole, never interleaved,
// even when each is larger than the pipe.
func TestConcurrentPutsDoNotInterleave(t *testing.T) {
	run(t, func() error {
		ch := startChild(t, "echo")
		defer ch.Conn.Close()
		var gs []*gevent.Greenlet[struct{}]
		for i := range 4 {
			gs = append(gs, gevent.GoErr(func() error {
				return ch.Conn.Put(Msg{i, strings.Repeat(string(rune('a'+i)), 200<<10)})
			}))
		}
		seen := map[int]bool{}
		for range 4 {
			var m Msg
			if err := ch.Conn.Get(&m); err != nil {
				return err
			}
			want := strings.Repeat(string(rune('A'+m.N-1)), 200<<10)
			if m.Text != want {
				t.Errorf("message %d corrupted", m.N)
			}
			seen[m.N] = true
		}
		if _, err := gevent.JoinAllOpts(gs, gevent.JoinOptions{RaiseError: true}); err != nil {
			return err
		}
		if len(seen) != 4 {
			t.Errorf("seen %v", seen)
		}
		return nil
	})
}

// A child that dies gives a clear error with its status, not a hang.
func TestChildDeathGivesExitStatus(t *testing.T) {
	run(t, func() error {
		ch := startChild(t, "die")
		if err := ch.Conn.Put(Msg{N: 3}); err != nil {
			return err
		}
		var m Msg
		err := ch.Conn.Get(&m)
		var ee *gipc.ExitError
		if !errors.As(err, &ee) || ee.Returncode != 3 || !errors.Is(err, io.EOF) {
			t.Fatalf("Get from a dead child: %v, want ExitError status 3 wrapping io.EOF", err)
		}
		if err := ch.Conn.Put(Msg{}); err == nil {
			t.Errorf("Put to a dead child succeeded")
		}
		return nil
	})
}

func TestBlockingContract(t *testing.T) {
	blocktest.Check(t, blocktest.Op{Name: "Get", Setup: func() blocktest.Op {
		ch := startChild(t, "silent")
		gevent.GetHub().AfterClose(func() { ch.Kill() })
		return blocktest.Op{Block: func() error { var m Msg; return ch.Conn.Get(&m) }}
	}})
}

func TestParentOutsideChild(t *testing.T) {
	if _, err := gipc.Parent(); !errors.Is(err, gipc.ErrNotChild) {
		t.Errorf("Parent: %v", err)
	}
}
