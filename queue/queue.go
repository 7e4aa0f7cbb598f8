// Package queue provides gevent.queue's queues for greenlets: Queue (FIFO,
// unbounded or bounded), LifoQueue, PriorityQueue, JoinableQueue and
// Channel (a rendezvous).
//
// Which goroutines may call what: a queue binds to the hub of the first
// greenlet that uses it. Its methods must be called from greenlets or hub
// callbacks of that hub; a call from another goroutine panics with a
// message starting with "queue: ". From a hub callback, where nothing may
// block, a blocking method completes if it can without waiting (serving a
// waiting putter or getter at once, as gevent's hub path does) and returns
// gevent.ErrBlockingSwitchOut otherwise.
//
// Order and fairness follow gevent's algorithm (queue.py _unlock and
// _schedule_unlock): a Put or Get that finds a blocked partner schedules
// one hub callback, which switches to the blocked putters and getters in
// turn, FIFO, each running until it blocks. In addition, blocked putters
// and getters are never overtaken: while one waits, a new Put (or Get)
// queues behind it even if room (or an item) is available. Unlike gevent's,
// that callback does not starve the hub when putters and getters keep
// coming back: it resumes at most a loop iteration's batch of them (see
// gevent.Hub.SpendTurn), then goes back to the end of the hub's ready
// queue, so that timers, I/O, kills, posted callbacks and the other ready
// greenlets get their turn; the putters and getters are then resumed in
// the same order.
//
// Nothing is lost: a getter that times out or is killed has consumed
// nothing, a putter that times out or is killed has put nothing. A waiter
// is resumed directly from the hub and completes its operation before
// anything else runs, so an interrupt can never split it; if an interrupt
// arrives together with the wake-up, the operation completes and the
// interrupt is delivered by the next blocking call.
package queue

import (
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
	"github.com/gevent-go/gevent/internal/onhub"
)

var (
	// ErrEmpty is returned by GetNowait, PeekNowait, and Get/Peek when
	// their timeout elapses (gevent's queue.Empty).
	ErrEmpty = errors.New("queue: empty")

	// ErrFull is returned by PutNowait, and Put when its timeout elapses
	// (gevent's queue.Full).
	ErrFull = errors.New("queue: full")

	// ErrShutDown is returned by Put after Shutdown, and by Get and Peek
	// once a shut-down queue is empty (gevent's ShutDown).
	ErrShutDown = errors.New("queue: shut down")

	// ErrTaskDone is returned by JoinableQueue.TaskDone when called more
	// times than items were put (gevent's ValueError).
	ErrTaskDone = errors.New("queue: TaskDone called too many times")
)

// timeoutErr is the error of a per-call timeout: it matches both its
// queue error (ErrEmpty or ErrFull) and gevent.ErrTimeout.
type timeoutErr struct{ kind error }

func (e *timeoutErr) Error() string { return e.kind.Error() + " (timed out)" }
func (e *timeoutErr) Is(t error) bool {
	return t == e.kind || t == gevent.ErrTimeout
}

var (
	errEmptyTimeout = &timeoutErr{ErrEmpty}
	errFullTimeout  = &timeoutErr{ErrFull}
)

func duration(timeout []time.Duration) time.Duration {
	if len(timeout) == 0 || timeout[0] == gevent.Forever {
		return -1
	}
	return max(timeout[0], 0)
}

// mapWaitErr maps a WaitList error: its per-call timeout becomes timeout.
func mapWaitErr(err error, timeout *timeoutErr) error {
	if !errors.Is(err, gevent.ErrTimeout) {
		return err
	}
	var t *gevent.Timeout
	if errors.As(err, &t) {
		return err
	}
	return timeout
}

type wake uint8

const (
	wakeOK wake = iota
	wakeShutDown
	wakeItem // woken by Put directly, with an item set aside for it
)

// Queue is a queue of items of type T (gevent.queue.Queue): FIFO unless
// created by NewLifoQueue or NewPriorityQueue; unbounded unless created
// with a positive max size. A zero Queue is an unbounded FIFO queue.
type Queue[T any] struct {
	hub       *gevent.Hub
	maxsize   int
	buf       buffer[T]
	getters   gevent.WaitList[wake]
	putters   gevent.WaitList[wake]
	scheduled bool
	unlockFn  func()
	reserved  int // items set aside for getters woken by Put (wakeItem)
	peekers   int // blocked Peek calls
	shut      bool
	tasks     *tasks // JoinableQueue only
}

// NewQueue returns a FIFO queue holding at most maxsize items; maxsize <= 0
// means unbounded (gevent's Queue(None)).
func NewQueue[T any](maxsize int) *Queue[T] {
	return &Queue[T]{maxsize: max(maxsize, 0)}
}

// NewLifoQueue returns a queue that yields the most recently put item
// first (gevent's LifoQueue); maxsize <= 0 means unbounded.
func NewLifoQueue[T any](maxsize int) *Queue[T] {
	q := NewQueue[T](maxsize)
	q.buf.mode = modeLifo
	return q
}

// bind binds q to the caller's hub on first use and checks the caller.
func (q *Queue[T]) bind(op string) *gevent.Hub {
	if q.hub == nil {
		q.hub = onhub.Get("queue", op)
		return q.hub
	}
	if !q.hub.OnHub() {
		onhub.Wrong("queue", op, "queue")
	}
	return q.hub
}

// read panics if q is bound to a hub and the caller is not on it.
func (q *Queue[T]) read(op string) {
	if q.hub != nil && !q.hub.OnHub() {
		onhub.Wrong("queue", op, "queue")
	}
}

// MaxSize returns the maximum size, or 0 for an unbounded queue.
func (q *Queue[T]) MaxSize() int { return q.maxsize }

// Len returns the number of items in the queue (gevent's qsize).
func (q *Queue[T]) Len() int { q.read("Queue.Len"); return q.buf.len() }

// Empty reports whether the queue holds no item.
func (q *Queue[T]) Empty() bool { q.read("Queue.Empty"); return q.buf.len() == 0 }

// Full reports whether a bounded queue holds maxsize items.
func (q *Queue[T]) Full() bool {
	q.read("Queue.Full")
	return q.maxsize > 0 && q.buf.len() >= q.maxsize
}

// Getters and Putters return how many greenlets are blocked in Get/Peek
// and in Put.
func (q *Queue[T]) Getters() int { q.read("Queue.Getters"); return q.getters.Len() }

// Putters returns how many greenlets are blocked in Put.
func (q *Queue[T]) Putters() int { q.read("Queue.Putters"); return q.putters.Len() }

func (q *Queue[T]) room() bool { return q.maxsize <= 0 || q.buf.len() < q.maxsize }

func (q *Queue[T]) push(v T) {
	q.buf.push(v)
	if q.tasks != nil {
		q.tasks.unfinished++
		q.tasks.cond.Clear()
	}
}

// kick schedules the unlock callback unless it is pending (gevent's
// _schedule_unlock); callers call it exactly where gevent does.
func (q *Queue[T]) kick() {
	if q.scheduled {
		return
	}
	q.scheduled = true
	if q.unlockFn == nil {
		q.unlockFn = q.unlock
	}
	q.hub.Schedule(q.unlockFn)
}

// wakeGetter follows a put that found getters waiting: gevent schedules
// _unlock, a hub callback that will resume the first getter. When that is
// all the callback would do (no unlock pending, no blocked Peek, an item
// not yet promised to another getter) and the caller is a greenlet, the
// getter's resume is scheduled instead, at the same place in the ready
// queue, and the item is set aside for it: same order, but the greenlet
// that blocks next can hand over to the getter directly, without a round
// trip through the hub.
func (q *Queue[T]) wakeGetter(h *gevent.Hub) {
	if q.scheduled || q.peekers > 0 || h.InCallback() || q.buf.len() <= q.reserved {
		q.kick()
		return
	}
	if q.getters.WakeOne(wakeItem) {
		q.reserved++
		return
	}
	q.kick()
}

// free returns the number of items not promised to woken getters.
func (q *Queue[T]) free() int { return q.buf.len() - q.reserved }

// unlock is gevent's Queue._unlock: it alternately resumes the first
// blocked putter (which puts its item) while there is room and the first
// blocked getter (which takes an item) while there are items. Each runs at
// once, until it blocks.
//
// Unlike gevent's, the loop is bounded: putters and getters that put and
// get again at once would keep it going for ever, and the hub with it (no
// timer, Timeout, kill or I/O would be served). Each round after the first
// is charged to the hub's loop iteration (Hub.SpendTurn); when the
// iteration's budget is spent, the callback puts itself back at the end of
// the ready queue and returns, so the same rounds go on, in the same order,
// once timers, I/O and the tasks already in the ready queue (kills, posted
// callbacks, other greenlets) have had their turn. (Back at the head, it
// ran first at every iteration and spent its budget again: what waited
// behind it, a kill included, never ran.)
func (q *Queue[T]) unlock() {
	// As in gevent, the callback stops counting as pending when it starts
	// (gevent's callback object is false once run): puts and gets made by
	// the greenlets it resumes schedule a new one.
	q.scheduled = false
	for {
		repeat := false
		if q.putters.Len() > 0 && q.room() {
			repeat = q.putters.WakeOne(wakeOK)
		}
		if q.getters.Len() > 0 && q.free() > 0 {
			if q.getters.WakeOne(wakeOK) {
				repeat = true
			}
		}
		if !repeat {
			return
		}
		if !q.hub.SpendTurn() {
			// Unless a greenlet it resumed has already scheduled the
			// next run (kick): a second copy would run the same rounds
			// (copies doubled at each spent budget, and the ready queue
			// with them).
			if !q.scheduled && (q.putters.Len() > 0 && q.room() || q.getters.Len() > 0 && q.free() > 0) {
				q.scheduled = true
				q.hub.Schedule(q.unlockFn)
			}
			return
		}
	}
}

// Put puts v in the queue, waiting while a bounded queue is full or
// earlier putters are blocked.
//
// With a timeout (0 or negative: do not wait, but still yield once) it
// returns an error matching both ErrFull and gevent.ErrTimeout when the
// timeout elapses first. If the caller is killed or its Timeout scope
// fires, it returns that error. On any error v was not put. After
// Shutdown it returns ErrShutDown. Blocked putters are served in FIFO
// order, never overtaken. From a hub callback it puts v if it can do so at
// once (resuming blocked getters to make room, as gevent does), else
// returns gevent.ErrBlockingSwitchOut.
func (q *Queue[T]) Put(v T, timeout ...time.Duration) error {
	h := q.bind("Queue.Put")
	if q.shut {
		return ErrShutDown
	}
	if q.room() && q.putters.Len() == 0 {
		q.push(v)
		if q.getters.Len() > 0 {
			q.wakeGetter(h)
		}
		return nil
	}
	if h.InCallback() {
		if q.putFromHub(v) {
			return nil
		}
		return gevent.ErrBlockingSwitchOut
	}
	if q.getters.Len() > 0 || q.room() {
		// gevent: if getters, schedule. Also when there is room but
		// earlier putters wait (the Go port never lets a putter overtake).
		q.kick()
	}
	w, err := q.putters.Wait(duration(timeout))
	if err != nil {
		return mapWaitErr(err, errFullTimeout)
	}
	if w == wakeShutDown {
		return ErrShutDown
	}
	q.push(v) // unlock found room for us and runs nothing before we return
	return nil
}

// putFromHub is gevent's put in the hub: resume blocked getters while the
// queue is full, then put if there is room.
func (q *Queue[T]) putFromHub(v T) bool {
	for q.getters.Len() > 0 && q.free() > 0 && !q.room() {
		if !q.getters.WakeOne(wakeOK) {
			break
		}
	}
	if q.room() && q.putters.Len() == 0 {
		q.push(v)
		return true
	}
	return false
}

// PutNowait puts v if it can without waiting, else returns ErrFull (or
// ErrShutDown). It never blocks or yields.
func (q *Queue[T]) PutNowait(v T) error {
	h := q.bind("Queue.PutNowait")
	if q.shut {
		return ErrShutDown
	}
	if q.room() && q.putters.Len() == 0 {
		q.push(v)
		if q.getters.Len() > 0 {
			q.wakeGetter(h)
		}
		return nil
	}
	if h.InCallback() && q.putFromHub(v) {
		return nil
	}
	return ErrFull
}

// Get removes and returns an item, waiting while the queue is empty or
// earlier getters are blocked.
//
// With a timeout (0 or negative: do not wait, but still yield once) it
// returns an error matching both ErrEmpty and gevent.ErrTimeout when the
// timeout elapses first. If the caller is killed or its Timeout scope
// fires, it returns that error. On any error nothing was consumed. Once a
// shut-down queue is empty it returns ErrShutDown. Blocked getters are
// served in FIFO order, never overtaken. From a hub callback it returns an
// item if it can at once (resuming blocked putters, as gevent does), else
// gevent.ErrBlockingSwitchOut.
func (q *Queue[T]) Get(timeout ...time.Duration) (T, error) {
	return q.get("Queue.Get", false, timeout)
}

// Peek returns the item Get would return next without removing it,
// waiting as Get does; see Get for timeouts, kill and order.
func (q *Queue[T]) Peek(timeout ...time.Duration) (T, error) {
	return q.get("Queue.Peek", true, timeout)
}

func (q *Queue[T]) take(peek bool) T {
	if peek {
		return q.buf.peek()
	}
	if q.putters.Len() > 0 {
		q.kick()
	}
	return q.buf.pop()
}

func (q *Queue[T]) get(op string, peek bool, timeout []time.Duration) (T, error) {
	var zero T
	h := q.bind(op)
	if peek && q.buf.len() > 0 || q.reserved == 0 && q.buf.len() > 0 && q.getters.Len() == 0 {
		return q.take(peek), nil
	}
	if q.shut && q.buf.len() == 0 {
		return zero, ErrShutDown
	}
	if h.InCallback() {
		if q.getFromHub() {
			return q.take(peek), nil
		}
		return zero, gevent.ErrBlockingSwitchOut
	}
	if q.putters.Len() > 0 || q.buf.len() > 0 {
		// gevent: if putters, schedule. Also when items are there but
		// earlier getters wait (the Go port never lets a getter overtake).
		q.kick()
	}
	if peek {
		q.peekers++
	}
	w, err := q.getters.Wait(duration(timeout))
	if peek {
		q.peekers--
	}
	if err != nil {
		return zero, mapWaitErr(err, errEmptyTimeout)
	}
	if w == wakeItem {
		q.reserved = max(q.reserved-1, 0)
	}
	if w == wakeShutDown || q.buf.len() == 0 {
		return zero, ErrShutDown
	}
	return q.take(peek), nil
}

// getFromHub is gevent's get in the hub: resume blocked putters until an
// item is there.
func (q *Queue[T]) getFromHub() bool {
	if q.getters.Len() > 0 {
		return false
	}
	for q.free() == 0 && q.putters.Len() > 0 && q.room() {
		if !q.putters.WakeOne(wakeOK) {
			break
		}
	}
	return q.free() > 0
}

// GetNowait returns an item if it can without waiting, else ErrEmpty (or
// ErrShutDown once a shut-down queue is empty). It never blocks or yields.
func (q *Queue[T]) GetNowait() (T, error) { return q.nowait("Queue.GetNowait", false) }

// PeekNowait is Peek without waiting: ErrEmpty if the queue is empty.
func (q *Queue[T]) PeekNowait() (T, error) { return q.nowait("Queue.PeekNowait", true) }

func (q *Queue[T]) nowait(op string, peek bool) (T, error) {
	var zero T
	h := q.bind(op)
	if peek && q.buf.len() > 0 || q.reserved == 0 && q.buf.len() > 0 && q.getters.Len() == 0 {
		return q.take(peek), nil
	}
	if h.InCallback() && q.getFromHub() {
		return q.take(peek), nil
	}
	if q.shut && q.buf.len() == 0 {
		return zero, ErrShutDown
	}
	return zero, ErrEmpty
}

// All returns an iterator that gets items until the queue is shut down and
// empty (gevent's iteration, which stops at a StopIteration sentinel). It
// also stops on any other error of Get (a kill or a Timeout scope); that
// error is then delivered again by the greenlet's next blocking call, so it
// is not lost. Must be ranged over in a greenlet.
func (q *Queue[T]) All() iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			v, err := q.Get()
			if err != nil || !yield(v) {
				return
			}
		}
	}
}

// Shutdown shuts the queue down (gevent's shutdown, Python 3.13's
// queue.shutdown): Put then returns ErrShutDown; Get returns the remaining
// items, then ErrShutDown. Every blocked putter and getter is woken with
// ErrShutDown (from a greenlet, at the end of the ready queue). With
// immediate, the remaining items are discarded first (and, for a
// JoinableQueue, counted as done, which may release Join). Shutting down
// twice is harmless. It never blocks.
func (q *Queue[T]) Shutdown(immediate bool) {
	q.bind("Queue.Shutdown")
	q.shut = true
	if immediate {
		n := q.buf.len()
		q.buf.clear()
		q.reserved = 0
		if q.tasks != nil && n > 0 {
			q.tasks.unfinished = max(q.tasks.unfinished-n, 0)
			if q.tasks.unfinished == 0 {
				q.tasks.cond.Set()
			}
		}
	}
	q.putters.WakeAll(wakeShutDown)
	if q.buf.len() == 0 {
		q.getters.WakeAll(wakeShutDown)
	}
}

// IsShutDown reports whether Shutdown was called.
func (q *Queue[T]) IsShutDown() bool { q.read("Queue.IsShutDown"); return q.shut }

// String describes the queue as gevent's str() does.
func (q *Queue[T]) String() string {
	q.read("Queue.String")
	s := "<Queue"
	if q.maxsize > 0 {
		s += fmt.Sprintf(" maxsize=%d", q.maxsize)
	}
	if n := q.buf.len(); n > 0 {
		s += fmt.Sprintf(" len=%d", n)
	}
	if n := q.getters.Len(); n > 0 {
		s += fmt.Sprintf(" getters[%d]", n)
	}
	if n := q.putters.Len(); n > 0 {
		s += fmt.Sprintf(" putters[%d]", n)
	}
	return s + ">"
}

// tasks is the JoinableQueue state.
type tasks struct {
	unfinished int
	cond       event.Event
}

// JoinableQueue is a Queue that counts unfinished tasks
// (gevent.queue.JoinableQueue): each Put adds one, each TaskDone removes
// one, and Join waits until none is left. A zero JoinableQueue is an
// unbounded FIFO queue.
type JoinableQueue[T any] struct {
	Queue[T]
	t tasks
}

// NewJoinableQueue returns a FIFO JoinableQueue; maxsize <= 0 means
// unbounded.
func NewJoinableQueue[T any](maxsize int) *JoinableQueue[T] {
	j := &JoinableQueue[T]{}
	j.maxsize = max(maxsize, 0)
	j.tasks = &j.t
	return j
}

func (j *JoinableQueue[T]) init() {
	if j.tasks == nil {
		j.tasks = &j.t
	}
}

// Put is Queue.Put; an item put counts as an unfinished task.
func (j *JoinableQueue[T]) Put(v T, timeout ...time.Duration) error {
	j.init()
	return j.Queue.Put(v, timeout...)
}

// PutNowait is Queue.PutNowait; an item put counts as an unfinished task.
func (j *JoinableQueue[T]) PutNowait(v T) error {
	j.init()
	return j.Queue.PutNowait(v)
}

// Unfinished returns the number of tasks put and not yet marked done.
func (j *JoinableQueue[T]) Unfinished() int {
	j.read("JoinableQueue.Unfinished")
	return j.t.unfinished
}

// TaskDone marks one task done; when none is left, Join returns. Called
// more times than items were put, it returns ErrTaskDone and changes
// nothing.
func (j *JoinableQueue[T]) TaskDone() error {
	j.init()
	j.bind("JoinableQueue.TaskDone")
	if j.t.unfinished <= 0 {
		return ErrTaskDone
	}
	j.t.unfinished--
	if j.t.unfinished == 0 {
		j.t.cond.Set()
	}
	return nil
}

// Join waits until every task put has been marked done.
//
// It returns (true, nil) when none is unfinished (at once if so). With a
// timeout (0 or negative: do not wait, but still yield once) it returns
// (false, nil) when the timeout elapses first, as gevent's join returns
// False. If the caller is killed or its Timeout scope fires, it returns
// (false, that error). Joiners are woken in FIFO order; true means the
// count reached zero at least once while waiting.
func (j *JoinableQueue[T]) Join(timeout ...time.Duration) (bool, error) {
	j.init()
	j.bind("JoinableQueue.Join")
	if j.t.unfinished == 0 {
		return true, nil
	}
	return j.t.cond.Wait(timeout...)
}
