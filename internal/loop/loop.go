// Package loop is the event loop under every hub: a FIFO of ready tasks, a
// timer heap on the monotonic clock, epoll fd readiness, and a thread-safe
// post queue woken through an eventfd.
//
// A Loop is owned by one goroutine (the hub's). Only Post, Hold and Release
// may be called from other goroutines.
package loop

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Task is a unit of work run by the loop.
type Task interface{ RunTask() }

// Func adapts a function to a Task. A func value is pointer-shaped, so
// converting a Func to a Task does not allocate.
type Func func()

// RunTask calls f.
func (f Func) RunTask() { f() }

var epoch = time.Now()

// Now returns the monotonic time in nanoseconds since the process started.
func Now() int64 { return int64(time.Since(epoch)) }

// Now returns the loop's clock: the monotonic Now plus the time its
// virtual clock has jumped (see Virtual). Call it on the loop's goroutine.
func (l *Loop) Now() int64 { return Now() + l.offset }

// Offset returns how far the loop's clock is ahead of Now; safe only on
// the loop's goroutine.
func (l *Loop) Offset() time.Duration { return time.Duration(l.offset) }

// Loop is one event loop. The zero value is not usable; call New.
type Loop struct {
	ready deque

	timers  []timerEntry // 4-ary heap ordered by (when, seq)
	weak    int          // active timers started with StartWeak
	timerSq uint64
	now     int64 // cached clock: see Start
	stale   bool  // now must be re-read before the next Start

	unsettled []*Timer // started since the last clock read: see settle

	epfd     int
	evfd     int
	events   []unix.EpollEvent
	fdtab    []*FD
	fdGen    int32
	fdWaits  int // FDs with a waiter: they keep the loop alive
	fdActive int // registered FDs: the loop polls each iteration while > 0

	budget int // tasks the current iteration may still run

	postMu   sync.Mutex
	posted   []Task
	postN    atomic.Int32
	sleeping atomic.Bool
	wakeSent atomic.Bool
	holds    atomic.Int64
	closed   bool

	// BusyPoll, in nanoseconds (0: off), is how long the loop polls
	// epoll without blocking before it sleeps in epoll_wait, when FDs are
	// registered: see spin. Any goroutine may set it.
	BusyPoll atomic.Int64
	sleeps   int // blocking epoll_waits (tests)
	spins    int // busy polls begun (tests)

	// The FD spin (FD.SetSpin): spinWaits waits are pending on FDs with a
	// spin, the longest of which, since spinWaits was last 0, is spinMax.
	spinWaits int
	spinMax   int64

	// OnPanic is called, in the loop, with the value of a panic raised by a
	// task; the loop then goes on with the next task.
	OnPanic func(v any, stack []byte)

	// Virtual makes time jump: when the loop would wait, with only timers
	// able to wake it (no fd waiter, hold or posted work), its clock (Now
	// method) jumps to the first timer's deadline instead. Set by the
	// loop's goroutine.
	Virtual bool
	offset  int64 // the time jumped so far: Now() + offset is the loop's clock

	// Unwind is a panic value that is not reported but passed on: the
	// owner uses it to unwind the goroutine running the loop.
	Unwind any
}

// New creates a loop with its epoll instance and wake-up eventfd.
func New() (*Loop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	evfd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(evfd), Pad: -1}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, evfd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(evfd)
		return nil, err
	}
	return &Loop{epfd: epfd, evfd: evfd, events: make([]unix.EpollEvent, 128), stale: true}, nil
}

// Close releases the loop's file descriptors. Registered FDs are
// forgotten; later Posts are refused.
func (l *Loop) Close() error {
	_, err := l.CloseDrain()
	return err
}

// CloseDrain is Close that also returns the tasks that will never run: those
// still in the ready FIFO and those posted but not yet taken, in that order.
// The owner may tell them that the loop is gone (a Submit's greenlet, say).
func (l *Loop) CloseDrain() ([]Task, error) {
	l.postMu.Lock()
	defer l.postMu.Unlock()
	if l.closed {
		return nil, nil
	}
	l.closed = true
	var left []Task
	for l.ready.n > 0 {
		left = append(left, l.ready.popFront())
	}
	left = append(left, l.posted...)
	l.posted = nil
	l.postN.Store(0)
	unix.Close(l.evfd)
	return left, unix.Close(l.epfd)
}

// Schedule appends t to the ready FIFO.
func (l *Loop) Schedule(t Task) { l.ready.pushBack(t) }

// ScheduleFront puts t at the head of the ready FIFO.
func (l *Loop) ScheduleFront(t Task) { l.ready.pushFront(t) }

// MarkStale makes the next Start order its timer from a fresh clock read
// instead of the time cached at the start of the iteration (the hub calls
// it when control leaves the loop for code that may run long, such as the
// main greenlet). Either way a timer never fires before its d has passed
// since Start.
func (l *Loop) MarkStale() { l.stale = true }

// Sleeping reports whether the loop waits in epoll_wait for events, timers
// or posted work. Safe from any goroutine.
func (l *Loop) Sleeping() bool { return l.sleeping.Load() }

// Ready returns the number of tasks waiting to run.
func (l *Loop) Ready() int { return l.ready.n }

// Post hands t to the loop from any goroutine. It runs on the loop's
// goroutine at the next iteration; a loop sleeping in epoll_wait is woken.
// It reports false, dropping t, if the loop is closed.
func (l *Loop) Post(t Task) bool {
	l.postMu.Lock()
	defer l.postMu.Unlock()
	if l.closed {
		return false
	}
	l.posted = append(l.posted, t)
	l.postN.Add(1)
	if l.sleeping.Load() && !l.wakeSent.Swap(true) {
		var one = [8]byte{1}
		unix.Write(l.evfd, one[:])
	}
	return true
}

// Hold keeps the loop alive (Alive reports true) until a matching Release:
// for goroutines that will Post work later. Safe from any goroutine.
func (l *Loop) Hold() { l.holds.Add(1) }

// Release undoes one Hold. Safe from any goroutine.
func (l *Loop) Release() {
	if l.holds.Add(-1) == 0 {
		l.postMu.Lock()
		if !l.closed && l.sleeping.Load() && !l.wakeSent.Swap(true) {
			var one = [8]byte{1}
			unix.Write(l.evfd, one[:])
		}
		l.postMu.Unlock()
	}
}

// Alive reports whether anything can still happen: ready tasks, timers
// (other than weak ones), fd waiters, posted work or holds.
func (l *Loop) Alive() bool {
	return l.ready.n > 0 || len(l.timers) > l.weak || l.fdWaits > 0 || l.postN.Load() > 0 || l.holds.Load() > 0
}

// RunOnce runs one iteration: ready tasks in FIFO order (those that were
// ready when it started, or up to drainBatch counting those made ready
// meanwhile; the rest wait for the next iteration), posted work, the timers
// that are due (in the order of Start), and fd readiness. When nothing is
// ready and block is true it sleeps in epoll_wait until the next timer, fd
// event or Post. It returns false, without sleeping, when the loop is not
// Alive: nothing could ever wake it.
func (l *Loop) RunOnce(block bool) bool {
	l.now, l.stale = l.Now(), false
	l.settle(l.now)
	if n := l.ready.n; n > 0 {
		l.runReady(max(n, drainBatch))
	}
	if l.postN.Load() > 0 {
		l.takePosted()
	}
	if len(l.timers) > 0 {
		l.runTimers(l.Now())
	}
	if l.ready.n > 0 || !block {
		if l.fdActive > 0 {
			l.poll(0)
		}
		return true
	}
	if !l.Alive() {
		return false
	}
	timeout := -1
	if len(l.timers) > 0 {
		if len(l.unsettled) > 0 {
			l.settle(l.Now()) // started by the timers' tasks
		}
		d := l.timers[0].t.due - l.Now()
		if d <= 0 {
			timeout = 0
		} else {
			timeout = int((d + int64(time.Millisecond) - 1) / int64(time.Millisecond))
		}
	}
	if timeout > 0 && l.Virtual && l.fdWaits == 0 && l.holds.Load() == 0 && l.postN.Load() == 0 {
		// Virtual time: only a timer can wake the loop; jump to it.
		l.offset += l.timers[0].t.due - l.Now()
		timeout = 0
	}
	if timeout != 0 {
		// Let goroutines that were made runnable on this thread (a worker
		// just started to run a job for the hub, say) run before the thread
		// blocks in epoll_wait; otherwise they wait until the runtime
		// notices the blocked thread and hands its queue to another.
		runtime.Gosched()
		if !l.Virtual {
			var d int64
			if bp := l.BusyPoll.Load(); bp > 0 && l.fdActive > 0 {
				d = bp
			}
			if l.spinWaits > 0 {
				d = max(d, l.spinMax)
			}
			if d > 0 {
				if timeout > 0 {
					d = min(d, int64(timeout)*int64(time.Millisecond))
				}
				l.spins++
				if l.spin(d) {
					timeout = 0
				}
			}
		}
	}
	l.sleeping.Store(true)
	if l.postN.Load() > 0 {
		timeout = 0
	}
	l.poll(timeout)
	l.now = l.Now()
	l.sleeping.Store(false)
	if l.postN.Load() > 0 {
		l.takePosted()
	}
	if len(l.timers) > 0 {
		l.runTimers(l.Now())
	}
	return true
}

func (l *Loop) runReady(n int) {
	l.budget = n
	for l.budget > 0 && l.ready.n > 0 {
		l.runSome()
	}
	l.budget = 0
}

// drainBatch is how many tasks an iteration may run, counting tasks made
// ready during the iteration, before timers, posted work and I/O get their
// turn. gevent runs callbacks for up to its switch interval (5 ms),
// checking the clock every 50; a count keeps iteration boundaries
// deterministic. 1,024 tasks of a few hundred nanoseconds are well under
// that interval, and amortise the trip through the loop (a clock read and
// two coroutine switches) over many hand-offs. Order among tasks is FIFO
// either way.
const drainBatch = 1024

// runSome runs ready tasks while the iteration's budget lasts; a task that
// panics is reported and runSome returns, to be called again for the rest.
func (l *Loop) runSome() {
	defer func() {
		if r := recover(); r != nil {
			l.report(r)
		}
	}()
	for l.budget > 0 && l.ready.n > 0 {
		l.budget--
		l.ready.popFront().RunTask()
	}
}

// Head returns the task at the head of the ready FIFO if the current
// iteration's budget allows running it now, else nil. With PopHead it lets
// a task that is itself running on the loop's behalf run the next task
// exactly as the loop would (same order, same budget).
func (l *Loop) Head() Task {
	if l.budget <= 0 || l.ready.n == 0 {
		return nil
	}
	return l.ready.buf[l.ready.head]
}

// PopHead removes the head task (after Head returned it) and charges it to
// the iteration's budget.
func (l *Loop) PopHead() {
	l.budget--
	l.ready.popFront()
}

// Unpop puts t back at the head of the ready FIFO and gives back the
// budget its PopHead charged: t runs next, as if it had not been popped.
func (l *Loop) Unpop(t Task) {
	l.ready.pushFront(t)
	l.budget++
}

// Spend charges one unit of work to the current iteration's budget, for a
// task that does a batch of work itself (a callback that switches to
// waiting greenlets in turn, each running until it blocks), and reports
// whether the budget allowed it. When it reports false the task should
// stop and put the rest of its work back with Schedule, at the end of the
// ready FIFO, so that the tasks already there, timers, posted work and I/O
// get their turn before it goes on (put back at the head, it would run
// first at every iteration and spend the budget again). Outside
// the ready-task part of an iteration (in a timer's task, say) the budget
// is always spent.
func (l *Loop) Spend() bool {
	if l.budget <= 0 {
		return false
	}
	l.budget--
	return true
}

func (l *Loop) report(r any) {
	if r == l.Unwind && r != nil {
		panic(r)
	}
	if l.OnPanic != nil {
		l.OnPanic(r, stack())
		return
	}
	panic(r)
}

func (l *Loop) takePosted() {
	l.postMu.Lock()
	p := l.posted
	l.posted = nil
	l.postN.Store(0)
	l.postMu.Unlock()
	for _, t := range p {
		l.ready.pushBack(t)
	}
}

// deque is a growable ring buffer of tasks.
type deque struct {
	buf  []Task
	head int
	n    int
}

func (d *deque) grow() {
	nb := make([]Task, max(16, 2*len(d.buf)))
	for i := 0; i < d.n; i++ {
		nb[i] = d.buf[(d.head+i)&(len(d.buf)-1)]
	}
	d.buf, d.head = nb, 0
}

func (d *deque) pushBack(t Task) {
	if d.n == len(d.buf) {
		d.grow()
	}
	d.buf[(d.head+d.n)&(len(d.buf)-1)] = t
	d.n++
}

func (d *deque) pushFront(t Task) {
	if d.n == len(d.buf) {
		d.grow()
	}
	d.head = (d.head - 1) & (len(d.buf) - 1)
	d.buf[d.head] = t
	d.n++
}

func (d *deque) popFront() Task {
	t := d.buf[d.head]
	d.buf[d.head] = nil
	d.head = (d.head + 1) & (len(d.buf) - 1)
	d.n--
	return t
}

// Spins returns how many busy polls (BusyPoll, FD.SetSpin) the loop has
// begun, and how many waits on FDs with a spin are pending (tests).
func (l *Loop) Spins() (spins, spinWaits int) { return l.spins, l.spinWaits }

// spin polls epoll without blocking, and looks for posted work, for up to
// d nanoseconds (BusyPoll); it reports whether it found either. Waking a
// thread that sleeps in epoll_wait costs tens of microseconds where the
// CPU idles deeply (a virtual machine's vCPU above all); an answer that
// comes back within d (a request to another thread or process over
// loopback) is then taken without that cost, at the price of d of CPU
// each time the loop would sleep. Between polls it yields the CPU
// (sched_yield): a thread that waits for this CPU (libzmq's I/O thread,
// whose answer the loop waits for, where the kernel packs threads on few
// CPUs) runs at once instead of after the spin.
func (l *Loop) spin(d int64) bool {
	start := time.Now()
	for {
		if l.postN.Load() > 0 || l.poll(0) > 0 {
			return true
		}
		if int64(time.Since(start)) >= d {
			return false
		}
		unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
	}
}
