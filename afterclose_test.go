package gevent_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

func TestAfterClose(t *testing.T) {
	var got []string
	var h *gevent.Hub
	var stopped func() bool
	err := gevent.Run(func() error {
		h = gevent.GetHub()
		h.AfterClose(func() {
			if h.OnHub() || h.Post(func() {}) {
				t.Error("hook ran before the hub closed")
			}
			got = append(got, "first")
		})
		stopped = h.AfterClose(func() { got = append(got, "stopped") })
		h.AfterClose(func() { got = append(got, "third") })
		if !stopped() || stopped() {
			t.Error("stop: want true once, then false")
		}
		gevent.Go(func() { gevent.Sleep(time.Hour) }) // killed before the hooks run
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"first", "third"}; !slices.Equal(got, want) {
		t.Fatalf("hooks ran %q, want %q", got, want)
	}
	// After the close: at once, in a goroutine of its own.
	done := make(chan struct{})
	stop := h.AfterClose(func() { close(done) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a hook registered after the close did not run")
	}
	if stop() {
		t.Error("stop after the hook ran reported true")
	}
}
