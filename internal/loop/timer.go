package loop

import "time"

// Timer is a one-shot timer. A zero Timer is ready to use; a Timer may be
// embedded in a longer-lived struct and restarted after it fired or stopped.
type Timer struct {
	when int64
	seq  uint64
	idx  int // position in the heap + 1; 0 when not scheduled
	task Task
	weak bool // started with StartWeak: does not keep the loop alive
}

// Active reports whether t is scheduled.
func (t *Timer) Active() bool { return t.idx > 0 }

// When returns the deadline of an active timer (see Now).
func (t *Timer) When() int64 { return t.when }

// Start schedules task to run after d (d <= 0: at the next iteration).
//
// As in libev, d is measured from the loop's cached time, read at the start
// of the current iteration (or afresh after MarkStale): timers started in
// one iteration therefore fire in the order of their durations, and equal
// deadlines in the order the timers were started, however long the
// iteration's tasks take. Starting an active timer moves it.
func (l *Loop) Start(t *Timer, d time.Duration, task Task) {
	if l.stale {
		l.now, l.stale = Now(), false
	}
	l.StartAt(t, l.now+int64(max(d, 0)), task)
}

// StartAt is Start with an absolute deadline on the Now clock.
func (l *Loop) StartAt(t *Timer, when int64, task Task) {
	if t.idx > 0 {
		l.Stop(t)
	}
	l.timerSq++
	t.when, t.seq, t.task = when, l.timerSq, task
	l.timers = append(l.timers, t)
	t.idx = len(l.timers)
	l.up(len(l.timers) - 1)
}

// Stop unschedules t; stopping an inactive timer does nothing.
func (l *Loop) Stop(t *Timer) {
	i := t.idx - 1
	if i < 0 {
		return
	}
	last := len(l.timers) - 1
	if i != last {
		l.timers[i] = l.timers[last]
		l.timers[i].idx = i + 1
	}
	l.timers[last] = nil
	l.timers = l.timers[:last]
	t.idx = 0
	t.task = nil
	if t.weak {
		t.weak = false
		l.weak--
	}
	if i != last {
		if !l.down(i) {
			l.up(i)
		}
	}
}

// Timers returns the number of active timers.
func (l *Loop) Timers() int { return len(l.timers) }

// runTimers fires the timers due at now, earliest first. Timers started
// while it runs (a woken greenlet that sleeps again) never fire in the same
// pass, and measure from now: a pass always ends, as in libev.
func (l *Loop) runTimers(now int64) {
	l.now, l.stale = now, false
	limit := l.timerSq
	for len(l.timers) > 0 && l.timers[0].when <= now && l.timers[0].seq <= limit {
		t := l.timers[0]
		task := t.task
		l.Stop(t)
		l.runTask(task)
	}
}

// runTask runs one task outside the ready queue, reporting a panic.
func (l *Loop) runTask(t Task) {
	defer func() {
		if r := recover(); r != nil {
			l.report(r)
		}
	}()
	t.RunTask()
}

func less(a, b *Timer) bool {
	return a.when < b.when || (a.when == b.when && a.seq < b.seq)
}

func (l *Loop) up(j int) {
	h := l.timers
	for j > 0 {
		i := (j - 1) / 2
		if !less(h[j], h[i]) {
			break
		}
		h[i], h[j] = h[j], h[i]
		h[i].idx, h[j].idx = i+1, j+1
		j = i
	}
}

func (l *Loop) down(i0 int) bool {
	h := l.timers
	n := len(h)
	i := i0
	for {
		j1 := 2*i + 1
		if j1 >= n {
			break
		}
		j := j1
		if j2 := j1 + 1; j2 < n && less(h[j2], h[j1]) {
			j = j2
		}
		if !less(h[j], h[i]) {
			break
		}
		h[i], h[j] = h[j], h[i]
		h[i].idx, h[j].idx = i+1, j+1
		i = j
	}
	return i > i0
}
