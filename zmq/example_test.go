package zmq_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

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

// The tutorial's example; it prints what zmq.green under gevent prints
// (TestTutorialConformance runs both).
func Example_tutorial() {
	gevent.Run(func() error { return tutorialZMQ("inproc://tutorial") })
	// Output:
	// Switched to Server for 1
	// Switched to Client for 1
	// Switched to Server for 2
	// Switched to Client for 2
	// Switched to Server for 3
	// Switched to Client for 3
	// Switched to Server for 4
	// Switched to Client for 4
	// Switched to Server for 5
	// Switched to Client for 5
	// Switched to Server for 6
	// Switched to Client for 6
	// Switched to Server for 7
	// Switched to Client for 7
	// Switched to Server for 8
	// Switched to Client for 8
	// Switched to Server for 9
	// Switched to Client for 9
}

// A conformance pair: the tutorial under real gevent with zmq.green
// (testdata/zmq_reqrep.py) and the Go port, compared line for line.
func TestTutorialConformance(t *testing.T) {
	if os.Getenv("ZMQ_TUTORIAL_CHILD") != "" {
		return
	}
	needPyzmq(t)
	port := freePort(t)
	py := exec.Command(python, "testdata/zmq_reqrep.py")
	py.Env = append(os.Environ(), fmt.Sprint("ZMQ_PORT=", port))
	want, err := py.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	port = freePort(t)
	goProg := exec.Command(os.Args[0], "-test.run=^TestTutorialChild$")
	goProg.Env = append(os.Environ(), fmt.Sprint("ZMQ_TUTORIAL_CHILD=", port))
	got, err := goProg.Output()
	if err != nil {
		t.Fatalf("go port: %v\n%s", err, got)
	}
	if string(got) != string(want) {
		t.Errorf("go port printed\n%s\nzmq.green printed\n%s", got, want)
	}
	if n := strings.Count(string(want), "\n"); n != 18 {
		t.Errorf("python printed %d lines", n)
	}
}

// TestTutorialChild is the Go side of TestTutorialConformance, run in a
// child process so that its standard output is the program's alone.
func TestTutorialChild(t *testing.T) {
	port := os.Getenv("ZMQ_TUTORIAL_CHILD")
	if port == "" {
		t.Skip("run by TestTutorialConformance")
	}
	if err := gevent.Run(func() error { return tutorialZMQ("tcp://127.0.0.1:" + port) }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}
