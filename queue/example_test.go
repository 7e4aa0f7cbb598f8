package queue_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/queue"
)

// The seed programs about queues. Each Output is what real gevent 22.10
// prints for the Python original named above it, run with /usr/bin/python3
// (the conformance suite runs the same programs beside their Go ports).

// Seeds 001/002/004: a boss fills the queue with PutNowait, then three
// workers drain it. (Seed 001 puts tasks 1-9, the others 1-24; this is the
// longer one: ../conformance/testdata/seed_queue_tasks.py.)
func ExampleQueue() {
	var tasks queue.Queue[int]
	worker := func(n string) {
		for !tasks.Empty() {
			task, _ := tasks.Get()
			fmt.Printf("Worker %s got task %d\n", n, task)
			gevent.Sleep(0)
		}
		fmt.Println("Quitting time!")
	}
	boss := func() {
		for i := 1; i < 25; i++ {
			tasks.PutNowait(i)
		}
	}
	gevent.Go(boss).Join()
	gevent.JoinAll([]*gevent.Greenlet[struct{}]{
		gevent.Go(func() { worker("steve") }),
		gevent.Go(func() { worker("john") }),
		gevent.Go(func() { worker("nancy") }),
	})
	// Output:
	// Worker steve got task 1
	// Worker john got task 2
	// Worker nancy got task 3
	// Worker steve got task 4
	// Worker john got task 5
	// Worker nancy got task 6
	// Worker steve got task 7
	// Worker john got task 8
	// Worker nancy got task 9
	// Worker steve got task 10
	// Worker john got task 11
	// Worker nancy got task 12
	// Worker steve got task 13
	// Worker john got task 14
	// Worker nancy got task 15
	// Worker steve got task 16
	// Worker john got task 17
	// Worker nancy got task 18
	// Worker steve got task 19
	// Worker john got task 20
	// Worker nancy got task 21
	// Worker steve got task 22
	// Worker john got task 23
	// Worker nancy got task 24
	// Quitting time!
	// Quitting time!
	// Quitting time!
}

// Seed 002: Queue(maxsize=3); the boss blocks while the queue is full and
// the workers quit when Get(timeout) reports ErrEmpty. The seed's 1 s
// timeout is shortened to 50 ms (the output does not depend on it). The
// order is gevent 22.10's (the seed text shows an older one). The original
// is ../conformance/testdata/seed_queue_maxsize.py.
func ExampleNewQueue() {
	tasks := queue.NewQueue[int](3)
	worker := func(n string) {
		for {
			task, err := tasks.Get(50 * time.Millisecond) // seed: timeout=1
			if errors.Is(err, queue.ErrEmpty) {
				fmt.Println("Quitting time!")
				return
			}
			fmt.Printf("Worker %s got task %d\n", n, task)
			gevent.Sleep(0)
		}
	}
	boss := func() {
		for i := 1; i < 10; i++ {
			tasks.Put(i)
		}
		fmt.Println("Assigned all work in iteration 1")
		for i := 10; i < 20; i++ {
			tasks.Put(i)
		}
		fmt.Println("Assigned all work in iteration 2")
	}
	gevent.JoinAll([]*gevent.Greenlet[struct{}]{
		gevent.Go(boss),
		gevent.Go(func() { worker("steve") }),
		gevent.Go(func() { worker("john") }),
		gevent.Go(func() { worker("bob") }),
	})
	// Output:
	// Worker steve got task 1
	// Worker john got task 2
	// Worker bob got task 3
	// Worker steve got task 4
	// Worker john got task 5
	// Worker bob got task 6
	// Assigned all work in iteration 1
	// Worker steve got task 7
	// Worker john got task 8
	// Worker bob got task 9
	// Worker steve got task 10
	// Worker john got task 11
	// Worker bob got task 12
	// Worker steve got task 13
	// Worker john got task 14
	// Worker bob got task 15
	// Worker steve got task 16
	// Worker john got task 17
	// Worker bob got task 18
	// Assigned all work in iteration 2
	// Worker steve got task 19
	// Quitting time!
	// Quitting time!
	// Quitting time!
}

// Seed 000: a producer and three consumers. The seed's print('%s Quit')
// forgets its argument, so Python prints "%s Quit" literally
// (../conformance/testdata/seed_queue_products.py).
func ExampleQueue_Put() {
	var products queue.Queue[int]
	consumer := func(name string) {
		for !products.Empty() {
			p, _ := products.Get()
			fmt.Printf("%s got product %d\n", name, p)
			gevent.Sleep(0)
		}
		fmt.Printf("%s Quit\n", "%s") // the seed prints "%s Quit" literally
	}
	producer := func() {
		for i := 1; i < 10; i++ {
			products.Put(i)
		}
	}
	gevent.JoinAll([]*gevent.Greenlet[struct{}]{
		gevent.Go(producer),
		gevent.Go(func() { consumer("steve") }),
		gevent.Go(func() { consumer("john") }),
		gevent.Go(func() { consumer("nancy") }),
	})
	// Output:
	// steve got product 1
	// john got product 2
	// nancy got product 3
	// steve got product 4
	// john got product 5
	// nancy got product 6
	// steve got product 7
	// john got product 8
	// nancy got product 9
	// %s Quit
	// %s Quit
	// %s Quit
}

// actor is seed 001's Actor: a greenlet with an inbox.
type actor struct {
	gevent.Greenlet[struct{}]
	inbox   queue.Queue[string]
	receive func(string)
}

func newActor(receive func(string)) *actor {
	a := &actor{receive: receive}
	a.Init(func() (struct{}, error) {
		for range 3 { // the seed loops forever; three messages each end it
			msg, err := a.inbox.Get()
			if err != nil {
				return struct{}{}, err
			}
			a.receive(msg)
		}
		return struct{}{}, nil
	})
	return a
}

// Seed 001: two actors play ping-pong through their inboxes. The original
// is ../conformance/testdata/seed_actors.py; this example prints its lines
// but the last (the inbox lengths).
func ExampleQueue_actors() {
	var ping, pong *actor
	ping = newActor(func(m string) {
		fmt.Println(m)
		pong.inbox.Put("ping")
		gevent.Sleep(0)
	})
	pong = newActor(func(m string) {
		fmt.Println(m)
		ping.inbox.Put("pong")
		gevent.Sleep(0)
	})
	ping.Start()
	pong.Start()
	ping.inbox.Put("start")
	gevent.JoinAll([]gevent.AnyGreenlet{ping, pong})
	// Output:
	// start
	// ping
	// pong
	// ping
	// pong
	// ping
}
