package httpserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// sideBySideHandler is testdata/pywsgi_app.py's application.
func sideBySideHandler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/":
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "hello ")
		io.WriteString(w, "world")
	case "/echo":
		b, err := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		if err != nil {
			w.WriteHeader(400)
			io.WriteString(w, "read error")
			return
		}
		io.WriteString(w, r.Method+" "+string(b))
	default:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(404)
		io.WriteString(w, "not found")
	}
}

func startPywsgi(t *testing.T) string {
	t.Helper()
	if err := exec.Command("/usr/bin/python3", "-c", "import gevent").Run(); err != nil {
		t.Skip("real gevent not installed (scripts/deps.sh installs python3-gevent)")
	}
	cmd := exec.Command("/usr/bin/python3", "testdata/pywsgi_app.py")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	port, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return "127.0.0.1:" + strings.TrimSpace(port)
}

// exchange sends req and returns the responses' "status body" (body only
// when compareBody), up to n of them, and whether the server then closed.
func exchange(t *testing.T, addr, req string, n int, compareBody bool) []string {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, req)
	br := bufio.NewReader(c)
	var out []string
	for i := 0; i < n; i++ {
		resp, err := http.ReadResponse(br, &http.Request{Method: strings.Fields(req)[0]})
		if err != nil {
			out = append(out, "closed")
			break
		}
		b, _ := io.ReadAll(resp.Body)
		if compareBody {
			out = append(out, fmt.Sprintf("%d %q", resp.StatusCode, b))
		} else {
			out = append(out, fmt.Sprint(resp.StatusCode))
		}
	}
	return out
}

// TestSideBySidePywsgi sends the same bytes to real pywsgi and to this
// server and compares the statuses (and bodies where both are the
// application's), as gevent's test__pywsgi.py cases do.
func TestSideBySidePywsgi(t *testing.T) {
	py := startPywsgi(t)
	ts := start(t, &Server{Handler: http.HandlerFunc(sideBySideHandler), MaxHeaderBytes: 8192})
	get := "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
	cases := []struct {
		name, req string
		n         int
		body      bool
	}{
		{"basic and 404 keep-alive", get + "GET /notexist HTTP/1.1\r\nHost: localhost\r\n\r\n" + get, 3, true},
		{"connection close", "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" + get, 2, true},
		{"http 1.0", "GET / HTTP/1.0\r\n\r\n" + get, 2, true},
		{"head", "HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n", 1, false},
		{"post content-length", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello" + get, 2, true},
		{"post chunked", "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n2\r\noh\r\n4\r\n hai\r\n0\r\n\r\n" + get, 2, true},
		// After a bad chunk pywsgi reads what follows as a new request (and
		// answers it 400 again); this server closes the connection, as a
		// body it could not frame leaves no request boundary to trust. So
		// only the first answer is compared.
		{"bad chunk size", "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 1, false},
		{"chunk longer than size", "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n2\r\noh4\r\n hai\r\n0\r\n\r\n", 1, false},
		{"expect continue", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi", 2, true},
		{"bad request line", "GET\r\n\r\n", 1, false},
		{"long uri", "GET /" + strings.Repeat("path/", 3000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n", 1, false},
		{"bad content-length", "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n", 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := exchange(t, py, tc.req, tc.n, tc.body)
			got := exchange(t, ts.addr, tc.req, tc.n, tc.body)
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("ours %q, pywsgi %q", got, want)
			}
		})
	}
}
