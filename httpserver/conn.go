package httpserver

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
)

// Connection states, for Stop (idle connections are closed at once).
const (
	stateIdle = iota // waiting for the first byte of a request
	stateActive
	stateHijacked
)

// aLongTimeAgo is a deadline in the past: it wakes a blocked read.
var aLongTimeAgo = time.Unix(1, 0)

// errClientGone is the cause of a request context cancelled because the
// peer closed the connection while the handler ran. It matches
// context.Canceled (what net/http's request contexts report then), so the
// usual checks for a client that went away work.
var errClientGone error = clientGoneError{}

type clientGoneError struct{}

func (clientGoneError) Error() string        { return "httpserver: client closed the connection" }
func (clientGoneError) Is(target error) bool { return target == context.Canceled }

// conn is one accepted connection, served by one greenlet. Its size
// counts: an idle keep-alive connection is this, its greenlet and socket.
type conn struct {
	srv    *Server
	nc     net.Conn
	g      gevent.AnyGreenlet
	gctx   context.Context // g's context
	remote string
	tls    *tls.ConnectionState
	r      connReader
	br     *bufio.Reader
	bw     *bufio.Writer
	wbuf   []byte        // the response body buffered before the header is sent
	wb     *writeBufs    // bw, wbuf's array and the header lines, from the pool
	small  *[256]byte    // an idle connection's first read, before it has a reader (nil after Hijack)
	start  int64         // when the request being served began, unix ns (access log, ReadTimeout)
	rdl    int64         // the read deadline set last, unix ns (0: none, as at accept)
	wdl    int64         // the write deadline set last
	w      *response     // the request being served (nil after Hijack)
	hc     *hijackedConn // what Hijack handed out
	hijack *event.Event  // made if the greenlet waits for hc's Close, set by it
	fl     *flushState   // made by the first Flush from another goroutine
	state  uint8
	closed bool
	busy   bool // the handler's greenlet is in a response method that writes
}

// flushState: a Flush called from another goroutine runs in a greenlet of
// its own (flushElsewhere); the handler's greenlet waits for it before
// writing (enter), and it leaves the flush to the handler's greenlet while
// that one is inside a method that writes (conn.busy).
type flushState struct {
	flushing bool
	later    bool
	done     gevent.WaitList[struct{}]
}

// flushing reports whether a flush from elsewhere is writing.
func (c *conn) flushing() bool { return c.fl != nil && c.fl.flushing }

// serveConn serves one connection in its greenlet. Its frame and serve's
// stay under every handler (a WebSocket's, as long as it lives): the
// work with locals is in newConn, serve's helpers and afterServe.
func (s *Server) serveConn(nc net.Conn, addr net.Addr) {
	c := s.newConn(nc, addr)
	defer s.track(c, false)
	c.serve()
	c.afterServe()
}

// newConn makes the connection of the calling greenlet and tracks it.
//
//go:noinline
func (s *Server) newConn(nc net.Conn, addr net.Addr) *conn {
	g := gevent.GetCurrent()
	c := &conn{srv: s, nc: nc, g: g, gctx: g.Context(), remote: addr.String()}
	c.r.c = c
	if _, ok := nc.(*tls.Conn); ok {
		c.br = bufio.NewReaderSize(&c.r, 4096) // tls.Conn buffers: keep it simple
	}
	s.track(c, true)
	return c
}

// afterServe releases the connection's buffers, or waits until a
// hijacked connection is closed. (A function of its own, so that its
// locals are not in serveConn's frame, under every handler.)
//
//go:noinline
func (c *conn) afterServe() {
	if c.flushing() {
		// A flush from elsewhere is blocked in a write: closing the socket
		// ends it; its buffers are not reused.
		c.nc.Close()
		return
	}
	if c.state != stateHijacked {
		c.releaseBuffers()
		c.releaseReader()
	}
	if c.state == stateHijacked && c.hc != nil && !c.hc.closed.Load() {
		// Until the handler's side closes it (or a kill). The event is
		// made only now: a hijacker that closes the connection in the
		// handler (a WebSocket) never needs it.
		c.hijack = new(event.Event)
		c.hijack.Wait()
	}
}

// Writers and response buffers are pooled: an idle keep-alive connection
// holds neither (its memory is its greenlet, its reader and the socket).
// Each Server keeps a few on free lists of its own (its hub's: no
// synchronisation, most recently used first), then uses the shared pools.
var (
	writerPool = sync.Pool{New: func() any { return &writeBufs{bw: bufio.NewWriterSize(nil, 4096)} }}
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}
)

// maxFree bounds each of a Server's free lists.
const maxFree = 64

// writeBufs is a connection's writer and the body buffered before the
// header, taken and given back together.
type writeBufs struct {
	bw  *bufio.Writer
	hdr hdrBuf // the response's header lines, taken at WriteHeader
	arr [bufferBeforeHeader]byte
}

// hdrBuf collects header lines (http.Header.WriteSubset writes to it).
type hdrBuf []byte

func (b *hdrBuf) Write(p []byte) (int, error) {
	*b = append(*b, p...)
	return len(p), nil
}

func (b *hdrBuf) WriteString(s string) (int, error) {
	*b = append(*b, s...)
	return len(s), nil
}

func (s *Server) getWriter() *writeBufs {
	if n := len(s.freeW); n > 0 {
		wb := s.freeW[n-1]
		s.freeW = s.freeW[:n-1]
		return wb
	}
	return writerPool.Get().(*writeBufs)
}

func (s *Server) putWriter(wb *writeBufs) {
	if len(s.freeW) < maxFree {
		s.freeW = append(s.freeW, wb)
		return
	}
	writerPool.Put(wb)
}

func (s *Server) getReader() *bufio.Reader {
	if n := len(s.freeR); n > 0 {
		br := s.freeR[n-1]
		s.freeR = s.freeR[:n-1]
		return br
	}
	return readerPool.Get().(*bufio.Reader)
}

func (s *Server) putReader(br *bufio.Reader) {
	if len(s.freeR) < maxFree {
		s.freeR = append(s.freeR, br)
		return
	}
	readerPool.Put(br)
}

func (c *conn) acquireBuffers() {
	if c.wb == nil {
		c.wb = c.srv.getWriter()
		c.bw = c.wb.bw
		c.bw.Reset(c.nc)
		c.wbuf = c.wb.arr[:0]
	}
}

// waitRequest waits for the first bytes of a request. A connection
// without a reader reads them into c.small, then takes a reader from the
// pool: an idle keep-alive connection holds no 4 KiB buffer, and a small
// request still costs one read.
func (c *conn) waitRequest() error {
	if c.br != nil {
		_, err := c.br.Peek(1)
		return err
	}
	if c.small == nil {
		c.small = new([256]byte)
	}
	n, err := c.nc.Read(c.small[:])
	if n == 0 {
		if err == nil {
			err = io.ErrNoProgress
		}
		return err
	}
	c.r.pending = c.small[:n]
	c.br = c.srv.getReader()
	c.br.Reset(&c.r)
	return nil
}

// releaseReader returns the reader to the pool if it holds nothing (not on
// TLS connections, whose reads go through tls.Conn's own buffer).
func (c *conn) releaseReader() {
	if c.br == nil || c.tls != nil || c.br.Buffered() > 0 || len(c.r.pending) > 0 || c.r.hasByte || c.r.bgErr != nil {
		return
	}
	c.br.Reset(nil)
	c.srv.putReader(c.br)
	c.br = nil
}

// releaseBuffers returns the writer (flushed or abandoned) and the body
// buffer to their pools.
func (c *conn) releaseBuffers() {
	if c.wb != nil {
		c.bw.Reset(nil)
		if cap(c.wb.hdr) > 1024 {
			c.wb.hdr = nil
		}
		c.srv.putWriter(c.wb)
		c.wb, c.bw, c.wbuf = nil, nil, nil
	}
	if cap(c.r.rec) > 1024 {
		c.r.rec = nil
	}

}

// setReadDeadline sets the connection's read deadline; the call (and its
// work in the socket) is skipped when the deadline is the one set last
// (with no timeouts configured, every request's deadlines are "none").
func (c *conn) setReadDeadline(t time.Time) {
	if ns := unixNano(t); ns != c.rdl {
		c.rdl = ns
		c.nc.SetReadDeadline(t)
	}
}

// setWriteDeadline is setReadDeadline for writes.
func (c *conn) setWriteDeadline(t time.Time) {
	if ns := unixNano(t); ns != c.wdl {
		c.wdl = ns
		c.nc.SetWriteDeadline(t)
	}
}

// unixNano is t in unix nanoseconds, 0 for the zero time.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromUnixNano is unixNano's inverse.
func fromUnixNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

func deadline(d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}

func (c *conn) headerTimeout() time.Duration {
	if c.srv.ReadHeaderTimeout > 0 {
		return c.srv.ReadHeaderTimeout
	}
	return c.srv.ReadTimeout
}

func (c *conn) idleTimeout() time.Duration {
	if c.srv.IdleTimeout > 0 {
		return c.srv.IdleTimeout
	}
	if c.srv.ReadTimeout > 0 {
		return c.srv.ReadTimeout
	}
	return c.srv.ReadHeaderTimeout
}

func (c *conn) maxHeaderBytes() int64 {
	if c.srv.MaxHeaderBytes > 0 {
		return int64(c.srv.MaxHeaderBytes)
	}
	return DefaultMaxHeaderBytes
}

// killed reports whether the connection's greenlet was killed (its
// context is cancelled only then while it runs).
func (c *conn) killed() bool { return c.gctx.Err() != nil }

// serve reads and answers the connection's requests. Its frame, and
// serveConn's, stay under the handler while it runs (for a WebSocket, as
// long as the connection lives): the work with many locals is in
// readRequest and endRequest, which return before or run after the
// handler, so that the handler's stack stays shallow (an idle WebSocket
// greenlet fits a 4 KiB stack, with room for the runtime's allocation
// slow path at the handshake's deepest point).
func (c *conn) serve() {
	if !c.handshakeTLS() {
		return
	}
	for first := true; c.readRequest(first); first = false {
		if !c.runHandler() || !c.endRequest() {
			return
		}
	}
}

// handshakeTLS runs the TLS handshake of a TLS connection; it reports
// false if it failed.
//
//go:noinline
func (c *conn) handshakeTLS() bool {
	tc, ok := c.nc.(*tls.Conn)
	if !ok {
		return true
	}
	s := c.srv
	dl := deadline(c.headerTimeout())
	c.setReadDeadline(dl)
	c.setWriteDeadline(dl)
	if err := tc.Handshake(); err != nil {
		if s.ErrorLog != nil && !c.killed() {
			s.ErrorLog.Info("httpserver: TLS handshake", "remote", c.remote, "err", err)
		}
		return false
	}
	st := tc.ConnectionState()
	c.tls = &st
	return true
}

// readRequest waits for the next request, reads its header and makes
// its response (c.w); it reports false to close the connection (EOF, an
// idle timeout, Stop, a kill, or a bad request, answered).
//
//go:noinline
func (c *conn) readRequest(first bool) bool {
	s := c.srv
	c.state = stateIdle
	if s.stopping {
		return false
	}
	var hdrDeadline time.Time
	if c.br == nil || c.br.Buffered() == 0 {
		if first {
			hdrDeadline = deadline(c.headerTimeout())
			c.setReadDeadline(hdrDeadline)
		} else {
			c.setReadDeadline(deadline(c.idleTimeout()))
		}
		if err := c.waitRequest(); err != nil {
			return false // EOF, idle timeout, closed by Stop, or a kill
		}
	}
	c.state = stateActive
	c.acquireBuffers()
	var start time.Time // for ReadTimeout and the access log only
	if s.ReadTimeout > 0 || s.AccessLog != nil {
		start = time.Now()
	}
	c.start = unixNano(start)
	if !first || hdrDeadline.IsZero() {
		c.setReadDeadline(deadline(c.headerTimeout()))
	}
	c.r.beginHeader(c.br, c.maxHeaderBytes())
	req, err := http.ReadRequest(c.br)
	raw := c.r.endHeader(c.br)
	if err != nil {
		c.r.hitLimit = c.r.hitLimit && c.r.remain <= 0
		c.badRequest(err)
		return false
	}
	if code, msg := checkRequest(req, raw); code != 0 {
		c.writeError(code, msg)
		return false
	}
	if s.ReadTimeout > 0 {
		c.setReadDeadline(start.Add(s.ReadTimeout))
	} else {
		c.setReadDeadline(time.Time{})
	}
	if s.WriteTimeout > 0 {
		c.setWriteDeadline(time.Now().Add(s.WriteTimeout))
	} else {
		c.setWriteDeadline(time.Time{})
	}
	c.w = c.newResponse(req)
	return true
}

// endRequest finishes the response after its handler returned; it
// reports whether the connection goes on to a next request.
//
//go:noinline
func (c *conn) endRequest() bool {
	s := c.srv
	w := c.w
	c.w = nil
	if c.killed() || w == nil || w.hijacked {
		return false
	}
	w.finish()
	if w.closeAfter || c.closed || s.stopping {
		return false
	}
	if c.br.Buffered() == 0 {
		c.releaseBuffers() // idle: no buffers but c.small
		c.releaseReader()
	}
	return true
}

// runHandler calls the handler; it reports false if the handler panicked
// with http.ErrAbortHandler (the connection is closed silently). Any other
// panic answers 500 if nothing was sent yet, and goes on to the hub's
// error handler (the greenlet fails, as in gevent) with its stack.
func (c *conn) runHandler() (ok bool) {
	normal := false
	defer func() {
		if normal {
			return
		}
		r := recover()
		w := c.w // nil after a Hijack
		if w != nil {
			w.handlerDone = true
		}
		if r == nil {
			return // runtime.Goexit
		}
		c.r.abortBackground()
		if r == http.ErrAbortHandler {
			return
		}
		if w != nil && !c.killed() && !w.hijacked && !w.headerSent {
			w.discard()
			c.writeError(http.StatusInternalServerError, "")
		}
		panic(r) // reported by the greenlet, with the handler's frames in its stack
	}()
	// Only the handler's frames hold w and its request: after a Hijack
	// (c.w is nil then) a handler that keeps neither lets both go.
	w := c.w
	c.srv.handler().ServeHTTP(w, w.req)
	normal = true
	return true
}

// badRequest answers a request http.ReadRequest could not read.
func (c *conn) badRequest(err error) {
	if c.killed() {
		return
	}
	if c.r.hitLimit {
		if !c.r.sawNL {
			c.writeError(http.StatusRequestURITooLong, "URI Too Long")
		} else {
			c.writeError(http.StatusRequestHeaderFieldsTooLarge, "Request Header Fields Too Large")
		}
		return
	}
	// The client went away or timed out: nothing to answer. textproto may
	// report a line cut by the error as malformed, so the connection's own
	// last error decides.
	if r := c.r.lastErr; r != nil || err == io.EOF || err == io.ErrUnexpectedEOF {
		return
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "unsupported transfer encoding") || strings.Contains(msg, "too many transfer encodings"):
		c.writeError(http.StatusNotImplemented, "Unsupported transfer encoding")
	case isHTTP09(msg):
		c.writeError(http.StatusHTTPVersionNotSupported, "HTTP/0.9 is not supported")
	case strings.HasPrefix(msg, "malformed HTTP version"):
		c.writeError(http.StatusHTTPVersionNotSupported, "Unsupported HTTP version")
	default:
		c.writeError(http.StatusBadRequest, "")
	}
}

// isHTTP09 recognises http.ReadRequest's error for a request line of two
// words ("GET /"), an HTTP/0.9 request.
func isHTTP09(msg string) bool {
	const p = "malformed HTTP request "
	if !strings.HasPrefix(msg, p) {
		return false
	}
	line, err := strconv.Unquote(msg[len(p):])
	return err == nil && len(strings.Fields(line)) == 2
}

// checkRequest applies the rules http.ReadRequest leaves to servers, and
// the smuggling defences stricter than net/http's, on the request and its
// raw header block. It returns 0 or the status to answer (and close).
func checkRequest(req *http.Request, raw []byte) (int, string) {
	if req.ProtoMajor != 1 {
		return http.StatusHTTPVersionNotSupported, "Unsupported HTTP version"
	}
	var hosts, lens, tes int
	lines := raw
	if i := bytes.IndexByte(lines, '\n'); i >= 0 {
		lines = lines[i+1:]
	}
	for len(lines) > 0 {
		line := lines
		if i := bytes.IndexByte(lines, '\n'); i >= 0 {
			line, lines = lines[:i], lines[i+1:]
		} else {
			lines = nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			return http.StatusBadRequest, "obsolete line folding"
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		switch name := line[:colon]; {
		case asciiEqualFold(name, "host"):
			hosts++
		case asciiEqualFold(name, "content-length"):
			lens++
		case asciiEqualFold(name, "transfer-encoding"):
			tes++
		}
	}
	if tes > 0 && lens > 0 {
		return http.StatusBadRequest, "both Transfer-Encoding and Content-Length"
	}
	if tes > 0 && !req.ProtoAtLeast(1, 1) {
		return http.StatusBadRequest, "Transfer-Encoding in an HTTP/1.0 request"
	}
	if req.ProtoAtLeast(1, 1) && req.Method != http.MethodConnect {
		if hosts == 0 {
			return http.StatusBadRequest, "missing required Host header"
		}
		if hosts > 1 {
			return http.StatusBadRequest, "too many Host headers"
		}
	}
	if !validHost(req.Host) {
		return http.StatusBadRequest, "malformed Host header"
	}
	if ex := req.Header.Get("Expect"); ex != "" && !strings.EqualFold(ex, "100-continue") {
		return http.StatusExpectationFailed, ""
	}
	return 0, ""
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// validHost rejects Host values with bytes no host can contain (as
// net/http's httpguts.ValidHostHeader).
func validHost(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"<>\\^`{|}", c) >= 0 {
			return false
		}
	}
	return true
}

// writeError answers with a short plain-text error and closes.
func (c *conn) writeError(code int, msg string) {
	if msg == "" {
		msg = http.StatusText(code)
	}
	body := msg + "\n"
	c.acquireBuffers()
	c.bw.Reset(c.nc)
	c.setWriteDeadline(deadline(time.Second))
	c.bw.WriteString("HTTP/1.1 " + strconv.Itoa(code) + " " + http.StatusText(code) + "\r\n")
	c.bw.WriteString("Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n")
	c.bw.WriteString("Date: ")
	c.bw.Write(httpDate())
	c.bw.WriteString("\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	c.bw.WriteString(body)
	c.bw.Flush()
	c.closed = true
	if c.srv.AccessLog != nil {
		c.srv.logAccess(c.remote, "", code, int64(len(body)), time.Now())
	}
}

// connReader sits between the connection and the bufio.Reader: it bounds
// the header block, records it for checkRequest, and runs the background
// read that notices a client going away while the handler runs.
type connReader struct {
	c         *conn
	limited   bool
	remain    int64
	hitLimit  bool
	sawNL     bool
	rec       []byte
	recording bool

	// background read
	ctx      *reqContext
	bg       *gevent.Greenlet[struct{}]
	aborting bool
	hasByte  bool
	byteBuf  [1]byte
	bgErr    error  // the error the background read got (sticky)
	pending  []byte // bytes read by waitRequest, returned first
	lastErr  error  // the error of the last read of the header phase
}

func (r *connReader) beginHeader(br *bufio.Reader, limit int64) {
	buffered, _ := br.Peek(br.Buffered())
	r.limited, r.remain, r.hitLimit, r.recording = true, limit+4096-int64(len(buffered)), false, true
	r.lastErr = nil
	r.sawNL = bytes.IndexByte(buffered, '\n') >= 0
	r.rec = append(r.rec[:0], buffered...)
}

// endHeader ends the header phase and returns the bytes ReadRequest
// consumed: the request line and headers.
func (r *connReader) endHeader(br *bufio.Reader) []byte {
	r.limited, r.recording = false, false
	n := len(r.rec) - br.Buffered()
	if n < 0 {
		n = 0
	}
	return r.rec[:n]
}

func (r *connReader) Read(p []byte) (int, error) {
	if r.bg != nil {
		r.abortBackground()
	}
	if r.limited {
		if r.remain <= 0 {
			r.hitLimit = true
			return 0, io.EOF
		}
		if int64(len(p)) > r.remain {
			p = p[:r.remain]
		}
	}
	var n int
	var err error
	switch {
	case len(p) == 0:
		return 0, nil
	case len(r.pending) > 0:
		n = copy(p, r.pending)
		if r.pending = r.pending[n:]; len(r.pending) == 0 {
			r.pending = nil // not keeping c.small alive after a Hijack
		}
	case r.hasByte:
		p[0], r.hasByte, n = r.byteBuf[0], false, 1
	case r.bgErr != nil:
		return 0, r.bgErr
	default:
		n, err = r.c.nc.Read(p)
	}
	if r.limited {
		r.remain -= int64(n)
		if err != nil {
			r.lastErr = err
		}
	}
	if r.recording && n > 0 {
		if !r.sawNL && bytes.IndexByte(p[:n], '\n') >= 0 {
			r.sawNL = true
		}
		r.rec = append(r.rec, p[:n]...)
	}
	return n, err
}

// startBackground starts a one-byte read in a new greenlet, once the
// request body is fully read: EOF or an error cancels the request context
// (the client went away); a byte (a pipelined request) is kept for the
// next Read. Not on TLS connections: a tls.Conn read may need the write
// lock the handler holds while blocked, which would block the hub's thread.
func (r *connReader) startBackground() {
	if r.bg != nil || r.hasByte || r.bgErr != nil || r.c.tls != nil || r.c.br.Buffered() > 0 || len(r.pending) > 0 {
		if r.bgErr != nil && r.ctx != nil {
			r.ctx.clientLeft()
		}
		return
	}
	ctx := r.ctx
	r.bg = gevent.Go(func() {
		n, err := r.c.nc.Read(r.byteBuf[:])
		if n == 1 {
			r.hasByte = true
		}
		if err != nil && !r.aborting {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return // a deadline the handler set: stop watching
			}
			r.bgErr = err
			if ctx != nil {
				ctx.clientLeft()
			}
		}
	})
}

// abortBackground stops the background read and waits for it to end.
func (r *connReader) abortBackground() {
	bg := r.bg
	if bg == nil {
		return
	}
	if !bg.Dead() {
		r.aborting = true
		prev := fromUnixNano(r.c.rdl)
		r.c.setReadDeadline(aLongTimeAgo)
		bg.Join()
		r.aborting = false
		r.c.setReadDeadline(prev)
	}
	r.bg = nil
}

// reqContext is a request's context: cancelled when the connection's
// greenlet is killed (the server stops, a kill), when the handler returns,
// or when the client closes the connection while the handler runs.
// Watching for the latter costs a greenlet and a read, so it starts only
// when someone asks for Done or Err. The cancellable context underneath is
// made at the first call of Done, Err or Value (most handlers make none):
// a request that never looks at its context costs no context.WithCancel.
type reqContext struct {
	parent  context.Context // the connection greenlet's context
	w       *response
	mu      sync.Mutex
	ctx     context.Context // made by get
	cancel  context.CancelCauseFunc
	cause   error // the cause given to end before ctx was made
	watched atomic.Bool
	gone    *event.Event // made by ClientGone; set when the client goes away
	left    bool         // the client went away (hub-only, as gone)
}

// clientLeft cancels the context because the client went away, and sets
// ClientGone's event.
func (x *reqContext) clientLeft() {
	x.end(errClientGone)
	x.left = true
	if x.gone != nil {
		x.gone.Set()
	}
}

// get returns the cancellable context, making it at the first call (from
// any goroutine).
func (x *reqContext) get() context.Context {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ctx == nil {
		x.ctx, x.cancel = context.WithCancelCause(x.parent)
		if x.cause != nil {
			x.cancel(x.cause)
		}
	}
	return x.ctx
}

// end cancels the context with cause (at once if it was made, else when
// it is).
func (x *reqContext) end(cause error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ctx != nil {
		x.cancel(cause)
	} else if x.cause == nil {
		x.cause = cause
	}
}

func (x *reqContext) Deadline() (time.Time, bool) { return x.parent.Deadline() }

func (x *reqContext) String() string { return "httpserver request context" }

// reqContextKey finds a request's reqContext under the values middleware
// may have added.
type reqContextKey struct{}

func (x *reqContext) Value(key any) any {
	if key == (reqContextKey{}) {
		return x
	}
	return x.get().Value(key)
}

// ClientGone returns an event that is set when the client closes the
// connection while r's handler runs, once the request body has been read
// to its end (as r.Context() is cancelled then). A handler blocked on a
// gevent primitive waits for it beside what it waits for, e.g. a long poll:
//
//	gevent.WaitN([]gevent.Waitable{newMessage, httpserver.ClientGone(r)}, 1, 30*time.Second)
//
// Calling it starts the watch (a greenlet and a one-byte read; not on TLS
// connections, where the event is never set). It returns nil if r was not
// read by this package's Server. Call it from the handler's greenlet.
func ClientGone(r *http.Request) *event.Event {
	x, _ := r.Context().Value(reqContextKey{}).(*reqContext)
	if x == nil {
		return nil
	}
	if x.gone == nil {
		x.gone = new(event.Event)
		if x.left {
			x.gone.Set()
		}
	}
	x.watch()
	return x.gone
}

func (x *reqContext) Done() <-chan struct{} {
	x.watch()
	return x.get().Done()
}

func (x *reqContext) Err() error {
	x.watch()
	return x.get().Err()
}

func (x *reqContext) watch() {
	if x.watched.Load() {
		return
	}
	hub := x.w.c.srv.hub
	if !hub.OnHub() {
		hub.Post(x.watch)
		return
	}
	x.watched.Store(true)
	x.w.maybeWatch()
}
