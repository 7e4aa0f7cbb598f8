package gevent_test

import (
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

// reports collects a monitor's reports.
type reports struct {
	mu sync.Mutex
	rs []*gevent.BlockingReport
}

func (r *reports) add(b *gevent.BlockingReport) {
	r.mu.Lock()
	r.rs = append(r.rs, b)
	r.mu.Unlock()
}

func (r *reports) all() []*gevent.BlockingReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*gevent.BlockingReport(nil), r.rs...)
}

// runMonitored runs fn in a hub with the monitor on (default threshold).
func runMonitored(t *testing.T, fn func() error) []*gevent.BlockingReport {
	t.Helper()
	h, err := gevent.NewHub()
	if err != nil {
		t.Fatal(err)
	}
	var rs reports
	h.StartMonitor(gevent.MonitorConfig{Report: rs.add})
	if err := h.Run(fn); err != nil {
		t.Fatal(err)
	}
	return rs.all()
}

// blockFor is how long each culprit holds the hub: four thresholds.
const blockFor = 4 * gevent.DefaultMaxBlockingTime

func TestMonitorCulprits(t *testing.T) {
	tests := []struct {
		name    string
		culprit string
		block   func()
	}{
		{"time.Sleep", "time.Sleep", func() { time.Sleep(blockFor) }},
		{"channel", "channel receive", func() {
			ch := make(chan int)
			go func() { time.Sleep(blockFor); ch <- 1 }()
			<-ch
		}},
		{"WaitGroup", "sync.WaitGroup.Wait", func() {
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { time.Sleep(blockFor); wg.Done() }()
			wg.Wait()
		}},
		{"Mutex", "sync.Mutex.Lock", func() {
			var mu sync.Mutex
			mu.Lock()
			go func() { time.Sleep(blockFor); mu.Unlock() }()
			mu.Lock()
		}},
		{"CPU", "CPU (no blocking call)", func() {
			for start := time.Now(); time.Since(start) < blockFor; {
			}
		}},
		{"syscall", "a blocking system call (syscall.read)", func() {
			var p [2]int
			if err := syscall.Pipe(p[:]); err != nil {
				panic(err)
			}
			defer syscall.Close(p[0])
			defer syscall.Close(p[1])
			go func() { time.Sleep(blockFor); syscall.Write(p[1], []byte("x")) }()
			var b [1]byte
			syscall.Read(p[0], b[:])
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := runMonitored(t, func() error {
				g := gevent.Go(func() {
					gevent.Sleep(0)
					tt.block()
					gevent.Sleep(0)
				})
				g.SetName("culprit-" + tt.name)
				other := gevent.Go(func() { gevent.Sleep(10 * time.Millisecond) })
				_, err := gevent.JoinAll([]*gevent.Greenlet[struct{}]{g, other})
				return err
			})
			if len(rs) != 1 {
				for _, r := range rs {
					t.Log(r)
				}
				t.Fatalf("%d reports, want 1", len(rs))
			}
			r := rs[0]
			if r.Greenlet != "culprit-"+tt.name {
				t.Errorf("greenlet %q, want %q", r.Greenlet, "culprit-"+tt.name)
			}
			if r.Culprit != tt.culprit {
				t.Errorf("culprit %q, want %q", r.Culprit, tt.culprit)
			}
			if !strings.Contains(r.Frame, "TestMonitorCulprits") || !strings.Contains(r.Frame, "monitor_test.go:") {
				t.Errorf("frame %q, want this test's function", r.Frame)
			}
			if r.Duration < gevent.DefaultMaxBlockingTime {
				t.Errorf("duration %v < threshold", r.Duration)
			}
			if !strings.Contains(string(r.Stack), "TestMonitorCulprits") {
				t.Errorf("stack does not show the culprit:\n%s", r.Stack)
			}
			if !strings.Contains(r.String(), "culprit-"+tt.name+" blocked the hub") {
				t.Errorf("message: %s", r)
			}
		})
	}
}

// A hub that switches a million times, busy all along, is never reported.
func TestMonitorNoFalsePositive(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	rs := runMonitored(t, func() error {
		w := func() {
			for range n / 2 {
				gevent.Sleep(0)
			}
		}
		_, err := gevent.JoinAll([]*gevent.Greenlet[struct{}]{gevent.Go(w), gevent.Go(w)})
		return err
	})
	for _, r := range rs {
		t.Errorf("false report: %s", r)
	}
}

// The main greenlet and the loop are reported too.
func TestMonitorMainGreenlet(t *testing.T) {
	rs := runMonitored(t, func() error {
		gevent.Sleep(0)
		time.Sleep(blockFor)
		return gevent.Sleep(0)
	})
	if len(rs) != 1 || rs[0].Greenlet != "MainGreenlet" || rs[0].Culprit != "time.Sleep" {
		t.Fatalf("reports %v, want one for MainGreenlet in time.Sleep", rs)
	}
}

func TestMonitorStop(t *testing.T) {
	rs := runMonitored(t, func() error {
		gevent.GetHub().StopMonitor()
		time.Sleep(blockFor)
		return nil
	})
	if len(rs) != 0 {
		t.Fatalf("reports after StopMonitor: %v", rs)
	}
}

// BenchmarkMonitorOverhead: BenchmarkSleep0Switch on a hub without and
// with the blocking monitor (default threshold: its watchdog wakes every
// 25 ms), and with a watchdog that never wakes (the per-switch stores
// alone); ns/op is per switch. The spawn-join cases are
// BenchmarkSpawnJoin without and with the monitor; ns/op is per spawn and
// join.
func BenchmarkMonitorOverhead(b *testing.B) {
	for _, mode := range []string{"spawnjoin-off", "spawnjoin-on"} {
		b.Run(mode, func(b *testing.B) {
			h, _ := gevent.NewHub()
			if mode == "spawnjoin-on" {
				h.StartMonitor(gevent.MonitorConfig{})
			}
			h.Run(func() error {
				for b.Loop() {
					gevent.Spawn(func() (int, error) { return 1, nil }).Join()
				}
				return nil
			})
		})
	}
	for _, mode := range []string{"off", "on", "on-idle"} {
		b.Run(mode, func(b *testing.B) {
			h, _ := gevent.NewHub()
			switch mode {
			case "on":
				h.StartMonitor(gevent.MonitorConfig{})
			case "on-idle": // the per-switch cost alone: the watchdog never wakes
				h.StartMonitor(gevent.MonitorConfig{MaxBlockingTime: time.Hour})
			}
			h.Run(func() error {
				n := b.N
				w := func() {
					for i := 0; i < n/2; i++ {
						gevent.Sleep(0)
					}
				}
				b.ResetTimer()
				a, c := gevent.Go(w), gevent.Go(w)
				gevent.JoinAll([]*gevent.Greenlet[struct{}]{a, c})
				return nil
			})
		})
	}
}

// The memory monitor reports once above its threshold and once below.
func TestMemoryMonitor(t *testing.T) {
	h, err := gevent.NewHub()
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan bool, 10)
	var hold [][]byte
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h.StartMonitor(gevent.MonitorConfig{
		MaxBlockingTime:     time.Hour,
		MaxMemoryUsage:      ms.HeapAlloc + 64<<20,
		MemoryMonitorPeriod: 5 * time.Millisecond,
		Memory:              func(exceeded bool, usage, max uint64) { events <- exceeded },
	})
	wait := func(want bool) {
		t.Helper()
		for start := time.Now(); time.Since(start) < 10*time.Second; {
			select {
			case got := <-events:
				if got != want {
					t.Fatalf("event %v, want %v", got, want)
				}
				return
			default:
				gevent.Sleep(time.Millisecond)
			}
		}
		t.Fatalf("no event %v", want)
	}
	h.Run(func() error {
		for range 96 {
			hold = append(hold, make([]byte, 1<<20))
		}
		wait(true)
		hold = nil
		runtime.GC()
		wait(false)
		gevent.Sleep(50 * time.Millisecond)
		if len(events) != 0 {
			t.Errorf("more events: %d", len(events))
		}
		return nil
	})
}

// A hub callback that blocks is reported as the hub's.
func TestMonitorHubCallback(t *testing.T) {
	rs := runMonitored(t, func() error {
		gevent.GetHub().Schedule(func() { time.Sleep(blockFor) })
		return gevent.Sleep(10 * time.Millisecond)
	})
	if len(rs) != 1 || rs[0].Greenlet != "Hub" || rs[0].Culprit != "time.Sleep" || !strings.Contains(rs[0].Frame, "TestMonitorHubCallback") {
		t.Fatalf("reports %v, want one for Hub in time.Sleep", rs)
	}
}

// GEVENT_MONITOR_THREAD_ENABLE switches the monitor on for new hubs, with
// GEVENT_MAX_BLOCKING_TIME as threshold; reports go to slog.Default.
func TestMonitorEnv(t *testing.T) {
	t.Setenv(gevent.EnvMonitorEnable, "true")
	t.Setenv(gevent.EnvMaxBlockingTime, "0.05")
	var buf syncBuffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)
	err := gevent.Run(func() error {
		g := gevent.Go(func() { time.Sleep(250 * time.Millisecond) })
		g.SetName("env-sleeper")
		return g.Join()
	})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Count(out, "gevent: hub blocked") != 1 || !strings.Contains(out, "greenlet=env-sleeper") || !strings.Contains(out, "culprit=time.Sleep") {
		t.Fatalf("slog output: %s", out)
	}
}
