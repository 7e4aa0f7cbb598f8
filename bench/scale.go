package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gevent-go/gevent"
)

// The connection scaling rows (issue 16's scaling table, `go run ./bench
// -scale`): n idle connections held against an echo server, n = 10^3,
// 10^4, 10^5, each in a fresh server process: the server's RSS growth per
// connection, and the wall and server CPU time per connection to open it
// and make one 64-byte round trip on it (100 dials at a time). The three
// servers: this library (socket.Listen, a greenlet per connection), net (a
// goroutine per connection), both at GOMAXPROCS=1 and reading into a
// 64-byte buffer, and gevent's StreamServer (bench/gevent_bench.py echo).
//
// 10^5 connections need more than one client address (the ephemeral
// ports of one source address run out near 28,000): the clients bind to
// 127.0.0.2, 127.0.0.3, ... in turn, 10,000 connections each (connect's
// search for a free port slows as the range fills). They also
// need 10^5 descriptors in each process: the limit is raised (root may
// raise the hard limit too; children inherit it).

var (
	scaleOnly = flag.Bool("scale", false, "run only the connection scaling rows (10^3..10^5 idle connections); write bench/results/<date>-scale.md")
	scaleMax  = flag.Int("scale-max", 100_000, "the largest number of idle connections in the scaling rows")
)

const (
	scalePerAddr        = 10_000
	ipBindAddressNoPort = 24 // IP_BIND_ADDRESS_NO_PORT, linux/in.h
)

func init() {
	childServers["idle-geventgo"] = func(port int) error {
		return gevent.Run(func() error { return echoGeventGo(port, 64) })
	}
	childServers["idle-go"] = func(port int) error {
		return serveGo(port, func(c net.Conn) { echoConn(c, make([]byte, 64)) })
	}
}

// raiseNoFileTo raises both limits of open files to at least n where the
// process may (root), else the soft limit to the hard one; it returns the
// soft limit in effect.
func raiseNoFileTo(n uint64) uint64 {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) != nil {
		return 0
	}
	if l.Max < n {
		up := syscall.Rlimit{Cur: n, Max: n}
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &up) == nil {
			return n
		}
	}
	raiseNoFile()
	return noFileLimit()
}

// scaleResult is one server's figures at one n.
type scaleResult struct {
	rssPerConn float64 // bytes
	wallPer    float64 // ns per connection, open + one round trip
	cpuPer     float64 // server CPU ns per connection over the same span
}

// holdIdle opens n connections to addr (100 at a time), one round trip on
// each, keeps them open, and measures the server pid's RSS growth and the
// time per connection; then it checks that the server still answers on a
// new connection and on an idle one.
func holdIdle(addr string, pid, n int) (scaleResult, error) {
	dial := func(i int) (net.Conn, error) {
		d := net.Dialer{Timeout: 30 * time.Second}
		if n > scalePerAddr {
			d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i/scalePerAddr))}
			// The port is chosen at connect, per destination, not at bind
			// (where every port of the address in use counts).
			d.Control = func(_, _ string, rc syscall.RawConn) error {
				var serr error
				if err := rc.Control(func(fd uintptr) {
					serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
				}); err != nil {
					return err
				}
				return serr
			}
		}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			return nil, err
		}
		if err := roundTrip(c); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
	if c, err := dial(0); err != nil { // warm up
		return scaleResult{}, err
	} else {
		c.Close()
	}
	time.Sleep(100 * time.Millisecond)
	before, cpu0, t0 := procRSS(pid), procCPU(pid), time.Now()
	held := make([]net.Conn, n)
	defer func() {
		for _, c := range held {
			if c != nil {
				// A reset, not a FIN: no TIME_WAIT left to hold the
				// ports the next server's run needs.
				c.(*net.TCPConn).SetLinger(0)
				c.Close()
			}
		}
	}()
	errs := make([]error, n)
	sem := make(chan struct{}, 100)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			held[i], errs[i] = dial(i)
		})
	}
	wg.Wait()
	wall, cpu := time.Since(t0), procCPU(pid)-cpu0
	if err := errors.Join(errs...); err != nil {
		return scaleResult{}, err
	}
	time.Sleep(200 * time.Millisecond)
	after := procRSS(pid)
	c, err := dial(0)
	if err != nil {
		return scaleResult{}, fmt.Errorf("with %d idle connections, a new one: %w", n, err)
	}
	c.Close()
	if err := roundTrip(held[n/2]); err != nil {
		return scaleResult{}, fmt.Errorf("with %d idle connections, an idle one: %w", n, err)
	}
	r := scaleResult{
		rssPerConn: float64(after-before) / float64(n),
		wallPer:    float64(wall.Nanoseconds()) / float64(n),
		cpuPer:     float64(cpu.Nanoseconds()) / float64(n),
	}
	if cpu < 200*time.Millisecond { // /proc counts CPU in 10 ms ticks
		r.cpuPer = math.NaN()
	}
	return r, nil
}

// roundTrip writes 64 bytes on c and reads them back.
func roundTrip(c net.Conn) error {
	c.SetDeadline(time.Now().Add(30 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(wsMessage); err != nil {
		return err
	}
	in := make([]byte, len(wsMessage))
	_, err := io.ReadFull(c, in)
	return err
}

// scaleRows measures the three servers at each n.
func scaleRows(pyPath string, pyErr error) []row {
	ns := []int{1_000, 10_000, 100_000}
	if *smoke {
		ns = []int{100, 1_000}
	}
	var rows []row
	prev := 0
	for _, n := range ns {
		if n > *scaleMax {
			if *scaleMax <= prev {
				break
			}
			n = *scaleMax // as many as the limits allow
		}
		prev = n
		rss := row{name: fmt.Sprintf("%d idle connections: server RSS growth per connection", n), unit: "bytes", lowerBetter: true,
			plainWhat: "net, a goroutine per conn", geventgo: math.NaN(), gevent: math.NaN(), plain: math.NaN()}
		wall := row{name: fmt.Sprintf("%d connections: open + one round trip, wall time per connection (100 dials at a time)", n), unit: "ns",
			lowerBetter: true, plainWhat: rss.plainWhat, geventgo: math.NaN(), gevent: math.NaN(), plain: math.NaN()}
		cpu := row{name: fmt.Sprintf("%d connections: server CPU per connection (accept, greenlet/goroutine, one echo)", n), unit: "ns",
			lowerBetter: true, plainWhat: rss.plainWhat, geventgo: math.NaN(), gevent: math.NaN(), plain: math.NaN()}
		one := func(label string, argv func(int) []string, into func(scaleResult)) {
			fmt.Fprintf(os.Stderr, "bench: %d idle connections, %s\n", n, label)
			var res scaleResult
			err := withServer(argv, func(addr string, pid int) (err error) {
				res, err = holdIdle(addr, pid, n)
				return err
			})
			if err != nil {
				fmt.Fprintln(os.Stderr, "bench:", label, err)
				for _, r := range []*row{&rss, &wall, &cpu} {
					if r.note == "" {
						r.note = "failed: " + label + ": " + oneLineErr(err)
					}
				}
				return
			}
			into(res)
		}
		self := func(name string) func(int) []string {
			return func(port int) []string {
				return []string{os.Args[0], "-procs=1", "-child", name, "-port", strconv.Itoa(port)}
			}
		}
		one("gevent-go", self("idle-geventgo"), func(r scaleResult) { rss.geventgo, wall.geventgo, cpu.geventgo = r.rssPerConn, r.wallPer, r.cpuPer })
		one("net", self("idle-go"), func(r scaleResult) { rss.plain, wall.plain, cpu.plain = r.rssPerConn, r.wallPer, r.cpuPer })
		if pyErr == nil {
			one("gevent", func(port int) []string { return []string{*python, pyPath, "echo", strconv.Itoa(port)} },
				func(r scaleResult) { rss.gevent, wall.gevent, cpu.gevent = r.rssPerConn, r.wallPer, r.cpuPer })
		}
		rows = append(rows, rss, wall, cpu)
	}
	return rows
}

// runScale runs the connection scaling rows alone.
func runScale() error {
	if *smoke {
		*scaleMax = min(*scaleMax, 1_000)
	}
	// Client and server each hold scaleMax descriptors, plus slack. Where
	// the hard limit cannot be raised (no CAP_SYS_RESOURCE: containers),
	// the largest row is as many as it allows, and the table says so.
	var limitNote string
	if got := raiseNoFileTo(uint64(*scaleMax) + 5_000); got < uint64(*scaleMax)+1_000 {
		fit := (int(got) - 1_000) / 1_000 * 1_000
		if fit < 1_000 {
			return fmt.Errorf("-scale-max %d needs as many open files; the limit is %d", *scaleMax, got)
		}
		limitNote = fmt.Sprintf("- %d connections asked for (-scale-max), but the open files limit is %d here and cannot be raised (setrlimit: not permitted): the largest row holds %d\n", *scaleMax, got, fit)
		fmt.Fprint(os.Stderr, "bench: "+limitNote[2:])
		*scaleMax = fit
	}
	return runPart("scale", limitNote, func(pyPath string, pyErr error) ([]row, string) {
		return scaleRows(pyPath, pyErr), ""
	})
}
