//go:build !race

// The race detector's sync.Pool drops buffers at random: the figure is
// meaningful only without it.

package websocket

import (
	"bytes"
	"runtime"
	"testing"
)

// TestReadAllAllocatesTheMessageOnly: a small message costs an allocation
// of its own size, not io.ReadAll's 512 bytes (a WebSocket echo server
// allocates little else per message: this is most of its garbage).
func TestReadAllAllocatesTheMessageOnly(t *testing.T) {
	msg := make([]byte, 64)
	r := bytes.NewReader(msg)
	readAll(r) // warm the pool
	var before, after runtime.MemStats
	const n = 1000
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		r.Reset(msg)
		if b, err := readAll(r); err != nil || len(b) != 64 {
			t.Fatal(len(b), err)
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > 128 {
		t.Fatalf("%d bytes allocated per 64-byte message, want <= 128", per)
	}
}
