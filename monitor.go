package gevent

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gevent-go/gevent/internal/gid"
)

// DefaultMaxBlockingTime is the blocking monitor's default threshold,
// gevent's max_blocking_time.
const DefaultMaxBlockingTime = 100 * time.Millisecond

// The environment variables that switch the blocking monitor on for every
// hub created afterwards, as gevent's: GEVENT_MONITOR_THREAD_ENABLE set to
// a true value (1, t, true, yes, on: any case) and, optionally,
// GEVENT_MAX_BLOCKING_TIME in seconds (a decimal such as 0.1; default
// DefaultMaxBlockingTime).
const (
	EnvMonitorEnable   = "GEVENT_MONITOR_THREAD_ENABLE"
	EnvMaxBlockingTime = "GEVENT_MAX_BLOCKING_TIME"
	EnvMaxMemoryUsage  = "GEVENT_MAX_MEMORY_USAGE" // bytes: MonitorConfig.MaxMemoryUsage
)

// MonitorConfig configures a hub's blocking monitor (Hub.StartMonitor).
// The zero value is valid: a 100 ms threshold, reports logged with
// slog.Default.
type MonitorConfig struct {
	// MaxBlockingTime is how long one greenlet may run, or the hub's loop
	// may be busy outside its wait for events, before it is reported
	// (<= 0: DefaultMaxBlockingTime).
	MaxBlockingTime time.Duration
	// Report receives each report, on the monitor's goroutine (not a
	// greenlet: it may block, it must not call the hub's methods). Nil:
	// LogBlocking to slog.Default().
	Report func(*BlockingReport)

	// MaxMemoryUsage, if > 0, is a threshold on the process's heap (live
	// and not yet collected objects, runtime/metrics'
	// /memory/classes/heap/objects:bytes), checked every
	// MemoryMonitorPeriod (<= 0: 5 s, gevent's default): Memory is called
	// once when the heap is found above it, and once when it is found
	// below it again (gevent's MemoryUsageThresholdExceeded and
	// MemoryUsageUnderThreshold events).
	MaxMemoryUsage      uint64
	MemoryMonitorPeriod time.Duration
	// Memory receives the memory events on the monitor's goroutine:
	// exceeded (true: above the threshold, false: back below), the heap
	// size and the threshold. Nil: a slog.Default() Warn / Info record.
	Memory func(exceeded bool, usage, max uint64)
}

// BlockingReport describes one episode in which a greenlet (or the hub's
// loop) kept the hub from switching for longer than the monitor's
// threshold: gevent's monitor message.
type BlockingReport struct {
	Hub      string        // the hub, as Hub.String from outside: "<Hub at 0x...>"
	Greenlet string        // name of the greenlet that ran: "Greenlet-3", "MainGreenlet", "Hub" for the loop
	Duration time.Duration // how long it had run without a switch when the report was made (at least the threshold)
	Culprit  string        // what its goroutine was doing, when the stack shows it: "time.Sleep", "channel receive", "sync.WaitGroup.Wait", "system call", "CPU (no blocking call)"...; "" if unknown
	Frame    string        // the first frame outside the standard library and this package, "func (file:line)"; "" if none
	Stack    []byte        // the stack of the greenlet's goroutine at that moment; nil if it could not be found
}

// String gives the report in one paragraph: the message, then the stack.
func (r *BlockingReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gevent: %s blocked the hub %s for %v", r.Greenlet, r.Hub, r.Duration.Round(time.Millisecond))
	if r.Culprit != "" {
		fmt.Fprintf(&b, " in %s", r.Culprit)
	}
	if r.Frame != "" {
		fmt.Fprintf(&b, " at %s", r.Frame)
	}
	b.WriteString(" (a call that does not yield to the hub; use gevent's cooperative equivalent)\n")
	if r.Stack != nil {
		b.Write(r.Stack)
		b.WriteByte('\n')
	}
	return b.String()
}

// LogBlocking logs r to l at level Warn, with the greenlet, duration,
// culprit, frame and stack as attributes.
func LogBlocking(l *slog.Logger, r *BlockingReport) {
	l.LogAttrs(context.Background(), slog.LevelWarn, "gevent: hub blocked",
		slog.String("hub", r.Hub), slog.String("greenlet", r.Greenlet),
		slog.Duration("duration", r.Duration), slog.String("culprit", r.Culprit),
		slog.String("frame", r.Frame), slog.String("stack", string(r.Stack)))
}

// monitor is a hub's blocking monitor: the hub notes every switch (note),
// a watchdog goroutine samples them.
type monitor struct {
	h     *Hub
	max   time.Duration
	rep   func(*BlockingReport)
	mem   MonitorConfig // the memory part
	stop  chan struct{}
	ended sync.WaitGroup

	st *monitorState // the hub's observer's: see note
}

// StartMonitor starts h's blocking monitor (gevent's monitor thread): a
// goroutine that, every quarter of the threshold, checks that h has
// switched since it last looked, or is waiting for events. When one
// greenlet has run (or the loop has been busy) for longer than the
// threshold without a switch, it reports once for that episode: the
// greenlet's name, its stack at that moment, the duration and, when the
// stack shows it, the culprit (time.Sleep, a channel or sync wait, a
// blocking system call, Go's own network poller, a CPU loop). A greenlet
// that runs for a long time is only found at its end if it switches
// before the watchdog looks; the duration is exact to a quarter of the
// threshold.
//
// Cost: a few nanoseconds per switch while it runs, none otherwise. A
// monitor already running is replaced. It stops when h closes or with
// StopMonitor. Call it before Run or from a greenlet of h.
func (h *Hub) StartMonitor(c MonitorConfig) {
	h.mustSetup("Hub.StartMonitor")
	h.stopMonitor()
	if c.MaxBlockingTime <= 0 {
		c.MaxBlockingTime = DefaultMaxBlockingTime
	}
	if c.Report == nil {
		c.Report = func(r *BlockingReport) { LogBlocking(slog.Default(), r) }
	}
	if c.MaxMemoryUsage > 0 {
		if c.MemoryMonitorPeriod <= 0 {
			c.MemoryMonitorPeriod = 5 * time.Second
		}
		if c.Memory == nil {
			c.Memory = logMemory
		}
	}
	m := &monitor{h: h, max: c.MaxBlockingTime, rep: c.Report, stop: make(chan struct{}), mem: c}
	m.ended.Add(1)
	h.observe(func(o *observer) { o.mon, m.st = m, &o.monitorState })
	go m.watch()
}

// StopMonitor stops h's blocking monitor, if it runs, and waits for its
// goroutine (and a report in progress) to end. Call it from a greenlet of
// h or once h has closed.
func (h *Hub) StopMonitor() {
	if !h.closed {
		h.mustSetup("Hub.StopMonitor")
	}
	h.stopMonitor()
}

func (h *Hub) stopMonitor() {
	if o := h.obs; o != nil && o.mon != nil {
		m := o.mon
		h.observe(func(o *observer) { o.mon = nil })
		close(m.stop)
		m.ended.Wait()
	}
}

// monitorFromEnv starts h's monitor if the environment asks for it.
func (h *Hub) monitorFromEnv() {
	v := os.Getenv(EnvMonitorEnable)
	if v == "" {
		return
	}
	if on, err := strconv.ParseBool(strings.ToLower(v)); (err != nil || !on) && !strings.EqualFold(v, "yes") && !strings.EqualFold(v, "on") {
		return
	}
	var c MonitorConfig
	if s := os.Getenv(EnvMaxMemoryUsage); s != "" {
		c.MaxMemoryUsage, _ = strconv.ParseUint(s, 10, 64)
	}
	if s := os.Getenv(EnvMaxBlockingTime); s != "" {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 {
			c.MaxBlockingTime = time.Duration(f * float64(time.Second))
		}
	}
	h.StartMonitor(c)
}

// note records that g runs from now on in h (&h.hubGl: the loop), for
// the monitor: two plain stores when something observes h, a nil check
// otherwise.
func (h *Hub) note(g *greenlet) {
	if o := h.obs; o != nil {
		o.note(g)
	}
}

// noteHook calls the Switch hook, if set, for g (which runs from now on).
// It comes right after each note: a call in note would make it too large
// to be inlined in every switch.
func (h *Hub) noteHook(g *greenlet) {
	if o := h.obs; o != nil && o.switchOn {
		o.switchHook(g)
	}
}

func (m *monitor) watch() {
	defer m.ended.Done()
	t := time.NewTicker(m.max / 4)
	defer t.Stop()
	var (
		last     uint64
		since    = time.Now()
		reported bool
		memC     <-chan time.Time
		above    bool
	)
	if m.mem.MaxMemoryUsage > 0 {
		mt := time.NewTicker(m.mem.MemoryMonitorPeriod)
		defer mt.Stop()
		memC = mt.C
	}
	for {
		var now time.Time
		select {
		case <-m.stop:
			return
		case <-memC:
			if u := heapBytes(); (u > m.mem.MaxMemoryUsage) != above {
				above = !above
				m.mem.Memory(above, u, m.mem.MaxMemoryUsage)
			}
			continue
		case now = <-t.C:
		}
		seq := m.st.seqNow()
		if seq != last || m.h.loop.Sleeping() {
			last, since, reported = seq, now, false
			continue
		}
		if d := now.Sub(since); !reported && d >= m.max {
			if r := m.report(d); r != nil {
				reported = true
				m.rep(r)
			}
		}
	}
}

// report builds the report of the greenlet running now, or nil if h
// switched meanwhile.
func (m *monitor) report(d time.Duration) *BlockingReport {
	seq := m.st.seqNow()
	g := m.st.curNow()
	h := m.h
	if g == nil {
		g = h.main
	}
	if g == nil {
		return nil
	}
	r := &BlockingReport{Hub: fmt.Sprintf("<Hub at %p>", h), Greenlet: g.nameFromOutside(), Duration: d}
	if id := g.goidNow(); id != 0 {
		r.Stack = goroutineStack(id)
	}
	if m.st.seqNow() != seq {
		return nil // it switched while the stacks were taken: not stuck
	}
	if bytes.Contains(headLine(r.Stack), []byte(" [coroutine")) {
		// Its goroutine is parked in a switch: the hub's goroutine was
		// between two greenlets, held up by the Go scheduler or the OS (a
		// loaded machine), not by this greenlet's code.
		return nil
	}
	if inSwitch(r.Stack) {
		// Waiting for a CPU inside the hub's own switch code (a Sleep(0),
		// say): the time went to the Go scheduler or the OS (a loaded
		// machine), not to this greenlet's code.
		return nil
	}
	r.Culprit, r.Frame = culprit(r.Stack)
	return r
}

// inSwitch reports whether a goroutine's stack shows it runnable (not
// running) with its innermost frame in this package: it is between two
// greenlets, in a cooperative call, and only waits for a CPU.
func inSwitch(stack []byte) bool {
	head, rest, _ := bytes.Cut(stack, []byte("\n"))
	if !bytes.Contains(head, []byte(" [runnable")) {
		return false
	}
	frame, _, _ := bytes.Cut(rest, []byte("\n"))
	return bytes.HasPrefix(frame, []byte("github.com/gevent-go/gevent.")) ||
		bytes.HasPrefix(frame, []byte("github.com/gevent-go/gevent/internal/")) ||
		bytes.HasPrefix(frame, []byte("iter."))
}

// goidNow returns the runtime id of g's goroutine, 0 if unknown.
func (g *greenlet) goidNow() uint64 {
	if g.isHub {
		return gid.GoID(g.hub.loopGid)
	}
	id := g.watchedGid()
	if id == 0 {
		return 0
	}
	return gid.GoID(id)
}

// nameFromOutside is g's name without giving it a number (see Name).
func (g *greenlet) nameFromOutside() string {
	if name, ok := g.watchedName(); ok {
		return name
	}
	return fmt.Sprintf("<Greenlet at %p>", g.self)
}

// culprits maps the wait reasons of goroutine headers ("goroutine 7
// [sleep]:") to what a report names.
var culprits = []struct{ reason, name string }{
	{"sleep", "time.Sleep"},
	{"chan receive", "channel receive"},
	{"chan send", "channel send"},
	{"select", "select on channels"},
	{"sync.WaitGroup.Wait", "sync.WaitGroup.Wait"},
	{"sync.Mutex.Lock", "sync.Mutex.Lock"},
	{"sync.RWMutex.Lock", "sync.RWMutex.Lock"},
	{"sync.RWMutex.RLock", "sync.RWMutex.RLock"},
	{"sync.Cond.Wait", "sync.Cond.Wait"},
	{"semacquire", "a sync wait (semacquire)"},
	{"syscall", "a blocking system call"},
	{"IO wait", "I/O on Go's own poller (net or os, not gevent's)"},
	{"running", "CPU (no blocking call)"},
	{"runnable", "CPU (no blocking call)"},
}

// culprit reads a goroutine's stack: what it waits for, from its header,
// and its first frame outside the standard library and this package.
func culprit(stack []byte) (what, frame string) {
	head, rest, _ := bytes.Cut(stack, []byte("\n"))
	if i := bytes.IndexByte(head, '['); i >= 0 {
		reason := string(head[i+1:])
		for _, c := range culprits {
			if strings.HasPrefix(reason, c.reason) {
				what = c.name
				break
			}
		}
	}
	lines := strings.Split(string(rest), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		fn := lines[i]
		if j := strings.LastIndexByte(fn, '('); j > 0 {
			fn = fn[:j]
		}
		if what == "a blocking system call" && strings.HasPrefix(fn, "syscall.") && !strings.HasPrefix(fn, "syscall.Syscall") && !strings.HasPrefix(fn, "syscall.RawSyscall") {
			what += " (" + fn + ")" // the first named call: syscall.read
		}
		if stdFunc(fn) || strings.HasPrefix(fn, "github.com/gevent-go/gevent.") || strings.HasPrefix(fn, "created by ") {
			continue
		}
		file := strings.TrimSpace(lines[i+1])
		if j := strings.LastIndex(file, " +0x"); j > 0 {
			file = file[:j]
		}
		return what, fn + " (" + file + ")"
	}
	return what, ""
}

// stdFunc reports whether fn, a function name from a stack, belongs to the
// standard library: a package path with no dot in its first element
// ("time.Sleep", "net/http.(*conn).serve"), other than main.
func stdFunc(fn string) bool {
	if first, _, ok := strings.Cut(fn, "/"); ok {
		return !strings.Contains(first, ".") || strings.HasPrefix(fn, "golang.org/x/sys/")
	}
	return !strings.HasPrefix(fn, "main.")
}

// heapBytes reads the heap's size without stopping the world.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

func logMemory(exceeded bool, usage, max uint64) {
	if exceeded {
		slog.Warn("gevent: memory usage above the threshold", "heap", usage, "max", max)
		return
	}
	slog.Info("gevent: memory usage back under the threshold", "heap", usage, "max", max)
}

func headLine(stack []byte) []byte {
	head, _, _ := bytes.Cut(stack, []byte("\n"))
	return head
}
