// Command echoserver is an echo server on one hub (gevent's StreamServer
// echo, anchors/gevent_echo.py): a greenlet per connection that writes
// back what it reads. The benchmark harness loads it with
// anchors/echoload.
//
//	GOMAXPROCS=1 go run ./examples/echoserver -addr 127.0.0.1:5003
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/server"
)

// bufSize is the read buffer of each connection (gevent's recv(65536) is
// larger; 4 KiB keeps idle connections small and is plenty for 64 B
// messages).
const bufSize = 4096

// Echo serves one connection until EOF or an error.
func Echo(c net.Conn, _ net.Addr) {
	buf := make([]byte, bufSize)
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

func main() {
	addr := flag.String("addr", "127.0.0.1:5003", "address to listen on")
	flag.Parse()
	err := gevent.Run(func() error {
		srv := server.NewStreamServer(*addr, Echo)
		if err := srv.Start(); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "echoserver on %s\n", srv.ListenAddr())
		return srv.ServeForever()
	})
	if err != nil {
		log.Fatal(err)
	}
}
