package gid

import (
	"math/rand/v2"
	"sync"
	"testing"
)

func TestRegistryTable(t *testing.T) {
	a, b, c := new(int), new(int), new(int)
	type op struct {
		set  bool
		k    uintptr
		v    *int
		want *int // for lookups
	}
	tests := []struct {
		name string
		ops  []op
	}{
		{"empty lookup", []op{{k: 8, want: nil}}},
		{"set then lookup", []op{{set: true, k: 8, v: a}, {k: 8, want: a}, {k: 16, want: nil}}},
		{"replace", []op{{set: true, k: 8, v: a}, {set: true, k: 8, v: b}, {k: 8, want: b}}},
		{"remove", []op{{set: true, k: 8, v: a}, {set: true, k: 8}, {k: 8, want: nil}}},
		{"remove absent", []op{{set: true, k: 8}, {k: 8, want: nil}}},
		{"reinsert after remove", []op{{set: true, k: 8, v: a}, {set: true, k: 8}, {set: true, k: 8, v: c}, {k: 8, want: c}}},
		{"neighbours survive a removal", []op{
			{set: true, k: 8, v: a}, {set: true, k: 16, v: b}, {set: true, k: 24, v: c},
			{set: true, k: 16}, {k: 8, want: a}, {k: 16, want: nil}, {k: 24, want: c}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r Registry[int]
			for i, o := range tc.ops {
				if o.set {
					r.Set(o.k, o.v)
					continue
				}
				if got := r.Lookup(o.k); got != o.want {
					t.Fatalf("op %d: Lookup(%d) = %p, want %p", i, o.k, got, o.want)
				}
			}
		})
	}
}

// TestRegistryModel drives a Registry and a map with the same random
// operations (growth, tombstones, reuse) and compares them after each.
func TestRegistryModel(t *testing.T) {
	var r Registry[int]
	model := map[uintptr]*int{}
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]int, 64)
	for step := range 200000 {
		// Keys look like aligned addresses from a few regions.
		k := uintptr(0xc000000000 + 8*rng.IntN(5000))
		if rng.IntN(3) == 0 {
			r.Set(k, nil)
			delete(model, k)
		} else {
			v := &vals[rng.IntN(len(vals))]
			r.Set(k, v)
			model[k] = v
		}
		if step%1000 == 0 {
			for mk, mv := range model {
				if got := r.Lookup(mk); got != mv {
					t.Fatalf("step %d: Lookup(%#x) = %p, want %p", step, mk, got, mv)
				}
			}
			if r.Len() != len(model) {
				t.Fatalf("step %d: Len = %d, want %d", step, r.Len(), len(model))
			}
		}
		if got := r.Lookup(k); got != model[k] {
			t.Fatalf("step %d: Lookup(%#x) = %p, want %p", step, k, got, model[k])
		}
	}
}

// TestRegistryOwnIdentityConcurrent: goroutines register, look up and
// remove their own identity while others do the same and the table grows
// and shrinks; each always sees its own value (run with -race).
func TestRegistryOwnIdentityConcurrent(t *testing.T) {
	var r Registry[int]
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			me := Get()
			for i := range 2000 {
				v := new(int)
				*v = w*10000 + i
				r.Set(me, v)
				for range 3 {
					if got := r.Lookup(me); got != v {
						t.Errorf("worker %d: own lookup returned %p, want %p", w, got, v)
						return
					}
				}
				if i%2 == 0 {
					r.Set(me, nil)
					if got := r.Lookup(me); got != nil {
						t.Errorf("worker %d: removed identity still found", w)
						return
					}
				}
			}
			r.Set(me, nil)
		}()
	}
	wg.Wait()
	if n := r.Len(); n != 0 {
		t.Fatalf("Len = %d after every goroutine removed itself, want 0", n)
	}
}

func TestRegistryRejectsReservedKeys(t *testing.T) {
	for _, k := range []uintptr{0, 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Set(%d) did not panic", k)
				}
			}()
			var r Registry[int]
			r.Set(k, new(int))
		}()
	}
}

func BenchmarkRegistryLookup(b *testing.B) {
	var r Registry[int]
	for i := range 1000 {
		r.Set(uintptr(0xc000000000+448*i), new(int))
	}
	me := Get()
	v := new(int)
	r.Set(me, v)
	for b.Loop() {
		if r.Lookup(Get()) != v {
			b.Fatal("lookup failed")
		}
	}
}
