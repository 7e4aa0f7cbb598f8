// Package interop makes third-party libraries cooperate with the hub: what
// gevent's monkey.patch_all is for in Python. Go cannot replace the net
// package under a library, so the equivalent is injection, and the rule
// that decides which injection works is where the library does its I/O.
//
// # The rule
//
// A greenlet only yields at a cooperative wait. A library call made on a
// greenlet is cooperative exactly when every wait it makes on the calling
// goroutine is one: a Read or Write on a socket from package socket, a
// dial through socket.Dialer. Anything else the calling goroutine blocks on
// (a channel, a sync.Mutex, a plain net.Conn, a file, cgo) stops the whole
// hub until it returns.
//
//   - Libraries that dial and read on the caller's goroutine: hand them
//     DialContext (redigo's redis.DialContextFunc, most database drivers'
//     dialer hooks). Their connections belong to the hub of the greenlet that
//     dialled them and wait cooperatively. Their own pools must never make
//     a greenlet wait on a channel: size them for every greenlet that uses
//     them at once (redigo: a Pool without Wait; database/sql:
//     SetMaxOpenConns >= concurrent greenlets, or 0), or the greenlet that
//     waits for a free connection blocks the hub while the ones holding
//     connections cannot run (a deadlock until the pool's timeout).
//   - Libraries that do their I/O on goroutines of their own and make the
//     caller wait on a channel (net/http's Transport: it dials, reads and
//     writes on its own goroutines and the caller waits for the response on
//     a channel; go-redis v9, which dials on a goroutine of its own): a
//     dialer does not help; run the call on the thread pool. HTTPClient and
//     RoundTripper do that for net/http. Call does it for anything else.
//   - Libraries that block in cgo or on files: Call.
//
// Verified (see docs/porting.md, "Compatibility of popular clients"):
// redigo is cooperative with DialContext alone (Conn.Do; not DoContext,
// which waits on a channel, nor a Pool with Wait); go-redis v9 needs Call;
// net/http's clients need HTTPClient.
//
// Sockets from package socket used off the hub (a library's own goroutine)
// work in blocking mode on that goroutine (see package socket), so handing
// the cooperative dialer to a library that turns out to use its own
// goroutines is safe: it is merely not cooperative.
package interop

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/resolver"
	"github.com/gevent-go/gevent/socket"
	"github.com/gevent-go/gevent/threadpool"
)

// Dialer returns a cooperative dialer whose names are resolved by
// resolver.Default (the thread pool by default, or the DNS client with
// GEVENT_RESOLVER=dns), so neither the lookup nor the connect blocks the
// hub. Its DialContext has net.Dialer's signature.
func Dialer() *socket.Dialer {
	return &socket.Dialer{Resolver: lookup}
}

func lookup(ctx context.Context, network, host string) ([]netip.Addr, error) {
	return resolver.Default().LookupNetIP(ctx, network, host)
}

// DialContext dials like net.Dialer.DialContext, with Dialer: from a
// greenlet it is cooperative and the connection belongs to that greenlet's
// hub; from any other goroutine (a library's own) the connection works in
// blocking mode on that goroutine (see package socket).
func DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return Dialer().DialContext(ctx, network, address)
}

// callerHub returns the hub of the calling greenlet, or nil for a
// goroutine that is not one (see gevent.GetHub).
func callerHub() *gevent.Hub { return gevent.GetHub() }

// Call runs fn on the default thread pool and waits for it cooperatively:
// the bridge for a library call that blocks in ways the hub cannot see
// (channels, locks, files, cgo). See threadpool.Apply for the wait's
// contract: on kill or a Timeout scope the caller gets the error at once
// and fn runs to completion on its goroutine.
func Call[T any](fn func() (T, error)) (T, error) { return threadpool.Apply(nil, fn) }

// RoundTripper runs each HTTP round trip of Base on a thread pool, and
// reads the response body there too, so that the greenlet waiting for the
// response lets the hub run the others. net/http's Transport does its I/O
// on goroutines of its own and makes the caller wait on channels: it
// cannot be made cooperative by its dialer alone.
//
// RoundTrip waits for the response headers; each Read of the body waits
// for the next bytes, and Close for the body to be released. The request's
// context (and so http.Client.Timeout) is honoured by Base as usual and
// stays alive until the body is closed or read to its end, whatever its
// size.
//
// On kill or a Timeout scope of the greenlet waiting in RoundTrip, a body
// Read or Close, that error is returned at once and the request is
// cancelled: the transport aborts the connection, the call still running
// on the pool returns soon after, and the response (if any) is dropped.
// After a Read was interrupted so, the body is dead: further Reads return
// the interrupting error and Close only releases it.
//
// Every round trip and body Read holds one of Pool's workers while it
// waits: a Base that limits connections (Transport.MaxConnsPerHost) must
// not be given a Pool smaller than that limit plus the greenlets that may
// hold unread bodies, or round trips queued behind body reads wait for each
// other.
type RoundTripper struct {
	// Base does the round trips (nil: HTTPTransport()).
	Base http.RoundTripper
	// Pool runs them (nil: HTTPPool()).
	Pool *threadpool.ThreadPool
}

// RoundTrip implements http.RoundTripper. Called from a goroutine that is
// not a greenlet, it calls Base directly.
func (rt *RoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	base := rt.Base
	if base == nil {
		base = defaultTransport
	}
	h := callerHub()
	if h == nil {
		return base.RoundTrip(req)
	}
	pool := rt.Pool
	if pool == nil {
		pool = HTTPPool()
	}
	// Not threadpool.ApplyContext: its context ends when it returns, and
	// the transport reads the body under the request's context, after
	// RoundTrip has returned (issue 12.1: every body over the ~4 KB the
	// transport had buffered failed with "context canceled"). This context
	// ends when the greenlet stops waiting, or when the body is done.
	ctx, cancel := context.WithCancelCause(req.Context())
	r := threadpool.Spawn(pool, func() (*http.Response, error) {
		return base.RoundTrip(req.WithContext(ctx))
	})
	resp, err := r.Get()
	if err != nil {
		// Base failed, or the greenlet was killed or timed out (perhaps
		// as the response arrived): end the request, which aborts it or
		// releases a response that nobody will read.
		cancel(err)
		r.Cancel()
		return nil, err
	}
	resp.Body = &body{rc: resp.Body, hub: h, pool: pool, cancel: cancel}
	return resp, nil
}

// body reads a response body on the pool when read from a greenlet of hub,
// and ends the request's context when it is closed or read to its end.
type body struct {
	rc     io.ReadCloser
	hub    *gevent.Hub
	pool   *threadpool.ThreadPool
	cancel context.CancelCauseFunc
	buf    []byte // reused while no read was abandoned
	dead   error  // the error that interrupted a read; rc may still be in use
}

// readResult carries Read's results through the pool: a Result's own
// error is then only ever the wait's (kill, timeout).
type readResult struct {
	n   int
	err error
}

func (b *body) Read(p []byte) (int, error) {
	if b.dead != nil {
		return 0, b.dead
	}
	if !b.hub.OnHub() {
		return b.rc.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Read into a buffer of our own: p must not be written by the pool
	// after the greenlet gave up waiting.
	if cap(b.buf) < len(p) {
		b.buf = make([]byte, len(p))
	}
	buf := b.buf[:len(p)]
	r := threadpool.Spawn(b.pool, func() (readResult, error) {
		n, err := b.rc.Read(buf)
		return readResult{n, err}, nil
	})
	res, err := r.Get()
	if err != nil {
		// Killed or timed out (or Read panicked): the read goes on
		// without us, or its bytes are lost. Abort the request so that it
		// ends, and never touch rc or buf again but to close it.
		b.cancel(err)
		r.Cancel()
		b.dead, b.buf = err, nil
		return 0, err
	}
	n, err := res.n, res.err
	copy(p, buf[:n])
	if err != nil {
		b.cancel(nil) // io.EOF or a failure: the request is over
	}
	return n, err
}

func (b *body) Close() error {
	defer b.cancel(nil)
	if b.dead != nil {
		// After an interrupted read the request is cancelled: Close does
		// not wait for the abandoned read, which may still hold rc.
		go b.rc.Close()
		return nil
	}
	if !b.hub.OnHub() {
		return b.rc.Close()
	}
	r := threadpool.Spawn(b.pool, func() (struct{}, error) { return struct{}{}, b.rc.Close() })
	_, err := r.Get()
	if err != nil && !r.Ready() {
		// Killed or timed out: the deferred cancel aborts the request,
		// and the Close still running returns soon after.
		r.Cancel()
	}
	return err
}

// HTTPPoolSize is the size of HTTPPool. A worker waiting for a response
// is a goroutine parked on a channel, not an OS thread, so the pool is
// sized for many requests in flight at once, as under gevent's monkey
// patching, where each greenlet does its own socket I/O and nothing bounds
// them (threadpool.Default's 10 workers would serialise a Pool(30) of 200
// ms requests into 600 ms).
const HTTPPoolSize = 1000

var (
	httpPoolOnce sync.Once
	httpPool     *threadpool.ThreadPool
)

// HTTPPool returns the thread pool shared by the RoundTrippers whose Pool
// is nil (HTTPClient's among them): HTTPPoolSize workers, so up to 1000
// round trips and body reads wait at once from all the greenlets of the
// process; further ones wait in its FIFO queue. Change its bound with
// SetMaxSize.
func HTTPPool() *threadpool.ThreadPool {
	httpPoolOnce.Do(func() { httpPool = threadpool.New(HTTPPoolSize) })
	return httpPool
}

var defaultTransport = HTTPTransport()

// HTTPTransport returns a clone of http.DefaultTransport whose
// DialContext is DialContext. The transport dials on goroutines of its own,
// so this alone does not make a greenlet's request cooperative: use it as
// the Base of a RoundTripper (HTTPClient does).
func HTTPTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = DialContext
	return t
}

// HTTPClient returns an *http.Client whose requests made from greenlets
// are cooperative: a RoundTripper over HTTPTransport on HTTPPool (not
// threadpool.Default, whose 10 workers suit CPU-bound and file work but
// would let only 10 requests of all greenlets wait at once). Up to
// HTTPPoolSize round trips and body reads are in flight at once; the rest
// wait in the pool's FIFO queue. A body stays readable until it is closed;
// kill or a Timeout scope of the waiting greenlet cancels the request (see
// RoundTripper). The client has no timeout of its own: set Timeout, or use
// a Timeout scope.
func HTTPClient() *http.Client {
	return &http.Client{Transport: &RoundTripper{}}
}
