package queue_test

import (
	"testing"

	"github.com/gevent-go/gevent"
)

// BenchmarkFloorWaitList: the core's floor for a round trip between two
// greenlets: WakeOne + Wait each way on gevent.WaitList (no queue).
func BenchmarkFloorWaitList(b *testing.B) {
	gevent.Run(func() error {
		var a, c gevent.WaitList[int]
		n := b.N
		g := gevent.Go(func() {
			for range n {
				v, _ := a.Wait(-1)
				for !c.WakeOne(v) {
					gevent.Sleep(0)
				}
			}
		})
		gevent.Sleep(0)
		b.ResetTimer()
		for i := range n {
			for !a.WakeOne(i) {
				gevent.Sleep(0)
			}
			c.Wait(-1)
		}
		g.Join()
		return nil
	})
}
