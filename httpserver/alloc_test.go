//go:build !race

package httpserver

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// helloAllocs is the most a keep-alive hello world request may allocate,
// in the server and its handler together (net/http: 19). 12 today:
// http.ReadRequest 6 (the Request, its request line, URL, header map, its
// values and an entry), the handler 3 (its header's first entry and value,
// the []byte it writes), the server 3 (the response, its header map, the
// Request copy of WithContext).
const helloAllocs = 12

// TestAllocsPerRequest counts the allocations of a keep-alive request
// (the client here allocates nothing): the figure that decides most of
// the server's speed next to net/http (malloc and GC assists).
func TestAllocsPerRequest(t *testing.T) {
	ts := start(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("Hello, World!"))
	})})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	req := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	buf := make([]byte, 4096)
	// The first response gives the length of all (Date has a fixed width).
	c.Write(req)
	n := 0
	for {
		m, err := c.Read(buf[n:])
		if err != nil {
			t.Fatal(err)
		}
		n += m
		if i := bytes.Index(buf[:n], []byte("\r\n\r\n")); i >= 0 {
			j := bytes.Index(buf[:i], []byte("Content-Length: "))
			k := bytes.IndexByte(buf[j:], '\r')
			cl, _ := strconv.Atoi(string(buf[j+16 : j+k]))
			if n == i+4+cl {
				break
			}
		}
	}
	size := n
	var failed error
	allocs := testing.AllocsPerRun(2000, func() {
		if _, err := c.Write(req); err != nil && failed == nil {
			failed = err
		}
		if _, err := io.ReadFull(c, buf[:size]); err != nil && failed == nil {
			failed = err
		}
	})
	if failed != nil {
		t.Fatal(failed)
	}
	if !bytes.HasSuffix(buf[:size], []byte("\r\n\r\nHello, World!")) {
		t.Fatalf("response %q", buf[:size])
	}
	t.Logf("%.1f allocations per request", allocs)
	if allocs > helloAllocs {
		t.Errorf("%.1f allocations per request, want at most %d", allocs, helloAllocs)
	}
}
