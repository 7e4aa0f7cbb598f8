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
