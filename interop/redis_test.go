package interop_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/interop"
	"github.com/gevent-go/gevent/threadpool"
	"github.com/redis/go-redis/v9"
)

var (
	redisOnce sync.Once
	redisAddr string
	redisErr  error
	redisCmd  *exec.Cmd
)

// startRedis runs one redis-server for the package's tests on a free
// loopback port, without persistence; TestMain kills it. Missing, the test
// is skipped, except under CI=true, where it fails (scripts/deps.sh
// installs it).
func startRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not installed (CI=true): run scripts/deps.sh")
		}
		t.Skip("redis-server is not installed")
	}
	redisOnce.Do(func() {
		for try := 0; try < 5; try++ {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				redisErr = err
				return
			}
			port := ln.Addr().(*net.TCPAddr).Port
			ln.Close()
			cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
				"--save", "", "--appendonly", "no", "--maxclients", "2000")
			if err := cmd.Start(); err != nil {
				redisErr = err
				return
			}
			addr := fmt.Sprintf("127.0.0.1:%d", port)
			for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
				c, err := net.DialTimeout("tcp", addr, time.Second)
				if err != nil {
					continue
				}
				c.Write([]byte("PING\r\n"))
				buf := make([]byte, 7)
				c.SetReadDeadline(time.Now().Add(time.Second))
				n, _ := c.Read(buf)
				c.Close()
				if string(buf[:n]) == "+PONG\r\n" {
					redisAddr, redisCmd = addr, cmd
					return
				}
			}
			cmd.Process.Kill()
			cmd.Wait()
		}
		redisErr = fmt.Errorf("redis-server did not start")
	})
	if redisErr != nil {
		t.Fatal(redisErr)
	}
	return redisAddr
}

func TestMain(m *testing.M) {
	gevent.GetHub() // bind the default hub here, not on a library goroutine (see the report)
	code := m.Run()
	if redisCmd != nil {
		redisCmd.Process.Kill()
		redisCmd.Wait()
	}
	os.Exit(code)
}

// TestRedis200Greenlets is the seeds' Redis claim: 200 greenlets on one hub
// do SET and GET at once through go-redis. go-redis v9 dials on goroutines
// of its own and makes the caller wait on a channel (see
// TestRedisDialerAloneBlocks), so each command goes through interop.Call on
// a pool as large as the greenlet count; the greenlets really overlap: the
// SETs run at once on the pool's goroutines.
func TestRedis200Greenlets(t *testing.T) {
	t.Parallel()
	addr := startRedis(t)
	run(t, func() error {
		N := 200
		if v := os.Getenv("REDIS_N"); v != "" {
			N, _ = strconv.Atoi(v)
		}
		rdb := redis.NewClient(&redis.Options{Addr: addr, Dialer: interop.DialContext, PoolSize: N})
		defer rdb.Close()
		pool := threadpool.New(N)
		ctx := context.Background()
		var inflight, peak atomic.Int32
		ticks := 0
		tick := gevent.Go(func() {
			for gevent.Sleep(10*time.Millisecond) == nil { // not 1ms: see threadpool's stress test
				ticks++
			}
		})
		gs := make([]*gevent.Greenlet[struct{}], N)
		for i := range gs {
			gs[i] = gevent.GoErr(func() error {
				key := fmt.Sprintf("gevent:interop:%d", i)
				if _, err := threadpool.Apply(pool, func() (string, error) {
					n := inflight.Add(1)
					defer inflight.Add(-1)
					for old := peak.Load(); n > old && !peak.CompareAndSwap(old, n); old = peak.Load() {
					}
					return rdb.Set(ctx, key, i, time.Minute).Result()
				}); err != nil {
					return err
				}
				v, err := threadpool.Apply(pool, func() (int, error) { return rdb.Get(ctx, key).Int() })
				if err != nil {
					return err
				}
				if v != i {
					return fmt.Errorf("GET %s = %d", key, v)
				}
				// A command that really waits (BLPOP on an empty list, 1 s:
				// go-redis truncates shorter timeouts to 1 s): run one after
				// another, N of them take N seconds or more.
				_, err = threadpool.Apply(pool, func() (struct{}, error) {
					n := inflight.Add(1)
					defer inflight.Add(-1)
					for old := peak.Load(); n > old && !peak.CompareAndSwap(old, n); old = peak.Load() {
					}
					err := rdb.BLPop(ctx, time.Second, "gevent:interop:empty").Err()
					if err == redis.Nil {
						err = nil
					}
					return struct{}{}, err
				})
				return err
			})
		}
		start := time.Now()
		if _, err := gevent.JoinAll(gs, 60*time.Second); err != nil {
			t.Fatal(err)
		}
		elapsed := time.Since(start)
		tick.Kill(nil, true)
		for _, g := range gs {
			if g.Err() != nil {
				t.Fatal(g.Err())
			}
		}
		st := rdb.PoolStats()
		t.Logf("%d greenlets: SET+GET+BLPOP(1s) each in %v; up to %d commands in flight at once, %d connections opened, ticker ran %d times",
			N, elapsed, peak.Load(), st.TotalConns, ticks)
		if peak.Load() < 2 {
			t.Errorf("at most %d command in flight: the greenlets did not overlap", peak.Load())
		}
		if seq := time.Duration(N) * time.Second; elapsed > seq/10 {
			t.Errorf("%d blocking commands of 1 s took %v: they did not overlap (sequential: %v)", N, elapsed, seq)
		}
		return nil
	})
}

// TestRedisDialerAloneBlocks documents what blocks, precisely. go-redis
// v9 (v9.23.0 here) creates connections on a goroutine of its own
// (ConnPool.queuedNewConn) and the calling greenlet waits for it on a
// channel: the hub is blocked during the dial, and the connection, dialled
// off the hub, works in blocking mode, so the greenlet's reads block the
// hub too. Each greenlet's command therefore runs to completion before the
// next greenlet runs, and one connection serves all of them, exactly as
// with go-redis's own net.Dialer.
func TestRedisDialerAloneBlocks(t *testing.T) {
	t.Parallel()
	addr := startRedis(t)
	for _, c := range []struct {
		name   string
		dialer func(context.Context, string, string) (net.Conn, error)
	}{{"interop.DialContext", interop.DialContext}, {"net.Dialer", nil}} {
		run(t, func() error {
			const N = 200
			rdb := redis.NewClient(&redis.Options{Addr: addr, Dialer: c.dialer, PoolSize: N})
			defer rdb.Close()
			gs := make([]*gevent.Greenlet[struct{}], N)
			for i := range gs {
				gs[i] = gevent.GoErr(func() error {
					return rdb.Set(context.Background(), fmt.Sprintf("gevent:blocking:%d", i), i, time.Minute).Err()
				})
			}
			gevent.JoinAll(gs)
			if st := rdb.PoolStats(); st.TotalConns != 1 {
				t.Errorf("%s: %d connections; go-redis no longer blocks the caller? update interop's docs", c.name, st.TotalConns)
			}
			return nil
		})
	}
}

// TestRedisBlockingCommands: three greenlets each wait 1s in BLPOP (the
// shortest timeout Redis takes). Through interop.Call the waits overlap;
// called directly they add up.
func TestRedisBlockingCommands(t *testing.T) {
	t.Parallel()
	addr := startRedis(t)
	const N, wait = 3, time.Second
	measure := func(wrap bool) (el time.Duration, ticks int) {
		run(t, func() error {
			rdb := redis.NewClient(&redis.Options{Addr: addr, Dialer: interop.DialContext, PoolSize: N + 1})
			defer rdb.Close()
			tick := gevent.Go(func() {
				for gevent.Sleep(10*time.Millisecond) == nil {
					ticks++
				}
			})
			start := time.Now()
			gs := make([]*gevent.Greenlet[struct{}], N)
			for i := range gs {
				gs[i] = gevent.GoErr(func() error {
					blpop := func() ([]string, error) {
						return rdb.BLPop(context.Background(), wait, fmt.Sprintf("gevent:empty:%d", i)).Result()
					}
					var err error
					if wrap {
						_, err = interop.Call(blpop)
					} else {
						_, err = blpop()
					}
					if err == redis.Nil {
						return nil
					}
					return err
				})
			}
			gevent.JoinAll(gs)
			el = time.Since(start)
			tick.Kill(nil, true)
			for _, g := range gs {
				if g.Err() != nil {
					t.Error(g.Err())
				}
			}
			return nil
		})
		return el, ticks
	}
	coop, coopTicks := measure(true)
	blocking, blockingTicks := measure(false)
	t.Logf("%d BLPOPs of %v: through interop.Call %v (%d ticks of a 10ms ticker), direct %v (%d ticks)",
		N, wait, coop, coopTicks, blocking, blockingTicks)
	if coop >= N*wait*2/3 {
		t.Errorf("through Call: %v, want about %v", coop, wait)
	}
	if blocking < N*wait*9/10 {
		t.Errorf("direct: %v, want at least %v (the waits add up)", blocking, N*wait)
	}
	if coopTicks < 10 {
		t.Errorf("through Call: the ticker ran %d times", coopTicks)
	}
}
