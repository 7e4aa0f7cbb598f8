package signal_test

import (
	"fmt"
	"os"
	ossignal "os/signal"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	gsignal "github.com/gevent-go/gevent/signal"
)

// The seeds' pattern (seed 001): a SIGQUIT handler shuts a long-running
// greenlet down, so the program ends instead of hanging. The signals are
// sent by the program itself here.
func Example() {
	usr := gsignal.Handle(syscall.SIGUSR1, func() { fmt.Println("got SIGUSR1") })
	defer usr.Cancel()
	runForever := func() { gevent.Sleep(1000 * time.Second) }
	thread := gevent.Go(runForever)
	quit := gsignal.Handle(syscall.SIGQUIT, func() {
		fmt.Println("shutting down")
		thread.Kill(nil, false)
	})
	defer quit.Cancel()
	gevent.SpawnLater(50*time.Millisecond, func() (struct{}, error) {
		return struct{}{}, syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	})
	gevent.SpawnLater(100*time.Millisecond, func() (struct{}, error) {
		return struct{}{}, syscall.Kill(os.Getpid(), syscall.SIGQUIT)
	})
	thread.Join()
	fmt.Println("dead:", map[bool]string{true: "True", false: "False"}[thread.Dead()])
	// Output:
	// got SIGUSR1
	// shutting down
	// dead: True
}

func TestHandlerWakesSleepingHubAndCancel(t *testing.T) {
	gevent.Run(func() error {
		n := 0
		h := gsignal.Handle(syscall.SIGUSR2, func() { n++ })
		release := gevent.GetHub().Hold()
		defer release()
		go func() {
			time.Sleep(20 * time.Millisecond)
			syscall.Kill(os.Getpid(), syscall.SIGUSR2)
		}()
		for i := 0; i < 500 && n == 0; i++ {
			gevent.Sleep(2 * time.Millisecond)
		}
		if n != 1 {
			t.Fatalf("handler ran %d times", n)
		}
		h.Cancel()
		h.Cancel()
		return nil
	})
}

// Regression (issue 11 item 11): a handler never cancelled left its
// goroutine and its os/signal registration behind after its hub ended.
// The end of the hub now cancels it.
func TestHubEndCancelsHandlers(t *testing.T) {
	settle := func(want int) int {
		n := runtime.NumGoroutine()
		for i := 0; i < 500 && n > want; i++ {
			time.Sleep(10 * time.Millisecond)
			n = runtime.NumGoroutine()
		}
		return n
	}
	// A handler for SIGUSR2 that stays installed throughout keeps the
	// signal caught (so a stray one cannot end the test binary) and warms
	// os/signal's own goroutine up before the baseline is taken.
	keep := make(chan os.Signal, 1)
	ossignal.Notify(keep, syscall.SIGUSR2)
	defer ossignal.Stop(keep)
	time.Sleep(20 * time.Millisecond)
	base := runtime.NumGoroutine()
	const runs = 20
	for range runs {
		gevent.Run(func() error {
			gsignal.Handle(syscall.SIGUSR2, func() {})
			gsignal.Handle(syscall.SIGUSR1, func() {})
			return nil
		})
	}
	if n := settle(base); n > base {
		t.Fatalf("%d goroutines after %d hubs that installed handlers ended, %d before", n, runs, base)
	}
}
