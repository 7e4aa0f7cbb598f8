package httpserver_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpserver"
	"github.com/gevent-go/gevent/local"
	"github.com/gevent-go/gevent/socket"
)

// Seeds 001 and 002's WSGI program: the request is kept in greenlet-local
// storage (gevent's local(), set by a session manager for the duration of
// the request) and read back through a proxy by code that is not handed
// the request. Each request runs in its connection's greenlet, so
// concurrent requests never see each other's.
var requests local.Local[*http.Request]

// request is the seed's LocalProxy(lambda: _requests.request).
func request() *http.Request {
	r, _ := requests.Get()
	return r
}

// sessionManager is the seed's sessionmanager(environ) context manager.
func sessionManager(r *http.Request, body func()) {
	requests.Set(r)
	defer requests.Set(nil)
	body()
}

// logic is the seed's logic(): "Hello " + request.remote_addr.
func logic() string {
	host, _, _ := net.SplitHostPort(request().RemoteAddr)
	return "Hello " + host
}

func application(w http.ResponseWriter, r *http.Request) {
	var body string
	sessionManager(r, func() { body = logic() })
	w.Header().Set("Content-Type", "text/html")
	io.WriteString(w, body)
}

func Example_greenletLocalRequest() {
	gevent.Run(func() error {
		// The seed's WSGIServer(('', 8000), application).serve_forever(),
		// on a free loopback port.
		s := &httpserver.Server{Addr: "127.0.0.1:0", Handler: http.HandlerFunc(application)}
		if err := s.Start(); err != nil {
			return err
		}
		defer s.Stop()
		// A client in another greenlet of the same hub, with a
		// cooperative socket.
		c, err := socket.Dial("tcp", s.ListenAddr().String())
		if err != nil {
			return err
		}
		defer c.Close()
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
		fmt.Println(string(b))
		return nil
	})
	// Output:
	// 200 OK text/html
	// Hello 127.0.0.1
}

// The hello world, in main (whose goroutine is the default hub's main
// greenlet); it serves until the program stops. (Not run: no output.)
func ExampleListenAndServe() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "Hello, World!\n")
	})
	httpserver.ListenAndServe(":8080", nil)
}
