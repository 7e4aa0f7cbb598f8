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

func TestInSwitch(t *testing.T) {
	for _, c := range []struct {
		stack string
		want  bool
	}{
		{"goroutine 7 [runnable]:\ngithub.com/gevent-go/gevent.Sleep(0x0)\n\t/x/sleep.go:20 +0x230\nmain.f()\n", true},
		{"goroutine 7 [runnable]:\ngithub.com/gevent-go/gevent/internal/loop.(*Loop).runSome()\n", true},
		{"goroutine 7 [running]:\ngithub.com/gevent-go/gevent.Sleep(0x0)\n", false},
		{"goroutine 7 [runnable]:\nmain.busy()\n\t/x/main.go:3\n", false},
		{"goroutine 7 [runnable]:\ngithub.com/gevent-go/gevent_test.TestX.func1()\n", false},
		{"goroutine 7 [sleep]:\ntime.Sleep(0x1)\n", false},
	} {
		if got := inSwitch([]byte(c.stack)); got != c.want {
			t.Errorf("inSwitch(%q) = %v, want %v", c.stack, got, c.want)
		}
	}
}
