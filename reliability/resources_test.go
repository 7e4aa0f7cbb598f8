package reliability

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/socket"
	"github.com/gevent-go/gevent/subprocess"
)

// TestSocketFinalizer (issue 11.8): Runs that each leave a listener, a dialled
// connection and an accepted one open, unreferenced, leave no descriptor
// behind once collected (as net's sockets do); nor do the hubs themselves.
func TestSocketFinalizer(t *testing.T) {
	runs := count(1000, 50)
	c := begin(t, "socket_finalizer", fmt.Sprintf("%d Runs each leave 3 sockets open and unreferenced; descriptors after GC", runs), "11.8", 2*time.Minute)
	c.slackFDs = 1 << 20 // counted below; do not fail twice
	before := openFDs()
	for range runs {
		err := gevent.Run(func() error {
			l, err := socket.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			if _, err := socket.Dial("tcp", l.Addr().String()); err != nil {
				return err
			}
			_, err = l.Accept()
			return err
		})
		if err != nil {
			c.fail("Run: %v", err)
			break
		}
	}
	after := openFDs()
	for stop := time.Now().Add(5 * time.Second); after > before && time.Now().Before(stop); after = openFDs() {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	c.fig("descriptors %d before, %d after %d Runs and GC", before, after, runs)
	c.expect(after <= before, "%d descriptors leaked by %d Runs", after-before, runs)
}

// TestSubprocessTimeoutKills (issue 11.3): Call, CheckCall, CheckOutput and
// Run given a timeout kill the child when it elapses and wait for it, as
// gevent and CPython do: no child is left running or unreaped.
func TestSubprocessTimeoutKills(t *testing.T) {
	c := begin(t, "subprocess_timeout_kills", "Call, CheckCall, CheckOutput, Run with a 200 ms timeout on a 30 s child; is the child gone?", "11.3", 2*time.Minute)
	dir := t.TempDir()
	calls := map[string]func(args []string, o subprocess.Options) error{
		"Call": func(args []string, o subprocess.Options) error {
			_, err := subprocess.Call(args, o, 200*time.Millisecond)
			return err
		},
		"CheckCall": func(args []string, o subprocess.Options) error {
			return subprocess.CheckCall(args, o, 200*time.Millisecond)
		},
		"CheckOutput": func(args []string, o subprocess.Options) error {
			_, err := subprocess.CheckOutput(args, o, 200*time.Millisecond)
			return err
		},
		"Run": func(args []string, o subprocess.Options) error {
			_, err := subprocess.Run(args, o, nil, true, 200*time.Millisecond)
			return err
		},
	}
	gone := 0
	var left []string
	for _, name := range []string{"Call", "CheckCall", "CheckOutput", "Run"} {
		pidFile := filepath.Join(dir, name)
		var callErr error
		err := gevent.Run(func() error {
			callErr = calls[name]([]string{"echo $$ > " + pidFile + "; exec sleep 30"}, subprocess.Options{Shell: true})
			return nil
		})
		c.expect(err == nil, "%s: Run: %v", name, err)
		c.expect(errors.Is(callErr, gevent.ErrTimeout), "%s: %v, want a timeout", name, callErr)
		b, _ := os.ReadFile(pidFile)
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if pid <= 0 {
			c.fail("%s: the child did not write its pid", name)
			continue
		}
		state := "running"
		for stop := time.Now().Add(3 * time.Second); time.Now().Before(stop); time.Sleep(20 * time.Millisecond) {
			if state = procState(pid); state == "gone" {
				break
			}
		}
		if state == "gone" {
			gone++
		} else {
			left = append(left, name+": "+state)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	c.fig("children killed and reaped after the timeout %d/4", gone)
	c.expect(gone == 4, "children left after the timeout: %s", strings.Join(left, ", "))
}

// procState is "gone", "zombie (not waited for)" or "running".
func procState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "gone"
	}
	if f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:])); len(f) > 0 && f[0] == "Z" {
		return "zombie (not waited for)"
	}
	return "running"
}

// TestCommunicateAbandoned (issue 11.3): a Communicate that timed out and is
// not called again must not keep buffering a chatty child's output without
// limit: 1.5 s of `yes` afterwards (0.3 s in the quick slice) grows the heap
// by less than 64 MB (before the fix: about 1 GB in 1.5 s).
func TestCommunicateAbandoned(t *testing.T) {
	idle := time.Duration(count(1500, 300)) * time.Millisecond
	c := begin(t, "communicate_abandoned", fmt.Sprintf("Communicate(100 ms) on `yes`, then %v without collecting; heap growth", idle), "11.3", 2*time.Minute)
	c.heapSlackMB = 1 << 20 // counted below; do not fail twice
	var grew float64
	err := gevent.Run(func() error {
		p, err := subprocess.Start([]string{"yes"}, subprocess.Options{Stdout: subprocess.PIPE})
		if err != nil {
			return err
		}
		defer p.Wait()
		defer p.Kill()
		if _, _, err := p.Communicate(nil, 100*time.Millisecond); !errors.Is(err, subprocess.ErrTimeoutExpired) {
			return fmt.Errorf("Communicate: %v, want ErrTimeoutExpired", err)
		}
		h0 := heapMB()
		if err := gevent.Sleep(idle); err != nil {
			return err
		}
		grew = heapMB() - h0
		return nil
	})
	c.expect(err == nil, "Run: %v", err)
	c.fig("heap growth in %v after the abandoned Communicate: %.1f MB (bound 64)", idle, grew)
	c.expect(grew < 64, "the heap grew by %.0f MB: the output is buffered for nobody", grew)
}
