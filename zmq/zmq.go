package zmq

import (
	"errors"
	"fmt"
	"syscall"
	"time"
	"unsafe"
	"weak"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/threadpool"
	zmq4 "github.com/pebbe/zmq4"
)

// Type is a socket type (REQ, REP, ...), zmq4's.
type Type = zmq4.Type

// Socket types.
const (
	REQ    = zmq4.REQ
	REP    = zmq4.REP
	DEALER = zmq4.DEALER
	ROUTER = zmq4.ROUTER
	PUB    = zmq4.PUB
	SUB    = zmq4.SUB
	XPUB   = zmq4.XPUB
	XSUB   = zmq4.XSUB
	PUSH   = zmq4.PUSH
	PULL   = zmq4.PULL
	PAIR   = zmq4.PAIR
	STREAM = zmq4.STREAM
)

// Flag is a send/receive flag, zmq4's.
type Flag = zmq4.Flag

// Flags for Send and Recv.
const (
	// DONTWAIT makes the call fail with ErrAgain instead of waiting.
	DONTWAIT = zmq4.DONTWAIT
	// SNDMORE marks a part that more parts follow.
	SNDMORE = zmq4.SNDMORE
)

// State is a set of socket events (POLLIN, POLLOUT), zmq4's.
type State = zmq4.State

// Socket events.
const (
	POLLIN  = zmq4.POLLIN
	POLLOUT = zmq4.POLLOUT
)

var (
	// ErrClosed is returned by every method of a closed Socket, and by the
	// blocking calls that Close interrupted.
	ErrClosed = errors.New("zmq: socket closed")
	// ErrAgain is libzmq's EAGAIN, returned by a DONTWAIT call that would
	// block; it is also matched by the error of a call whose RCVTIMEO or
	// SNDTIMEO elapsed.
	ErrAgain error = zmq4.Errno(syscall.EAGAIN)
)

// errRecheck wakes the greenlet watching ZMQ_FD so that it re-reads
// ZMQ_EVENTS (another call consumed the edge it waited for).
var errRecheck = errors.New("zmq: re-check events")

// timeoutError is the error of a call whose RCVTIMEO/SNDTIMEO elapsed.
type timeoutError struct {
	op string
	d  time.Duration
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("zmq: %s timed out after %v (resource temporarily unavailable)", e.op, e.d)
}
func (e *timeoutError) Is(t error) bool { return t == gevent.ErrTimeout || t == ErrAgain }

// Context is a ZeroMQ context (zmq4's, embedded: its option methods are
// available). It may be shared by sockets of several hubs.
type Context struct {
	*zmq4.Context
}

// NewContext creates a context (pyzmq's zmq.Context()).
func NewContext() (*Context, error) {
	c, err := zmq4.NewContext()
	if err != nil {
		return nil, err
	}
	return &Context{c}, nil
}

// Term terminates the context (zmq_ctx_term): it waits until every socket
// of the context is closed and its LINGER period has passed. From a
// greenlet the wait runs on the thread pool, blocking only the caller; a
// kill or Timeout scope stops the wait (the termination goes on). Sockets
// still open get ETERM from their calls.
func (c *Context) Term() error {
	if h := gevent.GetHub(); h != nil && !h.InCallback() {
		_, err := threadpool.Apply(nil, func() (struct{}, error) { return struct{}{}, c.Context.Term() })
		return err
	}
	return c.Context.Term()
}

// Socket creates a socket of type t bound to the calling greenlet's hub
// (pyzmq's context.socket). Errors: libzmq's (ETERM after Term, EMFILE).
func (c *Context) Socket(t Type) (*Socket, error) {
	h := hubOf("Context.Socket")
	s, err := c.Context.NewSocket(t)
	if err != nil {
		return nil, err
	}
	return newSocket(h, s)
}

// hubOf returns the calling greenlet's hub; for a goroutine of no hub it
// panics, saying what to do instead.
func hubOf(op string) *gevent.Hub {
	h := gevent.GetHub()
	if h == nil {
		panic("zmq: " + op + " called from a goroutine that is not a greenlet of any hub " +
			"(the default hub belongs to the program's main goroutine); " +
			"run a hub on this goroutine with gevent.Run, or hand work to a hub with Hub.Submit")
	}
	return h
}

// NewSocket is Socket (zmq4's name).
func (c *Context) NewSocket(t Type) (*Socket, error) { return c.Socket(t) }

// NewSocket creates a socket of type t in zmq4's default context.
func NewSocket(t Type) (*Socket, error) {
	h := hubOf("NewSocket")
	s, err := zmq4.NewSocket(t)
	if err != nil {
		return nil, err
	}
	return newSocket(h, s)
}

// Socket is a ZeroMQ socket whose blocking calls block only the calling
// greenlet.
//
// The embedded zmq4 socket gives the non-blocking methods: Bind, Connect,
// Unbind, Disconnect, the Get.../Set... options (SetSubscribe,
// SetLinger, SetIdentity, ...), Monitor. Its own blocking methods that this
// type does not redefine would block the whole hub; every send and receive
// method is redefined here.
type Socket struct {
	*zmq4.Socket
	hub      *gevent.Hub
	fd       *gevent.FD
	closed   bool
	watching bool // a greenlet waits on fd
	wantIn   int  // greenlets waiting for POLLIN
	wantOut  int  // greenlets waiting for POLLOUT
	waiters  gevent.WaitList[struct{}]
	rcvtimeo time.Duration // < 0: none
	sndtimeo time.Duration
	stopHook func() bool
	fast     *fast                  // nil: zmq4's methods (cgo.go)
	peers    []weak.Pointer[Socket] // inproc peers on this hub (peers.go)
	keys     []inprocKey            // its inproc endpoints in the registry
	pokes    int                    // parks that checked peers
	counts   counts

	// Busy polling (SetBusyPoll), for remote sockets (one endpoint not
	// inproc): busyPoll is the socket's setting; spinShift halves it per
	// long wait in a row (none from spinOff on, but for every
	// probeEvery-th wait); spinArmed is what fd has.
	remote    bool
	busyPoll  time.Duration
	spinShift int
	spinSkip  int
	spinArmed time.Duration
}

// counts counts the socket's libzmq calls of each kind (cgo calls on the
// fast paths), for the tests that bound them per message.
type counts struct{ send, recv, events int }

func newSocket(h *gevent.Hub, zs *zmq4.Socket) (*Socket, error) {
	fdn, err := zs.GetFd()
	if err != nil {
		zs.Close()
		return nil, err
	}
	fd, err := gevent.RegisterFD(fdn)
	if err != nil {
		zs.Close()
		return nil, fmt.Errorf("zmq: registering ZMQ_FD: %w", err)
	}
	s := &Socket{Socket: zs, hub: h, fd: fd, rcvtimeo: -1, sndtimeo: -1, busyPoll: DefaultBusyPoll}
	newFast(s)
	// A weak pointer: a Socket dropped without Close is not kept alive
	// until its hub ends (zmq4's finalizer closes the libzmq socket).
	ws := weak.Make(s)
	s.stopHook = h.AfterClose(func() {
		// The hub's epoll instance and greenlets are gone.
		if s := ws.Value(); s != nil && !s.closed {
			s.closed = true
			s.unregister()
			s.Socket.SetLinger(0)
			s.Socket.Close()
		}
	})
	return s, nil
}

func (s *Socket) check(op string) {
	if !s.hub.OnHub() {
		panic("zmq: Socket." + op + " called from a goroutine that is not a greenlet of the socket's hub; create one socket per hub")
	}
}

// Close closes the socket (with the socket's LINGER, as zmq_close).
// Greenlets blocked in its calls wake and return ErrClosed. A second Close
// returns ErrClosed.
func (s *Socket) Close() error {
	s.check("Close")
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	s.stopHook()
	s.unregister()
	s.fd.Close(ErrClosed)
	s.waiters.WakeAll(struct{}{})
	err := s.Socket.Close()
	s.freeFast()
	return err
}

// DefaultBusyPoll is the busy poll of a new Socket (SetBusyPoll).
const DefaultBusyPoll = 50 * time.Microsecond

// SetBusyPoll sets how long the hub, while a greenlet waits in a call on
// s and nothing else is ready, polls without blocking before it sleeps in
// epoll_wait (gevent.FD.SetBusyPoll): DefaultBusyPoll (50 µs) for a new
// socket; 0 turns it off; negative is 0. Over tcp and ipc the answer to a
// request comes back through libzmq's I/O thread within tens of
// microseconds, and waking a hub's thread from epoll_wait costs as much
// again where CPUs idle deeply (virtual machines above all): see the
// package comment. It applies once the socket has an endpoint other than
// inproc (Bind or Connect: tcp, ipc, ...); an inproc-only socket never
// polls. The poll adapts to the socket's waits: each send or
// receive that waited longer than 8 d (400 µs by default) halves it for
// the next wait, down to none after six in a row (then one wait in 16
// polls for d, to notice that waits became short again), and one that
// waited at most 8 d restores it; so a socket that waits long between
// messages costs little CPU for it. It applies from the next wait. After
// Close it returns ErrClosed.
func (s *Socket) SetBusyPoll(d time.Duration) error {
	s.check("SetBusyPoll")
	if s.closed {
		return ErrClosed
	}
	s.busyPoll, s.spinShift, s.spinSkip = max(d, 0), 0, 0
	if s.remote {
		s.arm(s.busyPoll)
	}
	return nil
}

// spins reports whether the socket's waits busy-poll, and are timed for
// that (reading the clock costs about 0.1 µs here: 5 % of an inproc round
// trip between greenlets).
func (s *Socket) spins() bool { return s.remote && s.busyPoll > 0 }

// becameRemote arms the busy poll of a socket that got its first endpoint
// other than inproc.
func (s *Socket) becameRemote() {
	if !s.remote {
		s.remote = true
		s.arm(s.busyPoll)
	}
}

// spinOff long waits in a row turn the busy poll off: 50 µs >> 6 is under
// a microsecond, less than one epoll_wait costs. Then one wait in
// probeEvery polls in full.
const (
	spinOff    = 6
	probeEvery = 16
	longWait   = 8
)

// armSpin sets the busy poll of the wait that starts (see SetBusyPoll).
func (s *Socket) armSpin() {
	d := s.busyPoll >> s.spinShift
	if s.spinShift >= spinOff {
		d = 0
		if s.spinSkip++; s.spinSkip == probeEvery {
			s.spinSkip, d = 0, s.busyPoll
		}
	}
	s.arm(d)
}

func (s *Socket) arm(d time.Duration) {
	if d != s.spinArmed {
		s.spinArmed = d
		s.fd.SetBusyPoll(d)
	}
}

// waited records a send or receive that waited w before it went through.
// A wait counts as long from longWait times the busy poll on: the wait of
// a REQ socket spans a whole round trip, whose idle periods (the ones the
// poll covers) are shorter; a server whose requests come more than 400 µs
// apart spends at most an eighth of that time polling before it stops.
func (s *Socket) waited(w time.Duration) {
	if w <= longWait*s.busyPoll {
		s.spinShift, s.spinSkip = 0, 0
	} else if s.spinShift < spinOff {
		s.spinShift++
	}
}

// SetRcvtimeo sets RCVTIMEO, which bounds each blocking receive (< 0:
// none, the default); see the package comment.
func (s *Socket) SetRcvtimeo(d time.Duration) error {
	if err := s.Socket.SetRcvtimeo(d); err != nil {
		return err
	}
	s.rcvtimeo = d
	return nil
}

// SetSndtimeo sets SNDTIMEO, which bounds each blocking send (< 0: none,
// the default); see the package comment.
func (s *Socket) SetSndtimeo(d time.Duration) error {
	if err := s.Socket.SetSndtimeo(d); err != nil {
		return err
	}
	s.sndtimeo = d
	return nil
}

// GetEvents reads ZMQ_EVENTS and wakes the greenlets that can now proceed
// (zmq.green's get(EVENTS)).
func (s *Socket) GetEvents() (State, error) {
	s.check("GetEvents")
	if s.closed {
		return 0, ErrClosed
	}
	ev, err := s.events()
	if err == nil {
		s.notify(ev)
	}
	return ev, err
}

// notify wakes the waiting greenlets if ev lets one of them proceed: the
// ZMQ_FD edge that would have woken them may have been consumed by the
// call that read ev.
func (s *Socket) notify(ev State) {
	if ev&POLLIN != 0 && s.wantIn > 0 || ev&POLLOUT != 0 && s.wantOut > 0 {
		s.waiters.WakeAll(struct{}{})
		if s.watching {
			s.fd.Wake(true, errRecheck)
		}
	}
}

// stateChanged is zmq.green's __state_changed, run after every send and
// receive: re-read ZMQ_EVENTS if anyone waits.
func (s *Socket) stateChanged() {
	if s.closed || s.wantIn == 0 && s.wantOut == 0 {
		return
	}
	if ev, err := s.events(); err == nil {
		s.notify(ev)
	}
}

// wait waits until ZMQ_EVENTS has want, the deadline passes (zero: none),
// the socket closes, or a kill or Timeout scope arrives.
func (s *Socket) wait(want State, deadline time.Time, op string, d time.Duration) error {
	if want&POLLIN != 0 {
		s.wantIn++
		defer func() { s.wantIn-- }()
	}
	if want&POLLOUT != 0 {
		s.wantOut++
		defer func() { s.wantOut-- }()
	}
	for {
		if s.closed {
			return ErrClosed
		}
		ev, err := s.events()
		if err != nil {
			return err
		}
		if ev&want != 0 {
			return nil
		}
		s.notify(ev) // our read may have taken another waiter's edge
		s.pokePeers()
		timeout := time.Duration(-1)
		if !deadline.IsZero() {
			timeout = time.Until(deadline)
			if timeout <= 0 {
				return &timeoutError{op, d}
			}
		}
		if !s.watching {
			err = s.watchFD(timeout)
		} else {
			_, err = s.waiters.Wait(timeout)
		}
		if s.closed {
			return ErrClosed
		}
		if err != nil {
			return waitError(err, op, d)
		}
	}
}

// waitRecv waits after a receive failed with EAGAIN. Alone on the socket
// it waits for ZMQ_FD at once, leaving the caller to retry: a DONTWAIT
// receive that finds nothing drains libzmq's command mailbox itself (not
// so a send, whose command processing is throttled), so ZMQ_FD signals the
// next change, and one retry costs less than reading ZMQ_EVENTS twice.
// With other greenlets waiting it is wait.
func (s *Socket) waitRecv(dl time.Time, op string, d time.Duration) error {
	if s.watching || s.wantIn > 0 || s.wantOut > 0 {
		return s.wait(POLLIN, dl, op, d)
	}
	timeout := time.Duration(-1)
	if !dl.IsZero() {
		if timeout = time.Until(dl); timeout <= 0 {
			return &timeoutError{op, d}
		}
	}
	s.pokePeers()
	s.wantIn++
	err := s.watchFD(timeout)
	s.wantIn--
	if s.closed {
		return ErrClosed
	}
	return waitError(err, op, d)
}

// waitError maps the error of a wait: our own timeout becomes a
// timeoutError, a kill or Timeout scope stays as it is.
func waitError(err error, op string, d time.Duration) error {
	var scope *gevent.Timeout
	if err != nil && errors.Is(err, gevent.ErrTimeout) && !errors.As(err, &scope) {
		return &timeoutError{op, d}
	}
	return err
}

// watchFD waits for ZMQ_FD as the socket's one watcher, then hands the
// news to the other waiters, one of which becomes the next watcher.
func (s *Socket) watchFD(timeout time.Duration) error {
	s.watching = true
	defer func() {
		s.watching = false
		if !s.closed {
			s.waiters.WakeAll(struct{}{})
		}
	}()
	err := s.fd.WaitRead(timeout)
	if err == errRecheck {
		return nil
	}
	return err
}

func isAgain(err error) bool { return err != nil && zmq4.AsErrno(err) == zmq4.Errno(syscall.EAGAIN) }

func deadlineOf(d time.Duration) time.Time {
	if d < 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}

// recvOp runs a receive with DONTWAIT, waiting for POLLIN on EAGAIN.
// call is a method expression or a function of no captures where it can
// (a func value that captures allocates at each call).
func recvOp[T any](s *Socket, op string, flags Flag, call func(*Socket, Flag) (T, error)) (T, error) {
	var zero T
	s.check(op)
	if s.closed {
		return zero, ErrClosed
	}
	if flags&DONTWAIT != 0 {
		v, err := call(s, flags)
		s.stateChanged()
		return v, err
	}
	d := s.rcvtimeo
	dl := deadlineOf(d)
	var start time.Time // zero: the wait is not timed
	for {
		v, err := call(s, flags|DONTWAIT)
		if !isAgain(err) {
			if !start.IsZero() {
				s.waited(time.Since(start))
			}
			s.stateChanged()
			return v, err
		}
		if start.IsZero() && s.spins() {
			start = time.Now()
			s.armSpin()
		}
		if err := s.waitRecv(dl, op, d); err != nil {
			return zero, err
		}
	}
}

// sendOp runs a send with DONTWAIT, waiting for POLLOUT on EAGAIN. It
// sends p[:n] as one part (the fast path, cgo.go) when call is nil.
func sendOp(s *Socket, op string, flags Flag, p *byte, n int, call func(Flag) (int, error)) (int, error) {
	s.check(op)
	if s.closed {
		return 0, ErrClosed
	}
	once := func(f Flag) (int, error) {
		if call == nil {
			return s.send(p, n, f)
		}
		return call(f)
	}
	if flags&DONTWAIT != 0 {
		n, err := once(flags)
		s.stateChanged()
		return n, err
	}
	d := s.sndtimeo
	dl := deadlineOf(d)
	var start time.Time // zero: the wait is not timed
	for {
		n, err := once(flags | DONTWAIT)
		if !isAgain(err) {
			if !start.IsZero() {
				s.waited(time.Since(start))
			}
			s.stateChanged()
			return n, err
		}
		if start.IsZero() && s.spins() {
			start = time.Now()
			s.armSpin()
		}
		if err := s.wait(POLLOUT, dl, op, d); err != nil {
			return 0, err
		}
	}
}

// Recv receives one message part as a string. It waits until a part is
// available (other greenlets run meanwhile), unless flags has DONTWAIT
// (then ErrAgain). On RCVTIMEO expiry it returns an error matching
// gevent.ErrTimeout and ErrAgain; a kill or Timeout scope returns that
// error; Close returns ErrClosed; in every case nothing was received.
// Several greenlets receiving on one socket are served in no set order.
// Errors from libzmq (EFSM for a REQ socket that must send first, ETERM)
// are returned as zmq4.Errno values.
func (s *Socket) Recv(flags Flag) (string, error) {
	return recvOp(s, "Recv", flags, (*Socket).recvString)
}

// RecvBytes is Recv returning a []byte.
func (s *Socket) RecvBytes(flags Flag) ([]byte, error) {
	return recvOp(s, "RecvBytes", flags, (*Socket).recvBytes)
}

// RecvMessage receives all parts of a multipart message (pyzmq's
// recv_multipart); it waits as Recv for the first part (the others arrive
// with it: ZeroMQ delivers messages atomically).
func (s *Socket) RecvMessage(flags Flag) ([]string, error) {
	return recvOp(s, "RecvMessage", flags, (*Socket).recvMessage)
}

// RecvMessageBytes is RecvMessage returning [][]byte.
func (s *Socket) RecvMessageBytes(flags Flag) ([][]byte, error) {
	return recvOp(s, "RecvMessageBytes", flags, (*Socket).recvMessageBytes)
}

// RecvWithMetadata is Recv with the message's metadata properties
// (zmq4's RecvWithMetadata); it waits as Recv.
func (s *Socket) RecvWithMetadata(flags Flag, properties ...string) (string, map[string]string, error) {
	type r struct {
		m  string
		md map[string]string
	}
	v, err := recvOp(s, "RecvWithMetadata", flags, func(s *Socket, f Flag) (r, error) {
		m, md, err := s.Socket.RecvWithMetadata(f, properties...)
		return r{m, md}, err
	})
	return v.m, v.md, err
}

// RecvBytesWithMetadata is RecvWithMetadata returning a []byte.
func (s *Socket) RecvBytesWithMetadata(flags Flag, properties ...string) ([]byte, map[string]string, error) {
	type r struct {
		m  []byte
		md map[string]string
	}
	v, err := recvOp(s, "RecvBytesWithMetadata", flags, func(s *Socket, f Flag) (r, error) {
		m, md, err := s.Socket.RecvBytesWithMetadata(f, properties...)
		return r{m, md}, err
	})
	return v.m, v.md, err
}

// RecvMessageWithMetadata is RecvMessage with metadata (zmq4's).
func (s *Socket) RecvMessageWithMetadata(flags Flag, properties ...string) ([]string, map[string]string, error) {
	type r struct {
		m  []string
		md map[string]string
	}
	v, err := recvOp(s, "RecvMessageWithMetadata", flags, func(s *Socket, f Flag) (r, error) {
		m, md, err := s.Socket.RecvMessageWithMetadata(f, properties...)
		return r{m, md}, err
	})
	return v.m, v.md, err
}

// RecvMessageBytesWithMetadata is RecvMessageBytes with metadata.
func (s *Socket) RecvMessageBytesWithMetadata(flags Flag, properties ...string) ([][]byte, map[string]string, error) {
	type r struct {
		m  [][]byte
		md map[string]string
	}
	v, err := recvOp(s, "RecvMessageBytesWithMetadata", flags, func(s *Socket, f Flag) (r, error) {
		m, md, err := s.Socket.RecvMessageBytesWithMetadata(f, properties...)
		return r{m, md}, err
	})
	return v.m, v.md, err
}

// RecvEvent receives a monitor event (zmq4's RecvEvent, on a PAIR socket
// connected to a Monitor address); it waits as Recv.
func (s *Socket) RecvEvent(flags Flag) (zmq4.Event, string, int, error) {
	type r struct {
		e     zmq4.Event
		addr  string
		value int
	}
	v, err := recvOp(s, "RecvEvent", flags, func(s *Socket, f Flag) (r, error) {
		e, a, val, err := s.Socket.RecvEvent(f)
		return r{e, a, val}, err
	})
	return v.e, v.addr, v.value, err
}

// Send sends one message part (SNDMORE in flags: more parts follow) and
// returns its size. It waits until the socket can take it (a full
// high-water mark, a REQ/DEALER with no peer yet), unless flags has
// DONTWAIT (then ErrAgain). On SNDTIMEO expiry it returns an error matching
// gevent.ErrTimeout and ErrAgain; a kill or Timeout scope returns that
// error; Close returns ErrClosed; in every case nothing was sent.
func (s *Socket) Send(data string, flags Flag) (int, error) {
	if s.fast == nil {
		return sendOp(s, "Send", flags, nil, 0, func(f Flag) (int, error) {
			s.counts.send++
			return s.Socket.Send(data, f)
		})
	}
	return sendOp(s, "Send", flags, unsafe.StringData(data), len(data), nil)
}

// SendBytes is Send of a []byte.
func (s *Socket) SendBytes(data []byte, flags Flag) (int, error) {
	if s.fast == nil {
		return sendOp(s, "SendBytes", flags, nil, 0, func(f Flag) (int, error) {
			s.counts.send++
			return s.Socket.SendBytes(data, f)
		})
	}
	return sendOp(s, "SendBytes", flags, unsafe.SliceData(data), len(data), nil)
}

// SendMessage sends a multipart message (pyzmq's send_multipart; parts
// as zmq4's SendMessage: strings, []byte, [][]byte, []string, ...) and
// returns the bytes sent. It waits as Send until the first part is
// accepted; ZeroMQ then takes the rest without waiting.
func (s *Socket) SendMessage(parts ...interface{}) (int, error) {
	return sendOp(s, "SendMessage", 0, nil, 0, func(f Flag) (int, error) {
		return s.Socket.SendMessageDontwait(parts...)
	})
}

// SendMessageDontwait is SendMessage that returns ErrAgain instead of
// waiting.
func (s *Socket) SendMessageDontwait(parts ...interface{}) (int, error) {
	return sendOp(s, "SendMessageDontwait", DONTWAIT, nil, 0, func(f Flag) (int, error) {
		return s.Socket.SendMessageDontwait(parts...)
	})
}
