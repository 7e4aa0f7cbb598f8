package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gevent-go/gevent"
)

const python = "/usr/bin/python3"

// TestMain runs the program itself when the conformance test re-runs the
// test binary with ZMQ_TUTORIAL_CHILD set.
func TestMain(m *testing.M) {
	if os.Getenv("ZMQ_TUTORIAL_CHILD") != "" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
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
// (zmq_reqrep.py) and the Go port, compared line for line.
func TestTutorialConformance(t *testing.T) {
	if exec.Command(python, "-c", "import zmq.green, gevent").Run() != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-zmq/python3-gevent missing (scripts/deps.sh installs them)")
		}
		t.Skip("python3-zmq not installed (scripts/deps.sh installs it)")
	}
	port := freePort(t)
	py := exec.Command(python, "zmq_reqrep.py")
	py.Env = append(os.Environ(), fmt.Sprint("ZMQ_PORT=", port))
	want, err := py.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	port = freePort(t)
	goProg := exec.Command(os.Args[0])
	goProg.Env = append(os.Environ(), "ZMQ_TUTORIAL_CHILD=1", fmt.Sprint("ZMQ_PORT=", port))
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
