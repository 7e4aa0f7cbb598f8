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
	stacks, byMain := 0, 0
	lines := strings.Split(info, "\n")
	for i, line := range lines {
		if strings.HasPrefix(line, "  | goroutine ") {
			stacks++
		}
		if line == "  spawned by MainGreenlet" {
			byMain++
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
	// Every greenlet was spawned by the main greenlet (none by another).
	if byMain != total || strings.Count(info, "\n  spawned by ") != total {
		t.Errorf("%d greenlets spawned by MainGreenlet, %d spawner lines, want %d", byMain, strings.Count(info, "\n  spawned by "), total)
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

// spawnedBy reads, from a run info dump, the spawner line of each
// greenlet listed: name -> what follows "spawned by ".
func spawnedBy(t *testing.T, info string) map[string]string {
	t.Helper()
	by := map[string]string{}
	name := ""
	for line := range strings.Lines(info) {
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(line, "  spawned by "):
			if name == "" {
				t.Errorf("spawner line with no greenlet: %q", line)
			}
			by[name] = strings.TrimPrefix(line, "  spawned by ")
		case strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "  "):
			name, _, _ = strings.Cut(line[1:], " ")
		}
	}
	return by
}

// Each greenlet's spawner is listed: the greenlet that spawned it (a
// tree of spawns three deep), the hub for a Link's greenlet, another
// goroutine for Submit, and a spawner that has finished by its address.
func TestRunInfoSpawner(t *testing.T) {
	err := gevent.Run(func() error {
		h := gevent.GetHub()
		want := map[string]string{}
		var spawn func(name, by string, depth int)
		spawn = func(name, by string, depth int) {
			g := gevent.New(func() (struct{}, error) {
				if depth < 2 {
					for i := range 2 + depth {
						spawn(fmt.Sprintf("%s.%d", name, i), name, depth+1)
					}
				}
				return struct{}{}, gevent.Sleep(time.Hour)
			})
			g.SetName(name)
			if depth == 2 && strings.HasSuffix(name, ".0") {
				g.StartLater(time.Hour) // not started yet: still listed with its spawner
			} else {
				g.Start()
			}
			want[name] = by
		}
		for i := range 3 {
			spawn(fmt.Sprintf("t%d", i), "MainGreenlet", 0)
		}
		var orphanParent *gevent.Greenlet[struct{}]
		orphanParent = gevent.Go(func() {
			gevent.Go(func() { gevent.Sleep(time.Hour) }).SetName("orphan")
		})
		orphanParent.SetName("orphan-parent")
		want["orphan"] = fmt.Sprintf("<Greenlet at %p> (finished)", orphanParent)
		gevent.Go(func() {}).Link(func(*gevent.Greenlet[struct{}]) {
			gevent.GetCurrent().(*gevent.Greenlet[struct{}]).SetName("linked")
			gevent.Sleep(time.Hour)
		})
		want["linked"] = "Hub"
		release := h.Hold()
		go func() {
			h.Submit(func() error {
				gevent.GetCurrent().(*gevent.Greenlet[struct{}]).SetName("submitted")
				return gevent.Sleep(time.Hour)
			})
			release()
		}()
		want["submitted"] = "another goroutine (Hub.Submit)"
		for start := time.Now(); !strings.Contains(h.FormatRunInfo(), " submitted ") && time.Since(start) < 10*time.Second; {
			gevent.Sleep(time.Millisecond)
		}
		orphanParent.Join()
		info := h.FormatRunInfo()
		got := spawnedBy(t, info)
		if n := len(want); n != 3+3*2+3*2*3+3 {
			t.Fatalf("%d greenlets in the test", n)
		}
		for name, by := range want {
			if got[name] != by {
				t.Errorf("%s: spawned by %q, want %q", name, got[name], by)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%d spawner lines, want %d:\n%s", len(got), len(want), info)
		}
		if _, ok := got["MainGreenlet"]; ok {
			t.Errorf("the main greenlet has a spawner")
		}
		return gevent.KillAll(h.Greenlets(), nil, true)
	})
	if err != nil {
		t.Fatal(err)
	}
}
