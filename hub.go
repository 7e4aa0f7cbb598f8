package gevent

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/gevent-go/gevent/internal/gid"
	"github.com/gevent-go/gevent/internal/loop"
)

// Hub is an event loop and the scheduler of its greenlets: gevent's hub.
//
// A hub has a main greenlet, the goroutine that runs it (Run, or for the
// default hub the first goroutine that uses the package), and any number of
// spawned greenlets, which are coroutines. Exactly one of them runs at a
// time; control passes only at blocking calls, through the hub's loop, which
// runs as a coroutine of its own. Greenlets of one hub may therefore share
// data without locks.
//
// Which goroutine may call what: the methods of greenlets, timeouts and the
// sibling packages' objects (events, queues, locks...) belong to the hub that
// runs them and must be called from its greenlets. A call from any other
// goroutine panics with a message starting with "gevent:" (or the sibling
// package's name), except where a method says it is safe from any goroutine
// (Hub.Submit, Hub.Post, Hub.Hold, Greenlet.Done, Get and Join, which fall
// back to waiting on Done). docs/THREADS.md lists the rule of every entry
// point.
type Hub struct {
	loop *loop.Loop

	obs      *observer // monitor, hooks, profile labels (observe.go); nil when none
	obsStore *observer // what obs points to when set
	loopGid  uintptr   // identity of the loop coroutine's goroutine (monitor, run info)

	main  *greenlet // the main greenlet: the goroutine that runs the hub
	hubGl greenlet  // stands for the loop while it runs callbacks

	outer *greenlet // what the main goroutine was before it ran this hub
	inHub bool      // the loop coroutine is running

	hubNext  func() (struct{}, bool)
	hubStop  func()
	hubYield func(struct{}) bool

	alive    greenletList // started greenlets not yet dead
	nameSeq  int
	stopping bool
	closed   bool
	errorH   ErrorHandler
	rawFDs   map[int]*rawFD

	closeHooks closeHooks     // Hub.AfterClose
	grace      time.Duration  // SetShutdownGrace
	locked     bool           // the main goroutine was locked to its OS thread when bound
	zombies    []*greenlet    // greenlets that called runtime.Goexit, to reap
	reapers    sync.WaitGroup // goroutines reaping them

	freeCoros *coro // parked coroutines whose greenlets finished (coro)
	nFree     int

	// linger is a dead greenlet whose links were all run but the last
	// one, which woke a greenlet that runs on the hub's behalf (drive):
	// its notification ends (settleLinger) when that greenlet hands back
	// to the hub or blocks, which is when the hub's notifyLinks would
	// have gone on with links added meanwhile.
	linger *greenlet
}

// defaultShutdownGrace is the default of SetShutdownGrace.
const defaultShutdownGrace = time.Second

// shutdownKills is how many times Run's shutdown kills a greenlet before it
// gives up on it.
const shutdownKills = 3

var (
	hubsMu     sync.Mutex
	defaultHub *Hub // guarded by hubsMu
)

func newHub() (*Hub, error) {
	l, err := loop.New()
	if err != nil {
		return nil, fmt.Errorf("gevent: creating the event loop: %w", err)
	}
	h := &Hub{loop: l, grace: defaultShutdownGrace}
	l.Unwind = unwindSentinel
	h.hubGl.hub = h
	h.hubGl.setName("Hub")
	h.hubGl.isHub = true
	l.OnPanic = func(v any, stack []byte) {
		h.reportError(nil, &PanicError{Value: v, Stack: stack})
	}
	h.monitorFromEnv()
	return h, nil
}

// bindMain makes the calling goroutine the main greenlet of h.
func (h *Hub) bindMain() {
	m := &Greenlet[struct{}]{}
	m.g.init(m)
	m.g.hub = h
	m.g.isMain = true
	m.g.setName("MainGreenlet")
	m.g.state = stateRunning
	m.g.gid = gid.Get()
	m.g.publishGid()
	h.main = &m.g
	h.locked = threadLocked()
	h.outer = identities.Lookup(m.g.gid)
	identities.Set(m.g.gid, h.main)
	registerHub(h)
}

// identities maps each goroutine that belongs to a hub to what it is
// there: the main goroutine of a hub to its main greenlet, the coroutine
// of a greenlet to that greenlet, the loop coroutine of a hub to its
// hubGl. Each goroutine sets and removes its own entry (a greenlet when it
// starts and ends, a main goroutine when its hub starts and closes), so an
// entry never outlives its goroutine and switches cost nothing here.
var identities gid.Registry[greenlet]

// current returns the greenlet running on the calling goroutine, &h.hubGl
// when called from a hub's loop, or nil for a goroutine that belongs to no
// hub.
func current() *greenlet { return identities.Lookup(gid.Get()) }

// self returns the calling greenlet, binding the program's main goroutine
// as the main greenlet of the default hub on first use. It panics for any
// other goroutine that belongs to no hub.
func self(op string) *greenlet {
	if c := current(); c != nil {
		return c
	}
	hubsMu.Lock()
	if defaultHub == nil && isMainGoroutine() {
		h, err := newHub()
		if err != nil {
			hubsMu.Unlock()
			panic(err)
		}
		h.bindMain()
		defaultHub = h
		hubsMu.Unlock()
		return h.main
	}
	hubsMu.Unlock()
	panic("gevent: " + op + " called from a goroutine that is not a greenlet of any hub " +
		"(the default hub belongs to the program's main goroutine); " +
		"run a hub on this goroutine with gevent.Run, or hand work to a hub with Hub.Submit")
}

// isMainGoroutine reports whether the caller is the program's main
// goroutine (id 1), the only one the default hub may belong to: it lives as
// long as the program, so its identity is never reused by another
// goroutine while the hub exists. Called once per binding attempt.
func isMainGoroutine() bool {
	var buf [32]byte
	n := runtime.Stack(buf[:], false)
	return bytes.HasPrefix(buf[:n], []byte("goroutine 1 "))
}

// mustGreenlet is self for blocking calls: inside a hub callback it returns
// ErrBlockingSwitchOut.
func mustGreenlet(op string) (*greenlet, error) {
	c := self(op)
	if c.isHub {
		return nil, ErrBlockingSwitchOut
	}
	return c, nil
}

// GetHub returns the hub of the calling goroutine (gevent's get_hub): the
// hub of the calling greenlet, or the hub whose callback is running. The
// program's main goroutine gets the default hub, created and bound to it on
// first use (as any package-level call would bind it). Any other goroutine
// that belongs to no hub gets nil: run a hub there with Run, or hand work
// to a hub with Hub.Submit or Hub.Post. GetHub never panics, and is safe
// from any goroutine; library code can use it to pick between a cooperative
// path and a plain blocking one.
func GetHub() *Hub {
	if c := current(); c != nil {
		return c.hub
	}
	hubsMu.Lock()
	bound := defaultHub != nil
	hubsMu.Unlock()
	if bound || !isMainGoroutine() {
		return nil
	}
	return self("GetHub").hub
}

// Run runs fn as the main greenlet of a fresh hub on the calling goroutine
// and returns fn's error. Package-level functions called by fn and by the
// greenlets it spawns use this hub, so every test, t.Parallel tests
// included, can have its own.
//
// When fn returns, the greenlets still alive are ended, and Run waits for
// them: each is killed with ErrGreenletExit, and may do blocking clean-up
// for up to the hub's shutdown grace (1 s unless set with
// SetShutdownGrace); one still alive then is killed again, which
// interrupts its clean-up and unwinds it if it blocks again (see
// Greenlet.Kill), and, after another grace, a third time. A greenlet still
// alive after that (a recover() that swallows the unwinding, see IsUnwind)
// is given up: it is reported to the hub's error handler with a
// *StuckError holding its stack, and its goroutine stays parked for good.
// Then the hub is closed. A panic in fn propagates to the caller after the
// same clean-up.
func Run(fn func() error) error {
	h, err := newHub()
	if err != nil {
		return err
	}
	return h.Run(fn)
}

// NewHub creates a hub that is not yet running; call its Run method.
func NewHub() (*Hub, error) { return newHub() }

// Run runs fn as the main greenlet of h on the calling goroutine; see the
// package-level Run. A hub runs once: calling Run again returns ErrHubClosed.
func (h *Hub) Run(fn func() error) (err error) {
	if h.main != nil || h.closed {
		return ErrHubClosed
	}
	h.bindMain()
	defer h.shutdown()
	return fn()
}

// SetBusyPoll makes the hub poll its sockets and other FDs without
// blocking (yielding the CPU between polls) for up to d before it sleeps
// in epoll_wait (0, the default: never; negative is 0). Waking a thread
// that sleeps costs tens of microseconds where CPUs idle deeply, on
// virtual machines above all: a request to another thread or process
// over loopback (libzmq's I/O thread, a local database) whose answer
// comes back within d is taken without that cost. The price is up to d
// of CPU time each time the hub runs out of work while FDs are
// registered. It is not used under a virtual clock, and only while the
// hub has FDs registered. Safe from any goroutine; it takes effect the
// next time the hub would sleep. gevent has no equivalent (libev sleeps
// at once). FD.SetBusyPoll polls only while a greenlet waits on that FD.
func (h *Hub) SetBusyPoll(d time.Duration) { h.loop.BusyPoll.Store(int64(max(d, 0))) }

// SetShutdownGrace sets how long Run's shutdown lets each greenlet still
// alive when fn returns do clean-up after each of its kills (default 1 s;
// 0: only until the greenlets' next blocking calls; negative is 0). It
// bounds what Run waits for a greenlet that ignores its kill, and takes
// effect at the next kill round. Call it before Run or from a greenlet of h.
func (h *Hub) SetShutdownGrace(d time.Duration) {
	h.mustSetup("Hub.SetShutdownGrace")
	h.grace = max(d, 0)
}

// shutdown kills what is left, stops the loop coroutine and closes the hub.
func (h *Hub) shutdown() {
	if r := recover(); r != nil {
		h.finishShutdown()
		panic(r)
	}
	h.finishShutdown()
}

func (h *Hub) finishShutdown() {
	if h.closed {
		return
	}
	m := h.main
	// Whatever was pending for the main greenlet no longer matters.
	m.killPending, m.pendingTimeout = false, nil
	start := time.Now()
	// Kill every greenlet still alive, give them the grace to end, and
	// again (a second kill unwinds a greenlet that blocks on); give up on
	// those killed shutdownKills times. Greenlets spawned meanwhile join
	// in; a bound on the rounds stops one that respawns for ever.
	for round := 0; !h.alive.empty(); round++ {
		var all, gs []*greenlet
		for g := h.alive.head; g != nil; g = g.nextAlive {
			all = append(all, g)
		}
		for _, g := range all {
			if g.shutdownKills == shutdownKills || round == 4*shutdownKills {
				h.abandon(g, time.Since(start))
				continue
			}
			g.shutdownKills++
			g.kill(ErrGreenletExit)
			gs = append(gs, g)
		}
		h.waitDead(gs, h.grace)
	}
	h.reapGoexited()
	h.reapers.Wait()
	h.stopping = true
	h.stopFreeCoros()
	if h.hubStop != nil {
		h.hubStop()
	}
	h.closed = true
	left, _ := h.loop.CloseDrain()
	for _, t := range left {
		if s, ok := t.(*submitTask); ok {
			s.hubClosed()
		}
	}
	// The goroutine goes back to what it was (nothing, or a greenlet of
	// the hub whose greenlet called Run).
	identities.Set(m.gid, h.outer)
	h.stopMonitor()
	unregisterHub(h)
	h.closeHooks.run()
}

// waitDead waits, in the main greenlet, until the greenlets gs are dead or
// d has elapsed, or nothing can happen any more.
func (h *Hub) waitDead(gs []*greenlet, d time.Duration) {
	m := h.main
	deadline := time.Now().Add(d)
	for _, g := range gs {
		for g.state != stateDead {
			err := g.joinFrom(m, max(time.Until(deadline), 0))
			switch {
			case err == nil:
			case err == errWaitTimeout || errors.Is(err, ErrLoopExit):
				return
			default: // the main greenlet's own kill or Timeout scope
				m.killPending, m.pendingTimeout = false, nil
			}
		}
	}
}

// abandon finishes g, which did not end after the shutdown's kills, with a
// *StuckError (reported), leaving its coroutine parked for good.
func (h *Hub) abandon(g *greenlet, after time.Duration) {
	var stack []byte
	if id := gid.GoID(g.gid); id != 0 {
		stack = goroutineStack(id)
	}
	g.finish(&StuckError{After: after, Stack: stack})
}

// goexited records g, whose coroutine ran runtime.Goexit and is about to
// switch out for the last time, and arranges for it to be reaped.
func (h *Hub) goexited(g *greenlet) {
	h.zombies = append(h.zombies, g)
	if len(h.zombies) == 1 {
		h.loop.Schedule(loop.Func(h.reapGoexited))
	}
}

// reapGoexited ends the coroutines of the greenlets that called
// runtime.Goexit: each is resumed once more from a goroutine of its own,
// where the Goexit completes (iter.Pull passes it on to the goroutine that
// resumed the coroutine, which exits too). A hub whose main goroutine was
// locked to its OS thread cannot do that (its coroutines may only be
// resumed on that thread): there they stay parked.
func (h *Hub) reapGoexited() {
	if !h.locked {
		for _, g := range h.zombies {
			next := g.next
			h.reapers.Add(1)
			go func() {
				defer h.reapers.Done()
				next()
			}()
		}
	}
	clear(h.zombies)
	h.zombies = h.zombies[:0]
}

// Submit hands fn to h from any goroutine: fn runs as a new greenlet of h,
// spawned at the hub's next loop iteration (when its main greenlet next
// waits). The returned greenlet may be waited for from any goroutine with
// Done, Get or Join. If h is closed, fn never runs and the greenlet is
// already finished with ErrHubClosed.
func (h *Hub) Submit(fn func() error) *Greenlet[struct{}] {
	gl := New(func() (struct{}, error) { return struct{}{}, fn() })
	gl.g.doneCh()
	gl.g.hub = h
	if !h.loop.Post((*submitTask)(&gl.g)) {
		(*submitTask)(&gl.g).hubClosed()
	}
	return gl
}

// submitTask starts a greenlet handed in with Submit.
type submitTask greenlet

func (t *submitTask) RunTask() { (*greenlet)(t).schedule(nil, -1) }

// hubClosed finishes a submitted greenlet that never started because its
// hub closed first (the post was refused, or came too late to be run).
func (t *submitTask) hubClosed() {
	g := (*greenlet)(t)
	g.err = ErrHubClosed
	g.state = stateDead
	g.finished.Store(true)
	x := g.extra()
	x.mu.Lock()
	close(x.done)
	x.mu.Unlock()
}

// Post hands fn to h from any goroutine; fn runs in the hub's loop as a
// callback (it must not block) at the next iteration. A panic in fn is
// reported and the loop goes on. It reports false, and fn never runs, if h
// is closed.
func (h *Hub) Post(fn func()) bool { return h.loop.Post(loop.Func(fn)) }

// Hold keeps h's loop from deciding that nothing can ever happen (so the
// main greenlet gets no ErrLoopExit) until release is called: for goroutines
// that will hand work in later with Go or Post. Safe from any goroutine;
// release may be called once.
func (h *Hub) Hold() (release func()) {
	h.loop.Hold()
	var once sync.Once
	return func() { once.Do(h.loop.Release) }
}

// block suspends the calling greenlet c, which has already arranged to be
// woken (its state says how), until it is resumed. With d >= 0 a timer
// wakes c with errWaitTimeout after d (a parked c only).
//
// Frames matter here. Every frame on the stack when a greenlet switches
// out costs a mispredicted return when it is resumed (about 8 ns each on
// the machine of docs/BENCHMARKS.md: the hardware's return predictor holds
// the other greenlet's calls), so the switch is made directly from the
// blocking call's own frame: block here, and, on the hottest paths,
// WaitList.Wait, give (Reschedule and Rendezvous.Give) and Rendezvous.Take,
// which repeat the few lines below (the switch section) instead of calling
// block; their exported callers are wrappers the compiler inlines. Keep the
// four copies in step.
func (c *greenlet) block(d time.Duration) {
	h := c.hub
	if d >= 0 {
		h.loop.Start(&c.timer, d, (*timeoutTask)(c))
		defer h.loop.Stop(&c.timer)
	}
	// The switch section.
	for c.drive {
		g := h.driveNext(c)
		if g == c {
			return
		}
		if g == nil {
			break
		}
		g.next()
	}
	if !c.isMain {
		if !c.yield(struct{}{}) {
			panic(unwindSentinel) // the hub is being torn down
		}
		return
	}
	h.runLoop()
}

// driveNext is one step of the switch section for a greenlet c that the
// hub resumed from its ready queue (c.drive). Such a greenlet runs the
// greenlets whose resumes are at the head of that queue itself, as the hub
// would next: it resumes them directly and they yield straight back to it,
// which saves a switch through the hub per hand-off. Order and the
// iteration's budget are exactly the hub's. driveNext pops the head and
// returns the greenlet to resume (ready to be resumed, its coroutine
// created), or c when c's own resume came up (c goes on), or nil when the
// head is something only the hub may run (a callback, the main greenlet,
// the end of the iteration's budget).
func (h *Hub) driveNext(c *greenlet) *greenlet {
	if h.linger != nil && h.settleLinger() {
		return nil
	}
	for {
		var g *greenlet
		switch t := h.loop.Head().(type) {
		case *resumeTask:
			g = (*greenlet)(t)
		case *notifyTask:
			return h.notifyInline((*greenlet)(t), c)
		default:
			return nil
		}
		switch {
		case g.state != stateScheduled:
			h.loop.PopHead() // stale: the hub would skip it too
			continue
		case g == c:
			h.loop.PopHead()
			c.state = stateRunning
			h.note(c)
			h.noteHook(c)
			return c
		case g.isMain:
			return nil
		}
		h.loop.PopHead()
		g.state = stateRunning
		if g.next == nil {
			h.attach(g)
		}
		h.note(g)
		h.noteHook(g)
		return g
	}
}

// notifyInline is driveNext's step for a notifyTask of x at the head of
// the ready queue: when x's only link wakes c (c joined x), c takes the
// task and goes on, as the hub would have switched to c from the task (a
// Join of a greenlet that ran on c's behalf costs no trip through the
// hub). The rest of the task (links added to x meanwhile) waits for c to
// block: see Hub.linger. Any other link makes it a task for the hub.
func (h *Hub) notifyInline(x, c *greenlet) *greenlet {
	if len(x.links) != 1 || x.links[0].to != linkTarget((*joinLink)(c)) || c.state != stateParked {
		return nil
	}
	h.loop.PopHead()
	x.links[0] = link{}
	x.links = nil
	x.linkBuf[0] = link{}
	h.linger = x // x.notifying stays set
	c.wakeErr = nil
	c.state = stateRunning
	h.note(c)
	h.noteHook(c)
	return c
}

// settleLinger ends the notification of h.linger, the dead greenlet whose
// last link woke a greenlet that then ran on the hub's behalf (drive):
// the hub's notifyLinks would run the links added to it meanwhile as soon
// as that greenlet blocked, before any other task. Called in a greenlet
// (driveNext) it puts the notification back at the head of the ready
// queue, uncharged, and reports true: the caller must hand over to the
// hub, which runs it next.
func (h *Hub) settleLinger() bool {
	x := h.linger
	h.linger = nil
	if len(x.links) > 0 {
		h.loop.Unpop((*notifyTask)(x))
		return true
	}
	x.links = nil
	x.notifying = false
	return false
}

// settleLingerInHub is settleLinger for the hub, back from the greenlet
// it resumed with drive: links added meanwhile run now.
func (h *Hub) settleLingerInHub() {
	x := h.linger
	h.linger = nil
	if len(x.links) > 0 {
		x.notifyLinks()
		return
	}
	x.links = nil
	x.notifying = false
}

// runLoop switches from the main greenlet to the hub's loop coroutine
// (creating it on first use) until the loop switches back.
func (h *Hub) runLoop() {
	if h.hubNext == nil {
		h.hubNext, h.hubStop = iter.Pull(h.loopBody)
	}
	h.hubNext()
}

// loopBody is the hub coroutine: it runs the loop and switches to greenlets.
func (h *Hub) loopBody(yield func(struct{}) bool) {
	h.hubYield = yield
	me := gid.Get()
	h.loopGid = me
	identities.Set(me, &h.hubGl)
	h.note(&h.hubGl)
	h.noteHook(&h.hubGl)
	defer func() {
		identities.Set(me, nil)
		if r := recover(); r != nil && r != unwindSentinel {
			panic(r)
		}
	}()
	for !h.stopping {
		if o := h.obs; o != nil && o.hooks.LoopIteration != nil {
			o.hooks.LoopIteration()
		}
		h.inHub = true
		if !h.loop.RunOnce(true) {
			// Nothing can ever happen; the main greenlet waits in vain.
			if !h.main.wakeWith(ErrLoopExit) {
				fmt.Fprintln(os.Stderr, "gevent: hub loop has nothing to do and the main greenlet is not waiting")
				h.switchTo(h.main)
			}
		}
	}
}

// switchTo runs g until it blocks (or, for the main greenlet, until it next
// waits). Called in the hub coroutine.
func (h *Hub) switchTo(g *greenlet) {
	g.state = stateRunning
	h.inHub = false
	h.note(g)
	h.noteHook(g)
	if g.isMain {
		h.loop.MarkStale()
		ok := h.hubYield(struct{}{})
		h.note(&h.hubGl)
		h.noteHook(&h.hubGl)
		h.inHub = true
		if !ok {
			panic(unwindSentinel)
		}
		return
	}
	if g.next == nil {
		h.attach(g)
	}
	g.next()
	h.note(&h.hubGl)
	h.noteHook(&h.hubGl)
	h.inHub = true
}

// attach gives g, about to run for the first time, a coroutine: a parked
// one from the free list, else a new one.
func (h *Hub) attach(g *greenlet) {
	co := h.freeCoros
	if co != nil {
		h.freeCoros, co.nextFree = co.nextFree, nil
		h.nFree--
	} else {
		co = new(coro)
		co.next, co.stop = iter.Pull(co.body)
	}
	co.g = g
	g.next = co.next
}

// park puts co, whose greenlet has just finished, on the free list; it
// reports false (co's goroutine then exits) when the list is full or h is
// closing.
func (h *Hub) park(co *coro) bool {
	if h.nFree >= maxFreeCoros || h.stopping {
		return false
	}
	co.nextFree = h.freeCoros
	h.freeCoros = co
	h.nFree++
	return true
}

// stopFreeCoros ends the goroutines of the parked coroutines.
func (h *Hub) stopFreeCoros() {
	for co := h.freeCoros; co != nil; {
		nx := co.nextFree
		co.nextFree = nil
		co.stop()
		co = nx
	}
	h.freeCoros, h.nFree = nil, 0
}

// greenletList is an intrusive list of the hub's live greenlets.
type greenletList struct {
	head, tail *greenlet
	n          int
}

func (l *greenletList) empty() bool { return l.head == nil }

func (l *greenletList) add(g *greenlet) {
	g.prevAlive, g.nextAlive = l.tail, nil
	if l.tail != nil {
		l.tail.nextAlive = g
	} else {
		l.head = g
	}
	l.tail = g
	l.n++
}

func (l *greenletList) remove(g *greenlet) {
	if g.prevAlive != nil {
		g.prevAlive.nextAlive = g.nextAlive
	} else if l.head == g {
		l.head = g.nextAlive
	} else {
		return
	}
	if g.nextAlive != nil {
		g.nextAlive.prevAlive = g.prevAlive
	} else {
		l.tail = g.prevAlive
	}
	g.prevAlive, g.nextAlive = nil, nil
	l.n--
}

// String describes h briefly, as gevent's repr of its hub does:
// `<Hub at 0xc000123456 greenlets=3 ready=1 timers=2>`, the greenlets
// started and not yet dead, the tasks ready to run (greenlets to resume,
// callbacks) and the active timers. Called from a goroutine that is not
// one of h's greenlets (another goroutine, or after Run returned) it gives
// only the address, `<Hub at 0xc000123456>`: the counts belong to the
// hub's goroutine. The address differs from run to run; the counts do not.
func (h *Hub) String() string {
	if c := current(); c == nil || c.hub != h {
		return fmt.Sprintf("<Hub at %p>", h)
	}
	return fmt.Sprintf("<Hub at %p greenlets=%d ready=%d timers=%d>", h, h.alive.n, h.loop.Ready(), h.loop.Timers())
}
