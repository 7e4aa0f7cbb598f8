package server_test

import (
	"net"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/server"
	"github.com/gevent-go/gevent/socket"
)

// Regression (issue 11 item 4): under a UDP flood the reading greenlet never
// switched out while datagrams were queued, so timers and other greenlets
// waited until the queue drained (a 10 ms timer ran 350-560 ms late). It
// now yields every MaxAccept datagrams, as gevent's _do_read returns to the
// loop. Checked deterministically: with many datagrams already queued, a
// greenlet that yields in a loop must run between batches, so the handlers
// see its counter change several times.
func TestDatagramServerYieldsUnderFlood(t *testing.T) {
	t.Parallel()
	const total = 600
	run(t, func() error {
		pc, err := socket.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		c := pc.(*socket.PacketConn)
		c.SetReadBuffer(4 << 20) // room for every datagram queued below
		// Queue the flood before the server reads anything.
		snd, err := net.Dial("udp", c.LocalAddr().String())
		if err != nil {
			return err
		}
		defer snd.Close()
		for range total {
			if _, err := snd.Write([]byte("x")); err != nil {
				return err
			}
		}
		turns := 0 // how often the competing greenlet ran
		seen := map[int]int{}
		handled := 0
		srv := &server.DatagramServer{Conn: c, Handler: func([]byte, net.Addr) {
			seen[turns]++
			handled++
		}}
		stop := false
		competitor := gevent.Go(func() {
			for !stop {
				turns++
				if gevent.Sleep(0) != nil {
					return
				}
			}
		})
		if err := srv.Start(); err != nil {
			return err
		}
		deadline := time.Now().Add(10 * time.Second)
		for handled < 3*server.DefaultMaxAccept {
			if err := gevent.Sleep(5 * time.Millisecond); err != nil {
				return err
			}
			if time.Now().After(deadline) {
				t.Fatalf("only %d datagrams arrived (the kernel dropped the rest?)", handled)
			}
		}
		stop = true
		srv.Stop()
		competitor.Join()
		// Today's bound: at most MaxAccept datagrams between two turns of
		// the other greenlet. Before the fix every queued datagram was read
		// in one go (one batch).
		biggest := 0
		for _, n := range seen {
			biggest = max(biggest, n)
		}
		if len(seen) < 3 || biggest > server.DefaultMaxAccept {
			t.Errorf("the reader let other greenlets run %d times for %d datagrams (largest batch %d; want <= %d)",
				len(seen), handled, biggest, server.DefaultMaxAccept)
		}
		return nil
	})
}
