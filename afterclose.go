package gevent

import (
	"slices"
	"sync"
)

// closeHooks are the functions registered with Hub.AfterClose.
type closeHooks struct {
	mu  sync.Mutex
	ran bool // the hub closed: hooks ran or are running
	seq uint64
	fns map[uint64]func()
}

// AfterClose arranges for fn to run once h has closed, for code that keeps
// something alive for a hub's lifetime (the signal package's handlers, the
// socket package's descriptors): fn runs on the goroutine that ran h, after
// its greenlets are dead and its loop is closed (Post reports false, fn is
// no greenlet of h), before Run returns; functions registered this way run
// in the order they were registered. If h has already closed, fn runs at
// once in a goroutine of its own, as with context.AfterFunc. fn must not
// block for long; a panic in it propagates out of Run.
//
// stop unregisters fn; it reports whether it did so before fn started
// (false: fn ran, is running, or was already stopped). Both AfterClose and
// stop are safe from any goroutine. A hub that is never run never closes.
func (h *Hub) AfterClose(fn func()) (stop func() bool) {
	c := &h.closeHooks
	c.mu.Lock()
	if c.ran {
		c.mu.Unlock()
		go fn()
		return func() bool { return false }
	}
	c.seq++
	id := c.seq
	if c.fns == nil {
		c.fns = make(map[uint64]func())
	}
	c.fns[id] = fn
	c.mu.Unlock()
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ok := c.fns[id]; !ok {
			return false
		}
		delete(c.fns, id)
		return true
	}
}

// run runs the hooks, in the order they were registered; called once, by
// the hub's shutdown.
func (c *closeHooks) run() {
	c.mu.Lock()
	c.ran = true
	ids := make([]uint64, 0, len(c.fns))
	for id := range c.fns {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	c.mu.Unlock()
	for _, id := range ids {
		c.mu.Lock()
		fn, ok := c.fns[id]
		delete(c.fns, id)
		c.mu.Unlock()
		if ok {
			fn()
		}
	}
}
