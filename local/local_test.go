package local_test

import (
	"runtime"
	"testing"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/local"
)

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// spawnAll runs n greenlets running fn and waits for them all.
func spawnAll(n int, fn func()) {
	gs := make([]*gevent.Greenlet[struct{}], n)
	for i := range gs {
		gs[i] = gevent.Go(fn)
	}
	gevent.JoinAll(gs)
	gevent.Sleep(0)
}

// TestValuesFreedAtDeath: 100k greenlets each store 1 KiB; once they are
// dead the Local is empty and the memory is returned to the heap.
//
// The Go runtime never frees goroutine descriptors (about 500 bytes each,
// reused by later goroutines), so a first batch of 100k greenlets that
// store nothing sets the baseline.
func TestValuesFreedAtDeath(t *testing.T) {
	const n = 100_000
	var l local.Local[[]byte]
	gevent.Run(func() error {
		spawnAll(n, func() { gevent.Sleep(0) })
		before := heapInUse()
		var peak uint64
		gs := make([]*gevent.Greenlet[struct{}], n)
		for i := range gs {
			gs[i] = gevent.Go(func() {
				l.Set(make([]byte, 1024))
				gevent.Sleep(0)
			})
		}
		gevent.Sleep(0) // all have set their value and wait in Sleep(0)
		if got := l.Len(); got != n {
			t.Fatalf("Len = %d while alive, want %d", got, n)
		}
		peak = heapInUse()
		gevent.JoinAll(gs)
		gevent.Sleep(0) // the death links run
		if got := l.Len(); got != 0 {
			t.Fatalf("Len = %d after death, want 0", got)
		}
		gs = nil
		after := heapInUse()
		t.Logf("heap in use: before %d MiB, alive %d MiB, after %d MiB", before>>20, peak>>20, after>>20)
		if peak < before+n*1024 {
			t.Fatalf("peak %d not above before %d + values: measurement broken", peak, before)
		}
		// Generous: at least 90% of the values' memory is back.
		if after > before+n*1024/10 {
			t.Errorf("heap after death %d MiB, before %d MiB: values not freed", after>>20, before>>20)
		}
		return nil
	})
	runtime.KeepAlive(&l)
}

func TestPerGreenletIsolation(t *testing.T) {
	gevent.Run(func() error {
		var l local.Local[int]
		l.Set(-1) // main greenlet
		var gs []*gevent.Greenlet[int]
		for i := range 10 {
			gs = append(gs, gevent.Spawn(func() (int, error) {
				if _, ok := l.Get(); ok {
					t.Errorf("greenlet %d sees a value before setting one", i)
				}
				l.Set(i)
				gevent.Sleep(0)
				v, err := l.Value()
				return v, err
			}))
		}
		gevent.JoinAll(gs)
		for i, g := range gs {
			if v, err := g.Get(); v != i || err != nil {
				t.Errorf("greenlet %d read %d, %v", i, v, err)
			}
		}
		if v, _ := l.Get(); v != -1 {
			t.Errorf("main sees %d, want -1", v)
		}
		l.Delete()
		if _, err := l.Value(); err != local.ErrNotSet {
			t.Errorf("after Delete: %v, want ErrNotSet", err)
		}
		return nil
	})
}

func TestSetInDeferAfterDeathLinks(t *testing.T) {
	gevent.Run(func() error {
		var l local.Local[int]
		g := gevent.Go(func() { l.Set(1); l.Delete(); l.Set(2) })
		g.Join()
		gevent.Sleep(0)
		if l.Len() != 0 {
			t.Errorf("Len = %d after the greenlet died", l.Len())
		}
		return nil
	})
}

func BenchmarkLocalGet(b *testing.B) {
	gevent.Run(func() error {
		var l local.Local[int]
		g := gevent.Go(func() {
			l.Set(1)
			for b.Loop() {
				l.Get()
			}
		})
		g.Join()
		return nil
	})
}
