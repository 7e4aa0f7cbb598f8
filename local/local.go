// Package local provides greenlet-local storage (gevent.local.local).
//
// A Local[T] holds one value per greenlet: each greenlet sees only the
// value it set. Where gevent's local is a namespace of attributes, the Go
// shape is one typed Local per attribute (or a Local of a struct).
// NewWithInit gives each greenlet an initial value, made by a function at
// the greenlet's first read (gevent's local subclass with __init__).
//
// Values are keyed by the greenlet (gevent.GetCurrent) in a map owned by
// the Local; the first Set by a greenlet links a callback to it that
// deletes the entry when the greenlet dies, so a dead greenlet's values
// are freed (and the map shrinks once most entries are gone). The main
// greenlet's values live until they are deleted.
//
// Which goroutines may call what: any greenlet of any hub (a Local may be
// shared by hubs; a mutex guards it). From a hub callback, which is no
// greenlet, the calls see the hub's own slot, as gevent's local does.
package local

import (
	"errors"
	"sync"

	"github.com/gevent-go/gevent"
)

// ErrNotSet is returned by Value when the calling greenlet has set no
// value (gevent's AttributeError).
var ErrNotSet = errors.New("local: value not set in this greenlet")

type entry[T any] struct {
	v    T
	link gevent.LinkID
	main bool // a main greenlet: never linked
}

// Local is a value per greenlet. A zero Local is ready to use (a greenlet
// that set nothing reads no value); NewWithInit makes one whose greenlets
// start from an initial value. A Local must not be copied after first use.
type Local[T any] struct {
	mu   sync.Mutex
	m    map[gevent.AnyGreenlet]*entry[T]
	peak int // largest len(m) since the map was last rebuilt
	init func() T
}

// NewWithInit returns a Local whose value, in each greenlet, starts as
// init(): the first Get or Value of a greenlet that has no value calls init
// in that greenlet and stores its result, as Set would (gevent's local
// subclass with __init__ and class-level defaults). init runs once per
// greenlet, in the greenlet that reads, without the Local's lock held, so
// it may use other Locals; it should not block (if it does, the read waits
// with it; if it panics, nothing is stored). After Delete the next read
// calls init again. A nil init makes a plain Local.
func NewWithInit[T any](init func() T) *Local[T] {
	return &Local[T]{init: init}
}

// Get returns the calling greenlet's value and true, or the zero T and
// false if it has set none. For a Local made by NewWithInit, a greenlet
// that has no value gets init()'s result, now stored, and true.
func (l *Local[T]) Get() (T, bool) {
	g := gevent.GetCurrent()
	l.mu.Lock()
	e := l.m[g]
	l.mu.Unlock()
	if e == nil {
		if l.init != nil {
			return l.initialise(g), true
		}
		var zero T
		return zero, false
	}
	return e.v, true
}

// initialise calls init for greenlet g and stores the result, unless init
// itself set a value for g (then that value wins).
func (l *Local[T]) initialise(g gevent.AnyGreenlet) T {
	v := l.init()
	l.mu.Lock()
	e := l.m[g]
	l.mu.Unlock()
	if e != nil {
		return e.v
	}
	l.Set(v)
	return v
}

// Value returns the calling greenlet's value, or ErrNotSet (never for a
// Local made by NewWithInit).
func (l *Local[T]) Value() (T, error) {
	v, ok := l.Get()
	if !ok {
		return v, ErrNotSet
	}
	return v, nil
}

// Set sets the calling greenlet's value. It never blocks.
func (l *Local[T]) Set(v T) {
	g := gevent.GetCurrent()
	l.mu.Lock()
	if e := l.m[g]; e != nil {
		e.v = v
		l.mu.Unlock()
		return
	}
	if l.m == nil {
		l.m = make(map[gevent.AnyGreenlet]*entry[T])
	}
	e := &entry[T]{v: v}
	l.m[g] = e
	l.peak = max(l.peak, len(l.m))
	l.mu.Unlock()
	if g == nil || !g.Started() && !g.Dead() {
		// A hub callback (no greenlet) or a main greenlet, which never
		// dies: nothing to link to.
		e.main = true
		return
	}
	if g.Dead() {
		// A greenlet finishing (a deferred call): its links may already
		// have run; drop the value now rather than keep it forever.
		l.drop(g, e)
		return
	}
	e.link = g.Rawlink(func() { l.drop(g, e) })
}

// Delete removes the calling greenlet's value, if any; for a Local made by
// NewWithInit, the greenlet's next read calls init again.
func (l *Local[T]) Delete() {
	g := gevent.GetCurrent()
	l.mu.Lock()
	e := l.m[g]
	l.mu.Unlock()
	if e == nil {
		return
	}
	if !e.main && e.link != 0 {
		g.Unlink(e.link)
	}
	l.drop(g, e)
}

// Len returns the number of greenlets that have a value (set, or
// initialised by a read).
func (l *Local[T]) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// drop deletes g's entry if it is still e, and rebuilds the map when it has
// shrunk to a quarter of its peak (Go maps never give memory back).
func (l *Local[T]) drop(g gevent.AnyGreenlet, e *entry[T]) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m[g] != e {
		return
	}
	delete(l.m, g)
	if n := len(l.m); l.peak >= 1024 && n <= l.peak/4 {
		m := make(map[gevent.AnyGreenlet]*entry[T], n)
		for k, v := range l.m {
			m[k] = v
		}
		l.m, l.peak = m, n
	} else if n == 0 {
		l.m, l.peak = nil, 0
	}
}
