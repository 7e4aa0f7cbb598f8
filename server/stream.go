package server

import (
	"crypto/tls"
	"errors"
	"net"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/socket"
)

// StreamServer is gevent's StreamServer: it accepts connections and runs
// Handler in a new greenlet for each. The connection is closed when the
// handler returns (or panics: the panic is reported by the hub and the
// server goes on).
//
// Set the fields before Start; a StreamServer runs once.
type StreamServer struct {
	// Network and Addr are what Start listens on ("tcp" if Network is
	// empty), unless Listener is set.
	Network, Addr string
	// Listener, if set, is served instead; it must come from socket.Listen.
	Listener *socket.Listener
	// Handler serves one connection; conn is a *socket.Conn (a *tls.Conn
	// with TLSConfig) and addr its peer.
	Handler func(conn net.Conn, addr net.Addr)
	// TLSConfig, if set, wraps each connection with tls.Server; the
	// handshake runs cooperatively at the handler's first Read or Write.
	TLSConfig *tls.Config
	// PoolSize > 0 limits the handlers running at once: accepting pauses
	// while PoolSize handlers run (the kernel queues new clients).
	PoolSize int
	// MaxAccept is how many connections are accepted in a row before the
	// accepting greenlet yields to the handlers (DefaultMaxAccept if 0).
	MaxAccept int
	// MinDelay and MaxDelay bound the back-off after an accept error such
	// as EMFILE (DefaultMinDelay, DefaultMaxDelay if 0).
	MinDelay, MaxDelay time.Duration
	// ErrorLog reports accept errors; nil prints them to stderr.
	ErrorLog func(err error, retryIn time.Duration)

	base
	l *socket.Listener
}

// NewStreamServer returns a server for addr ("host:port") that runs
// handler for every connection (gevent's StreamServer((host, port), handle)).
func NewStreamServer(addr string, handler func(conn net.Conn, addr net.Addr)) *StreamServer {
	return &StreamServer{Addr: addr, Handler: handler}
}

// Start binds the listener (unless Listener was given) and starts
// accepting in a new greenlet of the calling greenlet's hub; it does not
// block. It returns the listen error, ErrAlreadyStarted, or
// ErrServerClosed after Stop.
func (s *StreamServer) Start() error {
	if err := s.begin("StreamServer", s.Handler != nil); err != nil {
		return err
	}
	s.l = s.Listener
	if s.l == nil {
		network := s.Network
		if network == "" {
			network = "tcp"
		}
		l, err := socket.Listen(network, s.Addr)
		if err != nil {
			return err
		}
		s.l = l.(*socket.Listener)
	}
	s.started = true
	s.loop = gevent.Go(s.acceptLoop)
	return nil
}

// ListenAddr returns the address the server listens on (nil before Start).
func (s *StreamServer) ListenAddr() net.Addr {
	s.check("ListenAddr")
	if s.l == nil {
		return nil
	}
	return s.l.Addr()
}

// Started reports whether the server is accepting (Start was called and
// Stop was not).
func (s *StreamServer) Started() bool { s.check("Started"); return s.started && !s.stopped }

// Closed reports whether Stop was called.
func (s *StreamServer) Closed() bool { s.check("Closed"); return s.stopped }

// Running returns the number of handlers running.
func (s *StreamServer) Running() int { s.check("Running"); return len(s.handlers) }

// ServeForever starts the server if needed and waits until it is stopped.
//
// It returns ErrServerClosed after Stop (from another greenlet), or the
// Start error. A kill or Timeout scope of the caller stops the server (in a
// new greenlet, with the default stop timeout) and is returned.
// Several greenlets may wait; all wake at Stop.
func (s *StreamServer) ServeForever() error {
	s.check("ServeForever")
	if !s.started && !s.stopped {
		if err := s.Start(); err != nil {
			return err
		}
	}
	return s.serveForever(func() { s.Stop() })
}

// Stop closes the listener, waits up to timeout (DefaultStopTimeout if
// absent) for the running handlers to return, then kills those left with
// gevent.ErrGreenletExit and waits for them (at most DefaultStopTimeout).
// Their connections are closed as they unwind. It wakes ServeForever.
// Stopping twice does nothing. On kill of the caller, the handlers not yet
// finished are left running and the kill error is returned.
func (s *StreamServer) Stop(timeout ...time.Duration) error {
	s.check("Stop")
	return s.stop(func() {
		if s.l != nil {
			s.l.Close()
		}
	}, timeout)
}

func (s *StreamServer) acceptLoop() {
	maxAccept := s.MaxAccept
	if maxAccept <= 0 {
		maxAccept = DefaultMaxAccept
	}
	bo := backoff{min: s.MinDelay, max: s.MaxDelay}
	if bo.min <= 0 {
		bo.min = DefaultMinDelay
	}
	if bo.max <= 0 {
		bo.max = DefaultMaxDelay
	}
	n := 0
	for !s.stopped {
		if err := s.waitSlot(s.PoolSize); err != nil {
			return
		}
		c, err := s.l.AcceptConn()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || isInterrupt(err) {
				return
			}
			d := bo.next()
			if s.ErrorLog != nil {
				s.ErrorLog(err, d)
			} else {
				logError("accept: %v; retrying in %v", err, d)
			}
			if gevent.Sleep(d) != nil {
				return
			}
			continue
		}
		bo.cur = 0
		s.spawn(func() { s.handle(c) })
		if n++; n >= maxAccept {
			n = 0
			if gevent.Sleep(0) != nil {
				return
			}
		}
	}
}

func (s *StreamServer) handle(c *socket.Conn) {
	var conn net.Conn = c
	if s.TLSConfig != nil {
		conn = tls.Server(c, s.TLSConfig)
	}
	defer conn.Close()
	s.Handler(conn, c.RemoteAddr())
}

// isInterrupt reports a kill or Timeout scope delivered to the accepting
// greenlet (errors of the socket package other than these are *net.OpError).
func isInterrupt(err error) bool {
	var oe *net.OpError
	return !errors.As(err, &oe)
}
