package httpserver_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/httpclient"
	"github.com/gevent-go/gevent/httpserver"
)

// httputil.ReverseProxy served by this package, forwarding with
// httpclient's cooperative Transport: the proxy's handler, the backend's
// and the client all run as greenlets of one hub.
func Example_reverseProxy() {
	gevent.Run(func() error {
		backend := &httpserver.Server{Addr: "127.0.0.1:0", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			gevent.Sleep(0) // any cooperative call
			fmt.Fprintf(w, "backend got %s %s (X-Proxy: %s)", r.Method, r.URL.Path, r.Header.Get("X-Proxy"))
		})}
		if err := backend.Start(); err != nil {
			return err
		}
		defer backend.Stop()
		target := &url.URL{Scheme: "http", Host: backend.ListenAddr().String()}

		proxy := &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.SetXForwarded()
				pr.Out.Header.Set("X-Proxy", "gevent")
			},
			Transport: httpclient.NewTransport(),
		}
		front := &httpserver.Server{Addr: "127.0.0.1:0", Handler: proxy}
		if err := front.Start(); err != nil {
			return err
		}
		defer front.Stop()

		resp, err := httpclient.NewClient().Get("http://" + front.ListenAddr().String() + "/hello")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		fmt.Println(resp.Status)
		fmt.Println(string(b))
		return nil
	})
	// Output:
	// 200 OK
	// backend got GET /hello (X-Proxy: gevent)
}
