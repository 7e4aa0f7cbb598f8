package main

import (
	"strings"
	"sync"
	"testing"

	"github.com/gevent-go/gevent"
)

func reports(t *testing.T) []*gevent.BlockingReport {
	t.Helper()
	var mu sync.Mutex
	var rs []*gevent.BlockingReport
	got, err := run(func(r *gevent.BlockingReport) { mu.Lock(); rs = append(rs, r); mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	if got != "hello\n" {
		t.Fatalf("client read %q", got)
	}
	mu.Lock()
	defer mu.Unlock()
	return rs
}

// The monitor catches the time.Sleep in the handler, once, and names it.
func TestMonitorCatchesSleep(t *testing.T) {
	*fixed = false
	rs := reports(t)
	if len(rs) != 1 {
		t.Fatalf("%d reports, want 1: %v", len(rs), rs)
	}
	r := rs[0]
	if r.Culprit != "time.Sleep" || !strings.Contains(r.Frame, ".handle (") || !strings.Contains(r.Frame, "main.go:") {
		t.Errorf("report: culprit %q, frame %q", r.Culprit, r.Frame)
	}
	t.Logf("%s", r)
}

// With gevent.Sleep nothing is reported.
func TestMonitorFixed(t *testing.T) {
	*fixed = true
	defer func() { *fixed = false }()
	if rs := reports(t); len(rs) != 0 {
		t.Fatalf("reports for the fixed handler: %v", rs)
	}
}
