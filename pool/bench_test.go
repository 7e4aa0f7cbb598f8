package pool_test

import (
	"iter"
	"sync"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/pool"
)

// Benchmarks of the pool package, side by side with errgroup.SetLimit and
// a channel-based goroutine worker pool doing the same work, and with the
// two Go anchors (channel ping-pong, iter.Pull round trip) measured in the
// same run: figures on a shared machine only mean something next to them.
//
//	go test -run XXX -bench . ./pool
//
// Each benchmark's ns/op is per item (per task).

func trivial(i int) (int, error) { return i + 1, nil }

func seqN(n int) iter.Seq[int] { return rangeSeq(n) }

// --- IMapUnordered over a Pool(100), trivial function (gevent: 11,528 ns) ---

func BenchmarkIMapUnorderedPool100(b *testing.B) {
	gevent.Run(func() error {
		p := pool.MustPool(100)
		sum := 0
		b.ResetTimer()
		for v, err := range pool.IMapUnordered(p, trivial, seqN(b.N)) {
			if err != nil {
				b.Fatal(err)
			}
			sum += v
		}
		return nil
	})
}

func BenchmarkIMapUnorderedPool100_Errgroup(b *testing.B) {
	var g errgroup.Group
	g.SetLimit(100)
	out := make(chan int, 1024)
	done := make(chan int)
	go func() {
		sum := 0
		for v := range out {
			sum += v
		}
		done <- sum
	}()
	b.ResetTimer()
	for i := range b.N {
		g.Go(func() error {
			v, err := trivial(i)
			out <- v
			return err
		})
	}
	g.Wait()
	close(out)
	<-done
}

func BenchmarkIMapUnorderedPool100_ChanWorkers(b *testing.B) {
	chanWorkers(b, 100, b.N)
}

// chanWorkers: workers goroutines read items from a channel and send
// results to another, which the caller reads (a goroutine imap_unordered).
func chanWorkers(b *testing.B, workers, n int) {
	in := make(chan int, workers)
	out := make(chan int, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range in {
				v, _ := trivial(i)
				out <- v
			}
		}()
	}
	go func() {
		for i := range n {
			in <- i
		}
		close(in)
		wg.Wait()
		close(out)
	}()
	sum := 0
	for v := range out {
		sum += v
	}
}

// --- Group.Map over 100k items, per item ---

const mapN = 100_000

func BenchmarkGroupMap100k(b *testing.B) {
	gevent.Run(func() error {
		var g pool.Group
		for b.Loop() {
			out, err := pool.Map(&g, trivial, seqN(mapN))
			if err != nil || len(out) != mapN {
				b.Fatal(err)
			}
		}
		return nil
	})
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*mapN), "ns/item")
}

func BenchmarkGroupMap100k_Errgroup(b *testing.B) {
	for b.Loop() {
		var g errgroup.Group
		out := make([]int, mapN)
		for i := range mapN {
			g.Go(func() (err error) { out[i], err = trivial(i); return })
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*mapN), "ns/item")
}

func BenchmarkGroupMap100k_ChanWorkers(b *testing.B) {
	for b.Loop() {
		chanWorkers(b, 100, mapN)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*mapN), "ns/item")
}

// --- Pool.Spawn + completion with the pool full, per task ---

func BenchmarkPoolSpawnFull(b *testing.B) {
	gevent.Run(func() error {
		p := pool.MustPool(100)
		fn := func() {}
		b.ResetTimer()
		for range b.N {
			if _, err := p.Go(fn); err != nil {
				b.Fatal(err)
			}
		}
		return p.Join()
	})
}

func BenchmarkPoolSpawnFull_Errgroup(b *testing.B) {
	var g errgroup.Group
	g.SetLimit(100)
	fn := func() error { return nil }
	for b.Loop() {
		g.Go(fn)
	}
	g.Wait()
}

func BenchmarkPoolSpawnFull_ChanWorkers(b *testing.B) {
	chanWorkers(b, 100, b.N)
}

// --- Anchors, in the same run ---

func BenchmarkAnchorChanPingPong(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
		close(pong)
	}()
	for i := 0; b.Loop(); i++ {
		ping <- i
		<-pong
	}
	close(ping)
}

func BenchmarkAnchorIterPull(b *testing.B) {
	next, stop := iter.Pull(func(yield func(int) bool) {
		for i := 0; yield(i); i++ {
		}
	})
	defer stop()
	for b.Loop() {
		next()
	}
}
