package loop

import (
	"math"
	"time"
)

// Timer is a one-shot timer. A zero Timer is ready to use; a Timer may be
// embedded in a longer-lived struct and restarted after it fired or stopped.
type Timer struct {
	due  int64 // fires no earlier than this; dueUnsettled until settle
	d    int64
	uidx int // position in the loop's unsettled list + 1; 0 when not there

	when int64 // its place in the order: the loop's cached time at Start + d
	seq  uint64
	idx  int // position in the heap + 1; 0 when not scheduled
	task Task
	weak bool // started with StartWeak: does not keep the loop alive
}

// dueUnsettled is the due time of a timer started in the middle of an
// iteration, until the loop reads the clock (settle).
const dueUnsettled = math.MaxInt64

// Active reports whether t is scheduled.
func (t *Timer) Active() bool { return t.idx > 0 }

// Start schedules task to run once d has passed (d <= 0: at the next
// iteration), and never before: d counts from the call.
//
// The order in which timers fire is libev's: d counted from the loop's
// cached time, read at the start of the current iteration (or afresh after
// MarkStale). Timers started in one iteration therefore fire in the order
// of their durations, and equal ones in the order they were started,
// however long the iteration's tasks take. A timer fires when its turn in
// that order has come and d has passed since a clock read that followed
// Start: the loop's next one (when the iteration's ready tasks are done,
// or its timers), so that Start itself does not read the clock. A timer
// may therefore fire up to the running time of its iteration's tasks after
// its cached deadline, and the timers after it in the order wait for it.
// Starting an active timer moves it.
func (l *Loop) Start(t *Timer, d time.Duration, task Task) {
	d = max(d, 0)
	if l.stale {
		l.now, l.stale = l.Now(), false
		l.start(t, l.now+int64(d), l.now+int64(d), task)
		return
	}
	l.start(t, l.now+int64(d), dueUnsettled, task)
	t.d = int64(d)
	l.unsettled = append(l.unsettled, t)
	t.uidx = len(l.unsettled)
}

// StartAt is Start with an absolute deadline on the Now clock, which is
// also its place in the order.
func (l *Loop) StartAt(t *Timer, when int64, task Task) { l.start(t, when, when, task) }

func (l *Loop) start(t *Timer, when, due int64, task Task) {
	if t.idx > 0 {
		l.Stop(t)
	}
	l.timerSq++
	t.when, t.due, t.seq, t.task = when, due, l.timerSq, task
	l.timers = append(l.timers, t)
	t.idx = len(l.timers)
	l.up(len(l.timers) - 1)
}

// unsettle takes t out of the unsettled list if it is there: the list so
// holds only active timers, however often timers are started and stopped
// between two settles.
func (l *Loop) unsettle(t *Timer) {
	if t.uidx == 0 {
		return
	}
	u := l.unsettled
	j, end := t.uidx-1, len(u)-1
	u[j] = u[end]
	u[j].uidx = j + 1
	u[end] = nil
	l.unsettled = u[:end]
	t.uidx = 0
}

// settle sets the due time of the timers started since the last settle
// from now, a clock read made after they were started: now + d.
func (l *Loop) settle(now int64) {
	for _, t := range l.unsettled {
		t.due, t.uidx = max(now+t.d, t.when), 0
	}
	clear(l.unsettled)
	l.unsettled = l.unsettled[:0]
}

// Stop unschedules t; stopping an inactive timer does nothing.
func (l *Loop) Stop(t *Timer) {
	l.unsettle(t)
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

// runTimers fires the timers due at now, in order (see Start): it stops at
// the first one that is not due yet. Timers started while it runs (a woken
// greenlet that sleeps again) never fire in the same pass, and measure from
// now: a pass always ends, as in libev.
func (l *Loop) runTimers(now int64) {
	l.now, l.stale = now, false
	l.settle(now)
	limit := l.timerSq
	for len(l.timers) > 0 && l.timers[0].due <= now && l.timers[0].seq <= limit {
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

// When returns t's place in the order (its deadline on the Now clock) and
// its task, if t is active.
func (t *Timer) When() (when int64, task Task, ok bool) {
	if t.idx == 0 {
		return 0, nil, false
	}
	return t.when, t.task, true
}
