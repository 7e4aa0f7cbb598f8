package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

//go:embed gevent_bench.py
var geventScript []byte

// sysInfo describes the machine and the runtimes of one run.
type sysInfo struct {
	cpu            string
	cores          int
	goVersion      string
	gevent, python string
	date           string
}

func machine() sysInfo {
	s := sysInfo{cpu: "unknown", cores: runtime.NumCPU(), goVersion: runtime.Version(),
		date: time.Now().Format("2006-01-02 15:04 MST")}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				s.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	return s
}

func (s sysInfo) oneLine() string {
	return fmt.Sprintf("%s, %d cores, %s, GOMAXPROCS=%d", s.cpu, s.cores, s.goVersion, *procs)
}

// pyResult is the JSON object the Python side prints.
type pyResult map[string]any

func (p pyResult) num(k string) float64 {
	if v, ok := p[k].(float64); ok {
		return v
	}
	return math.NaN()
}

func (p pyResult) str(k string) string {
	if v, ok := p[k].(string); ok {
		return v
	}
	return "n/a"
}

// scriptPath writes the embedded gevent script to a temporary file once.
func scriptPath() (string, error) {
	f, err := os.CreateTemp("", "gevent_bench_*.py")
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := f.Write(geventScript); err != nil {
		return "", err
	}
	return f.Name(), nil
}

func runPython(args ...string) (pyResult, error) {
	path, err := scriptPath()
	if err != nil {
		return nil, err
	}
	defer os.Remove(path)
	cmd := exec.Command(*python, append([]string{path}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", *python, strings.Join(args, " "), err)
	}
	var r pyResult
	if err := json.Unmarshal(out, &r); err != nil {
		return nil, fmt.Errorf("parsing %q: %w", out, err)
	}
	return r, nil
}

func runGeventMicro(target float64) (pyResult, error) {
	fmt.Fprintln(os.Stderr, "bench: gevent workloads (python3)")
	r, err := runPython("micro", fmt.Sprint(target))
	if r == nil {
		r = pyResult{}
	}
	return r, err
}

// render formats the run as markdown.
func render(s sysInfo, rows []row, took time.Duration) string {
	var b strings.Builder
	mode := "full run"
	if *smoke {
		mode = "smoke run (figures meaningless)"
	}
	fmt.Fprintf(&b, "## Benchmarks, %s\n\n", s.date)
	fmt.Fprintf(&b, "- machine: %s, %d cores (runtime.NumCPU); %s; took %s\n", s.cpu, s.cores, mode, took.Round(time.Second))
	fmt.Fprintf(&b, "- gevent-go and plain Go: %s, GOMAXPROCS=%d (pinned, `-procs`)\n", s.goVersion, *procs)
	fmt.Fprintf(&b, "- gevent: %s on CPython %s (`%s`)\n", s.gevent, s.python, *python)
	fmt.Fprintf(&b, "- command: `go run ./bench`; each Go figure is the median of 3 runs lasting >= 300 ms; gevent's one run >= 300 ms\n")
	fmt.Fprintf(&b, "- ratios: \"vs gevent\" > 1 means gevent-go is better; \"vs plain Go\" > 1 means plain Go is better (the price of the library)\n\n")
	b.WriteString("| workload | unit | gevent-go | gevent 22.10 | plain Go | plain Go is | vs gevent | vs plain Go |\n")
	b.WriteString("|---|---|--:|--:|--:|---|--:|--:|\n")
	for _, r := range rows {
		vsGevent, vsPlain := ratio(r.gevent, r.geventgo, r.lowerBetter), ratio(r.geventgo, r.plain, r.lowerBetter)
		name := r.name
		if r.note != "" {
			name += " (" + r.note + ")"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", name, r.unit,
			num(r.geventgo), num(r.gevent), num(r.plain), r.plainWhat, vsGevent, vsPlain)
	}
	b.WriteString("\n")
	return b.String()
}

// ratio returns how many times better the second figure is than the
// first ("other" ÷ "ours" for costs, ours ÷ other for rates).
func ratio(other, ours float64, lowerBetter bool) string {
	if math.IsNaN(other) || math.IsNaN(ours) || other == 0 || ours == 0 {
		return "—"
	}
	r := other / ours
	if !lowerBetter {
		r = ours / other
	}
	return fmt.Sprintf("%.2f×", r)
}

func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "—"
	case v >= 100:
		return commas(int64(math.Round(v)))
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func commas(n int64) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
