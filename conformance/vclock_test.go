package conformance

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

// envVirtual makes the child run its port on a hub with the virtual clock
// (gevent.Hub.SetVirtualClock) and print its wall time to stderr.
const envVirtual = "GEVENT_CONFORMANCE_VIRTUAL"

// runHub runs fn as the main greenlet of a fresh hub, with the virtual
// clock when envVirtual is set.
func runHub(fn goCase) error {
	if os.Getenv(envVirtual) != "1" {
		return gevent.Run(fn)
	}
	h, err := gevent.NewHub()
	if err != nil {
		return err
	}
	h.SetVirtualClock(true)
	start := time.Now()
	var onHub time.Duration
	err = h.Run(func() error {
		t0 := gevent.Now()
		defer func() { onHub = gevent.Since(t0) }()
		return fn()
	})
	fmt.Fprintf(os.Stderr, "conformance: wall %d hub %d\n", time.Since(start), onHub)
	return err
}

var wallLine = regexp.MustCompile(`conformance: wall (\d+) hub (\d+)`)

// realTime are the seeds that spend real time on purpose: their outputs
// must match under the virtual clock too, but their run time is not
// bounded.
var realTime = map[string]string{
	"seed_subprocess":       "waits for a child process (2.5 s): the hub is held, time passes at its real pace",
	"seed_pool_determinism": "blocks the hub with time.Sleep on purpose (40 × 1 ms), which no hub clock can skip",
}

// notVirtual are the seeds that cannot run on the virtual clock, and why.
var notVirtual = map[string]string{
	"seed_signal": "a signal the program sends itself reaches the hub through another goroutine; " +
		"the hub cannot know it is on its way and jumps past it (see Hub.SetVirtualClock)",
}

// TestVirtualClockSeeds runs the Go port of every seed that sleeps on a
// hub with the virtual clock: its output is gevent's (compared as in
// TestConformance), and where its sleeps add up to 400 ms of the hub's
// time or more, it runs in under half of that in real time (a wall-time
// bound loose enough for a loaded machine; the ports that sleep 10 s run
// in milliseconds).
func TestVirtualClockSeeds(t *testing.T) {
	checkPython(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range pairNames(t) {
		src, err := os.ReadFile(filepath.Join("testdata", name+".py"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(name, "seed_") || !strings.Contains(string(src), "sleep(") || notVirtual[name] != "" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			pyc := exec.CommandContext(ctx, python, filepath.Join("testdata", name+".py"))
			pyc.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONHASHSEED=0")
			goc := exec.CommandContext(ctx, self)
			goc.Env = append(os.Environ(), envCase+"="+name, envVirtual+"=1")
			pyDone := make(chan result, 1)
			go func() { pyDone <- run(ctx, pyc) }()
			gr := run(ctx, goc)
			pr := <-pyDone
			if pr.err != nil || gr.err != nil {
				t.Fatalf("python: %v, go: %v\n%s", pr.err, gr.err, gr.stderr)
			}
			if diffs := compare(pr, gr); len(diffs) > 0 {
				t.Errorf("Go port on the virtual clock differs from gevent:\n%s", strings.Join(diffs, "\n"))
			}
			m := wallLine.FindStringSubmatch(gr.stderr)
			if m == nil {
				t.Fatalf("no wall time in stderr:\n%s", gr.stderr)
			}
			ns, _ := strconv.ParseInt(m[1], 10, 64)
			hubNS, _ := strconv.ParseInt(m[2], 10, 64)
			wall, onHub := time.Duration(ns), time.Duration(hubNS)
			t.Logf("wall %v, hub clock %v", wall, onHub)
			if realTime[name] == "" && onHub >= 400*time.Millisecond && wall >= onHub/2 {
				t.Errorf("run took %v of real time for %v on the virtual clock, want < half", wall, onHub)
			}
		})
	}
}
