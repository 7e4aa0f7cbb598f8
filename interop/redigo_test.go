package interop_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/interop"
	"github.com/gevent-go/gevent/threadpool"
	redigo "github.com/gomodule/redigo/redis"
)

// poolsBusy returns how many jobs the pools that interop uses hold.
func poolsBusy() int {
	return threadpool.Default().Running() + threadpool.Default().Queued() +
		interop.HTTPPool().Running() + interop.HTTPPool().Queued()
}

// waitPoolsIdle waits until jobs left by earlier tests are done.
func waitPoolsIdle(t *testing.T) {
	for end := time.Now().Add(10 * time.Second); poolsBusy() != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%d thread pool jobs still running before the test", poolsBusy())
		}
	}
}

// redigoRun has n greenlets each take a connection from pool and wait in
// BLPOP on an empty list for wait (Redis >= 6 takes fractional seconds),
// while a ticker greenlet samples the thread pools. It returns the total
// time, the most greenlets that were inside Do at once (counted on the
// hub, so more than one means Do yielded), and the most pool workers busy
// at any sample.
func redigoRun(t *testing.T, pool *redigo.Pool, n int, wait time.Duration) (el time.Duration, peak, poolBusy int) {
	t.Helper()
	run(t, func() error {
		busy := poolsBusy
		tick := gevent.Go(func() {
			for {
				poolBusy = max(poolBusy, busy())
				if gevent.Sleep(5*time.Millisecond) != nil {
					return
				}
			}
		})
		inside := 0
		gs := make([]*gevent.Greenlet[struct{}], n)
		start := time.Now()
		for i := range gs {
			gs[i] = gevent.GoErr(func() error {
				c := pool.Get()
				defer c.Close()
				if v, err := redigo.Int(c.Do("INCR", fmt.Sprintf("gevent:redigo:%d", i))); err != nil || v < 1 {
					return fmt.Errorf("INCR: %v, %v", v, err)
				}
				inside++
				peak = max(peak, inside)
				_, err := c.Do("BLPOP", fmt.Sprintf("gevent:redigo:empty:%d", i), wait.Seconds())
				inside--
				if err == redigo.ErrNil {
					err = nil
				}
				return err
			})
		}
		if _, err := gevent.JoinAll(gs, 60*time.Second); err != nil {
			t.Fatal(err)
		}
		el = time.Since(start)
		poolBusy = max(poolBusy, busy())
		tick.Kill(nil, true)
		for _, g := range gs {
			if err := g.Err(); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
	return el, peak, poolBusy
}

// TestRedigoCooperative (issue 12.15): redigo does its I/O on the calling
// goroutine (Dial, Do; not DoContext, which waits on a channel), so with
// interop.DialContext as its dial function it is cooperative on its own,
// as redis-py is under monkey patching: 200 greenlets of one hub wait in
// BLPOP 100ms at once, with no thread pool involved. Not parallel: the
// other tests of the package use the pools it watches, and top-level
// tests that are not parallel run alone.
func TestRedigoCooperative(t *testing.T) {
	addr := startRedis(t) // an IP literal: no name lookup (which would use the thread pool)
	waitPoolsIdle(t)
	const n, wait = 200, 100 * time.Millisecond
	dials := 0 // counted on the hub
	pool := &redigo.Pool{
		// No Wait, no MaxActive: redigo's pool then never waits on a channel.
		Dial: func() (redigo.Conn, error) {
			dials++
			return redigo.Dial("tcp", addr, redigo.DialContextFunc(interop.DialContext))
		},
	}
	defer pool.Close()
	el, peak, poolBusy := redigoRun(t, pool, n, wait)
	t.Logf("redigo + interop.DialContext: %d greenlets, BLPOP %v each: %v in all, up to %d in Do at once, thread pool workers busy: %d, %d dials",
		n, wait, el, peak, poolBusy, dials)
	if peak < n/2 {
		t.Errorf("at most %d greenlets were in Do at once: Do does not yield", peak)
	}
	if seq := n * wait; el > seq/10 {
		t.Errorf("%d BLPOPs of %v took %v: they did not overlap (sequential: %v)", n, wait, el, seq)
	}
	if poolBusy != 0 {
		t.Errorf("%d thread pool workers were busy: redigo should need none", poolBusy)
	}
	if dials < n/2 {
		t.Errorf("%d connections dialled for %d greenlets", dials, n)
	}
}

// TestRedigoNetDialerBlocks: the same calls with redigo's own net.Dialer
// block the hub: one greenlet at a time is in Do and the waits add up.
// The cooperative dialer is what makes redigo cooperative.
func TestRedigoNetDialerBlocks(t *testing.T) {
	t.Parallel()
	addr := startRedis(t)
	const n, wait = 5, 100 * time.Millisecond
	pool := &redigo.Pool{
		Dial: func() (redigo.Conn, error) {
			return redigo.Dial("tcp", addr, redigo.DialNetDial(net.Dial))
		},
	}
	defer pool.Close()
	el, peak, _ := redigoRun(t, pool, n, wait)
	t.Logf("redigo + net.Dial: %d greenlets, BLPOP %v each: %v in all, up to %d in Do at once", n, wait, el, peak)
	if peak != 1 {
		t.Errorf("%d greenlets in Do at once with a blocking dialer; redigo now yields? update interop's docs", peak)
	}
	if el < n*wait*9/10 {
		t.Errorf("%d BLPOPs of %v took %v: expected them to add up", n, wait, el)
	}
}

// ExampleDialContext_redigo: redigo does its I/O on the calling greenlet,
// so the cooperative dialer alone makes it cooperative; each greenlet
// takes its own connection from a Pool without Wait. (Not run: it needs a
// Redis server on 127.0.0.1:6379.)
func ExampleDialContext_redigo() {
	pool := &redigo.Pool{
		Dial: func() (redigo.Conn, error) {
			return redigo.Dial("tcp", "127.0.0.1:6379", redigo.DialContextFunc(interop.DialContext))
		},
	}
	defer pool.Close()
	gevent.Run(func() error {
		gs := make([]*gevent.Greenlet[struct{}], 100)
		for i := range gs {
			gs[i] = gevent.GoErr(func() error {
				c := pool.Get()
				defer c.Close()
				// Use Do, not DoContext (which waits on a channel); bound it
				// with a gevent.Timeout scope or redigo.DialReadTimeout.
				_, err := c.Do("BLPOP", fmt.Sprintf("queue:%d", i), 1)
				return err
			})
		}
		_, err := gevent.JoinAll(gs)
		return err
	})
}
