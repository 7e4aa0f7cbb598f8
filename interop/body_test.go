package interop_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/interop"
)

// pattern returns n bytes that differ from one offset to the next, so a
// lost or repeated chunk shows.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// sizedServer answers /N with N bytes of pattern, with a Content-Length.
func sizedServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Path[1:])
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(pattern(n))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestHTTPClientBodySizes is the regression test for issue 12.1: the
// round trip's context was cancelled when RoundTrip returned, so a body
// larger than what the transport had buffered (~4 KB) failed with
// "context canceled" after the first chunk.
func TestHTTPClientBodySizes(t *testing.T) {
	// Not parallel: heavy on CPU, it would slow the timing tests beside it.
	srv := sizedServer(t)
	client := interop.HTTPClient()
	run(t, func() error {
		for _, n := range []int{0, 1, 4 << 10, 64 << 10, 1 << 20, 10 << 20} {
			resp, err := client.Get(fmt.Sprintf("%s/%d", srv.URL, n))
			if err != nil {
				t.Fatalf("%d bytes: %v", n, err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Errorf("%d bytes: read %d, then %v", n, len(b), err)
				continue
			}
			if !bytes.Equal(b, pattern(n)) {
				t.Errorf("%d bytes: got %d bytes, not the ones sent", n, len(b))
			}
		}
		return nil
	})
}

// TestHTTPClientStreamedBody: a chunked body written and flushed over
// time (20 chunks of 8 KB, 10 ms apart) is read whole, and the hub runs
// other greenlets between the chunks.
func TestHTTPClientStreamedBody(t *testing.T) {
	t.Parallel()
	const chunks, size = 20, 8 << 10
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := pattern(chunks * size)
		for i := 0; i < chunks; i++ {
			w.Write(p[i*size : (i+1)*size])
			w.(http.Flusher).Flush()
			time.Sleep(10 * time.Millisecond)
		}
	}))
	defer srv.Close()
	run(t, func() error {
		ticks := 0
		tick := gevent.Go(func() {
			for gevent.Sleep(5*time.Millisecond) == nil {
				ticks++
			}
		})
		resp, err := interop.HTTPClient().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if resp.ContentLength != -1 || len(resp.TransferEncoding) == 0 {
			t.Errorf("not chunked: ContentLength %d, TransferEncoding %q", resp.ContentLength, resp.TransferEncoding)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		tick.Kill(nil, true)
		if err != nil {
			t.Fatalf("read %d bytes, then %v", len(b), err)
		}
		if !bytes.Equal(b, pattern(chunks*size)) {
			t.Errorf("got %d bytes, not the ones sent", len(b))
		}
		if ticks < 5 {
			t.Errorf("the ticker ran %d times while the body streamed in", ticks)
		}
		return nil
	})
}

// TestHTTPClient200Concurrent: 200 greenlets each fetch 64 KB at once; all
// bodies arrive whole.
func TestHTTPClient200Concurrent(t *testing.T) {
	// Not parallel: heavy on CPU, it would slow the timing tests beside it.
	const n, size = 200, 64 << 10
	srv := sizedServer(t)
	client := interop.HTTPClient()
	run(t, func() error {
		gs := make([]*gevent.Greenlet[int], n)
		for i := range gs {
			gs[i] = gevent.Spawn(func() (int, error) {
				resp, err := client.Get(fmt.Sprintf("%s/%d", srv.URL, size))
				if err != nil {
					return 0, err
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				if err == nil && !bytes.Equal(b, pattern(size)) {
					err = fmt.Errorf("got %d bytes, not the ones sent", len(b))
				}
				return len(b), err
			})
		}
		if _, err := gevent.JoinAll(gs, 60*time.Second); err != nil {
			t.Fatal(err)
		}
		failed := 0
		for i, g := range gs {
			if err := g.Err(); err != nil {
				if failed++; failed <= 3 {
					t.Errorf("greenlet %d: %v", i, err)
				}
			}
		}
		if failed > 0 {
			t.Errorf("%d of %d requests failed", failed, n)
		}
		return nil
	})
}

// TestHTTPClientDefaultConcurrency: the default client does not serialise
// a pool of greenlets behind the 10 threads of threadpool.Default(): 30
// requests of 200 ms at once overlap. With 10 at a time they take 600 ms
// or more; the bound is generous for a loaded machine.
func TestHTTPClientDefaultConcurrency(t *testing.T) {
	t.Parallel()
	const n, delay = 30, 200 * time.Millisecond
	var inflight, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := inflight.Add(1)
		for old := peak.Load(); c > old && !peak.CompareAndSwap(old, c); old = peak.Load() {
		}
		time.Sleep(delay)
		inflight.Add(-1)
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	}))
	defer srv.Close()
	el, _ := fetchAll(t, interop.HTTPClient(), srv.URL, n)
	t.Logf("%d requests of %v in %v, at most %d at once at the server", n, delay, el, peak.Load())
	if peak.Load() <= 10 {
		t.Errorf("at most %d requests at once: the client serialises them", peak.Load())
	}
	if el >= 3*delay {
		t.Errorf("%d requests of %v took %v: they did not overlap", n, delay, el)
	}
}

// TestHTTPClientBodyReadKilled: killing a greenlet that waits in a body
// Read returns at once and cancels the request: the server sees its
// context done, and the body, read again, fails rather than racing with
// the abandoned read.
func TestHTTPClientBodyReadKilled(t *testing.T) {
	t.Parallel()
	cancelled := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("first part"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		close(cancelled)
	}))
	defer srv.Close()
	run(t, func() error {
		resp, err := interop.HTTPClient().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		buf := make([]byte, 100)
		n, err := resp.Body.Read(buf)
		if err != nil || string(buf[:n]) != "first part" {
			t.Fatalf("first read: %q, %v", buf[:n], err)
		}
		var readErr error
		g := gevent.Go(func() { _, readErr = resp.Body.Read(buf) })
		gevent.Sleep(50 * time.Millisecond)
		start := time.Now()
		if err := g.Kill(nil, true, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("kill took %v", el)
		}
		if !errors.Is(readErr, gevent.ErrGreenletExit) {
			t.Errorf("killed read: %v", readErr)
		}
		if _, err := resp.Body.Read(buf); err == nil {
			t.Error("a read after the killed one succeeded")
		}
		// The kill itself cancels the request, before the body is closed.
		for end := time.Now().Add(5 * time.Second); ; gevent.Sleep(10 * time.Millisecond) {
			select {
			case <-cancelled:
				return nil
			default:
			}
			if time.Now().After(end) {
				t.Error("the server never saw the request cancelled before Close")
				return nil
			}
		}
	})
}

// TestHTTPClientTimeoutScope: a Timeout scope around a request whose
// server never answers ends the wait with the timeout error and cancels
// the request.
func TestHTTPClientTimeoutScope(t *testing.T) {
	t.Parallel()
	cancelled := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		close(cancelled)
	}))
	defer srv.Close()
	run(t, func() error {
		err := gevent.NewTimeout(100*time.Millisecond, nil).Run(func() error {
			_, err := interop.HTTPClient().Get(srv.URL)
			return err
		})
		if !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("Get under a 100ms Timeout: %v", err)
		}
		return nil
	})
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Error("the server never saw the request cancelled")
	}
}
