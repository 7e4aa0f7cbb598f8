// Command tour runs the programs of the gevent tutorials this project was
// created from (the deterministic ones: every program whose output does
// not depend on the network, on randomness or on another process's
// timing), ported to Go, and prints what each prints, which is what the
// Python original prints under gevent 22.10. Run it with:
//
//	go run ./examples/tour
//
// Each section is headed by the name of its conformance pair: the Python
// original is conformance/testdata/<name>.py, which the conformance suite
// runs under real gevent beside its Go port, and which tour_test.go runs
// to check this command's output (testdata/tour.golden). The Go ports
// are in internal/seeds, shared with the conformance suite; the tour runs
// them with shorter waits (seeds.Short), which change only the parts of
// the output that depend on timing. The sections named go_* go beyond the
// tutorials.
//
// Each section runs as the main greenlet of a fresh hub (gevent.Run), as
// each Python program runs in a fresh interpreter; in a program of your
// own, main's goroutine is the default hub's main greenlet and needs no
// Run (see the README).
package main

import (
	"fmt"
	"os"
	"regexp"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/seeds"
)

type section struct {
	name  string // the conformance pair, or go_* for a section beyond the tutorials
	title string
	// vary matches the parts of the output that depend on timing (a count
	// of ticks, an elapsed time); tour_test.go removes them before it
	// compares.
	vary *regexp.Regexp
	run  func() error
}

var sections []section

// varies are the seed sections whose output depends on timing, with what
// of it does.
var varies = map[string]string{
	"seed_select_poll": `at \d+\.\d seconds`,
	"seed_subprocess":  `(?m)^cron\n`,
}

// The sections in the tutorials' order, then those beyond them.
func init() {
	for _, p := range seeds.All() {
		run := func() error { return p.Run(seeds.Short) }
		if p.Uncaught {
			// The Python program ends here with the exception's traceback.
			run = func() error {
				if err := p.Run(seeds.Short); err != nil {
					fmt.Fprintln(os.Stderr, "Traceback: ", err)
				}
				return nil
			}
		}
		if v, ok := varies[p.Name]; ok {
			addVarying(p.Name, p.Title, v, run)
		} else {
			add(p.Name, p.Title, run)
		}
	}
	addExtras()
}

func add(name, title string, run func() error) {
	sections = append(sections, section{name: name, title: title, run: run})
}

func addVarying(name, title, vary string, run func() error) {
	sections = append(sections, section{name: name, title: title, vary: regexp.MustCompile(vary), run: run})
}

func main() {
	failed := false
	for _, s := range sections {
		fmt.Printf("=== %s: %s\n", s.name, s.title)
		if err := gevent.Run(s.run); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", s.name, err)
			failed = true
		}
		fmt.Println()
	}
	if failed {
		os.Exit(1)
	}
}
