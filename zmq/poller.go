package zmq

import (
	"errors"
	"time"

	"github.com/gevent-go/gevent"
	zmq4 "github.com/pebbe/zmq4"
)

var errNoSocket = zmq4.ErrorNoSocket

// Poller waits for events on several sockets at once (zmq.green's Poller,
// zmq4's Poller). A zero Poller is not valid: use NewPoller. Its sockets
// must belong to the hub of the greenlet that calls Poll.
type Poller struct {
	items []pollItem
}

type pollItem struct {
	s      *Socket
	events State
}

// Polled is a socket with the events it has.
type Polled struct {
	Socket *Socket
	Events State
}

// NewPoller returns an empty poller.
func NewPoller() *Poller { return &Poller{} }

// Add adds s, watched for events (POLLIN, POLLOUT or both), and returns
// its id.
func (p *Poller) Add(s *Socket, events State) int {
	p.items = append(p.items, pollItem{s, events})
	return len(p.items) - 1
}

// Update changes the events watched for the socket with id, returning the
// previous ones; an unknown id returns zmq4's ErrorNoSocket.
func (p *Poller) Update(id int, events State) (State, error) {
	if id < 0 || id >= len(p.items) || p.items[id].s == nil {
		return 0, errNoSocket
	}
	prev := p.items[id].events
	p.items[id].events = events
	return prev, nil
}

// Remove stops watching the socket with id (ids of the others do not
// change).
func (p *Poller) Remove(id int) error {
	if id < 0 || id >= len(p.items) || p.items[id].s == nil {
		return errNoSocket
	}
	p.items[id] = pollItem{}
	return nil
}

// RemoveBySocket stops watching s.
func (p *Poller) RemoveBySocket(s *Socket) error {
	for id, it := range p.items {
		if it.s == s {
			return p.Remove(id)
		}
	}
	return errNoSocket
}

// ready returns the items whose sockets have their events now.
func (p *Poller) ready(all bool) ([]Polled, error) {
	var out []Polled
	for _, it := range p.items {
		if it.s == nil {
			continue
		}
		ev, err := it.s.GetEvents()
		if err != nil {
			return out, err
		}
		if ev&it.events != 0 || all {
			out = append(out, Polled{it.s, ev & it.events})
		}
	}
	return out, nil
}

// Poll waits until at least one socket has one of its watched events, and
// returns those sockets (zmq4's Poll). timeout < 0 waits without limit;
// 0 does not wait; when a positive timeout elapses it returns an empty
// list and nil, as zmq_poll does. A kill or Timeout scope returns that
// error; a socket closed meanwhile returns ErrClosed. It never consumes a
// message: Recv or Send on the returned sockets.
func (p *Poller) Poll(timeout time.Duration) ([]Polled, error) {
	var dl time.Time
	if timeout >= 0 {
		dl = time.Now().Add(timeout)
	}
	for {
		out, err := p.ready(false)
		if err != nil || len(out) > 0 || timeout == 0 {
			return out, err
		}
		rem := time.Duration(-1)
		if !dl.IsZero() {
			if rem = time.Until(dl); rem <= 0 {
				return nil, nil
			}
		}
		if err := p.waitAny(rem); err != nil {
			return nil, err
		}
	}
}

// PollAll is Poll that returns every socket, with its events (possibly
// none), once one has a watched event.
func (p *Poller) PollAll(timeout time.Duration) ([]Polled, error) {
	out, err := p.Poll(timeout)
	if err != nil || len(out) == 0 {
		return out, err
	}
	return p.ready(true)
}

// waitAny waits until one socket's wait for its events ends: a greenlet
// per socket waits as Recv/Send would (zmq.green's Poller likewise starts
// one watcher per socket); the first to finish wakes the caller.
func (p *Poller) waitAny(timeout time.Duration) error {
	var wake gevent.WaitList[error]
	var gs []*gevent.Greenlet[struct{}]
	for _, it := range p.items {
		if it.s == nil || it.events == 0 {
			continue
		}
		it := it
		gs = append(gs, gevent.Go(func() {
			wake.WakeOne(it.s.wait(it.events, time.Time{}, "Poll", -1))
		}))
	}
	// Not blocking: the caller may itself be being killed.
	defer gevent.KillAll(gs, nil, false)
	err, werr := wake.Wait(timeout)
	if werr != nil {
		var scope *gevent.Timeout
		if errors.Is(werr, gevent.ErrTimeout) && !errors.As(werr, &scope) {
			return nil // our own timeout: Poll re-checks and returns
		}
		return werr
	}
	if err == ErrClosed {
		return ErrClosed
	}
	return nil
}
