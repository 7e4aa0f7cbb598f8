package gevent

import (
	"context"
	"fmt"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
)

// Hooks are functions a hub calls on the events of its greenlets, for
// tracing and metrics (gevent.events). Each runs in the hub, on the
// goroutine of the greenlet or loop where the event happens, and must not
// block or call blocking gevent functions; a panic in one propagates as a
// panic of that greenlet or callback. A nil field is not called. Each
// hook costs its call; with no hook, monitor or labels set, the hub pays
// one nil check per switch. A Blocked hook (or a Switch hook) makes the
// hub call a function on every switch.
//
// Hooks or not, while an execution trace is being taken (runtime/trace's
// Start, or a test's -trace flag), each greenlet that starts then runs
// inside a runtime/trace region of type "greenlet NAME" (its name if set
// or already read, see Greenlet.Name; else "greenlet"), on the goroutine
// that runs it, from its start to its end (the time it spends parked
// included): greenlets share goroutines, one after another, and the
// region tells whose a stretch of a goroutine's timeline is. The main
// greenlet has none. Cost when no trace is taken: one atomic load per
// greenlet started.
type Hooks struct {
	// Spawned: g was started (Spawn, Go, Start, StartLater, Submit, a
	// Link's greenlet), before it first runs.
	Spawned func(g AnyGreenlet)
	// Switch: g runs from now on, until the next Switch (nil: the hub's
	// loop runs callbacks, timers and I/O).
	Switch func(g AnyGreenlet)
	// Blocked: g (the main greenlet included) has switched out parked in
	// a blocking call, until something wakes it (a timer, I/O, an event,
	// a queue, a lock, a join...): called at the switch that follows,
	// before its Switch. A yield (Sleep(0), Idle, Reschedule) is not one;
	// a greenlet that ends calls Finished instead. gevent's own "blocked"
	// event, EventLoopBlocked (a greenlet that kept the hub from
	// switching), is the blocking monitor's report: MonitorConfig.Report.
	Blocked func(g AnyGreenlet)
	// Killed: g was asked to die with err (Kill, KillAll, a shutdown), when
	// the kill is made; the error reaches g later.
	Killed func(g AnyGreenlet, err error)
	// Finished: g ended, with err (nil on success or ErrGreenletExit kill;
	// see Greenlet.Err), before its links run.
	Finished func(g AnyGreenlet, err error)
	// LoopIteration: the hub's loop begins an iteration (ready greenlets
	// and callbacks, then posted work, timers and I/O; gevent's loop
	// prepare callbacks).
	LoopIteration func()
}

// observer is what a hub calls on switches and greenlet events when
// something watches it: nil (the hub checks one pointer) otherwise.
//
// A hub has one observer for its lifetime (obsStore), which h.obs points
// to while anything is set: the monitor's watchdog reads its
// monitorState, written on every switch (note) whether a monitor runs or
// only hooks are set.
type observer struct {
	monitorState           // cur and seq, first: note writes them on every switch
	switchOn     bool      // a Switch or Blocked hook is set
	prev         *greenlet // what ran before the switch being noted: see switchHook
	mon          *monitor
	hooks        Hooks
	labels       bool
}

// observe changes h's observer with fn, and turns it off when nothing is
// left.
func (h *Hub) observe(fn func(o *observer)) {
	if h.obsStore == nil {
		h.obsStore = &observer{}
	}
	o := h.obsStore
	fn(o)
	hk := &o.hooks
	o.switchOn = hk.Switch != nil || hk.Blocked != nil
	if o.prev = nil; o.switchOn {
		if c := current(); c != nil && c.hub == h {
			o.prev = c // it runs now: it may be the next to block
		}
	}
	none := hk.Spawned == nil && hk.Switch == nil && hk.Blocked == nil && hk.Killed == nil && hk.Finished == nil && hk.LoopIteration == nil
	if o.mon == nil && none && !o.labels {
		h.obs = nil
	} else {
		h.obs = o
	}
}

// SetHooks sets h's event hooks (the zero Hooks: none), replacing those
// set before. Call it before Run or from a greenlet of h.
func (h *Hub) SetHooks(hk Hooks) {
	h.mustSetup("Hub.SetHooks")
	h.observe(func(o *observer) { o.hooks = hk })
}

// SetProfileLabels makes each greenlet of h started afterwards carry the
// runtime/pprof label greenlet=<name> (its name when it starts: the one
// set with SetName, else "<Greenlet at 0x...>", which gives it no number),
// so that CPU and goroutine profiles show which greenlet burned the CPU.
// Cost: about a microsecond and an allocation per greenlet started. Call
// it before Run or from a greenlet of h.
func (h *Hub) SetProfileLabels(on bool) {
	h.mustSetup("Hub.SetProfileLabels")
	h.observe(func(o *observer) { o.labels = on })
}

// switchHook calls the Switch hook for g, which runs from now on, after
// the Blocked hook for the greenlet that ran before if it switched out
// parked. Every switch is noted: what ran before is the last one noted.
func (o *observer) switchHook(g *greenlet) {
	if p := o.prev; p != g {
		o.prev = g
		if p == nil {
			// Hooks set before Run: the main greenlet ran first.
			p = g.hub.main
		}
		if p != nil && p.state == stateParked && o.hooks.Blocked != nil {
			o.hooks.Blocked(p.self)
		}
	}
	if o.hooks.Switch == nil {
		return
	}
	if g.isHub {
		o.hooks.Switch(nil)
	} else {
		o.hooks.Switch(g.self)
	}
}

func (o *observer) spawned(g *greenlet) {
	if o.hooks.Spawned != nil {
		o.hooks.Spawned(g.self)
	}
}

// setLabels gives g's goroutine its profile label.
func (g *greenlet) setLabels() {
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("greenlet", g.labelName())))
}

func (g *greenlet) labelName() string {
	if name := g.givenName(); name != "" {
		return name
	}
	return fmt.Sprintf("<Greenlet at %p>", g.self)
}

// runTraced runs g inside a runtime/trace region (see Hooks), for when an
// execution trace is being taken: the goroutines of greenlets are reused
// one greenlet after another, and the region tells which greenlet a
// stretch of a goroutine's timeline belongs to.
func (g *greenlet) runTraced() error {
	defer trace.StartRegion(context.Background(), g.traceRegion()).End()
	return g.runProtected()
}

// traceRegion is the type of g's trace region: "greenlet " and its name,
// if it has one already (see Name), else "greenlet".
func (g *greenlet) traceRegion() string {
	switch name := g.givenName(); {
	case name != "":
		return "greenlet " + name
	case g.named:
		return "greenlet Greenlet-" + strconv.Itoa(g.seq)
	}
	return "greenlet"
}
