package zmq

import (
	"runtime"
	"strings"
	"sync"
	"weak"

	zmq4 "github.com/pebbe/zmq4"
)

// Peers on one hub over inproc. A greenlet that sends on an inproc socket
// and then waits makes the peer's ZMQ_FD readable (libzmq writes the
// peer's command eventfd during the send); left to itself, the hub would
// find that edge only at its next epoll_wait, after a trip through the
// loop. Instead, before it parks, the greenlet re-reads ZMQ_EVENTS of the
// socket's inproc peers of the same hub that have waiters, and wakes those
// that can proceed (stateChanged: zmq.green's __state_changed, applied to
// the peer): the two greenlets of a REQ/REP pair then hand over through
// the hub's ready queue, with no epoll_wait per hop. Only for sockets of
// at most maxPeers such peers. The edge the check
// consumed is not lost: the check wakes every waiter that it lets proceed,
// exactly as after a send or receive on the peer itself.
//
// Peers are found by endpoint: the socket bound to an inproc name and the
// sockets connected to it, in one context, on one hub. The registry is
// touched only by Bind, Connect and Close. Unbind and Disconnect leave the
// link (a stale link costs a ZMQ_EVENTS read when the greenlet parks while
// the former peer has waiters, nothing more).

type inprocKey struct {
	ctx  *zmq4.Context
	name string
}

var inprocReg struct {
	sync.Mutex
	bound map[inprocKey]weak.Pointer[Socket]
	conns map[inprocKey][]weak.Pointer[Socket]
}

// endpoint is what Bind and Connect share: op (the zmq4 call) on
// endpoint, then, for an inproc endpoint, register under the registry's
// lock (its maps made), else the socket counts as remote (busy poll).
func (s *Socket) endpoint(name, endpoint string, op func(string) error, register func(k inprocKey)) error {
	s.check(name)
	if s.closed {
		return ErrClosed
	}
	if err := op(endpoint); err != nil {
		return err
	}
	if !strings.HasPrefix(endpoint, "inproc://") {
		s.becameRemote()
		return nil
	}
	c, err := s.Socket.Context()
	if err != nil {
		return nil
	}
	k := inprocKey{c, endpoint}
	r := &inprocReg
	r.Lock()
	defer r.Unlock()
	if r.bound == nil {
		r.bound = make(map[inprocKey]weak.Pointer[Socket])
		r.conns = make(map[inprocKey][]weak.Pointer[Socket])
	}
	s.keys = append(s.keys, k)
	register(k)
	return nil
}

// Bind binds the socket to endpoint (zmq_bind): "tcp://127.0.0.1:5555",
// "tcp://*:*" (then GetLastEndpoint gives the port), "inproc://name",
// "ipc://path". It does not wait. Errors: libzmq's (EADDRINUSE, EINVAL
// for a malformed endpoint, EPROTONOSUPPORT), as zmq4.Errno values.
func (s *Socket) Bind(endpoint string) error {
	return s.endpoint("Bind", endpoint, s.Socket.Bind, func(k inprocKey) {
		r := &inprocReg
		r.bound[k] = weak.Make(s)
		live := r.conns[k][:0]
		for _, w := range r.conns[k] {
			if c := w.Value(); c != nil {
				live = append(live, w)
				s.link(c)
			}
		}
		clear(r.conns[k][len(live):])
		r.conns[k] = live
	})
}

// Connect connects the socket to endpoint (zmq_connect); it does not
// wait for the connection (ZeroMQ connects in the background, and
// reconnects). Errors: libzmq's (EINVAL for a malformed endpoint,
// EPROTONOSUPPORT), as zmq4.Errno values.
func (s *Socket) Connect(endpoint string) error {
	return s.endpoint("Connect", endpoint, s.Socket.Connect, func(k inprocKey) {
		r := &inprocReg
		if b := r.bound[k].Value(); b != nil {
			s.link(b)
		}
		r.conns[k] = append(r.conns[k], weak.Make(s))
	})
}

// link makes s and o peers if they belong to one hub (o may be a socket
// of another hub, which must then not be touched: its fields are its
// hub's). Called with the registry locked.
func (s *Socket) link(o *Socket) {
	if o == s || o.hub != s.hub || o.closed {
		return
	}
	for _, w := range s.peers {
		if w.Value() == o {
			return
		}
	}
	s.peers = append(s.peers, weak.Make(o))
	o.peers = append(o.peers, weak.Make(s))
}

// unregister removes s from the registry and from its peers (Close).
func (s *Socket) unregister() {
	for _, w := range s.peers {
		if o := w.Value(); o != nil {
			o.peers = removeWeak(o.peers, s)
		}
	}
	s.peers = nil
	if len(s.keys) == 0 {
		return
	}
	r := &inprocReg
	r.Lock()
	for _, k := range s.keys {
		if v := r.bound[k].Value(); v == s || v == nil {
			delete(r.bound, k)
		}
		if l := removeWeak(r.conns[k], s); len(l) == 0 {
			delete(r.conns, k)
		} else {
			r.conns[k] = l
		}
	}
	r.Unlock()
	s.keys = nil
}

// removeWeak returns l without s and without collected sockets.
func removeWeak(l []weak.Pointer[Socket], s *Socket) []weak.Pointer[Socket] {
	out := l[:0]
	for _, w := range l {
		if v := w.Value(); v != nil && v != s {
			out = append(out, w)
		}
	}
	clear(l[len(out):])
	return out
}

// maxPeers bounds the checks per park: each is a ZMQ_EVENTS read (a cgo
// call and libzmq's poll of its command fd). A socket with more inproc
// peers on its hub (a server of many inproc clients of one hub) leaves
// them to epoll, which finds the ready ones in one call.
const maxPeers = 4

// pokePeers runs stateChanged on the inproc peers of s that have waiters
// (the greenlet calling it is about to park).
func (s *Socket) pokePeers() {
	if len(s.peers) == 0 || len(s.peers) > maxPeers {
		return
	}
	// The hub yields the thread (runtime.Gosched) before it sleeps in
	// epoll_wait; greenlets that hand over through the ready queue never
	// let it sleep, and the runtime then preempts the thread (sysmon,
	// every 10 ms) and takes its P while it is in a cgo call: measured,
	// ten times the context switches and 20-30 % more time per REQ/REP
	// round trip. Yielding every 64 parks avoids that, for ~3 ns a park.
	if s.pokes++; s.pokes%64 == 0 {
		runtime.Gosched()
	}
	for _, w := range s.peers {
		if o := w.Value(); o != nil && (o.wantIn > 0 || o.wantOut > 0) {
			o.stateChanged()
		}
	}
}
