package subprocess_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/blocktest"
	"github.com/gevent-go/gevent/subprocess"
)

func run(t *testing.T, fn func() error) {
	t.Helper()
	if err := gevent.Run(fn); err != nil {
		t.Fatal(err)
	}
}

// The seed program (seeds 001 and 002): a cron greenlet keeps printing
// while a child runs. The seed runs `sleep 1; uname` and prints 5 (gevent
// 22.10: 6) crons, a count that sits on a timing edge; `sleep 0.5` gives 3
// with a margin of 0.1 s on both sides, as real gevent prints.
func Example() {
	cron := func() {
		for {
			fmt.Println("cron")
			if gevent.Sleep(200*time.Millisecond) != nil {
				return
			}
		}
	}
	g := gevent.Go(cron)
	sub, err := subprocess.Start([]string{"sleep 0.5; uname"}, subprocess.Options{Stdout: subprocess.PIPE, Shell: true})
	if err != nil {
		panic(err)
	}
	out, _, err := sub.Communicate(nil)
	if err != nil {
		panic(err)
	}
	g.Kill(nil, true)
	fmt.Println(strings.TrimSpace(string(out)))
	// Output:
	// cron
	// cron
	// cron
	// Linux
}

func TestCommunicateInputOutputStderr(t *testing.T) {
	run(t, func() error {
		p, err := subprocess.Start([]string{"sh", "-c", "tr a-z A-Z; echo err >&2; exit 3"},
			subprocess.Options{Stdin: subprocess.PIPE, Stdout: subprocess.PIPE, Stderr: subprocess.PIPE})
		if err != nil {
			t.Fatal(err)
		}
		big := strings.Repeat("abcdefgh", 64<<10) // larger than a pipe buffer
		out, errOut, err := p.Communicate([]byte(big))
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != strings.ToUpper(big) || string(errOut) != "err\n" || p.Returncode() != 3 {
			t.Errorf("out %d bytes, stderr %q, rc %d", len(out), errOut, p.Returncode())
		}
		return nil
	})
}

func TestWaitTimeoutLeavesChildRunningAndOutputIsNotLost(t *testing.T) {
	run(t, func() error {
		p, err := subprocess.Start([]string{"sh", "-c", "echo first; sleep 0.2; echo second"},
			subprocess.Options{Stdout: subprocess.PIPE})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Wait(10 * time.Millisecond); !errors.Is(err, subprocess.ErrTimeoutExpired) || !errors.Is(err, gevent.ErrTimeout) {
			t.Fatalf("wait: %v", err)
		}
		if _, _, err := p.Communicate(nil, 20*time.Millisecond); !errors.Is(err, subprocess.ErrTimeoutExpired) {
			t.Fatalf("communicate: %v", err)
		}
		out, _, err := p.Communicate(nil)
		if err != nil || string(out) != "first\nsecond\n" {
			t.Fatalf("out %q err %v", out, err)
		}
		if rc, err := p.Wait(); rc != 0 || err != nil {
			t.Fatalf("rc %d err %v", rc, err)
		}
		return nil
	})
}

func TestHubKeepsRunningWhileChildRuns(t *testing.T) {
	run(t, func() error {
		ticks := 0
		g := gevent.Go(func() {
			for gevent.Sleep(10*time.Millisecond) == nil {
				ticks++
			}
		})
		rc, err := subprocess.Call([]string{"sleep", "0.1"}, subprocess.Options{})
		g.Kill(nil, true)
		if rc != 0 || err != nil || ticks < 3 {
			t.Fatalf("rc %d err %v ticks %d", rc, err, ticks)
		}
		return nil
	})
}

func TestCheckOutputAndErrors(t *testing.T) {
	run(t, func() error {
		out, err := subprocess.CheckOutput([]string{"echo", "hi"}, subprocess.Options{})
		if string(out) != "hi\n" || err != nil {
			t.Errorf("%q %v", out, err)
		}
		_, err = subprocess.CheckOutput([]string{"sh", "-c", "echo partial; exit 2"}, subprocess.Options{})
		var cpe *subprocess.CalledProcessError
		if !errors.As(err, &cpe) || cpe.Returncode != 2 || string(cpe.Output) != "partial\n" {
			t.Errorf("err %v", err)
		}
		if err := subprocess.CheckCall([]string{"false"}, subprocess.Options{}); !errors.As(err, &cpe) {
			t.Errorf("CheckCall(false): %v", err)
		}
		if _, err := subprocess.Start([]string{"/nonexistent/binary"}, subprocess.Options{}); err == nil {
			t.Error("starting a missing binary succeeded")
		}
		r, err := subprocess.Run([]string{"cat"}, subprocess.Options{}, []byte("in"), true)
		if err != nil || string(r.Stdout) != "in" || r.Returncode != 0 {
			t.Errorf("Run: %+v %v", r, err)
		}
		return nil
	})
}

func TestKillAndWaitable(t *testing.T) {
	run(t, func() error {
		p, err := subprocess.Start([]string{"sleep", "10"}, subprocess.Options{Stdout: subprocess.DEVNULL})
		if err != nil {
			t.Fatal(err)
		}
		q, _ := subprocess.Start([]string{"true"}, subprocess.Options{})
		done, err := gevent.WaitN([]*subprocess.Popen{p, q}, 1)
		if err != nil || len(done) != 1 || done[0] != q {
			t.Fatalf("first ready: %v %v", done, err)
		}
		p.Kill()
		rc, err := p.Wait(5 * time.Second)
		if err != nil || rc != -9 {
			t.Fatalf("killed child rc %d err %v", rc, err)
		}
		return nil
	})
}

func TestNoFDLeak(t *testing.T) {
	count := func() int { e, _ := os.ReadDir("/proc/self/fd"); return len(e) }
	run(t, func() error {
		subprocess.CheckOutput([]string{"true"}, subprocess.Options{}) // warm up
		before := count()
		for range 20 {
			subprocess.Run([]string{"cat"}, subprocess.Options{}, []byte("x"), true)
		}
		if after := count(); after > before {
			t.Errorf("fds before %d after %d", before, after)
		}
		return nil
	})
}

func TestBlockingContract(t *testing.T) {
	blocktest.Check(t, blocktest.Op{Name: "Wait", Setup: func() blocktest.Op {
		// DEVNULL: a child holding go test's stdout would delay its exit.
		p, err := subprocess.Start([]string{"sleep", "2"}, subprocess.Options{Stdout: subprocess.DEVNULL, Stderr: subprocess.DEVNULL})
		if err != nil {
			panic(err)
		}
		return blocktest.Op{
			Block:       func() error { _, err := p.Wait(); return err },
			WithTimeout: func(d time.Duration) error { _, err := p.Wait(d); return err },
		}
	}})
	blocktest.Check(t, blocktest.Op{Name: "Communicate", Setup: func() blocktest.Op {
		p, err := subprocess.Start([]string{"sleep", "2"}, subprocess.Options{Stdout: subprocess.PIPE, Stderr: subprocess.DEVNULL})
		if err != nil {
			panic(err)
		}
		return blocktest.Op{
			Block:       func() error { _, _, err := p.Communicate(nil); return err },
			WithTimeout: func(d time.Duration) error { _, _, err := p.Communicate(nil, d); return err },
		}
	}})
}
