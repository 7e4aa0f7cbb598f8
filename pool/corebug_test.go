package pool_test

import (
	"os"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

// TestCoreStaleDefaultMain is a core bug report (not a pool bug): a
// goroutine that used gevent first became the default hub's main greenlet;
// once it has exited, the runtime reuses its g structure for new
// goroutines, and current() (which matches the runtime g address against
// each hub's curG) takes greenlets of other hubs, whose coroutines run on
// such reused goroutines, for the default hub's main greenlet. Found when
// a parallel test called Pool.Full outside gevent.Run: the examples then
// failed and greenlets of other hubs panicked as "not a greenlet of the
// group's hub". Set GEVENT_CORE_BUGS=1 to run it (it takes the default
// hub, so the examples of this binary then fail).
func TestCoreStaleDefaultMain(t *testing.T) {
	if os.Getenv("GEVENT_CORE_BUGS") == "" {
		t.Skip("core bug reproduction; set GEVENT_CORE_BUGS=1")
	}
	done := make(chan struct{})
	go func() {
		gevent.GetHub() // binds this goroutine as the default hub's main
		close(done)
	}()
	<-done
	time.Sleep(10 * time.Millisecond) // let the goroutine exit
	wrong := 0
	gevent.Run(func() error {
		h := gevent.GetHub()
		for range 10000 {
			g := gevent.Go(func() {
				if gevent.GetHub() != h {
					wrong++
				}
			})
			g.Join()
		}
		return nil
	})
	if wrong > 0 {
		t.Errorf("%d of 10000 greenlets took the default hub for theirs", wrong)
	}
}
