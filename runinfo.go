package gevent

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/gevent-go/gevent/internal/gid"
	"github.com/gevent-go/gevent/internal/loop"
)

// runInfoWait bounds how long FormatRunInfo waits for a hub that is asked
// from another goroutine to answer (it answers between two greenlets).
const runInfoWait = 2 * time.Second

// live hubs: those whose main greenlet is bound and that have not closed.
var (
	liveMu sync.Mutex
	live   = map[*Hub]struct{}{}
)

func registerHub(h *Hub)   { liveMu.Lock(); live[h] = struct{}{}; liveMu.Unlock() }
func unregisterHub(h *Hub) { liveMu.Lock(); delete(live, h); liveMu.Unlock() }

// FormatRunInfo describes every running hub, as gevent.util.format_run_info
// does: for each, its summary (Hub.String), then each live greenlet with
// its state, what it waits for where the hub knows it cheaply (a sleep's
// deadline, a per-call timeout, a delayed start, a raw fd), the gevent
// call it is blocked in as its stack shows it, the greenlet that started
// it ("spawned by": a greenlet's name, "Hub" for a hub callback such as a
// Link's, "another goroutine (Hub.Submit)", or "<Greenlet at 0x...>
// (finished)" for a spawner that has ended), and its stack. Every
// spawned greenlet's parent, in gevent's sense, is the hub: it is not
// repeated. Safe from
// any goroutine: each hub is asked through Post and answers between two
// greenlets; a hub that does not start to answer within 2 s (a greenlet
// that holds it: see StartMonitor) is listed as not responding, with the stacks of
// every goroutine instead. Hubs are listed in no particular order.
func FormatRunInfo() string {
	var b strings.Builder
	for _, h := range Hubs() {
		b.WriteString(h.FormatRunInfo())
	}
	return b.String()
}

// FormatRunInfo describes h and its greenlets; see the package-level
// FormatRunInfo. From a greenlet or callback of h it reads h directly;
// from any other goroutine it asks h and waits up to 2 s for h to start
// answering.
func (h *Hub) FormatRunInfo() string {
	if c := current(); c != nil && c.hub == h {
		var b bytes.Buffer
		h.writeRunInfo(&b, allStacks())
		return b.String()
	}
	ch := make(chan string, 1)
	started := make(chan struct{})
	if !h.loop.Post(loop.Func(func() {
		close(started)
		var b bytes.Buffer
		h.writeRunInfo(&b, allStacks())
		ch <- b.String()
	})) {
		return fmt.Sprintf("<Hub at %p> closed\n\n", h)
	}
	t := time.NewTimer(runInfoWait)
	defer t.Stop()
	select {
	case <-started: // the hub answers: however long the dump takes
		return <-ch
	case <-t.C:
		return fmt.Sprintf("<Hub at %p> not responding after %v (a greenlet holds it); all goroutines:\n%s\n", h, runInfoWait, allStacks())
	}
}

// NotifyRunInfo writes FormatRunInfo to w (nil: standard error) each time
// the process receives one of sigs (none: SIGQUIT), instead of the signal's
// default action; stop undoes it. The dump is made on a goroutine of its
// own, safe whatever the hubs are doing.
func NotifyRunInfo(w io.Writer, sigs ...os.Signal) (stop func()) {
	if w == nil {
		w = os.Stderr
	}
	if len(sigs) == 0 {
		sigs = []os.Signal{quitSignal}
	}
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(ch, sigs...)
	go func() {
		for {
			select {
			case <-ch:
				io.WriteString(w, FormatRunInfo())
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
		})
	}
}

// allStacks returns a dump of every goroutine's stack.
func allStacks() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

// splitStacks indexes a dump by goroutine id.
func splitStacks(dump []byte) map[uint64][]byte {
	m := make(map[uint64][]byte)
	for rest := dump; len(rest) > 0; {
		var block []byte
		block, rest, _ = bytes.Cut(rest, []byte("\n\n"))
		id, ok := bytes.CutPrefix(block, []byte("goroutine "))
		if !ok {
			continue
		}
		sp := bytes.IndexByte(id, ' ')
		if sp < 0 {
			continue
		}
		if n, err := strconv.ParseUint(string(id[:sp]), 10, 64); err == nil {
			m[n] = block
		}
	}
	return m
}

// writeRunInfo writes h's run info; it runs in h.
func (h *Hub) writeRunInfo(w io.Writer, dump []byte) {
	stacks := splitStacks(dump)
	now := h.loop.Now()
	fmt.Fprintf(w, "%s\n", h.String())
	if n := h.loop.Timers(); n > 0 {
		fmt.Fprintf(w, " timers: %d\n", n)
	}
	fds := map[*greenlet]string{}
	for fd, rf := range h.rawFDs {
		if rf.r != nil {
			fds[rf.r] = "fd " + strconv.Itoa(fd) + " readable"
		}
		if rf.w != nil {
			fds[rf.w] = "fd " + strconv.Itoa(fd) + " writable"
		}
	}
	gs := []*greenlet{h.main}
	for g := h.alive.head; g != nil; g = g.nextAlive {
		gs = append(gs, g)
	}
	cur := current()
	fmt.Fprintf(w, " greenlets: %d (and the main greenlet)\n", h.alive.n)
	// The greenlets a spawner can be: the hub and the main greenlet, then
	// each greenlet listed before the one it started (see spawnerOf).
	byAddr := make(map[uintptr]*greenlet, len(gs)+1)
	byAddr[uintptr(unsafe.Pointer(&h.hubGl))] = &h.hubGl
	for _, g := range gs {
		if g == nil {
			continue
		}
		var by string
		if !g.isMain {
			by = spawnerOf(g, byAddr)
		}
		byAddr[uintptr(unsafe.Pointer(g))] = g
		state, waits := g.describe(cur, now, fds)
		var stack []byte
		if g.next != nil || g.isMain {
			if id := gid.GoID(g.gid); id != 0 && g.gid != 0 {
				stack = stacks[id]
			}
		}
		in := ""
		if stack != nil && state == "parked" {
			in = blockedIn(stack)
		}
		fmt.Fprintf(w, "\n %s %s", g.nameFromOutside(), state)
		if waits != "" {
			fmt.Fprintf(w, ": %s", waits)
		}
		if in != "" {
			fmt.Fprintf(w, " in %s", in)
		}
		w.Write([]byte("\n"))
		if by != "" {
			fmt.Fprintf(w, "  spawned by %s\n", by)
		}
		for line := range bytes.Lines(stack) {
			w.Write([]byte("  | "))
			w.Write(line)
		}
		if len(stack) > 0 && stack[len(stack)-1] != '\n' {
			w.Write([]byte("\n"))
		}
	}
	w.Write([]byte("\n"))
}

// spawnerOf names the greenlet that started g, from the address g
// recorded (spawnedBy), which does not keep that greenlet alive: byAddr
// holds the hub, the main greenlet and the live greenlets started before
// g. A spawner still alive is among them (it ran before it started g);
// one that has finished may be gone, its address even reused by a
// greenlet started later, which byAddr does not hold yet: it is shown as
// finished, with the address its String had.
func spawnerOf(g *greenlet, byAddr map[uintptr]*greenlet) string {
	switch {
	case g.spawnedBy == 0:
		return "another goroutine (Hub.Submit)"
	case byAddr[g.spawnedBy] != nil:
		return byAddr[g.spawnedBy].nameFromOutside()
	}
	return fmt.Sprintf("<Greenlet at %#x> (finished)", g.spawnedBy)
}

// describe gives g's state and, when the hub knows it, what g waits for.
func (g *greenlet) describe(cur *greenlet, now int64, fds map[*greenlet]string) (state, waits string) {
	switch {
	case g == cur:
		return "running", "(the caller)"
	case g.state == stateScheduled && g.next == nil && !g.isMain:
		if when, _, ok := g.timer.When(); ok {
			return "not started", "starts in " + fmtIn(when-now)
		}
		return "not started", "ready to run"
	case g.state == stateScheduled:
		return "ready", "in the ready queue"
	case g.state == stateRunning:
		return "running", ""
	case g.state == stateDead:
		return "dead", ""
	}
	if s, ok := fds[g]; ok {
		waits = s
	}
	if when, task, ok := g.timer.When(); ok {
		switch task.(type) {
		case *wakeTask:
			waits = "sleeping, wakes in " + fmtIn(when-now)
		case *timeoutTask:
			if waits != "" {
				waits += ", "
			}
			waits += "times out in " + fmtIn(when-now)
		}
	}
	return "parked", waits
}

func fmtIn(d int64) string {
	return time.Duration(max(d, 0)).Round(time.Microsecond).String()
}

// blockedIn names the gevent call a parked greenlet's stack is in: the
// outermost frame of this module before the caller's own code
// ("queue.(*Queue[...]).Get", "gevent.Sleep").
func blockedIn(stack []byte) string {
	const mod = "github.com/gevent-go/gevent"
	last := ""
	lines := strings.Split(string(stack), "\n")
	for i := 1; i < len(lines); i += 2 {
		fn := lines[i]
		if j := strings.LastIndexByte(fn, '('); j > 0 {
			fn = fn[:j]
		}
		switch {
		case strings.HasPrefix(fn, mod+".") || strings.HasPrefix(fn, mod+"/"):
			last = strings.TrimPrefix(strings.TrimPrefix(fn, mod+"/"), "github.com/gevent-go/")
		case stdFunc(fn) && last == "":
			continue
		default:
			if last != "" {
				return last
			}
		}
	}
	return last
}

// Hubs returns the hubs running now (bound to their main goroutine and
// not closed), in no particular order. Safe from any goroutine.
func Hubs() []*Hub {
	liveMu.Lock()
	defer liveMu.Unlock()
	hs := make([]*Hub, 0, len(live))
	for h := range live {
		hs = append(hs, h)
	}
	return hs
}

// Greenlets returns h's greenlets that are started and not dead, in the
// order they were started; the main greenlet is not among them. Call it
// from a greenlet or callback of h (from another goroutine: in h.Post).
func (h *Hub) Greenlets() []AnyGreenlet {
	h.mustOn("Hub.Greenlets", "hub")
	gs := make([]AnyGreenlet, 0, h.alive.n)
	for g := h.alive.head; g != nil; g = g.nextAlive {
		gs = append(gs, g.self)
	}
	return gs
}
