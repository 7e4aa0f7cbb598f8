package gid

import (
	"iter"
	"sync"
	"testing"
)

func TestDistinctAcrossGoroutines(t *testing.T) {
	const n = 64
	ids := make([]uintptr, n)
	var wg, read sync.WaitGroup
	block := make(chan struct{})
	for i := range n {
		wg.Add(1)
		read.Add(1)
		go func() {
			defer wg.Done()
			ids[i] = Get()
			read.Done()
			<-block // keep every goroutine alive until all have read their id
		}()
	}
	read.Wait()
	close(block)
	wg.Wait()
	seen := map[uintptr]bool{Get(): true}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("identity %#x seen twice", id)
		}
		seen[id] = true
	}
}

func TestStableWithinGoroutine(t *testing.T) {
	a := Get()
	for range 100 {
		if Get() != a {
			t.Fatal("identity changed within one goroutine")
		}
	}
}

func TestCoroutineHasOwnIdentity(t *testing.T) {
	outer := Get()
	var inner uintptr
	next, stop := iter.Pull(func(yield func(int) bool) {
		inner = Get()
		yield(1)
		if Get() != inner {
			t.Error("coroutine identity changed across a switch")
		}
	})
	next()
	if inner == 0 || inner == outer {
		t.Fatalf("coroutine identity %#x, caller %#x: want distinct", inner, outer)
	}
	if Get() != outer {
		t.Fatal("caller identity changed after resuming a coroutine")
	}
	next()
	stop()
}

func BenchmarkGet(b *testing.B) {
	for b.Loop() {
		_ = Get()
	}
}
