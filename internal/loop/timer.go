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
	l.timers = append(l.timers, timerEntry{when: when, seq: l.timerSq, t: t})
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
		l.timers[i].t.idx = i + 1
	}
	l.timers[last] = timerEntry{}
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
	for len(l.timers) > 0 && l.timers[0].seq <= limit && l.timers[0].t.due <= now {
		t := l.timers[0].t
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

// timerEntry is a timer's place in the loop's heap: its order key inline,
// so that sifting compares without reaching into the Timers.
type timerEntry struct {
	when int64
	seq  uint64
	t    *Timer
}

func less(a, b *timerEntry) bool {
	return a.when < b.when || (a.when == b.when && a.seq < b.seq)
}

// The heap is 4-ary (as Go's runtime timers): half the depth of a binary
// heap, and the four children of a node share a cache line or two.

func (l *Loop) up(j int) {
	h := l.timers
	e := h[j]
	for j > 0 {
		i := (j - 1) / 4
		if !less(&e, &h[i]) {
			break
		}
		h[j] = h[i]
		h[j].t.idx = j + 1
		j = i
	}
	h[j] = e
	e.t.idx = j + 1
}

func (l *Loop) down(i0 int) bool {
	h := l.timers
	n := len(h)
	i := i0
	e := h[i]
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		for k := c + 1; k < c+4 && k < n; k++ {
			if less(&h[k], &h[m]) {
				m = k
			}
		}
		if !less(&h[m], &e) {
			break
		}
		h[i] = h[m]
		h[i].t.idx = i + 1
		i = m
	}
	h[i] = e
	e.t.idx = i + 1
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
