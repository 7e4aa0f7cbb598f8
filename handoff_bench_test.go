package gevent

import "testing"

// BenchmarkCoreHandOff is the floor under every primitive: two greenlets
// wake each other through the ready queue and block, with nothing else
// (no wait list, no value). ns/op is per round trip (two switches); compare
// with BenchmarkWaitListPingPong and the queue package's benchmarks to see
// what each layer adds.
func BenchmarkCoreHandOff(b *testing.B) {
	Run(func() error {
		m := current()
		h := m.hub
		n := b.N
		var peer *greenlet
		g := Go(func() {
			c := current()
			peer = c
			for range n {
				c.state = stateParked
				c.block(-1)
				m.state = stateScheduled
				h.loop.Schedule((*resumeTask)(m))
			}
		})
		Sleep(0) // g starts and parks
		b.ResetTimer()
		for range n {
			peer.state = stateScheduled
			h.loop.Schedule((*resumeTask)(peer))
			m.state = stateParked
			m.block(-1)
		}
		return g.Join()
	})
}
