// Package zmq is cooperative ZeroMQ for gevent-go (pyzmq's zmq.green):
// Send and Recv block only the calling greenlet; the hub runs the others
// meanwhile. It wraps github.com/pebbe/zmq4 (cgo over libzmq; on Debian
// install libzmq3-dev) and lives in its own Go module, so that programs
// that do not use ZeroMQ need no C toolchain.
//
// The technique is zmq.green's: every send and receive is made with
// DONTWAIT; on EAGAIN the greenlet waits for the socket's ZMQ_FD to become
// readable on the hub's epoll and re-reads ZMQ_EVENTS. ZMQ_FD is
// edge-triggered and the level lives only in ZMQ_EVENTS, and any call on
// the socket (a send, a receive, reading ZMQ_EVENTS) may consume the edge
// another greenlet waits for: so after each of them, if a waiting greenlet
// can now proceed, it is woken.
//
// Two additions make greenlets of one hub fast partners. A greenlet about
// to wait re-reads ZMQ_EVENTS of its socket's inproc peers on the same
// hub (found by endpoint at Bind and Connect) that have waiters, and
// wakes those that can proceed: its own send made the peer's ZMQ_FD
// readable, and the peer runs next from the hub's ready queue instead of
// after a trip through epoll_wait. And a send or receive of one part is
// one cgo call (zmq4's RecvBytes makes five), through the libzmq socket
// of the embedded zmq4.Socket.
//
// Busy polling, on by default: over tcp (and ipc) every round trip
// crosses to libzmq's I/O thread and back, and on an otherwise idle
// machine (a virtual machine above all) waking the hub's thread from
// epoll_wait costs more than the rest of a REQ/REP round trip. So while a
// greenlet waits in a call on a Socket and nothing else is ready, the hub
// polls without blocking for up to DefaultBusyPoll (50 µs) before it
// sleeps, yielding the CPU between polls (libzmq's I/O thread often runs
// on the same CPU). The poll adapts to each socket's waits: a send or
// receive that waited longer than 400 µs (8 times the poll) halves it for
// the socket's next wait, and after six in a row the socket does not poll
// (but for one wait in 16), until a wait ends within 400 µs again; so a
// server that waits milliseconds between requests polls for about 100 µs
// in all (50 + 25 + ... µs) after each busy spell, then about 3 µs per
// request.
// Socket.SetBusyPoll changes it per socket (0: off, as zmq.green). The
// hub does not poll while no greenlet waits on a socket, nor for sockets
// whose endpoints are all inproc (greenlets of one hub hand over
// directly, see above).
// Figures: docs/BENCHMARKS.md, "What bounds the tcp REQ/REP round trip".
//
// Which goroutines may call what: a Socket belongs to the hub of the
// greenlet that created it; all its methods must be called from greenlets
// of that hub (anything else panics with "zmq: ..."). A Socket still open
// when its hub ends is closed then, with LINGER 0 (messages not yet sent
// are dropped), so that Context.Term does not wait for it. A Context may be shared by sockets of
// any number of hubs.
//
// Timeouts: a kill or a Timeout scope interrupts any blocking call, which
// returns that error having sent or received nothing. The socket options
// RCVTIMEO and SNDTIMEO (SetRcvtimeo, SetSndtimeo) bound each blocking
// receive or send (zmq.green ignores them with a warning); on expiry the
// call returns an error matching both gevent.ErrTimeout and ErrAgain.
package zmq
