package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gevent-go/gevent"
	gsocket "github.com/gevent-go/gevent/socket"
)

// Child processes: memory is measured in a fresh process (RSS growth), and
// every echo server runs in its own process, so that the load generator in
// this one does not share a Go runtime with it.

func runChild(name string) error {
	switch name {
	case "mem-geventgo":
		return memGeventGo(*port)
	case "mem-go":
		return memGo(*port)
	case "echo-geventgo":
		return gevent.Run(func() error { return echoGeventGo(*port, 65536) })
	case "echo-go":
		return echoGo(*port)
	}
	if srv := childServers[name]; srv != nil {
		return srv(*port)
	}
	return fmt.Errorf("unknown child %q", name)
}

// childServers holds echo servers built on packages that landed later
// (server.StreamServer), keyed by child name.
var childServers = map[string]func(port int) error{}

func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func printJSON(v any) error { return json.NewEncoder(os.Stdout).Encode(v) }

// memGeventGo: n greenlets blocked in Sleep; RSS growth per greenlet.
func memGeventGo(n int) error {
	return gevent.Run(func() error {
		if err := gevent.Sleep(0); err != nil {
			return err
		}
		runtime.GC()
		before := rss()
		gs := make([]G, n)
		for i := range gs {
			gs[i] = gevent.GoErr(func() error { return gevent.Sleep(time.Hour) })
		}
		if err := gevent.Sleep(0); err != nil { // every greenlet runs and blocks
			return err
		}
		after := rss()
		if err := printJSON(map[string]float64{"mem_idle": float64(after-before) / float64(n)}); err != nil {
			return err
		}
		return gevent.KillAll(gs, nil, true)
	})
}

// memGo: n goroutines blocked on a channel; RSS growth per goroutine.
func memGo(n int) error {
	runtime.GC()
	before := rss()
	ch := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(n)
	for range n {
		go func() { wg.Done(); <-ch }()
	}
	wg.Wait()
	after := rss()
	close(ch)
	return printJSON(map[string]float64{"mem_idle": float64(after-before) / float64(n)})
}

func childJSON(args ...string) (pyResult, error) {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	var r pyResult
	return r, json.Unmarshal(out, &r)
}

func memoryRow(n int) row {
	r := row{name: fmt.Sprintf("memory per idle greenlet (%d blocked in sleep, RSS growth)", n), unit: "bytes",
		lowerBetter: true, plainWhat: "goroutine blocked on a channel", geventgo: math.NaN(), gevent: math.NaN(), plain: math.NaN()}
	procsArg := "-procs=" + strconv.Itoa(*procs)
	if v, err := childJSON(procsArg, "-child", "mem-geventgo", "-port", strconv.Itoa(n)); err == nil {
		r.geventgo = v.num("mem_idle")
	} else {
		r.note = "failed: " + err.Error()
	}
	if v, err := childJSON(procsArg, "-child", "mem-go", "-port", strconv.Itoa(n)); err == nil {
		r.plain = v.num("mem_idle")
	} else {
		r.note = "failed: " + err.Error()
	}
	if v, err := runPython("mem", strconv.Itoa(n)); err == nil {
		r.gevent = v.num("mem_idle")
	}
	return r
}

// echoGeventGo is an echo server on this library's socket package: one
// greenlet per connection, reading into a buffer of bufSize bytes.
func echoGeventGo(port, bufSize int) error {
	l, err := gsocket.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return err
	}
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		gevent.Go(func() { echoConn(c, make([]byte, bufSize)) })
	}
}

// echoConn sends back what it reads from c, through buf, until an error;
// then it closes c.
func echoConn(c net.Conn, buf []byte) {
	defer c.Close()
	for {
		k, err := c.Read(buf)
		if k > 0 {
			if _, err := c.Write(buf[:k]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// echoGo is the anchors' goecho: net, a goroutine per connection.
func echoGo(port int) error {
	return serveGo(port, func(c net.Conn) { defer c.Close(); io.Copy(c, c) })
}

// serveGo accepts on 127.0.0.1:port with net and runs handle in a
// goroutine per connection.
func serveGo(port int, handle func(net.Conn)) error {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return err
	}
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go handle(c)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startServer starts a server process and waits until it accepts.
func startServer(argv []string, port int) (stop func(), err error) {
	_, stop, err = startServerPid(argv, port)
	return stop, err
}

// startServerPid is startServer that also returns the server's process id.
func startServerPid(argv []string, port int) (pid int, stop func(), err error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return 0, nil, err
	}
	stop = func() { cmd.Process.Kill(); cmd.Wait() }
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return cmd.Process.Pid, stop, nil
		}
	}
	stop()
	return 0, nil, errors.New("server did not start listening on " + addr)
}

// echoLoad is the anchors' echoload: conns connections, each doing 64-byte
// round trips for d; it returns round trips per second and the latency
// percentiles.
func echoLoad(addr string, conns int, d time.Duration) (rate float64, p50, p99 time.Duration, err error) {
	deadline := time.Now().Add(d)
	lat := make([][]time.Duration, conns)
	errs := make([]error, conns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				errs[i] = err
				return
			}
			defer c.Close()
			r := bufio.NewReader(c)
			out, in := make([]byte, 64), make([]byte, 64)
			for time.Now().Before(deadline) {
				t := time.Now()
				if _, err := c.Write(out); err != nil {
					errs[i] = err
					return
				}
				if _, err := io.ReadFull(r, in); err != nil {
					errs[i] = err
					return
				}
				lat[i] = append(lat[i], time.Since(t))
			}
		})
	}
	wg.Wait()
	var all []time.Duration
	for i := range lat {
		if errs[i] != nil {
			return 0, 0, 0, errs[i]
		}
		all = append(all, lat[i]...)
	}
	if len(all) == 0 {
		return 0, 0, 0, errors.New("no round trip completed")
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	return float64(len(all)) / d.Seconds(), pct(0.50), pct(0.99), nil
}

// echoRows measures the echo servers: gevent-go (socket package, and
// server.StreamServer once it landed), gevent's StreamServer, and Go's net.
func echoRows() []row {
	type server struct {
		argv func(port int) []string
	}
	self := func(name string) func(int) []string {
		return func(port int) []string {
			return []string{os.Args[0], "-procs=1", "-child", name, "-port", strconv.Itoa(port)}
		}
	}
	path, perr := scriptPath()
	if perr == nil {
		defer os.Remove(path)
	}
	measureEcho := func(argv func(int) []string) (rate float64, p50, p99 time.Duration, err error) {
		port, err := freePort()
		if err != nil {
			return 0, 0, 0, err
		}
		stop, err := startServer(argv(port), port)
		if err != nil {
			return 0, 0, 0, err
		}
		defer stop()
		return echoLoad("127.0.0.1:"+strconv.Itoa(port), *conns, *echoDur)
	}
	type res struct {
		rate     float64
		p50, p99 time.Duration
		err      error
	}
	get := func(argv func(int) []string) res {
		var r res
		r.rate, r.p50, r.p99, r.err = measureEcho(argv)
		if r.err != nil {
			fmt.Fprintln(os.Stderr, "bench: echo:", r.err)
		}
		return r
	}
	variants := []struct {
		name  string
		child string
	}{{"socket.Listen + a greenlet per conn", "echo-geventgo"}}
	if _, ok := childServers["echo-streamserver"]; ok {
		variants = append(variants, struct{ name, child string }{"server.StreamServer", "echo-streamserver"})
	}
	// Each server is measured echoReps times, the servers alternating
	// within each round (one 3 s run moves by a quarter from run to run on
	// this machine); a row shows the run of median throughput.
	reps := 3
	if *smoke {
		reps = 1
	}
	var plainRuns, gevRuns []res
	oursRuns := make([][]res, len(variants))
	for range reps {
		plainRuns = append(plainRuns, get(self("echo-go")))
		if perr == nil {
			gevRuns = append(gevRuns, get(func(port int) []string { return []string{*python, path, "echo", strconv.Itoa(port)} }))
		} else {
			gevRuns = append(gevRuns, res{err: perr})
		}
		for i, v := range variants {
			oursRuns[i] = append(oursRuns[i], get(self(v.child)))
		}
	}
	median := func(runs []res) res {
		ok := []res{}
		for _, r := range runs {
			if r.err == nil {
				ok = append(ok, r)
			}
		}
		if len(ok) == 0 {
			return runs[0]
		}
		sort.Slice(ok, func(i, j int) bool { return ok[i].rate < ok[j].rate })
		return ok[len(ok)/2]
	}
	plain, gev := median(plainRuns), median(gevRuns)
	var rows []row
	for i, v := range variants {
		ours := median(oursRuns[i])
		label := fmt.Sprintf("echo %s (%d conns, 64 B, median of %d)", v.name, *conns, reps)
		mk := func(what, unit string, lower bool, f func(res) float64) row {
			r := row{name: label + ": " + what, unit: unit, lowerBetter: lower,
				plainWhat: "net, goroutine per conn", geventgo: math.NaN(), gevent: math.NaN(), plain: math.NaN()}
			if ours.err == nil {
				r.geventgo = f(ours)
			} else {
				r.note = "failed: " + ours.err.Error()
			}
			if gev.err == nil {
				r.gevent = f(gev)
			}
			if plain.err == nil {
				r.plain = f(plain)
			}
			return r
		}
		us := func(d time.Duration) float64 { return float64(d.Microseconds()) }
		rows = append(rows,
			mk("throughput", "round trips/s", false, func(r res) float64 { return r.rate }),
			mk("latency p50", "µs", true, func(r res) float64 { return us(r.p50) }),
			mk("latency p99", "µs", true, func(r res) float64 { return us(r.p99) }),
		)
	}
	if _, ok := childServers["echo-streamserver"]; !ok {
		rows = append(rows, row{name: "echo server.StreamServer", unit: "round trips/s", note: "not yet: package server has not landed",
			geventgo: math.NaN(), gevent: math.NaN(), plain: math.NaN()})
	}
	return rows
}
