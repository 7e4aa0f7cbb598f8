package gevent_test

import (
	"fmt"
	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
	"sync"
	"testing"
	"time"
)

// Plain-Go references for the spawn, fan-out and timer benchmarks, to read
// those as ratios measured in the same run (the machine drifts).

// BenchmarkPlainGoReply: go f() + a channel reply (reference of SpawnJoin).
func BenchmarkPlainGoReply(b *testing.B) {
	done := make(chan int, 1)
	for b.Loop() {
		go func() { done <- 1 }()
		<-done
	}
}

// BenchmarkPlainGoMany: n goroutines and a WaitGroup, per goroutine
// (reference of SpawnManyJoinAll).
func BenchmarkPlainGoMany(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/greenlet")
}

// BenchmarkPlainFanout: 100 goroutines wait on a closed channel, per waiter.
func BenchmarkPlainFanout(b *testing.B) {
	for b.Loop() {
		ch := make(chan struct{})
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() { <-ch })
		}
		close(ch)
		wg.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/waiter")
}

// BenchmarkPlainSleepers: n goroutines time.Sleep(1ms), per goroutine.
func BenchmarkPlainSleepers(b *testing.B) {
	const n = 10_000
	for b.Loop() {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() { time.Sleep(time.Millisecond) })
		}
		wg.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/goroutine")
}

// BenchmarkFanout: 100 greenlets wait on an Event, Set, JoinAll; per
// waiter (the harness's "event fan-out" row).
func BenchmarkFanout(b *testing.B) {
	gevent.Run(func() error {
		for b.Loop() {
			var e event.Event
			gs := make([]*gevent.Greenlet[bool], 100)
			for i := range gs {
				gs[i] = gevent.Spawn(func() (bool, error) { return e.Wait() })
			}
			gevent.Sleep(0)
			e.Set()
			gevent.JoinAll(gs)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/waiter")
		return nil
	})
}

// BenchmarkSleepers: n greenlets Sleep(1ms), JoinAll; per greenlet.
func BenchmarkSleepers(b *testing.B) {
	const n = 10_000
	gevent.Run(func() error {
		gs := make([]*gevent.Greenlet[struct{}], n)
		for b.Loop() {
			for i := range gs {
				gs[i] = gevent.Go(func() { gevent.Sleep(time.Millisecond) })
			}
			gevent.JoinAll(gs)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/greenlet")
		return nil
	})
}

// BenchmarkScale: per-item cost as the work grows (docs/BENCHMARKS.md,
// "Scaling"): spawn n + JoinAll, and n greenlets Sleep(1ms) + JoinAll,
// against goroutines (errgroup-like WaitGroup), at n = 10^3..10^6.
func BenchmarkScale(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000, 1_000_000} {
		per := func(b *testing.B) {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
		}
		b.Run(fmt.Sprintf("spawn/gevent/n=%d", n), func(b *testing.B) {
			gevent.Run(func() error {
				gs := make([]*gevent.Greenlet[int], n)
				for b.Loop() {
					for i := range gs {
						gs[i] = gevent.Spawn(func() (int, error) { return 1, nil })
					}
					gevent.JoinAll(gs)
				}
				per(b)
				return nil
			})
		})
		b.Run(fmt.Sprintf("spawn/go/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				var wg sync.WaitGroup
				for range n {
					wg.Go(func() {})
				}
				wg.Wait()
			}
			per(b)
		})
		b.Run(fmt.Sprintf("sleep/gevent/n=%d", n), func(b *testing.B) {
			gevent.Run(func() error {
				gs := make([]*gevent.Greenlet[struct{}], n)
				for b.Loop() {
					for i := range gs {
						gs[i] = gevent.Go(func() { gevent.Sleep(time.Millisecond) })
					}
					gevent.JoinAll(gs)
				}
				per(b)
				return nil
			})
		})
		b.Run(fmt.Sprintf("sleep/go/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				var wg sync.WaitGroup
				for range n {
					wg.Go(func() { time.Sleep(time.Millisecond) })
				}
				wg.Wait()
			}
			per(b)
		})
	}
}
