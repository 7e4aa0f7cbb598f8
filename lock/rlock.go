package lock

import (
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/onhub"
)

// RLock is a reentrant lock owned by a greenlet (gevent.lock.RLock): the
// owner may acquire it again, and must release it as many times; a release
// by another greenlet is an error. A zero RLock is unlocked.
type RLock struct {
	block Lock
	owner gevent.AnyGreenlet
	count int
}

// Acquire takes the lock for the calling greenlet, or counts one more
// acquisition if it already owns it.
//
// It waits while another greenlet owns the lock. With a timeout (0 or
// negative: do not wait, but still yield once, as gevent's
// acquire(timeout=0); TryAcquire never yields) it returns (false, nil) when
// the timeout elapses first. If the caller is killed or its Timeout scope
// fires, it returns (false, that error). On false nothing is held. Waiters
// get the lock in FIFO order, never overtaken. From a hub callback, which
// is no greenlet, it returns (false, gevent.ErrBlockingSwitchOut).
func (r *RLock) Acquire(timeout ...time.Duration) (bool, error) {
	r.block.read("RLock.Acquire")
	if _, err := onhub.Blocking("lock", "RLock.Acquire"); err != nil {
		return false, err
	}
	me := gevent.GetCurrent()
	if r.owner == me {
		r.count++
		return true, nil
	}
	ok, err := r.block.Acquire(timeout...)
	if ok {
		r.owner, r.count = me, 1
	}
	return ok, err
}

// TryAcquire takes the lock for the calling greenlet if no other greenlet
// owns it or waits for it, or counts one more acquisition if the caller
// owns it, without blocking or yielding (gevent's acquire(blocking=False)).
// It reports whether the caller now holds the lock; on false nothing
// changed. From a hub callback, which is no greenlet and cannot own the
// lock, it returns false.
func (r *RLock) TryAcquire() bool {
	r.block.read("RLock.TryAcquire")
	me := gevent.GetCurrent()
	if me == nil {
		return false
	}
	if r.count > 0 && r.owner == me {
		r.count++
		return true
	}
	if !r.block.TryAcquire() {
		return false
	}
	r.owner, r.count = me, 1
	return true
}

// Release undoes one Acquire by the owner; the last one unlocks the lock
// and hands it to the first waiter. A caller that does not own the lock
// gets ErrNotOwner and nothing changes.
func (r *RLock) Release() error {
	r.block.read("RLock.Release")
	if r.count == 0 || r.owner != gevent.GetCurrent() {
		return ErrNotOwner
	}
	r.count--
	if r.count == 0 {
		r.owner = nil
		return r.block.Release()
	}
	return nil
}

// Locked reports whether some greenlet owns the lock.
func (r *RLock) Locked() bool { r.block.read("RLock.Locked"); return r.count > 0 }

// Owner returns the greenlet that owns the lock, or nil.
func (r *RLock) Owner() gevent.AnyGreenlet { r.block.read("RLock.Owner"); return r.owner }

// With acquires the lock, runs fn and releases it (gevent's `with rlock:`).
// If Acquire fails, fn does not run and the error is returned.
func (r *RLock) With(fn func() error) error {
	if _, err := r.Acquire(); err != nil {
		return err
	}
	defer r.Release()
	return fn()
}

// DummySemaphore has the Semaphore interface but never blocks: Acquire
// always succeeds and Release does nothing (gevent.lock.DummySemaphore,
// what an unbounded Pool uses). A zero DummySemaphore is ready.
type DummySemaphore struct{}

// Acquire returns (true, nil) at once.
func (DummySemaphore) Acquire(timeout ...time.Duration) (bool, error) { return true, nil }

// TryAcquire returns true.
func (DummySemaphore) TryAcquire() bool { return true }

// Release does nothing.
func (DummySemaphore) Release() {}

// Wait returns 1 at once.
func (DummySemaphore) Wait(timeout ...time.Duration) (int, error) { return 1, nil }

// Locked returns false.
func (DummySemaphore) Locked() bool { return false }

// With runs fn.
func (DummySemaphore) With(fn func() error) error { return fn() }
