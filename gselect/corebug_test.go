package gselect_test

import (
	"os"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

// Core bug (reported, not ours to fix): gevent.Forever documents "no
// timeout", but JoinAll(gs, gevent.Forever) does not wait at all, because
// durationOf clamps negative timeouts to 0. Run with GEVENT_CORE_BUGS=1.
func TestCoreBugJoinAllForever(t *testing.T) {
	if os.Getenv("GEVENT_CORE_BUGS") == "" {
		t.Skip("core bug reproduction; set GEVENT_CORE_BUGS=1")
	}
	run(t, func() error {
		g := gevent.Go(func() { gevent.Sleep(20 * time.Millisecond) })
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{g}, gevent.Forever)
		if !g.Dead() {
			t.Error("JoinAll(gs, gevent.Forever) returned before the greenlet finished")
		}
		return nil
	})
}
