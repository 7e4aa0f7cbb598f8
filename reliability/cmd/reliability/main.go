// Command reliability runs the library's reliability suite and writes its
// figures to docs/RELIABILITY.md (`make reliability`, from the module root).
//
// It builds the tests of ./reliability twice (plain and with the race
// detector), runs every check of the plain build in a process of its own
// with full counts (GEVENT_RELIABILITY=1) and a deadline, runs the model
// checks again in the race build, and runs every fuzz target of the DNS
// resolver and of the HTTP client for -fuzztime each. A check that hangs is
// stopped and reported as failed; the table is written whatever happens,
// and the command exits with status 1 if any check failed.
//
//	go run ./reliability/cmd/reliability [-fuzztime 15s] [-run regexp] [-race=false] [-out docs/RELIABILITY.md]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"time"
)

var (
	fuzzTime  = flag.Duration("fuzztime", 15*time.Second, "how long each fuzz target runs")
	runFilter = flag.String("run", "", "run only the checks (test names) and fuzz targets matching this regexp")
	race      = flag.Bool("race", true, "run the model checks again under the race detector")
	out       = flag.String("out", "docs/RELIABILITY.md", "where to write the figures")
	backstop  = flag.Duration("check-timeout", 5*time.Minute, "stop a check's process after this long (each check also has its own deadline)")
)

// record is one row of the table; the JSON names are those the checks of
// ./reliability write (harness_test.go).
type record struct {
	Check      string     `json:"check"`
	Title      string     `json:"title"`
	Issue      string     `json:"issue,omitempty"`
	Race       bool       `json:"race,omitempty"`
	Seed       uint64     `json:"seed,omitempty"`
	Figures    []string   `json:"figures"`
	Failures   []string   `json:"failures,omitempty"`
	Pass       bool       `json:"pass"`
	Seconds    float64    `json:"seconds"`
	Goroutines [2]int     `json:"goroutines"`
	FDs        [2]int     `json:"fds"`
	HeapMB     [2]float64 `json:"heap_mb"`
	// Set by this command.
	Kind string `json:"-"` // "check", "race", "fuzz"
	Log  string `json:"-"`
}

func main() {
	flag.Parse()
	start := time.Now()
	load0 := loadavg()
	root, err := moduleRoot()
	if err != nil {
		fatal(err)
	}
	if err := os.Chdir(root); err != nil {
		fatal(err)
	}
	tmp, err := os.MkdirTemp("", "gevent-reliability-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)
	filter := regexp.MustCompile(*runFilter)

	bin := filepath.Join(tmp, "reliability.test")
	step("build", "go", "test", "-c", "-o", bin, "./reliability/")
	var records []record
	tests, err := list(bin, "^Test")
	if err != nil {
		fatal(err)
	}
	for _, name := range tests {
		if filter.MatchString(name) {
			records = append(records, runCheck(bin, name, tmp, "check")...)
		}
	}
	if *race {
		rbin := filepath.Join(tmp, "reliability.race.test")
		step("build (race)", "go", "test", "-race", "-c", "-o", rbin, "./reliability/")
		for _, name := range tests {
			if strings.HasPrefix(name, "TestModel") && filter.MatchString(name) {
				records = append(records, runCheck(rbin, name, tmp, "race")...)
			}
		}
	}
	for _, pkg := range []string{"./resolver/", "./reliability/"} {
		targets, err := listPkg(pkg, "^Fuzz")
		if err != nil {
			fatal(err)
		}
		for _, name := range targets {
			if filter.MatchString(name) {
				records = append(records, runFuzz(pkg, name))
			}
		}
	}
	doc := render(records, start, load0)
	if err := os.WriteFile(*out, []byte(doc), 0o644); err != nil {
		fatal(err)
	}
	failed := 0
	for _, r := range records {
		if !r.Pass {
			failed++
		}
	}
	fmt.Printf("\n%d checks, %d failed, in %v; figures written to %s\n", len(records), failed, time.Since(start).Round(time.Second), *out)
	if failed > 0 {
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "reliability:", err)
	os.Exit(2)
}

func moduleRoot() (string, error) {
	b, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	mod := strings.TrimSpace(string(b))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the module")
	}
	return filepath.Dir(mod), nil
}

// step runs a command that must succeed.
func step(what string, args ...string) {
	fmt.Printf("%-8s %s\n", "...", what)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fatal(fmt.Errorf("%s: %v", what, err))
	}
}

// list returns the tests of a test binary whose names match pattern.
func list(bin, pattern string) ([]string, error) {
	b, err := exec.Command(bin, "-test.list", pattern).Output()
	if err != nil {
		return nil, err
	}
	return names(b), nil
}

// listPkg lists the tests of a package matching pattern.
func listPkg(pkg, pattern string) ([]string, error) {
	b, err := exec.Command("go", "test", "-list", pattern, pkg).Output()
	if err != nil {
		return nil, fmt.Errorf("go test -list %s: %v", pkg, err)
	}
	return names(b), nil
}

func names(b []byte) []string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "ok ") && !strings.Contains(l, " ") {
			out = append(out, l)
		}
	}
	return out
}

// runCheck runs one test of bin in a process of its own and returns the
// records it wrote (one per check), or a failed record if it wrote none.
func runCheck(bin, name, tmp, kind string) []record {
	recFile := filepath.Join(tmp, kind+"-"+name+".jsonl")
	ctx, cancel := context.WithTimeout(context.Background(), *backstop)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.run", "^"+name+"$", "-test.count=1", "-test.v", "-test.timeout=30m")
	cmd.Dir = "reliability"
	cmd.Env = append(os.Environ(), "GEVENT_RELIABILITY=1", "GEVENT_RELIABILITY_OUT="+recFile)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) } // a goroutine dump
	cmd.WaitDelay = 5 * time.Second
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	t0 := time.Now()
	err := cmd.Run()
	el := time.Since(t0)
	logFile := filepath.Join(tmp, kind+"-"+name+".log")
	os.WriteFile(logFile, buf.Bytes(), 0o644)
	var recs []record
	if f, ferr := os.Open(recFile); ferr == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var r record
			if json.Unmarshal(sc.Bytes(), &r) == nil {
				r.Kind = kind
				recs = append(recs, r)
			}
		}
		f.Close()
	}
	if len(recs) == 0 {
		if err == nil && strings.Contains(buf.String(), "--- SKIP") {
			return nil
		}
		r := record{Check: name, Title: "(no record)", Kind: kind, Seconds: el.Seconds(), Race: kind == "race"}
		switch {
		case ctx.Err() != nil:
			r.Failures = []string{fmt.Sprintf("stopped by the runner after %v (hang)", *backstop)}
		case err != nil:
			r.Failures = []string{fmt.Sprintf("exited without a record: %v", err)}
		default:
			r.Failures = []string{"wrote no record"}
		}
		r.Failures = append(r.Failures, "last output: "+tail(buf.String(), 400))
		recs = append(recs, r)
	} else if err != nil {
		for i := range recs {
			if recs[i].Pass {
				recs[i].Pass = false
				recs[i].Failures = append(recs[i].Failures, fmt.Sprintf("the test process failed: %v: %s", err, tail(buf.String(), 300)))
			}
		}
	}
	for _, r := range recs {
		status := "PASS"
		if !r.Pass {
			status = "FAIL"
		}
		suffix := ""
		if r.Race {
			suffix = " (race)"
		}
		fmt.Printf("%-8s %s%s %.1fs\n", status, r.Check, suffix, r.Seconds)
		for _, f := range r.Failures {
			fmt.Printf("         %s\n", oneLine(f, 200))
		}
	}
	return recs
}

var fuzzLine = regexp.MustCompile(`execs: (\d+) \((\d+)/sec\), new interesting: (\d+) \(total: (\d+)\)`)

// runFuzz runs one fuzz target for -fuzztime.
func runFuzz(pkg, name string) record {
	r := record{Check: "fuzz " + strings.Trim(pkg, "./") + "." + name, Kind: "fuzz",
		Title: fmt.Sprintf("go test -fuzz %s -fuzztime %v", name, *fuzzTime)}
	ctx, cancel := context.WithTimeout(context.Background(), *fuzzTime+5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-fuzz", "^"+name+"$", "-fuzztime", fuzzTime.String(), pkg)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	t0 := time.Now()
	err := cmd.Run()
	r.Seconds = time.Since(t0).Seconds()
	if m := fuzzLine.FindAllStringSubmatch(buf.String(), -1); len(m) > 0 {
		last := m[len(m)-1]
		var execs int
		fmt.Sscan(last[1], &execs)
		r.Figures = append(r.Figures, fmt.Sprintf("inputs tried %d (%.0f/s)", execs, float64(execs)/fuzzTime.Seconds()), fmt.Sprintf("new interesting %s, corpus %s", last[3], last[4]))
	}
	r.Pass = err == nil
	if err != nil {
		msg := fmt.Sprintf("%v", err)
		for _, l := range strings.Split(buf.String(), "\n") {
			if strings.Contains(l, "Failing input written to") || strings.Contains(l, "--- FAIL") {
				msg += "; " + strings.TrimSpace(l)
			}
		}
		r.Failures = []string{msg, "last output: " + tail(buf.String(), 400)}
	}
	status := "PASS"
	if !r.Pass {
		status = "FAIL"
	}
	fmt.Printf("%-8s %s %.1fs %s\n", status, r.Check, r.Seconds, strings.Join(r.Figures, "; "))
	return r
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func machine() string {
	var parts []string
	if b, err := exec.Command("uname", "-srm").Output(); err == nil {
		parts = append(parts, strings.TrimSpace(string(b)))
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				parts = append(parts, strings.TrimSpace(strings.SplitN(l, ":", 2)[1]))
				break
			}
		}
	}
	parts = append(parts, fmt.Sprintf("%d CPUs", runtime.NumCPU()))
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb)
		parts = append(parts, fmt.Sprintf("%.1f GB RAM", float64(kb)/(1<<20)))
	}
	if b, err := exec.Command("go", "version").Output(); err == nil {
		parts = append(parts, strings.TrimPrefix(strings.TrimSpace(string(b)), "go version "))
	}
	return strings.Join(parts, ", ")
}

func commit() string {
	b, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "?"
	}
	c := strings.TrimSpace(string(b))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		c += " (with uncommitted changes)"
	}
	return c
}

func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ") }

// render writes the markdown page.
func render(records []record, start time.Time, load0 string) string {
	var b strings.Builder
	pass, fail, known := 0, 0, 0
	for _, r := range records {
		if r.Pass {
			pass++
		} else {
			fail++
			if r.Issue != "" {
				known++
			}
		}
	}
	fmt.Fprintf(&b, "# Reliability figures\n\n")
	fmt.Fprintf(&b, "Generated by `make reliability` (`go run ./reliability/cmd/reliability`); do not edit by hand.\n")
	fmt.Fprintf(&b, "The checks are in [reliability/](../reliability/) (package comment: what runs where).\n\n")
	fmt.Fprintf(&b, "- Run: %s UTC, %v, commit %s\n", start.UTC().Format("2006-01-02 15:04"), time.Since(start).Round(time.Second), commit())
	fmt.Fprintf(&b, "- Machine: %s\n", machine())
	fmt.Fprintf(&b, "- Load average at the start and the end: %s; %s\n", load0, loadavg())
	fmt.Fprintf(&b, "- Result: **%d checks, %d pass, %d fail**", len(records), pass, fail)
	if known > 0 {
		fmt.Fprintf(&b, " (%d of the failures in checks that guard defects of issue 11)", known)
	}
	fmt.Fprintf(&b, "\n\n")
	fmt.Fprintf(&b, "Goroutines, descriptors and heap are measured before each check and after it (after up to 5 s of settling and a garbage collection); a check fails if any stays above its baseline. Every check runs in a process of its own with a deadline: a hang is reported as a failure.\n\n")
	fmt.Fprintf(&b, "| # | check | what was done | figures | goroutines | fds | heap MB | time | result |\n|---|---|---|---|---|---|---|---|---|\n")
	for i, r := range records {
		name := "`" + r.Check + "`"
		if r.Race {
			name += " (race)"
		}
		if r.Issue != "" {
			name += " (issue " + r.Issue + ")"
		}
		res := "pass"
		if !r.Pass {
			res = "**FAIL**"
		}
		g, f, h := "", "", ""
		if r.Kind != "fuzz" && r.Title != "(no record)" {
			g = fmt.Sprintf("%d → %d", r.Goroutines[0], r.Goroutines[1])
			f = fmt.Sprintf("%d → %d", r.FDs[0], r.FDs[1])
			if r.HeapMB[1] >= 0 {
				h = fmt.Sprintf("%.1f → %.1f", r.HeapMB[0], r.HeapMB[1])
			} else {
				h = fmt.Sprintf("%.1f → ?", r.HeapMB[0])
			}
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s | %.1f s | %s |\n", i+1, name, cell(r.Title),
			cell(strings.Join(r.Figures, "; ")), g, f, h, r.Seconds, res)
	}
	if fail > 0 {
		fmt.Fprintf(&b, "\n## Failures\n\n")
		for _, r := range records {
			if r.Pass {
				continue
			}
			name := r.Check
			if r.Race {
				name += " (race)"
			}
			if r.Issue != "" {
				name += " (issue " + r.Issue + ")"
			}
			fmt.Fprintf(&b, "- `%s` (seed %d):\n", name, r.Seed)
			for _, f := range r.Failures {
				fmt.Fprintf(&b, "  - %s\n", oneLine(f, 600))
			}
		}
	}
	fmt.Fprintf(&b, "\n## Rerun\n\n")
	fmt.Fprintf(&b, "- Everything: `make reliability` (%v of fuzzing per target; `go run ./reliability/cmd/reliability -fuzztime 1m` for more).\n", *fuzzTime)
	fmt.Fprintf(&b, "- One check with full counts: `GEVENT_RELIABILITY=1 go test -run '^TestKillStorm$' -v ./reliability/`; add `GEVENT_RELIABILITY_SEED=<seed>` to replay its random choices.\n")
	fmt.Fprintf(&b, "- The quick slice (reduced counts) runs in `make test`: `go test ./reliability/`.\n")
	return b.String()
}
