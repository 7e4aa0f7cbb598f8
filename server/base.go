// Package server is gevent.server: StreamServer, a TCP (or unix) server
// that runs a greenlet per connection, and DatagramServer for UDP, a
// greenlet per datagram. Both run on the hub of the greenlet that starts
// them; their methods must be called from greenlets of that hub (a call
// from another goroutine panics with a message starting with "server: ").
//
// The spawn policy is gevent's: PoolSize 0 spawns without limit; PoolSize N
// keeps at most N handlers running and stops accepting while they are all
// busy, resuming when one returns (gevent's spawn=Pool(N)). The limit is a
// counter with a gevent.WaitList of its own, not the pool package.
package server

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/onhub"
)

// ErrServerClosed is returned by ServeForever after Stop, and by Start on a
// stopped server (a server runs once).
var ErrServerClosed = errors.New("server: server closed")

// ErrAlreadyStarted is returned by Start on a server that is running.
var ErrAlreadyStarted = errors.New("server: already started")

// Defaults of the tuning fields (gevent's BaseServer class attributes).
const (
	DefaultMaxAccept   = 100
	DefaultMinDelay    = 10 * time.Millisecond
	DefaultMaxDelay    = time.Second
	DefaultStopTimeout = time.Second
)

// base is what StreamServer and DatagramServer share: the handler
// greenlets, the pool limit and the stop protocol.
type base struct {
	hub      *gevent.Hub
	started  bool
	stopped  bool
	loop     *gevent.Greenlet[struct{}]
	handlers map[*gevent.Greenlet[struct{}]]struct{}
	slots    gevent.WaitList[struct{}] // the accept loop waiting for a free slot
	done     gevent.WaitList[struct{}] // ServeForever callers
}

// begin is the common part of Start: state checks and binding to the
// caller's hub.
func (b *base) begin(kind string, hasHandler bool) error {
	b.check("Start")
	if b.stopped {
		return ErrServerClosed
	}
	if b.started {
		return ErrAlreadyStarted
	}
	b.hub = onhub.Get("server", "Start")
	if !hasHandler {
		return errors.New("server: " + kind + " has no Handler")
	}
	return nil
}

func (b *base) check(op string) {
	if b.hub != nil && !b.hub.OnHub() {
		onhub.Wrong("server", op, "server")
	}
}

// waitSlot waits until fewer than size handlers run (size 0: no limit).
func (b *base) waitSlot(size int) error {
	for size > 0 && len(b.handlers) >= size {
		if _, err := b.slots.Wait(-1); err != nil {
			return err
		}
	}
	return nil
}

// spawn runs fn in a new handler greenlet, tracked until it returns.
func (b *base) spawn(fn func()) {
	var g *gevent.Greenlet[struct{}]
	g = gevent.New(func() (struct{}, error) {
		defer func() {
			delete(b.handlers, g)
			b.slots.WakeOne(struct{}{})
		}()
		fn()
		return struct{}{}, nil
	})
	if b.handlers == nil {
		b.handlers = make(map[*gevent.Greenlet[struct{}]]struct{})
	}
	b.handlers[g] = struct{}{}
	g.Start()
}

// stop ends the serving loop with closeFn, gives the handlers timeout to
// finish, then kills the rest and waits (at most DefaultStopTimeout) for
// them to die.
func (b *base) stop(closeFn func(), timeout []time.Duration) error {
	if b.stopped {
		return nil
	}
	b.stopped = true
	closeFn()
	d := DefaultStopTimeout
	if len(timeout) > 0 {
		d = timeout[0]
	}
	var err error
	if b.loop != nil && !b.loop.Dead() {
		b.loop.Kill(ErrServerClosed, false)
	}
	hs := make([]*gevent.Greenlet[struct{}], 0, len(b.handlers))
	for g := range b.handlers {
		hs = append(hs, g)
	}
	if len(hs) > 0 {
		if _, err = gevent.JoinAll(hs, d); err != nil && !errors.Is(err, gevent.ErrTimeout) {
			b.done.WakeAll(struct{}{})
			return err
		}
		err = nil
		left := hs[:0]
		for _, g := range hs {
			if !g.Dead() {
				left = append(left, g)
			}
		}
		if len(left) > 0 {
			err = gevent.KillAll(left, gevent.ErrGreenletExit, true, DefaultStopTimeout)
		}
	}
	b.done.WakeAll(struct{}{})
	return err
}

// serveForever waits until stop; a kill or Timeout scope stops the server
// in a new greenlet (the caller may not block again) and is returned.
func (b *base) serveForever(stop func()) error {
	if b.stopped {
		return ErrServerClosed
	}
	if _, err := b.done.Wait(-1); err != nil {
		gevent.Go(stop)
		return err
	}
	return ErrServerClosed
}

// backoff is gevent's accept back-off: it doubles from min to max after
// each failure and resets on success.
type backoff struct{ min, max, cur time.Duration }

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	return b.cur
}

func logError(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "server: "+format+"\n", args...)
}
