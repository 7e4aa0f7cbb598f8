package gevent_test

import (
	"testing"

	"github.com/gevent-go/gevent"
)

// BenchmarkWaitListPingPong: two greenlets hand a value back and forth
// through two WaitLists; ns/op is per round trip (two hand-offs).
func BenchmarkWaitListPingPong(b *testing.B) {
	gevent.Run(func() error {
		var ab, ba gevent.WaitList[int]
		n := b.N
		b.ResetTimer()
		pong := gevent.Go(func() {
			for i := 0; i < n; i++ {
				v, _ := ab.Wait(-1)
				for !ba.WakeOne(v) {
					gevent.Sleep(0)
				}
			}
		})
		ping := gevent.Go(func() {
			for i := 0; i < n; i++ {
				for !ab.WakeOne(i) {
					gevent.Sleep(0)
				}
				ba.Wait(-1)
			}
		})
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{ping, pong})
		return nil
	})
}
