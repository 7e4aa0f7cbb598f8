// Command bench runs the same workloads on this library (gevent-go), on
// real gevent (python3-gevent, /usr/bin/python3) and on plain Go
// (goroutines and channels, errgroup, iter.Pull, net), in one run, and
// prints a markdown table of each figure and the ratios.
//
//	go run ./bench            # full run, a few minutes; writes bench/results/
//	go run ./bench -smoke     # seconds: checks that every workload runs; asserts no figure
//
// GOMAXPROCS is pinned (-procs, default 1: a hub runs one greenlet at a time,
// gevent one thread) and printed with the machine, Go and gevent versions.
// Servers run in child processes (this binary re-executed, or python3);
// the load generator runs in this process.
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

var (
	smoke   = flag.Bool("smoke", false, "run every workload briefly (seconds) to check that it works; write no results")
	procs   = flag.Int("procs", 1, "GOMAXPROCS for the Go workloads and the load generator")
	outDir  = flag.String("out", "bench/results", "directory for the markdown results (full runs only)")
	child   = flag.String("child", "", "internal: run a child workload (mem-geventgo, mem-go, echo-geventgo, echo-go)")
	port    = flag.Int("port", 0, "internal: port for a child echo server")
	python  = flag.String("python", "/usr/bin/python3", "python interpreter with gevent")
	echoDur = flag.Duration("echo", 3*time.Second, "duration of each echo load run")
	conns   = flag.Int("conns", 50, "echo and HTTP load: connections (HTTP clients: workers)")
	only    = flag.String("only", "", "run only the Go side of the micro workloads whose name contains this; print, write no results")
)

// row is one line of the table: a workload measured on the three runtimes.
type row struct {
	name, unit  string
	lowerBetter bool
	geventgo    float64
	gevent      float64
	plain       float64
	plainWhat   string
	note        string
}

func main() {
	flag.Parse()
	runtime.GOMAXPROCS(*procs)
	raiseNoFile()
	if *child != "" {
		if err := runChild(*child); err != nil {
			fmt.Fprintln(os.Stderr, "bench child:", err)
			os.Exit(1)
		}
		return
	}
	do := runSelected
	if *scaleOnly {
		do = runScale
	}
	if err := do(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	start := time.Now()
	target := 300 * time.Millisecond
	pyTarget := 0.3
	memN := 100_000
	if *smoke {
		target, pyTarget, memN = 2*time.Millisecond, 0.002, 2_000
		*echoDur = 200 * time.Millisecond
	}
	info := machine()
	fmt.Fprintf(os.Stderr, "bench: %s\n", info.oneLine())
	if *only != "" {
		var rows []row
		for _, w := range micro() {
			if strings.Contains(w.name, *only) {
				rows = append(rows, microRow(w, target, nil))
			}
		}
		fmt.Print(render(info, rows, time.Since(start)))
		return nil
	}

	py, pyErr := runGeventMicro(pyTarget)
	if pyErr != nil {
		if *smoke && os.Getenv("CI") != "true" {
			fmt.Fprintln(os.Stderr, "bench: gevent not available, its column is empty:", pyErr)
		} else {
			return fmt.Errorf("gevent side: %w", pyErr)
		}
	}
	info.gevent, info.python = py.str("gevent"), py.str("python")

	var rows []row
	for _, w := range micro() {
		rows = append(rows, microRow(w, target, py))
	}

	fmt.Fprintln(os.Stderr, "bench: memory per idle greenlet")
	rows = append(rows, memoryRow(memN))

	fmt.Fprintln(os.Stderr, "bench: echo servers")
	rows = append(rows, echoRows()...)

	var runs httpRuns
	pyPath, err := scriptPath()
	if err != nil {
		return err
	}
	defer os.Remove(pyPath)
	fmt.Fprintln(os.Stderr, "bench: HTTP servers")
	rows = append(rows, helloRows(pyPath, pyErr, &runs)...)
	rows = append(rows, idleRow(pyPath, pyErr))
	fmt.Fprintln(os.Stderr, "bench: HTTP clients")
	rows = append(rows, clientRows(pyPath, pyErr, &runs)...)
	fmt.Fprintln(os.Stderr, "bench: WebSocket servers")
	rows = append(rows, wsRows(pyPath, pyErr, &runs)...)

	table := render(info, rows, time.Since(start)) + runs.b.String()
	fmt.Print(table)
	if *smoke {
		return checkSmoke(rows)
	}
	return writeResults(table)
}

// microRow measures w (py: gevent's figures; nil leaves them out).
func microRow(w workload, target time.Duration, py pyResult) row {
	fmt.Fprintf(os.Stderr, "bench: %s\n", w.name)
	r := row{name: w.name, unit: "ns/op", lowerBetter: true, plainWhat: w.plainWhat, note: w.note,
		geventgo: math.NaN(), gevent: math.NaN(), plain: math.NaN()}
	switch {
	case w.off != nil:
		var off float64
		r.geventgo, off = measurePair(w.geventgo, w.off, target)
		r.note += fmt.Sprintf("; off, measured alternately in the same run: %s ns/op, on - off = %+.1f ns/op", num(off), r.geventgo-off)
	case w.geventgo != nil:
		r.geventgo = measure(w.geventgo, target)
	}
	if w.plain != nil {
		r.plain = measure(w.plain, target)
	}
	if w.py != "" {
		r.gevent = py.num(w.py)
	}
	return r
}

// checkSmoke fails if a workload that should have produced a figure did
// not (it asserts nothing about the figures themselves).
func checkSmoke(rows []row) error {
	var bad []string
	for _, r := range rows {
		if strings.HasPrefix(r.note, "not yet") {
			continue
		}
		if r.note != "" && strings.HasPrefix(r.note, "failed") {
			bad = append(bad, r.name+": "+r.note)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("smoke: %s", strings.Join(bad, "; "))
	}
	fmt.Fprintln(os.Stderr, "bench: smoke OK")
	return nil
}

// runPart runs one part of the harness alone (-ws, -scale): the machine
// line, gevent's version, the part's rows (measure gets the path of the
// gevent script and whether gevent is there, and returns the rows and any
// text to print below the table), and header lines for the table's list.
// The table is printed, and written to bench/results/<date>-<part>.md
// (smoke runs check the rows and write nothing).
func runPart(part, header string, measure func(pyPath string, pyErr error) ([]row, string)) error {
	start := time.Now()
	info := machine()
	fmt.Fprintf(os.Stderr, "bench: %s\n", info.oneLine())
	py, pyErr := runPython("micro", "0", "none") // the versions only
	if pyErr != nil {
		fmt.Fprintln(os.Stderr, "bench: gevent not available, its column is empty:", pyErr)
	} else {
		info.gevent, info.python = py.str("gevent"), py.str("python")
	}
	pyPath, err := scriptPath()
	if err != nil {
		return err
	}
	defer os.Remove(pyPath)
	rows, extra := measure(pyPath, pyErr)
	table := render(info, rows, time.Since(start))
	table = strings.Replace(table, "`go run ./bench`", "`go run ./bench -"+part+"`", 1)
	table = strings.Replace(table, "\n\n| workload", "\n"+header+"\n| workload", 1)
	table += extra
	fmt.Print(table)
	if *smoke {
		return checkSmoke(rows)
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	name := filepath.Join(*outDir, time.Now().Format("2006-01-02")+"-"+part+".md")
	fmt.Fprintf(os.Stderr, "bench: wrote %s\n", name)
	return os.WriteFile(name, []byte(table), 0o644)
}

func writeResults(table string) error {
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	name := filepath.Join(*outDir, time.Now().Format("2006-01-02")+".md")
	for _, p := range []string{name, filepath.Join(*outDir, "latest.md")} {
		if err := os.WriteFile(p, []byte(table), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "bench: wrote %s and latest.md\n", name)
	return nil
}

// measure runs fn with a growing count until one run lasts target, and
// returns the nanoseconds per op of that run; in a full run, the median of
// three such runs.
func measure(fn func(n int) error, target time.Duration) float64 {
	if *smoke {
		return measureOne(fn, target)
	}
	v := []float64{measureOne(fn, target), measureOne(fn, target), measureOne(fn, target)}
	return median(v)
}

// measureOne runs fn with a growing count until one run lasts target,
// and returns the nanoseconds per op of that run.
func measureOne(fn func(n int) error, target time.Duration) float64 {
	n := 100
	for {
		t := time.Now()
		if err := fn(n); err != nil {
			fmt.Fprintln(os.Stderr, "bench: workload failed:", err)
			return math.NaN()
		}
		dt := time.Since(t)
		if dt >= target || n >= 50_000_000 {
			return float64(dt.Nanoseconds()) / float64(n)
		}
		grow := float64(target) / float64(max(dt, time.Microsecond)) * 1.2
		n = int(min(float64(n)*100, max(float64(n)*2, float64(n)*grow)))
	}
}

// measurePair measures on and off as measure does, alternately (off, on,
// off, on...: a loaded machine's drift falls on both), and returns both.
func measurePair(on, off func(n int) error, target time.Duration) (float64, float64) {
	if *smoke {
		return measureOne(on, target), measureOne(off, target)
	}
	var a, b []float64
	for range 5 {
		b = append(b, measureOne(off, target))
		a = append(a, measureOne(on, target))
	}
	return median(a), median(b)
}

func median(v []float64) float64 {
	for i := range v {
		for j := i + 1; j < len(v); j++ {
			if v[j] < v[i] {
				v[i], v[j] = v[j], v[i]
			}
		}
	}
	return v[len(v)/2]
}

var _ = io.Discard
