package event_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
	"github.com/gevent-go/gevent/internal/blocktest"
)

func boolTimeout(ok bool, err error) error {
	if err == nil && !ok {
		return gevent.ErrTimeout
	}
	return err
}

func TestBlockingContract(t *testing.T) {
	blocktest.Check(t, blocktest.Op{Name: "Event.Wait", Setup: func() blocktest.Op {
		var e event.Event
		return blocktest.Op{
			Block:       func() error { return boolTimeout(e.Wait()) },
			WithTimeout: func(d time.Duration) error { return boolTimeout(e.Wait(d)) },
		}
	}})
	blocktest.Check(t, blocktest.Op{Name: "AsyncResult.Get", Setup: func() blocktest.Op {
		var a event.AsyncResult[int]
		return blocktest.Op{
			Block:       func() error { _, err := a.Get(); return err },
			WithTimeout: func(d time.Duration) error { _, err := a.Get(d); return err },
		}
	}})
	blocktest.Check(t, blocktest.Op{Name: "AsyncResult.Wait", Setup: func() blocktest.Op {
		var a event.AsyncResult[int]
		return blocktest.Op{
			Block:       func() error { return boolTimeout(a.Wait()) },
			WithTimeout: func(d time.Duration) error { return boolTimeout(a.Wait(d)) },
		}
	}})
}

// gevent's rule: a waiter returns true if the flag was set at any point
// while it waited, even if cleared before it ran; waiters run FIFO.
func TestSetClearWakesFIFO(t *testing.T) {
	gevent.Run(func() error {
		var e event.Event
		var got []int
		var gs []*gevent.Greenlet[struct{}]
		for i := range 5 {
			gs = append(gs, gevent.Go(func() {
				ok, err := e.Wait(time.Second)
				if !ok || err != nil {
					t.Errorf("waiter %d: %v %v", i, ok, err)
				}
				got = append(got, i)
			}))
		}
		gevent.Sleep(0)
		e.Set()
		e.Clear()
		gevent.JoinAll(gs)
		if !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
			t.Errorf("wake order %v", got)
		}
		if ok, err := e.Wait(time.Millisecond); ok || err != nil {
			t.Errorf("cleared Wait = %v %v, want false nil", ok, err)
		}
		return nil
	})
}

func TestWaitable(t *testing.T) {
	gevent.Run(func() error {
		var e event.Event
		var a event.AsyncResult[string]
		gevent.Go(func() { gevent.Sleep(time.Millisecond); a.Set("x"); gevent.Sleep(time.Millisecond); e.Set() })
		done, err := gevent.Wait([]gevent.Waitable{&e, &a})
		if err != nil || len(done) != 2 || done[0] != gevent.Waitable(&a) {
			t.Errorf("Wait = %v, %v", done, err)
		}
		return nil
	})
}

func TestAsyncResultError(t *testing.T) {
	gevent.Run(func() error {
		var a event.AsyncResult[int]
		boom := errors.New("boom")
		gevent.Go(func() { a.SetError(boom) })
		v, err := a.Get()
		if v != 0 || err != boom || a.Successful() || !a.Ready() || a.Err() != boom {
			t.Errorf("Get = %v, %v", v, err)
		}
		return nil
	})
}

func TestAsyncResultFromGoroutines(t *testing.T) {
	gevent.Run(func() error {
		const n = 50
		rs := make([]*event.AsyncResult[int], n)
		release := gevent.GetHub().Hold()
		defer release()
		for i := range rs {
			rs[i] = event.NewAsyncResult[int]()
			go func() { rs[i].Set(i) }() // Set detects the foreign goroutine
		}
		for i, r := range rs {
			if v, err := r.Get(5 * time.Second); v != i || err != nil {
				t.Errorf("result %d: %v %v", i, v, err)
			}
		}
		return nil
	})
}

// BenchmarkEventWake: one Set wakes 1,000 waiters, each runs and blocks
// on a second event, whose Set wakes them all again; ns/op is per wake-up
// (a waiter woken by a Set, run, and blocked again: two switches).
func BenchmarkEventWake(b *testing.B) {
	const n = 1000
	gevent.Run(func() error {
		var e event.Event
		var back event.Event
		left := 0
		for range n {
			gevent.Go(func() {
				for {
					if _, err := e.Wait(); err != nil {
						return
					}
					left--
					if left == 0 {
						back.Set()
					}
					if _, err := back.Wait(); err != nil {
						return
					}
				}
			})
		}
		gevent.Sleep(0)
		b.ResetTimer()
		for i := 0; i < b.N; i += 2 * n {
			left = n
			back.Clear()
			e.Set()
			back.Wait()
			e.Clear()
		}
		return nil
	})
}

// gevent issue 1520: a greenlet that waits on a set Event while its
// notification is pending waits behind the earlier waiters. gevent 22.10
// prints [0, 1, 2, 'main'] for the same program.
func TestWaitBehindPendingNotification(t *testing.T) {
	gevent.Run(func() error {
		var e event.Event
		var log []string
		var gs []*gevent.Greenlet[struct{}]
		for i := range 3 {
			gs = append(gs, gevent.Go(func() { e.Wait(); log = append(log, string(rune('0'+i))) }))
		}
		gevent.Sleep(0)
		e.Set()
		e.Wait()
		log = append(log, "main")
		gevent.JoinAll(gs)
		if want := []string{"0", "1", "2", "main"}; !slices.Equal(log, want) {
			t.Errorf("log %v, want %v", log, want)
		}
		return nil
	})
}

// Issue 12 item 14: Event.Set from a goroutine that is not a greenlet
// panicked while AsyncResult.Set worked; both now hand the work to the hub
// with Hub.Post.
func TestEventSetFromGoroutineWakesWaiter(t *testing.T) {
	gevent.Run(func() error {
		for _, bound := range []string{"NewEvent", "waited on first"} {
			var e *event.Event
			if bound == "NewEvent" {
				e = event.NewEvent()
			} else {
				e = &event.Event{}
				e.Wait(0) // binds it to this hub
			}
			release := gevent.GetHub().Hold()
			panicked := make(chan any, 1)
			go func() {
				defer func() { panicked <- recover() }()
				e.Set()
			}()
			ok, err := e.Wait(5 * time.Second)
			release()
			if p := <-panicked; p != nil {
				t.Fatalf("%s: Set from a goroutine panicked: %v", bound, p)
			}
			if !ok || err != nil || !e.IsSet() {
				t.Errorf("%s: Wait after a Set from a goroutine: %v %v (IsSet %v)", bound, ok, err, e.IsSet())
			}
		}
		return nil
	})
}

// A zero Event that no greenlet used yet has no hub to post to: Set from
// a goroutine of no hub panics, and says what to use instead.
func TestEventSetFromGoroutineUnboundPanics(t *testing.T) {
	var e event.Event
	p := make(chan any, 1)
	go func() {
		defer func() { p <- recover() }()
		e.Set()
	}()
	msg, _ := (<-p).(string)
	if !strings.HasPrefix(msg, "event: ") || !strings.Contains(msg, "NewEvent") {
		t.Errorf("panic %q: want an event: message naming NewEvent", msg)
	}
}
