package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpclient"
	"github.com/gevent-go/gevent/httpserver"
)

// The HTTP workloads (issues 13 and 15): hello-world servers under wrk
// (httpserver, net/http at GOMAXPROCS=1, pywsgi), idle keep-alive
// connections per server, and clients fetching from a local server
// (httpclient, net/http's client, requests under monkey patching).
// Every server and every client runs in a child process of its own.

var (
	httpDur   = flag.Duration("http", 5*time.Second, "duration of each HTTP load run (wrk -d, client fetch loop)")
	httpReps  = flag.Int("http-reps", 3, "HTTP load runs per server and client (rows show the median, the section below the table all)")
	idleN     = flag.Int("idle", 10_000, "idle keep-alive connections held against each HTTP server")
	inflightN = flag.Int("inflight", 10_000, "HTTP client requests in flight at once (memory per request)")
	childURL  = flag.String("url", "", "internal: URL for a child HTTP client")
	childN    = flag.Int("n", 0, "internal: count for a child workload")
)

func hello(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("Hello, World!"))
}

const helloBody = "Hello, World!"

func init() {
	childServers["http-geventgo"] = func(port int) error {
		return gevent.Run(func() error {
			return httpserver.ListenAndServe("127.0.0.1:"+strconv.Itoa(port), http.HandlerFunc(hello))
		})
	}
	// http-go is the anchors' gohttp; run with -procs=1 for the server
	// comparison and with all cores as the client workloads' peer.
	childServers["http-go"] = func(port int) error {
		return http.ListenAndServe("127.0.0.1:"+strconv.Itoa(port), http.HandlerFunc(hello))
	}
	childServers["http-hold"] = holdServer
	childServers["fetch-geventgo"] = func(int) error { return fetchGeventGo(*childURL, *conns, *httpDur) }
	childServers["fetch-go"] = func(int) error { return fetchGo(*childURL, *conns, *httpDur) }
	childServers["inflight-geventgo"] = func(int) error { return inflightGeventGo(*childURL, *childN) }
	childServers["inflight-go"] = func(int) error { return inflightGo(*childURL, *childN) }
}

// holdServer answers GET /arrived with the number of requests held, GET
// /release by letting them all go (each then gets the hello body), and
// holds every other request until then (at most a minute).
func holdServer(port int) error {
	var count atomic.Int64
	release := make(chan struct{})
	var once sync.Once
	return http.ListenAndServe("127.0.0.1:"+strconv.Itoa(port), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/arrived":
			fmt.Fprint(w, count.Load())
			return
		case "/release":
			once.Do(func() { close(release) })
			fmt.Fprint(w, count.Load())
			return
		}
		count.Add(1)
		select {
		case <-release:
		case <-time.After(time.Minute):
		}
		io.WriteString(w, helloBody)
	}))
}

func fetchOnce(c *http.Client, u string) error {
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != 200 {
		err = errors.New(resp.Status)
	}
	return err
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fetchGeventGo: workers greenlets fetch u with keep-alive through
// httpclient for d; prints requests/s and CPU µs per request.
func fetchGeventGo(u string, workers int, d time.Duration) error {
	return gevent.Run(func() error {
		tr := httpclient.NewTransport()
		tr.MaxIdleConnsPerHost = workers
		c := &http.Client{Transport: tr}
		if err := fetchOnce(c, u); err != nil {
			return err
		}
		var done int64
		var firstErr error
		cpu0, t0 := cpuTime(), time.Now()
		deadline := t0.Add(d)
		gs := make([]G, workers)
		for i := range gs {
			gs[i] = gevent.GoErr(func() error {
				for time.Now().Before(deadline) {
					if err := fetchOnce(c, u); err != nil {
						if firstErr == nil {
							firstErr = err
						}
						return err
					}
					done++
				}
				return nil
			})
		}
		gevent.JoinAll(gs)
		el, cpu := time.Since(t0), cpuTime()-cpu0
		tr.CloseIdleConnections()
		if firstErr != nil {
			return firstErr
		}
		return printJSON(map[string]float64{"rate": float64(done) / el.Seconds(), "cpu_us": float64(cpu.Microseconds()) / float64(done)})
	})
}

// fetchGo: the same with net/http's client and workers goroutines.
func fetchGo(u string, workers int, d time.Duration) error {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = workers
	c := &http.Client{Transport: tr}
	if err := fetchOnce(c, u); err != nil {
		return err
	}
	var done atomic.Int64
	errs := make([]error, workers)
	cpu0, t0 := cpuTime(), time.Now()
	deadline := t0.Add(d)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				if err := fetchOnce(c, u); err != nil {
					errs[i] = err
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	el, cpu := time.Since(t0), cpuTime()-cpu0
	tr.CloseIdleConnections()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	n := float64(done.Load())
	return printJSON(map[string]float64{"rate": n / el.Seconds(), "cpu_us": float64(cpu.Microseconds()) / n})
}

func getInt(c *http.Client, u string) (int, error) {
	resp, err := c.Get(u)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// waitArrived polls the hold server until n requests are held (or a
// minute passed), with sleep between polls.
func waitArrived(c *http.Client, base string, n int, sleep func(time.Duration) error) error {
	for deadline := time.Now().Add(time.Minute); ; {
		k, err := getInt(c, base+"arrived")
		if err != nil {
			return err
		}
		if k >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d requests arrived", k, n)
		}
		if err := sleep(20 * time.Millisecond); err != nil {
			return err
		}
	}
}

// inflightGeventGo: n greenlets each with a request in flight through one
// httpclient Transport, held by the server; RSS growth per request once
// all have arrived.
func inflightGeventGo(base string, n int) error {
	return gevent.Run(func() error {
		tr := httpclient.NewTransport()
		c := &http.Client{Transport: tr}
		if _, err := getInt(c, base+"arrived"); err != nil {
			return err
		}
		runtime.GC()
		before := rss()
		errs := make([]error, n)
		gs := make([]G, n)
		for i := range gs {
			gs[i] = gevent.GoErr(func() error { errs[i] = fetchOnce(c, base+"hold"); return nil })
		}
		err := waitArrived(c, base, n, gevent.Sleep)
		after := rss()
		if _, rerr := getInt(c, base+"release"); rerr != nil && err == nil {
			err = rerr
		}
		gevent.JoinAll(gs)
		if err == nil {
			err = errors.Join(errs...)
		}
		if err != nil {
			return err
		}
		return printJSON(map[string]float64{"mem_inflight": float64(after-before) / float64(n)})
	})
}

// inflightGo: the same with net/http's client, a goroutine per request.
func inflightGo(base string, n int) error {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	c := &http.Client{Transport: tr}
	if _, err := getInt(c, base+"arrived"); err != nil {
		return err
	}
	runtime.GC()
	before := rss()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fetchOnce(c, base+"hold") })
	}
	err := waitArrived(c, base, n, func(d time.Duration) error { time.Sleep(d); return nil })
	after := rss()
	if _, rerr := getInt(c, base+"release"); rerr != nil && err == nil {
		err = rerr
	}
	wg.Wait()
	if err == nil {
		err = errors.Join(errs...)
	}
	if err != nil {
		return err
	}
	return printJSON(map[string]float64{"mem_inflight": float64(after-before) / float64(n)})
}

// procRSS returns the resident set of process pid.
func procRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
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

// httpLoad is result of one load run against a server.
type httpLoad struct {
	rate     float64
	p50, p99 time.Duration
	reqs     int64   // requests answered
	cpuUS    float64 // the server's CPU time (user + system) per request, µs
	clientUS float64 // the load generator's (this process's) CPU time per request, µs; 0: not measured
	errors   string  // wrk's socket errors and non-2xx counts, if any
	err      error
}

// procCPU returns the user + system CPU time of process pid (all its
// threads), from /proc/pid/stat.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s) // f[0] is field 3 (state): utime is field 14, stime 15
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

var (
	wrkRate   = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkReqs   = regexp.MustCompile(`(\d+) requests in`)
	wrkPct    = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkErrors = regexp.MustCompile(`(?m)^\s*(Socket errors:.*|Non-2xx or 3xx responses:.*)$`)
)

// runWrk runs wrk -t1 -c<conns> -d<d> --latency against addr, with
// Connection: close when close is set, and parses its report.
func runWrk(addr string, close bool, d time.Duration) httpLoad {
	args := []string{"-t1", "-c" + strconv.Itoa(*conns), "-d" + strconv.Itoa(int(d.Seconds())) + "s", "--latency"}
	if close {
		args = append(args, "-H", "Connection: close")
	}
	args = append(args, "http://"+addr+"/")
	out, err := exec.Command("wrk", args...).CombinedOutput()
	if err != nil {
		return httpLoad{err: fmt.Errorf("wrk: %v: %s", err, out)}
	}
	return parseWrk(string(out))
}

func parseWrk(out string) httpLoad {
	var r httpLoad
	m := wrkRate.FindStringSubmatch(out)
	if m == nil {
		r.err = fmt.Errorf("no Requests/sec in wrk output: %q", out)
		return r
	}
	r.rate, _ = strconv.ParseFloat(m[1], 64)
	if m := wrkReqs.FindStringSubmatch(out); m != nil {
		r.reqs, _ = strconv.ParseInt(m[1], 10, 64)
	}
	for _, m := range wrkPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		unit := map[string]float64{"us": 1e3, "ms": 1e6, "s": 1e9}[m[3]]
		d := time.Duration(v * unit)
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	var errs []string
	for _, m := range wrkErrors.FindAllStringSubmatch(out, -1) {
		errs = append(errs, strings.TrimSpace(m[1]))
	}
	r.errors = strings.Join(errs, "; ")
	return r
}

// goLoad is the smoke run's load generator (no wrk): conns keep-alive (or
// closing) clients for d, net/http's client, latency per request.
func goLoad(addr string, close bool, d time.Duration) httpLoad {
	tr := &http.Transport{MaxIdleConnsPerHost: *conns, DisableKeepAlives: close}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	deadline := time.Now().Add(d)
	lat := make([][]time.Duration, *conns)
	errs := make([]error, *conns)
	var wg sync.WaitGroup
	for i := range *conns {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				t := time.Now()
				resp, err := c.Get("http://" + addr + "/")
				if err != nil {
					errs[i] = err
					return
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err == nil && string(b) != helloBody {
					err = fmt.Errorf("body %q", b)
				}
				if err != nil {
					errs[i] = err
					return
				}
				lat[i] = append(lat[i], time.Since(t))
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return httpLoad{err: err}
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return httpLoad{err: errors.New("no request completed")}
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	return httpLoad{rate: float64(len(all)) / d.Seconds(), p50: pct(0.5), p99: pct(0.99), reqs: int64(len(all))}
}

// httpServerKind is one of the three hello-world servers.
type httpServerKind struct {
	label string
	argv  func(port int) []string
}

func httpServers(pyPath string) (ours, gev, plain httpServerKind) {
	self := func(name string, procs int) func(int) []string {
		return func(port int) []string {
			return []string{os.Args[0], "-procs=" + strconv.Itoa(procs), "-child", name, "-port", strconv.Itoa(port)}
		}
	}
	ours = httpServerKind{"httpserver", self("http-geventgo", 1)}
	plain = httpServerKind{"net/http", self("http-go", 1)}
	gev = httpServerKind{"pywsgi", func(port int) []string { return []string{*python, pyPath, "wsgi", strconv.Itoa(port)} }}
	return
}

// withServer starts argv on a free port and calls f with its address and pid.
func withServer(argv func(int) []string, f func(addr string, pid int) error) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	pid, stop, err := startServerPid(argv(port), port)
	if err != nil {
		return err
	}
	defer stop()
	return f("127.0.0.1:"+strconv.Itoa(port), pid)
}

// httpRuns collects every run of the HTTP rows for the section after the table.
type httpRuns struct {
	b strings.Builder
}

func (h *httpRuns) printf(format string, args ...any) { fmt.Fprintf(&h.b, format, args...) }

// helloRows measures the three hello-world servers, keep-alive and not,
// reps times each (interleaved), under wrk (full runs) or goLoad (smoke).
func helloRows(pyPath string, pyErr error, runs *httpRuns) []row {
	ours, gev, plain := httpServers(pyPath)
	kinds := []httpServerKind{ours, plain}
	if pyErr == nil {
		kinds = append(kinds, gev)
	}
	reps, d := *httpReps, *httpDur
	load := runWrk
	tool := fmt.Sprintf("wrk -t1 -c%d -d%s --latency", *conns, d)
	if *smoke {
		reps, d, load, tool = 1, 200*time.Millisecond, goLoad, "Go client, smoke"
	} else if _, err := exec.LookPath("wrk"); err != nil {
		return []row{{name: "HTTP hello world", unit: "req/s", note: "failed: wrk not installed (scripts/deps.sh)",
			geventgo: math.NaN(), gevent: math.NaN(), plain: math.NaN()}}
	}
	var rows []row
	runs.printf("### HTTP hello world, every run (%s; server GOMAXPROCS=1 for the Go ones)\n\n", tool)
	runs.printf("| connections | server | run | req/s | p50 | p99 | server CPU per request | errors |\n|---|---|--:|--:|--:|--:|--:|---|\n")
	for _, close := range []bool{false, true} {
		mode := "keep-alive"
		if close {
			mode = "Connection: close"
		}
		res := map[string][]httpLoad{}
		for rep := range reps {
			for _, k := range kinds {
				fmt.Fprintf(os.Stderr, "bench: HTTP hello %s, %s, run %d\n", mode, k.label, rep+1)
				var l httpLoad
				err := withServer(k.argv, func(addr string, pid int) error {
					cpu0 := procCPU(pid)
					l = load(addr, close, d)
					if l.reqs > 0 {
						l.cpuUS = float64((procCPU(pid) - cpu0).Microseconds()) / float64(l.reqs)
					}
					return l.err
				})
				if err != nil {
					l.err = err
					fmt.Fprintln(os.Stderr, "bench:", k.label, err)
				}
				res[k.label] = append(res[k.label], l)
				if l.err != nil {
					runs.printf("| %s | %s | %d | failed: %v | | | | |\n", mode, k.label, rep+1, oneLineErr(l.err))
				} else {
					runs.printf("| %s | %s | %d | %s | %s | %s | %s µs | %s |\n", mode, k.label, rep+1, num(l.rate), fmtDur(l.p50), fmtDur(l.p99), num(l.cpuUS), l.errors)
				}
			}
		}
		label := fmt.Sprintf("HTTP hello world, %s (%d conns, median of %d)", mode, *conns, reps)
		rows = append(rows, loadRows(label, "req/s", "request", "net/http, GOMAXPROCS=1", res, ours.label, gev.label, plain.label)...)
	}
	runs.printf("\n")
	return rows
}

// loadRows makes a load section's four rows (throughput in rateUnit,
// latency p50 and p99, server CPU per op) from every server's runs in
// res: each figure is the median of the server's runs that did not fail,
// and a failure of all of ours is the rows' note.
func loadRows(label, rateUnit, op, plainWhat string, res map[string][]httpLoad, ours, gev, plain string) []row {
	med := func(server string, f func(httpLoad) float64) (float64, error) {
		var v []float64
		var err error
		for _, l := range res[server] {
			if l.err != nil {
				err = l.err
				continue
			}
			v = append(v, f(l))
		}
		if len(v) == 0 {
			return math.NaN(), err
		}
		return median(v), nil
	}
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) }
	mk := func(what, unit string, lower bool, f func(httpLoad) float64) row {
		r := row{name: label + ": " + what, unit: unit, lowerBetter: lower, plainWhat: plainWhat}
		var err error
		r.geventgo, err = med(ours, f)
		if err != nil {
			r.note = "failed: " + oneLineErr(err)
		}
		r.plain, _ = med(plain, f)
		r.gevent, _ = med(gev, f)
		return r
	}
	rows := []row{
		mk("throughput", rateUnit, false, func(l httpLoad) float64 { return l.rate }),
		mk("latency p50", "µs", true, func(l httpLoad) float64 { return us(l.p50) }),
		mk("latency p99", "µs", true, func(l httpLoad) float64 { return us(l.p99) }),
		mk("server CPU per "+op, "µs", true, func(l httpLoad) float64 { return l.cpuUS }),
	}
	if clientMeasured(res) {
		rows = append(rows, mk("load generator CPU per "+op+" (the same client for every server)", "µs", true, func(l httpLoad) float64 { return l.clientUS }))
	}
	return rows
}

// clientMeasured reports whether the runs measured the load generator's CPU.
func clientMeasured(res map[string][]httpLoad) bool {
	for _, ls := range res {
		for _, l := range ls {
			if l.clientUS > 0 {
				return true
			}
		}
	}
	return false
}

// selfCPU returns the user + system CPU time of this process (all its
// threads), from getrusage (microseconds; /proc's stat counts in 10 ms).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func oneLineErr(err error) string {
	s := strings.ReplaceAll(err.Error(), "\n", " ")
	s = strings.ReplaceAll(s, "|", "/")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%d µs", d.Microseconds())
	}
}

// idleConns opens n keep-alive connections to the server at addr, each
// answered once and then left idle, and returns the server's RSS growth
// per connection; then it checks that a new connection is still answered.
func idleConns(addr string, pid, n int) (float64, error) {
	get := "GET / HTTP/1.1\r\nHost: bench\r\n\r\n"
	ask := func(c net.Conn, br *bufio.Reader) error {
		c.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := io.WriteString(c, get); err != nil {
			return err
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && string(b) != helloBody {
			err = fmt.Errorf("body %q", b)
		}
		return err
	}
	dialAsk := func() (net.Conn, error) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return nil, err
		}
		if err := ask(c, bufio.NewReader(c)); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
	if c, err := dialAsk(); err != nil { // warm up
		return 0, err
	} else {
		c.Close()
	}
	time.Sleep(100 * time.Millisecond)
	before := procRSS(pid)
	held := make([]net.Conn, n)
	defer func() {
		for _, c := range held {
			if c != nil {
				c.Close()
			}
		}
	}()
	errs := make([]error, n)
	sem := make(chan struct{}, 100) // dials at once: under the listen backlog
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			held[i], errs[i] = dialAsk()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	time.Sleep(200 * time.Millisecond)
	after := procRSS(pid)
	// Still answering: a new connection, and one of the idle ones.
	c, err := dialAsk()
	if err != nil {
		return 0, fmt.Errorf("with %d idle connections, a new one: %w", n, err)
	}
	c.Close()
	if err := ask(held[n/2], bufio.NewReader(held[n/2])); err != nil {
		return 0, fmt.Errorf("with %d idle connections, an idle one: %w", n, err)
	}
	return float64(after-before) / float64(n), nil
}

func idleRow(pyPath string, pyErr error) row {
	n := *idleN
	if *smoke {
		n = 200
	}
	ours, gev, plain := httpServers(pyPath)
	r := row{name: fmt.Sprintf("HTTP server: %d idle keep-alive connections, server RSS growth per connection (still answers)", n),
		unit: "bytes", lowerBetter: true, plainWhat: "net/http, GOMAXPROCS=1", geventgo: math.NaN(), gevent: math.NaN(), plain: math.NaN()}
	one := func(k httpServerKind) (float64, error) {
		fmt.Fprintf(os.Stderr, "bench: HTTP %d idle connections, %s\n", n, k.label)
		var v float64
		err := withServer(k.argv, func(addr string, pid int) (err error) {
			v, err = idleConns(addr, pid, n)
			return err
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", k.label, err)
			return math.NaN(), err
		}
		return v, nil
	}
	var err error
	if r.geventgo, err = one(ours); err != nil {
		r.note = "failed: " + oneLineErr(err)
	}
	r.plain, _ = one(plain)
	if pyErr == nil {
		r.gevent, _ = one(gev)
	}
	return r
}

// clientRows: the fetch loop (rate, CPU per request) and the requests in
// flight (memory per request) of httpclient, net/http's client and requests.
func clientRows(pyPath string, pyErr error, runs *httpRuns) []row {
	reps, d, n := *httpReps, *httpDur, *inflightN
	if *smoke {
		reps, d, n = 1, 200*time.Millisecond, 200
	}
	self := func(name string, extra ...string) []string {
		return append([]string{os.Args[0], "-procs=1", "-child", name, "-conns", strconv.Itoa(*conns), "-http", d.String()}, extra...)
	}
	// The hello-world server the clients fetch from: net/http on every core
	// (it should not be what limits the clients).
	helloArgv := func(port int) []string {
		return []string{os.Args[0], "-procs=" + strconv.Itoa(max(2, *procs)), "-child", "http-go", "-port", strconv.Itoa(port)}
	}
	type client struct {
		label string
		fetch func(u string) []string
		infl  func(u string) []string
	}
	clients := []client{
		{"httpclient", func(u string) []string { return self("fetch-geventgo", "-url", u) },
			func(u string) []string { return self("inflight-geventgo", "-url", u, "-n", strconv.Itoa(n)) }},
		{"net/http client", func(u string) []string { return self("fetch-go", "-url", u) },
			func(u string) []string { return self("inflight-go", "-url", u, "-n", strconv.Itoa(n)) }},
	}
	if pyErr == nil {
		clients = append(clients, client{"requests+gevent",
			func(u string) []string {
				return []string{*python, pyPath, "fetch", u, strconv.Itoa(*conns), fmt.Sprint(d.Seconds())}
			},
			func(u string) []string { return []string{*python, pyPath, "inflight", u, strconv.Itoa(n)} }})
	}
	runJSON := func(argv []string) (pyResult, error) {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", strings.Join(argv[min(3, len(argv)-1):], " "), err)
		}
		var r pyResult
		return r, json.Unmarshal(out, &r)
	}
	rates := map[string][]float64{}
	cpus := map[string][]float64{}
	errs := map[string]error{}
	runs.printf("### HTTP client, every run (%d workers fetching with keep-alive for %s from a net/http server on %d cores; client GOMAXPROCS=1)\n\n",
		*conns, d, max(2, *procs))
	runs.printf("| client | run | req/s | client CPU per request |\n|---|--:|--:|--:|\n")
	err := withServer(helloArgv, func(addr string, _ int) error {
		for rep := range reps {
			for _, c := range clients {
				fmt.Fprintf(os.Stderr, "bench: HTTP client fetch, %s, run %d\n", c.label, rep+1)
				v, err := runJSON(c.fetch("http://" + addr + "/"))
				if err != nil {
					errs[c.label] = err
					fmt.Fprintln(os.Stderr, "bench:", c.label, err)
					runs.printf("| %s | %d | failed: %s | |\n", c.label, rep+1, oneLineErr(err))
					continue
				}
				rates[c.label] = append(rates[c.label], v.num("rate"))
				cpus[c.label] = append(cpus[c.label], v.num("cpu_us"))
				runs.printf("| %s | %d | %s | %s µs |\n", c.label, rep+1, num(v.num("rate")), num(v.num("cpu_us")))
			}
		}
		return nil
	})
	runs.printf("\n")
	medOf := func(m map[string][]float64, label string) float64 {
		if len(m[label]) == 0 {
			return math.NaN()
		}
		return median(m[label])
	}
	label := fmt.Sprintf("HTTP client: %d workers fetching hello world, keep-alive (median of %d)", *conns, reps)
	rate := row{name: label + ": throughput", unit: "req/s", plainWhat: "net/http client, 50 goroutines",
		geventgo: medOf(rates, "httpclient"), plain: medOf(rates, "net/http client"), gevent: medOf(rates, "requests+gevent")}
	cpu := row{name: label + ": client CPU per request", unit: "µs", lowerBetter: true, plainWhat: "net/http client, 50 goroutines",
		geventgo: medOf(cpus, "httpclient"), plain: medOf(cpus, "net/http client"), gevent: medOf(cpus, "requests+gevent")}
	if err == nil {
		err = errs["httpclient"]
	}
	if err != nil {
		rate.note = "failed: " + oneLineErr(err)
		cpu.note = rate.note
	}

	mem := row{name: fmt.Sprintf("HTTP client: %d requests in flight on one hub, client RSS growth per request", n), unit: "bytes",
		lowerBetter: true, plainWhat: "net/http client, a goroutine each", geventgo: math.NaN(), gevent: math.NaN(), plain: math.NaN()}
	for _, c := range clients {
		fmt.Fprintf(os.Stderr, "bench: HTTP client, %d requests in flight, %s\n", n, c.label)
		var v pyResult
		err := withServer(func(port int) []string {
			return []string{os.Args[0], "-procs=" + strconv.Itoa(max(2, *procs)), "-child", "http-hold", "-port", strconv.Itoa(port)}
		}, func(addr string, _ int) (err error) {
			v, err = runJSON(c.infl("http://" + addr + "/"))
			return err
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", c.label, err)
			if c.label == "httpclient" {
				mem.note = "failed: " + oneLineErr(err)
			}
			continue
		}
		switch c.label {
		case "httpclient":
			mem.geventgo = v.num("mem_inflight")
		case "net/http client":
			mem.plain = v.num("mem_inflight")
		default:
			mem.gevent = v.num("mem_inflight")
		}
	}
	return []row{rate, cpu, mem}
}
