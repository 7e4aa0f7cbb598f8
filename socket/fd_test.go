package socket_test

import (
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/socket"
)

func openFDs(t *testing.T) int {
	t.Helper()
	e, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(e)
}

// leaveThreeOpen makes a listener, a dialled and an accepted connection,
// and closes none of them.
func leaveThreeOpen() error {
	l, err := socket.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	c, err := socket.Dial("tcp", l.Addr().String())
	if err != nil {
		return err
	}
	s, err := l.Accept()
	if err != nil {
		return err
	}
	_, _ = c, s
	return nil
}

// Regression (issue 11 item 8): sockets left open by a hub's greenlets
// leaked their descriptors for ever (12,012 fds after 4,000 Runs that
// each left 3). The end of the hub now closes them; no garbage collection
// is needed for that.
func TestHubEndClosesItsSockets(t *testing.T) {
	before := openFDs(t)
	const runs = 200
	for range runs {
		if err := gevent.Run(leaveThreeOpen); err != nil {
			t.Fatal(err)
		}
	}
	if after := openFDs(t); after > before+10 {
		t.Fatalf("%d descriptors open after %d hubs that left 3 sockets each, %d before", after, runs, before)
	}
}

// Regression (issue 11 item 8): a socket dropped without Close is closed
// when the garbage collector finds it, as net's are: on a hub that keeps
// running (the close is handed to it) and on a goroutine of no hub.
func TestDroppedSocketClosedByGC(t *testing.T) {
	settle := func(want int, step func()) int {
		n := openFDs(t)
		for i := 0; i < 200 && n > want; i++ {
			runtime.GC()
			step()
			n = openFDs(t)
		}
		return n
	}
	run(t, func() error {
		before := openFDs(t)
		for range 100 {
			if err := leaveThreeOpen(); err != nil {
				return err
			}
		}
		after := settle(before+10, func() { gevent.Sleep(5 * time.Millisecond) })
		if after > before+10 {
			t.Errorf("on a running hub: %d descriptors open after dropping 300 sockets, %d before", after, before)
		}
		return nil
	})
	// A goroutine of no hub: its sockets wait with poll(2).
	before := openFDs(t)
	done := make(chan error)
	go func() {
		for range 100 {
			c, err := socket.ListenPacket("udp", "127.0.0.1:0")
			if err != nil {
				done <- err
				return
			}
			_ = c.(net.PacketConn)
		}
		done <- nil
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if after := settle(before+10, func() { time.Sleep(5 * time.Millisecond) }); after > before+10 {
		t.Errorf("off any hub: %d descriptors open after dropping 100 sockets, %d before", after, before)
	}
}
