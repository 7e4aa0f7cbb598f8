// Command monitor shows the blocking monitor (gevent's monitor thread)
// catching a classic mistake: a handler that calls time.Sleep, which
// stops the whole hub, instead of gevent.Sleep, which lets the other
// greenlets run.
//
//	go run ./examples/monitor          # the bug: a report names handle and time.Sleep
//	go run ./examples/monitor -fixed   # gevent.Sleep: no report
//
// The same monitor is switched on without code change by the environment:
// GEVENT_MONITOR_THREAD_ENABLE=1 GEVENT_MAX_BLOCKING_TIME=0.1.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/server"
)

// fixed selects gevent.Sleep instead of the bug.
var fixed = flag.Bool("fixed", false, "use gevent.Sleep (cooperative) instead of time.Sleep")

// handle greets a client after a pause: the pause is the bug.
func handle(conn net.Conn, addr net.Addr) {
	if *fixed {
		gevent.Sleep(300 * time.Millisecond)
	} else {
		time.Sleep(300 * time.Millisecond) // blocks the hub: every greenlet waits
	}
	io.WriteString(conn, "hello\n")
	conn.Close()
}

// run serves one client with the monitor on, sending each report to
// report, and returns what the client read.
func run(report func(*gevent.BlockingReport)) (string, error) {
	h, err := gevent.NewHub()
	if err != nil {
		return "", err
	}
	h.StartMonitor(gevent.MonitorConfig{MaxBlockingTime: 100 * time.Millisecond, Report: report})
	var got string
	err = h.Run(func() error {
		srv := server.NewStreamServer("127.0.0.1:0", handle)
		if err := srv.Start(); err != nil {
			return err
		}
		addr := srv.ListenAddr().String()
		release := h.Hold()
		go func() { // a client, outside the hub
			defer release()
			c, err := net.Dial("tcp", addr)
			var b []byte
			if err == nil {
				b, _ = io.ReadAll(c)
				c.Close()
			}
			h.Post(func() { got = string(b); srv.Stop() })
		}()
		return srv.ServeForever()
	})
	if err == server.ErrServerClosed {
		err = nil
	}
	return got, err
}

func main() {
	flag.Parse()
	got, err := run(func(r *gevent.BlockingReport) { fmt.Fprint(os.Stderr, r) })
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("client read %q\n", got)
}
