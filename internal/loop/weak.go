package loop

import "time"

// StartWeak is Start for a timer that does not keep the loop alive (libev's
// unreferenced watcher, gevent's ref=False): when only weak timers are
// left, RunOnce returns false instead of sleeping until they fire. While
// anything else keeps the loop alive, a weak timer fires as any other.
// Stop, or its firing, ends its weakness; starting it again with Start
// makes it an ordinary timer.
func (l *Loop) StartWeak(t *Timer, d time.Duration, task Task) {
	l.Start(t, d, task)
	t.weak = true
	l.weak++
}
