package loop

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"testing"
	"time"
)

func newLoop(t *testing.T) *Loop {
	t.Helper()
	l, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestDequeFIFOAcrossGrowthAndFront(t *testing.T) {
	var d deque
	var got []int
	for i := range 100 {
		d.pushBack(Func(func() { got = append(got, i) }))
		if i%7 == 0 {
			d.popFront().RunTask()
		}
	}
	d.pushFront(Func(func() { got = append(got, -1) }))
	for d.n > 0 {
		d.popFront().RunTask()
	}
	if got[0] != 0 || got[len(got)-86] != -1 {
		t.Fatalf("order: %v", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] != -1 && got[i-1] != -1 && got[i] <= got[i-1] {
			t.Fatalf("not FIFO at %d: %v", i, got)
		}
	}
}

func TestTimerHeapOrderAndStop(t *testing.T) {
	l := newLoop(t)
	r := rand.New(rand.NewPCG(1, 2))
	type rec struct {
		when int64
		seq  int
	}
	var fired []rec
	timers := make([]*Timer, 500)
	var want []rec
	for i := range timers {
		timers[i] = &Timer{}
		w := int64(r.IntN(50))
		l.StartAt(timers[i], w, Func(func() { fired = append(fired, rec{w, i}) }))
		want = append(want, rec{w, i})
	}
	// Stop every third timer.
	var kept []rec
	for i, tm := range timers {
		if i%3 == 0 {
			l.Stop(tm)
			if tm.Active() {
				t.Fatal("stopped timer still active")
			}
		} else {
			kept = append(kept, want[i])
		}
	}
	l.runTimers(1 << 62)
	sort.SliceStable(kept, func(a, b int) bool { return kept[a].when < kept[b].when })
	if fmt.Sprint(fired) != fmt.Sprint(kept) {
		t.Fatalf("fired %v\nwant  %v", fired, kept)
	}
	if l.Timers() != 0 {
		t.Fatal("heap not empty")
	}
}

// Regression: a timer started late in an iteration (its tasks ran for
// 50 ms) fired d after the iteration's start, 50 ms early. It must not fire
// before d has passed since Start, and it keeps its place in the order
// (cached time + d): a timer started later, due earlier, waits for it.
func TestTimerNeverFiresBeforeDSinceStart(t *testing.T) {
	l := newLoop(t)
	var fired []string
	task := func(name string) Func { return func() { fired = append(fired, name) } }
	const ms = int64(time.Millisecond)
	// An iteration that began 50 ms ago: the clock reads start.
	start := Now()
	l.now, l.stale = start-50*ms, false
	var late, next Timer
	l.Start(&late, 10*time.Millisecond, task("late")) // cached deadline: 40 ms ago
	l.runTimers(start)
	if len(fired) != 0 {
		t.Fatalf("fired %v 0 ms after Start, before its 10 ms", fired)
	}
	// The next iteration: a timer with an earlier real deadline.
	l.now = start + 2*ms
	l.Start(&next, time.Millisecond, task("next"))
	l.runTimers(start + 2*ms)
	l.runTimers(start + 5*ms)
	if len(fired) != 0 {
		t.Fatalf("fired %v: 'late' is not due, and 'next' comes after it", fired)
	}
	l.runTimers(start + 10*ms)
	if fmt.Sprint(fired) != "[late next]" {
		t.Fatalf("fired %v, want [late next]", fired)
	}
}

// Timers started and stopped again and again between two iterations (a
// Timeout scope armed and cancelled in a loop that never blocks) leave
// nothing behind: the list of timers waiting for the loop's clock read
// holds only active ones.
func TestStartStopBetweenIterationsKeepsNothing(t *testing.T) {
	l := newLoop(t)
	l.now, l.stale = Now(), false
	var a, b Timer
	for range 1000 {
		l.Start(&a, time.Second, Func(func() {}))
		l.Start(&b, time.Second, Func(func() {}))
		l.Start(&a, time.Hour, Func(func() {})) // moves a
		l.Stop(&b)
	}
	if len(l.unsettled) != 1 || l.Timers() != 1 {
		t.Fatalf("%d unsettled, %d timers: want 1 and 1", len(l.unsettled), l.Timers())
	}
	l.settle(Now())
	if len(l.unsettled) != 0 || a.due == dueUnsettled {
		t.Fatalf("after settle: %d unsettled, due %d", len(l.unsettled), a.due)
	}
	l.Stop(&a)
}

func TestPostWakesSleepingLoop(t *testing.T) {
	l := newLoop(t)
	l.Hold()
	ran := false
	go func() {
		time.Sleep(10 * time.Millisecond)
		l.Post(Func(func() { ran = true; l.Release() }))
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !ran && time.Now().Before(deadline) {
		l.RunOnce(true) // sleeps in epoll_wait until the Post wakes it
	}
	if !ran {
		t.Fatal("posted task never ran")
	}
	if l.Alive() {
		t.Fatal("loop alive with nothing to do")
	}
	if l.RunOnce(true) {
		t.Fatal("RunOnce should report that nothing can happen")
	}
	l.Close()
	if l.Post(Func(func() {})) {
		t.Fatal("Post accepted by a closed loop")
	}
}

func TestPanicInTaskReportedAndLoopGoesOn(t *testing.T) {
	l := newLoop(t)
	var reported []any
	l.OnPanic = func(v any, _ []byte) { reported = append(reported, v) }
	var ran []int
	l.Schedule(Func(func() { ran = append(ran, 1) }))
	l.Schedule(Func(func() { panic("bad") }))
	l.Schedule(Func(func() { ran = append(ran, 3) }))
	var tm Timer
	l.Start(&tm, 0, Func(func() { panic("bad timer") }))
	l.RunOnce(false)
	l.RunOnce(false)
	if fmt.Sprint(ran) != "[1 3]" || len(reported) != 2 {
		t.Fatalf("ran %v reported %v", ran, reported)
	}
}

func TestFDReadiness(t *testing.T) {
	l := newLoop(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	f, err := l.Register(int(r.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	woke := false
	f.SetReader(Func(func() { woke = true }))
	if err := f.SetReader(Func(func() {})); err != ErrBusy {
		t.Fatalf("second reader: %v", err)
	}
	w.Write([]byte("x"))
	for i := 0; i < 100 && !woke; i++ {
		l.RunOnce(true)
	}
	if !woke || !f.Readable() {
		t.Fatalf("woke=%v readable=%v", woke, f.Readable())
	}
	f.Unregister()
}

func BenchmarkTimerStartStop(b *testing.B) {
	l, _ := New()
	defer l.Close()
	var tm Timer
	task := Func(func() {})
	for b.Loop() {
		l.Start(&tm, time.Second, task)
		l.Stop(&tm)
	}
}

// Regression (a hub livelock): a timer task that starts a new timer due at
// once (a woken greenlet that sleeps again after a long iteration) must not
// make one pass of runTimers go on forever.
func TestTimerRestartedInPassWaitsForNextPass(t *testing.T) {
	l := newLoop(t)
	var tm Timer
	fired := 0
	var task Func
	task = func() {
		fired++
		l.StartAt(&tm, 0, task) // due at once, again and again
	}
	l.StartAt(&tm, 0, task)
	l.runTimers(Now())
	if fired != 1 {
		t.Fatalf("one pass fired %d times", fired)
	}
	l.runTimers(Now())
	if fired != 2 {
		t.Fatalf("second pass: %d", fired)
	}
	l.Stop(&tm)
}

func TestWeakTimerDoesNotKeepTheLoopAlive(t *testing.T) {
	l := newLoop(t)
	var weak, strong Timer
	fired := ""
	l.StartWeak(&weak, time.Millisecond, Func(func() { fired += "weak " }))
	if l.Alive() {
		t.Fatal("alive with only a weak timer")
	}
	l.Start(&strong, 5*time.Millisecond, Func(func() { fired += "strong" }))
	for l.RunOnce(true) {
	}
	if fired != "weak strong" {
		t.Errorf("fired %q", fired)
	}
	// Stopped before it fired, a weak timer leaves the count right.
	l.StartWeak(&weak, time.Hour, Func(func() {}))
	l.Stop(&weak)
	l.Start(&weak, 0, Func(func() { fired += " again" }))
	if !l.Alive() {
		t.Error("an ordinary timer after a stopped weak one does not keep the loop alive")
	}
	for l.RunOnce(true) {
	}
	if fired != "weak strong again" {
		t.Errorf("fired %q", fired)
	}
}

// BusyPoll: work that arrives while the loop spins (here posted from
// another goroutine, a few milliseconds in) is taken without a blocking
// epoll_wait; without BusyPoll the loop sleeps for it.
func TestBusyPollTakesWorkWithoutSleeping(t *testing.T) {
	for _, spin := range []time.Duration{0, 10 * time.Second} {
		l := newLoop(t)
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		f, err := l.Register(int(r.Fd())) // BusyPoll spins only with FDs registered
		if err != nil {
			t.Fatal(err)
		}
		l.BusyPoll.Store(int64(spin))
		l.Hold() // keeps the loop alive until the posted task has run
		ran := false
		go func() {
			time.Sleep(5 * time.Millisecond)
			l.Post(Func(func() { ran = true; l.Release() }))
		}()
		for l.RunOnce(true) {
		}
		if !ran {
			t.Fatal("the posted task did not run")
		}
		if spin == 0 && l.sleeps == 0 {
			t.Error("without BusyPoll the loop did not sleep in epoll_wait")
		}
		if spin > 0 && l.sleeps != 0 {
			t.Errorf("with BusyPoll the loop slept %d times in epoll_wait", l.sleeps)
		}
		f.Unregister()
		r.Close()
		w.Close()
	}
}

// FD.SetSpin: the loop busy-polls only while a wait on such an FD is
// pending. Registered but not waited on, the FD does not make the loop
// spin (it sleeps for a timer); with a reader waiting, data that arrives a
// few milliseconds in is taken by the spin, without a blocking
// epoll_wait; once that wait has ended the loop sleeps again.
func TestFDSpinOnlyWhileWaitPending(t *testing.T) {
	l := newLoop(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	f, err := l.Register(int(r.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Unregister()
	f.SetSpin(int64(10 * time.Second))
	sleepFor := func(d time.Duration) {
		var tm Timer
		fired := false
		l.Start(&tm, d, Func(func() { fired = true }))
		for !fired && l.RunOnce(true) {
		}
	}

	sleepFor(5 * time.Millisecond)
	if l.spins != 0 || l.sleeps == 0 {
		t.Fatalf("no wait pending: %d spins, %d sleeps; want 0 spins and a sleep", l.spins, l.sleeps)
	}

	sleeps := l.sleeps
	read := false
	f.SetReader(Func(func() { read = true }))
	if l.spinWaits != 1 {
		t.Fatalf("spinWaits %d with a reader waiting, want 1", l.spinWaits)
	}
	go func() {
		time.Sleep(5 * time.Millisecond)
		w.Write([]byte{1})
	}()
	for !read && l.RunOnce(true) {
	}
	if l.spins != 1 || l.sleeps != sleeps {
		t.Errorf("reader waiting: %d spins, %d new sleeps; want 1 spin and no sleep", l.spins, l.sleeps-sleeps)
	}
	if l.spinWaits != 0 || l.spinMax != 0 {
		t.Errorf("after the wait: spinWaits %d, spinMax %d; want 0, 0", l.spinWaits, l.spinMax)
	}

	spins := l.spins
	sleepFor(5 * time.Millisecond)
	if l.spins != spins {
		t.Errorf("wait ended: the loop spun %d more times", l.spins-spins)
	}

	// A wait that ends by Unregister or ClearReader is uncounted too.
	task := new(nopTask)
	f.SetReader(task)
	f.ClearReader(task)
	if l.spinWaits != 0 {
		t.Errorf("spinWaits %d after ClearReader, want 0", l.spinWaits)
	}
	f.SetReader(task)
	f.SetWriter(task)
	f.Unregister()
	if l.spinWaits != 0 || l.fdWaits != 0 {
		t.Errorf("after Unregister: spinWaits %d, fdWaits %d; want 0, 0", l.spinWaits, l.fdWaits)
	}
}

// nopTask is a comparable Task (ClearReader compares).
type nopTask struct{}

func (*nopTask) RunTask() {}
