// Package actor is the seeds' Actor building block: a greenlet with an
// inbox queue and a receive function (gevent has no actor type; the seeds
// build one from a Greenlet subclass and a Queue, which this package
// packages).
//
// An Actor is a gevent.Greenlet: start it with Start (or create it started
// with Spawn), wait for it with Join, stop it at once with Kill, or let it
// finish the messages already sent with Stop. Its methods follow the
// greenlet's rules: call them from greenlets of the actor's hub; a call from
// another goroutine panics with a message starting with "queue: " or
// "gevent: ".
package actor

import (
	"errors"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/queue"
)

// ErrStop, returned by a receive function, ends the actor successfully
// (the seeds' `self.running = False`).
var ErrStop = errors.New("actor: stop")

// Actor is a greenlet that takes messages of type M from its inbox, in
// FIFO order, and hands each to its receive function (the seeds' Actor:
// `while self.running: self.receive(self.inbox.get())`).
//
// The actor ends when receive returns ErrStop (successfully), when receive
// returns another error or panics (the actor fails with it), after Stop
// once the inbox is empty (successfully), or when it is killed. Embed an
// Actor in a type of your own and call Init, as gevent's subclasses do, or
// use New and Spawn. The inbox is unbounded: Send never blocks.
type Actor[M any] struct {
	gevent.Greenlet[struct{}]
	inbox   queue.Queue[M]
	receive func(M) error
}

// New returns an actor, not started, that hands its messages to receive.
func New[M any](receive func(M) error) *Actor[M] {
	a := &Actor[M]{}
	return a.Init(receive)
}

// Spawn is New followed by Start.
func Spawn[M any](receive func(M) error) *Actor[M] {
	a := New(receive)
	a.Start()
	return a
}

// Init sets the receive function of an Actor embedded in another type and
// returns a; call it once, before Start.
func (a *Actor[M]) Init(receive func(M) error) *Actor[M] {
	a.receive = receive
	a.Greenlet.Init(a.run)
	return a
}

func (a *Actor[M]) run() (struct{}, error) {
	defer a.inbox.Shutdown(false) // later Sends fail instead of being lost
	for {
		m, err := a.inbox.Get()
		if err != nil {
			if errors.Is(err, queue.ErrShutDown) {
				return struct{}{}, nil
			}
			return struct{}{}, err
		}
		if err := a.receive(m); err != nil {
			if errors.Is(err, ErrStop) {
				return struct{}{}, nil
			}
			return struct{}{}, err
		}
	}
}

// Send puts m in the actor's inbox (the seeds' inbox.put). It never
// blocks. After Stop, or once the actor has ended, it returns
// queue.ErrShutDown and m is dropped. Messages sent before Start wait for
// it.
func (a *Actor[M]) Send(m M) error { return a.inbox.Put(m) }

// Pending returns the number of messages waiting in the inbox.
func (a *Actor[M]) Pending() int { return a.inbox.Len() }

// Stop asks the actor to end once it has received every message already
// sent: Send then fails with queue.ErrShutDown. It never blocks; Join the
// actor to wait for it. Kill stops it at once instead.
func (a *Actor[M]) Stop() { a.inbox.Shutdown(false) }
