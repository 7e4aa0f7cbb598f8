package gevent_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

// TestSubmitDuringShutdownFinishes: work handed in with Submit that the hub
// never got to run (posted just before Run returned) is finished with
// ErrHubClosed when the hub closes, so that a waiter on Done is not left
// waiting for ever.
func TestSubmitDuringShutdownFinishes(t *testing.T) {
	h, err := gevent.NewHub()
	if err != nil {
		t.Fatal(err)
	}
	var late *gevent.Greenlet[struct{}]
	ran := false
	if err := h.Run(func() error {
		late = h.Submit(func() error { ran = true; return nil })
		return nil // returns before the hub's loop runs again
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-late.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a greenlet submitted before Run returned never finished")
	}
	if ran {
		t.Fatal("the submitted function ran")
	}
	if err := late.Err(); !errors.Is(err, gevent.ErrHubClosed) {
		t.Fatalf("Err() = %v, want ErrHubClosed", err)
	}
}
