package gevent_test

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

// trace runs thousands of greenlets that sleep (0 and timed), spawn, join
// and kill each other, and returns the full event trace.
func trace() string {
	var b strings.Builder
	gevent.Run(func() error {
		const n = 3000
		gs := make([]*gevent.Greenlet[int], n)
		for i := range gs {
			gs[i] = gevent.Spawn(func() (int, error) {
				fmt.Fprintf(&b, "start %d\n", i)
				for step := 0; step < 3; step++ {
					var err error
					if i%4 == 0 {
						err = gevent.Sleep(time.Duration(i%7) * 100 * time.Microsecond)
					} else {
						err = gevent.Sleep(0)
					}
					if err != nil {
						fmt.Fprintf(&b, "killed %d at %d\n", i, step)
						return i, err
					}
					if i%10 == 3 && step == 1 {
						gs[(i*7)%n].Kill(nil, false)
					}
				}
				fmt.Fprintf(&b, "end %d\n", i)
				return i, nil
			})
		}
		for g, err := range gevent.IWait(gs) {
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "done %s\n", g.Name())
		}
		return nil
	})
	return b.String()
}

func TestDeterministicTraces(t *testing.T) {
	first := trace()
	if strings.Count(first, "\n") < 9000 {
		t.Fatalf("trace too short: %d lines", strings.Count(first, "\n"))
	}
	for run := 1; run < 4; run++ {
		if got := trace(); got != first {
			t.Fatalf("run %d differs: %x vs %x", run, sha256.Sum256([]byte(got)), sha256.Sum256([]byte(first)))
		}
	}
}
