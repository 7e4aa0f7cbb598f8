// Package webtest runs an httpserver on a hub of its own for the tests of
// the web examples, and drives a headless Debian chromium through
// chromedp.
package webtest

import (
	"context"
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpserver"
)

// Screenshots, set by `go test ... -args -screenshots`, makes Screenshot
// write docs/NAME.png (the README's pictures); unset, nothing is written.
var Screenshots = flag.Bool("screenshots", false, "write the browser tests' screenshots under docs/")

// Server is an httpserver serving on a free loopback port in a hub of its
// own goroutine; clients run in the test's goroutine.
type Server struct {
	S    *httpserver.Server
	Hub  *gevent.Hub
	Addr string
	done chan error
}

// Start runs setup in the main greenlet of a new hub (it may spawn
// producer greenlets) and serves the handler it returns until the end of
// the test.
func Start(t testing.TB, setup func() (http.Handler, error)) *Server {
	t.Helper()
	ts := &Server{done: make(chan error, 1)}
	ready := make(chan error, 1)
	go func() {
		ts.done <- gevent.Run(func() error {
			ts.Hub = gevent.GetHub()
			h, err := setup()
			if err != nil {
				ready <- err
				return err
			}
			ts.S = &httpserver.Server{Addr: "127.0.0.1:0", Handler: h}
			if err := ts.S.Start(); err != nil {
				ready <- err
				return err
			}
			ts.Addr = ts.S.ListenAddr().String()
			ready <- nil
			return ts.S.ServeForever()
		})
	}()
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ts.Hub.Submit(func() error { return ts.S.Stop(2 * time.Second) })
		select {
		case <-ts.done:
		case <-time.After(30 * time.Second):
			t.Error("server did not stop")
		}
	})
	return ts
}

// URL returns http://ADDR+path.
func (ts *Server) URL(path string) string { return "http://" + ts.Addr + path }

// Do runs fn in a new greenlet of the server's hub and returns its error.
func (ts *Server) Do(fn func() error) error {
	g := ts.Hub.Submit(fn)
	<-g.Done()
	return g.Err()
}

// Chromium finds the Debian chromium binary. Missing, the test is skipped,
// except under CI=true, where it fails (scripts/deps.sh installs it).
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (CI=true): run scripts/deps.sh")
	}
	t.Skip("chromium is not installed (scripts/deps.sh installs it)")
	return ""
}

// Browser starts a headless chromium for the test and returns its
// allocator context; each chromedp.NewContext(ctx) on it is a tab.
func Browser(t testing.TB) context.Context {
	t.Helper()
	bin := Chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox,
		chromedp.Flag("headless", "new"),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(900, 600),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(func() { acancel(); cancel() })
	return actx
}

// Screenshot writes buf to docs/NAME.png at the module root when the
// -screenshots flag is set.
func Screenshot(t testing.TB, name string, buf []byte) {
	t.Helper()
	if !*Screenshots {
		return
	}
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", "docs", name+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", p)
}
