package gevent_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

var errBoom = errors.New("boom")

func run(t *testing.T, fn func() error) {
	t.Helper()
	if err := gevent.Run(fn); err != nil {
		t.Fatal(err)
	}
}

// quiet silences failure reports in the current hub and returns them.
func quiet() *[]string {
	var out []string
	gevent.GetHub().SetErrorHandler(func(g gevent.AnyGreenlet, err error) {
		name := "callback"
		if g != nil {
			name = g.Name()
		}
		out = append(out, name+": "+err.Error())
	})
	return &out
}

func TestResultsTable(t *testing.T) {
	cases := []struct {
		name       string
		fn         func() (int, error)
		value      int
		errText    string
		successful bool
	}{
		{"value", func() (int, error) { return 42, nil }, 42, "", true},
		{"error", func() (int, error) { return 7, errBoom }, 0, "boom", false},
		{"panic", func() (int, error) { panic("oops") }, 0, "panic: oops", false},
		{"exit", func() (int, error) { return 1, gevent.ErrGreenletExit }, 0, "", true},
		{"wrapped exit", func() (int, error) { return 1, fmt.Errorf("stop: %w", gevent.ErrGreenletExit) }, 0, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			run(t, func() error {
				reports := quiet()
				g := gevent.Spawn(c.fn)
				if !g.Started() || g.Ready() {
					t.Errorf("after Spawn: started=%v ready=%v", g.Started(), g.Ready())
				}
				v, err := g.Get()
				if v != c.value {
					t.Errorf("value %v, want %v", v, c.value)
				}
				if (err == nil) != (c.errText == "") || err != nil && err.Error() != c.errText {
					t.Errorf("err %v, want %q", err, c.errText)
				}
				if g.Successful() != c.successful || !g.Ready() || !g.Dead() || g.Started() {
					t.Errorf("state: successful=%v ready=%v dead=%v started=%v", g.Successful(), g.Ready(), g.Dead(), g.Started())
				}
				if want := !c.successful; want != (len(*reports) == 1) {
					t.Errorf("reports %q", *reports)
				}
				return nil
			})
		})
	}
}

func TestPanicKeepsStack(t *testing.T) {
	run(t, func() error {
		quiet()
		g := gevent.Spawn(func() (int, error) { panicHere(); return 0, nil })
		_, err := g.Get()
		var pe *gevent.PanicError
		if !errors.As(err, &pe) || !strings.Contains(string(pe.Stack), "panicHere") {
			t.Fatalf("want a *PanicError whose stack names panicHere, got %v", err)
		}
		return nil
	})
}

func panicHere() { panic(errBoom) }

func TestPanicValueUnwraps(t *testing.T) {
	run(t, func() error {
		quiet()
		_, err := gevent.Spawn(func() (int, error) { panicHere(); return 0, nil }).Get()
		if !errors.Is(err, errBoom) {
			t.Fatalf("errors.Is(err, errBoom) false for %v", err)
		}
		return nil
	})
}

func TestReportFormat(t *testing.T) {
	var b strings.Builder
	run(t, func() error {
		gevent.GetHub().SetErrorHandler(func(g gevent.AnyGreenlet, err error) { gevent.WriteReport(&b, g, err) })
		g := gevent.Spawn(func() (int, error) { return 0, errors.New("You failed!") })
		g.SetName("loser")
		g.Join()
		return nil
	})
	if got := b.String(); got != "<Greenlet \"loser\"> failed with error: You failed!\n\n" {
		t.Fatalf("report %q", got)
	}
}

// A panic is reported as "failed with panic: value", the word once.
func TestReportFormatPanic(t *testing.T) {
	var b strings.Builder
	run(t, func() error {
		gevent.GetHub().SetErrorHandler(func(g gevent.AnyGreenlet, err error) { gevent.WriteReport(&b, g, err) })
		g := gevent.Go(func() { panic("boom") })
		g.SetName("loser")
		g.Join()
		return nil
	})
	got := b.String()
	if !strings.HasSuffix(got, "\n<Greenlet \"loser\"> failed with panic: boom\n\n") ||
		strings.Contains(got, "panic: panic") {
		t.Fatalf("report %q", got)
	}
}

func TestNames(t *testing.T) {
	run(t, func() error {
		a := gevent.Go(func() {})
		b := gevent.Go(func() {})
		if a.Name() != "Greenlet-0" || b.Name() != "Greenlet-1" {
			t.Errorf("names %q %q", a.Name(), b.Name())
		}
		if gevent.GetCurrent().Name() != "MainGreenlet" {
			t.Errorf("main is %q", gevent.GetCurrent().Name())
		}
		var inside string
		c := gevent.Go(func() { inside = gevent.GetCurrent().Name() })
		c.Join()
		if inside != c.Name() {
			t.Errorf("GetCurrent inside %q, want %q", inside, c.Name())
		}
		return nil
	})
}

func TestFIFOOrder(t *testing.T) {
	run(t, func() error {
		var trace []int
		var gs []*gevent.Greenlet[struct{}]
		for i := range 5 {
			gs = append(gs, gevent.Go(func() {
				trace = append(trace, i)
				gevent.Sleep(0)
				trace = append(trace, 10+i)
			}))
		}
		gevent.JoinAll(gs)
		want := []int{0, 1, 2, 3, 4, 10, 11, 12, 13, 14}
		if fmt.Sprint(trace) != fmt.Sprint(want) {
			t.Fatalf("trace %v, want %v", trace, want)
		}
		return nil
	})
}

func TestEqualTimersFireInCreationOrder(t *testing.T) {
	run(t, func() error {
		var trace []int
		var gs []*gevent.Greenlet[struct{}]
		for i := range 20 {
			gs = append(gs, gevent.Go(func() {
				gevent.Sleep(time.Duration(2-i%3) * time.Millisecond)
				trace = append(trace, i)
			}))
		}
		gevent.JoinAll(gs)
		// durations 2,1,0 ms repeating: 0 ms first (in order), then 1 ms, then 2 ms
		var want []int
		for _, r := range []int{2, 1, 0} {
			for i := range 20 {
				if i%3 == r {
					want = append(want, i)
				}
			}
		}
		if fmt.Sprint(trace) != fmt.Sprint(want) {
			t.Fatalf("trace %v\nwant  %v", trace, want)
		}
		return nil
	})
}

func TestKillBeforeStart(t *testing.T) {
	run(t, func() error {
		ran := false
		links := 0
		g := gevent.Go(func() { ran = true })
		g.Rawlink(func() { links++ })
		g.Kill(nil, true)
		if !g.Dead() || !g.Successful() || g.Started() {
			t.Errorf("dead=%v successful=%v started=%v", g.Dead(), g.Successful(), g.Started())
		}
		g.Kill(nil, true) // twice is harmless
		gevent.Sleep(0)
		gevent.Sleep(0)
		if ran || links != 1 {
			t.Errorf("ran=%v links=%d, want false 1", ran, links)
		}
		return nil
	})
}

func TestKillUnstartedNew(t *testing.T) {
	run(t, func() error {
		g := gevent.New(func() (int, error) { return 1, nil })
		g.Kill(nil, false)
		if !g.Dead() || g.Started() {
			t.Errorf("dead=%v started=%v", g.Dead(), g.Started())
		}
		g.Start() // starting a dead greenlet does nothing
		gevent.Sleep(0)
		if g.Value() != 0 {
			t.Errorf("killed greenlet ran")
		}
		return nil
	})
}

func TestKillCustomError(t *testing.T) {
	run(t, func() error {
		reports := quiet()
		var got error
		g := gevent.Go(func() { got = gevent.Sleep(time.Hour) })
		gevent.Sleep(0)
		g.Kill(errBoom, true)
		if got != errBoom {
			t.Errorf("blocking call got %v", got)
		}
		// The greenlet returned normally after the kill: its function ran
		// to completion, so it is successful.
		if !g.Successful() {
			t.Errorf("greenlet that returned after kill: successful=%v err=%v", g.Successful(), g.Err())
		}
		h := gevent.GoErr(func() error { return gevent.Sleep(time.Hour) })
		gevent.Sleep(0)
		h.Kill(errBoom, true)
		if h.Successful() || h.Err() != errBoom || len(*reports) != 1 {
			t.Errorf("returning the kill error: successful=%v err=%v reports=%q", h.Successful(), h.Err(), *reports)
		}
		return nil
	})
}

func TestKillNonBlockingIsAsync(t *testing.T) {
	run(t, func() error {
		var got error
		g := gevent.Go(func() { got = gevent.Sleep(time.Hour) })
		gevent.Sleep(0)
		if err := g.Kill(nil, false); err != nil {
			t.Fatal(err)
		}
		if g.Dead() {
			t.Errorf("non-blocking kill finished the greenlet synchronously")
		}
		g.Join()
		if !errors.Is(got, gevent.ErrGreenletExit) {
			t.Errorf("got %v", got)
		}
		return nil
	})
}

// A killed greenlet may do clean-up that blocks, in natural code (gevent's
// `except GreenletExit: flush()`), and Kill with block waits for it.
func TestKilledGreenletCleanupMayBlock(t *testing.T) {
	run(t, func() error {
		var trace []string
		g := gevent.GoErr(func() error {
			defer func() {
				// A deferred call after the return may block as well.
				trace = append(trace, fmt.Sprint("defer ", gevent.Sleep(time.Millisecond)))
			}()
			err := gevent.Sleep(time.Hour)
			if errors.Is(err, gevent.ErrGreenletExit) {
				trace = append(trace, "flushing")
				trace = append(trace, fmt.Sprint("flushed ", gevent.Sleep(10*time.Millisecond)))
			}
			return err
		})
		gevent.Sleep(0)
		if err := g.Kill(nil, true, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		want := "[flushing flushed <nil> defer <nil>]"
		if fmt.Sprint(trace) != want || !g.Dead() || !g.Successful() || !errors.Is(g.ExitErr(), gevent.ErrGreenletExit) {
			t.Fatalf("trace %v dead=%v successful=%v exit=%v; want %s", trace, g.Dead(), g.Successful(), g.ExitErr(), want)
		}
		return nil
	})
}

// gevent.killall with a timeout: the killer's wait times out and the slow
// clean-up still finishes afterwards.
func TestKillAllTimeoutLeavesCleanupRunning(t *testing.T) {
	run(t, func() error {
		var trace []string
		worker := func(n int) func() error {
			return func() error {
				err := gevent.Sleep(time.Hour)
				if errors.Is(err, gevent.ErrGreenletExit) {
					if e := gevent.Sleep(time.Duration(n) * 100 * time.Millisecond); e != nil {
						trace = append(trace, fmt.Sprint(n, " clean-up interrupted"))
						return e
					}
					trace = append(trace, fmt.Sprint(n, " clean-up done"))
				}
				return err
			}
		}
		gs := []*gevent.Greenlet[struct{}]{gevent.GoErr(worker(0)), gevent.GoErr(worker(1)), gevent.GoErr(worker(2))}
		gevent.Sleep(0)
		if err := gevent.KillAll(gs, nil, true, 20*time.Millisecond); !errors.Is(err, gevent.ErrTimeout) {
			t.Fatalf("KillAll: %v, want a timeout", err)
		}
		if !gs[0].Dead() || gs[1].Dead() || gs[2].Dead() {
			t.Fatalf("after KillAll's timeout: dead %v %v %v", gs[0].Dead(), gs[1].Dead(), gs[2].Dead())
		}
		if _, err := gevent.JoinAll(gs, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		want := "[0 clean-up done 1 clean-up done 2 clean-up done]"
		if fmt.Sprint(trace) != want {
			t.Fatalf("trace %v, want %s", trace, want)
		}
		for _, g := range gs {
			if !g.Successful() {
				t.Errorf("%v not successful: %v", g, g.Err())
			}
		}
		return nil
	})
}

// A greenlet that ignores its kill goes on (as in gevent); a second kill
// interrupts it, and if it blocks again it is unwound: the blocking call
// does not return, deferred calls run (and may block).
func TestSecondKillUnwindsGreenletIgnoringKill(t *testing.T) {
	run(t, func() error {
		var trace []string
		g := gevent.Go(func() {
			defer func() {
				err := gevent.Sleep(time.Millisecond) // clean-up during unwinding may block
				trace = append(trace, fmt.Sprint("defer ", err))
			}()
			for i := 0; ; i++ {
				err := gevent.Sleep(time.Hour)
				trace = append(trace, fmt.Sprint("sleep ", i, " ", err))
			}
		})
		gevent.Sleep(0)
		if err := g.Kill(nil, true, 20*time.Millisecond); !errors.Is(err, gevent.ErrTimeout) || g.Dead() {
			t.Fatalf("first Kill: %v dead=%v, want a timeout", err, g.Dead())
		}
		if err := g.Kill(nil, true, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		want := "[sleep 0 gevent: greenlet exit sleep 1 gevent: greenlet exit defer <nil>]"
		if fmt.Sprint(trace) != want || !g.Dead() || !g.Successful() {
			t.Fatalf("trace %v dead=%v successful=%v; want %s", trace, g.Dead(), g.Successful(), want)
		}
		return nil
	})
}

// Every kill counts, as in gevent (which throws each in turn): a second
// kill made before the greenlet saw the first interrupts its clean-up.
func TestSecondKillInARowInterruptsCleanup(t *testing.T) {
	for _, parked := range []bool{true, false} {
		run(t, func() error {
			var cleanup error
			g := gevent.GoErr(func() error {
				var err error
				if parked {
					err = gevent.Sleep(time.Hour)
				} else {
					for err == nil {
						err = gevent.Sleep(0) // the kills find it scheduled
					}
				}
				cleanup = gevent.Sleep(time.Hour)
				return err
			})
			gevent.Sleep(0)
			g.Kill(nil, false)
			g.Kill(nil, false)
			if err := g.Kill(nil, true, 5*time.Second); err != nil {
				t.Fatal(err)
			}
			if !errors.Is(cleanup, gevent.ErrGreenletExit) {
				t.Fatalf("parked=%v: clean-up sleep returned %v", parked, cleanup)
			}
			return nil
		})
	}
}

// A recover() wrapper that re-panics IsUnwind values lets the unwinding
// through; other panics it handles.
func TestIsUnwind(t *testing.T) {
	run(t, func() error {
		var recovered []any
		protect := func(fn func()) {
			defer func() {
				if r := recover(); r != nil {
					if gevent.IsUnwind(r) {
						panic(r)
					}
					recovered = append(recovered, r)
				}
			}()
			fn()
		}
		g := gevent.Go(func() {
			for {
				protect(func() { panic("own") })
				protect(func() { gevent.Sleep(time.Hour) })
			}
		})
		gevent.Sleep(0)
		g.Kill(nil, false)
		gevent.Sleep(0)
		if err := g.Kill(nil, true, 5*time.Second); err != nil || !g.Successful() {
			t.Fatalf("Kill: %v successful=%v", err, g.Successful())
		}
		if len(recovered) != 3 || recovered[2] != "own" {
			t.Fatalf("recovered %v", recovered)
		}
		if gevent.IsUnwind("own") || gevent.IsUnwind(nil) {
			t.Fatal("IsUnwind true for another value")
		}
		return nil
	})
}

func TestKillInTightSleep0Loop(t *testing.T) {
	run(t, func() error {
		n := 0
		g := gevent.Go(func() {
			for {
				if gevent.Sleep(0) != nil {
					return
				}
				n++
			}
		})
		gevent.Sleep(time.Millisecond)
		if err := g.Kill(nil, true, 5*time.Second); err != nil || !g.Dead() {
			t.Fatalf("kill: %v dead=%v", err, g.Dead())
		}
		if n == 0 {
			t.Error("loop never ran")
		}
		return nil
	})
}

func TestKillSelf(t *testing.T) {
	run(t, func() error {
		var got error
		after := false
		g := gevent.Go(func() {
			got = gevent.GetCurrent().Kill(nil, true)
			after = true
		})
		g.Join()
		if !errors.Is(got, gevent.ErrGreenletExit) || !after {
			t.Fatalf("self kill returned %v (after=%v)", got, after)
		}
		return nil
	})
}

func TestKillJoinTimeout(t *testing.T) {
	run(t, func() error {
		var deferErr error
		h := gevent.Go(func() {
			// Runs while the greenlet unwinds: it may block, and outlives
			// the second Kill's timeout.
			defer func() { deferErr = gevent.Sleep(time.Hour) }()
			for {
				gevent.Sleep(time.Hour) // ignores the kill error
			}
		})
		gevent.Sleep(0)
		err := h.Kill(nil, true, 20*time.Millisecond)
		if !errors.Is(err, gevent.ErrTimeout) || h.Dead() {
			t.Fatalf("Kill with timeout: %v dead=%v", err, h.Dead())
		}
		// A second kill unwinds the loop; the deferred wait blocks.
		err = h.Kill(nil, true, 20*time.Millisecond)
		if !errors.Is(err, gevent.ErrTimeout) || h.Dead() {
			t.Fatalf("second Kill: %v dead=%v", err, h.Dead())
		}
		// A third kill interrupts the deferred wait.
		if err := h.Kill(nil, true, 5*time.Second); err != nil || !h.Dead() {
			t.Fatalf("third kill: %v dead=%v", err, h.Dead())
		}
		if !errors.Is(deferErr, gevent.ErrGreenletExit) {
			t.Errorf("deferred sleep returned %v", deferErr)
		}
		return nil
	})
}

// A deferred call that loops on blocking calls while the greenlet unwinds
// is unwound by a further kill.
func TestKillUnwindsLoopingDefer(t *testing.T) {
	run(t, func() error {
		n := 0
		h := gevent.Go(func() {
			defer func() {
				for {
					gevent.Sleep(time.Hour)
					n++
				}
			}()
			for {
				gevent.Sleep(time.Hour)
			}
		})
		gevent.Sleep(0)
		for i := range 2 {
			if err := h.Kill(nil, true, 20*time.Millisecond); !errors.Is(err, gevent.ErrTimeout) {
				t.Fatalf("kill %d: %v", i+1, err)
			}
		}
		// Kill 3 interrupts the deferred loop's Sleep, kill 4 unwinds it.
		h.Kill(nil, true, 20*time.Millisecond)
		if err := h.Kill(nil, true, 5*time.Second); err != nil || !h.Dead() {
			t.Fatalf("fourth kill: %v dead=%v", err, h.Dead())
		}
		if n != 1 {
			t.Errorf("deferred loop ran %d times after its first interruption, want 1", n)
		}
		return nil
	})
}

func TestLinks(t *testing.T) {
	run(t, func() error {
		reports := quiet()
		var trace []string
		g := gevent.Spawn(func() (int, error) { gevent.Sleep(0); return 5, nil })
		g.Rawlink(func() { trace = append(trace, "raw1") })
		id := g.Rawlink(func() { trace = append(trace, "removed") })
		g.Rawlink(func() { panic("bad link") })
		g.Link(func(x *gevent.Greenlet[int]) { trace = append(trace, fmt.Sprint("link ", x.Value())) })
		g.LinkValue(func(*gevent.Greenlet[int]) { trace = append(trace, "value") })
		g.LinkException(func(*gevent.Greenlet[int]) { trace = append(trace, "exception") })
		g.Rawlink(func() { trace = append(trace, "raw2") })
		g.Unlink(id)
		g.Join()
		gevent.Sleep(0)
		gevent.Sleep(0)
		// Linking after the end still fires.
		g.Rawlink(func() { trace = append(trace, "late") })
		gevent.Sleep(0)
		// Spawned links run at once, in order with the raw ones (gevent).
		want := "[raw1 link 5 value raw2 late]"
		if fmt.Sprint(trace) != want {
			t.Errorf("trace %v, want %s", trace, want)
		}
		if len(*reports) != 1 || !strings.Contains((*reports)[0], "bad link") {
			t.Errorf("reports %q", *reports)
		}
		return nil
	})
}

func TestJoinAllOptions(t *testing.T) {
	run(t, func() error {
		quiet()
		mk := func(d time.Duration, err error) *gevent.Greenlet[int] {
			return gevent.Spawn(func() (int, error) { gevent.Sleep(d); return 0, err })
		}
		gs := []*gevent.Greenlet[int]{mk(3*time.Millisecond, nil), mk(time.Millisecond, errBoom), mk(2*time.Millisecond, nil)}
		done, err := gevent.JoinAllOpts(gs, gevent.JoinOptions{RaiseError: true})
		if err != errBoom || len(done) != 1 || done[0] != gs[1] {
			t.Errorf("raise error: done=%v err=%v", done, err)
		}
		done, err = gevent.JoinAllOpts(gs, gevent.JoinOptions{Count: 2})
		if err != nil || len(done) != 2 || done[0] != gs[1] || done[1] != gs[2] {
			t.Errorf("count: done=%v err=%v", done, err)
		}
		done, err = gevent.JoinAll(gs)
		if err != nil || len(done) != 3 {
			t.Errorf("all: done=%v err=%v", done, err)
		}
		slow := mk(time.Hour, nil)
		done, err = gevent.JoinAll([]*gevent.Greenlet[int]{gs[0], slow}, 10*time.Millisecond)
		if !errors.Is(err, gevent.ErrTimeout) || len(done) != 1 {
			t.Errorf("timeout: done=%v err=%v", done, err)
		}
		return nil
	})
}

func TestIWaitCompletionOrderAndEarlyStop(t *testing.T) {
	run(t, func() error {
		var gs []gevent.AnyGreenlet
		for _, d := range []int{3, 1, 2} {
			g := gevent.Go(func() { gevent.Sleep(time.Duration(d) * time.Millisecond) })
			g.Name() // numbered in spawn order: Greenlet-0, -1, -2
			gs = append(gs, g)
		}
		var order []string
		for g, err := range gevent.IWait(gs) {
			if err != nil {
				t.Fatal(err)
			}
			order = append(order, g.Name())
			if len(order) == 2 {
				break
			}
		}
		if fmt.Sprint(order) != "[Greenlet-1 Greenlet-2]" {
			t.Errorf("order %v", order)
		}
		// The early stop left no link behind that could wake us later.
		if err := gevent.Sleep(5 * time.Millisecond); err != nil {
			t.Error(err)
		}
		return nil
	})
}

func TestSpawnLaterAndStartLater(t *testing.T) {
	run(t, func() error {
		var trace []string
		a := gevent.SpawnLater(2*time.Millisecond, func() (int, error) { trace = append(trace, "later"); return 1, nil })
		b := gevent.Go(func() { trace = append(trace, "now") })
		gevent.JoinAll([]gevent.AnyGreenlet{a, b})
		if fmt.Sprint(trace) != "[now later]" {
			t.Errorf("trace %v", trace)
		}
		c := gevent.SpawnLater(time.Hour, func() (int, error) { return 1, nil })
		c.Kill(nil, true)
		if !c.Dead() || c.Value() != 0 {
			t.Error("kill before a delayed start")
		}
		return nil
	})
}

func TestGreenletSubclassPattern(t *testing.T) {
	type myGreenlet struct {
		gevent.Greenlet[string]
		message string
	}
	run(t, func() error {
		g := &myGreenlet{message: "hi"}
		g.Init(func() (string, error) { return g.message + "!", nil })
		g.Start()
		v, err := g.Get()
		if v != "hi!" || err != nil {
			t.Fatalf("%q %v", v, err)
		}
		return nil
	})
}

func TestContextCancelledOnKillAndFinish(t *testing.T) {
	run(t, func() error {
		g := gevent.Go(func() { gevent.Sleep(time.Hour) })
		ctx := g.Context()
		gevent.Sleep(0)
		g.Kill(errBoom, true)
		if ctx.Err() == nil || !errors.Is(context_Cause(ctx), errBoom) {
			t.Errorf("ctx err %v", ctx.Err())
		}
		h := gevent.Go(func() {})
		hc := h.Context()
		h.Join()
		if hc.Err() == nil {
			t.Error("context not cancelled at finish")
		}
		return nil
	})
}

func TestGoexitInGreenletDoesNotKillHub(t *testing.T) {
	run(t, func() error {
		quiet()
		g := gevent.Go(func() { runtime.Goexit() })
		g.Join()
		if !g.Dead() || g.Err() == nil {
			t.Fatalf("dead=%v err=%v", g.Dead(), g.Err())
		}
		if err := gevent.Sleep(time.Millisecond); err != nil {
			t.Fatal(err)
		}
		return nil
	})
}

// A waiting greenlet runs the greenlets at the head of the ready queue
// itself (saving a switch through the hub); hub callbacks interleaved with
// them must still run exactly where the hub would run them.
func TestDirectHandOffKeepsOrderWithCallbacks(t *testing.T) {
	run(t, func() error {
		h := gevent.GetHub()
		var trace []string
		step := func(name string) func() {
			return func() {
				for i := range 3 {
					trace = append(trace, fmt.Sprint(name, i))
					if i == 1 && name == "A" {
						h.Schedule(func() { trace = append(trace, "cb2") })
					}
					gevent.Sleep(0)
				}
			}
		}
		a := gevent.Go(step("A"))
		b := gevent.Go(step("B"))
		h.Schedule(func() { trace = append(trace, "cb1") })
		c := gevent.Go(step("C"))
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{a, b, c})
		want := "[A0 B0 cb1 C0 A1 B1 C1 cb2 A2 B2 C2]"
		if fmt.Sprint(trace) != want {
			t.Fatalf("trace %v\nwant  %s", trace, want)
		}
		return nil
	})
}
