package gselect_test

import (
	"fmt"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/gselect"
)

// Seeds 001 and 003: two greenlets wait in select with no descriptors while
// a third works. The seed's 1 s and 2 s are 0.5 s and 1 s here; tic prints
// the elapsed time in whole units of 0.5 s (rounded down: a loaded machine
// wakes the greenlets tens of milliseconds late), so the output is gevent's.
func ExampleSelect() {
	const unit = 500 * time.Millisecond
	start := time.Now()
	tic := func() string {
		return fmt.Sprintf("at %1.1f seconds", float64(time.Since(start)/unit))
	}
	gr1 := func() {
		fmt.Printf("Started Polling: %s\n", tic())
		gselect.Select(nil, nil, nil, 1*unit)
		fmt.Printf("Ended Polling: %s\n", tic())
	}
	gr2 := func() {
		fmt.Printf("Started Polling: %s\n", tic())
		gselect.Select(nil, nil, nil, 2*unit)
		fmt.Printf("Ended Polling: %s\n", tic())
	}
	gr3 := func() {
		fmt.Printf("Hey lets do some stuff while the greenlets poll, %s\n", tic())
		gevent.Sleep(1 * unit)
	}
	gevent.JoinAll([]*gevent.Greenlet[struct{}]{gevent.Go(gr1), gevent.Go(gr2), gevent.Go(gr3)})
	// Output:
	// Started Polling: at 0.0 seconds
	// Started Polling: at 0.0 seconds
	// Hey lets do some stuff while the greenlets poll, at 0.0 seconds
	// Ended Polling: at 1.0 seconds
	// Ended Polling: at 2.0 seconds
}
