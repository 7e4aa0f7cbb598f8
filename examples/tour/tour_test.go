package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/tour.golden with the tour's output")

const golden = "testdata/tour.golden"

// TestMain runs the tour itself when the test binary is re-executed by
// runTour.
func TestMain(m *testing.M) {
	if os.Getenv("GEVENT_TOUR_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runTour(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "GEVENT_TOUR_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tour: %v\nstderr:\n%s", err, stderr.String())
	}
	return string(out)
}

// split cuts the tour's output into its sections' bodies, by name, in
// order.
func split(t *testing.T, out string) (names []string, bodies map[string]string) {
	t.Helper()
	bodies = map[string]string{}
	out = strings.TrimSuffix(out, "\n") // the empty line after the last section
	for _, part := range strings.Split("\n"+out, "\n=== ")[1:] {
		header, body, _ := strings.Cut(part, "\n")
		name, _, _ := strings.Cut(header, ":")
		// main prints an empty line after each section.
		body = strings.TrimSuffix(body, "\n")
		if _, dup := bodies[name]; dup {
			t.Fatalf("two sections named %s", name)
		}
		names = append(names, name)
		bodies[name] = body
	}
	return names, bodies
}

func bySection() map[string]section {
	m := map[string]section{}
	for _, s := range sections {
		m[s.name] = s
	}
	return m
}

// normal removes what a section's vary matches.
func normal(s section, body string) string {
	if s.vary == nil {
		return body
	}
	return s.vary.ReplaceAllString(body, "")
}

// TestTourGolden runs the tour and compares its output with
// testdata/tour.golden, section by section (after removing the timing
// dependent parts a section declares). TestGoldenMatchesGevent checks the
// golden file against real gevent.
func TestTourGolden(t *testing.T) {
	out := runTour(t)
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	gotNames, got := split(t, out)
	wantNames, wants := split(t, string(want))
	if strings.Join(gotNames, " ") != strings.Join(wantNames, " ") {
		t.Fatalf("sections differ from the golden file (go test ./examples/tour -update)\ngot  %v\nwant %v", gotNames, wantNames)
	}
	secs := bySection()
	for _, name := range gotNames {
		if g, w := normal(secs[name], got[name]), normal(secs[name], wants[name]); g != w {
			t.Errorf("section %s:\n--- got\n%s\n--- want\n%s", name, g, w)
		}
	}
}

// TestGoldenMatchesGevent runs the Python original of every seed section
// (conformance/testdata/<name>.py) under /usr/bin/python3 and gevent, and
// compares what it prints with the golden file's section.
func TestGoldenMatchesGevent(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import gevent").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("/usr/bin/python3 cannot import gevent: %v (scripts/deps.sh installs it)", err)
		}
		t.Skipf("/usr/bin/python3 cannot import gevent (%v): run scripts/deps.sh", err)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	names, bodies := split(t, string(want))
	secs := bySection()
	for _, name := range names {
		if !strings.HasPrefix(name, "seed_") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// gevent's output varies on a loaded machine where two timers
			// come due together and its loop runs late: a difference counts
			// only if it shows in three runs of the Python program.
			var g, w string
			var stderr bytes.Buffer
			for range 3 {
				stderr.Reset()
				cmd := exec.Command("/usr/bin/python3", filepath.Join("..", "..", "conformance", "testdata", name+".py"))
				cmd.Stderr = &stderr
				out, _ := cmd.Output() // seed_timeout_with ends with an uncaught Timeout
				if g, w = normal(secs[name], strings.TrimSuffix(string(out), "\n")), normal(secs[name], bodies[name]); g == w {
					return
				}
			}
			t.Errorf("gevent prints:\n%s\n--- the golden file has:\n%s\n--- stderr:\n%s", g, w, stderr.String())
		})
	}
}

// TestEverySeedProgramIsInTheTour: each seed pair of the conformance suite
// (the tutorials' programs) is a section of the tour.
func TestEverySeedProgramIsInTheTour(t *testing.T) {
	pys, err := filepath.Glob(filepath.Join("..", "..", "conformance", "testdata", "seed_*.py"))
	if err != nil || len(pys) == 0 {
		t.Fatalf("no seed pairs found: %v", err)
	}
	secs := bySection()
	for _, py := range pys {
		name := strings.TrimSuffix(filepath.Base(py), ".py")
		if _, ok := secs[name]; !ok {
			t.Errorf("%s is not in the tour", name)
		}
	}
	for name := range secs {
		if !strings.HasPrefix(name, "seed_") && !strings.HasPrefix(name, "go_") {
			t.Errorf("section %s: name it after its conformance pair (seed_*) or go_*", name)
		}
	}
}
