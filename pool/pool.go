package pool

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/queue"
)

// Unlimited, passed to NewPool, makes a pool that never gets full
// (gevent's Pool(None)): it tracks greenlets like a Group.
const Unlimited = math.MaxInt

var (
	// ErrPoolFull is returned by Pool.Add and Pool.Start when the pool is
	// full and the caller does not wait (timeout 0), or when the timeout
	// elapses first (that error also matches gevent.ErrTimeout); gevent's
	// PoolFull.
	ErrPoolFull error = &poolFull{}

	// ErrZeroSize is returned at once by Spawn, Add, Start and
	// WaitAvailable called without a timeout on a Pool of size 0, which can
	// never run anything (gevent blocks forever; its main greenlet gets
	// LoopExit). It matches ErrPoolFull.
	ErrZeroSize = fmt.Errorf("pool: a pool of size 0 never has a free slot: %w", ErrPoolFull)

	// ErrInvalidSize is returned by NewPool for a negative size.
	ErrInvalidSize = errors.New("pool: size must not be negative (pool.Unlimited for no limit)")
)

// poolFull is the type of ErrPoolFull.
type poolFull struct{}

func (*poolFull) Error() string { return "pool: pool is full" }

// Is makes ErrPoolFull a "full" error like the queue's, as gevent's
// PoolFull subclasses queue.Full: errors.Is(ErrPoolFull, queue.ErrFull).
func (*poolFull) Is(target error) bool { return target == queue.ErrFull }

// fullError is ErrPoolFull after a per-call timeout.
type fullError struct{ timeout error }

func (e *fullError) Error() string { return "pool: pool is full (" + e.timeout.Error() + ")" }

// Unwrap gives both ErrPoolFull and the timeout error (gevent.ErrTimeout).
func (e *fullError) Unwrap() []error { return []error{ErrPoolFull, e.timeout} }

// Pool is a Group with a maximum size (gevent's Pool): Spawn, Add and
// Start wait while the pool is full, and a greenlet that finishes frees its
// slot. The zero Pool is unlimited; create others with NewPool.
//
// Every Group method applies; the mapping functions (Map, IMapUnordered...)
// then run at most Size functions at once.
type Pool struct {
	Group
}

// NewPool returns a pool of the given size: at most size greenlets are
// members at once. Unlimited never gets full. A size of 0 makes a pool
// where nothing ever runs: Spawn and Add without a timeout return
// ErrZeroSize; with a timeout they wait it out and return ErrPoolFull
// (useful only with WaitAvailable and a timeout, as in gevent). A negative
// size returns ErrInvalidSize.
func NewPool(size int) (*Pool, error) {
	if size < 0 {
		return nil, fmt.Errorf("%w: %d", ErrInvalidSize, size)
	}
	p := &Pool{}
	if size != Unlimited {
		p.limited = true
		p.size = size
		p.avail = size
	}
	return p, nil
}

// MustPool is NewPool that panics on a negative size.
func MustPool(size int) *Pool {
	p, err := NewPool(size)
	if err != nil {
		panic(err)
	}
	return p
}

// Size returns the pool's size (Unlimited for an unlimited pool).
func (p *Pool) Size() int {
	if !p.limited {
		return Unlimited
	}
	return p.size
}

// FreeCount returns approximately how many more greenlets can be added
// without waiting: Size minus Len, at least 0 (gevent's free_count).
func (p *Pool) FreeCount() int { return max(0, p.Size()-p.Len()) }

// Add adds gl to the pool, waiting for a free slot (gevent's
// add(greenlet, blocking, timeout)); gl should not be started yet.
//
// Without a timeout it waits as long as it takes (a Pool of size 0 returns
// ErrZeroSize at once instead). With a timeout of 0 or less it does not
// wait: a full pool returns ErrPoolFull at once, without a switch. With a
// longer timeout it returns an error matching ErrPoolFull and
// gevent.ErrTimeout when it elapses. If the caller is killed or its
// Timeout scope fires, Add returns that error. On every error gl was not
// added and no slot is taken. Freed slots are handed to waiters in FIFO
// order by a hub callback; a caller that arrives while a slot is free takes
// it even if others wait for the callback (as gevent's Semaphore).
func (p *Pool) Add(gl gevent.AnyGreenlet, timeout ...time.Duration) error {
	return p.Group.Add(gl, timeout...)
}

// Start adds the unstarted gl as Add does, then starts it.
func (p *Pool) Start(gl Startable, timeout ...time.Duration) error {
	return p.Group.Start(gl, timeout...)
}
