package gevent

import (
	"os"
	"testing"
	"time"
	"unsafe"

	"github.com/gevent-go/gevent/internal/gid"
	"golang.org/x/sys/unix"
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

// A greenlet unwound while it waits (here: the hub's teardown) leaves no
// waiter behind on the fd or the wait list.
func TestUnwoundWaitersLeaveNothingBehind(t *testing.T) {
	var l WaitList[int]
	var f *FD
	var r, w *os.File
	var err error
	Run(func() error {
		GetHub().SetShutdownGrace(10 * time.Millisecond) // both ignore the first kill
		r, w, err = os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		unix.SetNonblock(int(r.Fd()), true)
		f, err = RegisterFD(int(r.Fd()))
		if err != nil {
			t.Fatal(err)
		}
		Go(func() {
			defer func() { Sleep(0); Sleep(0) }()
			for {
				f.WaitRead(-1) // ignores the kills: unwound at the wait after the second
			}
		})
		Go(func() {
			for {
				l.Wait(-1)
			}
		})
		Sleep(0)
		return nil
	})
	defer r.Close()
	defer w.Close()
	if f.r != nil || l.Len() != 0 {
		t.Fatalf("after teardown: fd waiter %v, wait list %d", f.r, l.Len())
	}
}

func TestForeverMeansNoTimeout(t *testing.T) {
	Run(func() error {
		g := Go(func() { Sleep(20 * time.Millisecond) })
		if _, err := JoinAll([]*Greenlet[struct{}]{g}, Forever); err != nil || !g.Dead() {
			t.Errorf("JoinAll(gs, Forever): %v dead=%v", err, g.Dead())
		}
		if err := g.Join(Forever); err != nil {
			t.Error(err)
		}
		return nil
	})
}

func TestFDWakeEndsOneWait(t *testing.T) {
	Run(func() error {
		r, w, _ := os.Pipe()
		defer r.Close()
		defer w.Close()
		unix.SetNonblock(int(r.Fd()), true)
		f, err := RegisterFD(int(r.Fd()))
		if err != nil {
			t.Fatal(err)
		}
		var got error
		g := Go(func() { got = f.WaitRead(-1) })
		Sleep(0)
		if !f.Wake(true, os.ErrDeadlineExceeded) {
			t.Fatal("no reader to wake")
		}
		g.Join()
		if got != os.ErrDeadlineExceeded {
			t.Fatalf("woken wait returned %v", got)
		}
		// The fd is still registered: a new wait sees new data.
		w.Write([]byte("x"))
		if err := f.WaitRead(time.Second); err != nil {
			t.Fatal(err)
		}
		f.Close(os.ErrClosed)
		return nil
	})
}

// Regression (server tests flaking under t.Parallel): a finished greenlet's
// goroutine identity stayed recorded as one of its hub's while the hub ran
// callbacks or slept; the runtime reuses the identity of an exited
// goroutine, so a goroutine of another hub was taken for it.
func TestFinishedGreenletIdentityNotKept(t *testing.T) {
	Run(func() error {
		var id uintptr
		found := true
		g := Go(func() { id = gid.Get() })
		g.Rawlink(func() { found = identities.Lookup(id) != nil }) // runs in the hub right after
		g.Join()
		if id == 0 || found {
			t.Fatalf("the finished greenlet's goroutine (%#x) is still registered", id)
		}
		return nil
	})
}

// Each hub's main goroutine, loop coroutine and greenlets are registered
// while they run and removed when they end: nothing is left behind.
func TestIdentitiesRemovedWhenHubCloses(t *testing.T) {
	before := identities.Len()
	Run(func() error {
		gs := make([]AnyGreenlet, 50)
		for i := range gs {
			gs[i] = Go(func() { Sleep(time.Millisecond) })
		}
		Sleep(0) // they start, and park
		if n := identities.Len(); n < before+52 {
			t.Errorf("%d identities registered with 50 sleeping greenlets, a main and a loop; want >= %d", n, before+52)
		}
		_, err := JoinAll(gs)
		return err
	})
	if n := identities.Len(); n != before {
		t.Fatalf("%d identities registered after the hub closed, want %d", n, before)
	}
}

// A greenlet may run a hub of its own (Run inside a greenlet): while it
// runs, the goroutine belongs to the inner hub; afterwards, to its own
// again.
func TestNestedRunRestoresIdentity(t *testing.T) {
	Run(func() error {
		outer := GetHub()
		g := Go(func() {
			if GetHub() != outer {
				t.Error("greenlet does not see its hub")
			}
			var inner *Hub
			err := Run(func() error {
				inner = GetHub()
				return Sleep(time.Millisecond)
			})
			if err != nil || inner == nil || inner == outer {
				t.Errorf("nested Run: err=%v, inner hub %p, outer %p", err, inner, outer)
			}
			if GetHub() != outer {
				t.Error("after the nested Run the greenlet does not see its own hub")
			}
			if err := Sleep(time.Millisecond); err != nil {
				t.Error(err)
			}
		})
		return g.Join()
	})
}

// TestGreenletSize: every Spawn allocates and zeroes a Greenlet[T], so it
// stays within the 320-byte size class of Go's allocator (the race
// build's monitor fields aside; the spawner's address, for run info, took
// the last 8 bytes); the rarely used fields live in greenletExtra.
func TestGreenletSize(t *testing.T) {
	const limit = 320
	for name, size := range map[string]uintptr{
		"Greenlet[int]":      unsafe.Sizeof(Greenlet[int]{}),
		"Greenlet[struct{}]": unsafe.Sizeof(Greenlet[struct{}]{}),
	} {
		if size -= unsafe.Sizeof(watchIdent{}); size > limit {
			t.Errorf("%s is %d bytes (monitor fields aside), want <= %d", name, size, limit)
		}
	}
}

// SetBusyPoll stores its duration for the loop, from any goroutine; a
// negative one is 0 (off).
func TestSetBusyPoll(t *testing.T) {
	h, err := NewHub()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ in, want time.Duration }{
		{50 * time.Microsecond, 50 * time.Microsecond}, {-time.Second, 0}, {0, 0},
	} {
		done := make(chan struct{})
		go func() { h.SetBusyPoll(c.in); close(done) }() // not a greenlet of h
		<-done
		if got := time.Duration(h.loop.BusyPoll.Load()); got != c.want {
			t.Errorf("SetBusyPoll(%v): %v, want %v", c.in, got, c.want)
		}
	}
	if err := h.Run(func() error { return Sleep(time.Millisecond) }); err != nil {
		t.Fatal(err)
	}
}

// FD.SetBusyPoll: the hub spins only while a greenlet waits on the fd (a
// counter, not wall time): not while it sleeps with the fd registered and
// no wait pending, and not after the wait ended. Negative is 0.
func TestFDSetBusyPollSpinsOnlyWhileWaiting(t *testing.T) {
	h, err := NewHub()
	if err != nil {
		t.Fatal(err)
	}
	err = h.Run(func() error {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
			return err
		}
		defer unix.Close(p[0])
		defer unix.Close(p[1])
		f, err := RegisterFD(p[0])
		if err != nil {
			return err
		}
		defer f.Close(os.ErrClosed)
		f.SetBusyPoll(10 * time.Second)
		Sleep(2 * time.Millisecond)
		if n, _ := h.loop.Spins(); n != 0 {
			t.Errorf("no wait pending: the hub spun %d times", n)
		}
		g := Go(func() {
			if err := f.WaitRead(-1); err != nil {
				t.Error(err)
			}
		})
		go func() {
			time.Sleep(5 * time.Millisecond)
			unix.Write(p[1], []byte{1})
		}()
		g.Join()
		spins, waits := h.loop.Spins()
		if spins == 0 {
			t.Error("the hub did not spin while a greenlet waited on the fd")
		}
		Sleep(2 * time.Millisecond)
		if waits != 0 {
			t.Errorf("%d spin waits pending after the wait", waits)
		}
		if n, _ := h.loop.Spins(); n != spins {
			t.Errorf("wait ended: the hub spun %d more times", n-spins)
		}
		f.SetBusyPoll(-time.Second)
		if d := f.f.Spin(); d != 0 {
			t.Errorf("SetBusyPoll(-1s) set %d, want 0", d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
