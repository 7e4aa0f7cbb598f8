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
//     DialContext (go-redis Options.Dialer, most database drivers' dialer
//     hooks). Their connections belong to the hub of the greenlet that
//     dialled them and wait cooperatively. Their own pools must never make
//     a greenlet wait on a channel: size them for every greenlet that uses
//     them at once (go-redis: PoolSize >= concurrent greenlets; database/sql:
//     SetMaxOpenConns >= concurrent greenlets, or 0), or the greenlet that
//     waits for a free connection blocks the hub while the ones holding
//     connections cannot run (a deadlock until the pool's timeout).
//   - Libraries that do their I/O on goroutines of their own and make the
//     caller wait on a channel (net/http's Transport: it dials, reads and
//     writes on its own goroutines and the caller waits for the response on
//     a channel): a dialer does not help; run the call on the thread pool.
//     HTTPClient and RoundTripper do that for net/http. Call does it for
//     anything else.
//   - Libraries that block in cgo or on files: Call.
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
// goroutine that is not one (see gevent.CallerHub).
func callerHub() *gevent.Hub { return gevent.CallerHub() }

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
// The request's context is honoured by Base as usual. On kill or a Timeout
// scope of the waiting greenlet, the request's context is cancelled (the
// transport then aborts the connection) and the error is returned.
type RoundTripper struct {
	// Base does the round trips (nil: HTTPTransport()).
	Base http.RoundTripper
	// Pool runs them (nil: threadpool.Default()).
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
	resp, err := threadpool.ApplyContext(rt.Pool, req.Context(), func(ctx context.Context) (*http.Response, error) {
		return base.RoundTrip(req.WithContext(ctx))
	})
	if err != nil {
		return nil, err
	}
	resp.Body = &body{rc: resp.Body, hub: h, pool: rt.Pool}
	return resp, nil
}

// body reads a response body on the pool when read from a greenlet of hub.
type body struct {
	rc   io.ReadCloser
	hub  *gevent.Hub
	pool *threadpool.ThreadPool
}

func (b *body) Read(p []byte) (int, error) {
	if !b.hub.OnHub() {
		return b.rc.Read(p)
	}
	// Read into a buffer of our own: p must not be written by the pool
	// after the greenlet gave up waiting.
	buf := make([]byte, len(p))
	n, err := threadpool.Apply(b.pool, func() (int, error) { return b.rc.Read(buf) })
	copy(p, buf[:n])
	return n, err
}

func (b *body) Close() error {
	if !b.hub.OnHub() {
		return b.rc.Close()
	}
	_, err := threadpool.Apply(b.pool, func() (struct{}, error) { return struct{}{}, b.rc.Close() })
	return err
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
// are cooperative: a RoundTripper over HTTPTransport on the default pool.
// At most the pool's size of requests are in flight at once; the rest wait
// in its queue.
func HTTPClient() *http.Client {
	return &http.Client{Transport: &RoundTripper{}}
}
