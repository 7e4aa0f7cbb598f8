package lock_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/blocktest"
	"github.com/gevent-go/gevent/lock"
)

func boolTimeout(ok bool, err error) error {
	if err == nil && !ok {
		return gevent.ErrTimeout
	}
	return err
}

func TestBlockingContract(t *testing.T) {
	blocktest.Check(t, blocktest.Op{Name: "Semaphore.Acquire", Setup: func() blocktest.Op {
		s := lock.NewSemaphore(0)
		return blocktest.Op{
			Block:       func() error { return boolTimeout(s.Acquire()) },
			WithTimeout: func(d time.Duration) error { return boolTimeout(s.Acquire(d)) },
		}
	}})
	blocktest.Check(t, blocktest.Op{Name: "Semaphore.Wait", Setup: func() blocktest.Op {
		s := lock.NewSemaphore(0)
		return blocktest.Op{
			Block: func() error { _, err := s.Wait(); return err },
		}
	}})
	blocktest.Check(t, blocktest.Op{Name: "RLock.Acquire", Setup: func() blocktest.Op {
		var r lock.RLock
		gevent.Go(func() { r.Acquire(); gevent.Sleep(time.Hour) })
		gevent.Sleep(0)
		return blocktest.Op{
			Block:       func() error { return boolTimeout(r.Acquire()) },
			WithTimeout: func(d time.Duration) error { return boolTimeout(r.Acquire(d)) },
		}
	}})
}

// FIFO: a waiter is never overtaken, and a waiter that timed out or was
// killed takes no permit.
func TestFIFONeverOvertaken(t *testing.T) {
	gevent.Run(func() error {
		var l lock.Lock
		l.Acquire()
		var got []int
		var gs []*gevent.Greenlet[struct{}]
		for i := range 6 {
			gs = append(gs, gevent.Go(func() {
				var d []time.Duration
				if i == 2 {
					d = append(d, time.Millisecond)
				}
				ok, err := l.Acquire(d...)
				if !ok || err != nil {
					return
				}
				got = append(got, i)
				l.Release()
			}))
		}
		gevent.Sleep(0)
		gs[4].Kill(nil, true)
		gevent.Sleep(10 * time.Millisecond)
		l.Release()
		// A newcomer while permits are being handed out queues last.
		late := gevent.Go(func() { l.Acquire(); got = append(got, 99); l.Release() })
		gevent.JoinAll(append(gs, late))
		if want := []int{0, 1, 3, 5, 99}; !slices.Equal(got, want) {
			t.Errorf("order %v, want %v", got, want)
		}
		if l.Value() != 1 {
			t.Errorf("value %d, want 1", l.Value())
		}
		return nil
	})
}

func TestBounded(t *testing.T) {
	gevent.Run(func() error {
		var b lock.BoundedSemaphore // zero: value 1
		if err := b.Release(); err != lock.ErrReleasedTooManyTimes {
			t.Errorf("over-release: %v", err)
		}
		b.Acquire()
		if err := b.Release(); err != nil {
			t.Errorf("release: %v", err)
		}
		s := lock.NewSemaphore(1)
		s.Release()
		if s.Value() != 2 {
			t.Errorf("Semaphore may exceed its initial value: %d", s.Value())
		}
		return nil
	})
}

func TestRLockOwner(t *testing.T) {
	gevent.Run(func() error {
		var r lock.RLock
		r.Acquire()
		g := gevent.GoErr(func() error { return r.Release() })
		g.Join()
		if g.Err() != lock.ErrNotOwner {
			t.Errorf("non-owner release: %v", g.Err())
		}
		if err := r.Release(); err != nil || r.Locked() {
			t.Errorf("owner release: %v locked=%v", err, r.Locked())
		}
		return nil
	})
}

func TestSemaphoreWaitAndLink(t *testing.T) {
	gevent.Run(func() error {
		s := lock.NewSemaphore(0)
		fired := false
		s.Rawlink(func() { fired = true })
		w := gevent.Spawn(func() (int, error) { return s.Wait() })
		gevent.Sleep(0)
		s.Release()
		if n, err := w.Get(); n != 1 || err != nil {
			t.Errorf("Wait = %d %v", n, err)
		}
		gevent.Sleep(0)
		if !fired || s.Value() != 1 {
			t.Errorf("link fired=%v value=%d", fired, s.Value())
		}
		var d lock.DummySemaphore
		if ok, _ := d.Acquire(); !ok {
			t.Error("DummySemaphore.Acquire")
		}
		return nil
	})
}

// BenchmarkSemaphoreUncontended: Acquire + Release with a free permit.
func BenchmarkSemaphoreUncontended(b *testing.B) {
	gevent.Run(func() error {
		s := lock.NewSemaphore(1)
		for b.Loop() {
			s.Acquire()
			s.Release()
		}
		return nil
	})
}

// BenchmarkMutexAnchor: sync.Mutex Lock + Unlock, for comparison.
func BenchmarkMutexAnchor(b *testing.B) {
	var mu sync.Mutex
	for b.Loop() {
		mu.Lock()
		mu.Unlock()
	}
}

// Misuse panics start with "lock: " and say what to use instead.
func TestPanicMessagesSayWhatToUse(t *testing.T) {
	msg := func(f func()) (s string) {
		defer func() { s, _ = recover().(string) }()
		f()
		return ""
	}
	if m := msg(func() { lock.NewSemaphore(-1) }); !strings.HasPrefix(m, "lock: ") || !strings.Contains(m, "pass 0 or more") {
		t.Errorf("NewSemaphore(-1) panic %q", m)
	}
	gevent.Run(func() error {
		var s lock.Semaphore
		s.TryAcquire() // binds s to this hub
		done := make(chan string)
		go func() { done <- msg(func() { s.Release() }) }()
		if m := <-done; !strings.HasPrefix(m, "lock: ") || !strings.Contains(m, "Hub.Submit") {
			t.Errorf("Release from a goroutine: panic %q", m)
		}
		return nil
	})
}

// noSwitch runs f with another greenlet ready to run and reports whether
// that greenlet ran before f returned (a switch).
func noSwitch(t *testing.T, name string, f func()) {
	t.Helper()
	ran := 0
	g := gevent.Go(func() { ran++ })
	f()
	if ran != 0 {
		t.Errorf("%s switched: a ready greenlet ran before it returned", name)
	}
	g.Join()
}

// Issue 12 item 5: the non-blocking forms (gevent's acquire(blocking=False))
// never switch, whether they succeed or fail.
func TestNonBlockingNeverSwitches(t *testing.T) {
	gevent.Run(func() error {
		want := func(name string, got, w bool) {
			if got != w {
				t.Errorf("%s = %v, want %v", name, got, w)
			}
		}
		s0 := lock.NewSemaphore(0)
		noSwitch(t, "Semaphore.TryAcquire (none free)", func() { want("TryAcquire", s0.TryAcquire(), false) })
		var s lock.Semaphore
		noSwitch(t, "Semaphore.TryAcquire", func() { want("TryAcquire", s.TryAcquire(), true) })
		noSwitch(t, "Semaphore.Acquire (free)", func() { s.Release(); s.Acquire() })
		noSwitch(t, "Semaphore.Release", func() { s.Release() })
		b := lock.NewBoundedSemaphore(1)
		noSwitch(t, "BoundedSemaphore.TryAcquire", func() { want("TryAcquire", b.TryAcquire(), true) })
		noSwitch(t, "BoundedSemaphore.TryAcquire (none free)", func() { want("TryAcquire", b.TryAcquire(), false) })
		noSwitch(t, "BoundedSemaphore.Release", func() { b.Release() })
		var l lock.Lock
		noSwitch(t, "Lock.TryAcquire", func() { want("TryAcquire", l.TryAcquire(), true) })
		noSwitch(t, "Lock.TryAcquire (held)", func() { want("TryAcquire", l.TryAcquire(), false) })
		var d lock.DummySemaphore
		noSwitch(t, "DummySemaphore.TryAcquire", func() { want("TryAcquire", d.TryAcquire(), true) })

		var r lock.RLock
		noSwitch(t, "RLock.TryAcquire", func() { want("RLock.TryAcquire", r.TryAcquire(), true) })
		noSwitch(t, "RLock.TryAcquire (owner again)", func() { want("RLock.TryAcquire", r.TryAcquire(), true) })
		noSwitch(t, "RLock.Acquire (owner again)", func() { r.Acquire() })
		for range 3 {
			r.Release()
		}
		// Held by another greenlet: TryAcquire fails without switching.
		holder := gevent.Go(func() { r.Acquire(); gevent.Sleep(time.Hour) })
		gevent.Sleep(0)
		noSwitch(t, "RLock.TryAcquire (owned by another)", func() { want("RLock.TryAcquire", r.TryAcquire(), false) })
		if r.Owner() != holder {
			t.Errorf("owner %v, want the holder", r.Owner())
		}
		return holder.Kill(nil, true)
	})
}
