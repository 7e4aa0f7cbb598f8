package loop

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Equal deadlines fire in start order, and all deadlines in order, through
// starts, stops and restarts in a heap of many timers.
func TestTimerHeapOrder(t *testing.T) {
	l := newLoop(t)
	r := rand.New(rand.NewPCG(1, 2))
	const n = 5000
	timers := make([]Timer, n)
	type rec struct {
		when int64
		seq  int
	}
	var fired []rec
	seq := 0
	for i := range timers {
		i := i
		w := int64(r.IntN(50)) // many equal deadlines
		seq++
		s := seq
		l.StartAt(&timers[i], w, Func(func() { fired = append(fired, rec{w, s}) }))
		if r.IntN(4) == 0 { // stop or move some
			j := r.IntN(i + 1)
			if r.IntN(2) == 0 {
				l.Stop(&timers[j])
			} else {
				w2 := int64(r.IntN(50))
				seq++
				s2 := seq
				l.StartAt(&timers[j], w2, Func(func() { fired = append(fired, rec{w2, s2}) }))
			}
		}
	}
	want := l.Timers()
	l.runTimers(1 << 40)
	if len(fired) != want || l.Timers() != 0 {
		t.Fatalf("%d fired, %d were active, %d left", len(fired), want, l.Timers())
	}
	for i := 1; i < len(fired); i++ {
		a, b := fired[i-1], fired[i]
		if a.when > b.when || (a.when == b.when && a.seq > b.seq) {
			t.Fatalf("fired out of order at %d: %v then %v", i, a, b)
		}
	}
}

// BenchmarkTimerHeap: with n timers armed at random deadlines, start one
// more and stop a random one (a heap of n sifted both ways), per op; and
// fire all n, per timer.
func BenchmarkTimerHeap(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("startstop/n=%d", n), func(b *testing.B) {
			l, _ := New()
			defer l.Close()
			r := rand.New(rand.NewPCG(1, 2))
			timers := make([]Timer, n)
			task := Func(func() {})
			for i := range timers {
				l.StartAt(&timers[i], int64(r.IntN(1<<30)), task)
			}
			for b.Loop() {
				tm := &timers[r.IntN(n)]
				l.Stop(tm)
				l.StartAt(tm, int64(r.IntN(1<<30)), task)
			}
		})
		b.Run(fmt.Sprintf("fire/n=%d", n), func(b *testing.B) {
			l, _ := New()
			defer l.Close()
			r := rand.New(rand.NewPCG(1, 2))
			timers := make([]Timer, n)
			task := Func(func() {})
			for b.Loop() {
				for i := range timers {
					l.StartAt(&timers[i], int64(r.IntN(1<<30)), task)
				}
				l.runTimers(1 << 31)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/timer")
		})
	}
}
