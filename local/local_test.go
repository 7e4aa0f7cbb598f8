package local_test

import (
	"runtime"
	"slices"
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

// Issue 12 item 10: NewWithInit gives each greenlet its own initial value,
// made by init in that greenlet on its first read (gevent's local subclass
// with __init__); Set overrides it, Delete makes the next read init again,
// and a dead greenlet's value is freed.
func TestNewWithInitPerGreenlet(t *testing.T) {
	gevent.Run(func() error {
		calls := 0
		type state struct{ n, by int }
		ids := map[gevent.AnyGreenlet]int{}
		l := local.NewWithInit(func() *state {
			calls++
			return &state{n: 2, by: ids[gevent.GetCurrent()]}
		})
		var got []int
		var gs []*gevent.Greenlet[struct{}]
		for i := range 3 {
			g := gevent.Go(func() {
				s, ok := l.Get()
				if !ok || s.n != 2 {
					t.Errorf("greenlet %d: first Get %v %v", i, s, ok)
				}
				s.n += i // a pointer of its own: no other greenlet sees this
				gevent.Sleep(0)
				s2, _ := l.Value()
				if s2 != s {
					t.Errorf("greenlet %d: second read made a new value", i)
				}
				got = append(got, s2.by*10+s2.n)
			})
			ids[g] = i
			gs = append(gs, g)
		}
		gevent.JoinAll(gs)
		gevent.Sleep(0)
		if want := []int{2, 13, 24}; !slices.Equal(got, want) || calls != 3 {
			t.Errorf("got %v with %d init calls, want %v with 3", got, calls, want)
		}
		if n := l.Len(); n != 0 {
			t.Errorf("Len %d after the greenlets died, want 0", n)
		}
		// The main greenlet: init on first read, Set wins, Delete re-inits.
		if v, err := l.Value(); err != nil || v.n != 2 || calls != 4 {
			t.Errorf("main: %v %v after %d calls", v, err, calls)
		}
		l.Set(&state{n: 7})
		if v, _ := l.Get(); v.n != 7 || calls != 4 {
			t.Errorf("main after Set: %v (%d calls)", v, calls)
		}
		l.Delete()
		if v, _ := l.Get(); v.n != 2 || calls != 5 {
			t.Errorf("main after Delete: %v (%d calls)", v, calls)
		}
		return nil
	})
}
