package gevent

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// A spawner that has finished is shown as finished even when a greenlet
// started later has its address (the collector may reuse it): the address
// recorded is matched only against greenlets listed before.
func TestRunInfoSpawnerAddressReused(t *testing.T) {
	err := Run(func() error {
		b := Go(func() { Sleep(time.Hour) })
		b.SetName("b")
		c := Go(func() { Sleep(time.Hour) })
		c.SetName("c")
		Sleep(0)
		b.g.spawnedBy = uintptr(unsafe.Pointer(&c.g)) // as if c reused b's dead spawner's memory
		info := GetHub().FormatRunInfo()
		want := " b parked: sleeping, wakes in 59m"
		i := strings.Index(info, want)
		if i < 0 {
			t.Fatalf("no %q in:\n%s", want, info)
		}
		line := strings.SplitN(info[i:], "\n", 3)[1]
		if wantBy := fmt.Sprintf("  spawned by <Greenlet at %p> (finished)", c); line != wantBy {
			t.Errorf("b: %q, want %q", line, wantBy)
		}
		c.g.spawnedBy = uintptr(unsafe.Pointer(&b.g))
		info = GetHub().FormatRunInfo()
		if !strings.Contains(info, " c parked: sleeping, wakes in 59m") || !strings.Contains(info, "\n  spawned by b\n") {
			t.Errorf("c is not shown spawned by b:\n%s", info)
		}
		return KillAll([]*Greenlet[struct{}]{b, c}, nil, true)
	})
	if err != nil {
		t.Fatal(err)
	}
}
