package gevent_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

func TestGoLater(t *testing.T) {
	var trace []string
	reports := 0
	run(t, func() error {
		gevent.GetHub().SetErrorHandler(func(gevent.AnyGreenlet, error) { reports++ })
		late := gevent.GoLater(20*time.Millisecond, func() { trace = append(trace, "late") })
		failing := gevent.GoErrLater(10*time.Millisecond, func() error { trace = append(trace, "failing"); return errBoom })
		now := gevent.GoLater(0, func() { trace = append(trace, "zero") })
		first := gevent.Go(func() { trace = append(trace, "go") })
		if !late.Started() || late.Ready() {
			t.Errorf("before d: started %v ready %v", late.Started(), late.Ready())
		}
		never := gevent.GoLater(10*time.Millisecond, func() { trace = append(trace, "killed before it ran") })
		if err := never.Kill(nil, true); err != nil {
			t.Errorf("kill: %v", err)
		}
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{late, failing, now, first, never})
		if got := strings.Join(trace, " "); got != "go zero failing late" {
			t.Errorf("order: %s", got)
		}
		if !errors.Is(failing.Err(), errBoom) || reports != 1 {
			t.Errorf("GoErrLater: err %v, %d reports", failing.Err(), reports)
		}
		if !never.Dead() || !never.Successful() || !errors.Is(never.ExitErr(), gevent.ErrGreenletExit) {
			t.Errorf("killed before it ran: dead %v successful %v exit %v", never.Dead(), never.Successful(), never.ExitErr())
		}
		return nil
	})
}

// gevent.spawn_later for a function without a result.
func ExampleGoLater() {
	gevent.GoLater(20*time.Millisecond, func() { fmt.Println("later") })
	g := gevent.Go(func() { fmt.Println("now") })
	g.Join()
	gevent.Sleep(30 * time.Millisecond)
	// Output:
	// now
	// later
}
