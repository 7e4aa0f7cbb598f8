package httpserver

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/onhub"
	"github.com/gevent-go/gevent/server"
	"github.com/gevent-go/gevent/socket"
)

// ErrServerClosed is returned by ListenAndServe, ListenAndServeTLS and
// Serve after Stop or Shutdown. It is net/http's http.ErrServerClosed, so
// existing checks keep working.
var ErrServerClosed = http.ErrServerClosed

// DefaultStopTimeout is how long Stop without a timeout lets requests in
// flight finish (gevent's BaseServer.stop_timeout).
const DefaultStopTimeout = server.DefaultStopTimeout

// DefaultMaxHeaderBytes is the header limit when MaxHeaderBytes is 0
// (net/http's http.DefaultMaxHeaderBytes, 1 MiB).
const DefaultMaxHeaderBytes = http.DefaultMaxHeaderBytes

// maxDrainBytes is how much of a request body the handler left unread is
// read and discarded so the connection can serve the next request; past it
// the connection is closed.
const maxDrainBytes = 256 << 10

// Server serves HTTP/1.x with an http.Handler, a greenlet per connection
// (gevent's pywsgi.WSGIServer). Every request of a connection runs in that
// connection's greenlet, so the handler may use every cooperative call of
// the library (gevent.Sleep, queues, events, socket I/O) directly; a kill
// or Timeout scope interrupts it in any of them.
//
// Set the fields before Start (or ListenAndServe, Serve); a Server runs
// once. Its methods must be called from greenlets of one hub: the hub of
// the greenlet that starts it (another goroutine panics, "server: ...").
// A zero Server serves http.DefaultServeMux on ":http".
type Server struct {
	// Addr is the TCP address ListenAndServe listens on (":http" or
	// ":https" if empty).
	Addr string
	// Handler serves the requests; nil means http.DefaultServeMux.
	Handler http.Handler
	// TLSConfig, if set, makes Serve and ListenAndServe speak TLS
	// (ListenAndServeTLS sets it from its files). ALPN "h2" is not
	// supported: leave NextProtos empty or "http/1.1".
	TLSConfig *tls.Config

	// ReadHeaderTimeout bounds reading a request's headers, from the
	// first byte (from accept for a connection's first request); 0 uses
	// ReadTimeout. On expiry the connection is closed without a response.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, headers and body; body
	// reads after it fail with an error matching os.ErrDeadlineExceeded.
	// 0: no limit.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response, from the end of the
	// request's headers; writes after it fail (a client that does not
	// read cannot hold the greenlet for longer). 0: no limit.
	WriteTimeout time.Duration
	// IdleTimeout bounds the wait for the next request on a keep-alive
	// connection; 0 uses ReadTimeout, then ReadHeaderTimeout.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers (0:
	// DefaultMaxHeaderBytes). A longer request line is answered 414, longer
	// headers 431, and the connection is closed.
	MaxHeaderBytes int
	// MaxConns > 0 limits the connections served at once (pywsgi's
	// spawn=Pool(n)): accepting pauses while MaxConns connections are open.
	MaxConns int

	// ErrorLog receives accept errors and TLS handshake failures; nil
	// prints accept errors to stderr and drops handshake failures.
	// Handler panics go to the hub's error handler (gevent's
	// Hub.handle_error), like any failed greenlet.
	ErrorLog *slog.Logger
	// AccessLog, if set, gets one Info record per response, its message in
	// pywsgi's format:
	// `127.0.0.1 - - [2006-01-02 15:04:05] "GET / HTTP/1.1" 200 12 0.000123`.
	// Off (nil) by default.
	AccessLog *slog.Logger

	ss       *server.StreamServer
	hub      *gevent.Hub
	conns    map[*conn]struct{}
	stopping bool
	drained  gevent.WaitList[bool] // Stop's wait: a connection ended (false) or ctx was cancelled (true)
	freeW    []*writeBufs          // free writers (hub-only; see getWriter)
	freeR    []*bufio.Reader       // free readers
}

// ListenAndServe serves handler on addr with a new Server until the
// calling greenlet is killed (which stops the server, see
// Server.ListenAndServe). It is the hello world's one-liner.
func ListenAndServe(addr string, handler http.Handler) error {
	return (&Server{Addr: addr, Handler: handler}).ListenAndServe()
}

// ListenAndServe listens on s.Addr and serves until Stop or Shutdown,
// returning ErrServerClosed then, or the listen error. A kill or Timeout
// scope of the calling greenlet stops the server (in a new greenlet, with
// DefaultStopTimeout) and is returned.
func (s *Server) ListenAndServe() error {
	if err := s.Start(); err != nil {
		return err
	}
	return s.serveForever()
}

// ListenAndServeTLS is ListenAndServe over TLS with the certificate and
// key in the given PEM files (added to a copy of TLSConfig).
func (s *Server) ListenAndServeTLS(certFile, keyFile string) error {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return err
	}
	cfg := &tls.Config{}
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	}
	cfg.Certificates = append(cfg.Certificates, cert)
	s.TLSConfig = cfg
	return s.ListenAndServe()
}

// Serve serves the connections of l, which must come from socket.Listen
// (a *socket.Listener), until Stop or Shutdown (ErrServerClosed); see
// ListenAndServe for kill and Timeout. l is closed when the server stops.
func (s *Server) Serve(l net.Listener) error {
	if err := s.StartListener(l); err != nil {
		return err
	}
	return s.serveForever()
}

// Start listens on s.Addr and starts serving in a new greenlet of the
// calling greenlet's hub, without blocking (gevent's server.start()). It
// returns the listen error, or an error if the server ran before.
func (s *Server) Start() error {
	addr := s.Addr
	if addr == "" {
		addr = ":http"
		if s.TLSConfig != nil {
			addr = ":https"
		}
	}
	l, err := socket.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if err := s.StartListener(l); err != nil {
		l.Close()
		return err
	}
	return nil
}

// StartListener is Start on a listener from socket.Listen.
func (s *Server) StartListener(l net.Listener) error {
	sl, ok := l.(*socket.Listener)
	if !ok {
		return errors.New("httpserver: Serve needs a *socket.Listener (from socket.Listen), not a " + typeName(l))
	}
	if s.ss != nil {
		return server.ErrAlreadyStarted
	}
	s.ss = &server.StreamServer{
		Listener:  sl,
		Handler:   s.serveConn,
		TLSConfig: s.TLSConfig,
		PoolSize:  s.MaxConns,
	}
	if s.ErrorLog != nil {
		log := s.ErrorLog
		s.ss.ErrorLog = func(err error, retryIn time.Duration) {
			log.Error("httpserver: accept", "err", err, "retry_in", retryIn)
		}
	}
	if err := s.ss.Start(); err != nil {
		s.ss = nil
		return err
	}
	s.hub = onhub.Get("httpserver", "Server.Start")
	return nil
}

// ListenAddr returns the address the server listens on (nil before Start).
func (s *Server) ListenAddr() net.Addr {
	if s.ss == nil {
		return nil
	}
	return s.ss.ListenAddr()
}

// ServeForever starts the server if needed (Start) and waits until Stop
// or Shutdown, then returns ErrServerClosed (gevent's serve_forever). It
// returns the Start error if starting fails. A kill or Timeout scope of the
// caller stops the server (in a new greenlet, with DefaultStopTimeout) and
// is returned. Several greenlets may wait; all wake at Stop.
func (s *Server) ServeForever() error {
	if s.ss == nil {
		if err := s.Start(); err != nil {
			return err
		}
	}
	return s.serveForever()
}

func (s *Server) serveForever() error {
	if err := s.ss.ServeForever(); err != nil && !errors.Is(err, server.ErrServerClosed) {
		s.beginStop() // the StreamServer is stopping in a greenlet of its own
		return err
	}
	return ErrServerClosed
}

// beginStop marks the server stopping and closes the idle connections; it
// does not block.
func (s *Server) beginStop() {
	if s.stopping {
		return
	}
	s.stopping = true
	s.ss.Listener.Close()
	for c := range s.conns {
		if c.state == stateIdle {
			c.nc.Close()
		}
	}
}

// Stop stops the server: it closes the listener and the idle keep-alive
// connections at once, lets the requests in flight finish for up to
// timeout (DefaultStopTimeout if absent), then kills the connection
// greenlets left with gevent.ErrGreenletExit (their request contexts are
// cancelled and their blocking calls return) and waits for them. A
// connection that finishes its request is closed instead of reading
// another. It wakes ListenAndServe and Serve. Stopping twice, or a server
// never started, does nothing. On kill of the caller the connections not
// yet finished are left running and the kill error is returned.
func (s *Server) Stop(timeout ...time.Duration) error {
	d := DefaultStopTimeout
	if len(timeout) > 0 {
		d = timeout[0]
	}
	_, err := s.stop(d, nil)
	return err
}

// Shutdown is net/http's graceful shutdown: Stop with ctx's deadline as
// the timeout (none: wait for every request). It returns nil if every
// connection finished by itself, or ctx.Err() (context.DeadlineExceeded at
// the deadline) if some had to be killed. A ctx cancelled without a
// deadline kills the connections left at once (noticed through Hub.Post).
func (s *Server) Shutdown(ctx context.Context) error {
	d := gevent.Forever
	if dl, ok := ctx.Deadline(); ok {
		d = max(time.Until(dl), 0)
	}
	graceful, err := s.stop(d, ctx)
	if err == nil && !graceful {
		if err = ctx.Err(); err == nil {
			err = context.DeadlineExceeded
		}
	}
	return err
}

// stop is Stop and Shutdown: it reports whether every connection ended
// by itself.
func (s *Server) stop(d time.Duration, ctx context.Context) (graceful bool, err error) {
	if s.ss == nil {
		return true, nil
	}
	if !s.hub.OnHub() {
		onhub.Wrong("httpserver", "Server.Stop or Shutdown", "server")
	}
	if s.ss.Closed() {
		return true, nil
	}
	s.beginStop()
	if ctx != nil && ctx.Done() != nil {
		hub := s.hub
		defer context.AfterFunc(ctx, func() {
			hub.Post(func() { s.drained.WakeAll(true) })
		})()
	}
	graceful = true
	if d != 0 {
		var t *gevent.Timeout
		if d > 0 {
			t = gevent.StartNewTimeout(d, nil)
			defer t.Cancel()
		}
		for len(s.conns) > 0 {
			cancelled, err := s.drained.Wait(-1)
			if err != nil {
				if errors.Is(err, t) {
					break
				}
				return false, err
			}
			if cancelled {
				break
			}
		}
	}
	graceful = len(s.conns) == 0
	return graceful, s.ss.Stop(0)
}

func (s *Server) killConns() {
	for c := range s.conns {
		c.g.Kill(gevent.ErrGreenletExit, false)
	}
}

func (s *Server) track(c *conn, add bool) {
	if add {
		if s.conns == nil {
			s.conns = make(map[*conn]struct{})
		}
		s.conns[c] = struct{}{}
		return
	}
	delete(s.conns, c)
	if s.stopping {
		s.drained.WakeAll(false)
	}
}

func (s *Server) handler() http.Handler {
	if s.Handler != nil {
		return s.Handler
	}
	return http.DefaultServeMux
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }
