package pool

import (
	"errors"
	"iter"

	"github.com/gevent-go/gevent"
)

// The mapping functions (gevent's GroupMappingMixin). Each input item
// runs in its own greenlet, a member of the group, as in gevent: in a Pool
// at most Size run at once. Inputs are an iter.Seq; pass a slice with
// slices.Values. A function's error, or a panic (a *gevent.PanicError), is
// its item's error; a worker killed with gevent.ErrGreenletExit reports that
// kill error rather than a zero result.

// Apply runs fn in a new greenlet of r and waits for its result (gevent's
// apply). When the caller is itself a member of r, fn runs inline, at once,
// in the caller (so a member cannot deadlock a full pool).
//
// It waits first for a slot (in a Pool), then for fn. If the caller is
// killed or its Timeout scope fires, Apply returns that error; a greenlet
// already spawned goes on running (gevent's behaviour).
func Apply[T any](r Runner, fn func() (T, error)) (T, error) {
	g := r.group()
	g.check("Apply")
	if g.Contains(gevent.GetCurrent()) {
		return fn()
	}
	gl, err := Spawn(r, fn)
	if err != nil {
		var zero T
		return zero, err
	}
	return gl.Get()
}

// ApplyAsync starts fn and returns its greenlet without ever blocking
// (gevent's apply_async). If r has a free slot, the greenlet is a member of
// r; otherwise it is a plain greenlet that calls Apply (it waits for a slot,
// then for fn), and is not a member. Join the returned greenlet, not the
// group, to wait for the result.
func ApplyAsync[T any](r Runner, fn func() (T, error)) *gevent.Greenlet[T] {
	g := r.group()
	g.check("ApplyAsync")
	if !g.tryAcquire() {
		return gevent.Spawn(func() (T, error) { return Apply(r, fn) })
	}
	gl := gevent.New(fn)
	g.track(gl, nil)
	gl.Start()
	return gl
}

// Map runs fn over items in r and returns the results in input order
// (gevent's map). As in gevent 22.10, a helper greenlet (not a member of
// r) first spawns one greenlet per item, in r, waiting for slots in a
// Pool, and only then collects the results in input order; Map waits for
// the helper. So every item has started before any result is looked at.
//
// On the first error in input order, Map returns nil and that error; the
// items after it have all started and go on running (as in gevent; Join r
// to wait for them). The helper fails with that error, so the hub reports
// it too (gevent prints both failures). If the caller is killed or its
// Timeout scope fires while it waits, Map returns that error (unwrapped)
// and the helper and the workers it spawned are killed (and waited for,
// except after the caller's own kill). A worker killed with
// gevent.ErrGreenletExit reports that error.
func Map[T, R any](r Runner, fn func(T) (R, error), items iter.Seq[T]) ([]R, error) {
	r.group().check("Map")
	m := &mapRun[T, R]{r: r, fn: fn}
	h := m.start(items)
	out, err := h.Get()
	if h.Dead() {
		if err == nil {
			_, err = result(h) // the helper was killed by someone else
		}
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	// The caller's own kill or timeout: stop the helper and the workers.
	var scope *gevent.Timeout
	killed := !errors.As(err, &scope)
	h.Kill(nil, false)
	for _, gl := range m.gls {
		gl.Kill(nil, false)
	}
	if !killed {
		gs := append([]gevent.AnyGreenlet{h}, m.workers()...)
		gevent.JoinAll(gs)
	}
	return nil, err
}

// MapAsync runs Map's helper and returns it at once (gevent's map_async):
// its value is the results in input order, or it fails with the first
// error in input order (the items after it go on running). Killing it
// kills the workers it started.
func MapAsync[T, R any](r Runner, fn func(T) (R, error), items iter.Seq[T]) *gevent.Greenlet[[]R] {
	r.group().check("MapAsync")
	m := &mapRun[T, R]{r: r, fn: fn}
	return m.start(items)
}

// mapRun is one Map: gevent's __map, run by a helper greenlet.
type mapRun[T, R any] struct {
	r   Runner
	fn  func(T) (R, error)
	gls []*gevent.Greenlet[R]
}

func (m *mapRun[T, R]) workers() []gevent.AnyGreenlet {
	gs := make([]gevent.AnyGreenlet, len(m.gls))
	for i, gl := range m.gls {
		gs[i] = gl
	}
	return gs
}

// start spawns the helper: it spawns every item (yielding to the workers
// after every feedBatch spawns it made without waiting), then collects the
// results in order. If it is interrupted (killed) it kills the workers.
func (m *mapRun[T, R]) start(items iter.Seq[T]) *gevent.Greenlet[[]R] {
	return gevent.Spawn(func() (out []R, err error) {
		collected := false
		defer func() {
			if !collected {
				for _, gl := range m.gls {
					gl.Kill(nil, false)
				}
			}
		}()
		for item := range items {
			if n := len(m.gls); n > 0 && n%feedBatch == 0 {
				if err := gevent.Sleep(0); err != nil {
					return nil, err
				}
			}
			gl, err := Spawn(m.r, func() (R, error) { return m.fn(item) })
			if err != nil {
				return nil, err
			}
			m.gls = append(m.gls, gl)
		}
		out = make([]R, 0, len(m.gls))
		for _, gl := range m.gls {
			if err := gl.Join(); err != nil {
				return nil, err // the helper's own kill
			}
			v, err := result(gl)
			if err != nil {
				collected = true // gevent leaves the others running
				return nil, err
			}
			out = append(out, v)
		}
		collected = true
		return out, nil
	})
}

// ErrInterrupted is matched (errors.Is) by the error with which an IMap or
// IMapUnordered iteration ends when the consuming greenlet's own wait for a
// result is interrupted: it was killed, or a Timeout scope of its fired
// (gevent raises these out of the loop). That error also matches the
// interruption itself: errors.Is(err, gevent.ErrGreenletExit) or the kill
// error, errors.As(err, &timeout) for a *gevent.Timeout, and a Timeout's
// Run treats it as its own. It is the last pair yielded: the iteration
// stops after it even if the loop body goes on (continue). A worker's
// failure never matches ErrInterrupted (unless its function returned such
// an error).
var ErrInterrupted = errors.New("pool: iteration interrupted")

// interrupted is the consumer's own kill or timeout, as IMap yields it.
type interrupted struct{ err error }

func (e *interrupted) Error() string   { return "pool: iteration interrupted: " + e.err.Error() }
func (e *interrupted) Unwrap() []error { return []error{ErrInterrupted, e.err} }

// result is a finished worker's value or error; a kill counts as an error.
func result[R any](gl *gevent.Greenlet[R]) (R, error) {
	if err := gl.Err(); err != nil {
		var zero R
		return zero, err
	}
	if err := gl.ExitErr(); err != nil {
		var zero R
		return zero, err
	}
	return gl.Value(), nil
}

// Option configures IMap and IMapUnordered.
type Option func(*options)

type options struct{ maxSize int }

// MaxSize bounds the results that are finished but not yet read by the
// consumer (gevent's maxsize): a worker whose function returns while n such
// results wait keeps its result, and its slot, until the consumer reads
// one. n <= 0 means no bound. For IMap, the worker of the result the
// consumer waits for next never waits, so the bound cannot deadlock.
func MaxSize(n int) Option { return func(o *options) { o.maxSize = n } }

// IMapUnordered runs fn over items in r and yields the results in the
// order they finish (gevent's imap_unordered): (result, nil), or (zero,
// err) for an item whose function failed; iteration goes on after such an
// error, so the consumer decides whether to stop. The work starts when the
// range starts (gevent starts it at the call); each range runs it anew.
// It must be ranged over in a greenlet of r's hub.
//
// The iteration waits for results. If the consumer is killed or its
// Timeout scope fires while it waits, the sequence yields (zero, err) with
// err matching ErrInterrupted and that kill error or *gevent.Timeout, and
// stops (gevent raises out of the loop): test errors.Is(err,
// pool.ErrInterrupted) to tell it from a worker's failure. When the range stops early, for any reason, the feeder
// and the workers still running are killed; they are also waited for,
// unless the consumer was just handed its own kill error (a killed greenlet
// must not block again). No greenlet of the map is left running.
//
// Determinism: the same program yields the same order on every run, as in
// gevent (see the package example). Results finished together are yielded
// in the order their greenlets' links ran, which is the order they finished.
func IMapUnordered[T, R any](r Runner, fn func(T) (R, error), items iter.Seq[T], opts ...Option) iter.Seq2[R, error] {
	return imap(r, fn, items, false, opts)
}

// IMap is IMapUnordered that yields results in input order (gevent's
// imap): results that finish early are kept until their turn.
func IMap[T, R any](r Runner, fn func(T) (R, error), items iter.Seq[T], opts ...Option) iter.Seq2[R, error] {
	return imap(r, fn, items, true, opts)
}

type res[R any] struct {
	v   R
	err error
	ok  bool
}

type task[T, R any] struct {
	member
	run     *run[T, R]
	gl      *gevent.Greenlet[R]
	idx     int
	pos     int  // index in run.live
	counted bool // counted in run.unread by waitRoom
}

// run is one iteration of IMap/IMapUnordered.
type run[T, R any] struct {
	g       *Group
	fn      func(T) (R, error)
	ordered bool
	maxSize int

	buf  []res[R] // unordered: FIFO from head; ordered: window from index next
	head int
	next int // ordered: index of the next result to yield

	live        []*task[T, R]
	outstanding int // workers started whose result is not delivered
	feedDone    bool
	feedErr     error
	stopped     bool

	consumer gevent.WaitList[struct{}]
	waking   bool

	unread int // maxSize: results finished and not read (workers included)
	room   gevent.WaitList[struct{}]
}

func imap[T, R any](r Runner, fn func(T) (R, error), items iter.Seq[T], ordered bool, opts []Option) iter.Seq2[R, error] {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return func(yield func(R, error) bool) {
		g := r.group()
		g.check("IMap")
		m := &run[T, R]{g: g, fn: fn, ordered: ordered, maxSize: max(o.maxSize, 0)}
		m.iterate(items, yield)
	}
}

func (m *run[T, R]) iterate(items iter.Seq[T], yield func(R, error) bool) {
	var zero R
	feeder := gevent.Go(func() { m.feed(items) })
	feeder.Rawlink(func() {
		m.feedDone = true
		if err := feeder.Err(); err != nil {
			m.feedErr = err
		}
		m.signal()
	})
	killed := false
	defer func() { m.cleanup(feeder, killed) }()
	for {
		if v, err, ok := m.pop(); ok {
			if !yield(v, err) {
				return
			}
			continue
		}
		if m.feedDone && m.outstanding == 0 {
			if m.feedErr != nil {
				yield(zero, m.feedErr)
			}
			return
		}
		if _, err := m.consumer.Wait(-1); err != nil {
			var scope *gevent.Timeout
			killed = !errors.As(err, &scope)
			yield(zero, &interrupted{err})
			return
		}
	}
}

// feedBatch is how many workers the feeder starts in a row before it
// yields to them.
const feedBatch = 1024

// feed spawns one worker per item, in the group (waiting for slots). It
// yields after every feedBatch workers it could start without waiting:
// workers then start in the same order as if all were spawned at once, but
// one batch is alive at a time when they do not block (gevent spawns them
// all first).
func (m *run[T, R]) feed(items iter.Seq[T]) {
	idx := 0
	for item := range items {
		if m.stopped {
			return
		}
		if idx > 0 && idx%feedBatch == 0 {
			// Let the workers started so far run before starting more, so
			// that a huge input does not keep every greenlet alive at once.
			if gevent.Sleep(0) != nil || m.stopped {
				return
			}
		}
		if err := m.g.acquire(-1); err != nil {
			if !errors.Is(err, gevent.ErrGreenletExit) {
				m.feedErr = err
			}
			return
		}
		if m.stopped {
			m.g.release()
			return
		}
		t := &task[T, R]{run: m, idx: idx, pos: len(m.live)}
		t.onDone = t
		idx++
		fn := m.fn
		if m.maxSize > 0 {
			t.gl = gevent.New(func() (R, error) {
				v, err := fn(item)
				if e := m.waitRoom(t); e != nil {
					return v, e
				}
				return v, err
			})
		} else {
			t.gl = gevent.New(func() (R, error) { return fn(item) })
		}
		m.live = append(m.live, t)
		m.outstanding++
		m.g.track(t.gl, &t.member)
		t.gl.Start()
	}
}

// waitRoom holds a finished worker while maxSize results wait unread.
func (m *run[T, R]) waitRoom(t *task[T, R]) error {
	for m.unread >= m.maxSize && !(m.ordered && t.idx == m.next) {
		if _, err := m.room.Wait(-1); err != nil {
			return err
		}
	}
	m.unread++
	t.counted = true
	return nil
}

func (t *task[T, R]) memberDone() { t.run.done(t) }

// done runs from a worker's link: it delivers the worker's result.
func (m *run[T, R]) done(t *task[T, R]) {
	last := m.live[len(m.live)-1]
	m.live[t.pos] = last
	last.pos = t.pos
	m.live[len(m.live)-1] = nil
	m.live = m.live[:len(m.live)-1]
	m.outstanding--
	if m.stopped {
		return
	}
	v, err := result(t.gl)
	if m.maxSize > 0 && !t.counted {
		m.unread++ // a worker that panicked or was killed before waitRoom
	}
	if m.ordered {
		i := t.idx - m.next
		for len(m.buf) <= i {
			m.buf = append(m.buf, res[R]{})
		}
		m.buf[i] = res[R]{v: v, err: err, ok: true}
	} else {
		m.buf = append(m.buf, res[R]{v: v, err: err, ok: true})
	}
	m.signal()
}

// signal wakes the consumer from a hub callback at the end of the ready
// queue (gevent's Queue unlock callback).
func (m *run[T, R]) signal() {
	if m.waking || m.consumer.Len() == 0 {
		return
	}
	m.waking = true
	m.g.hub.Schedule(func() {
		m.waking = false
		m.consumer.WakeOne(struct{}{})
	})
}

// pop takes the next result to yield.
func (m *run[T, R]) pop() (R, error, bool) {
	var zero R
	if m.ordered {
		if len(m.buf) == 0 || !m.buf[0].ok {
			return zero, nil, false
		}
		r := m.buf[0]
		m.buf[0] = res[R]{}
		m.buf = m.buf[1:]
		m.next++
		m.read()
		return r.v, r.err, true
	}
	if m.head == len(m.buf) {
		if m.head > 0 {
			m.buf, m.head = m.buf[:0], 0
		}
		return zero, nil, false
	}
	r := m.buf[m.head]
	m.buf[m.head] = res[R]{}
	m.head++
	m.read()
	return r.v, r.err, true
}

func (m *run[T, R]) read() {
	if m.maxSize == 0 {
		return
	}
	m.unread--
	if m.ordered {
		m.room.WakeAll(struct{}{})
	} else {
		m.room.WakeOne(struct{}{})
	}
}

// cleanup kills the feeder and the workers still running, and waits for
// them unless the consumer was killed.
func (m *run[T, R]) cleanup(feeder *gevent.Greenlet[struct{}], killed bool) {
	m.stopped = true
	if feeder.Dead() && len(m.live) == 0 {
		return
	}
	feeder.Kill(nil, false)
	gs := []gevent.AnyGreenlet{feeder}
	for _, t := range m.live {
		t.gl.Kill(nil, false)
		gs = append(gs, t.gl)
	}
	if !killed {
		gevent.JoinAll(gs)
	}
}
