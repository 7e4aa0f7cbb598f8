package gevent

import (
	"testing"
	"time"
)

// BenchmarkNote: what the hub pays per switch for the monitor and the
// Switch hook (note, noteHook), without and with the monitor: two nil
// checks, or two plain stores and a nil check; ns/op is per 2 switches.
func BenchmarkNote(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(map[bool]string{false: "off", true: "on"}[on], func(b *testing.B) {
			h, err := newHub()
			if err != nil {
				b.Fatal(err)
			}
			defer h.loop.Close()
			if on {
				h.StartMonitor(MonitorConfig{MaxBlockingTime: time.Hour})
				defer h.StopMonitor()
			}
			g1, g2 := &greenlet{hub: h}, &greenlet{hub: h}
			for i := 0; i < b.N; i++ {
				h.note(g1)
				h.noteHook(g1)
				h.note(g2)
				h.noteHook(g2)
			}
		})
	}
}
