package gid

import (
	"sync"
	"sync/atomic"
)

// Registry maps goroutine identities (values of Get) to values of type V.
//
// It is built for one access pattern: a goroutine registers its own
// identity, looks it up often, and removes it before it exits (identities
// are reused once a goroutine has exited). Lookup is lock-free, a few loads
// with no atomic read-modify-write, so that it can run on every operation
// of a hot path; Set takes a mutex and is meant for rarer events (a
// goroutine starting or ending its role). The zero Registry is empty and
// ready to use; it is safe for concurrent use. It holds a fixed array of
// fastSlots entries (64 KiB on 64-bit machines): declare it as a global.
//
// Layout: a direct-mapped array, where most identities live and a lookup
// is two loads from one cache line, and behind it an open-addressing table
// for identities whose array slot is taken.
//
// Consistency: a goroutine that looks up its own identity always sees the
// last value it set. A lookup of another goroutine's identity may miss a
// concurrent Set.
type Registry[V any] struct {
	fast  [fastSlots]slot[V]
	spill atomic.Int64 // identities in tab

	mu    sync.Mutex
	tab   atomic.Pointer[table[V]]
	live  int // keys present in tab
	used  int // slots of tab not empty: live keys and tombstones
	nFast int
}

const (
	fastBits  = 12
	fastSlots = 1 << fastBits
)

func fastIndex(k uintptr) uintptr {
	return uintptr((uint64(k) * 0x9E3779B97F4A7C15) >> (64 - fastBits))
}

type table[V any] struct {
	shift uint // 64 - log2(len(slots))
	mask  uintptr
	slots []slot[V]
}

type slot[V any] struct {
	key atomic.Uintptr // 0: empty; tombstone: removed
	val atomic.Pointer[V]
}

// tombstone marks a removed key of the table; claimed marks a slot of the
// array being filled. Identities are addresses of runtime structures or
// goroutine ids; neither is ever 1.
const (
	tombstone = 1
	claimed   = 1
)

const minSlots = 64

// hash spreads identities (aligned addresses) over the table (Fibonacci
// hashing: the top bits of the product).
func (t *table[V]) index(k uintptr) uintptr {
	return uintptr((uint64(k) * 0x9E3779B97F4A7C15) >> t.shift)
}

// Lookup returns the value registered for identity k, or nil.
func (r *Registry[V]) Lookup(k uintptr) *V {
	s := &r.fast[fastIndex(k)]
	if s.key.Load() == k {
		return s.val.Load()
	}
	if r.spill.Load() == 0 {
		return nil
	}
	return r.lookupSpilled(k)
}

func (r *Registry[V]) lookupSpilled(k uintptr) *V {
	t := r.tab.Load()
	if t == nil {
		return nil
	}
	for i := t.index(k); ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		switch s.key.Load() {
		case k:
			return s.val.Load()
		case 0:
			return nil
		}
	}
}

// Set registers v for identity k, replacing any earlier value; a nil v
// removes k. k must not be 0 or 1. Only k's own goroutine may set k.
func (r *Registry[V]) Set(k uintptr, v *V) {
	if k <= tombstone {
		panic("gid: Registry.Set: invalid identity")
	}
	f := &r.fast[fastIndex(k)]
	// Without the mutex: a slot that holds k is changed only by k's
	// goroutine, the caller; an empty slot is claimed with a CAS (other
	// goroutines may want it too), and only when nothing is spilled, so
	// that k cannot also be in the table.
	if f.key.Load() == k {
		f.val.Store(v)
		if v == nil {
			f.key.Store(0)
		}
		return
	}
	if v != nil && r.spill.Load() == 0 && f.key.CompareAndSwap(0, claimed) {
		// Value first: a reader that finds the key finds its value.
		f.val.Store(v)
		f.key.Store(k)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.tab.Load()
	if t != nil {
		if s := t.find(k); s != nil {
			s.val.Store(v)
			if v == nil {
				s.key.Store(tombstone)
				r.live--
				r.spill.Add(-1)
			}
			return
		}
	}
	if v == nil {
		return
	}
	if f.key.CompareAndSwap(0, claimed) {
		f.val.Store(v)
		f.key.Store(k)
		return
	}
	if t == nil || 4*(r.used+1) > 3*len(t.slots) {
		t = r.rebuild(t)
	}
	i := t.index(k)
	for {
		s := &t.slots[i]
		key := s.key.Load()
		if key == 0 || key == tombstone {
			if key == 0 {
				r.used++
			}
			s.val.Store(v)
			s.key.Store(k)
			r.live++
			r.spill.Add(1)
			return
		}
		i = (i + 1) & t.mask
	}
}

// find returns the slot holding k, or nil.
func (t *table[V]) find(k uintptr) *slot[V] {
	for i := t.index(k); ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		switch s.key.Load() {
		case k:
			return s
		case 0:
			return nil
		}
	}
}

// rebuild copies the live keys of old into a fresh table with room to
// grow, drops the tombstones, and publishes it. Readers still probing old
// finish there; old is never written again.
func (r *Registry[V]) rebuild(old *table[V]) *table[V] {
	n := minSlots
	for 2*(r.live+1) > n {
		n *= 2
	}
	bits := uint(0)
	for 1<<bits < n {
		bits++
	}
	t := &table[V]{shift: 64 - bits, mask: uintptr(n - 1), slots: make([]slot[V], n)}
	if old != nil {
		for i := range old.slots {
			s := &old.slots[i]
			k := s.key.Load()
			if k == 0 || k == tombstone {
				continue
			}
			j := t.index(k)
			for t.slots[j].key.Load() != 0 {
				j = (j + 1) & t.mask
			}
			t.slots[j].val.Store(s.val.Load())
			t.slots[j].key.Store(k)
		}
	}
	r.used = r.live
	r.tab.Store(t)
	return t
}

// Len returns the number of identities registered (for tests: it scans
// the array).
func (r *Registry[V]) Len() int {
	n := 0
	for i := range r.fast {
		if r.fast[i].key.Load() > claimed {
			n++
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return n + r.live
}
