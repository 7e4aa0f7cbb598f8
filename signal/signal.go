// Package signal runs a function in a new greenlet each time the process
// receives a signal (gevent.signal_handler). Import it under another name
// beside os/signal, e.g. gsignal.
//
// Signals are caught with os/signal and handed to the hub through its
// thread-safe wake-up, so a hub asleep in epoll_wait wakes for them. A
// handler does not keep the hub alive (gevent's ref=False): a main greenlet
// waiting only for a signal still gets gevent.ErrLoopExit; hold the hub
// (Hub.Hold) if that is what it waits for.
package signal

import (
	"os"
	ossignal "os/signal"
	"sync"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/onhub"
)

// Handler is an installed signal handler.
type Handler struct {
	ch     chan os.Signal
	once   sync.Once
	done   chan struct{}
	unhook func() bool // unregisters the hub's close hook
}

// Handle installs fn for sig in the calling greenlet's hub: on each
// delivery fn runs in a new greenlet of that hub. Several handlers may be
// installed for one signal; each runs. Cancel removes it; so does the end
// of the hub (its Run returning), which cancels every handler installed in
// it: nothing is left behind, neither the goroutine that receives the
// signals nor the os/signal registration (the signal gets its previous
// disposition back if no other handler wants it).
func Handle(sig os.Signal, fn func()) *Handler {
	h := onhub.Get("signal", "Handle")
	hd := &Handler{ch: make(chan os.Signal, 8), done: make(chan struct{})}
	hd.unhook = h.AfterClose(hd.Cancel)
	ossignal.Notify(hd.ch, sig)
	go func() {
		for {
			select {
			case <-hd.ch:
				if !h.Post(func() { gevent.Go(fn) }) {
					hd.Cancel()
					return
				}
			case <-hd.done:
				return
			}
		}
	}()
	return hd
}

// Cancel uninstalls the handler; signals already handed to the hub still
// run. Safe to call twice and from any goroutine; the end of the handler's
// hub calls it too.
func (hd *Handler) Cancel() {
	hd.once.Do(func() {
		ossignal.Stop(hd.ch)
		close(hd.done)
		hd.unhook()
	})
}
