package gevent

import (
	"testing"
	"time"
)

// A timeout that fires while its greenlet is runnable (not waiting) is
// delivered by the next blocking call; Cancel before that discards it.
func TestPendingTimeoutDeliveredOrDiscarded(t *testing.T) {
	Run(func() error {
		to := NewTimeout(time.Hour, nil)
		to.Start()
		(*fireTask)(to).RunTask() // fires while main is running
		if err := Sleep(0); err != error(to) {
			t.Errorf("pending timeout delivered as %v", err)
		}
		to2 := NewTimeout(time.Hour, nil)
		to2.Start()
		(*fireTask)(to2).RunTask()
		to2.Cancel()
		if err := Sleep(0); err != nil {
			t.Errorf("cancelled pending timeout delivered: %v", err)
		}
		return nil
	})
}

// A kill that arrives while the greenlet is runnable (woken, not yet run)
// is delivered by its next blocking call, even a Sleep(0); the wake-up it
// raced is not lost.
func TestPendingKill(t *testing.T) {
	Run(func() error {
		var l WaitList[int]
		var v int
		var errs []error
		g := Go(func() {
			var err error
			v, err = l.Wait(-1)
			errs = append(errs, err, Sleep(0))
		})
		Sleep(0)           // g parks in Wait
		g.Kill(nil, false) // kill queued first...
		l.WakeOne(5)       // ...then g is woken: it is runnable when the kill runs
		g.Join()
		if v != 5 || len(errs) != 2 || errs[0] != nil || errs[1] != ErrGreenletExit {
			t.Errorf("v=%v errs=%v", v, errs)
		}
		return nil
	})
}

func TestWaitListHandOffSurvivesRacingTimeout(t *testing.T) {
	Run(func() error {
		var l WaitList[int]
		var got int
		var err error
		g := Go(func() { got, err = l.Wait(time.Hour) })
		Sleep(0)
		// Hand a value and fire a timeout scope before g runs: the value
		// must not be lost; the timeout stays pending.
		if !l.WakeOne(7) {
			t.Fatal("no waiter")
		}
		g.core().kill(ErrGreenletExit)
		g.Join()
		if got != 7 || err != nil {
			t.Errorf("got %v %v", got, err)
		}
		return nil
	})
}
