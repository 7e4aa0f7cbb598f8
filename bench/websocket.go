package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpserver"
	"github.com/gevent-go/gevent/socket"
	"github.com/gevent-go/gevent/websocket"
	gorilla "github.com/gorilla/websocket"
)

// The WebSocket workloads (issue 14): three servers, each a child process
// (this binary with -child ws-geventgo or ws-go, or python3 with
// gevent-websocket under pywsgi), serve the same three routes:
//
//	/echo       WebSocket: sends every message back
//	/hub        WebSocket: joins the broadcast set, reads until the client goes
//	/count      HTTP: the number of connections in the broadcast set
//	/broadcast  HTTP: sends the query string as a text message to each
//	            connection of the set, one after the other, in the request's
//	            greenlet (goroutine), and answers how many sends succeeded
//
// The load generator is this process (gorilla clients, a goroutine each),
// with GOMAXPROCS raised to the number of cores while it runs so that the
// client is not what limits a server pinned to one core.

var (
	wsFanN    = flag.Int("ws-fanout", 10_000, "WebSocket connections for the broadcast fan-out and the idle memory rows")
	wsBcastN  = flag.Int("ws-broadcasts", 5, "broadcasts to the fan-out connections (the row shows the median)")
	wsOnly    = flag.Bool("ws", false, "run only the WebSocket rows; a full run writes them to <date>-ws.md (not latest.md)")
	wsMessage = make([]byte, 64)

	wsClient      = flag.String("ws-client", "lean", "WebSocket echo load generator: lean (one prepared frame, one read buffer per client), plain (gorilla's WriteMessage and ReadMessage), each client a goroutine; or hub (lean, each client a greenlet of one gevent-go hub on cooperative sockets)")
	wsClientProcs = flag.Int("ws-client-procs", 0, "GOMAXPROCS of the WebSocket echo load generator (0: the number of cores)")
)

// runSelected runs the whole harness, or with -ws the WebSocket rows only.
func runSelected() error {
	if !*wsOnly {
		return run()
	}
	if *smoke {
		*echoDur = 200 * time.Millisecond
	}
	return runPart("ws", "", func(pyPath string, pyErr error) ([]row, string) {
		var runs httpRuns
		rows := wsRows(pyPath, pyErr, &runs)
		return rows, runs.b.String()
	})
}

func init() {
	childServers["ws-geventgo"] = func(port int) error {
		raiseNoFile()
		return gevent.Run(func() error {
			return httpserver.ListenAndServe("127.0.0.1:"+strconv.Itoa(port), wsGeventGoMux())
		})
	}
	childServers["ws-go"] = func(port int) error {
		raiseNoFile()
		return http.ListenAndServe("127.0.0.1:"+strconv.Itoa(port), wsGoMux())
	}
}

// raiseNoFile raises the soft limit of open files to the hard limit (the
// fan-out holds 10,000 connections in each of two processes). Go does it
// at start too; this says so, and python3 does it in gevent_bench.py.
func raiseNoFile() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

func noFileLimit() uint64 {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) != nil {
		return 0
	}
	return l.Cur
}

// wsGeventGoMux: package websocket on httpserver, one hub.
func wsGeventGoMux() http.Handler {
	set := map[*websocket.Conn]struct{}{}
	mux := http.NewServeMux()
	mux.Handle("/echo", websocket.New(func(c *websocket.Conn) error {
		for {
			typ, m, err := c.Receive()
			if err != nil {
				return nil
			}
			if err := c.Send(typ, m); err != nil {
				return err
			}
		}
	}))
	mux.Handle("/hub", websocket.New(func(c *websocket.Conn) error {
		set[c] = struct{}{}
		defer delete(set, c)
		for {
			if _, _, err := c.Receive(); err != nil {
				return nil
			}
		}
	}))
	mux.HandleFunc("/count", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, len(set)) })
	mux.HandleFunc("/broadcast", func(w http.ResponseWriter, r *http.Request) {
		msg := []byte(r.URL.RawQuery)
		conns := make([]*websocket.Conn, 0, len(set))
		for c := range set {
			conns = append(conns, c)
		}
		n := 0
		for _, c := range conns {
			if c.Send(websocket.TextMessage, msg) == nil {
				n++
			}
		}
		fmt.Fprint(w, n)
	})
	return mux
}

// wsGoMux: the same routes on net/http with gorilla's default Upgrader
// (it reuses net/http's 4 KiB hijacked reader and writer as its buffers).
func wsGoMux() http.Handler {
	type conn struct {
		ws  *gorilla.Conn
		wmu sync.Mutex
	}
	var mu sync.Mutex
	set := map[*conn]struct{}{}
	var up gorilla.Upgrader
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			typ, m, err := c.ReadMessage()
			if err != nil {
				return
			}
			if c.WriteMessage(typ, m) != nil {
				return
			}
		}
	})
	mux.HandleFunc("/hub", func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		c := &conn{ws: ws}
		mu.Lock()
		set[c] = struct{}{}
		mu.Unlock()
		defer func() { mu.Lock(); delete(set, c); mu.Unlock() }()
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/count", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprint(w, len(set))
	})
	mux.HandleFunc("/broadcast", func(w http.ResponseWriter, r *http.Request) {
		msg := []byte(r.URL.RawQuery)
		mu.Lock()
		conns := make([]*conn, 0, len(set))
		for c := range set {
			conns = append(conns, c)
		}
		mu.Unlock()
		n := 0
		for _, c := range conns {
			c.wmu.Lock()
			err := c.ws.WriteMessage(gorilla.TextMessage, msg)
			c.wmu.Unlock()
			if err == nil {
				n++
			}
		}
		fmt.Fprint(w, n)
	})
	return mux
}

// withClientProcs runs f with GOMAXPROCS at the number of cores.
func withClientProcs(f func()) { withProcs(runtime.NumCPU(), f) }

func withProcs(n int, f func()) {
	old := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(old)
	f()
}

// echoClientProcs is the load generator's GOMAXPROCS for the echo rows.
func echoClientProcs() int {
	if *wsClientProcs > 0 {
		return *wsClientProcs
	}
	return runtime.NumCPU()
}

// echoRoundTrip returns one client's round trip for the echo load: send
// wsMessage, read the echo, check its type and length.
//
// "plain" is what a gorilla application writes: WriteMessage (which masks
// the payload with a fresh key into a new frame) and ReadMessage (which
// allocates the message, growing from 512 bytes). "lean" does the same
// exchange for less of the load generator's CPU: the frame is built and
// masked once (gorilla's PreparedMessage: every frame of the client then
// carries the same masking key, which the servers unmask like any other)
// and the echo is read into a buffer of the client's own. The servers see
// the same bytes on the wire but for the key.
func echoRoundTrip(c *gorilla.Conn, kind string) (func() error, error) {
	check := func(typ, n int) error {
		if typ != gorilla.BinaryMessage || n != len(wsMessage) {
			return fmt.Errorf("echo: type %d, %d bytes", typ, n)
		}
		return nil
	}
	switch kind {
	case "plain":
		return func() error {
			if err := c.WriteMessage(gorilla.BinaryMessage, wsMessage); err != nil {
				return err
			}
			typ, m, err := c.ReadMessage()
			if err != nil {
				return err
			}
			return check(typ, len(m))
		}, nil
	case "lean":
		pm, err := gorilla.NewPreparedMessage(gorilla.BinaryMessage, wsMessage)
		if err != nil {
			return nil, err
		}
		buf := make([]byte, 2*len(wsMessage))
		return func() error {
			if err := c.WritePreparedMessage(pm); err != nil {
				return err
			}
			typ, r, err := c.NextReader()
			if err != nil {
				return err
			}
			n := 0
			for {
				k, err := r.Read(buf[n:])
				n += k
				if err == io.EOF {
					break
				}
				if err != nil {
					return err
				}
				if n == len(buf) {
					return fmt.Errorf("echo: more than %d bytes", n)
				}
			}
			return check(typ, n)
		}, nil
	}
	return nil, fmt.Errorf("-ws-client %q: want lean or plain", kind)
}

// wsEchoLoad: conns gorilla clients, each doing round trips of a 64-byte
// binary message with addr's /echo for d.
func wsEchoLoad(addr string, conns int, d time.Duration) (l httpLoad) {
	withProcs(echoClientProcs(), func() {
		if *wsClient != "hub" {
			l = wsEchoRun(addr, conns, d, false)
			return
		}
		if err := gevent.Run(func() error { l = wsEchoRun(addr, conns, d, true); return nil }); err != nil && l.err == nil {
			l.err = err
		}
	})
	return l
}

// wsEchoRun is wsEchoLoad's body: each client a goroutine, or with onHub
// a greenlet of the calling greenlet's hub, whose connections are
// cooperative sockets (gorilla does its I/O in the calling greenlet).
func wsEchoRun(addr string, conns int, d time.Duration, onHub bool) (l httpLoad) {
	dialer := gorilla.DefaultDialer
	kind := *wsClient
	if onHub {
		dialer = &gorilla.Dialer{NetDial: socket.Dial, HandshakeTimeout: 45 * time.Second}
		kind = "lean"
	}
	cs := make([]*gorilla.Conn, conns)
	defer func() {
		for _, c := range cs {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i := range cs {
		c, _, err := dialer.Dial("ws://"+addr+"/echo", nil)
		if err != nil {
			l.err = err
			return
		}
		cs[i] = c
	}
	lat := make([][]time.Duration, conns)
	errs := make([]error, conns)
	rts := make([]func() error, conns)
	for i, c := range cs {
		rt, err := echoRoundTrip(c, kind)
		if err != nil {
			l.err = err
			return
		}
		rts[i] = rt
	}
	cpu0 := selfCPU()
	deadline := time.Now().Add(d)
	loop := func(i int) {
		for time.Now().Before(deadline) {
			t := time.Now()
			if err := rts[i](); err != nil {
				errs[i] = err
				return
			}
			lat[i] = append(lat[i], time.Since(t))
		}
	}
	if onHub {
		gs := make([]*gevent.Greenlet[struct{}], conns)
		for i := range cs {
			gs[i] = gevent.Go(func() { loop(i) })
		}
		if _, err := gevent.JoinAll(gs); err != nil {
			l.err = err
			return
		}
	} else {
		var wg sync.WaitGroup
		for i := range cs {
			wg.Go(func() { loop(i) })
		}
		wg.Wait()
	}
	cpu := selfCPU() - cpu0
	if err := errors.Join(errs...); err != nil {
		l.err = err
		return
	}
	var all []time.Duration
	for _, x := range lat {
		all = append(all, x...)
	}
	if len(all) == 0 {
		l.err = errors.New("no round trip completed")
		return
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	return httpLoad{rate: float64(len(all)) / d.Seconds(), p50: pct(0.5), p99: pct(0.99), reqs: int64(len(all)),
		clientUS: float64(cpu.Nanoseconds()) / 1e3 / float64(len(all))}
}

// fanoutResult is one server's fan-out run: its RSS growth per idle
// connection and the time to last delivery of each broadcast.
type fanoutResult struct {
	memPerConn float64
	times      []time.Duration // to the last delivery
	sendTimes  []time.Duration // to the trigger's answer: the server's send loop ended
	err        error
}

// wsFanout opens n WebSocket connections to addr's /hub (100 handshakes
// at a time), measures the server's RSS growth per connection once all
// are in the broadcast set and idle, then asks for reps broadcasts, one
// after the other, and times each from the trigger request to the n-th
// delivery (every client counts what it receives, and checks it).
func wsFanout(addr string, pid, n, reps int) (res fanoutResult) {
	if lim := noFileLimit(); lim < uint64(n)+256 {
		res.err = fmt.Errorf("open files limit %d is below the %d connections", lim, n)
		return res
	}
	withClientProcs(func() {
		hc := &http.Client{Timeout: 2 * time.Minute}
		// Warm up: one connection joins and leaves, and one echo.
		if c, _, err := gorilla.DefaultDialer.Dial("ws://"+addr+"/echo", nil); err != nil {
			res.err = err
			return
		} else {
			c.WriteMessage(gorilla.TextMessage, []byte("hi"))
			c.ReadMessage()
			c.Close()
		}
		time.Sleep(200 * time.Millisecond)
		before := procRSS(pid)

		type round struct {
			want string
			got  atomic.Int64
			bad  atomic.Int64
			done chan time.Time
		}
		var cur atomic.Pointer[round]
		dialer := gorilla.Dialer{ReadBufferSize: 512, WriteBufferSize: 512, HandshakeTimeout: time.Minute}
		cs := make([]*gorilla.Conn, n)
		errs := make([]error, n)
		var readers sync.WaitGroup
		defer func() {
			for _, c := range cs {
				if c != nil {
					c.Close()
				}
			}
			readers.Wait()
		}()
		sem := make(chan struct{}, 100)
		var wg sync.WaitGroup
		for i := range n {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				c, _, err := dialer.Dial("ws://"+addr+"/hub", nil)
				if err != nil {
					errs[i] = err
					return
				}
				cs[i] = c
				readers.Go(func() {
					for {
						_, m, err := c.ReadMessage()
						if err != nil {
							return
						}
						r := cur.Load()
						if r == nil || string(m) != r.want {
							if r != nil {
								r.bad.Add(1)
							}
							continue
						}
						if r.got.Add(1) == int64(n) {
							r.done <- time.Now()
						}
					}
				})
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			res.err = err
			return
		}
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
			k, err := getInt(hc, "http://"+addr+"/count")
			if err != nil {
				res.err = err
				return
			}
			if k == n {
				break
			}
			if time.Now().After(deadline) {
				res.err = fmt.Errorf("only %d of %d connections joined", k, n)
				return
			}
		}
		time.Sleep(300 * time.Millisecond)
		res.memPerConn = float64(procRSS(pid)-before) / float64(n)

		for k := range reps {
			r := &round{want: "broadcast-" + strconv.Itoa(k), done: make(chan time.Time, 1)}
			cur.Store(r)
			t0 := time.Now()
			sent, err := getInt(hc, "http://"+addr+"/broadcast?"+r.want)
			if err != nil {
				res.err = err
				return
			}
			res.sendTimes = append(res.sendTimes, time.Since(t0))
			if sent != n {
				res.err = fmt.Errorf("broadcast %d: the server sent %d of %d", k, sent, n)
				return
			}
			select {
			case t := <-r.done:
				res.times = append(res.times, t.Sub(t0))
			case <-time.After(time.Minute):
				res.err = fmt.Errorf("broadcast %d: %d of %d delivered", k, r.got.Load(), n)
				return
			}
			if b := r.bad.Load(); b > 0 {
				res.err = fmt.Errorf("broadcast %d: %d unexpected messages", k, b)
				return
			}
		}
	})
	return res
}

// wsServers returns the three WebSocket servers.
func wsServers(pyPath string) (ours, gev, plain httpServerKind) {
	self := func(name string) func(int) []string {
		return func(port int) []string {
			return []string{os.Args[0], "-procs=1", "-child", name, "-port", strconv.Itoa(port)}
		}
	}
	ours = httpServerKind{"websocket on httpserver", self("ws-geventgo")}
	plain = httpServerKind{"gorilla on net/http", self("ws-go")}
	gev = httpServerKind{"gevent-websocket", func(port int) []string { return []string{*python, pyPath, "ws", strconv.Itoa(port)} }}
	return
}

// geventWebsocketMissing says why the gevent-websocket column is empty,
// or returns "" when python3 can import it.
func geventWebsocketMissing() string {
	out, err := runCmd(*python, "-c", "import geventwebsocket")
	if err != nil {
		return "gevent-websocket not importable (scripts/deps.sh installs python3-gevent-websocket): " + strings.TrimSpace(out)
	}
	return ""
}

func runCmd(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	b, err := cmd.CombinedOutput()
	return string(b), err
}

// wsRows measures the WebSocket servers: echo (reps runs each,
// interleaved), then fan-out and idle memory (one run each).
func wsRows(pyPath string, pyErr error, runs *httpRuns) []row {
	reps, d, n, bc := *httpReps, *echoDur, *wsFanN, *wsBcastN
	if *smoke {
		reps, d, n, bc = 1, 200*time.Millisecond, 200, 2
	}
	ours, gev, plain := wsServers(pyPath)
	kinds := []httpServerKind{ours, plain}
	gevNote := ""
	if pyErr != nil {
		gevNote = "gevent not available"
	} else if gevNote = geventWebsocketMissing(); gevNote == "" {
		kinds = append(kinds, gev)
	}
	if gevNote != "" {
		fmt.Fprintln(os.Stderr, "bench: WebSocket:", gevNote)
	}

	res := map[string][]httpLoad{}
	runs.printf("### WebSocket echo, every run (%d gorilla clients (-ws-client %s) in the bench process at GOMAXPROCS=%d, 64 B binary messages, %s each; server GOMAXPROCS=1 for the Go ones)\n\n",
		*conns, *wsClient, echoClientProcs(), d)
	runs.printf("| server | run | round trips/s | p50 | p99 | server CPU per round trip | load generator CPU per round trip | round trips/s if client + server kept %d cores busy |\n|---|--:|--:|--:|--:|--:|--:|--:|\n", runtime.NumCPU())
	for rep := range reps {
		for _, k := range kinds {
			fmt.Fprintf(os.Stderr, "bench: WebSocket echo, %s, run %d\n", k.label, rep+1)
			var l httpLoad
			err := withServer(k.argv, func(addr string, pid int) error {
				cpu0 := procCPU(pid)
				l = wsEchoLoad(addr, *conns, d)
				if l.reqs > 0 {
					l.cpuUS = float64((procCPU(pid) - cpu0).Microseconds()) / float64(l.reqs)
				}
				return l.err
			})
			if err != nil {
				l.err = err
				fmt.Fprintln(os.Stderr, "bench:", k.label, err)
				runs.printf("| %s | %d | failed: %s | | | | | |\n", k.label, rep+1, oneLineErr(err))
			} else {
				runs.printf("| %s | %d | %s | %s | %s | %s µs | %s µs | %s |\n", k.label, rep+1, num(l.rate), fmtDur(l.p50), fmtDur(l.p99), num(l.cpuUS), num(l.clientUS),
					num(float64(runtime.NumCPU())*1e6/(l.cpuUS+l.clientUS)))
			}
			res[k.label] = append(res[k.label], l)
		}
	}
	runs.printf("\n")
	plainWhat := "gorilla on net/http, GOMAXPROCS=1"
	label := fmt.Sprintf("WebSocket echo (%d conns, 64 B, median of %d)", *conns, reps)
	rows := loadRows(label, "round trips/s", "round trip", plainWhat, res, ours.label, gev.label, plain.label)

	fan := row{name: fmt.Sprintf("WebSocket broadcast: one message to %d connections, time to last delivery (median of %d)", n, bc),
		unit: "ms", lowerBetter: true, plainWhat: plainWhat, geventgo: math.NaN(), gevent: math.NaN(), plain: math.NaN()}
	mem := row{name: fmt.Sprintf("WebSocket: %d idle connections, server RSS growth per connection", n),
		unit: "bytes", lowerBetter: true, plainWhat: plainWhat, geventgo: math.NaN(), gevent: math.NaN(), plain: math.NaN()}
	runs.printf("### WebSocket fan-out, every broadcast (%d connections)\n\n| server | RSS growth per idle connection | time to last delivery, each broadcast | time to the trigger's answer (the server's send loop done) |\n|---|--:|---|---|\n", n)
	for _, k := range kinds {
		fmt.Fprintf(os.Stderr, "bench: WebSocket fan-out to %d connections, %s\n", n, k.label)
		var fr fanoutResult
		err := withServer(k.argv, func(addr string, pid int) error {
			fr = wsFanout(addr, pid, n, bc)
			return fr.err
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", k.label, err)
			runs.printf("| %s | failed: %s | | |\n", k.label, oneLineErr(err))
			if k.label == ours.label {
				fan.note = "failed: " + oneLineErr(err)
				mem.note = fan.note
			}
			continue
		}
		var ms []float64
		var each, sends []string
		for i, t := range fr.times {
			ms = append(ms, float64(t.Microseconds())/1000)
			each = append(each, fmtDur(t))
			sends = append(sends, fmtDur(fr.sendTimes[i]))
		}
		runs.printf("| %s | %s B | %s | %s |\n", k.label, num(fr.memPerConn), strings.Join(each, ", "), strings.Join(sends, ", "))
		f := median(ms)
		switch k.label {
		case ours.label:
			fan.geventgo, mem.geventgo = f, fr.memPerConn
		case plain.label:
			fan.plain, mem.plain = f, fr.memPerConn
		default:
			fan.gevent, mem.gevent = f, fr.memPerConn
		}
	}
	runs.printf("\n")
	if gevNote != "" {
		runs.printf("gevent-websocket column empty: %s\n\n", gevNote)
	}
	return append(rows, fan, mem)
}
