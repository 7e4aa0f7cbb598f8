package httpclient_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/gevent-go/gevent/httpclient"
	"github.com/gevent-go/gevent/internal/testcert"
)

// testProxy is a forward proxy: absolute-form requests are forwarded,
// CONNECT opens a tunnel. It records what it saw.
type testProxy struct {
	mu   sync.Mutex
	seen []string
}

func (p *testProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.seen = append(p.seen, fmt.Sprintf("%s %s auth=%q", r.Method, r.RequestURI, r.Header.Get("Proxy-Authorization")))
	p.mu.Unlock()
	if r.Method == "CONNECT" {
		up, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		c, brw, _ := w.(http.Hijacker).Hijack()
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
		go func() { io.Copy(up, brw); up.Close() }()
		io.Copy(c, up)
		c.Close()
		return
	}
	r.RequestURI = ""
	r.Header.Del("Proxy-Authorization")
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		http.Error(w, err.Error(), 502)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("X-Proxied", "yes")
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

func TestProxy(t *testing.T) {
	target, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "target %s", r.URL.Path)
	})
	tlsTarget := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "tls target %s", r.URL.Path)
	}))
	tlsTarget.TLS = testcert.Config()
	tlsTarget.StartTLS()
	defer tlsTarget.Close()
	p := &testProxy{}
	proxy := httptest.NewServer(p)
	defer proxy.Close()
	pu, _ := url.Parse(proxy.URL)
	pu.User = url.UserPassword("user", "pw")
	run(t, func() error {
		tr := httpclient.NewTransport()
		tr.Proxy = http.ProxyURL(pu)
		tr.TLSClientConfig = &tls.Config{RootCAs: testcert.Config().RootCAs}
		c := &http.Client{Transport: tr}
		for range 2 {
			b, resp, err := get(c, target.URL+"/plain")
			if err != nil {
				return err
			}
			if b != "target /plain" || resp.Header.Get("X-Proxied") != "yes" {
				t.Errorf("http through the proxy: %q %v", b, resp.Header)
			}
			b, _, err = get(c, tlsTarget.URL+"/secret")
			if err != nil {
				return err
			}
			if b != "tls target /secret" {
				t.Errorf("https through CONNECT: %q", b)
			}
		}
		tr.CloseIdleConnections()
		return nil
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	tu, _ := url.Parse(tlsTarget.URL)
	auth := `auth="Basic dXNlcjpwdw=="`
	want := []string{
		"GET " + target.URL + "/plain " + auth,
		"CONNECT " + tu.Host + " " + auth,
		"GET " + target.URL + "/plain " + auth, // the tunnel is reused: no second CONNECT
	}
	if fmt.Sprint(p.seen) != fmt.Sprint(want) {
		t.Errorf("proxy saw\n%q\nwant\n%q", p.seen, want)
	}
}
