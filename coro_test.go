package gevent

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/gevent-go/gevent/internal/gid"
)

// A finished greenlet's coroutine runs the next greenlet spawned, which has
// its own identity: GetCurrent, name, Context, Done and the registry.
func TestCoroutineReusedWithFreshIdentity(t *testing.T) {
	Run(func() error {
		var idA, idB uintptr
		a := Go(func() { idA = uintptr(gid.Current()) })
		a.SetName("a")
		ctxA := a.Context()
		a.Join()
		if ctxA.Err() == nil {
			t.Fatal("a's context not cancelled when a finished")
		}
		var cur AnyGreenlet
		var ctxErr error
		b := Spawn(func() (int, error) {
			idB = uintptr(gid.Current())
			cur = GetCurrent()
			if identities.Lookup(gid.Get()) != &cur.(*Greenlet[int]).g {
				t.Error("registry does not map the coroutine to b")
			}
			ctxErr = GetCurrent().Context().Err()
			return 2, Sleep(0)
		})
		if err := b.Join(); err != nil {
			t.Fatal(err)
		}
		if idA == 0 || idA != idB {
			t.Fatalf("b ran on goroutine %d, a on %d: coroutine not reused", idB, idA)
		}
		if cur != AnyGreenlet(b) || b.Name() != "Greenlet-0" || a.Name() != "a" {
			t.Fatalf("GetCurrent in b = %v, names %q %q", cur, b.Name(), a.Name())
		}
		if ctxErr != nil || b.Value() != 2 || !a.Dead() {
			t.Fatalf("b's context %v in b, value %d", ctxErr, b.Value())
		}
		select {
		case <-b.Done():
		default:
			t.Fatal("b's Done not closed")
		}
		if h := GetHub(); h.freeCoros == nil || identities.Lookup(h.freeCoros.gid) != nil {
			t.Fatal("no parked coroutine, or a parked coroutine is still registered")
		}
		return nil
	})
}

// The coroutine of a greenlet that was killed, and of one unwound by a
// further kill, runs the next greenlet cleanly: nothing of the kill or of
// the unwinding carries over.
func TestCoroutineReusedAfterKillAndUnwind(t *testing.T) {
	Run(func() error {
		var ids []uintptr
		stubborn := Go(func() {
			ids = append(ids, uintptr(gid.Current()))
			defer func() { Sleep(0) }()
			for {
				Sleep(time.Hour) // ignores kills: unwound by the second
			}
		})
		Sleep(0)
		if err := stubborn.Kill(nil, true, 10*time.Millisecond); !errors.Is(err, ErrTimeout) {
			t.Fatalf("first kill: %v", err)
		}
		stubborn.Kill(errors.New("again"), true)
		if !stubborn.Dead() {
			t.Fatal("stubborn survived two kills")
		}
		killed := Go(func() {
			ids = append(ids, uintptr(gid.Current()))
			Sleep(time.Hour)
		})
		Sleep(0)
		killed.Kill(nil, true)
		var errs []error
		clean := Go(func() {
			ids = append(ids, uintptr(gid.Current()))
			errs = append(errs, Sleep(0), Sleep(time.Millisecond))
			var e error
			Go(func() {}).Join()
			errs = append(errs, e, GetCurrent().Context().Err())
		})
		if err := clean.Join(); err != nil || !clean.Successful() {
			t.Fatalf("clean: %v", err)
		}
		if len(ids) != 3 || ids[0] != ids[1] || ids[1] != ids[2] {
			t.Fatalf("goroutines %d: coroutines not reused", ids)
		}
		for _, err := range errs {
			if err != nil {
				t.Fatalf("a blocking call of the next greenlet failed: %v", err)
			}
		}
		// And a kill of the reused coroutine's greenlet works as usual.
		again := Go(func() { Sleep(time.Hour) })
		Sleep(0)
		if err := again.Kill(nil, true, time.Second); err != nil || !again.Dead() {
			t.Fatalf("kill of a greenlet on a reused coroutine: %v", err)
		}
		return nil
	})
}

// A coroutine whose greenlet called runtime.Goexit is never reused.
func TestGoexitCoroutineNotReused(t *testing.T) {
	Run(func() error {
		h := GetHub()
		h.SetErrorHandler(func(AnyGreenlet, error) {})
		Go(func() {}).Join() // one coroutine parked
		if h.nFree != 1 {
			t.Fatalf("%d parked coroutines, want 1", h.nFree)
		}
		var id, next uintptr
		g := Go(func() { id = gid.Get(); runtime.Goexit() })
		g.Join()
		if h.nFree != 0 {
			t.Fatalf("%d parked coroutines after a Goexit, want 0", h.nFree)
		}
		n := Go(func() { next = gid.Get() })
		n.Join()
		if !errors.Is(g.Err(), errGoexit) || next == 0 || !n.Successful() {
			t.Fatalf("Goexit greenlet: %v; next %#x %v", g.Err(), next, n.Err())
		}
		Sleep(0) // the reaper runs
		if h.nFree != 1 {
			t.Fatalf("%d parked coroutines, want 1", h.nFree)
		}
		_ = id
		return nil
	})
}

// The free list is bounded, and Run's end stops the parked coroutines: no
// goroutine is left behind.
func TestParkedCoroutinesStoppedByShutdown(t *testing.T) {
	before := runtime.NumGoroutine()
	var parked int
	Run(func() error {
		gs := make([]*Greenlet[struct{}], 3*maxFreeCoros)
		for i := range gs {
			gs[i] = Go(func() { Sleep(time.Millisecond) })
		}
		JoinAll(gs)
		parked = GetHub().nFree
		return nil
	})
	if parked != maxFreeCoros {
		t.Fatalf("%d parked coroutines, want the bound %d", parked, maxFreeCoros)
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("%d goroutines before Run, %d after", before, after)
	}
}

var _ = context.Canceled

//go:noinline
func deepStack(n int) int {
	var buf [1024]byte
	buf[n%1024] = byte(n)
	if n == 0 {
		return int(buf[0])
	}
	return deepStack(n-1) + int(buf[n%1024])
}

// TestParkedCoroutineStacksShrink: the stacks that coroutines grew while
// their greenlets ran are given back while they wait on the free list (the
// GC halves a waiting goroutine's stack when it uses under a quarter of
// it), so a big free list does not keep big stacks.
func TestParkedCoroutineStacksShrink(t *testing.T) {
	Run(func() error {
		gs := make([]*Greenlet[struct{}], 200)
		for i := range gs {
			gs[i] = Go(func() { deepStack(200); Sleep(0) })
		}
		JoinAll(gs)
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak := m.StackInuse
		for range 6 {
			runtime.GC()
		}
		runtime.ReadMemStats(&m)
		if h := GetHub(); h.nFree < len(gs) {
			t.Fatalf("%d coroutines parked, want %d", h.nFree, len(gs))
		}
		if m.StackInuse > peak/4 {
			t.Fatalf("stacks in use %d KB after 6 GCs, %d KB at the peak: parked stacks were not shrunk", m.StackInuse/1024, peak/1024)
		}
		return nil
	})
}
