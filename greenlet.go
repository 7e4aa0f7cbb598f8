package gevent

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"runtime/trace"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gevent-go/gevent/internal/gid"
	"github.com/gevent-go/gevent/internal/loop"
)

type gstate uint8

const (
	stateNew       gstate = iota // created, Start not called
	stateScheduled               // in the ready queue (start or wake-up pending)
	stateRunning                 // running (or, for main, not waiting)
	stateParked                  // waiting in a blocking call
	stateDead                    // finished
)

// unwindSentinel is the panic value that unwinds a greenlet which blocked
// again after it was handed a further kill (see Greenlet.Kill), or whose
// hub is being torn down; the greenlet's wrapper recovers it.
var unwindSentinel = &unwindValue{"gevent: greenlet unwinding after kill"}

type unwindValue struct{ name string }

func (u *unwindValue) String() string { return u.name }

// IsUnwind reports whether r, a value returned by recover(), is the panic
// with which gevent unwinds a greenlet: a greenlet that blocks again after
// it was handed a further kill (see Greenlet.Kill), or one whose hub is
// being torn down. Code that recovers panics in a greenlet must re-panic
// such a value (if gevent.IsUnwind(r) { panic(r) }): swallowing it keeps
// the greenlet alive after its killer asked it to end, and a hub's Run then
// waits for it until it gives up (see Hub.SetShutdownGrace).
func IsUnwind(r any) bool { return r == unwindSentinel }

// errGoexit is the error of a greenlet that called runtime.Goexit.
var errGoexit = errors.New("gevent: runtime.Goexit called in greenlet")

// errWaitTimeout is the internal wake-up reason of a per-call timeout.
var errWaitTimeout = errors.New("gevent: wait timed out")

// runner is implemented by *Greenlet[T].
type runner interface {
	AnyGreenlet
	runBody() error
}

// greenlet is the untyped core of every greenlet. The fields used on every
// switch come first, to share a cache line.
type greenlet struct {
	hub            *Hub
	next           func() (struct{}, bool)
	yield          func(struct{}) bool
	gid            uintptr
	pendingTimeout *Timeout
	wakeErr        error
	state          gstate
	started        bool
	isMain         bool
	isHub          bool
	killPending    bool  // a kill error waits to be handed to the greenlet
	killDelivered  bool  // a kill error was handed to the greenlet
	escalated      bool  // the kill in flight came after one was handed: see kill
	unwindArmed    bool  // the next blocking call unwinds the greenlet
	named          bool  // seq assigned
	drive          bool  // resumed by the hub from its ready queue: see block
	shutdownKills  uint8 // kills by the hub's shutdown (Hub.finishShutdown)

	self      runner
	seq       int
	spawnedBy uintptr    // address of the greenlet that started g (0: none): see spawnerOf
	timer     loop.Timer // Sleep, per-call timeouts, StartLater
	killErr   error

	err error // failure; nil on success or kill

	links     []link
	linkBuf   [1]link // links' first backing array: one joiner allocates nothing
	linkSeq   LinkID
	notifying bool

	prevAlive, nextAlive *greenlet

	watch watchIdent // what a blocking monitor reads: see monitor_norace.go

	finished atomic.Bool
	ext      atomic.Pointer[greenletExtra] // see extra
}

// greenletExtra holds what few greenlets use (a name set with SetName, a
// Done channel or context asked for, a kill queued behind another, the
// kill error a successful greenlet ended with), out of the greenlet that
// every Spawn allocates and zeroes. It is created on first use (extra),
// from any goroutine; only mu, done, ctx and cancel are reached from
// goroutines other than the hub's.
type greenletExtra struct {
	name       string
	killQueued error // a kill that came while killErr was not handed yet
	exitErr    error // the kill error a successful greenlet ended with

	mu     sync.Mutex // guards done, ctx, cancel
	done   chan struct{}
	ctx    context.Context
	cancel context.CancelCauseFunc
}

// extra returns g's greenletExtra, creating it on first use.
func (g *greenlet) extra() *greenletExtra {
	if x := g.ext.Load(); x != nil {
		return x
	}
	x := new(greenletExtra)
	if g.ext.CompareAndSwap(nil, x) {
		return x
	}
	return g.ext.Load()
}

// setName names g (SetName, and the main and hub greenlets).
func (g *greenlet) setName(name string) {
	g.extra().name = name
	g.publishName(name)
}

// givenName returns the name set with setName, or "".
func (g *greenlet) givenName() string {
	if x := g.ext.Load(); x != nil {
		return x.name
	}
	return ""
}

func (g *greenlet) init(self runner) { g.self = self }

// LinkID identifies a link so that it can be removed with Unlink.
type LinkID uint64

type link struct {
	id LinkID
	to linkTarget
}

// linkTarget is what a link of a greenlet does when the greenlet dies: a
// raw link (rawLink), a greenlet to wake (joinLink, Join's), or a slot of
// a collector (*joinSlot: JoinAll, Wait, IWait). An interface keeps link
// to three words and lets each kind be stored without an allocation.
type linkTarget interface{ fire() }

// rawLink is the callback given to Rawlink.
type rawLink func()

func (f rawLink) fire() { f() }

// joinLink is a greenlet waiting in Join (or Kill with block).
type joinLink greenlet

func (w *joinLink) fire() { (*greenlet)(w).wakeWith(nil) }

// resumeTask switches to a scheduled greenlet.
type resumeTask greenlet

func (t *resumeTask) RunTask() {
	g := (*greenlet)(t)
	if g.state == stateScheduled {
		g.drive = true
		g.hub.switchTo(g)
		g.drive = false
		if g.hub.linger != nil {
			g.hub.settleLingerInHub()
		}
	}
}

// wakeTask wakes a parked greenlet normally (timer of Sleep).
type wakeTask greenlet

func (t *wakeTask) RunTask() { (*greenlet)(t).wakeWith(nil) }

// timeoutTask wakes a parked greenlet with errWaitTimeout.
type timeoutTask greenlet

func (t *timeoutTask) RunTask() { (*greenlet)(t).wakeWith(errWaitTimeout) }

// startTask starts a greenlet whose StartLater timer fired.
type startTask greenlet

func (t *startTask) RunTask() {
	g := (*greenlet)(t)
	if g.state == stateScheduled && g.next == nil {
		g.hub.switchTo(g)
	}
}

// notifyTask runs a dead greenlet's links.
type notifyTask greenlet

func (t *notifyTask) RunTask() { (*greenlet)(t).notifyLinks() }

// wakeWith wakes g if it is parked, with err as the result of its wait. In
// the hub it switches to g at once (as gevent's Waiter.switch does); from a
// greenlet it schedules g at the end of the ready queue. It reports whether
// g was parked.
func (g *greenlet) wakeWith(err error) bool {
	if g.state != stateParked {
		return false
	}
	g.wakeErr = err
	g.state = stateScheduled
	h := g.hub
	if h.inHub {
		h.switchTo(g)
	} else {
		h.loop.Schedule((*resumeTask)(g))
	}
	return true
}

// enter is called at the start of every blocking call: it unwinds a
// greenlet that blocks again after it was handed a further kill, and
// delivers a pending kill or timeout.
func (g *greenlet) enter() error {
	if g.unwindArmed {
		g.unwind()
	}
	return g.takePending()
}

// unwind starts the unwinding of g (a spawned greenlet, never the main
// one): the blocking call it is in panics with unwindSentinel, which
// runProtected recovers. Deferred calls that run meanwhile may block: the
// unwind is armed again only by a further kill.
func (g *greenlet) unwind() {
	g.unwindArmed = false
	panic(unwindSentinel)
}

func (g *greenlet) takePending() error {
	if g.killPending {
		g.killPending = false
		err := g.killErr
		g.killHanded()
		return err
	}
	if t := g.pendingTimeout; t != nil {
		g.pendingTimeout, t.nextPending = t.nextPending, nil
		return t.deliver()
	}
	return nil
}

// woken returns the reason a parked greenlet was woken, once.
func (g *greenlet) woken() error {
	err := g.wakeErr
	g.wakeErr = nil
	if err != nil && g.killErr != nil && err == g.killErr {
		g.killHanded()
	}
	return err
}

// killHanded records that g's blocking call returns its kill error. The
// first kill only does that: g may go on blocking (clean-up). A further
// kill (escalated) also arms the unwinding of g's next blocking call; the
// main greenlet is never unwound. A kill that came meanwhile is pending
// now, as a further kill.
func (g *greenlet) killHanded() {
	g.killDelivered = true
	if g.escalated {
		g.escalated = false
		if !g.isMain {
			g.unwindArmed = true
		}
	}
	if x := g.ext.Load(); x != nil && x.killQueued != nil {
		q := x.killQueued
		x.killQueued = nil
		g.killErr = q
		g.killPending = true
		g.escalated = true
	}
}

// parkTimeout suspends g until wakeWith and returns the wake-up error; with
// d >= 0 it returns errWaitTimeout when d elapses first. A pending kill or
// timeout is returned at once, without parking.
func (g *greenlet) parkTimeout(d time.Duration) error {
	if err := g.enter(); err != nil {
		return err
	}
	g.state = stateParked
	g.block(d)
	return g.woken()
}

// yieldNow puts g at the end of the ready queue and switches out (Sleep(0)).
func (g *greenlet) yieldNow() error {
	if err := g.enter(); err != nil {
		return err
	}
	g.state = stateScheduled
	g.hub.loop.Schedule((*resumeTask)(g))
	g.block(-1)
	return g.takePending()
}

// schedule starts g: it runs when the hub reaches it in the ready queue
// (delay < 0), or when its timer fires. by is the greenlet that starts it
// (&h.hubGl for a hub callback, nil for none): its address only is
// recorded, for run info (see spawnerOf).
func (g *greenlet) schedule(by *greenlet, delay time.Duration) {
	h := g.hub
	g.started = true
	g.spawnedBy = uintptr(unsafe.Pointer(by))
	if h.closed {
		g.finish(ErrHubClosed)
		return
	}
	g.state = stateScheduled
	h.alive.add(g)
	if o := h.obs; o != nil {
		o.spawned(g)
	}
	if delay < 0 {
		h.loop.Schedule((*resumeTask)(g))
	} else {
		h.loop.Start(&g.timer, delay, (*startTask)(g))
	}
}

// coro is the coroutine (a goroutine driven by iter.Pull) that runs
// spawned greenlets, one after another: when its greenlet finishes it
// parks on its hub's free list (Hub.attach) and runs the next greenlet
// that starts, so that a spawn costs a hand-off and one switch instead of
// a new goroutine. A coroutine whose greenlet called runtime.Goexit or
// was abandoned at shutdown never comes back to the list.
type coro struct {
	next     func() (struct{}, bool)
	stop     func()
	yield    func(struct{}) bool
	gid      uintptr
	g        *greenlet // the greenlet to run when next resumed
	nextFree *coro
}

// maxFreeCoros bounds each hub's free list of parked coroutines (each
// holds a goroutine and its stack). Parked coroutines are live goroutines:
// every GC cycle scans their stacks, so a bigger list costs every program
// that once had a burst of greenlets. 4,096 made 10,000 sleepers per round
// 12 % cheaper but spawn + join after such a burst 15 % dearer
// (docs/BENCHMARKS.md, "Second pass"). A stack that grew while its
// greenlet ran is halved by each GC cycle while parked
// (TestParkedCoroutineStacksShrink).
const maxFreeCoros = 256

// body runs greenlets until the coroutine is not wanted back (a full free
// list, or its hub closing).
func (co *coro) body(yield func(struct{}) bool) {
	co.yield = yield
	co.gid = gid.Get()
	for {
		g := co.g
		co.g = nil
		g.yield, g.gid = yield, co.gid
		g.publishGid()
		identities.Set(co.gid, g)
		if o := g.hub.obs; o != nil && o.labels {
			g.setLabels()
		}
		if trace.IsEnabled() {
			g.finish(g.runTraced())
		} else {
			g.finish(g.runProtected())
		}
		// The goroutine belongs to no greenlet until its next one (and it
		// may exit, after which the runtime may reuse its identity for a
		// goroutine of another hub): its entry goes.
		identities.Set(co.gid, nil)
		if !g.hub.park(co) || !yield(struct{}{}) {
			return
		}
	}
}

func (g *greenlet) runProtected() (err error) {
	normal := false
	defer func() {
		if normal {
			return
		}
		r := recover()
		switch {
		case r == unwindSentinel:
			err = g.killErr
		case r != nil:
			err = &PanicError{Value: r, Stack: debug.Stack()}
		default:
			// runtime.Goexit: it cannot be stopped, and iter.Pull would
			// carry it into whoever resumes this coroutine (the hub).
			// Finish the greenlet and switch out; the hub then resumes
			// this coroutine once more from a goroutine of its own, which
			// the Goexit ends (see Hub.reapGoexited).
			g.finish(errGoexit)
			identities.Set(g.gid, nil)
			g.hub.goexited(g)
			g.yield(struct{}{})
		}
	}()
	err = g.self.runBody()
	normal = true
	return err
}

// finish records the result, wakes the links and reports a failure.
func (g *greenlet) finish(err error) {
	if g.state == stateDead {
		return
	}
	h := g.hub
	if err != nil && errors.Is(err, ErrGreenletExit) {
		g.extra().exitErr, err = err, nil
	}
	g.err = err
	g.state = stateDead
	h.alive.remove(g)
	h.loop.Stop(&g.timer)
	g.pendingTimeout = nil
	g.finished.Store(true)
	if x := g.ext.Load(); x != nil {
		x.mu.Lock()
		if x.done != nil {
			select {
			case <-x.done:
			default:
				close(x.done)
			}
		}
		if x.cancel != nil {
			x.cancel(context.Canceled)
		}
		x.mu.Unlock()
	}
	if o := h.obs; o != nil && o.hooks.Finished != nil {
		o.hooks.Finished(g.self, err)
	}
	if len(g.links) > 0 {
		g.scheduleNotify()
	}
	if err != nil && !g.isMain {
		h.reportError(g.self, err)
	}
}

func (g *greenlet) scheduleNotify() {
	if !g.notifying {
		g.notifying = true
		g.hub.loop.Schedule((*notifyTask)(g))
	}
}

func (g *greenlet) notifyLinks() {
	for len(g.links) > 0 {
		l := g.links[0]
		g.links[0] = link{}
		g.links = g.links[1:]
		if len(g.links) == 0 {
			if w, ok := l.to.(*joinLink); ok && w.state == stateParked {
				g.notifyLast((*greenlet)(w))
				return
			}
		}
		g.runLink(l)
	}
	g.links = nil
	g.linkBuf[0] = link{}
	g.notifying = false
}

// notifyLast runs g's last link, which wakes w: as resumeTask does, it
// lets w run on the hub's behalf (drive), resuming the greenlets behind
// this task in the ready queue itself. Links added to g meanwhile run when
// w blocks or hands back (Hub.linger), as they would have in the loop above.
func (g *greenlet) notifyLast(w *greenlet) {
	h := g.hub
	g.links = nil
	g.linkBuf[0] = link{}
	h.linger = g // g.notifying stays set
	w.drive = true
	g.runLink(link{to: (*joinLink)(w)})
	w.drive = false
	if h.linger != nil {
		h.settleLingerInHub()
	}
}

func (g *greenlet) runLink(l link) {
	defer func() {
		if r := recover(); r != nil {
			if r == unwindSentinel {
				panic(r)
			}
			g.hub.reportError(nil, &PanicError{Value: r, Stack: debug.Stack()})
		}
	}()
	l.to.fire()
}

func (g *greenlet) addLink(l link) LinkID {
	g.linkSeq++
	l.id = g.linkSeq
	if g.links == nil {
		g.links = g.linkBuf[:0]
	}
	g.links = append(g.links, l)
	if g.state == stateDead {
		g.scheduleNotify()
	}
	return l.id
}

func (g *greenlet) unlink(id LinkID) {
	for i := range g.links {
		if g.links[i].id == id {
			g.links = append(g.links[:i], g.links[i+1:]...)
			return
		}
	}
}

// kill arranges for err to be delivered to g (asynchronously, from the
// ready queue, as gevent does). A greenlet that never ran dies at once.
func (g *greenlet) kill(err error) {
	if err == nil {
		err = ErrGreenletExit
	}
	if g.state == stateDead {
		return
	}
	if g.hub == nil { // created with New and never started
		g.hub = self("Kill").hub
	}
	g.cancelCtx(err)
	if o := g.hub.obs; o != nil && o.hooks.Killed != nil {
		o.hooks.Killed(g.self, err)
	}
	if g.next == nil && !g.isMain {
		// Never ran: cancel the start; it never runs, its links fire once.
		g.killErr = err
		g.hub.loop.Stop(&g.timer)
		g.finish(err)
		return
	}
	g.hub.loop.Schedule(&killTask{g: g, err: err})
}

type killTask struct {
	g   *greenlet
	err error
}

func (t *killTask) RunTask() {
	g := t.g
	if g.state == stateDead {
		return
	}
	if g.killPending || (g.wakeErr != nil && g.wakeErr == g.killErr) {
		// A kill is on its way and not handed yet: this one follows it
		// (gevent throws each kill in turn), as a further kill.
		g.extra().killQueued = t.err
		return
	}
	if g.killDelivered {
		g.escalated = true
	}
	g.killErr = t.err
	if !g.wakeWith(g.killErr) {
		g.killPending = true
	}
}

func (g *greenlet) cancelCtx(cause error) {
	x := g.ext.Load()
	if x == nil {
		return
	}
	x.mu.Lock()
	if x.cancel != nil {
		x.cancel(cause)
	}
	x.mu.Unlock()
}

// joinFrom waits, in greenlet c, until g is dead (d < 0: no timeout).
func (g *greenlet) joinFrom(c *greenlet, d time.Duration) error {
	if g.state == stateDead {
		return c.enter()
	}
	if c == g {
		return errors.New("gevent: a greenlet cannot join itself")
	}
	id := g.addLink(link{to: (*joinLink)(c)})
	err := c.parkTimeout(d)
	if err != nil {
		g.unlink(id)
	}
	return err
}

func (g *greenlet) doneCh() <-chan struct{} {
	x := g.extra()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.done == nil {
		x.done = make(chan struct{})
		if g.finished.Load() {
			close(x.done)
		}
	}
	return x.done
}

// caller checks that the calling goroutine may operate on g: a greenlet of
// g's hub (returned), or nil for any other goroutine.
func (g *greenlet) caller(op string) *greenlet {
	c := current()
	if c == nil {
		if g.hub == nil || g.hub.main == nil {
			return self(op)
		}
		return nil
	}
	if g.hub == nil || c.hub == g.hub {
		return c
	}
	return nil
}

// waitElsewhere waits for g from a goroutine that is not a greenlet of g's
// hub: a plain goroutine blocks on Done; a greenlet of another hub waits
// cooperatively.
func (g *greenlet) waitElsewhere(d time.Duration) error {
	done := g.doneCh()
	c := current()
	if c == nil || c.isHub {
		if c != nil {
			panic("gevent: blocking wait for a greenlet of another hub from a hub callback")
		}
		if d < 0 {
			<-done
			return nil
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-done:
			return nil
		case <-t.C:
			return errWaitTimeout
		}
	}
	select {
	case <-done:
		return c.enter()
	default:
	}
	h := c.hub
	var active atomic.Bool // read and written only in h; atomic for clarity
	active.Store(true)
	release := h.Hold()
	go func() {
		<-done
		h.Post(func() {
			if active.Load() {
				c.wakeWith(nil)
			}
		})
		release()
	}()
	err := c.parkTimeout(d)
	active.Store(false)
	return err
}

// durationOf turns an optional timeout into the internal form: -1 for none
// (absent, or Forever), else the timeout with negatives meaning 0.
func durationOf(timeout []time.Duration) time.Duration {
	if len(timeout) == 0 || timeout[0] == Forever {
		return -1
	}
	return max(timeout[0], 0)
}

func timeoutError(err error, d time.Duration) error {
	if err == errWaitTimeout {
		return &timeoutErr{d: d.String()}
	}
	return err
}

// AnyGreenlet is a greenlet whatever its result type: what GetCurrent
// returns and what JoinAll, KillAll and links accept. Every *Greenlet[T]
// is one; other packages cannot implement it.
type AnyGreenlet interface {
	Waitable
	// Name returns the greenlet's name; see Greenlet.Name.
	Name() string
	// Started reports whether the greenlet was started and is not dead.
	Started() bool
	// Successful reports whether the greenlet finished without error (a
	// kill with ErrGreenletExit counts as success).
	Successful() bool
	// Dead reports whether the greenlet finished (or was killed before it ran).
	Dead() bool
	// Err returns the error the greenlet failed with, or nil.
	Err() error
	// Join waits for the greenlet to finish; see Greenlet.Join.
	Join(timeout ...time.Duration) error
	// Kill kills the greenlet; see Greenlet.Kill.
	Kill(err error, block bool, timeout ...time.Duration) error
	// Context returns the greenlet's context; see Greenlet.Context.
	Context() context.Context
	// Done returns a channel closed when the greenlet finishes.
	Done() <-chan struct{}
	String() string
	core() *greenlet
}

// Waitable is anything Wait, IWait and JoinAll can wait for: greenlets,
// and the events, async results and other objects of the sibling packages.
type Waitable interface {
	// Ready reports whether the object is ready (finished, set...).
	Ready() bool
	// Rawlink arranges for fn to run once in the hub, as a callback that
	// must not block, when the object is ready (at the next iteration if it
	// already is). Links run in the order they were added.
	Rawlink(fn func()) LinkID
	// Unlink removes a link that has not run yet.
	Unlink(id LinkID)
}

// GetCurrent returns the calling greenlet (gevent's getcurrent). For the
// main greenlet it returns a greenlet named "MainGreenlet"; in a hub
// callback, where no greenlet runs, it returns nil.
func GetCurrent() AnyGreenlet {
	c := self("GetCurrent")
	if c.isHub {
		return nil
	}
	return c.self
}

// Greenlet is a lightweight cooperative thread with a typed result. Create
// one with Spawn, Go, SpawnLater or New; embed one (and call Init) to give a
// type of your own a Run method, as gevent's subclasses override _run.
//
// A zero Greenlet is valid only after Init. Once started, its methods must
// be called from greenlets (or callbacks) of its hub, and panic elsewhere
// (docs/THREADS.md), except Done, Context, Join, Get, Ready, Dead,
// Successful, Value, Err, ExitErr, Name and String, which are safe from any
// goroutine (Value and Err are meaningful once Done is closed).
type Greenlet[T any] struct {
	g     greenlet
	fn    func() (T, error)
	value T
}

func (gl *Greenlet[T]) core() *greenlet { return &gl.g }

func (gl *Greenlet[T]) runBody() error {
	if gl.fn == nil {
		return errors.New("gevent: greenlet has no function (call Init)")
	}
	v, err := gl.fn()
	if err == nil {
		gl.value = v
	}
	return err
}

// New creates a greenlet that will run fn once started (Start, StartLater).
func New[T any](fn func() (T, error)) *Greenlet[T] {
	gl := &Greenlet[T]{fn: fn}
	gl.g.self = gl
	return gl
}

// Init sets the function of a Greenlet embedded in another type (gevent's
// Greenlet.__init__ in a subclass) and returns gl. Call it once, before
// Start.
func (gl *Greenlet[T]) Init(fn func() (T, error)) *Greenlet[T] {
	gl.fn = fn
	gl.g.self = gl
	return gl
}

// Spawn starts fn in a new greenlet of the calling greenlet's hub and
// returns at once; fn runs when the caller next blocks (gevent.spawn).
func Spawn[T any](fn func() (T, error)) *Greenlet[T] {
	gl := New(fn)
	c := self("Spawn")
	gl.g.hub = c.hub
	gl.g.schedule(c, -1)
	return gl
}

// Go starts fn, a function with no result, in a new greenlet.
func Go(fn func()) *Greenlet[struct{}] {
	return Spawn(func() (struct{}, error) { fn(); return struct{}{}, nil })
}

// GoErr starts fn, a function returning only an error, in a new greenlet.
func GoErr(fn func() error) *Greenlet[struct{}] {
	return Spawn(func() (struct{}, error) { return struct{}{}, fn() })
}

// SpawnLater starts fn in a new greenlet after d (gevent.spawn_later).
func SpawnLater[T any](d time.Duration, fn func() (T, error)) *Greenlet[T] {
	gl := New(fn)
	gl.StartLater(d)
	return gl
}

// Start schedules the greenlet to run in the calling greenlet's hub.
// Starting a started greenlet does nothing.
func (gl *Greenlet[T]) Start() {
	gl.g.own("Greenlet.Start")
	if gl.g.started || gl.g.state == stateDead {
		return
	}
	gl.g.self = gl
	c := self("Start")
	gl.g.hub = c.hub
	gl.g.schedule(c, -1)
}

// StartLater schedules the greenlet to run after d.
func (gl *Greenlet[T]) StartLater(d time.Duration) {
	g := &gl.g
	g.own("Greenlet.StartLater")
	if g.started || g.state == stateDead {
		return
	}
	g.self = gl
	c := self("StartLater")
	g.hub = c.hub
	g.schedule(c, max(d, 0))
}

// Name returns the greenlet's name: the one set with SetName, else
// gevent's default name "Greenlet-N". As in gevent, N is given the first
// time the default name is read, not when the greenlet is created or
// started: the hub counts from 0, in the order names are first read, so a
// program that reads the names of its greenlets in the same order as a
// gevent program prints the same names. Unlike gevent, a number is never
// given again: gevent hands out the number of a greenlet object that was
// garbage-collected (with CPython's reference counting, as soon as its
// last reference goes), which Go's collector cannot do deterministically.
//
// The number is taken from the hub of the calling greenlet (the
// greenlet's own hub once started). Read from a goroutine of no hub, or of
// another hub, before a number was given, Name returns "Greenlet" and gives
// none.
func (gl *Greenlet[T]) Name() string {
	g := &gl.g
	if name := g.givenName(); name != "" {
		return name
	}
	if !g.named {
		c := current()
		if c == nil || (g.hub != nil && c.hub != g.hub) {
			return "Greenlet"
		}
		g.seq = c.hub.nameSeq
		c.hub.nameSeq++
		g.named = true
		g.publishName("Greenlet-" + strconv.Itoa(g.seq))
	}
	return "Greenlet-" + strconv.Itoa(g.seq)
}

// SetName names the greenlet (for reports and String).
func (gl *Greenlet[T]) SetName(name string) {
	gl.g.own("Greenlet.SetName")
	gl.g.setName(name)
}

// String describes the greenlet as gevent's repr does: `<Greenlet "name">`
// once it has a name (set with SetName, or a default name already read
// with Name), else `<Greenlet at 0xc000012345>`. Like gevent's repr it
// gives no number (failure reports use it), so reports do not change the
// names a program reads later. It is the %v and %s of a *Greenlet[T] and of
// a pointer to a type that embeds one; a Greenlet must not be copied, so
// its value has no String.
func (gl *Greenlet[T]) String() string {
	if g := &gl.g; !g.named && g.givenName() == "" {
		return fmt.Sprintf("<Greenlet at %p>", gl)
	}
	return fmt.Sprintf("<Greenlet %q>", gl.Name())
}

// Started reports whether the greenlet was started (Spawn, Start,
// StartLater) and has not finished yet: as gevent's started (bool(g)), it
// is false again once the greenlet is dead.
func (gl *Greenlet[T]) Started() bool {
	gl.g.own("Greenlet.Started")
	return gl.g.started && !gl.g.finished.Load()
}

// Ready reports whether the greenlet has finished (gevent's ready()).
func (gl *Greenlet[T]) Ready() bool { return gl.g.finished.Load() }

// Dead reports whether the greenlet has finished, or was killed before it ran.
func (gl *Greenlet[T]) Dead() bool { return gl.g.finished.Load() }

// Successful reports whether the greenlet finished without an error. A
// greenlet killed with ErrGreenletExit (or that returned an error matching
// it) is successful, as in gevent.
func (gl *Greenlet[T]) Successful() bool { return gl.g.finished.Load() && gl.g.err == nil }

// Value returns the greenlet's result: the zero T until it finished
// successfully (gevent's value).
func (gl *Greenlet[T]) Value() T {
	var zero T
	if gl.g.finished.Load() && gl.g.err == nil {
		return gl.value
	}
	return zero
}

// Err returns the error the greenlet failed with: its returned error, or a
// *PanicError for a panic; nil while running or on success (gevent's
// exception).
func (gl *Greenlet[T]) Err() error {
	if gl.g.finished.Load() {
		return gl.g.err
	}
	return nil
}

// ExitErr returns the kill error a successful greenlet ended with
// (ErrGreenletExit or an error wrapping it), or nil.
func (gl *Greenlet[T]) ExitErr() error {
	if gl.g.finished.Load() {
		if x := gl.g.ext.Load(); x != nil {
			return x.exitErr
		}
	}
	return nil
}

// Join waits until the greenlet has finished.
//
// With no timeout it waits as long as it takes; with one (0 or negative:
// do not wait) it returns an error matching ErrTimeout if the greenlet is
// still running when the timeout elapses. If the caller is killed or its
// Timeout scope fires, Join returns that error; the greenlet is unaffected.
// Unlike gevent's join, which returns None on timeout, the timeout is an
// error. From a goroutine that is not a greenlet of this hub Join waits on
// Done. Joiners are woken in the order they started waiting, in the order
// of the greenlet's other links.
func (gl *Greenlet[T]) Join(timeout ...time.Duration) error {
	g := &gl.g
	d := durationOf(timeout)
	c := g.caller("Join")
	if c == nil {
		return timeoutError(g.waitElsewhere(d), d)
	}
	if c.isHub {
		return ErrBlockingSwitchOut
	}
	return timeoutError(g.joinFrom(c, d), d)
}

// Get waits like Join and returns the greenlet's value, or the error it
// failed with (gevent's get()). On timeout it returns an error matching
// ErrTimeout; if the caller is killed or its Timeout scope fires, that
// error. A greenlet killed with ErrGreenletExit returns the zero T and nil.
func (gl *Greenlet[T]) Get(timeout ...time.Duration) (T, error) {
	var zero T
	if err := gl.Join(timeout...); err != nil {
		return zero, err
	}
	return gl.Value(), gl.Err()
}

// Kill kills the greenlet with err (nil: ErrGreenletExit), gevent's kill.
//
// A greenlet that has not run yet never runs; it is dead when Kill returns
// and its links run once. A finished greenlet is left alone. Otherwise err
// is delivered, from the hub's ready queue, as the error of the greenlet's
// current blocking call, or of its next one.
//
// The first kill delivered is what gevent's GreenletExit is: the greenlet
// is expected to return, and may first do clean-up that blocks (flush a
// buffer, say goodbye on a socket, wait for a child):
//
//	if errors.Is(err, gevent.ErrGreenletExit) {
//		flush() // may block; a Timeout scope bounds it
//		return err
//	}
//
// Its later blocking calls, and the deferred calls that run when it
// returns, work as usual. A greenlet that ignores the error goes on as
// well: the kill is not repeated on its own (as in gevent).
//
// A further kill (every kill counts, as gevent throws each in turn, even
// one made before the greenlet saw the first) is delivered the same way,
// interrupting the clean-up with err, which the greenlet should return. If
// it blocks again instead, that call does not return: the greenlet unwinds
// (a panic that its wrapper recovers; a recover() of yours must re-panic
// it, see IsUnwind), its deferred calls run, and it ends with err. Deferred
// calls that run during that unwinding may block again; another kill
// unwinds them in turn. So a greenlet that ignores kills ends at the
// second: Kill(err, true, grace) then, on ErrTimeout, Kill(err, true). The
// main greenlet is never unwound: each kill is an error of its blocking
// calls. Kill errors matching ErrGreenletExit count as success.
//
// With block, Kill then waits for the greenlet to finish (up to timeout)
// and returns an error matching ErrTimeout if it is still alive, its
// clean-up going on (gevent's kill returns None then), or the caller's own
// kill or timeout error. Without block it never waits and returns nil. A
// greenlet killing itself with block gets err back at once.
func (gl *Greenlet[T]) Kill(err error, block bool, timeout ...time.Duration) error {
	g := &gl.g
	c := g.caller("Kill")
	if c == nil {
		panic("gevent: Kill called from a goroutine that is not a greenlet of the greenlet's hub; " +
			"kill it from that hub: h.Post(func() { g.Kill(err, false) }) from any goroutine (h the hub that runs g), " +
			"or h.Submit(func() error { return g.Kill(err, true) }) to wait for its end")
	}
	if err == nil {
		err = ErrGreenletExit
	}
	g.kill(err)
	if !block || g.state == stateDead {
		return nil
	}
	if c.isHub {
		return nil
	}
	d := durationOf(timeout)
	if c == g {
		return c.parkTimeout(-1)
	}
	return timeoutError(g.joinFrom(c, d), d)
}

// Rawlink arranges for fn to run in the hub (it must not block) when the
// greenlet finishes; at the next iteration if it already has. Links run in
// the order they were added; a link that panics is reported and the others
// still run.
func (gl *Greenlet[T]) Rawlink(fn func()) LinkID {
	if gl.g.caller("Greenlet.Rawlink") == nil {
		wrongHub("Greenlet.Rawlink", "greenlet")
	}
	return gl.g.addLink(link{to: rawLink(fn)})
}

// Link runs fn(gl) in a new greenlet when gl finishes (gevent's link). As
// gevent's SpawnedLink does, the links' run switches into that greenlet at
// once: fn runs until it first blocks before the next link runs, so every
// link has started when a Join of gl returns, and fn may Unlink a later
// link before it runs.
func (gl *Greenlet[T]) Link(fn func(*Greenlet[T])) LinkID {
	return gl.Rawlink(func() { gl.g.hub.spawnNow(func() { fn(gl) }) })
}

// LinkValue is Link for a successful end only.
func (gl *Greenlet[T]) LinkValue(fn func(*Greenlet[T])) LinkID {
	return gl.Rawlink(func() {
		if gl.Successful() {
			gl.g.hub.spawnNow(func() { fn(gl) })
		}
	})
}

// LinkException is Link for a failure only.
func (gl *Greenlet[T]) LinkException(fn func(*Greenlet[T])) LinkID {
	return gl.Rawlink(func() {
		if !gl.Successful() {
			gl.g.hub.spawnNow(func() { fn(gl) })
		}
	})
}

// spawnNow starts fn in a new greenlet of h; from a hub callback it
// switches into it at once (gevent's SpawnedLink), else it is scheduled.
func (h *Hub) spawnNow(fn func()) {
	gl := New(func() (struct{}, error) { fn(); return struct{}{}, nil })
	g := &gl.g
	g.hub = h
	if !h.inHub {
		g.schedule(current(), -1)
		return
	}
	g.started = true
	g.spawnedBy = uintptr(unsafe.Pointer(&h.hubGl))
	g.state = stateScheduled
	h.alive.add(g)
	if o := h.obs; o != nil {
		o.spawned(g)
	}
	h.switchTo(g)
}

// Unlink removes a link that has not run yet.
func (gl *Greenlet[T]) Unlink(id LinkID) {
	gl.g.own("Greenlet.Unlink")
	gl.g.unlink(id)
}

// Done returns a channel that is closed when the greenlet finishes. Safe
// from any goroutine; after it is closed, Value, Err and Get are too.
func (gl *Greenlet[T]) Done() <-chan struct{} { return gl.g.doneCh() }

// Context returns a context cancelled when the greenlet is killed (cause:
// the kill error) or finishes, for context-aware libraries. Safe from any
// goroutine.
func (gl *Greenlet[T]) Context() context.Context {
	g := &gl.g
	g.doneCh()
	x := g.extra()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ctx == nil {
		x.ctx, x.cancel = context.WithCancelCause(context.Background())
		if g.finished.Load() {
			x.cancel(context.Canceled)
		} else if g.killErr != nil {
			x.cancel(g.killErr)
		}
	}
	return x.ctx
}
