package gevent_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

// Misuse panics say what to use instead (issue 12 item 14).
func TestKillFromGoroutinePanicSaysWhatToUse(t *testing.T) {
	gevent.Run(func() error {
		g := gevent.Go(func() { gevent.Sleep(time.Hour) })
		done := make(chan string)
		go func() {
			defer func() { s, _ := recover().(string); done <- s }()
			g.Kill(nil, false)
		}()
		if m := <-done; !strings.HasPrefix(m, "gevent: Kill") || !strings.Contains(m, "Post") {
			t.Errorf("Kill from a goroutine: panic %q", m)
		}
		return g.Kill(nil, true)
	})
}
