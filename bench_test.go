package gevent_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

// BenchmarkSleep0Switch: two greenlets alternate with Sleep(0); ns/op is
// per Sleep(0) call, i.e. per switch from one greenlet to the other.
func BenchmarkSleep0Switch(b *testing.B) {
	gevent.Run(func() error {
		n := b.N
		w := func() {
			for i := 0; i < n/2; i++ {
				gevent.Sleep(0)
			}
		}
		b.ResetTimer()
		a, c := gevent.Go(w), gevent.Go(w)
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{a, c})
		return nil
	})
}

// BenchmarkSleepTimed: 1,000 greenlets each sleep 1 ms in a loop; ns/op
// is per Sleep, so the whole timer path (start, the loop's clock reads,
// firing, the wake-up) over the 1 ms the loop waits in epoll for each
// round, shared by the 1,000 sleeps that round.
func BenchmarkSleepTimed(b *testing.B) {
	gevent.Run(func() error {
		const n = 1000
		rounds := b.N/n + 1
		gs := make([]*gevent.Greenlet[struct{}], n)
		b.ResetTimer()
		for i := range gs {
			gs[i] = gevent.Go(func() {
				for range rounds {
					gevent.Sleep(time.Millisecond)
				}
			})
		}
		gevent.JoinAll(gs)
		return nil
	})
}

// BenchmarkSpawnJoin: spawn a trivial greenlet and join it, from main.
func BenchmarkSpawnJoin(b *testing.B) {
	gevent.Run(func() error {
		for b.Loop() {
			g := gevent.Spawn(func() (int, error) { return 1, nil })
			g.Join()
		}
		return nil
	})
}

// BenchmarkSpawnManyJoinAll: spawn 100k greenlets, then JoinAll; ns/op is
// per greenlet.
func BenchmarkSpawnManyJoinAll(b *testing.B) {
	const n = 100_000
	gevent.Run(func() error {
		gs := make([]*gevent.Greenlet[int], n)
		for b.Loop() {
			for i := range gs {
				gs[i] = gevent.Spawn(func() (int, error) { return 1, nil })
			}
			gevent.JoinAll(gs)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/greenlet")
		return nil
	})
}

// BenchmarkTimeoutStartCancel: arm and disarm a Timeout scope.
func BenchmarkTimeoutStartCancel(b *testing.B) {
	gevent.Run(func() error {
		t := gevent.NewTimeout(time.Second, nil)
		for b.Loop() {
			t.Start()
			t.Cancel()
		}
		return nil
	})
}

// BenchmarkIdleGreenletMemory: 100k greenlets blocked in Sleep; reports
// heap and stack bytes per greenlet (measured once per iteration, after GC).
func BenchmarkIdleGreenletMemory(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		gevent.Run(func() error {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			gs := make([]*gevent.Greenlet[struct{}], n)
			for i := range gs {
				gs[i] = gevent.Go(func() { gevent.Sleep(time.Hour) })
			}
			gevent.Sleep(0)
			runtime.GC()
			runtime.ReadMemStats(&after)
			heap := int64(after.HeapInuse) - int64(before.HeapInuse)
			stack := int64(after.StackInuse) - int64(before.StackInuse)
			b.ReportMetric(float64(heap+stack)/n, "B/greenlet")
			b.ReportMetric(float64(stack)/n, "stackB/greenlet")
			gevent.KillAll(gs, nil, true)
			return nil
		})
	}
}

// BenchmarkRendezvousHandOff: one greenlet gives into a Rendezvous, another
// takes; ns/op is per value handed off (queue.Channel's floor).
func BenchmarkRendezvousHandOff(b *testing.B) {
	gevent.Run(func() error {
		var r gevent.Rendezvous[int]
		n := b.N
		g := gevent.Go(func() {
			for range n {
				r.Take(nil)
			}
		})
		b.ResetTimer()
		for i := range n {
			r.Give(i, nil)
		}
		return g.Join()
	})
}
