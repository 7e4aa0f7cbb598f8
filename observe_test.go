package gevent_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
)

func TestHooks(t *testing.T) {
	h, err := gevent.NewHub()
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	name := func(g gevent.AnyGreenlet) string {
		if g == nil {
			return "hub"
		}
		return g.Name()
	}
	iterations := 0
	h.SetHooks(gevent.Hooks{
		Spawned: func(g gevent.AnyGreenlet) { events = append(events, "spawned "+name(g)) },
		Switch: func(g gevent.AnyGreenlet) {
			if g != nil && strings.HasPrefix(name(g), "w") {
				events = append(events, "switch "+name(g))
			}
		},
		Killed: func(g gevent.AnyGreenlet, err error) {
			events = append(events, fmt.Sprintf("killed %s %v", name(g), err))
		},
		Finished: func(g gevent.AnyGreenlet, err error) {
			events = append(events, fmt.Sprintf("finished %s %v", name(g), err))
		},
		LoopIteration: func() { iterations++ },
	})
	boom := errors.New("boom")
	h.SetErrorHandler(func(gevent.AnyGreenlet, error) {})
	err = h.Run(func() error {
		a := gevent.New(func() (struct{}, error) { gevent.Sleep(0); return struct{}{}, boom })
		a.SetName("w1")
		a.Start()
		b := gevent.New(func() (struct{}, error) { return struct{}{}, gevent.Sleep(time.Hour) })
		b.SetName("w2")
		b.Start()
		gevent.Sleep(0)
		b.Kill(nil, true)
		a.Join()
		gevent.GetHub().SetHooks(gevent.Hooks{})
		gevent.Go(func() {}).Join()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"spawned w1", "spawned w2",
		"switch w1", "switch w2",
		"killed w2 gevent: greenlet exit", "switch w1", "finished w1 boom", "switch w2", "finished w2 <nil>",
	}
	if got := strings.Join(events, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if iterations < 1 {
		t.Errorf("%d loop iterations", iterations)
	}
}

func TestProfileLabels(t *testing.T) {
	err := gevent.Run(func() error {
		gevent.GetHub().SetProfileLabels(true)
		g := gevent.New(func() (struct{}, error) { return struct{}{}, gevent.Sleep(time.Hour) })
		g.SetName("labelled")
		g.Start()
		gevent.Sleep(0)
		var b bytes.Buffer
		pprof.Lookup("goroutine").WriteTo(&b, 1)
		if !strings.Contains(b.String(), `"greenlet":"labelled"`) {
			t.Errorf("no label in the goroutine profile")
		}
		return g.Kill(nil, true)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Blocked comes when a greenlet switches out parked in a blocking call,
// before the next Switch; a yield, a finish and a hub callback are not
// blocks.
func TestHooksBlocked(t *testing.T) {
	var events []string
	name := func(g gevent.AnyGreenlet) string {
		if g == nil {
			return "hub"
		}
		return g.Name()
	}
	err := gevent.Run(func() error {
		ev := event.NewEvent()
		gevent.GetHub().SetHooks(gevent.Hooks{
			Blocked: func(g gevent.AnyGreenlet) { events = append(events, "blocked "+name(g)) },
			Switch:  func(g gevent.AnyGreenlet) { events = append(events, "switch "+name(g)) },
		})
		a := gevent.Go(func() {
			gevent.Sleep(0) // a yield: not blocked
			ev.Wait()       // blocked
		})
		a.SetName("a")
		b := gevent.Go(func() {
			gevent.Sleep(time.Millisecond) // blocked
			ev.Set()
		})
		b.SetName("b")
		_, err := gevent.JoinAll([]*gevent.Greenlet[struct{}]{a, b}) // blocked
		gevent.GetHub().SetHooks(gevent.Hooks{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(events, "\n")
	// The hub's own switches between the greenlets depend on timing (how
	// many loop iterations the sleep takes): compare without them.
	got = strings.ReplaceAll(got, "switch hub\n", "")
	want := strings.Join([]string{
		"blocked MainGreenlet", "switch a", "switch b", "blocked b", "switch a", "blocked a",
		"switch b", "switch a", "switch MainGreenlet",
	}, "\n")
	if got != want {
		t.Errorf("events:\n%s\nwant:\n%s", got, want)
	}
}

// Hooks set before Run see the main greenlet's first block too.
func TestHooksBlockedSetBeforeRun(t *testing.T) {
	h, err := gevent.NewHub()
	if err != nil {
		t.Fatal(err)
	}
	var blocked []string
	h.SetHooks(gevent.Hooks{Blocked: func(g gevent.AnyGreenlet) { blocked = append(blocked, g.Name()) }})
	err = h.Run(func() error {
		gevent.Sleep(time.Millisecond)
		gevent.Go(func() {}).Join()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(blocked, " "); got != "MainGreenlet MainGreenlet" {
		t.Errorf("blocked: %q, want the main greenlet twice (Sleep, Join)", got)
	}
}
