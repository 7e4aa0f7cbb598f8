// Package pool manages greenlets in groups (gevent.pool): a Group tracks
// running greenlets, which leave it by themselves when they finish; a Pool
// is a Group with a maximum size, whose Spawn waits for a free slot. The
// package-level functions Apply, ApplyAsync, Map, MapAsync, IMap and
// IMapUnordered run a function over inputs in a Group or a Pool (Go methods
// cannot have type parameters, so they take the group as first argument).
//
// Which goroutines may call what: a Group binds to the hub of the greenlet
// that first uses it; every method must then be called from greenlets of
// that hub. A call from any other goroutine panics with a message starting
// with "pool: ".
//
// Wake-ups follow gevent: a greenlet that finishes leaves its group from
// its link (a hub callback); freed slots and "the group is empty" are
// announced by one hub callback scheduled at the end of the ready queue
// (gevent's Semaphore and Event notifier), so programs print in the same
// order as under gevent.
package pool

import (
	"errors"
	"math"
	"time"
	"unsafe"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/onhub"
)

// Runner is what the mapping functions and Spawn run work in: a *Group or
// a *Pool. Other packages cannot implement it.
type Runner interface {
	group() *Group
}

// Startable is a greenlet that is not started yet: every *gevent.Greenlet[T],
// and types that embed one (the seeds' MyGreenlet).
type Startable interface {
	gevent.AnyGreenlet
	Start()
}

// Group tracks running greenlets, without limiting their number (gevent's
// Group). A greenlet leaves the group by itself when it finishes.
//
// A zero Group is valid and empty; it binds to the hub of its first use.
// Members are kept in the order they were added: Greenlets, Kill and
// JoinRaise use that order.
type Group struct {
	hub     *gevent.Hub
	members map[glKey]*member // keyed by greenlet (see key)
	head    *member
	tail    *member

	joiners *gevent.WaitList[struct{}] // Join callers of the current emptiness

	// Pool part (limited is false for a Group and for an unlimited Pool).
	limited   bool
	size      int
	avail     int                       // free slots
	slotWait  gevent.WaitList[struct{}] // Add/Spawn waiting for a slot
	availWait gevent.WaitList[struct{}] // WaitAvailable callers
	notifying bool
}

type member struct {
	g          gevent.AnyGreenlet
	id         gevent.LinkID
	dying      bool
	gone       bool       // left the group
	onDone     doneNotify // told from the link after the greenlet left
	prev, next *member
}

// doneNotify is told when a tracked greenlet finished (the mapping
// functions' tasks).
type doneNotify interface{ memberDone() }

// glKey identifies a member in Group.members: the address of its
// greenlet. Every AnyGreenlet is a *gevent.Greenlet[T] (the interface has
// an unexported method), so the interface's data word is that address,
// unique among live greenlets whatever their T; a map keyed by it hashes
// a pointer, where one keyed by the interface hashed and compared the
// dynamic type too.
type glKey unsafe.Pointer

func key(gl gevent.AnyGreenlet) glKey {
	return glKey((*[2]unsafe.Pointer)(unsafe.Pointer(&gl))[1])
}

func (g *Group) group() *Group { return g }

// check binds g to the caller's hub, or panics if the caller is not a
// greenlet (or callback) of the hub g is bound to.
func (g *Group) check(op string) {
	if g.hub == nil {
		g.hub = onhub.Get("pool", op)
		return
	}
	if !g.hub.OnHub() {
		onhub.Wrong("pool", op, "group")
	}
}

// checkRead is check for methods that only read: it does not bind g, so
// that a Pool can be inspected before it is used in a hub.
func (g *Group) checkRead(op string) {
	if g.hub != nil && !g.hub.OnHub() {
		onhub.Wrong("pool", op, "group")
	}
}

// Len returns the number of greenlets in the group.
func (g *Group) Len() int {
	g.checkRead("Len")
	return len(g.members)
}

// Contains reports whether gl is in the group.
func (g *Group) Contains(gl gevent.AnyGreenlet) bool {
	g.checkRead("Contains")
	if gl == nil || g.members == nil {
		return false
	}
	_, ok := g.members[key(gl)]
	return ok
}

// Greenlets returns the members, in the order they were added (gevent's
// iteration over a group). The slice is a copy.
func (g *Group) Greenlets() []gevent.AnyGreenlet {
	g.checkRead("Greenlets")
	out := make([]gevent.AnyGreenlet, 0, len(g.members))
	for m := g.head; m != nil; m = m.next {
		out = append(out, m.g)
	}
	return out
}

// Add adds gl to the group (gevent's add). The greenlet should not be
// started yet: for a Pool, Add may wait for a free slot, and a started
// greenlet could run meanwhile. Adding a member again does nothing; a
// greenlet that is already finished leaves again at the next loop
// iteration.
//
// For a Group, Add never blocks and returns nil. For a Pool, it waits for
// a free slot; see Pool.Add for the timeout, kill and fairness rules.
func (g *Group) Add(gl gevent.AnyGreenlet, timeout ...time.Duration) error {
	g.check("Add")
	if g.Contains(gl) {
		return nil
	}
	if err := g.acquire(dur(timeout)); err != nil {
		return err
	}
	g.track(gl, nil)
	return nil
}

// Start adds the unstarted greenlet gl, as Add does, then starts it
// (gevent's start). If Add fails, gl is not started.
func (g *Group) Start(gl Startable, timeout ...time.Duration) error {
	if err := g.Add(gl, timeout...); err != nil {
		return err
	}
	gl.Start()
	return nil
}

// Discard removes gl from the group without killing it (gevent's
// discard). Discarding a greenlet that is not a member does nothing. In a
// Pool, its slot becomes free.
func (g *Group) Discard(gl gevent.AnyGreenlet) {
	g.check("Discard")
	m, ok := g.members[key(gl)]
	if !ok {
		return
	}
	if m.onDone == nil {
		gl.Unlink(m.id)
	}
	g.remove(m)
}

// Go spawns fn in a new greenlet of the group (gevent's group.spawn); see
// Spawn.
func (g *Group) Go(fn func()) (*gevent.Greenlet[struct{}], error) {
	return Spawn(g, func() (struct{}, error) { fn(); return struct{}{}, nil })
}

// GoErr spawns fn, a function returning only an error, in a new greenlet
// of the group; see Spawn.
func (g *Group) GoErr(fn func() error) (*gevent.Greenlet[struct{}], error) {
	return Spawn(g, func() (struct{}, error) { return struct{}{}, fn() })
}

// Spawn starts fn in a new greenlet that is a member of r (gevent's
// spawn). For a Group it never blocks. For a Pool it first waits, without
// limit, for a free slot: if the caller is killed or its Timeout scope
// fires meanwhile, Spawn returns that error, nil, and fn never runs. A
// Pool of size 0 returns ErrZeroSize at once. Waiters get slots in FIFO
// order; see Pool.Add.
func Spawn[T any](r Runner, fn func() (T, error)) (*gevent.Greenlet[T], error) {
	g := r.group()
	g.check("Spawn")
	if err := g.acquire(-1); err != nil {
		return nil, err
	}
	gl := gevent.New(fn)
	g.track(gl, nil)
	gl.Start()
	return gl, nil
}

// track makes gl a member whose slot (if any) is already taken, with m
// (nil: a new member) as its record. m.onDone, if set, is told from gl's
// link after gl left the group.
func (g *Group) track(gl gevent.AnyGreenlet, m *member) *member {
	if g.members == nil {
		g.members = make(map[glKey]*member)
	}
	if m == nil {
		m = &member{}
	}
	m.g = gl
	m.id = gl.Rawlink(func() { g.finished(m) })
	g.members[key(gl)] = m
	m.prev = g.tail
	if g.tail != nil {
		g.tail.next = m
	} else {
		g.head = m
	}
	g.tail = m
	return m
}

// finished is the link of every member.
func (g *Group) finished(m *member) {
	if !m.gone {
		g.remove(m)
	}
	if m.onDone != nil {
		m.onDone.memberDone()
	}
}

func (g *Group) remove(m *member) {
	m.gone = true
	delete(g.members, key(m.g))
	if m.prev != nil {
		m.prev.next = m.next
	} else {
		g.head = m.next
	}
	if m.next != nil {
		m.next.prev = m.prev
	} else {
		g.tail = m.prev
	}
	m.prev, m.next = nil, nil
	if g.limited {
		g.release()
	}
	if len(g.members) == 0 && g.joiners != nil {
		// gevent's Event.set: the joiners of this emptiness are woken by
		// one callback at the end of the ready queue, even if the group
		// fills up again before it runs.
		batch := g.joiners
		g.joiners = nil
		g.hub.Schedule(func() { batch.WakeAll(struct{}{}) })
	}
}

// Join waits until the group is empty (gevent's join).
//
// It returns nil at once if the group is empty. With a timeout (0 or
// negative: do not wait) it returns an error matching gevent.ErrTimeout if
// the group did not become empty in time; gevent's join returns False
// instead. If the caller is killed or its Timeout scope fires, Join returns
// that error. The group is left as it is. Joiners are woken together, in
// FIFO order, by one hub callback. Weak guarantee: the group was empty at
// least once; greenlets may have been added since (gevent's caveat).
func (g *Group) Join(timeout ...time.Duration) error {
	g.check("Join")
	if len(g.members) == 0 {
		return nil
	}
	if g.joiners == nil {
		g.joiners = new(gevent.WaitList[struct{}])
	}
	_, err := g.joiners.Wait(dur(timeout))
	return err
}

// JoinRaise is Join that also reports failures (gevent's
// join(raise_error=True)): once Join has returned, for a timeout too, it
// returns the error of the first greenlet, in the order they were added,
// among those that were members when JoinRaise was called, that failed.
// Otherwise it returns Join's result.
func (g *Group) JoinRaise(timeout ...time.Duration) error {
	g.check("JoinRaise")
	snap := g.Greenlets()
	err := g.Join(timeout...)
	for _, gl := range snap {
		if e := gl.Err(); e != nil {
			return e
		}
	}
	return err
}

// Kill kills every member with err (nil: gevent.ErrGreenletExit), in the
// order they were added, as gevent.Greenlet.Kill does without blocking
// (gevent's group.kill).
//
// With block, it then waits until the group is empty, killing greenlets
// added meanwhile too. With a timeout it returns an error matching
// gevent.ErrTimeout if the group is still not empty when it elapses
// (gevent returns silently). If the caller is killed or its Timeout scope
// fires, that error. Greenlets already being killed by the group are not
// killed again. Without block it never waits and returns nil.
func (g *Group) Kill(err error, block bool, timeout ...time.Duration) error {
	g.check("Kill")
	d := dur(timeout)
	var deadline time.Time
	if d >= 0 {
		deadline = time.Now().Add(d)
	}
	for len(g.members) > 0 {
		for m := g.head; m != nil; m = m.next {
			if !m.dying {
				m.dying = true
				m.g.Kill(err, false)
			}
		}
		if !block {
			return nil
		}
		snap := g.Greenlets()
		var e error
		if d >= 0 {
			_, e = gevent.JoinAll(snap, max(time.Until(deadline), 0))
		} else {
			_, e = gevent.JoinAll(snap)
		}
		if e != nil {
			return e
		}
		if len(g.members) > 0 {
			// Members that died but whose link has not run yet: let the
			// links run.
			if e := gevent.Sleep(0); e != nil {
				return e
			}
		}
	}
	return nil
}

// KillOne kills gl with err (nil: gevent.ErrGreenletExit) if it is a
// member the group is not already killing (gevent's killone); otherwise it
// does nothing and returns nil. With block it then waits for gl as
// gevent.Greenlet.Join does: a timeout error if gl outlives timeout, or the
// caller's kill or Timeout-scope error.
func (g *Group) KillOne(gl gevent.AnyGreenlet, err error, block bool, timeout ...time.Duration) error {
	g.check("KillOne")
	m, ok := g.members[key(gl)]
	if !ok || m.dying {
		return nil
	}
	m.dying = true
	gl.Kill(err, false)
	if block {
		return gl.Join(timeout...)
	}
	return nil
}

// Full reports whether the group has no free slot, that is, whether Add
// and Spawn would wait: always false for a Group and an unlimited Pool.
func (g *Group) Full() bool {
	g.checkRead("Full")
	return g.limited && g.size-len(g.members) <= 0
}

// WaitAvailable waits until a slot is free, without taking it (gevent's
// wait_available), and returns the number of free slots, which may be 0 again
// by then if other greenlets took them (weak guarantee). For a Group and an
// unlimited Pool it returns math.MaxInt at once.
//
// With a timeout (0 or negative: do not wait) it returns 0 and an error
// matching gevent.ErrTimeout if no slot became free in time. If the caller
// is killed or its Timeout scope fires, 0 and that error. Without a timeout
// on a Pool of size 0 it returns ErrZeroSize at once. Nothing is taken.
// Callers are woken together, before the greenlets waiting in Add or Spawn,
// by the hub callback that announces freed slots.
func (g *Group) WaitAvailable(timeout ...time.Duration) (int, error) {
	g.check("WaitAvailable")
	if !g.limited {
		return math.MaxInt, nil
	}
	if g.avail > 0 {
		return g.avail, nil
	}
	d := dur(timeout)
	if g.size == 0 && d < 0 {
		return 0, ErrZeroSize
	}
	if _, err := g.availWait.Wait(d); err != nil {
		return 0, err
	}
	return g.avail, nil
}

// acquire takes a slot (d < 0: wait without limit).
func (g *Group) acquire(d time.Duration) error {
	if !g.limited {
		return nil
	}
	if g.avail > 0 {
		g.avail--
		return nil
	}
	if d == 0 {
		return ErrPoolFull
	}
	if g.size == 0 && d < 0 {
		return ErrZeroSize
	}
	if _, err := g.slotWait.Wait(d); err != nil {
		var scope *gevent.Timeout
		if !errors.As(err, &scope) && errors.Is(err, gevent.ErrTimeout) {
			return &fullError{timeout: err}
		}
		return err
	}
	return nil // the slot was handed over by notify
}

// tryAcquire takes a slot if one is free.
func (g *Group) tryAcquire() bool {
	if !g.limited {
		return true
	}
	if g.avail > 0 {
		g.avail--
		return true
	}
	return false
}

func (g *Group) release() {
	g.avail++
	if !g.notifying && (g.slotWait.Len() > 0 || g.availWait.Len() > 0) {
		g.notifying = true
		g.hub.Schedule(g.notify)
	}
}

// notify is gevent's Semaphore notifier: a hub callback that wakes the
// WaitAvailable callers, then hands free slots to Add/Spawn waiters in
// FIFO order.
func (g *Group) notify() {
	g.notifying = false
	if g.avail > 0 {
		g.availWait.WakeAll(struct{}{})
	}
	for g.avail > 0 && g.slotWait.Len() > 0 {
		g.avail--
		if !g.slotWait.WakeOne(struct{}{}) {
			g.avail++
			return
		}
	}
}

// dur converts the optional timeout: absent = -1 (no limit), else >= 0.
func dur(timeout []time.Duration) time.Duration {
	if len(timeout) == 0 || timeout[0] == gevent.Forever {
		return -1
	}
	return max(timeout[0], 0)
}
