// Package resolver resolves host names without blocking the hub: gevent's
// gevent.resolver (resolver_thread, and a cooperative DNS client in the
// place of resolver_ares / dnspython).
//
// Two implementations of Resolver, chosen like gevent's GEVENT_RESOLVER:
//
//   - Thread (the default, GEVENT_RESOLVER=thread): Go's own resolver
//     (net.Resolver: cgo or pure Go, /etc/nsswitch.conf, /etc/hosts...) run
//     on a threadpool, so the calling greenlet waits cooperatively while
//     the lookup blocks a worker goroutine.
//   - DNS (GEVENT_RESOLVER=dns): a DNS client written over this module's
//     cooperative UDP and TCP sockets: /etc/resolv.conf (nameservers,
//     search domains, ndots, timeout, attempts, rotate), /etc/hosts,
//     retries, TCP fallback on truncated answers. Lookups run on the hub
//     itself; no goroutine or thread is used.
//
// GEVENT_RESOLVER=block selects net.DefaultResolver as is (it blocks the
// hub while it resolves). The variable is read once, at the first call of
// Default; SetDefault chooses programmatically.
//
// Every Resolver has the methods of *net.Resolver that take a context
// (LookupHost, LookupIP, LookupNetIP, LookupAddr, LookupPort), so code
// written for net ports by changing the receiver, and r.LookupNetIP can be
// handed to socket.Dialer as its resolver. Lookups must be called from a
// greenlet. They wait until the name is resolved; kill and Timeout scopes
// of the caller interrupt the wait (the error is returned; see each type
// for what is left running); a context deadline bounds the lookup too.
// Errors are *net.DNSError values as the net package returns them (IsNotFound
// for names that do not exist).
package resolver

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"

	"github.com/gevent-go/gevent/threadpool"
)

// Resolver is what a lookup backend provides: the context-taking lookup
// methods of *net.Resolver (which is itself one, the blocking one).
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
	LookupIP(ctx context.Context, network, host string) ([]net.IP, error)
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
	LookupPort(ctx context.Context, network, service string) (int, error)
}

// EnvVar names the environment variable that selects the default resolver.
const EnvVar = "GEVENT_RESOLVER"

var (
	defMu  sync.Mutex
	defRes Resolver
)

// FromEnv returns the resolver named by GEVENT_RESOLVER: "thread" or ""
// (a Thread on the default pool), "dns" (a DNS reading /etc/resolv.conf),
// "block" (net.DefaultResolver). Another value is an error.
func FromEnv() (Resolver, error) { return byName(os.Getenv(EnvVar)) }

func byName(name string) (Resolver, error) {
	switch name {
	case "", "thread":
		return &Thread{}, nil
	case "dns":
		return &DNS{}, nil
	case "block":
		return net.DefaultResolver, nil
	}
	return nil, fmt.Errorf("resolver: %s=%q: want thread, dns or block", EnvVar, name)
}

// Default returns the default resolver: the one set with SetDefault, else
// the one GEVENT_RESOLVER names (read at the first call). It panics if the
// variable names no resolver, as gevent fails at start-up. Safe from any
// goroutine.
func Default() Resolver {
	defMu.Lock()
	defer defMu.Unlock()
	if defRes == nil {
		r, err := FromEnv()
		if err != nil {
			panic(err.Error())
		}
		defRes = r
	}
	return defRes
}

// SetDefault makes r the default resolver (nil: back to GEVENT_RESOLVER).
// Safe from any goroutine.
func SetDefault(r Resolver) {
	defMu.Lock()
	defRes = r
	defMu.Unlock()
}

// LookupHost resolves host with the default resolver; see net.LookupHost.
func LookupHost(ctx context.Context, host string) ([]string, error) {
	return Default().LookupHost(ctx, host)
}

// LookupIP resolves host with the default resolver; network is "ip",
// "ip4" or "ip6". See net.Resolver.LookupIP.
func LookupIP(ctx context.Context, network, host string) ([]net.IP, error) {
	return Default().LookupIP(ctx, network, host)
}

// LookupNetIP is LookupIP returning netip.Addr values.
func LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	return Default().LookupNetIP(ctx, network, host)
}

// LookupAddr returns the names of addr with the default resolver (a
// reverse lookup, gevent's gethostbyaddr).
func LookupAddr(ctx context.Context, addr string) ([]string, error) {
	return Default().LookupAddr(ctx, addr)
}

// LookupPort returns the port of a service ("http") with the default
// resolver.
func LookupPort(ctx context.Context, network, service string) (int, error) {
	return Default().LookupPort(ctx, network, service)
}

// Thread runs Go's resolver on a thread pool: gevent's resolver_thread,
// the default. The zero Thread uses net.DefaultResolver and the default
// pool. Lookups of different greenlets run in parallel, up to the pool's
// size.
//
// Each lookup waits for the pool to return the answer. On kill or a
// Timeout scope the caller gets that error at once; the lookup's context is
// cancelled, which stops Go's resolver at its next network wait, and its
// goroutine ends on its own. Its fields must not change after first use.
type Thread struct {
	// Resolver is the resolver run on the pool (nil: net.DefaultResolver).
	Resolver *net.Resolver
	// Pool runs the lookups (nil: threadpool.Default()).
	Pool *threadpool.ThreadPool
}

func (t *Thread) net() *net.Resolver {
	if t.Resolver == nil {
		return net.DefaultResolver
	}
	return t.Resolver
}

func onPool[T any](t *Thread, ctx context.Context, fn func(ctx context.Context, r *net.Resolver) (T, error)) (T, error) {
	r := t.net()
	return threadpool.ApplyContext(t.Pool, ctx, func(ctx context.Context) (T, error) { return fn(ctx, r) })
}

// LookupHost resolves host to addresses; see Thread.
func (t *Thread) LookupHost(ctx context.Context, host string) ([]string, error) {
	return onPool(t, ctx, func(ctx context.Context, r *net.Resolver) ([]string, error) { return r.LookupHost(ctx, host) })
}

// LookupIP resolves host to IP addresses of network ("ip", "ip4", "ip6").
func (t *Thread) LookupIP(ctx context.Context, network, host string) ([]net.IP, error) {
	return onPool(t, ctx, func(ctx context.Context, r *net.Resolver) ([]net.IP, error) {
		return r.LookupIP(ctx, network, host)
	})
}

// LookupNetIP is LookupIP returning netip.Addr values.
func (t *Thread) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	return onPool(t, ctx, func(ctx context.Context, r *net.Resolver) ([]netip.Addr, error) {
		return r.LookupNetIP(ctx, network, host)
	})
}

// LookupAddr returns the names of addr (a reverse lookup).
func (t *Thread) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	return onPool(t, ctx, func(ctx context.Context, r *net.Resolver) ([]string, error) { return r.LookupAddr(ctx, addr) })
}

// LookupPort returns the port of service for network ("tcp", "udp").
func (t *Thread) LookupPort(ctx context.Context, network, service string) (int, error) {
	return onPool(t, ctx, func(ctx context.Context, r *net.Resolver) (int, error) {
		return r.LookupPort(ctx, network, service)
	})
}

var (
	_ Resolver = (*Thread)(nil)
	_ Resolver = (*DNS)(nil)
	_ Resolver = (*net.Resolver)(nil)
)
