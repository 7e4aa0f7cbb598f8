package event_test

import (
	"fmt"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
)

// The seed programs about events. Each Output is what real gevent 22.10
// prints for the Python original named above it, run with /usr/bin/python3
// (the conformance suite runs the same programs beside their Go ports).
// The seeds' 3 s sleeps are shortened to 30 ms: the order does not depend
// on the length.

// Seed 000: five waiters wait for an Event that a setter sets later
// (../conformance/testdata/seed_event.py).
func ExampleEvent() {
	var evt event.Event
	setter := func() {
		fmt.Println("Wait for me")
		gevent.Sleep(30 * time.Millisecond) // seed: 3 s
		fmt.Println("Ok, I'm done")
		evt.Set()
	}
	waiter := func() {
		fmt.Println("I'll wait for you")
		evt.Wait()
		fmt.Println("Finish waiting")
	}
	gs := []*gevent.Greenlet[struct{}]{gevent.Go(setter)}
	for range 5 {
		gs = append(gs, gevent.Go(waiter))
	}
	gevent.JoinAll(gs)
	// Output:
	// Wait for me
	// I'll wait for you
	// I'll wait for you
	// I'll wait for you
	// I'll wait for you
	// I'll wait for you
	// Ok, I'm done
	// Finish waiting
	// Finish waiting
	// Finish waiting
	// Finish waiting
	// Finish waiting
}

// Seed 001: the same with three waiters and other words
// (../conformance/testdata/seed_event_001.py).
func ExampleEvent_threeWaiters() {
	var evt event.Event
	setter := func() {
		fmt.Println("A: Hey wait for me, I have to do something")
		gevent.Sleep(30 * time.Millisecond) // seed: 3 s
		fmt.Println("Ok, I'm done")
		evt.Set()
	}
	waiter := func() {
		fmt.Println("I'll wait for you")
		evt.Wait()
		fmt.Println("It's about time")
	}
	gevent.JoinAll([]*gevent.Greenlet[struct{}]{
		gevent.Go(setter), gevent.Go(waiter), gevent.Go(waiter), gevent.Go(waiter),
	})
	// Output:
	// A: Hey wait for me, I have to do something
	// I'll wait for you
	// I'll wait for you
	// I'll wait for you
	// Ok, I'm done
	// It's about time
	// It's about time
	// It's about time
}

// Seed 000: the Event program with an AsyncResult that carries a message
// (../conformance/testdata/seed_asyncresult.py).
func ExampleAsyncResult() {
	var aevt event.AsyncResult[string]
	setter := func() {
		fmt.Println("Wait for me")
		gevent.Sleep(30 * time.Millisecond) // seed: 3 s
		fmt.Println("Ok, I'm done")
		aevt.Set("Hello!")
	}
	waiter := func() {
		fmt.Println("I'll wait for you")
		message, _ := aevt.Get()
		fmt.Printf("Got wake up message: %s\n", message)
	}
	gs := []*gevent.Greenlet[struct{}]{gevent.Go(setter)}
	for range 5 {
		gs = append(gs, gevent.Go(waiter))
	}
	gevent.JoinAll(gs)
	// Output:
	// Wait for me
	// I'll wait for you
	// I'll wait for you
	// I'll wait for you
	// I'll wait for you
	// I'll wait for you
	// Ok, I'm done
	// Got wake up message: Hello!
	// Got wake up message: Hello!
	// Got wake up message: Hello!
	// Got wake up message: Hello!
	// Got wake up message: Hello!
}

// Seed 001: a waiter prints the value a setter stores later (the first
// program of ../conformance/testdata/seed_asyncresult_001.py).
func ExampleAsyncResult_Get() {
	var a event.AsyncResult[string]
	setter := func() {
		gevent.Sleep(30 * time.Millisecond) // seed: 3 s
		a.Set("Hello!")
	}
	waiter := func() {
		v, _ := a.Get()
		fmt.Println(v)
	}
	gevent.JoinAll([]*gevent.Greenlet[struct{}]{gevent.Go(setter), gevent.Go(waiter)})
	// Output:
	// Hello!
}

// Seed 002: a.set() with no value wakes the waiter (the second program of
// ../conformance/testdata/seed_asyncresult_001.py).
func ExampleAsyncResult_Set() {
	var a event.AsyncResult[struct{}]
	setter := func() {
		gevent.Sleep(30 * time.Millisecond) // seed: 3 s
		a.Set(struct{}{})
	}
	waiter := func() {
		a.Get() // blocking
		fmt.Println("I live!")
	}
	gevent.JoinAll([]*gevent.Greenlet[struct{}]{gevent.Go(setter), gevent.Go(waiter)})
	// Output:
	// I live!
}

// An AsyncResult as a link target (gevent: g.link(result)).
func ExampleAsyncResult_SetFrom() {
	var r event.AsyncResult[int]
	g := gevent.Spawn(func() (int, error) { return 0, fmt.Errorf("failure") })
	g.Link(r.SetFrom)
	_, err := r.Get()
	fmt.Println(err)
	// Output:
	// failure
}

// Setting an AsyncResult from a plain goroutine (the thread-pool pattern).
func ExampleAsyncResult_SetFromGoroutine() {
	gevent.Run(func() error {
		r := event.NewAsyncResult[int]()
		release := gevent.GetHub().Hold() // keep the loop waiting for the goroutine
		go func() {
			defer release()
			r.SetFromGoroutine(6*7, nil)
		}()
		v, err := r.Get()
		fmt.Println(v, err)
		return nil
	})
	// Output:
	// 42 <nil>
}

// Seed 004: the Event program with other words (testdata/seed004_event.py).
func ExampleEvent_Wait() {
	var evt event.Event
	setter := func() {
		fmt.Println("Wait for me")
		gevent.Sleep(30 * time.Millisecond) // seed: 3 s
		fmt.Println("After 3 sec, I am done")
		evt.Set()
	}
	waiter := func() {
		fmt.Println("I am waiting")
		evt.Wait()
		fmt.Println("Finish waiting")
	}
	gs := []*gevent.Greenlet[struct{}]{gevent.Go(setter)}
	for range 5 {
		gs = append(gs, gevent.Go(waiter))
	}
	gevent.JoinAll(gs)
	// Output:
	// Wait for me
	// I am waiting
	// I am waiting
	// I am waiting
	// I am waiting
	// I am waiting
	// After 3 sec, I am done
	// Finish waiting
	// Finish waiting
	// Finish waiting
	// Finish waiting
	// Finish waiting
}
