package reliability

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/interop"
)

// rawServer answers every connection with the bytes of answer, whatever the
// request, then closes it: a hostile or broken HTTP server on loopback.
type rawServer struct {
	l      net.Listener
	answer atomic.Pointer[[]byte]
}

var (
	rawOnce sync.Once
	raw     *rawServer
	rawErr  error
)

func rawHTTPServer() (*rawServer, error) {
	rawOnce.Do(func() {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			rawErr = err
			return
		}
		raw = &rawServer{l: l}
		go func() {
			for {
				conn, err := l.Accept()
				if err != nil {
					return
				}
				go func() {
					defer conn.Close()
					conn.SetDeadline(time.Now().Add(5 * time.Second))
					r := bufio.NewReader(conn)
					for { // the request's head
						line, err := r.ReadString('\n')
						if err != nil || line == "\r\n" {
							break
						}
					}
					conn.Write(*raw.answer.Load())
				}()
			}
		}()
	})
	return raw, rawErr
}

var errHung = errors.New("the request did not return within 5 s")

// FuzzHTTPClientResponse feeds arbitrary bytes, as an HTTP server's answer,
// to interop.HTTPClient used from a greenlet: the request returns (with a
// response or an error) within 5 s, the body reads to its end or an error,
// nothing panics, and the hub goes on (its Run returns).
func FuzzHTTPClientResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 301 Moved\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nuntil close",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 999 \r\nX: \x00\r\n\r\n",
		"garbage",
		"",
	} {
		f.Add([]byte(s))
	}
	srv, err := rawHTTPServer()
	if err != nil {
		f.Fatal(err)
	}
	url := "http://" + srv.l.Addr().String() + "/"
	f.Fuzz(func(t *testing.T, answer []byte) {
		srv.answer.Store(&answer)
		client := interop.HTTPClient()
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		var hung bool
		ran := within(30*time.Second, func() {
			err := gevent.Run(func() error {
				err := gevent.NewTimeout(5*time.Second, errHung).Run(func() error {
					resp, err := client.Get(url)
					if err != nil {
						return nil
					}
					defer resp.Body.Close()
					io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
					return nil
				})
				hung = errors.Is(err, errHung)
				return nil
			})
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		})
		if !ran {
			t.Fatalf("the hub did not end within 30 s for the answer %q", answer)
		}
		if hung {
			t.Fatalf("the request did not return within 5 s for the answer %q", answer)
		}
		client.CloseIdleConnections()
	})
}
