// Command simpleserver is seed 001's "simple server": every client gets a
// greeting and the numbers 0 to 4, then the connection is closed.
//
//	go run ./examples/simpleserver -addr 127.0.0.1:5000
//	nc 127.0.0.1 5000
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/server"
)

// handle is the seed's handle(socket, address).
func handle(conn net.Conn, addr net.Addr) {
	io.WriteString(conn, "Hello from a telnet!\n")
	for i := range 5 {
		fmt.Fprintf(conn, "%d\n", i)
	}
	conn.Close()
}

// serve runs the server on addr until it is stopped; started, if not nil,
// is called with the bound address once it listens.
func serve(addr string, started func(*server.StreamServer)) error {
	srv := server.NewStreamServer(addr, handle)
	if err := srv.Start(); err != nil {
		return err
	}
	if started != nil {
		started(srv)
	}
	return srv.ServeForever()
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5000", "address to listen on")
	flag.Parse()
	err := gevent.Run(func() error {
		return serve(*addr, func(s *server.StreamServer) {
			fmt.Fprintf(os.Stderr, "serving on %s\n", s.ListenAddr())
		})
	})
	if err != nil {
		log.Fatal(err)
	}
}
