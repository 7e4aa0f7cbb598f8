// Command tutorial is gevent-tutorial's "Gevent ZeroMQ" example
// (zmq_reqrep.py beside it, run with real zmq.green by the test): a REQ
// "server" greenlet and a REP "client" greenlet take turns.
//
//	cd zmq && go run ./examples/tutorial
package main

import (
	"fmt"
	"os"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/zmq"
)

// tutorialZMQ is gevent-tutorial's "Gevent ZeroMQ" example
// (testdata/zmq_reqrep.py): a REQ "server" greenlet and a REP "client"
// greenlet take turns; each Recv switches to the other greenlet.
func tutorialZMQ(endpoint string) error {
	context, err := zmq.NewContext()
	if err != nil {
		return err
	}
	server := func() error {
		s, err := context.Socket(zmq.REQ)
		if err != nil {
			return err
		}
		defer s.Close()
		if err := s.Bind(endpoint); err != nil {
			return err
		}
		for request := 1; request < 10; request++ {
			if _, err := s.Send("Hello", 0); err != nil {
				return err
			}
			fmt.Printf("Switched to Server for %d\n", request)
			// Implicit context switch occurs here
			if _, err := s.Recv(0); err != nil {
				return err
			}
		}
		return nil
	}
	client := func() error {
		s, err := context.Socket(zmq.REP)
		if err != nil {
			return err
		}
		defer s.Close()
		if err := s.Connect(endpoint); err != nil {
			return err
		}
		for request := 1; request < 10; request++ {
			if _, err := s.Recv(0); err != nil {
				return err
			}
			fmt.Printf("Switched to Client for %d\n", request)
			// Implicit context switch occurs here
			if _, err := s.Send("World", 0); err != nil {
				return err
			}
		}
		return nil
	}
	publisher := gevent.GoErr(server)
	cl := gevent.GoErr(client)
	_, err = gevent.JoinAllOpts([]*gevent.Greenlet[struct{}]{publisher, cl}, gevent.JoinOptions{RaiseError: true})
	return err
}

func main() {
	endpoint := "tcp://127.0.0.1:5000" // the tutorial's
	if port := os.Getenv("ZMQ_PORT"); port != "" {
		endpoint = "tcp://127.0.0.1:" + port
	}
	if err := gevent.Run(func() error { return tutorialZMQ(endpoint) }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
