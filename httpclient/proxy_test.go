package httpclient_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
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
	for _, proxyTLS := range []bool{false, true} {
		t.Run(fmt.Sprint("proxy-tls=", proxyTLS), func(t *testing.T) {
			testProxyKind(t, target, tlsTarget, proxyTLS)
		})
	}
}

func testProxyKind(t *testing.T, target, tlsTarget *httptest.Server, proxyTLS bool) {
	p := &testProxy{}
	proxy := httptest.NewUnstartedServer(p)
	if proxyTLS {
		proxy.TLS = testcert.Config()
		proxy.StartTLS()
	} else {
		proxy.Start()
	}
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

// NewTransport takes its proxy from the environment (HTTP_PROXY; read once
// per process by net/http, hence a child process).
func TestEnvironmentProxy(t *testing.T) {
	if os.Getenv("HTTPCLIENT_ENV_PROXY_CHILD") == "1" {
		run(t, func() error {
			b, resp, err := get(httpclient.NewClient(), "http://fetch.test/x")
			if err != nil {
				return err
			}
			fmt.Printf("child got %q %s\n", b, resp.Header.Get("X-Proxied"))
			return nil
		})
		return
	}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Proxied", "yes")
		fmt.Fprintf(w, "proxied %s", r.RequestURI)
	}))
	defer proxy.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestEnvironmentProxy$", "-test.count=1")
	cmd.Env = append(os.Environ(), "HTTPCLIENT_ENV_PROXY_CHILD=1", "HTTP_PROXY="+proxy.URL, "http_proxy="+proxy.URL)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `child got "proxied http://fetch.test/x" yes`) {
		t.Errorf("child: %v\n%s", err, out)
	}
}
