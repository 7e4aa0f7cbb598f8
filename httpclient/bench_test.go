package httpclient_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpclient"
)

// TestMain lets the test binary serve as the benchmark's hello-world
// server in a process of its own (HTTPCLIENT_HELLO_SERVER=1).
func TestMain(m *testing.M) {
	if n, _ := strconv.Atoi(os.Getenv("HTTPCLIENT_HOLD_SERVER")); n > 0 {
		holdServer(n)
		return
	}
	if os.Getenv("HTTPCLIENT_HELLO_SERVER") == "1" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		fmt.Println(ln.Addr())
		http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "Hello, World!")
		}))
		return
	}
	os.Exit(m.Run())
}

// helloServer starts the hello-world server process and returns its URL.
func helloServer(b *testing.B) string {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "HTTPCLIENT_HELLO_SERVER=1")
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	return "http://" + strings.TrimSpace(line) + "/"
}

const workers = 50

// holdServer answers nothing until n requests have arrived and a line is
// read on stdin; it prints its address, then "arrived" once all are in.
func holdServer(n int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println(ln.Addr())
	var count atomic.Int64
	release := make(chan struct{})
	go func() {
		bufio.NewReader(os.Stdin).ReadString('\n')
		close(release)
	}()
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if count.Add(1) == int64(n) {
			fmt.Println("arrived")
		}
		<-release
		io.WriteString(w, "Hello, World!")
	}))
}

// BenchmarkInFlight10k puts 10,000 requests in flight on one hub (the
// server, another process, answers once all have arrived) and reports the
// client's memory per request in flight: heap plus greenlet stacks.
// Run with -benchtime 1x.
func BenchmarkInFlight10k(b *testing.B) {
	const n = 10000
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "HTTPCLIENT_HOLD_SERVER="+strconv.Itoa(n))
	out, _ := cmd.StdoutPipe()
	in, _ := cmd.StdinPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	br := bufio.NewReader(out)
	line, _ := br.ReadString('\n')
	u := "http://" + strings.TrimSpace(line) + "/"
	var arrived atomic.Bool
	go func() {
		if l, _ := br.ReadString('\n'); strings.TrimSpace(l) == "arrived" {
			arrived.Store(true)
		}
	}()
	for range b.N {
		gevent.Run(func() error {
			tr := httpclient.NewTransport()
			c := &http.Client{Transport: tr}
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			gs := make([]*gevent.Greenlet[struct{}], n)
			for i := range gs {
				gs[i] = gevent.Go(func() {
					if err := fetchOnce(c, u); err != nil {
						b.Error(err)
					}
				})
			}
			for !arrived.Load() {
				gevent.Sleep(10 * time.Millisecond)
			}
			runtime.GC()
			runtime.ReadMemStats(&m1)
			in.Write([]byte("go\n"))
			gevent.JoinAll(gs)
			per := float64(m1.HeapInuse+m1.StackInuse-m0.HeapInuse-m0.StackInuse) / n
			b.ReportMetric(per, "B/request-in-flight")
			b.ReportMetric(float64(m1.StackInuse-m0.StackInuse)/n, "stack-B/request")
			tr.CloseIdleConnections()
			return nil
		})
	}
}

// cpuTime returns the user+system CPU time of this process (the client:
// the server is another process), a steadier figure than wall time on a
// loaded machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func report(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e3, "cpu-µs/req")
}

func fetchOnce(c *http.Client, u string) error {
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err
}

// BenchmarkFetch50 compares 50 greenlets fetching with keep-alive through
// httpclient against 50 goroutines through net/http's client (run it with
// GOMAXPROCS=1 for the comparison). The server is another process.
func BenchmarkFetch50(b *testing.B) {
	u := helloServer(b)
	b.Run("httpclient-greenlets", func(b *testing.B) {
		gevent.Run(func() error {
			tr := httpclient.NewTransport()
			tr.MaxIdleConnsPerHost = workers
			c := &http.Client{Transport: tr}
			fetchOnce(c, u)
			left := b.N
			cpu0 := cpuTime()
			b.ResetTimer()
			gs := make([]*gevent.Greenlet[struct{}], workers)
			for i := range gs {
				gs[i] = gevent.Go(func() {
					for left > 0 {
						left--
						if err := fetchOnce(c, u); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			gevent.JoinAll(gs)
			b.StopTimer()
			report(b, cpu0)
			tr.CloseIdleConnections()
			return nil
		})
	})
	b.Run("nethttp-goroutines", func(b *testing.B) {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = workers
		c := &http.Client{Transport: tr}
		fetchOnce(c, u)
		var mu sync.Mutex
		left := b.N
		cpu0 := cpuTime()
		b.ResetTimer()
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for {
					mu.Lock()
					if left <= 0 {
						mu.Unlock()
						return
					}
					left--
					mu.Unlock()
					if err := fetchOnce(c, u); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		report(b, cpu0)
		tr.CloseIdleConnections()
	})
}
