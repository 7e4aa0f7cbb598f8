package httpserver

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

// curl: keep-alive over several URLs (one connection), a chunked upload,
// HEAD, and HTTP/1.0.
func TestCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	ts := start(t, &Server{Handler: http.HandlerFunc(echoHandler)})
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(curl, append([]string{"-sS", "--max-time", "10"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	// -w: one line per transfer; num_connects is 0 when curl reused the connection.
	got := run("-w", "|%{http_code} %{num_connects}\n", ts.url("/a"), ts.url("/b"), ts.url("/c"))
	if got != "GET /a |200 1\nGET /b |200 0\nGET /c |200 0\n" {
		t.Fatalf("keep-alive: %q", got)
	}
	cmd := exec.Command(curl, "-sS", "--max-time", "10", "-H", "Transfer-Encoding: chunked", "--data-binary", "@-", ts.url("/up"))
	cmd.Stdin = strings.NewReader(strings.Repeat("z", 100000))
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "POST /up "+strings.Repeat("z", 100000) {
		t.Fatalf("chunked upload: %v %.100q", err, out)
	}
	if got := run("-I", ts.url("/h")); !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") || !strings.Contains(got, "Content-Length: 8\r\n") {
		t.Fatalf("HEAD: %q", got)
	}
	if got := run("-0", ts.url("/old")); got != "GET /old " {
		t.Fatalf("HTTP/1.0: %q", got)
	}
}

// Python's http.client (the standard library's) against this server.
func TestPythonHTTPClient(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(echoHandler)})
	script := `
import http.client, sys
c = http.client.HTTPConnection(sys.argv[1], timeout=10)
for path in ("/x", "/y"):
    c.request("GET", path)
    r = c.getresponse()
    print(r.status, r.read().decode())
c.request("POST", "/p", body=b"data", headers={"Content-Type": "text/plain"})
r = c.getresponse()
print(r.status, r.read().decode())
c.request("POST", "/chunked", body=iter([b"ab", b"cd"]), encode_chunked=True)
r = c.getresponse()
print(r.status, r.read().decode())
`
	out, err := exec.Command("/usr/bin/python3", "-c", script, ts.addr).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if string(out) != "200 GET /x \n200 GET /y \n200 POST /p data\n200 POST /chunked abcd\n" {
		t.Fatalf("got %q", out)
	}
}
