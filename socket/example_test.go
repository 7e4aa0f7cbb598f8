package socket_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/socket"
)

// Seed 001 (multiprocessing): a relay on the other side of two pipes, and
// two greenlets that wait cooperatively with gevent.WaitWrite and
// gevent.WaitRead (gevent.socket's wait_write and wait_read) before
// writing and reading. The relay is a goroutine standing for the child
// process; messages are lines, since a pipe keeps no message boundaries.
func Example_waitReadWrite() {
	toChild, a, _ := os.Pipe()   // a.send -> b.recv
	d, fromChild, _ := os.Pipe() // c.send -> d.recv
	afd, dfd := int(a.Fd()), int(d.Fd())
	go func() { // relay
		b := bufio.NewReader(toChild)
		for i := range 5 {
			msg, _ := b.ReadString('\n')
			fmt.Fprintf(fromChild, "%s in %d\n", strings.TrimSuffix(msg, "\n"), i)
		}
	}()
	putMsg := gevent.Go(func() {
		for range 5 {
			gevent.WaitWrite(afd)
			a.WriteString("hi\n")
		}
	})
	getMsg := gevent.Go(func() {
		r := bufio.NewReader(d)
		for range 5 {
			if r.Buffered() == 0 {
				gevent.WaitRead(dfd)
			}
			msg, _ := r.ReadString('\n')
			fmt.Print(msg)
		}
	})
	gevent.JoinAll([]*gevent.Greenlet[struct{}]{getMsg, putMsg}, time.Second)
	// Output:
	// hi in 0
	// hi in 1
	// hi in 2
	// hi in 3
	// hi in 4
}

// TLS works unchanged over a cooperative connection: here a client and a
// server handshake in two greenlets of one hub.
func Example_tls() {
	l, _ := socket.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	cfg := testTLSConfig()
	gevent.Go(func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		s := tls.Server(c, cfg)
		defer s.Close()
		line, _ := bufio.NewReader(s).ReadString('\n')
		fmt.Fprintf(s, "echo: %s", line)
	})
	c, err := socket.Dial("tcp", l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	tc := tls.Client(c, &tls.Config{RootCAs: cfg.RootCAs, ServerName: "localhost"})
	defer tc.Close()
	fmt.Fprintln(tc, "hello")
	line, _ := bufio.NewReader(tc).ReadString('\n')
	fmt.Print(line)
	fmt.Println(tc.ConnectionState().HandshakeComplete)
	// Output:
	// echo: hello
	// true
}

// Socketpair gives two connected cooperative conns (gevent.socket.socketpair):
// one greenlet reads while another writes.
func ExampleSocketpair() {
	a, b, err := socket.Socketpair()
	if err != nil {
		panic(err)
	}
	reader := gevent.Go(func() {
		defer b.Close()
		r := bufio.NewReader(b)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return // io.EOF once a is closed
			}
			fmt.Print("got ", line)
		}
	})
	for _, s := range []string{"one", "two"} {
		fmt.Fprintln(a, s)
	}
	a.Close()
	reader.Join()
	// Output:
	// got one
	// got two
}
