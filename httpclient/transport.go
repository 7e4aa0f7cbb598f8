package httpclient

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/resolver"
	"github.com/gevent-go/gevent/socket"
)

// ErrWrongHub is returned by RoundTrip called from a goroutine that is not
// a greenlet of the hub the Transport belongs to (the hub of its first
// request). Nothing was sent; the request body was closed.
var ErrWrongHub = errors.New("httpclient: Transport used from a goroutine that is not a greenlet of its hub " +
	"(a Transport belongs to the hub of its first request): give each hub its own Transport, " +
	"hand the request to the hub with Hub.Submit, or use interop.HTTPClient from other goroutines")

// DefaultMaxIdleConnsPerHost is the idle connections kept per host when
// Transport.MaxIdleConnsPerHost is 0 (as net/http's).
const DefaultMaxIdleConnsPerHost = 2

// defaultMaxHeaderBytes bounds response headers when MaxResponseHeaderBytes
// is 0 (net/http allows 10 MiB; 1 MiB is far above any real server's
// headers and bounds an endless header stream sooner).
const defaultMaxHeaderBytes = 1 << 20

// Bounds on draining a body closed before its end, so that the connection
// can be reused: at most drainBytes more, for at most drainTime.
const (
	drainBytes = 256 << 10
	drainTime  = 50 * time.Millisecond
)

// maxInterim bounds the 1xx responses skipped before the final one.
const maxInterim = 8

// Transport is a cooperative http.RoundTripper for HTTP/1.1 over TCP and
// TLS, with a keep-alive connection pool. Its fields mirror net/http's
// Transport. The zero Transport is usable (no proxy, no timeouts beyond
// the Dialer's); NewTransport returns one set up as
// http.DefaultTransport is. Fields must not change after the first request.
//
// See the package doc for the blocking contract and for which goroutines may
// use it.
type Transport struct {
	// Proxy returns the proxy for a request (nil URL: none); nil means no
	// proxy. http.ProxyFromEnvironment reads HTTP_PROXY, HTTPS_PROXY and
	// NO_PROXY (and never proxies loopback). Schemes "http" and "https"
	// are supported; plain http targets are sent to the proxy in absolute
	// form, https targets through a CONNECT tunnel.
	Proxy func(*http.Request) (*url.URL, error)

	// Dialer dials connections (nil: a socket.Dialer with a 30 s timeout
	// whose names are resolved by resolver.Default).
	Dialer *socket.Dialer

	// TLSClientConfig is used for https (nil: the defaults). It is cloned;
	// ServerName defaults to the host, and NextProtos is always http/1.1.
	TLSClientConfig *tls.Config
	// TLSHandshakeTimeout bounds each handshake (0: none).
	TLSHandshakeTimeout time.Duration

	// DisableKeepAlives closes each connection after one request.
	DisableKeepAlives bool
	// DisableCompression stops the Transport from asking for gzip
	// (Accept-Encoding) and decompressing it transparently.
	DisableCompression bool

	// MaxIdleConns bounds the idle connections over all hosts (0: no limit).
	MaxIdleConns int
	// MaxIdleConnsPerHost bounds the idle connections per host (0:
	// DefaultMaxIdleConnsPerHost).
	MaxIdleConnsPerHost int
	// MaxConnsPerHost bounds the connections per host, dialling, in use and
	// idle (0: no limit). Requests over the limit wait, in FIFO order, for
	// a connection to be freed.
	MaxConnsPerHost int
	// IdleConnTimeout closes connections idle that long (0: never).
	IdleConnTimeout time.Duration

	// ResponseHeaderTimeout bounds the wait for the response headers once
	// the request is written (0: none).
	ResponseHeaderTimeout time.Duration
	// ExpectContinueTimeout is how long a request with "Expect:
	// 100-continue" waits for the server's first response before sending
	// its body anyway (0: send the body at once).
	ExpectContinueTimeout time.Duration
	// MaxResponseHeaderBytes bounds the bytes read for the response
	// headers (0: 1 MiB); past it the request fails with an error saying so
	// and the connection is closed.
	MaxResponseHeaderBytes int64

	mu  sync.Mutex  // guards hub (set once)
	hub *gevent.Hub // the hub whose greenlets use this Transport

	// The pool: hub-only.
	hosts map[string]*hostPool
	idle  idleList // every idle connection, least recently used first
}

// NewTransport returns a Transport configured as http.DefaultTransport:
// proxies from the environment, 100 idle connections at most (2 per host),
// 90 s idle timeout, 10 s TLS handshake timeout, 1 s for 100-continue.
func NewTransport() *Transport {
	return &Transport{
		Proxy:                 http.ProxyFromEnvironment,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// NewClient returns an *http.Client whose Transport is NewTransport(): its
// requests, made from greenlets of one hub, are cooperative.
func NewClient() *http.Client { return &http.Client{Transport: NewTransport()} }

var defaultDialer = &socket.Dialer{Timeout: 30 * time.Second, Resolver: lookup}

func lookup(ctx context.Context, network, host string) ([]netip.Addr, error) {
	return resolver.Default().LookupNetIP(ctx, network, host)
}

func (t *Transport) dialer() *socket.Dialer {
	if t.Dialer != nil {
		return t.Dialer
	}
	return defaultDialer
}

// bind checks that the caller may use t: a greenlet of t's hub (binding t
// to the caller's hub on first use).
func (t *Transport) bind() error {
	h := gevent.GetHub()
	if h == nil {
		return ErrWrongHub
	}
	t.mu.Lock()
	if t.hub == nil {
		t.hub = h
		t.hosts = make(map[string]*hostPool)
	}
	bound := t.hub
	t.mu.Unlock()
	if bound != h {
		return ErrWrongHub
	}
	if h.InCallback() {
		return gevent.ErrBlockingSwitchOut
	}
	return nil
}

// connectMethod is where a request goes: directly or through a proxy.
type connectMethod struct {
	proxy  *url.URL // nil: direct
	scheme string   // target scheme: http or https
	addr   string   // target host:port ("" for http through a proxy)
	host   string   // target host name, for TLS (no port, no brackets)
}

func (cm connectMethod) key() string {
	p := ""
	if cm.proxy != nil {
		p = cm.proxy.String()
	}
	return p + "|" + cm.scheme + "|" + cm.addr
}

// httpProxy reports whether requests are written in absolute form to a
// proxy (plain http through a proxy).
func (cm connectMethod) httpProxy() bool { return cm.proxy != nil && cm.scheme == "http" }

func canonicalAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

func (t *Transport) connectMethod(req *http.Request) (connectMethod, error) {
	cm := connectMethod{scheme: req.URL.Scheme, addr: canonicalAddr(req.URL), host: req.URL.Hostname()}
	if t.Proxy != nil {
		p, err := t.Proxy(req)
		if err != nil {
			return cm, fmt.Errorf("httpclient: proxy: %w", err)
		}
		if p != nil {
			if p.Scheme != "http" && p.Scheme != "https" {
				return cm, fmt.Errorf("httpclient: proxy scheme %q not supported (use interop.HTTPClient)", p.Scheme)
			}
			cm.proxy = p
			if cm.scheme == "http" {
				cm.addr, cm.host = "", ""
			}
		}
	}
	return cm, nil
}

func proxyAuth(p *url.URL) string {
	if p == nil || p.User == nil {
		return ""
	}
	pw, _ := p.User.Password()
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(p.User.Username()+":"+pw))
}

// reqState is one RoundTrip, from the first wait for a connection until its
// response body is done. Fields are hub-only.
type reqState struct {
	t       *Transport
	ctx     context.Context
	stop    func() bool  // stops the context watcher
	aborted error        // set by the context watcher
	pc      *persistConn // the connection in use
	w       *waiter      // set while waiting for a connection
	done    bool         // the request (and its body) has finished
}

// watch arranges for the context's end to interrupt the request: its
// callback only Posts to the hub, which closes the connection in use or
// wakes the greenlet waiting for one.
func (rs *reqState) watch() {
	if rs.ctx.Done() == nil {
		return
	}
	h := rs.t.hub
	rs.stop = context.AfterFunc(rs.ctx, func() { h.Post(rs.abort) })
}

// abort runs in the hub when the context ends.
func (rs *reqState) abort() {
	if rs.done || rs.aborted != nil {
		return
	}
	rs.aborted = context.Cause(rs.ctx)
	if rs.pc != nil {
		rs.pc.dead = true // never back to the pool (a body read off the hub may end after this)
		rs.pc.raw.Close()
	}
	if rs.w != nil {
		rs.w.wl.WakeOne(grant{})
	}
}

// finish ends the request: the watcher is stopped and a late abort does
// nothing.
func (rs *reqState) finish() {
	if rs.done {
		return
	}
	rs.done = true
	rs.pc = nil
	if rs.stop != nil {
		rs.stop()
	}
}

// err returns the error to report for err, which ended a phase on pc (nil
// before a connection): the context's cause if the watcher fired, the
// caller's kill or Timeout unchanged, else err described by what.
func (rs *reqState) err(pc *persistConn, what string, err error) error {
	if rs.aborted != nil {
		return rs.aborted
	}
	if pc != nil && pc.intr != nil {
		return pc.intr
	}
	if e := rs.ctx.Err(); e != nil && (errors.Is(err, net.ErrClosed) || errors.Is(err, e)) {
		return context.Cause(rs.ctx)
	}
	if isInterrupt(err) {
		if ie := unwrapInterrupt(err); ie != nil {
			return ie
		}
		return err
	}
	return fmt.Errorf("httpclient: %s: %w", what, err)
}

// RoundTrip implements http.RoundTripper: it sends req and returns the
// response once its headers are read. The body is read cooperatively by
// resp.Body.Read; read it to its end or close it to give the connection
// back to the pool.
//
// It waits for a connection (an idle one, a dial, or a free slot under
// MaxConnsPerHost, in FIFO order), the TLS handshake, the request to be
// written and the response headers. A kill of the caller returns the kill
// error, a Timeout scope the *gevent.Timeout, the end of req's context
// context.Cause of it; in each case the connection in use is closed and the
// pool stays consistent. TLSHandshakeTimeout, ResponseHeaderTimeout and the
// Dialer's timeout end it with an error matching os.ErrDeadlineExceeded.
// A request on a reused connection that the server had closed is retried
// on a new one when it is idempotent and its body can be replayed (as
// net/http does). Called from a goroutine that is not a greenlet of t's hub
// it returns ErrWrongHub, from a hub callback gevent.ErrBlockingSwitchOut,
// without sending anything. req.Body is always closed. Other errors (a
// malformed response, a refused connection, a bad certificate) are wrapped
// with what the Transport was doing ("httpclient: reading response
// headers: ...").
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.bind(); err != nil {
		closeReqBody(req)
		return nil, err
	}
	if err := validate(req); err != nil {
		closeReqBody(req)
		return nil, err
	}
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		closeReqBody(req)
		return nil, context.Cause(ctx)
	}
	cm, err := t.connectMethod(req)
	if err != nil {
		closeReqBody(req)
		return nil, err
	}
	rs := &reqState{t: t, ctx: ctx}
	rs.watch()
	for attempt := 0; ; attempt++ {
		pc, err := t.getConn(rs, cm)
		if err != nil {
			rs.finish()
			closeReqBody(req)
			return nil, err
		}
		resp, err, retry := t.roundTripOn(rs, pc, cm, req)
		if err == nil {
			return resp, nil
		}
		if !retry || attempt >= 3 {
			rs.finish()
			return nil, err
		}
		// The server closed a reused connection before answering: replay.
		if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
			b, gerr := req.GetBody()
			if gerr != nil {
				rs.finish()
				return nil, err
			}
			r2 := *req
			r2.Body = b
			req = &r2
		}
	}
}

func closeReqBody(req *http.Request) {
	if req != nil && req.Body != nil {
		req.Body.Close()
	}
}

func validate(req *http.Request) error {
	if req.URL == nil {
		return errors.New("httpclient: nil Request.URL")
	}
	if req.Header == nil {
		return errors.New("httpclient: nil Request.Header")
	}
	switch req.URL.Scheme {
	case "http", "https":
	default:
		return fmt.Errorf("httpclient: unsupported protocol scheme %q", req.URL.Scheme)
	}
	if req.URL.Host == "" {
		return errors.New("httpclient: no Host in request URL")
	}
	return nil
}

// replayable reports whether req may be sent again after a reused
// connection failed before any response byte (net/http's rule).
func replayable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	switch req.Method {
	case "", "GET", "HEAD", "OPTIONS", "TRACE":
		return true
	}
	_, a := req.Header["Idempotency-Key"]
	_, b := req.Header["X-Idempotency-Key"]
	return a || b
}

// usuallyNoBody lists the methods whose bodies net/http probes.
func usuallyNoBody(m string) bool {
	switch m {
	case "", "GET", "HEAD", "DELETE", "OPTIONS", "PROPFIND", "SEARCH":
		return true
	}
	return false
}

// outgoing prepares what Request.Write will send: a shallow copy of req
// with the Transport's extra headers, and a body whose emptiness was probed
// here, in the greenlet (Request.Write would probe it on a goroutine of its
// own with a 200 ms timer).
func (t *Transport) outgoing(req *http.Request, cm connectMethod) (r2 *http.Request, gzip bool, err error) {
	r2 = new(http.Request)
	*r2 = *req
	gzip = !t.DisableCompression && req.Method != "HEAD" &&
		req.Header.Get("Accept-Encoding") == "" && req.Header.Get("Range") == ""
	auth := ""
	if cm.httpProxy() && req.Header.Get("Proxy-Authorization") == "" {
		auth = proxyAuth(cm.proxy)
	}
	if gzip || auth != "" {
		r2.Header = req.Header.Clone()
		if gzip {
			r2.Header.Set("Accept-Encoding", "gzip")
		}
		if auth != "" {
			r2.Header.Set("Proxy-Authorization", auth)
		}
	}
	if t.DisableKeepAlives {
		r2.Close = true
	}
	if b := req.Body; b != nil && b != http.NoBody && req.ContentLength == 0 &&
		len(req.TransferEncoding) == 0 && usuallyNoBody(req.Method) {
		var one [1]byte
		n, rerr := b.Read(one[:])
		switch {
		case n == 0 && rerr == io.EOF:
			b.Close()
			r2.Body = nil
		case n == 1:
			r2.Body = &prefixBody{b: one[0], rc: b, err: rerr}
			r2.TransferEncoding = []string{"chunked"}
			r2.ContentLength = -1
		case rerr != nil:
			b.Close()
			return nil, false, rerr
		}
	}
	return r2, gzip, nil
}

// prefixBody is a body whose first byte was read by the probe.
type prefixBody struct {
	b    byte
	done bool
	rc   io.ReadCloser
	err  error
}

func (p *prefixBody) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if !p.done {
		p.done = true
		b[0] = p.b
		if p.err != nil && p.err != io.EOF {
			return 1, p.err
		}
		return 1, nil
	}
	if p.err != nil {
		return 0, p.err
	}
	return p.rc.Read(b)
}

func (p *prefixBody) Close() error { return p.rc.Close() }

// errStopBody ends the request body's writing when the server answered
// "Expect: 100-continue" with a final response.
var errStopBody = errors.New("httpclient: server answered before the request body")

// continueBody waits for "100 Continue" before its first byte is read.
type continueBody struct {
	rc    io.ReadCloser
	pc    *persistConn
	req   *http.Request
	wait  time.Duration
	began bool
	final *http.Response // a final response that came instead
	err   error
}

func (c *continueBody) Read(p []byte) (int, error) {
	if !c.began {
		c.began = true
		if err := c.await(); err != nil {
			c.err = err
			return 0, err
		}
	}
	return c.rc.Read(p)
}

func (c *continueBody) Close() error { return c.rc.Close() }

func (c *continueBody) await() error {
	pc := c.pc
	if err := pc.bw.Flush(); err != nil {
		return err
	}
	pc.conn.SetReadDeadline(time.Now().Add(c.wait))
	_, err := pc.br.Peek(1)
	pc.conn.SetReadDeadline(time.Time{})
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && pc.intr == nil {
			return nil // no answer in time: send the body
		}
		return err
	}
	for i := 0; ; i++ {
		resp, err := pc.readResponse(c.req)
		if err != nil {
			return err
		}
		if resp.StatusCode == http.StatusContinue {
			return nil
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols || i >= maxInterim {
			c.final = resp
			return errStopBody
		}
	}
}

// roundTripOn sends req on pc and reads the response headers. On error pc
// is closed; retry reports whether req may be sent again on another
// connection. A greenlet that ignored a kill is unwound (a panic) by its
// next blocking call: pc is then closed, so that its slot comes back.
func (t *Transport) roundTripOn(rs *reqState, pc *persistConn, cm connectMethod, req *http.Request) (resp *http.Response, err error, retry bool) {
	normal := false
	defer func() {
		if !normal {
			rs.pc = nil
			t.closeConn(pc)
			rs.finish()
		}
	}()
	resp, err, retry = t.roundTripOn1(rs, pc, cm, req)
	normal = true
	return
}

func (t *Transport) roundTripOn1(rs *reqState, pc *persistConn, cm connectMethod, req *http.Request) (*http.Response, error, bool) {
	rs.pc = pc
	fail := func(what string, err error, retry bool) (*http.Response, error, bool) {
		e := rs.err(pc, what, err)
		retry = retry && rs.aborted == nil && pc.intr == nil && rs.ctx.Err() == nil
		rs.pc = nil
		t.closeConn(pc)
		return nil, e, retry
	}
	if rs.aborted != nil { // the context ended while dialling
		rs.pc = nil
		t.closeConn(pc)
		closeReqBody(req)
		return nil, rs.aborted, false
	}
	r2, gz, err := t.outgoing(req, cm)
	if err != nil {
		return fail("reading request body", err, false)
	}
	var cb *continueBody
	if t.ExpectContinueTimeout > 0 && r2.Body != nil && r2.Body != http.NoBody &&
		strings.EqualFold(r2.Header.Get("Expect"), "100-continue") {
		cb = &continueBody{rc: r2.Body, pc: pc, req: req, wait: t.ExpectContinueTimeout}
		r2.Body = cb
	}
	startRead := pc.nread
	pc.takeWriter()
	if cm.httpProxy() {
		err = r2.WriteProxy(pc.bw)
	} else {
		err = r2.Write(pc.bw)
	}
	if err == nil {
		err = pc.bw.Flush()
	}
	pc.dropWriter()
	var resp *http.Response
	switch {
	case cb != nil && cb.final != nil:
		resp = cb.final
		pc.closeAfter = true
	case err != nil && cb != nil && cb.err != nil:
		return fail("waiting for 100 Continue", cb.err, false)
	case err != nil:
		return fail("writing request", err, pc.reused && pc.nread == startRead && replayable(req))
	}
	if resp == nil {
		if t.ResponseHeaderTimeout > 0 {
			pc.conn.SetReadDeadline(time.Now().Add(t.ResponseHeaderTimeout))
		}
		for i := 0; ; i++ {
			resp, err = pc.readResponse(req)
			if err != nil {
				nothing := pc.nread == startRead && (err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) || isConnReset(err))
				what := "reading response headers"
				if nothing {
					what = "server closed the connection without answering"
				}
				return fail(what, err, pc.reused && nothing && replayable(req))
			}
			if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols || i >= maxInterim {
				break
			}
		}
		if t.ResponseHeaderTimeout > 0 {
			pc.conn.SetReadDeadline(time.Time{})
		}
	}
	if resp.Close || req.Close || r2.Close || t.DisableKeepAlives || resp.StatusCode == http.StatusSwitchingProtocols {
		pc.closeAfter = true
	}
	if tc, ok := pc.conn.(*tls.Conn); ok {
		cs := tc.ConnectionState()
		resp.TLS = &cs
	}
	b := &body{rs: rs, pc: pc, rc: resp.Body}
	if resp.Body == http.NoBody {
		b.end(true)
		return resp, nil, false
	}
	resp.Body = b
	if gz && strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
		resp.Body = &gzipBody{body: b}
	}
	return resp, nil, false
}

func isConnReset(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "broken pipe")
}

// CloseIdleConnections closes the idle connections (http.Client's
// CloseIdleConnections calls it). Connections in use are left alone. From a
// goroutine that is not a greenlet of t's hub it is handed to the hub with
// Post.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	h := t.hub
	t.mu.Unlock()
	if h == nil {
		return
	}
	if !h.OnHub() {
		h.Post(t.closeIdle)
		return
	}
	t.closeIdle()
}

// persistConn is one connection of the pool.
type persistConn struct {
	t      *Transport
	key    string
	hp     *hostPool
	conn   net.Conn     // the TLS conn, or raw
	raw    *socket.Conn // the socket
	br     *bufio.Reader
	bw     *bufio.Writer // only while writing (takeWriter, dropWriter)
	nread  int64         // bytes read from conn
	limit  int64         // remaining bytes allowed while reading headers; <0: none
	hitMax bool          // the header limit was hit
	intr   error         // a kill or Timeout the socket returned

	reused     bool
	dead       bool // its socket was closed by a context's end
	closeAfter bool
	closed     bool
	idleAt     time.Time
	inIdle     bool
	prev, next *persistConn // idle list links
	idleTimer  *time.Timer
}

// Read feeds the bufio.Reader, counting and bounding the bytes read.
func (pc *persistConn) Read(p []byte) (int, error) {
	if pc.limit >= 0 {
		if pc.limit == 0 {
			pc.hitMax = true
			return 0, errHeaderTooLarge
		}
		if int64(len(p)) > pc.limit {
			p = p[:pc.limit]
		}
	}
	n, err := pc.conn.Read(p)
	pc.nread += int64(n)
	if pc.limit >= 0 {
		pc.limit -= int64(n)
	}
	return n, err
}

var errHeaderTooLarge = errors.New("response headers too large")

func (t *Transport) maxHeaderBytes() int64 {
	if t.MaxResponseHeaderBytes > 0 {
		return t.MaxResponseHeaderBytes
	}
	return defaultMaxHeaderBytes
}

// readResponse reads one response's headers, bounded by
// MaxResponseHeaderBytes.
func (pc *persistConn) readResponse(req *http.Request) (*http.Response, error) {
	pc.limit = pc.t.maxHeaderBytes()
	resp, err := http.ReadResponse(pc.br, req)
	pc.limit = -1
	if pc.hitMax {
		return nil, fmt.Errorf("server response headers exceeded %d bytes; aborted", pc.t.maxHeaderBytes())
	}
	return resp, err
}

// rawConn notes the errors of the calling greenlet (kill, Timeout) that the
// socket returns unwrapped, so that they reach the caller unchanged through
// crypto/tls and net/http.
type rawConn struct {
	*socket.Conn
	pc *persistConn
}

func (c rawConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil {
		c.pc.note(err)
	}
	return n, err
}

func (c rawConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err != nil {
		c.pc.note(err)
	}
	return n, err
}

func (pc *persistConn) note(err error) {
	if _, ok := err.(*net.OpError); !ok && err != io.EOF && pc.intr == nil {
		pc.intr = err
	}
}

// isInterrupt reports whether err, returned by a socket or the dialer, is a
// kill or a Timeout scope of the calling greenlet rather than an error of
// the network.
func isInterrupt(err error) bool {
	if err == nil || err == io.EOF {
		return false
	}
	var to *gevent.Timeout
	if errors.As(err, &to) {
		return true
	}
	return errors.Is(err, gevent.ErrGreenletExit)
}

// unwrapInterrupt returns the kill or Timeout inside a dial error, or nil.
func unwrapInterrupt(err error) error {
	var to *gevent.Timeout
	if errors.As(err, &to) {
		return to
	}
	var oe *net.OpError
	if errors.As(err, &oe) && errors.Is(oe.Err, gevent.ErrGreenletExit) {
		return oe.Err
	}
	return nil
}
