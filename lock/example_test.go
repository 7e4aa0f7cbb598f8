package lock_test

import (
	"fmt"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/lock"
)

// The seed programs about semaphores. Each Output is what real gevent 22.10
// prints for the Python original named above it, run with /usr/bin/python3
// (the conformance suite runs the same programs beside their Go ports).

// Seeds 000/001/002/004: six workers share a BoundedSemaphore(2)
// (../conformance/testdata/seed_semaphore.py).
func ExampleBoundedSemaphore() {
	sem := lock.NewBoundedSemaphore(2)
	worker := func(n int) {
		sem.Acquire()
		fmt.Printf("Worker %d acquired semaphore\n", n)
		gevent.Sleep(0)
		sem.Release()
		fmt.Printf("Worker %d released semaphore\n", n)
	}
	var gs []*gevent.Greenlet[struct{}]
	for i := range 6 {
		gs = append(gs, gevent.Go(func() { worker(i) }))
	}
	gevent.JoinAll(gs)
	// Output:
	// Worker 0 acquired semaphore
	// Worker 1 acquired semaphore
	// Worker 0 released semaphore
	// Worker 1 released semaphore
	// Worker 2 acquired semaphore
	// Worker 3 acquired semaphore
	// Worker 2 released semaphore
	// Worker 3 released semaphore
	// Worker 4 acquired semaphore
	// Worker 5 acquired semaphore
	// Worker 4 released semaphore
	// Worker 5 released semaphore
}

// The seeds' second semaphore program: acquire/release for workers 0-1,
// then the `with sem:` form for workers 3-5. The original runs each batch
// with Pool().map; an unbounded pool's map spawns one greenlet per item and
// waits for them all, which is written here with gevent.Go and JoinAll in
// the same order (the pool package offers Map itself). The original is
// ../conformance/testdata/seed_pool_semaphore.py.
func ExampleBoundedSemaphore_With() {
	sem := lock.NewBoundedSemaphore(2)
	worker1 := func(n int) {
		sem.Acquire()
		fmt.Printf("Worker %d acquired semaphore\n", n)
		gevent.Sleep(0)
		sem.Release()
		fmt.Printf("Worker %d released semaphore\n", n)
	}
	worker2 := func(n int) {
		sem.With(func() error {
			fmt.Printf("Worker %d acquired semaphore\n", n)
			return gevent.Sleep(0)
		})
		fmt.Printf("Worker %d released semaphore\n", n)
	}
	poolMap := func(fn func(int), lo, hi int) {
		var gs []*gevent.Greenlet[struct{}]
		for i := lo; i < hi; i++ {
			gs = append(gs, gevent.Go(func() { fn(i) }))
		}
		gevent.JoinAll(gs)
	}
	poolMap(worker1, 0, 2)
	poolMap(worker2, 3, 6)
	// Output:
	// Worker 0 acquired semaphore
	// Worker 1 acquired semaphore
	// Worker 0 released semaphore
	// Worker 1 released semaphore
	// Worker 3 acquired semaphore
	// Worker 4 acquired semaphore
	// Worker 3 released semaphore
	// Worker 4 released semaphore
	// Worker 5 acquired semaphore
	// Worker 5 released semaphore
}

// A Lock serialises greenlets; an RLock may be re-acquired by its owner.
func ExampleRLock() {
	var rl lock.RLock
	gevent.Run(func() error {
		rl.Acquire()
		rl.Acquire() // the owner may re-acquire
		g := gevent.Spawn(func() (bool, error) { return rl.Acquire(0) })
		ok, _ := g.Get()
		fmt.Println("other greenlet acquired:", ok)
		fmt.Println(rl.Release(), rl.Release(), rl.Release())
		return nil
	})
	// Output:
	// other greenlet acquired: false
	// <nil> <nil> lock: cannot release un-acquired lock
}
