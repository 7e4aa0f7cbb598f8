package main

import (
	"os"
	"testing"
	"time"
)

// A report of wrk 4.1 (Debian), with the lines the harness reads.
const wrkReport = `Running 5s test @ http://127.0.0.1:18562/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     7.31ms   11.18ms  75.61ms   88.86%
    Req/Sec     9.60k     4.87k   16.32k    50.00%
  Latency Distribution
     50%  318.00us
     75%    6.03ms
     90%   19.96ms
     99%    1.37s
  9691 requests in 1.02s, 1.24MB read
  Socket errors: connect 0, read 7165, write 0, timeout 0
  Non-2xx or 3xx responses: 3
Requests/sec:   9478.28
Transfer/sec:      1.21MB
`

func TestParseWrk(t *testing.T) {
	r := parseWrk(wrkReport)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.rate != 9478.28 || r.reqs != 9691 {
		t.Errorf("rate %v reqs %d, want 9478.28 9691", r.rate, r.reqs)
	}
	if r.p50 != 318*time.Microsecond || r.p99 != 1370*time.Millisecond {
		t.Errorf("p50 %v p99 %v, want 318µs 1.37s", r.p50, r.p99)
	}
	want := "Socket errors: connect 0, read 7165, write 0, timeout 0; Non-2xx or 3xx responses: 3"
	if r.errors != want {
		t.Errorf("errors %q, want %q", r.errors, want)
	}
	if r := parseWrk("unable to connect to 127.0.0.1:1 Connection refused\n"); r.err == nil {
		t.Error("a report without Requests/sec parsed without error")
	}
}

func TestProcCPU(t *testing.T) {
	start := procCPU(os.Getpid())
	for t0 := time.Now(); cpuTime() < 50*time.Millisecond && time.Since(t0) < 10*time.Second; {
	}
	if got := procCPU(os.Getpid()); got < 30*time.Millisecond || got < start {
		t.Errorf("procCPU after >= 50 ms of CPU (getrusage: %v) = %v (before: %v)", cpuTime(), got, start)
	}
}
