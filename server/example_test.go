package server_test

import (
	"fmt"
	"io"
	"net"

	"github.com/gevent-go/gevent/server"
	"github.com/gevent-go/gevent/socket"
)

// Seed 001's simple server ("telnet hello"), read by a client made with
// socket.Dial. examples/simpleserver is the same server as a program.
func ExampleStreamServer() {
	handle := func(conn net.Conn, addr net.Addr) {
		io.WriteString(conn, "Hello from a telnet!\n")
		for i := range 5 {
			fmt.Fprintf(conn, "%d\n", i)
		}
		conn.Close()
	}
	srv := server.NewStreamServer("127.0.0.1:0", handle)
	if err := srv.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Stop()
	c, err := socket.Dial("tcp", srv.ListenAddr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	out, _ := io.ReadAll(c)
	fmt.Print(string(out))
	// Output:
	// Hello from a telnet!
	// 0
	// 1
	// 2
	// 3
	// 4
}

// A UDP server that answers every datagram.
func ExampleDatagramServer() {
	var srv *server.DatagramServer
	srv = server.NewDatagramServer("127.0.0.1:0", func(data []byte, addr net.Addr) {
		srv.SendTo(append([]byte("got "), data...), addr)
	})
	if err := srv.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Stop()
	c, _ := socket.Dial("udp", srv.ListenAddr().String())
	defer c.Close()
	c.Write([]byte("ping"))
	buf := make([]byte, 64)
	n, _ := c.Read(buf)
	fmt.Println(string(buf[:n]))
	// Output:
	// got ping
}
