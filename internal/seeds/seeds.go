// Package seeds holds the Go ports of the seed programs: the programs of
// the five gevent tutorials this project was created from. Each is written
// once, here, and run by two users:
//
//   - the conformance suite (conformance/), which runs each port beside its
//     Python program, conformance/testdata/<Name>.py, under real gevent and
//     compares what both print;
//   - the tour (examples/tour, `go run ./examples/tour`), which runs them
//     one after the other with shorter waits.
//
// A program runs as the main greenlet of a hub (gevent.Run) and prints to
// standard output with P and Pf, as the Python program prints with print.
package seeds

import (
	"slices"
	"time"
)

// Program is the Go port of one seed program.
type Program struct {
	// Name is the program's conformance pair: its Python original is
	// conformance/testdata/<Name>.py.
	Name string
	// Seeds names the tutorials it comes from, as the Python program's
	// first line does after "# from: " ("seed 000", "seeds 001 and 003").
	Seeds string
	// Title says in one line what it shows (the tour's heading).
	Title string
	// Uncaught is set when the Python program ends with an uncaught
	// exception: Run then returns that error, and stdout holds what was
	// printed before it.
	Uncaught bool
	// Run runs the program on the calling hub's main greenlet with the
	// given timing. It returns the error the Python program would raise
	// uncaught; nil when it ends normally.
	Run func(Timing) error
}

// Timing chooses between a program's two sets of waits.
type Timing int

const (
	// AsPython keeps the waits of the Python program (in
	// conformance/testdata, where seconds are already shortened to
	// fractions of a second): the conformance pairs compare with it.
	AsPython Timing = iota
	// Short is the tour's: shorter waits, which change only what depends
	// on timing (an elapsed time printed, a count of ticks), never the
	// order of what is printed.
	Short
)

// Wait returns asPython under AsPython and short under Short.
func (t Timing) Wait(asPython, short time.Duration) time.Duration {
	if t == Short {
		return short
	}
	return asPython
}

const ms = time.Millisecond

// All returns every program, in the tutorials' order: greenlets and
// timeouts, then events, queues, groups and pools, locks, greenlet-local
// data, actors, subprocesses and signals, then the web program.
func All() []Program {
	return slices.Concat(core, packages, web)
}
