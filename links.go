package gevent

import (
	"runtime/debug"
	"time"
)

// Links is what an object that becomes ready keeps to notify: callbacks
// (its Rawlink) and greenlets waiting for it, in one list, in the order
// they were added (gevent's AbstractLinkable._links, where a waiting
// greenlet is the link that switches to it). A run, scheduled by Fire as
// one hub callback, takes the entries present when it starts, in order: it
// calls each callback and resumes each waiting greenlet at once, which runs
// until it blocks before the next entry is taken. A zero Links is ready to
// use; it binds to the hub of its first Add, Wait or Fire. Its methods
// must be called from greenlets or callbacks of that hub.
type Links struct {
	hub       *Hub
	main      linkList // gevent's _links
	arrived   linkList // gevent's arrived_while_waiting (WaitPending)
	free      *linkNode
	seq       LinkID
	scheduled bool
	again     bool        // Fire was called while a run was pending
	ready     func() bool // SetReady
	whileRdy  bool        // SetReady: a run stops when ready reports false
}

// linksRun is the task that runs l: scheduling it allocates nothing (a
// method value would, once per object).
type linksRun Links

func (t *linksRun) RunTask() { (*Links)(t).run() }

// linkNode is a callback (fn != nil) or a greenlet parked in Wait or
// WaitPending (g), which a run marks handed before it resumes it.
type linkNode struct {
	prev, next *linkNode
	list       *linkList
	id         LinkID
	fn         func()
	g          *greenlet
	handed     bool
}

type linkList struct {
	head, tail *linkNode
	n          int
}

func (q *linkList) push(n *linkNode) {
	n.list, n.prev, n.next = q, q.tail, nil
	if q.tail != nil {
		q.tail.next = n
	} else {
		q.head = n
	}
	q.tail = n
	q.n++
}

func (q *linkList) remove(n *linkNode) {
	if n.list != q {
		return
	}
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		q.head = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		q.tail = n.prev
	}
	n.prev, n.next, n.list = nil, nil, nil
	q.n--
}

// node returns a node from l's free list, or a new one. A free list of
// the hub's instead (a waiter on a fresh Event would allocate nothing)
// was measured slower twice (docs/BENCHMARKS.md, "Fifth pass: event
// fan-out"): with fewer allocations in the greenlets, the GC's mark
// phase, driven by their assists, runs longer, and every pointer write
// pays a write barrier meanwhile.
func (l *Links) node() *linkNode {
	n := l.free
	if n != nil {
		l.free = n.next
		n.next = nil
		return n
	}
	return new(linkNode)
}

func (l *Links) recycle(n *linkNode) {
	n.fn, n.g, n.id, n.prev, n.handed = nil, nil, 0, nil, false
	n.next = l.free
	l.free = n
}

func (l *Links) bind(op string) {
	if l.hub == nil {
		l.hub = self(op).hub
	} else {
		l.hub.mustOn(op, "links")
	}
}

// check panics if l is bound to a hub and the caller is not on it.
func (l *Links) check(op string) {
	if l.hub != nil {
		l.hub.mustOn(op, "links")
	}
}

// Add appends fn. If ready is true, a run is scheduled at once (linking to
// a ready object fires, as gevent's rawlink does).
func (l *Links) Add(fn func(), ready bool) LinkID {
	l.bind("Rawlink")
	n := l.node()
	l.seq++
	n.id, n.fn = l.seq, fn
	l.main.push(n)
	if ready {
		l.Fire()
	}
	return n.id
}

// Remove removes a callback that has not run (gevent's unlink). An unknown
// or already run id does nothing.
func (l *Links) Remove(id LinkID) {
	l.check("Links.Remove")
	for n := l.main.head; n != nil; n = n.next {
		if n.id == id && n.fn != nil {
			l.main.remove(n)
			l.recycle(n)
			return
		}
	}
}

// Len returns the number of callbacks and greenlets waiting to be run or
// resumed.
func (l *Links) Len() int {
	l.check("Links.Len")
	return l.main.n + l.arrived.n
}

// Pending reports whether a run is scheduled or under way.
func (l *Links) Pending() bool {
	l.check("Links.Pending")
	return l.scheduled
}

// SetReady gives l its owner's readiness (gevent's ready()): after each
// run, another is scheduled if ready reports true and entries remain, the
// ones added during the run (gevent's _check_and_notify). With whileReady,
// a run also stops before an entry when ready reports false, leaving the
// rest for the run the owner's next Fire schedules (gevent's notify_all
// false, which a semaphore uses: each entry may take the permit). Without
// SetReady, l runs again only if Fire was called while a run was pending.
func (l *Links) SetReady(ready func() bool, whileReady bool) {
	l.check("Links.SetReady")
	l.ready, l.whileRdy = ready, whileReady
}

// Wait parks the calling greenlet at the tail of l, behind the entries
// added before it, until a run resumes it; it returns nil then.
//
// timeout < 0 (or Forever) waits without limit; otherwise, when it
// elapses, Wait returns an error matching ErrTimeout. A kill or a Timeout
// scope of the caller returns that error. On every error the caller has
// left l. From a hub callback it returns ErrBlockingSwitchOut.
func (l *Links) Wait(timeout time.Duration) error {
	return l.wait(&l.main, timeout, "Links.Wait")
}

// WaitPending waits, without a timeout, for the run that is pending (see
// Pending) to resume the caller, after the entries that run was going to
// take: what a greenlet does when it waits on an object that is already
// ready while its waiters are being notified (gevent's
// arrived_while_waiting). With no run pending it returns nil at once. A
// kill or a Timeout scope returns that error, the caller having left l;
// from a hub callback it returns ErrBlockingSwitchOut.
func (l *Links) WaitPending() error {
	l.check("Links.WaitPending")
	if !l.scheduled {
		return nil
	}
	return l.wait(&l.arrived, -1, "Links.WaitPending")
}

func (l *Links) wait(q *linkList, timeout time.Duration, op string) error {
	c := self(op)
	if c.isHub {
		return ErrBlockingSwitchOut
	}
	if l.hub == nil {
		l.hub = c.hub
	} else if l.hub != c.hub {
		wrongHub(op, "links")
	}
	// As WaitList.Wait: a pending kill or timeout is delivered, and a
	// greenlet that blocks again after a further kill is unwound, before
	// it joins the list.
	if err := c.enter(); err != nil {
		return err
	}
	n := l.node()
	l.seq++
	n.id, n.g = l.seq, c
	q.push(n)
	c.state = stateParked
	c.block(timeout)
	err := c.woken()
	handed := n.handed
	if n.list != nil { // not taken by a run: a timeout, a kill
		n.list.remove(n)
	}
	l.recycle(n)
	if handed {
		// Resumed by a run: the wait succeeded even if an interrupt raced
		// it; the interrupt stays pending for the next blocking call.
		if err != nil && err != errWaitTimeout {
			c.repend(err)
		}
		return nil
	}
	return timeoutError(err, timeout)
}

// Fire schedules a run if there are entries and none is pending; if one
// is pending, another follows it when entries remain (see SetReady). Fire
// with no entries does nothing.
func (l *Links) Fire() {
	l.check("Links.Fire")
	if l.scheduled {
		l.again = true
		return
	}
	if l.main.n+l.arrived.n == 0 {
		return
	}
	l.bind("Links.Fire")
	l.scheduled = true
	l.hub.loop.Schedule((*linksRun)(l))
}

// run is gevent's _notify_links: the entries present when it starts, then
// the greenlets that arrived while it was pending, then, if the owner is
// still ready, another run for the entries added meanwhile.
func (l *Links) run() {
	l.runList(&l.main)
	l.runList(&l.arrived)
	for n := l.arrived.head; n != nil; n = l.arrived.head {
		// Arrived during the second pass: they wait on (gevent moves them
		// to _links).
		l.arrived.remove(n)
		l.main.push(n)
	}
	l.scheduled = false
	again := l.again
	l.again = false
	if l.ready != nil {
		again = l.ready()
	}
	if again {
		l.Fire()
	}
}

// runList takes the entries of q present when it starts, in order.
func (l *Links) runList(q *linkList) {
	last := l.seq
	for n := q.head; n != nil && n.id <= last; n = q.head {
		if l.whileRdy && !l.ready() {
			return
		}
		q.remove(n)
		if n.fn != nil {
			fn := n.fn
			l.recycle(n)
			l.call(fn)
			continue
		}
		// Resumed at once (the hub switches to it); it recycles n. A
		// greenlet whose timeout or kill already woke it is passed over.
		if n.g.state == stateParked {
			n.handed = true
			n.g.wakeWith(nil)
		}
	}
}

// call runs a callback, reporting a panic (gevent's handle_error) so that
// the other links still run.
func (l *Links) call(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			if r == unwindSentinel {
				panic(r)
			}
			l.hub.reportError(nil, &PanicError{Value: r, Stack: debug.Stack()})
		}
	}()
	fn()
}
