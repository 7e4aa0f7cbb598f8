package server_test

import (
	"io"
	"net"
	"testing"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/server"
	"github.com/gevent-go/gevent/socket"
)

// BenchmarkEchoRoundTrip: 50 client greenlets and the server's 50 handler
// greenlets on one hub, 64-byte round trips over loopback TCP. One op is
// one round trip. (The cross-process figure, with anchors/echoload against
// examples/echoserver, is in the package report.)
func BenchmarkEchoRoundTrip(b *testing.B) {
	const conns = 50
	err := gevent.Run(func() error {
		srv := server.NewStreamServer("127.0.0.1:0", smallEcho)
		if err := srv.Start(); err != nil {
			return err
		}
		defer srv.Stop()
		cs := make([]net.Conn, conns)
		for i := range cs {
			c, err := socket.Dial("tcp", srv.ListenAddr().String())
			if err != nil {
				return err
			}
			defer c.Close()
			cs[i] = c
		}
		b.ResetTimer()
		var gs []*gevent.Greenlet[struct{}]
		for i, c := range cs {
			n := b.N / conns
			if i < b.N%conns {
				n++
			}
			gs = append(gs, gevent.GoErr(func() error {
				out, in := make([]byte, 64), make([]byte, 64)
				for range n {
					if _, err := c.Write(out); err != nil {
						return err
					}
					if _, err := io.ReadFull(c, in); err != nil {
						return err
					}
				}
				return nil
			}))
		}
		_, err := gevent.JoinAll(gs)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}
