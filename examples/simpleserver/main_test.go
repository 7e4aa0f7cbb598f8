package main

import (
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/server"
)

// The seed says "Access with nc 127.0.0.1 5000": a real nc reads the
// greeting while the cooperative server runs. nc runs in a goroutine; its
// output is handed to the hub with Post.
func TestWithNetcat(t *testing.T) {
	nc, err := exec.LookPath("nc")
	if err != nil {
		t.Skip("nc not installed (Debian netcat-openbsd)")
	}
	var out []byte
	err = gevent.Run(func() error {
		var done gevent.WaitList[error]
		var srv *server.StreamServer
		h := gevent.GetHub()
		started := func(s *server.StreamServer) {
			srv = s
			host, port, _ := net.SplitHostPort(s.ListenAddr().String())
			go func() {
				// -N: shut down the write side at EOF of stdin (empty).
				b, err := exec.Command(nc, "-N", "-w", "5", host, port).Output()
				h.Post(func() { out = b; done.WakeOne(err); srv.Stop() })
			}()
		}
		g := gevent.Spawn(func() (struct{}, error) { return struct{}{}, serve("127.0.0.1:0", started) })
		if err, werr := done.Wait(10 * time.Second); werr != nil || err != nil {
			t.Errorf("nc: %v %v", err, werr)
		}
		_, err := g.Get(5 * time.Second)
		if err != server.ErrServerClosed {
			t.Errorf("serve: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "Hello from a telnet!\n0\n1\n2\n3\n4\n"
	if string(out) != want {
		t.Errorf("nc printed %q, want %q", out, want)
	}
}
