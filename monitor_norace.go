//go:build !race

package gevent

import (
	"strconv"
	"sync/atomic"
	"unsafe"
)

// monitorState is what the hub's goroutines write on every switch while a
// monitor runs, and its watchdog reads: plain stores on the hub's side (an
// atomic read-modify-write would cost more than the rest of the check),
// atomic loads on the watchdog's, which only needs to see them eventually
// and never builds on a torn value (both are single words). Under the race
// detector, monitor_race.go makes both sides atomic.
type monitorState struct {
	cur *greenlet
	seq uint64
}

func (m *monitorState) note(g *greenlet) {
	m.cur = g
	m.seq++
}

func (m *monitorState) seqNow() uint64 { return atomic.LoadUint64(&m.seq) }

func (m *monitorState) curNow() *greenlet {
	return (*greenlet)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&m.cur))))
}

// watchIdent is empty here: the watchdog reads a greenlet's goroutine
// identity and name fields directly, once the hub has not switched for a
// whole threshold (the fields are single words or written before the
// switch it sees). Under the race detector, monitor_race.go publishes them
// atomically instead.
type watchIdent struct{}

func (g *greenlet) publishGid() {}

func (g *greenlet) watchedGid() uintptr { return g.gid }

func (g *greenlet) publishName(string) {}

func (g *greenlet) watchedName() (string, bool) {
	switch {
	case g.givenName() != "":
		return g.givenName(), true
	case g.named:
		return "Greenlet-" + strconv.Itoa(g.seq), true
	}
	return "", false
}
