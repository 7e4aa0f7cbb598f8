package threadpool_test

import (
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/threadpool"
)

// TestManyGreenletsManyWorkers: regression test for lost wake-ups with many
// greenlets waiting on slow jobs while a fast ticker runs. With a 1 ms
// ticker it also guards the core's timer pass, which used to livelock
// (Sleep -> timer -> wake -> Sleep again within one pass, so posted pool
// results were never taken). GEVENT_TICK overrides the period.
var tickEvery = func() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("GEVENT_TICK")); err == nil {
		return d
	}
	return time.Millisecond
}()

func TestManyGreenletsManyWorkers(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		const N = 200
		pool := threadpool.New(N)
		tick := gevent.Go(func() {
			for gevent.Sleep(tickEvery) == nil {
			}
		})
		gs := make([]*gevent.Greenlet[int], N)
		for i := range gs {
			gs[i] = gevent.Spawn(func() (int, error) {
				for range 2 {
					if _, err := threadpool.Apply(pool, func() (int, error) {
						time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
						return i, nil
					}); err != nil {
						return 0, err
					}
				}
				return i, nil
			})
		}
		if _, err := gevent.JoinAll(gs, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		tick.Kill(nil, true)
		return nil
	})
}
