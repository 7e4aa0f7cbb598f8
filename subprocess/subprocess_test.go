package subprocess_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
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

// startedPid reads the pid a shell child wrote to file (waiting for it a
// little: the child may not have run yet).
func startedPid(t *testing.T, file string) int {
	t.Helper()
	for range 500 {
		b, _ := os.ReadFile(file)
		var pid int
		if _, err := fmt.Sscan(string(b), &pid); err == nil && pid > 0 {
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the child never wrote its pid to %s", file)
	return 0
}

// alive reports whether process pid exists (running or a zombie not yet
// reaped).
func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// Regression (issue 11 item 3): Call, CheckCall, CheckOutput and Run
// returned their timeout error and left the child running; like CPython
// they now kill it and wait for it, so it is gone when they return. The
// same holds when the caller's Timeout scope expires.
func TestTimeoutKillsAndReapsChild(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		call func(args []string) error
	}{
		{"Call", func(args []string) error {
			_, err := subprocess.Call(args, subprocess.Options{}, time.Second)
			return err
		}},
		{"CheckCall", func(args []string) error {
			return subprocess.CheckCall(args, subprocess.Options{}, time.Second)
		}},
		{"CheckOutput", func(args []string) error {
			_, err := subprocess.CheckOutput(args, subprocess.Options{}, time.Second)
			return err
		}},
		{"Run", func(args []string) error {
			_, err := subprocess.Run(args, subprocess.Options{}, []byte("in"), true, time.Second)
			return err
		}},
		{"CallUnderTimeoutScope", func(args []string) error {
			to := gevent.StartNewTimeout(time.Second, nil)
			defer to.Cancel()
			_, err := subprocess.Call(args, subprocess.Options{})
			if !errors.Is(err, to) {
				return fmt.Errorf("not the scope's error: %v", err)
			}
			return subprocess.ErrTimeoutExpired // what the check below wants
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := fmt.Sprintf("%s/pid%d", dir, i)
			// exec: the pid written is the one that must die.
			args := []string{"sh", "-c", "echo $$ > " + file + "; exec sleep 30"}
			run(t, func() error {
				err := tc.call(args)
				if !errors.Is(err, subprocess.ErrTimeoutExpired) {
					t.Fatalf("err %v, want ErrTimeoutExpired", err)
				}
				if pid := startedPid(t, file); alive(pid) {
					syscall.Kill(pid, syscall.SIGKILL)
					t.Errorf("child %d still exists after %s returned its timeout", pid, tc.name)
				}
				return nil
			})
		})
	}
}

// Regression (issue 11 item 3): a Communicate abandoned after its timeout
// left its readers reading a chatty child without limit (12 -> 474 MB in
// 3 s on yes). The readers now stop between Communicate calls: the child
// blocks on its full pipe. Measured on the child's side (the bytes it
// wrote, /proc/PID/io) so that the test also runs against the old code,
// and on ours (the bytes the readers hold).
func TestAbandonedCommunicateBuffersBoundedly(t *testing.T) {
	run(t, func() error {
		p, err := subprocess.Start([]string{"yes"}, subprocess.Options{Stdout: subprocess.PIPE})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { p.Kill(); p.Wait() }()
		if _, _, err := p.Communicate(nil, 50*time.Millisecond); !errors.Is(err, subprocess.ErrTimeoutExpired) {
			t.Fatalf("communicate: %v", err)
		}
		wrote := func() int64 {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", p.Pid()))
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(l, "wchar: "); ok {
					var n int64
					fmt.Sscan(v, &n)
					return n
				}
			}
			t.Fatalf("no wchar in %q", b)
			return 0
		}
		// Let the hub run (and any reader left behind) for a while.
		if err := gevent.Sleep(100 * time.Millisecond); err != nil {
			return err
		}
		before, held := wrote(), subprocess.Buffered(p)
		if err := gevent.Sleep(300 * time.Millisecond); err != nil {
			return err
		}
		after, heldAfter := wrote(), subprocess.Buffered(p)
		// A pipe holds 64 KiB; the readers take one more chunk each.
		const limit = 1 << 20
		if after-before > limit || heldAfter-held > limit {
			t.Errorf("after the abandoned Communicate the child wrote %d more bytes and the readers took %d more (limit %d)",
				after-before, heldAfter-held, limit)
		}
		// A new Communicate reads again.
		if _, _, err := p.Communicate(nil, 50*time.Millisecond); !errors.Is(err, subprocess.ErrTimeoutExpired) {
			t.Fatalf("communicate: %v", err)
		}
		if subprocess.Buffered(p) <= heldAfter {
			t.Errorf("the second Communicate read nothing")
		}
		return nil
	})
}

// SendSignal, Terminate and Kill work from any goroutine, and after the
// hub ended: an AfterClose hook (gipc's children) may kill a child that
// outlived its hub.
func TestSignalFromAnyGoroutine(t *testing.T) {
	var p *subprocess.Popen
	run(t, func() error {
		var err error
		p, err = subprocess.Start([]string{"sleep", "30"}, subprocess.Options{})
		if err != nil {
			return err
		}
		done := make(chan error, 1)
		release := gevent.GetHub().Hold()
		go func() { done <- p.Terminate(); release() }()
		if err := <-done; err != nil {
			t.Errorf("Terminate from a plain goroutine: %v", err)
		}
		code, err := p.Wait(10 * time.Second)
		if err != nil || code != -int(syscall.SIGTERM) {
			t.Errorf("Wait after Terminate = %d, %v; want %d", code, err, -int(syscall.SIGTERM))
		}
		return nil
	})
	// After the hub ended, and after the child exited: no error, no panic.
	if err := p.Kill(); err != nil {
		t.Errorf("Kill after the hub ended: %v", err)
	}
}

// A timed-out Call, CheckOutput or Run kills the child and stops the
// readers and the writer of Communicate on purpose: that is not reported to
// the hub's error handler as a failed greenlet ("file already closed" was
// reported for each of them).
func TestTimeoutReportsNoFailure(t *testing.T) {
	run(t, func() error {
		var reports []string
		gevent.GetHub().SetErrorHandler(func(g gevent.AnyGreenlet, err error) {
			reports = append(reports, fmt.Sprint(g, ": ", err))
		})
		_, err := subprocess.CheckOutput([]string{"sh", "-c", "echo hi; exec sleep 5"}, subprocess.Options{}, 100*time.Millisecond)
		if !errors.Is(err, subprocess.ErrTimeoutExpired) {
			t.Errorf("CheckOutput: %v, want ErrTimeoutExpired", err)
		}
		_, err = subprocess.Run([]string{"sh", "-c", "cat; exec sleep 5"}, subprocess.Options{Stdin: subprocess.PIPE}, bytes.Repeat([]byte("x"), 1<<20), true, 100*time.Millisecond)
		if !errors.Is(err, subprocess.ErrTimeoutExpired) {
			t.Errorf("Run: %v, want ErrTimeoutExpired", err)
		}
		gevent.Sleep(50 * time.Millisecond) // let the stopped greenlets end
		if len(reports) > 0 {
			t.Errorf("failure reports after a timeout: %q", reports)
		}
		return nil
	})
}
