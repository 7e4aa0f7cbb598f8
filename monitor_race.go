//go:build race

package gevent

import "sync/atomic"

// monitorState: see monitor_norace.go.
type monitorState struct {
	cur atomic.Pointer[greenlet]
	seq atomic.Uint64
}

func (m *monitorState) note(g *greenlet) {
	m.cur.Store(g)
	m.seq.Add(1)
}

func (m *monitorState) seqNow() uint64 { return m.seq.Load() }

func (m *monitorState) curNow() *greenlet { return m.cur.Load() }

// watchIdent is what the watchdog reads of a greenlet under the race
// detector: its goroutine identity and its name, published atomically by
// the greenlet's own goroutine (see monitor_norace.go).
type watchIdent struct {
	gid  atomic.Uintptr
	name atomic.Pointer[string]
}

func (g *greenlet) publishGid() { g.watch.gid.Store(g.gid) }

func (g *greenlet) watchedGid() uintptr { return g.watch.gid.Load() }

func (g *greenlet) publishName(name string) { g.watch.name.Store(&name) }

func (g *greenlet) watchedName() (string, bool) {
	if p := g.watch.name.Load(); p != nil {
		return *p, true
	}
	return "", false
}
