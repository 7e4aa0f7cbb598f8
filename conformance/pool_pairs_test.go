package conformance

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/pool"
)

// Ports of gevent's test__pool.py (the seeds about groups and pools,
// subprocesses and signals are in internal/seeds).

// intList formats a list of ints as Python prints it.
func intList(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func init() {
	register("pool_full_free_count", func() error {
		p := pool.MustPool(2)
		P(p.FreeCount(), p.Full(), p.Len())
		sleeper := func() (struct{}, error) { return struct{}{}, gevent.Sleep(300 * ms) }
		pool.Spawn(p, sleeper)
		pool.Spawn(p, sleeper)
		P(p.FreeCount(), p.Full(), p.Len())
		if err := p.Add(gevent.Go(func() { gevent.Sleep(0) }), 0); errors.Is(err, pool.ErrPoolFull) {
			P("PoolFull")
		}
		n, _ := p.WaitAvailable(time.Millisecond)
		P(n)
		n, err := p.WaitAvailable()
		if err != nil {
			return err
		}
		P(n)
		P(p.FreeCount(), p.Len())
		if err := p.Join(); err != nil {
			return err
		}
		P(p.FreeCount(), p.Full(), p.Len())
		return nil
	})

	register("pool_imap_error", func() error {
		f := func(x int) (int, error) {
			if err := gevent.Sleep(time.Duration(5-x) * ms); err != nil {
				return 0, err
			}
			if x == 3 {
				return 0, fmt.Errorf("bad %d", x)
			}
			return x * 10, nil
		}
		var got []int
		for v, err := range pool.IMap(pool.MustPool(3), f, slices.Values([]int{0, 1, 2, 3, 4, 5})) {
			if err != nil {
				P("raised", err.Error())
				break
			}
			got = append(got, v)
		}
		P(intList(got))
		return nil
	})

	register("pool_map_error", func() error {
		p := pool.MustPool(2)
		delay := map[int]time.Duration{0: 300 * ms, 1: 100 * ms, 2: 50 * ms, 3: 250 * ms, 4: 50 * ms}
		work := func(i int) (int, error) {
			P("start", i)
			if err := gevent.Sleep(delay[i]); err != nil {
				return 0, err
			}
			if i == 1 {
				return 0, fmt.Errorf("item %d failed", i)
			}
			P("end", i)
			return i * 10, nil
		}
		res, err := pool.Map(p, work, slices.Values([]int{0, 1, 2, 3, 4}))
		if err != nil {
			P("raised", err.Error(), "- pool len", p.Len())
		} else {
			P(intList(res))
		}
		if err := p.Join(); err != nil {
			return err
		}
		P("joined - pool len", p.Len())
		res, err = pool.Map(p, work, slices.Values([]int{0, 2}))
		if err != nil {
			return err
		}
		P(intList(res))
		return nil
	})

}
