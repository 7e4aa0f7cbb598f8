package httpclient_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpclient"
)

const python = "/usr/bin/python3"

// startPython runs a Python server and returns the port it prints on its
// first line of output (matched by re, whose first group is the port).
func startPython(t *testing.T, re string, args ...string) string {
	if _, err := os.Stat(python); err != nil {
		t.Skip("no " + python)
	}
	cmd := exec.Command(python, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	select {
	case l := <-lines:
		m := regexp.MustCompile(re).FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("python printed %q", l)
		}
		return m[1]
	case <-time.After(20 * time.Second):
		t.Fatal("python server did not start")
	}
	return ""
}

const pywsgiApp = `
from gevent import monkey; monkey.patch_all()
from gevent.pywsgi import WSGIServer

def app(env, start):
    path = env['PATH_INFO']
    if path == '/chunked':
        start('200 OK', [('Content-Type', 'text/plain')])
        return [b'chunk-%d;' % i for i in range(5)]
    if path == '/sleep':
        import gevent; gevent.sleep(0.05)
    body = env['wsgi.input'].read()
    data = ('%s %s %d %s' % (env['REQUEST_METHOD'], path, len(body), env.get('HTTP_COOKIE', '-'))).encode()
    headers = [('Content-Length', str(len(data)))]
    if path == '/cookie':
        headers.append(('Set-Cookie', 'k=v; Path=/'))
    start('200 OK', headers)
    return [data]

srv = WSGIServer(('127.0.0.1', 0), app, log=None)
srv.start()
print(srv.server_port, flush=True)
srv.serve_forever()
`

// Real gevent's pywsgi as the peer: keep-alive, chunked responses, chunked
// request bodies, concurrent requests.
func TestPywsgiPeer(t *testing.T) {
	port := startPython(t, `^(\d+)$`, "-c", pywsgiApp)
	base := "http://127.0.0.1:" + port
	run(t, func() error {
		tr := httpclient.NewTransport()
		tr.MaxIdleConnsPerHost = 20
		c := &http.Client{Transport: tr}
		b, err := fetch(c, base+"/chunked")
		if err != nil || b != "chunk-0;chunk-1;chunk-2;chunk-3;chunk-4;" {
			t.Errorf("chunked: %q %v", b, err)
		}
		resp, err := c.Post(base+"/post", "text/plain", io.MultiReader(strings.NewReader(strings.Repeat("p", 70000))))
		if err != nil {
			return err
		}
		rb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(rb) != "POST /post 70000 -" {
			t.Errorf("chunked request body: %q", rb)
		}
		gs := make([]*gevent.Greenlet[string], 20)
		start := time.Now()
		for i := range gs {
			gs[i] = gevent.Spawn(func() (string, error) { return fetch(c, fmt.Sprint(base, "/sleep")) })
		}
		gevent.JoinAll(gs)
		for _, g := range gs {
			if g.Value() != "GET /sleep 0 -" {
				t.Errorf("concurrent: %q %v", g.Value(), g.Err())
			}
		}
		// 20 requests of 50 ms each, overlapped (generous bound).
		if el := time.Since(start); el > 900*time.Millisecond {
			t.Errorf("20 concurrent 50 ms requests took %v", el)
		}
		tr.CloseIdleConnections()
		return nil
	})
}

// Python's http.server (HTTP/1.0, one request per connection) as the peer.
func TestPythonHTTPServerPeer(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello from python\n"), 0o644)
	big := strings.Repeat("0123456789", 50000)
	os.WriteFile(filepath.Join(dir, "big.txt"), []byte(big), 0o644)
	port := startPython(t, `port (\d+)`, "-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", dir, "0")
	base := "http://127.0.0.1:" + port
	run(t, func() error {
		tr := httpclient.NewTransport()
		c := &http.Client{Transport: tr}
		for range 3 {
			b, err := fetch(c, base+"/hello.txt")
			if err != nil || b != "hello from python\n" {
				t.Errorf("hello: %q %v", b, err)
			}
		}
		b, err := fetch(c, base+"/big.txt")
		if err != nil || b != big {
			t.Errorf("big: %d bytes %v", len(b), err)
		}
		resp, err := c.Get(base + "/missing")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("missing: %d", resp.StatusCode)
		}
		// Concurrent requests.
		gs := make([]*gevent.Greenlet[string], 10)
		for i := range gs {
			gs[i] = gevent.Spawn(func() (string, error) { return fetch(c, base+"/hello.txt") })
		}
		gevent.JoinAll(gs)
		for _, g := range gs {
			if g.Value() != "hello from python\n" {
				t.Errorf("concurrent: %q %v", g.Value(), g.Err())
			}
		}
		tr.CloseIdleConnections()
		return nil
	})
}
