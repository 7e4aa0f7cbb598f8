package gevent_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

func runVirtual(t *testing.T, fn func() error) time.Duration {
	t.Helper()
	h, err := gevent.NewHub()
	if err != nil {
		t.Fatal(err)
	}
	h.SetVirtualClock(true)
	start := time.Now()
	if err := h.Run(fn); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

// A program that sleeps for 24 hours of virtual time ends at once, its
// timers firing in order, its Timeout scopes and per-call timeouts too.
func TestVirtualClock24h(t *testing.T) {
	var out []string
	wall := runVirtual(t, func() error {
		start := gevent.Now()
		log := func(s string) {
			out = append(out, fmt.Sprintf("%v %s", gevent.Since(start).Round(time.Second), s))
		}
		for i := range 24 {
			i := i
			gevent.SpawnLater(time.Duration(i)*time.Hour+30*time.Minute, func() (struct{}, error) {
				log(fmt.Sprintf("later %d", i))
				return struct{}{}, nil
			})
		}
		never := gevent.Go(func() { gevent.Sleep(48 * time.Hour) })
		if err := never.Join(90 * time.Minute); err == nil {
			t.Error("Join did not time out")
		}
		log("join timed out")
		_, err := gevent.WithTimeout(2*time.Hour, func() (struct{}, error) { return struct{}{}, gevent.Sleep(3 * time.Hour) })
		log(fmt.Sprintf("scope: %v", err != nil))
		for range 20 {
			gevent.Sleep(time.Hour)
		}
		log("slept")
		never.Kill(nil, true)
		return nil
	})
	want := []string{"30m0s later 0", "1h30m0s later 1", "1h30m0s join timed out"}
	if got := strings.Join(out[:3], "|"); got != strings.Join(want, "|") {
		t.Errorf("first events %q, want %q", got, want)
	}
	if last := out[len(out)-1]; last != "23h30m0s slept" {
		t.Errorf("last event %q; all:\n%s", last, strings.Join(out, "\n"))
	}
	if len(out) != 24+3 {
		t.Errorf("%d events:\n%s", len(out), strings.Join(out, "\n"))
	}
	if wall > time.Second {
		t.Errorf("24 h of virtual time took %v", wall)
	}
}

// A greenlet waiting on a file descriptor stops the jumps: time passes at
// its real pace until the wait is over.
func TestVirtualClockStopsOnIO(t *testing.T) {
	var events []string
	runVirtual(t, func() error {
		var p [2]int
		if err := syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
			return err
		}
		defer syscall.Close(p[0])
		defer syscall.Close(p[1])
		start := gevent.Now()
		sleeper := gevent.Go(func() {
			gevent.Sleep(time.Hour)
			events = append(events, fmt.Sprintf("slept at %v", gevent.Since(start).Round(time.Minute)))
		})
		reader := gevent.Go(func() {
			if err := gevent.WaitRead(p[0]); err != nil {
				t.Error(err)
			}
			if d := gevent.Since(start); d > 10*time.Second {
				t.Errorf("clock jumped while a greenlet waited on an fd: %v", d)
			}
			events = append(events, "read")
		})
		go func() {
			time.Sleep(50 * time.Millisecond)
			syscall.Write(p[1], []byte("x"))
		}()
		_, err := gevent.JoinAll([]*gevent.Greenlet[struct{}]{sleeper, reader})
		return err
	})
	if got := strings.Join(events, ", "); got != "read, slept at 1h0m0s" {
		t.Errorf("events: %s", got)
	}
}
