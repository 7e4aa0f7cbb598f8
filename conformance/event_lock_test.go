package conformance

import (
	"errors"
	"fmt"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
	"github.com/gevent-go/gevent/lock"
)

// Ports of gevent's test__event.py and test__semaphore.py (the seeds about
// events and semaphores are in internal/seeds).

func init() {
	register("event_set_during_wait", func() error {
		var e event.Event
		waiter := func() error {
			s := gevent.Go(func() { e.Set() })
			res, err := e.Wait()
			if err != nil {
				return err
			}
			P(res, e.Ready())
			if err := s.Join(); err != nil {
				return err
			}
			e.Clear()
			P(e.Ready())
			o, err := gevent.Wait([]*event.Event{&e}, 10*ms)
			if err != nil && !errors.Is(err, gevent.ErrTimeout) {
				return err
			}
			in := false
			for _, x := range o {
				in = in || x == &e
			}
			P(e.Ready(), in, len(o))
			return nil
		}
		return gevent.GoErr(waiter).Join()
	})

	register("event_wait_timeout", func() error {
		var e event.Event
		ok, err := e.Wait(10 * ms)
		if err != nil && !errors.Is(err, gevent.ErrTimeout) {
			return err
		}
		P(ok)
		done, err := gevent.Wait([]*event.Event{{}}, 10*ms)
		if err != nil && !errors.Is(err, gevent.ErrTimeout) {
			return err
		}
		P(pyGreenletsLen(len(done)))
		_, err = event.NewAsyncResult[int]().Wait(10 * ms)
		P(timeoutOrNone(err))
		done2, err := gevent.Wait([]*event.AsyncResult[int]{event.NewAsyncResult[int]()}, 10*ms)
		if err != nil && !errors.Is(err, gevent.ErrTimeout) {
			return err
		}
		P(pyGreenletsLen(len(done2)))
		if _, err := event.NewAsyncResult[int]().Get(10 * ms); errors.Is(err, gevent.ErrTimeout) {
			P("get raised Timeout")
		}
		return nil
	})

	register("event_wake_order", func() error {
		var e event.Event
		waiter := func(i int) func() {
			return func() {
				P("wait", i)
				e.Wait()
				P("woke", i)
			}
		}
		var gs []G
		for i := range 3 {
			gs = append(gs, gevent.Go(waiter(i)))
		}
		gs = append(gs, gevent.Go(func() {
			P("set")
			e.Set()
			P("after set", e.IsSet())
			gevent.Sleep(0)
			P("setter resumed")
		}))
		gs = append(gs, gevent.Go(func() {
			P("other runs")
			gevent.Sleep(0)
			P("other again")
		}))
		_, err := gevent.JoinAll(gs)
		return err
	})

	// Raw links and waiters share one list (gevent's _links).
	rawlinkOrder := func(wait func(timeout ...time.Duration) (bool, error), rawlink func(func()) gevent.LinkID, fire func()) error {
		link := func(name string, then func()) func() {
			return func() {
				P("link", name)
				if then != nil {
					then()
				}
			}
		}
		waiter := func(name string, timeout ...time.Duration) func() {
			return func() {
				P("wait", name)
				wait(timeout...)
				P("woke", name)
			}
		}
		rawlink(link("L1", nil))
		gs := []G{gevent.Go(waiter("A"))}
		gevent.Sleep(0)
		rawlink(link("L2", func() { rawlink(link("L5 (added by L2)", nil)) }))
		gs = append(gs, gevent.Go(waiter("T", ms)))
		gevent.Sleep(200 * ms)
		gs = append(gs, gevent.Go(waiter("B")))
		gevent.Sleep(0)
		rawlink(link("L3", nil))
		P("fire")
		fire()
		gs = append(gs, gevent.Go(func() {
			P("wait late (ready, notification pending)")
			wait()
			P("woke late")
		}))
		rawlink(link("L4 (after fire)", nil))
		if _, err := gevent.JoinAll(gs); err != nil {
			return err
		}
		P("joined")
		rawlink(link("L6 (on a ready object)", nil))
		P("L6 added")
		gevent.Sleep(0)
		P("done")
		return nil
	}
	register("event_rawlink_order", func() error {
		P("-- Event")
		var e event.Event
		if err := rawlinkOrder(e.Wait, e.Rawlink, e.Set); err != nil {
			return err
		}
		P("-- AsyncResult")
		var a event.AsyncResult[int]
		return rawlinkOrder(a.Wait, a.Rawlink, func() { a.Set(1) })
	})

	register("semaphore_rawlink_order", func() error {
		s := lock.NewSemaphore(1)
		s.Acquire()
		link := func(name string) func() { return func() { P("link", name, s.Value()) } }
		acquirer := func(name string) func() {
			return func() {
				P("acquire", name)
				s.Acquire()
				P("got", name, s.Value())
				gevent.Sleep(0)
				s.Release()
				P("released", name)
			}
		}
		watcher := func(name string) func() {
			return func() {
				P("wait", name)
				n, _ := s.Wait()
				P("waited", name, n)
			}
		}
		s.Rawlink(link("L1"))
		gs := []G{gevent.Go(acquirer("A"))}
		gevent.Sleep(0)
		gs = append(gs, gevent.Go(watcher("W")))
		gevent.Sleep(0)
		s.Rawlink(link("L2"))
		gs = append(gs, gevent.Go(acquirer("B")))
		gevent.Sleep(0)
		s.Rawlink(link("L3"))
		P("release")
		s.Release()
		if _, err := gevent.JoinAll(gs); err != nil {
			return err
		}
		P("done", s.Value())
		s.Rawlink(link("L4 (on a ready semaphore)"))
		return gevent.Sleep(0)
	})

	register("asyncresult_set_exc", func() error {
		myException := &Exception{Name: "MyException"}
		var log []any
		e := event.NewAsyncResult[int]()
		P(e.Err())
		gevent.Go(func() {
			if _, err := e.Get(); errors.Is(err, myException) {
				log = append(log, tuple{"caught", err.Error()})
			}
		})
		e.SetError(myException.New("boom"))
		if err := gevent.Sleep(0); err != nil {
			return err
		}
		P(log)
		P(e.Ready(), e.Successful(), e.Err())
		return nil
	})

	register("asyncresult_timeouts", func() error {
		const delay = 20 * ms
		myException := &Exception{Name: "MyException"}
		event1 := event.NewAsyncResult[string]()
		timerExc := myException.New("interrupted")
		g := gevent.SpawnLater(500*ms, func() (struct{}, error) { event1.Set("hello event1"); return struct{}{}, nil })
		err := gevent.NewTimeout(0, timerExc).Run(func() error { _, err := event1.Get(); return err })
		if errors.Is(err, myException) {
			P("interrupted:", errors.Is(err, timerExc))
		}
		if err := g.Kill(nil, true); err != nil {
			return err
		}

		event2 := event.NewAsyncResult[any]()
		x := &struct{ int }{}
		result, err := gevent.WithTimeoutValue[any](delay, x, func() (any, error) { return event2.Get() })
		if err != nil {
			return err
		}
		P(result == any(x))

		ar := event.NewAsyncResult[int]()
		if _, err := ar.Get(0); errors.Is(err, gevent.ErrTimeout) {
			P("get(block=False) raised Timeout")
		}
		ar.Set(5)
		v, err := ar.Get(0)
		if err != nil {
			return err
		}
		P(v)
		return nil
	})

	register("sem_acquire_timeout", func() error {
		s := lock.NewSemaphore(0)
		ok, err := s.Acquire(10 * ms)
		if err != nil && !errors.Is(err, gevent.ErrTimeout) {
			return err
		}
		P(ok)
		P(s.TryAcquire())
		s.Release()
		ok, err = s.Acquire(10 * ms)
		if err != nil {
			return err
		}
		P(ok, s.Value())
		return nil
	})

	register("sem_release_twice", func() error {
		s := lock.NewSemaphore(1)
		var result []string
		s.Rawlink(func() { result = append(result, "a") })
		s.Release()
		s.Rawlink(func() { result = append(result, "b") })
		s.Release()
		if err := gevent.Sleep(time.Millisecond); err != nil {
			return err
		}
		if len(result) == 2 && result[0] > result[1] {
			result[0], result[1] = result[1], result[0]
		}
		P(result)
		s = lock.NewSemaphore(1)
		done, err := gevent.Wait([]*lock.Semaphore{s})
		if err != nil {
			return err
		}
		P(len(done))
		return nil
	})

	register("sem_fair", func() error {
		sem := lock.NewSemaphore(1)
		shouldQuit := false
		var acquireThenSpawn, releaseThenSpawn func() error
		acquireThenSpawn = func() error {
			if shouldQuit {
				return nil
			}
			if _, err := sem.Acquire(); err != nil {
				return err
			}
			return gevent.GoErr(releaseThenSpawn).Join()
		}
		releaseThenSpawn = func() error {
			sem.Release()
			if shouldQuit {
				return nil
			}
			return gevent.GoErr(acquireThenSpawn).Join()
		}
		keepGoing1 := gevent.GoErr(acquireThenSpawn)
		keepGoing2 := gevent.GoErr(acquireThenSpawn)
		exiting := gevent.GoErr(func() error {
			if _, err := sem.Acquire(); err != nil {
				return err
			}
			shouldQuit = true
			return nil
		})
		if _, err := gevent.JoinAll([]G{keepGoing1, keepGoing2, exiting}); errors.Is(err, gevent.ErrLoopExit) {
			P("LoopExit")
		} else if err != nil {
			return err
		}
		P(exiting.Dead(), keepGoing2.Dead(), keepGoing1.Dead())
		sem.Release()
		for _, g := range []G{keepGoing1, keepGoing2, exiting} {
			if err := g.Kill(nil, true); err != nil {
				return err
			}
		}
		if err := gevent.Idle(); err != nil {
			return err
		}
		P("done")
		return nil
	})

	register("sem_bounded", func() error {
		b := lock.NewBoundedSemaphore(1)
		if err := b.Release(); err != nil {
			P("ValueError")
		}
		ok, err := b.Acquire()
		if err != nil {
			return err
		}
		P(ok, b.Locked(), b.TryAcquire())
		if err := b.Release(); err != nil {
			return err
		}
		P(b.Locked())
		s := lock.NewSemaphore(1)
		s.Release()
		P(s.Value())
		return nil
	})
}

// pyGreenletsLen prints an empty list, or how many were returned.
func pyGreenletsLen(n int) string {
	if n == 0 {
		return "[]"
	}
	return fmt.Sprintf("[%d objects]", n)
}
