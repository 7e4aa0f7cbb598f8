package gevent_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
)

// mixedWaits starts 10,000 greenlets in the hub of the caller, in five
// kinds of wait, and returns how many of each kind it started.
func mixedWaits(t *testing.T) map[string]int {
	t.Helper()
	counts := map[string]int{}
	spawn := func(kind string, fn func()) {
		g := gevent.Go(fn)
		g.SetName(fmt.Sprintf("%s-%d", kind, counts[kind]))
		counts[kind]++
	}
	for range 2000 {
		spawn("sleep", func() { gevent.Sleep(time.Hour) })
	}
	ev := event.NewEvent()
	for range 2000 {
		spawn("event", func() { ev.Wait() })
	}
	never := gevent.Go(func() { gevent.Sleep(2 * time.Hour) })
	never.SetName("never")
	for range 2000 {
		spawn("join", func() { never.Join(time.Hour) })
	}
	for range 200 {
		var p [2]int
		if err := syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Close(p[0]); syscall.Close(p[1]) })
		spawn("fd", func() { gevent.WaitRead(p[0]) })
	}
	for range 1799 {
		g := gevent.SpawnLater(time.Hour, func() (struct{}, error) { return struct{}{}, nil })
		g.SetName(fmt.Sprintf("later-%d", counts["later"]))
		counts["later"]++
	}
	gevent.Sleep(0) // every greenlet above starts and parks
	for range 2000 {
		spawn("new", func() {})
	}
	return counts
}

// checkRunInfo counts the greenlets of each kind in a run info dump, with
// the state and wait each must show, and their stacks.
func checkRunInfo(t *testing.T, info string, counts map[string]int) {
	t.Helper()
	want := map[string]*regexp.Regexp{
		"sleep": regexp.MustCompile(`^ sleep-\d+ parked: sleeping, wakes in 59m\d`),
		"event": regexp.MustCompile(`^ event-\d+ parked in event\.\(\*Event\)\.Wait$`),
		"join":  regexp.MustCompile(`^ join-\d+ parked: times out in 59m[\d.]+s in gevent\.\(\*Greenlet\[\.\.\.\]\)\.Join$`),
		"fd":    regexp.MustCompile(`^ fd-\d+ parked: fd \d+ readable in gevent\.WaitRead$`),
		"later": regexp.MustCompile(`^ later-\d+ not started: starts in 59m`),
		"new":   regexp.MustCompile(`^ new-\d+ not started: ready to run$`),
	}
	got := map[string]int{}
	stacks := 0
	lines := strings.Split(info, "\n")
	for i, line := range lines {
		if strings.HasPrefix(line, "  | goroutine ") {
			stacks++
		}
		kind, _, ok := strings.Cut(strings.TrimPrefix(line, " "), "-")
		re := want[kind]
		if !ok || re == nil || strings.HasPrefix(line, "  ") {
			continue
		}
		if !re.MatchString(line) {
			t.Errorf("line %d: %q does not match %v", i, line, re)
			continue
		}
		got[kind]++
	}
	for k, n := range counts {
		if got[k] != n {
			t.Errorf("%s: %d listed, want %d", k, got[k], n)
		}
	}
	// Every greenlet that ran has its stack (main, never, and the parked ones).
	if wantStacks := 2 + counts["sleep"] + counts["event"] + counts["join"] + counts["fd"]; stacks != wantStacks {
		t.Errorf("%d stacks, want %d", stacks, wantStacks)
	}
	total := 1 // never
	for _, n := range counts {
		total += n
	}
	if !strings.Contains(info, fmt.Sprintf("greenlets=%d ", total)) {
		t.Errorf("summary: %.200s", info)
	}
}

func TestRunInfo10000(t *testing.T) {
	err := gevent.Run(func() error {
		counts := mixedWaits(t)
		if n := 1 + counts["sleep"] + counts["event"] + counts["join"] + counts["fd"] + counts["later"] + counts["new"]; n != 10000 {
			t.Fatalf("%d greenlets", n)
		}
		info := gevent.GetHub().FormatRunInfo()
		checkRunInfo(t, info, counts)
		if testing.Verbose() {
			t.Logf("%d bytes; head:\n%.1500s", len(info), info)
		}
		if !strings.Contains(info, " MainGreenlet running: (the caller)\n") {
			t.Errorf("main greenlet not shown running")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// From another goroutine, the hub answers between two greenlets.
func TestRunInfoFromGoroutine(t *testing.T) {
	err := gevent.Run(func() error {
		counts := mixedWaits(t)
		h := gevent.GetHub()
		ch := make(chan string, 1)
		release := h.Hold()
		go func() { ch <- gevent.FormatRunInfo(); release() }()
		for {
			select {
			case info := <-ch:
				delete(counts, "new") // they have run meanwhile
				checkRunInfo(t, info, counts)
				if !regexp.MustCompile(`(?m)^ MainGreenlet parked: sleeping`).MatchString(info) {
					t.Errorf("main greenlet not shown sleeping")
				}
				return nil
			default:
				gevent.Sleep(time.Millisecond)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestNotifyRunInfo(t *testing.T) {
	var out syncBuffer
	stop := gevent.NotifyRunInfo(&out, syscall.SIGUSR1)
	defer stop()
	err := gevent.Run(func() error {
		g := gevent.Go(func() { gevent.Sleep(time.Hour) })
		g.SetName("signalled")
		gevent.Sleep(0)
		syscall.Kill(syscall.Getpid(), syscall.SIGUSR1)
		for start := time.Now(); time.Since(start) < 10*time.Second; {
			if strings.Contains(out.String(), " signalled parked: sleeping") {
				return g.Kill(nil, true)
			}
			gevent.Sleep(time.Millisecond)
		}
		t.Errorf("no run info after the signal: %q", out.String())
		return g.Kill(nil, true)
	})
	if err != nil {
		t.Fatal(err)
	}
}
