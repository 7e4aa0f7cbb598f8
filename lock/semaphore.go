// Package lock provides gevent.lock's primitives for greenlets: Semaphore,
// BoundedSemaphore, Lock, RLock and DummySemaphore.
//
// Which goroutines may call what: an object binds to the hub of the first
// greenlet that blocks on it or links to it. Its methods must be called
// from greenlets (or, for the non-blocking ones, hub callbacks) of that
// hub; a blocking call from another goroutine panics with a message
// starting with "lock: ".
//
// Fairness: waiters are served strictly in FIFO order and are never
// overtaken: while a greenlet waits, a new Acquire queues behind it even if
// a permit is free (gevent lets such a caller take the permit; this is the
// one place where the Go port is stricter). Wake-up timing and order are
// gevent's: a Release schedules one hub callback that, while a permit is
// free, takes the waiting Acquire and Wait calls and the raw links in the
// order they came (one list, gevent's _links), switching to each waiting
// greenlet in turn; each runs until it blocks before the next is taken.
package lock

import (
	"errors"
	"fmt"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/onhub"
)

var (
	// ErrReleasedTooManyTimes is returned by BoundedSemaphore.Release and
	// Lock.Release when the value would exceed the initial value (gevent's
	// ValueError "Semaphore released too many times").
	ErrReleasedTooManyTimes = errors.New("lock: semaphore released too many times")

	// ErrNotOwner is returned by RLock.Release when the caller does not
	// hold the lock (gevent's RuntimeError "cannot release un-acquired
	// lock").
	ErrNotOwner = errors.New("lock: cannot release un-acquired lock")
)

func duration(timeout []time.Duration) time.Duration {
	if len(timeout) == 0 || timeout[0] == gevent.Forever {
		return -1
	}
	return max(timeout[0], 0)
}

// ownTimeout reports whether err is a WaitList's per-call timeout (not a
// Timeout scope or a kill).
func ownTimeout(err error) bool {
	if !errors.Is(err, gevent.ErrTimeout) {
		return false
	}
	var t *gevent.Timeout
	return !errors.As(err, &t)
}

// Semaphore is a counter of permits (gevent.lock.Semaphore): Acquire takes
// one, waiting while there are none; Release gives one back and may raise
// the counter above its initial value. A Semaphore does not track which
// greenlet holds a permit.
//
// A zero Semaphore has value 1, as gevent's Semaphore(); NewSemaphore sets
// another value.
type Semaphore struct {
	hub     *gevent.Hub
	counter int
	initial int
	inited  bool
	// links holds, in the order they came, the greenlets blocked in
	// Acquire and in Wait and the raw links: gevent's _links, notified
	// while a permit is free.
	links     gevent.Links
	acquirers int // greenlets blocked in Acquire
}

// NewSemaphore returns a Semaphore of value n; n < 0 panics.
func NewSemaphore(n int) *Semaphore {
	s := &Semaphore{}
	s.init(n)
	return s
}

func (s *Semaphore) init(n int) {
	if n < 0 {
		panic(fmt.Sprintf("lock: semaphore initial value %d < 0; pass 0 or more (0: every Acquire waits for a Release)", n))
	}
	s.counter, s.initial, s.inited = n, n, true
}

func (s *Semaphore) lazy() {
	if !s.inited {
		s.counter, s.initial, s.inited = 1, 1, true
	}
}

// check binds s to the caller's hub (or checks the caller) for a call that
// does not block.
func (s *Semaphore) check(op string) {
	if s.hub == nil {
		s.setHub(onhub.Get("lock", op))
	} else if !s.hub.OnHub() {
		onhub.Wrong("lock", op, "semaphore")
	}
}

// read panics if s is bound to a hub and the caller is not on it.
func (s *Semaphore) read(op string) {
	if s.hub != nil && !s.hub.OnHub() {
		onhub.Wrong("lock", op, "semaphore")
	}
}

// bind binds s to the caller's hub for a blocking call or a link.
func (s *Semaphore) bind(op string) (*gevent.Hub, error) {
	if s.hub == nil {
		h, err := onhub.Blocking("lock", op)
		s.setHub(h)
		return h, err
	}
	if !s.hub.OnHub() {
		onhub.Wrong("lock", op, "semaphore")
	}
	if s.hub.InCallback() {
		return s.hub, gevent.ErrBlockingSwitchOut
	}
	return s.hub, nil
}

// setHub binds s to h on first use.
func (s *Semaphore) setHub(h *gevent.Hub) {
	s.hub = h
	s.links.SetReady(s.Ready, true) // once: a method value allocates
}

// Value returns the number of permits free (gevent's counter).
func (s *Semaphore) Value() int { s.read("Semaphore.Value"); s.lazy(); return s.counter }

// Locked reports whether Acquire would block: no permit is free, or
// greenlets are already waiting for one.
func (s *Semaphore) Locked() bool {
	s.read("Semaphore.Locked")
	s.lazy()
	return s.counter <= 0 || s.acquirers > 0
}

// Ready reports whether a permit is free (gevent.Waitable).
func (s *Semaphore) Ready() bool { s.read("Semaphore.Ready"); s.lazy(); return s.counter > 0 }

// Acquire takes a permit, waiting for one if none is free or if other
// greenlets are already waiting.
//
// It returns (true, nil) once it holds a permit. With a timeout (0 or
// negative: do not wait, but still yield once, as gevent's
// acquire(timeout=0); TryAcquire never yields) it returns (false, nil) when
// the timeout elapses first. If the caller is killed or its Timeout scope
// fires, it returns (false, that error). On false the counter is unchanged
// and the caller holds nothing: a permit handed to a waiter that is being
// interrupted is kept by it (true, nil) and the interrupt is delivered by
// its next blocking call. Waiters are served in FIFO order and never
// overtaken. From a hub callback it takes a free permit if it can without
// overtaking, else returns (false, gevent.ErrBlockingSwitchOut).
func (s *Semaphore) Acquire(timeout ...time.Duration) (bool, error) {
	s.lazy()
	s.check("Semaphore.Acquire")
	if s.counter > 0 && s.acquirers == 0 {
		s.counter--
		return true, nil
	}
	if _, err := s.bind("Semaphore.Acquire"); err != nil {
		return false, err
	}
	s.acquirers++
	err := s.links.Wait(duration(timeout))
	s.acquirers--
	if err == nil {
		// Resumed by a run of the links, at once and only while a permit
		// is free: nothing ran in between, so the permit is ours.
		s.counter--
		return true, nil
	}
	if ownTimeout(err) {
		return false, nil
	}
	return false, err
}

// TryAcquire takes a permit if one is free and nobody waits, without
// blocking or yielding (gevent's acquire(blocking=False)).
func (s *Semaphore) TryAcquire() bool {
	s.lazy()
	s.check("Semaphore.TryAcquire")
	if s.counter > 0 && s.acquirers == 0 {
		s.counter--
		return true
	}
	return false
}

// Release gives a permit back. If greenlets wait (in Acquire or Wait) or
// raw links are registered, a hub callback is scheduled that notifies
// them in the order they came while a permit is free: an Acquire takes the
// permit, a Wait returns, a link runs (gevent's _notify_links). Release
// never blocks and may be called from a hub callback. The counter may
// exceed its initial value (see BoundedSemaphore).
func (s *Semaphore) Release() {
	s.lazy()
	s.check("Semaphore.Release")
	s.counter++
	s.links.Fire()
}

// Wait waits until a permit is free, without taking it, and returns the
// number of free permits (which may be 0 again by then: gevent's wait).
//
// It returns at once if a permit is free. With a timeout (0 or negative:
// do not wait, but still yield once) it returns the counter and nil when
// the timeout elapses. If the caller is killed or its Timeout scope fires,
// it returns the counter and that error. Nothing is consumed. Waiting
// Acquire and Wait calls and raw links are notified in the order they came.
func (s *Semaphore) Wait(timeout ...time.Duration) (int, error) {
	s.read("Semaphore.Wait")
	s.lazy()
	if s.counter > 0 {
		return s.counter, nil
	}
	if _, err := s.bind("Semaphore.Wait"); err != nil {
		return s.counter, err
	}
	err := s.links.Wait(duration(timeout))
	if err != nil && !ownTimeout(err) {
		return s.counter, err
	}
	return s.counter, nil
}

// With acquires a permit, runs fn and releases it (gevent's `with sem:`).
// If Acquire fails (kill, Timeout scope), fn does not run and the error is
// returned; otherwise fn's error.
func (s *Semaphore) With(fn func() error) error {
	if _, err := s.Acquire(); err != nil {
		return err
	}
	defer s.Release()
	return fn()
}

// Rawlink arranges for fn to run in the hub (it must not block) when a
// permit is free; at the next loop iteration if one is. A link runs once,
// in its turn among the waiting Acquire and Wait calls (the order they
// came), while a permit is free.
func (s *Semaphore) Rawlink(fn func()) gevent.LinkID {
	s.lazy()
	if s.hub == nil {
		s.setHub(onhub.Get("lock", "Semaphore.Rawlink"))
	} else if !s.hub.OnHub() {
		onhub.Wrong("lock", "Semaphore.Rawlink", "semaphore")
	}
	return s.links.Add(fn, s.counter > 0)
}

// Unlink removes a link that has not run yet.
func (s *Semaphore) Unlink(id gevent.LinkID) { s.read("Semaphore.Unlink"); s.links.Remove(id) }

var _ gevent.Waitable = (*Semaphore)(nil)

// BoundedSemaphore is a Semaphore whose counter may not exceed its initial
// value: releasing past it is an error (gevent.lock.BoundedSemaphore). A
// zero BoundedSemaphore has value 1.
type BoundedSemaphore struct {
	Semaphore
}

// NewBoundedSemaphore returns a BoundedSemaphore of value n; n < 0 panics.
func NewBoundedSemaphore(n int) *BoundedSemaphore {
	b := &BoundedSemaphore{}
	b.Semaphore.init(n)
	return b
}

// Release gives a permit back, as Semaphore.Release does; if that would
// raise the counter past the initial value it returns
// ErrReleasedTooManyTimes and changes nothing.
func (b *BoundedSemaphore) Release() error {
	b.read("BoundedSemaphore.Release")
	b.lazy()
	if b.counter >= b.initial {
		return ErrReleasedTooManyTimes
	}
	b.Semaphore.Release()
	return nil
}

// With acquires a permit, runs fn and releases it; see Semaphore.With.
func (b *BoundedSemaphore) With(fn func() error) error {
	if _, err := b.Acquire(); err != nil {
		return err
	}
	defer b.Release()
	return fn()
}

// Lock is a mutual-exclusion lock for greenlets: a BoundedSemaphore of
// value 1 (gevent.lock.Semaphore(1), threading.Lock under monkey
// patching). It is not owned: any greenlet may release it. A zero Lock is
// unlocked.
type Lock struct {
	BoundedSemaphore
}
