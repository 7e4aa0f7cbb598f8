package httpclient_test

import (
	"bufio"
	"fmt"
	"io"
	"iter"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpclient"
	"github.com/gevent-go/gevent/pool"
)

// osThreads returns the number of OS threads of this process.
func osThreads(t *testing.T) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	t.Skip("no Threads line")
	return 0
}

// 1,000 requests in flight at once on one hub: the server answers only when
// all of them have arrived (so they overlap), a ticker greenlet keeps
// ticking meanwhile, and no thread is added per request.
func TestThousandConcurrent(t *testing.T) {
	const n = 1000
	var arrived atomic.Int64
	all := make(chan struct{})
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if arrived.Add(1) == n {
			close(all)
		}
		select {
		case <-all:
			// All in flight: hold them a while, for the ticker.
			time.Sleep(300 * time.Millisecond)
			io.WriteString(w, "together")
		case <-time.After(20 * time.Second):
			io.WriteString(w, "alone")
		}
	})
	before := osThreads(t)
	run(t, func() error {
		tr := httpclient.NewTransport()
		c := &http.Client{Transport: tr}
		var done bool
		ticks, peak := 0, before
		ticker := gevent.Go(func() {
			for !done {
				if gevent.Sleep(2*time.Millisecond) != nil {
					return
				}
				ticks++
				peak = max(peak, osThreads(t))
			}
		})
		start := time.Now()
		gs := make([]*gevent.Greenlet[string], n)
		for i := range gs {
			gs[i] = gevent.Spawn(func() (string, error) {
				b, _, err := get(c, srv.URL)
				return b, err
			})
		}
		gevent.JoinAll(gs)
		el := time.Since(start)
		done = true
		ticker.Join()
		bad := 0
		for _, g := range gs {
			if g.Value() != "together" {
				if bad++; bad < 5 {
					t.Errorf("request: %q %v", g.Value(), g.Err())
				}
			}
		}
		// Ticks: the hub kept running greenlets while 1,000 requests
		// waited, for 300 ms at least (a loose bound: 2 ms ticks, at
		// least one per 15 ms of that).
		if ticks < 20 {
			t.Errorf("ticker ticked %d times in %v", ticks, el)
		}
		// The Go server in this process and the runtime may add a few
		// threads; a thread per request (or a pool of them) would add
		// far more.
		if peak-before > 12 {
			t.Errorf("OS threads went from %d to %d", before, peak)
		}
		t.Logf("%d requests in %v; ticks %d; threads %d -> peak %d", n, el, ticks, before, peak)
		tr.CloseIdleConnections()
		return nil
	})
}

// The fetcher of seed 000 ("opening three websites" concurrently after
// monkey patching), with a Pool and IMapUnordered.
func TestFetcherPoolIMapUnordered(t *testing.T) {
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<html>%s</html>", r.URL.Path)
	})
	run(t, func() error {
		c := httpclient.NewClient()
		urls := []string{srv.URL + "/baidu", srv.URL + "/gevent", srv.URL + "/python"}
		p := mustPool(t, 2)
		got := map[string]int{}
		for r, err := range poolFetch(p, c, urls) {
			if err != nil {
				return err
			}
			got[r.url] = r.size
		}
		for _, u := range urls {
			if got[u] != len("<html></html>")+len(u)-len(srv.URL) {
				t.Errorf("%s: %d bytes", u, got[u])
			}
		}
		return nil
	})
}

func mustPool(t *testing.T, n int) *pool.Pool { return pool.MustPool(n) }

type fetched struct {
	url  string
	size int
}

func poolFetch(p *pool.Pool, c *http.Client, urls []string) iter.Seq2[fetched, error] {
	return pool.IMapUnordered(p, func(u string) (fetched, error) {
		resp, err := c.Get(u)
		if err != nil {
			return fetched{}, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return fetched{u, len(b)}, err
	}, slices.Values(urls))
}
