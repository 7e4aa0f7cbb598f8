package reliability

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/socket"
)

// The environment that selects what runs (see the package comment).
const (
	envFull = "GEVENT_RELIABILITY"
	envOut  = "GEVENT_RELIABILITY_OUT"
	envSeed = "GEVENT_RELIABILITY_SEED"
	// envChild makes the test binary a helper process of a check.
	envChild = "GEVENT_RELIABILITY_CHILD"
)

func TestMain(m *testing.M) {
	switch os.Getenv(envChild) {
	case "":
		os.Exit(m.Run())
	case "udpflood":
		udpFlood()
	default:
		fmt.Fprintf(os.Stderr, "reliability: unknown %s=%s\n", envChild, os.Getenv(envChild))
		os.Exit(2)
	}
}

// full reports whether the suite runs with full counts (make reliability).
var full = os.Getenv(envFull) == "1"

// count is n in the full suite, short in the quick slice of `go test`, and a
// quarter of n (at least short) under the race detector, which is some ten
// times slower.
func count(n, short int) int {
	switch {
	case !full:
		return short
	case raceEnabled:
		return max(short, n/4)
	}
	return n
}

// seed is the random seed of a check: GEVENT_RELIABILITY_SEED if set (to
// replay a failure), else the time. It is printed and recorded.
func seed() uint64 {
	if s := os.Getenv(envSeed); s != "" {
		var v uint64
		fmt.Sscan(s, &v)
		return v
	}
	return uint64(time.Now().UnixNano())
}

// record is what one check reports: the row of docs/RELIABILITY.md. The JSON
// field names are read by cmd/reliability.
type record struct {
	Check    string   `json:"check"`
	Title    string   `json:"title"`
	Issue    string   `json:"issue,omitempty"`
	Race     bool     `json:"race,omitempty"`
	Seed     uint64   `json:"seed,omitempty"`
	Figures  []string `json:"figures"`
	Failures []string `json:"failures,omitempty"`
	Pass     bool     `json:"pass"`
	Seconds  float64  `json:"seconds"`
	// Goroutines, FDs and HeapMB are measured before the check and after it
	// (after a settling time and a garbage collection).
	Goroutines [2]int     `json:"goroutines"`
	FDs        [2]int     `json:"fds"`
	HeapMB     [2]float64 `json:"heap_mb"`
}

// check is one running check.
type check struct {
	t     *testing.T
	rec   record
	start time.Time
	rng   *rand.Rand
	mu    sync.Mutex
	done  bool
	dog   *time.Timer
	// slackFDs and slackGoroutines are how many more descriptors and
	// goroutines than before the check may stay behind (0 unless said).
	slackFDs, slackGoroutines int
	// heapSlackMB is how much more heap than before may stay in use.
	heapSlackMB float64
}

// begin starts check id, titled with what it does. issue names the defect of
// issue 11 it guards ("11.1"), or "". The check fails, with a stack dump,
// and its process exits if it has not ended within deadline: a hang is
// reported, never waited for.
func begin(t *testing.T, id, title, issue string, deadline time.Duration) *check {
	t.Helper()
	warmUp.Do(warm)
	s := seed()
	c := &check{t: t, start: time.Now(), rng: rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15)), heapSlackMB: 64}
	c.rec = record{Check: id, Title: title, Issue: issue, Race: raceEnabled, Seed: s}
	c.rec.Goroutines[0] = runtime.NumGoroutine()
	c.rec.FDs[0] = openFDs()
	c.rec.HeapMB[0] = heapMB()
	t.Logf("%s: seed %d (replay with %s=%d)", id, s, envSeed, s)
	c.dog = time.AfterFunc(deadline, func() { c.hung(deadline) })
	t.Cleanup(c.end)
	return c
}

// fig records a figure ("kills delivered: 500000/500000").
func (c *check) fig(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rec.Figures = append(c.rec.Figures, fmt.Sprintf(format, args...))
}

// fail records a failure and fails the test.
func (c *check) fail(format string, args ...any) {
	c.t.Helper()
	msg := fmt.Sprintf(format, args...)
	c.mu.Lock()
	c.rec.Failures = append(c.rec.Failures, msg)
	c.mu.Unlock()
	c.t.Error(msg)
}

// expect fails the check with msg unless ok.
func (c *check) expect(ok bool, format string, args ...any) {
	c.t.Helper()
	if !ok {
		c.fail(format, args...)
	}
}

// hung ends a check that overran its deadline: its record says so, the
// goroutines are dumped to stderr, and the process exits (a hub stuck in a
// callback cannot be stopped from outside).
func (c *check) hung(deadline time.Duration) {
	c.mu.Lock()
	if c.done {
		c.mu.Unlock()
		return
	}
	c.done = true
	c.rec.Failures = append(c.rec.Failures, fmt.Sprintf("hung: not finished after %v (goroutines dumped to stderr)", deadline))
	c.rec.Pass = false
	c.rec.Seconds = time.Since(c.start).Seconds()
	c.rec.Goroutines[1], c.rec.FDs[1], c.rec.HeapMB[1] = runtime.NumGoroutine(), openFDs(), -1
	rec := c.rec
	c.mu.Unlock()
	writeRecord(rec)
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	fmt.Fprintf(os.Stderr, "reliability: check %s hung after %v; goroutines:\n%s\n", rec.Check, deadline, buf)
	os.Exit(3)
}

// end measures the baselines after the check, fails it if goroutines or
// descriptors stayed behind or the heap grew, and writes its record.
func (c *check) end() {
	c.dog.Stop()
	c.mu.Lock()
	if c.done {
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	el := time.Since(c.start)
	// Settle: goroutines of ended hubs and finished threads exit
	// asynchronously; give them up to 5 s.
	var g, f int
	for wait := time.Now(); ; {
		runtime.GC()
		g, f = runtime.NumGoroutine(), openFDs()
		if (g <= c.rec.Goroutines[0]+c.slackGoroutines && f <= c.rec.FDs[0]+c.slackFDs) || time.Since(wait) > 5*time.Second {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	debug.FreeOSMemory()
	h := heapMB()
	c.mu.Lock()
	c.done = true
	c.rec.Seconds = el.Seconds()
	c.rec.Goroutines[1], c.rec.FDs[1], c.rec.HeapMB[1] = g, f, h
	c.mu.Unlock()
	if g > c.rec.Goroutines[0]+c.slackGoroutines {
		c.t.Logf("goroutines left:\n%s", stacks())
		c.fail("goroutines not back to baseline: %d before, %d after", c.rec.Goroutines[0], g)
	}
	if f > c.rec.FDs[0]+c.slackFDs {
		c.t.Logf("descriptors left: %s", fdList())
		c.fail("file descriptors not back to baseline: %d before, %d after", c.rec.FDs[0], f)
	}
	if h > c.rec.HeapMB[0]+c.heapSlackMB {
		c.fail("heap in use grew from %.1f MB to %.1f MB", c.rec.HeapMB[0], h)
	}
	c.mu.Lock()
	c.rec.Pass = !c.t.Failed() && len(c.rec.Failures) == 0
	rec := c.rec
	c.mu.Unlock()
	c.t.Logf("%s: %s; %.1fs; goroutines %d->%d, fds %d->%d, heap %.1f->%.1f MB",
		rec.Check, strings.Join(rec.Figures, "; "), rec.Seconds, rec.Goroutines[0], rec.Goroutines[1],
		rec.FDs[0], rec.FDs[1], rec.HeapMB[0], rec.HeapMB[1])
	writeRecord(rec)
}

var outMu sync.Mutex

// writeRecord appends rec to GEVENT_RELIABILITY_OUT, if set.
func writeRecord(rec record) {
	path := os.Getenv(envOut)
	if path == "" {
		return
	}
	b, err := json.Marshal(rec)
	if err != nil {
		panic(err)
	}
	outMu.Lock()
	defer outMu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintf(os.Stderr, "reliability: %v\n", err)
		return
	}
	defer f.Close()
	f.Write(append(b, '\n'))
}

// openFDs counts the process's open file descriptors.
func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents) - 1 // the directory's own descriptor
}

// fdList describes the open descriptors (for a failure message).
func fdList() string {
	ents, _ := os.ReadDir("/proc/self/fd")
	var b strings.Builder
	for _, e := range ents {
		l, _ := os.Readlink("/proc/self/fd/" + e.Name())
		fmt.Fprintf(&b, "%s->%s ", e.Name(), l)
	}
	return b.String()
}

// heapMB is the heap in use after a collection, in MB.
func heapMB() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / (1 << 20)
}

// stacks returns the goroutines' stacks, shortened for a failure message.
func stacks() string {
	buf := make([]byte, 1<<16)
	return string(buf[:runtime.Stack(buf, true)])
}

// within runs fn in a plain goroutine and reports whether it returned
// within d (fn keeps running if not).
func within(d time.Duration, fn func()) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// silence drops the failure reports of the calling greenlet's hub (the
// greenlets that a check kills with an error of its own fail, by design).
func silence() {
	gevent.GetHub().SetErrorHandler(func(gevent.AnyGreenlet, error) {})
}

var warmUp sync.Once

// warm makes the process's one-time resources before the first baseline:
// the runtime's network poller, and what a hub, a socket and a timer make
// once per process. A check then counts only what it leaves behind.
func warm() {
	r, w, err := os.Pipe()
	if err == nil {
		r.Close()
		w.Close()
	}
	err = gevent.Run(func() error {
		l, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer l.Close()
		conn, err := socket.Dial("tcp", l.Addr().String())
		if err != nil {
			return err
		}
		conn.Close()
		return gevent.Sleep(time.Millisecond)
	})
	if err != nil {
		panic(err)
	}
}
