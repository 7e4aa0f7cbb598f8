package main

import (
	"os"
	"testing"

	"github.com/gevent-go/gevent"
)

// TestMain plays the child when the parent re-runs the test binary.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		relay()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The seed's output (seed 001, multiprocessing section).
func Example() {
	if err := gevent.Run(parent); err != nil {
		panic(err)
	}
	// Output:
	// hi in 0
	// hi in 1
	// hi in 2
	// hi in 3
	// hi in 4
}
