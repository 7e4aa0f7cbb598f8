package gevent_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

func TestLoopExit(t *testing.T) {
	run(t, func() error {
		never := gevent.New(func() (int, error) { return 0, nil }) // never started
		if err := never.Join(); err != gevent.ErrLoopExit {
			t.Errorf("join of a greenlet nothing will run: %v", err)
		}
		// Two greenlets waiting on each other: the main greenlet learns it.
		var a, b *gevent.Greenlet[struct{}]
		a = gevent.Go(func() { b.Join() })
		b = gevent.Go(func() { a.Join() })
		if err := a.Join(); err != gevent.ErrLoopExit {
			t.Errorf("deadlock: %v", err)
		}
		return nil
	})
}

func TestHoldPreventsLoopExitAndSubmitFromGoroutine(t *testing.T) {
	run(t, func() error {
		h := gevent.GetHub()
		release := h.Hold()
		result := make(chan *gevent.Greenlet[struct{}], 1)
		go func() {
			time.Sleep(5 * time.Millisecond)
			result <- h.Submit(func() error { return errors.New("from outside") })
			release()
		}()
		quiet()
		// Wait cooperatively for work handed in by another goroutine.
		for i := 0; i < 1000; i++ {
			select {
			case g := <-result:
				if err := g.Join(); err != nil {
					t.Fatal(err)
				}
				if g.Err() == nil || g.Err().Error() != "from outside" {
					t.Errorf("submitted greenlet err %v", g.Err())
				}
				return nil
			default:
				if err := gevent.Sleep(time.Millisecond); err != nil {
					t.Fatal(err)
				}
			}
		}
		t.Fatal("submitted work never arrived")
		return nil
	})
}

func TestWaitFromPlainGoroutine(t *testing.T) {
	run(t, func() error {
		g := gevent.Spawn(func() (string, error) { gevent.Sleep(2 * time.Millisecond); return "done", nil })
		var got string
		var err error
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-g.Done()
			got, err = g.Get()
		}()
		g.Join()
		gevent.Sleep(time.Millisecond)
		wg.Wait()
		if got != "done" || err != nil {
			t.Errorf("plain goroutine got %q %v", got, err)
		}
		return nil
	})
}

func TestJoinAcrossHubs(t *testing.T) {
	other := make(chan *gevent.Greenlet[int])
	stop := make(chan struct{})
	go gevent.Run(func() error {
		h := gevent.GetHub()
		defer h.Hold()()
		other <- gevent.Spawn(func() (int, error) { gevent.Sleep(5 * time.Millisecond); return 9, nil })
		for {
			select {
			case <-stop:
				return nil
			default:
				gevent.Sleep(time.Millisecond)
			}
		}
	})
	g := <-other
	run(t, func() error {
		v, err := g.Get()
		if v != 9 || err != nil {
			t.Errorf("cross-hub get %v %v", v, err)
		}
		return nil
	})
	close(stop)
}

func TestCallbackPanicIsReportedAndLoopSurvives(t *testing.T) {
	run(t, func() error {
		reports := quiet()
		gevent.GetHub().Schedule(func() { panic("in callback") })
		gevent.GetHub().Post(func() { panic("posted") })
		for i := 0; i < 3; i++ {
			if err := gevent.Sleep(time.Millisecond); err != nil {
				t.Fatal(err)
			}
		}
		if len(*reports) != 2 || !strings.Contains((*reports)[0], "in callback") {
			t.Errorf("reports %q", *reports)
		}
		return nil
	})
}

// A goroutine that belongs to no hub (and is not the program's main
// goroutine) gets a clear panic and binds no hub.
func TestForeignGoroutinePanics(t *testing.T) {
	msg := make(chan string)
	go func() {
		defer func() { msg <- fmt.Sprint(recover()) }()
		gevent.Sleep(0)
	}()
	if m := <-msg; !strings.Contains(m, "gevent: Sleep called from a goroutine that is not a greenlet") {
		t.Fatalf("panic: %s", m)
	}
	if gevent.CallerHub() != nil {
		t.Fatal("a test goroutine was bound to a hub")
	}
}

func TestWaitReadWrite(t *testing.T) {
	run(t, func() error {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		if err := gevent.WaitWrite(int(w.Fd()), time.Second); err != nil {
			t.Fatalf("pipe not writable: %v", err)
		}
		var got error
		reader := gevent.Go(func() { got = gevent.WaitRead(int(r.Fd())) })
		gevent.Sleep(0)
		// A second reader of the same fd is refused.
		if err := gevent.WaitRead(int(r.Fd()), 0); err != gevent.ErrConcurrentUse {
			t.Errorf("second reader: %v", err)
		}
		w.Write([]byte("x"))
		reader.Join()
		if got != nil {
			t.Errorf("reader: %v", got)
		}
		// Level semantics: data still unread, so it is still readable.
		if err := gevent.WaitRead(int(r.Fd()), 0); err != nil {
			t.Errorf("unread data not readable: %v", err)
		}
		f, err := os.CreateTemp(t.TempDir(), "regular")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := gevent.WaitRead(int(f.Fd()), 0); err != nil {
			t.Errorf("regular file: %v", err)
		}
		return nil
	})
}

func TestRunKillsLeftoversAndCloses(t *testing.T) {
	var g *gevent.Greenlet[struct{}]
	var got error
	run(t, func() error {
		g = gevent.Go(func() { got = gevent.Sleep(time.Hour) })
		gevent.Sleep(0)
		return nil
	})
	if !g.Dead() || !errors.Is(got, gevent.ErrGreenletExit) {
		t.Fatalf("leftover greenlet dead=%v got=%v", g.Dead(), got)
	}
	h, _ := gevent.NewHub()
	h.Run(func() error { return nil })
	if err := h.Run(func() error { return nil }); err != gevent.ErrHubClosed {
		t.Fatalf("second Run: %v", err)
	}
}

func TestRunPropagatesPanicAfterCleanup(t *testing.T) {
	var g *gevent.Greenlet[struct{}]
	defer func() {
		if r := recover(); r != "main failed" {
			t.Fatalf("recovered %v", r)
		}
		if !g.Dead() {
			t.Fatal("leftover greenlet not killed")
		}
	}()
	gevent.Run(func() error {
		g = gevent.Go(func() { gevent.Sleep(time.Hour) })
		gevent.Sleep(0)
		panic("main failed")
	})
}

func TestSubmitAndPostToClosedHub(t *testing.T) {
	h, err := gevent.NewHub()
	if err != nil {
		t.Fatal(err)
	}
	h.Run(func() error { return nil })
	if h.Post(func() {}) {
		t.Error("Post to a closed hub accepted")
	}
	g := h.Submit(func() error { t.Error("ran on a closed hub"); return nil })
	select {
	case <-g.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("greenlet submitted to a closed hub never finished")
	}
	if g.Err() != gevent.ErrHubClosed {
		t.Errorf("err %v", g.Err())
	}
}

func TestIdleWaitsForReadyGreenlets(t *testing.T) {
	run(t, func() error {
		var trace []string
		for i := range 3 {
			gevent.Go(func() {
				gevent.Sleep(0)
				trace = append(trace, fmt.Sprint("g", i))
			})
		}
		if err := gevent.Idle(); err != nil {
			t.Fatal(err)
		}
		trace = append(trace, "idle")
		if fmt.Sprint(trace) != "[g0 g1 g2 idle]" {
			t.Errorf("trace %v", trace)
		}
		return nil
	})
}

func TestGetCurrentInCallbackIsNil(t *testing.T) {
	run(t, func() error {
		var got gevent.AnyGreenlet = gevent.GetCurrent()
		gevent.GetHub().Schedule(func() { got = gevent.GetCurrent() })
		gevent.Sleep(0)
		if got != nil {
			t.Errorf("GetCurrent in a hub callback = %v, want nil", got)
		}
		return nil
	})
}
