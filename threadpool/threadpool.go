// Package threadpool runs blocking or CPU-bound functions off the hub, on
// goroutines (and so on OS threads, in parallel with the hub), and wakes
// the waiting greenlet when they finish: gevent's gevent.threadpool.
//
// It is the bridge for work that would otherwise stop every greenlet of a
// hub: CPU-bound computation, file I/O, cgo calls, and libraries that block
// in ways the hub cannot see. Wrap one call in Apply and the hub keeps
// serving its other greenlets while the call runs:
//
//	data, err := threadpool.Apply(nil, func() ([]byte, error) {
//		return os.ReadFile(name)
//	})
//
// A ThreadPool is not bound to a hub: greenlets of any number of hubs may
// share one, and its methods are safe from any goroutine. Spawn, Apply and
// Map must be called from a greenlet (the hub of the caller is the one
// woken when the work finishes); the Result they return belongs to that
// hub.
//
// While a job is outstanding the caller's hub is held (Hub.Hold), so a main
// greenlet waiting for it does not get gevent.ErrLoopExit.
//
// Kill and timeouts stop the wait, not the work: Go cannot stop a goroutine
// from outside, so a function that has started runs to completion and its
// result is dropped. A job that has not started yet when its only waiter
// gives up (Apply) or when Result.Cancel is called is dropped without
// running. Functions that can stop early should take a context and watch
// it (see ApplyContext).
package threadpool

import (
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/onhub"
)

// ErrCancelled is the error of a Result whose job was cancelled before it
// started (Result.Cancel, or Apply's waiter giving up).
var ErrCancelled = errors.New("threadpool: job cancelled before it started")

// ThreadPool runs functions on at most MaxSize goroutines at once; further
// jobs wait in a FIFO queue. A zero ThreadPool is not valid: use New.
// Worker goroutines are started on demand and exit when the queue is
// empty, so an idle pool holds no goroutines.
type ThreadPool struct {
	mu      sync.Mutex
	max     int
	running int    // worker goroutines
	queue   []*job // waiting jobs, FIFO
	head    int
}

// job states
const (
	jobQueued int32 = iota
	jobRunning
	jobCancelled
)

type job struct {
	state   atomic.Int32
	run     func()
	release func() // the hub hold
}

// New returns a pool that runs at most max functions at once (max < 1
// means runtime.NumCPU()).
func New(max int) *ThreadPool {
	if max < 1 {
		max = runtime.NumCPU()
	}
	return &ThreadPool{max: max}
}

var (
	defaultOnce sync.Once
	defaultPool *ThreadPool
)

// DefaultMaxSize is the size of the default pool (gevent's default
// threadpool has 10 threads).
const DefaultMaxSize = 10

// Default returns the process-wide default pool (DefaultMaxSize workers),
// the one used when a nil *ThreadPool is passed and by the resolver.
func Default() *ThreadPool {
	defaultOnce.Do(func() { defaultPool = New(DefaultMaxSize) })
	return defaultPool
}

func orDefault(p *ThreadPool) *ThreadPool {
	if p == nil {
		return Default()
	}
	return p
}

// MaxSize returns the most functions the pool runs at once.
func (p *ThreadPool) MaxSize() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.max
}

// SetMaxSize changes the bound (n < 1 means runtime.NumCPU()). Raising it
// starts workers for queued jobs at once; lowering it lets running jobs
// finish.
func (p *ThreadPool) SetMaxSize(n int) {
	if n < 1 {
		n = runtime.NumCPU()
	}
	p.mu.Lock()
	p.max = n
	var start []*job
	for p.running < p.max && p.head < len(p.queue) {
		start = append(start, p.pop())
		p.running++
	}
	p.mu.Unlock()
	for _, j := range start {
		go p.worker(j)
	}
}

// Running returns how many worker goroutines are running jobs.
func (p *ThreadPool) Running() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running
}

// Queued returns how many jobs wait for a worker.
func (p *ThreadPool) Queued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.queue) - p.head
}

func (p *ThreadPool) pop() *job {
	j := p.queue[p.head]
	p.queue[p.head] = nil
	p.head++
	if p.head == len(p.queue) {
		p.queue, p.head = p.queue[:0], 0
	}
	return j
}

// submit queues j and reports whether it started a worker for it.
func (p *ThreadPool) submit(j *job) bool {
	p.mu.Lock()
	if p.running < p.max {
		p.running++
		p.mu.Unlock()
		go p.worker(j)
		return true
	}
	p.queue = append(p.queue, j)
	p.mu.Unlock()
	return false
}

func (p *ThreadPool) worker(j *job) {
	for {
		if j.state.CompareAndSwap(jobQueued, jobRunning) {
			j.run()
		}
		p.mu.Lock()
		if p.head == len(p.queue) || p.running > p.max {
			p.running--
			p.mu.Unlock()
			return
		}
		j = p.pop()
		p.mu.Unlock()
	}
}

// Result is the outcome of a function run by a pool: gevent's AsyncResult
// as returned by ThreadPool.spawn. It implements gevent.Waitable, so
// gevent.Wait, IWait and JoinAll-style helpers accept it. It belongs to the
// hub of the greenlet that spawned it: its methods must be called from
// greenlets or callbacks of that hub.
type Result[T any] struct {
	hub   *gevent.Hub
	job   *job
	ready bool
	value T
	err   error
	links gevent.Links // waiters and raw links, in the order they came
}

// Spawn queues fn on p (nil: the default pool) and returns its Result at
// once; fn runs on a worker goroutine as soon as one is free (FIFO). Unlike
// gevent's spawn, which blocks the caller while every thread is busy,
// Spawn never blocks: jobs beyond MaxSize wait in the pool's queue. A
// panic in fn becomes the Result's error, a *gevent.PanicError.
//
// Must be called from a greenlet (or hub callback); the caller's hub is
// held until the result is set or the job cancelled.
func Spawn[T any](p *ThreadPool, fn func() (T, error)) *Result[T] {
	p = orDefault(p)
	h := onhub.Get("threadpool", "Spawn")
	r := &Result[T]{hub: h}
	j := &job{release: h.Hold()}
	r.job = j
	j.run = func() {
		v, err := call(fn)
		if !h.Post(func() {
			r.set(v, err)
			j.release()
		}) {
			j.release()
		}
	}
	if p.submit(j) {
		// Let the new worker start on this thread now. Otherwise it waits
		// in this P's run queue while the hub thread sleeps in epoll_wait,
		// until another thread is woken to steal it or sysmon retakes the
		// P: tens of microseconds on a busy machine. A short function then
		// finishes before the caller even parks.
		runtime.Gosched()
	}
	return r
}

func call[T any](fn func() (T, error)) (v T, err error) {
	defer func() {
		if x := recover(); x != nil {
			err = &gevent.PanicError{Value: x, Stack: debug.Stack()}
		}
	}()
	return fn()
}

// set makes r ready and schedules the notification of its waiters and
// raw links, in the order they came (gevent's AsyncResult.set). Called in
// the hub.
func (r *Result[T]) set(v T, err error) {
	if r.ready {
		return
	}
	r.ready = true
	r.value, r.err = v, err
	r.links.Fire()
}

func (r *Result[T]) check(op string) {
	if !r.hub.OnHub() {
		onhub.Wrong("threadpool", "Result."+op, "result")
	}
}

// Ready reports whether the function has finished (or the job was
// cancelled) and its result was delivered to the hub.
func (r *Result[T]) Ready() bool { r.check("Ready"); return r.ready }

// Successful reports whether the result is ready and the function returned
// a nil error.
func (r *Result[T]) Successful() bool { r.check("Successful"); return r.ready && r.err == nil }

// Value returns the function's value, or the zero T if it is not ready or
// failed.
func (r *Result[T]) Value() T {
	r.check("Value")
	if r.err != nil {
		var zero T
		return zero
	}
	return r.value
}

// Err returns the function's error (gevent's exception), ErrCancelled, or
// nil if it succeeded or is not ready.
func (r *Result[T]) Err() error { r.check("Err"); return r.err }

// Rawlink arranges for fn to run once in the hub when the result is ready
// (gevent.Waitable).
func (r *Result[T]) Rawlink(fn func()) gevent.LinkID {
	r.check("Rawlink")
	return r.links.Add(fn, r.ready)
}

// Unlink removes a link that has not run.
func (r *Result[T]) Unlink(id gevent.LinkID) { r.check("Unlink"); r.links.Remove(id) }

// Wait waits until the result is ready and returns nil (gevent's
// AsyncResult.wait, without its value).
//
// With a timeout (absent: no limit; 0 or negative: do not wait;
// gevent.Forever: no limit) it returns an error matching gevent.ErrTimeout
// when the timeout elapses first. On kill, or when a Timeout scope of the
// caller fires, it returns that error. Either way the job is left as it is:
// it still runs, and the result is still set when it finishes. Waiters and
// raw links are notified in the order they came, from one hub callback
// after the result is set; a Wait on a ready result returns at once unless
// that notification is still under way (then it waits behind it, as
// gevent's). From a hub callback it returns gevent.ErrBlockingSwitchOut.
func (r *Result[T]) Wait(timeout ...time.Duration) error {
	r.check("Wait")
	if r.ready {
		// Behind a notification still under way, as gevent's wait.
		return r.links.WaitPending()
	}
	return r.links.Wait(waitDuration(timeout))
}

// Get waits like Wait and then returns the function's value and error.
// On timeout, kill or a Timeout scope it returns the zero T and that error,
// and the job is left running (see Wait).
func (r *Result[T]) Get(timeout ...time.Duration) (T, error) {
	r.check("Get")
	if r.ready {
		return r.value, r.err // gevent's get does not wait when ready
	}
	if err := r.Wait(timeout...); err != nil {
		var zero T
		return zero, err
	}
	return r.value, r.err
}

// Cancel drops the job if it has not started: the result becomes ready
// with ErrCancelled (its waiters wake) and the function never runs. It
// reports whether it did; a job that started runs to completion.
func (r *Result[T]) Cancel() bool {
	r.check("Cancel")
	if !r.job.state.CompareAndSwap(jobQueued, jobCancelled) {
		return false
	}
	r.job.release()
	var zero T
	r.set(zero, ErrCancelled)
	return true
}

// waitDuration maps the module's timeout convention onto WaitList.Wait.
func waitDuration(timeout []time.Duration) time.Duration {
	if len(timeout) == 0 || timeout[0] == gevent.Forever {
		return -1
	}
	return max(timeout[0], 0)
}

// Apply runs fn on p (nil: the default pool) and waits for its result:
// gevent's ThreadPool.apply. The hub runs other greenlets meanwhile.
//
// It waits for fn to return, however long that takes. Pass a timeout
// through a gevent.Timeout scope. On kill or a Timeout scope it returns
// that error at once; fn, if it has started, runs to completion on its
// goroutine and its result is dropped; if it has not started it never
// runs. Callers waiting on the same pool are served in FIFO order of their
// calls. A panic in fn is returned as a *gevent.PanicError.
func Apply[T any](p *ThreadPool, fn func() (T, error)) (T, error) {
	r := Spawn(p, fn)
	v, err := r.Get()
	if err != nil && !r.ready {
		r.Cancel()
	}
	return v, err
}

// ApplyContext is Apply for a function that can stop early: fn gets a
// context derived from ctx that is also cancelled, with the error as its
// cause, when the caller stops waiting (kill, Timeout scope), so fn can
// watch ctx.Done() and return. ctx being cancelled does not by itself end
// the wait: fn is expected to notice it and return.
func ApplyContext[T any](p *ThreadPool, ctx context.Context, fn func(ctx context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r := Spawn(p, func() (T, error) { return fn(ctx) })
	v, err := r.Get()
	if err != nil && !r.ready {
		cancel(err)
		r.Cancel()
	}
	return v, err
}

// Map runs fn on every item on p (nil: the default pool), at most MaxSize
// at once, and returns the results in the order of items: gevent's
// ThreadPool.map.
//
// It waits for every call to finish. If a call fails, Map returns the
// error of the first failing item (in item order) with nil results, after
// cancelling the calls that have not started. On kill or a Timeout scope it
// returns that error at once, with the same cancellation; calls already
// running finish on their own.
func Map[T, R any](p *ThreadPool, fn func(T) (R, error), items []T) ([]R, error) {
	rs := make([]*Result[R], len(items))
	for i, it := range items {
		rs[i] = Spawn(p, func() (R, error) { return fn(it) })
	}
	out := make([]R, len(items))
	for i, r := range rs {
		v, err := r.Get()
		if err != nil {
			for _, r := range rs[i:] {
				r.Cancel()
			}
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
