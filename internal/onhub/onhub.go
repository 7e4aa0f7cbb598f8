// Package onhub holds the hub checks of the sibling packages (event,
// queue, lock, pool, server, ...): which hub the caller belongs to, and
// the panics, prefixed with the package's name, for a caller that belongs
// to none or to another one. It builds on gevent.GetHub, Hub.OnHub and
// Hub.InCallback only.
package onhub

import "github.com/gevent-go/gevent"

// UseInstead ends the panic messages for a call from the wrong goroutine.
const UseInstead = "call it from a greenlet of that hub: hand work to it with Hub.Submit, or a callback with Hub.Post"

// noHub ends the panic messages for a call from a goroutine of no hub.
const noHub = " called from a goroutine that is not a greenlet of any hub " +
	"(the default hub belongs to the program's main goroutine); " +
	"run a hub on this goroutine with gevent.Run, or hand work to a hub with Hub.Submit"

// Get returns the caller's hub (gevent.GetHub). For a goroutine of no hub
// it panics with "pkg: op called from a goroutine that is not a greenlet
// of any hub ...".
func Get(pkg, op string) *gevent.Hub {
	h := gevent.GetHub()
	if h == nil {
		panic(pkg + ": " + op + noHub)
	}
	return h
}

// Blocking is Get for an operation that blocks: from a hub callback it
// returns the hub and gevent.ErrBlockingSwitchOut.
func Blocking(pkg, op string) (*gevent.Hub, error) {
	h := Get(pkg, op)
	if h.InCallback() {
		return h, gevent.ErrBlockingSwitchOut
	}
	return h, nil
}

// Wrong panics with "pkg: op called from a goroutine that is not a
// greenlet of the <obj>'s hub; ..." for a caller that is not on the hub obj
// belongs to. Callers check with Hub.OnHub first, inline (the check costs an
// identity lookup; keeping the panic out of line keeps callers small):
//
//	if !h.OnHub() {
//		onhub.Wrong("queue", "Queue.Put", "queue")
//	}
//
//go:noinline
func Wrong(pkg, op, obj string) {
	panic(pkg + ": " + op + " called from a goroutine that is not a greenlet of the " + obj + "'s hub; " + UseInstead)
}
