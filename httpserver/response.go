package httpserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gevent-go/gevent/internal/reqdetach"
)

// bufferBeforeHeader is how much body a response buffers before its
// header is sent: a body that fits (and ends with the handler) goes out
// with a Content-Length, in the same write as the header.
const bufferBeforeHeader = 4096

// response is the http.ResponseWriter of one request. It implements
// http.Flusher, http.Hijacker, io.StringWriter and the methods
// http.ResponseController looks for (FlushError, SetReadDeadline,
// SetWriteDeadline, EnableFullDuplex).
type response struct {
	c      *conn
	req    *http.Request
	ctx    *reqContext // &rctx
	rctx   reqContext
	body   *body
	header http.Header // the handler's map

	// Taken from header by WriteHeader (later changes have no effect):
	// the lines to send (in c.wb.hdr), and what sendHeader needs to know.
	te          string   // Transfer-Encoding, if not "chunked"
	trailerDecl []string // the "Trailer" values
	hasTrailer  bool
	hasCType    bool
	hasCEnc     bool
	hasDate     bool
	connClose   bool // Connection: close
	hasConn     bool // any Connection header

	status        int
	wroteHeader   bool // WriteHeader called (status decided)
	headerSent    bool // header bytes given to the connection's writer
	handlerDone   bool
	hijacked      bool
	isHEAD        bool
	chunked       bool
	chunkedAsked  bool // the handler set Transfer-Encoding: chunked
	closeAfter    bool
	bodyEOF       bool  // the request body was read to its end (or there is none)
	contentLength int64 // declared or computed; -1 unknown
	written       int64 // body bytes the handler wrote
	buf           []byte
	err           error       // sticky write error
	flushAsked    atomic.Bool // a Flush from another goroutine is on its way to the hub
}

var (
	_ http.ResponseWriter = (*response)(nil)
	_ http.Flusher        = (*response)(nil)
	_ http.Hijacker       = (*response)(nil)
	_ io.StringWriter     = (*response)(nil)
)

func (c *conn) newResponse(req *http.Request) *response {
	w := &response{c: c, header: make(http.Header), contentLength: -1, buf: c.wbuf[:0]}
	req.RemoteAddr = c.remote
	req.TLS = c.tls
	ctx := &w.rctx
	ctx.w, ctx.parent = w, c.gctx
	req = req.WithContext(ctx)
	w.req, w.ctx = req, ctx
	c.r.ctx = ctx
	w.isHEAD = req.Method == http.MethodHead
	if req.Body == nil || req.Body == http.NoBody {
		w.bodyEOF = true
	} else {
		w.body = &body{w: w, rc: req.Body}
		w.body.needContinue = req.ProtoAtLeast(1, 1) && strings.EqualFold(req.Header.Get("Expect"), "100-continue")
		req.Body = w.body
	}
	return w
}

// Header returns the response header map; changes after WriteHeader (or
// the first Write) have no effect, except to trailers.
func (w *response) Header() http.Header { return w.header }

// WriteHeader sets the status. A 1xx status other than 101 is sent at
// once with the current header (103 Early Hints; 100 only if the handler
// wants it) and may be followed by others. A second final status is
// ignored. It panics for codes outside 100-999, as net/http does.
func (w *response) WriteHeader(code int) {
	if w.hijacked || w.wroteHeader {
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("httpserver: invalid WriteHeader code %v", code))
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		if code == http.StatusContinue && w.body != nil {
			if w.body.sentContinue {
				return
			}
			w.body.sentContinue = true
		}
		if w.enter() != nil {
			return
		}
		defer w.leave()
		bw := w.c.bw
		writeStatusLine(bw, code)
		w.header.Write(bw)
		bw.WriteString("\r\n")
		if err := bw.Flush(); err != nil {
			w.fail(err)
		}
		return
	}
	w.wroteHeader = true
	w.status = code
	w.snapshotHeader()
}

// snapshotHeader takes from the handler's header what the response will
// send (net/http clones the map; this writes the lines once, into the
// connection's reused buffer c.wb.hdr, and keeps a few facts), in one pass
// over the map: the Content-Length, the lines to send, and what sendHeader
// decides on. Left out: TrailerPrefix keys; Content-Length and
// Transfer-Encoding for a status without body (and Content-Type for 304);
// Transfer-Encoding: chunked and any Content-Length with it; an invalid
// Content-Length.
func (w *response) snapshotHeader() {
	h, code := w.header, w.status
	b := &w.c.wb.hdr
	*b = (*b)[:0]
	if len(h) == 0 {
		return
	}
	var arr [8]string
	keys := arr[:0]
	simple := len(h) <= len(arr) // the keys fit arr and no value needs cleaning
	var cl, te string
	var hasCL, hasTE bool
	for k, vv := range h {
		switch k {
		case "Trailer":
			w.hasTrailer = true
			w.trailerDecl = append([]string(nil), vv...)
		case "Content-Length":
			hasCL = true
			if len(vv) > 0 {
				cl = vv[0]
			}
		case "Transfer-Encoding":
			hasTE = true
			if len(vv) > 0 {
				te = vv[0]
			}
		case "Content-Type":
			w.hasCType = true
		case "Content-Encoding":
			w.hasCEnc = len(vv) > 0 && vv[0] != ""
		case "Connection":
			if len(vv) > 0 {
				w.hasConn, w.connClose = true, hasToken(vv, "close")
			}
		case "Date":
			w.hasDate = true
		}
		if simple {
			for _, v := range vv {
				if !cleanValue(v) {
					simple = false
				}
			}
			keys = append(keys, k)
		}
	}
	var dropCL, dropTE, dropCT bool
	if !bodyAllowed(code) {
		dropCL, dropTE = hasCL, hasTE
		dropCT = code == http.StatusNotModified
	} else {
		if cl != "" {
			if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
				w.contentLength = n
			} else {
				dropCL = true
			}
		}
		if strings.EqualFold(te, "chunked") {
			dropTE, dropCL = true, hasCL
			w.contentLength = -1
			w.chunkedAsked = true
		} else {
			w.te = te
		}
	}
	skip := func(k string) bool {
		return strings.HasPrefix(k, http.TrailerPrefix) ||
			dropCL && k == "Content-Length" || dropTE && k == "Transfer-Encoding" || dropCT && k == "Content-Type"
	}
	if simple {
		writeSortedLines(b, h, keys, skip)
		return
	}
	var exclude map[string]bool
	for k := range h {
		if skip(k) {
			if exclude == nil {
				exclude = make(map[string]bool)
			}
			exclude[k] = true
		}
	}
	h.WriteSubset(b, exclude)
}

// writeHeaderLines is h.WriteSubset(b, exclude), the same bytes (keys in
// sorted order, invalid keys dropped, CR and LF in values made spaces,
// values trimmed), without its sorter pool and string replacer for the
// common small header whose values need no cleaning.
func writeHeaderLines(b *hdrBuf, h http.Header, exclude map[string]bool) {
	var arr [8]string
	if len(h) > len(arr) {
		h.WriteSubset(b, exclude)
		return
	}
	keys := arr[:0]
	for k, vv := range h {
		for _, v := range vv {
			if !cleanValue(v) {
				h.WriteSubset(b, exclude)
				return
			}
		}
		keys = append(keys, k)
	}
	writeSortedLines(b, h, keys, func(k string) bool { return exclude[k] })
}

// writeSortedLines writes the lines of h's keys (sorted here; a few), but
// those skip reports and those that are not valid field names, as
// http.Header.Write does for values that need no cleaning.
func writeSortedLines(b *hdrBuf, h http.Header, keys []string, skip func(string) bool) {
	for i := 1; i < len(keys); i++ { // insertion sort: a few keys
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	for _, k := range keys {
		if skip(k) || !validFieldName(k) {
			continue
		}
		for _, v := range h[k] {
			b.WriteString(k)
			b.WriteString(": ")
			b.WriteString(v)
			b.WriteString("\r\n")
		}
	}
}

// cleanValue reports whether v is sent as is by http.Header.Write: no CR
// or LF, no white space to trim at either end.
func cleanValue(v string) bool {
	if v == "" {
		return true
	}
	if isTrimmed(v[0]) || isTrimmed(v[len(v)-1]) {
		return false
	}
	return strings.IndexByte(v, '\n') < 0 && strings.IndexByte(v, '\r') < 0
}

// validFieldName is httpguts.ValidHeaderFieldName: a non-empty token.
func validFieldName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

func isTrimmed(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// Write writes body bytes, after WriteHeader(http.StatusOK) if no status
// was set. Up to 4 KiB are buffered until the handler returns or flushes;
// then the header is sent (with Content-Length if the handler is done,
// else chunked for HTTP/1.1, close-delimited for HTTP/1.0) and later
// writes go to the connection.
//
// It waits cooperatively while the client does not read, until the
// WriteTimeout deadline (an error matching os.ErrDeadlineExceeded). A kill
// or Timeout scope of the handler's greenlet returns that error unchanged.
// After any error the connection is closed once the handler returns. It
// returns http.ErrBodyNotAllowed for HEAD-less statuses without body (1xx,
// 204, 304), http.ErrContentLength past a declared Content-Length, and
// http.ErrHijacked after Hijack. For HEAD, bytes are counted, not sent.
func (w *response) Write(p []byte) (int, error) { return writeBody(w, p) }

// WriteString is Write for a string, without copying it.
func (w *response) WriteString(s string) (int, error) { return writeBody(w, s) }

// errAfterHandler is returned by a ResponseWriter used after its handler
// returned (net/http forbids it too).
var errAfterHandler = errors.New("httpserver: ResponseWriter used after the handler returned")

func writeBody[B []byte | string](w *response, p B) (int, error) {
	if err := w.enter(); err != nil {
		return 0, err
	}
	n, err := writeBody1(w, p)
	w.leave()
	return n, err
}

func writeBody1[B []byte | string](w *response, p B) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if w.handlerDone {
		return 0, errAfterHandler
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.contentLength >= 0 && w.written+int64(len(p)) > w.contentLength {
		return 0, http.ErrContentLength
	}
	w.written += int64(len(p))
	if !w.headerSent {
		if len(w.buf)+len(p) <= bufferBeforeHeader {
			w.buf = append(w.buf, p...)
			return len(p), nil
		}
		w.sendHeader(false)
	}
	if w.isHEAD {
		return len(p), nil
	}
	bw := w.c.bw
	if w.chunked {
		writeChunkHeader(bw, len(p))
	}
	switch v := any(p).(type) {
	case []byte:
		bw.Write(v)
	case string:
		bw.WriteString(v)
	}
	if w.chunked {
		bw.WriteString("\r\n")
	}
	if err := bwErr(bw); err != nil {
		w.fail(err)
		return 0, err
	}
	return len(p), nil
}

// bwErr returns the writer's sticky error (a Write of nothing reports it).
func bwErr(bw *bufio.Writer) error {
	_, err := bw.Write(nil)
	return err
}

func (w *response) fail(err error) {
	if w.err == nil {
		w.err = err
	}
	w.closeAfter = true
}

// writeInt writes n in base to bw, formatted in bw's free space (a local
// array would escape through bw.Write).
func writeInt(bw *bufio.Writer, n int64, base int) {
	if bw.Available() < 20 {
		bw.WriteString(strconv.FormatInt(n, base))
		return
	}
	bw.Write(strconv.AppendInt(bw.AvailableBuffer(), n, base))
}

func writeChunkHeader(bw *bufio.Writer, n int) {
	writeInt(bw, int64(n), 16)
	bw.WriteString("\r\n")
}

func writeStatusLine(bw *bufio.Writer, code int) {
	if code == http.StatusOK {
		bw.WriteString("HTTP/1.1 200 OK\r\n")
		return
	}
	bw.WriteString("HTTP/1.1 ")
	writeInt(bw, int64(code), 10)
	bw.WriteByte(' ')
	text := http.StatusText(code)
	if text == "" {
		text = "status code " + strconv.Itoa(code)
	}
	bw.WriteString(text)
	bw.WriteString("\r\n")
}

func bodyAllowed(code int) bool {
	return !(code >= 100 && code <= 199) && code != http.StatusNoContent && code != http.StatusNotModified
}

func hasToken(vals []string, token string) bool {
	for _, v := range vals {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// sendHeader writes the status line and header, then the buffered body.
// final: the handler has returned, so the body is w.buf entire.
func (w *response) sendHeader(final bool) {
	w.headerSent = true
	req, bw := w.req, w.c.bw
	code := w.status
	var setLength bool
	var ctype string
	if !bodyAllowed(code) {
		w.contentLength = -1
	} else {
		te := w.te
		if w.chunkedAsked {
			if req.ProtoAtLeast(1, 1) && !w.isHEAD {
				w.chunked = true
			} else if !w.isHEAD {
				w.closeAfter = true
			}
		}
		// Content-Length from what was written, unless the handler asked
		// for chunked (RFC 9112 6.2: never both).
		if w.contentLength < 0 && te == "" && !w.chunkedAsked && !w.hasTrailer && final && (!w.isHEAD || w.written > 0) {
			w.contentLength, setLength = w.written, true
		}
		if w.contentLength < 0 && !w.chunked && !w.isHEAD {
			if te == "" && req.ProtoAtLeast(1, 1) {
				w.chunked = true
			} else {
				w.closeAfter = true // the body ends when the connection does
			}
		}
		if !w.hasCType && te == "" && len(w.buf) > 0 && !w.hasCEnc {
			ctype = http.DetectContentType(w.buf)
		}
	}
	if w.connClose || req.Close || w.c.srv.stopping {
		w.closeAfter = true
	}
	keepAlive10 := false
	if !req.ProtoAtLeast(1, 1) && !w.closeAfter {
		if w.contentLength >= 0 || !bodyAllowed(code) || w.isHEAD {
			keepAlive10 = !w.hasConn
		} else {
			w.closeAfter = true
		}
	}
	if b := w.body; b != nil && !w.bodyEOF {
		if b.needContinue && !b.sentContinue {
			w.closeAfter = true // the client may not send the body at all
		} else if req.ContentLength > 0 && req.ContentLength-b.n > maxDrainBytes {
			w.closeAfter = true
		}
	}

	writeStatusLine(bw, code)
	bw.Write(w.c.wb.hdr)
	if !w.hasDate {
		bw.WriteString("Date: ")
		bw.Write(httpDate())
		bw.WriteString("\r\n")
	}
	if setLength {
		bw.WriteString("Content-Length: ")
		writeInt(bw, w.contentLength, 10)
		bw.WriteString("\r\n")
	}
	if ctype != "" {
		bw.WriteString("Content-Type: " + ctype + "\r\n")
	}
	if w.chunked {
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	}
	if w.closeAfter && !w.connClose {
		bw.WriteString("Connection: close\r\n")
	} else if keepAlive10 {
		bw.WriteString("Connection: keep-alive\r\n")
	}
	bw.WriteString("\r\n")
	if len(w.buf) > 0 && !w.isHEAD && bodyAllowed(code) {
		if w.chunked {
			writeChunkHeader(bw, len(w.buf))
			bw.Write(w.buf)
			bw.WriteString("\r\n")
		} else {
			bw.Write(w.buf)
		}
	}
	w.buf = w.buf[:0]
	if err := bwErr(bw); err != nil {
		w.fail(err)
	}
}

// discard drops what the handler wrote but did not send (before a 500).
func (w *response) discard() { w.buf = w.buf[:0] }

// Flush sends the header (if not yet sent) and everything buffered. From
// a goroutine other than the hub's greenlets it hands the flush to the hub
// (see FlushError).
func (w *response) Flush() { w.FlushError() }

// FlushError is Flush returning the write error (http.ResponseController).
// It waits as Write does.
//
// Called from a goroutine that is not a greenlet of the server's hub
// (ReverseProxy's FlushInterval timer does so), it does not write: it
// hands the flush to the hub, where a greenlet of its own does it (after
// the handler's write in progress, if any), and returns nil at once. So a
// client that does not read blocks neither that goroutine nor the hub.
func (w *response) FlushError() error {
	if !w.c.srv.hub.OnHub() {
		w.flushElsewhere()
		return nil
	}
	if err := w.enter(); err != nil {
		return err
	}
	defer w.leave()
	return w.flush()
}

// enter waits until no flush asked from elsewhere is writing, and marks
// the handler's greenlet busy writing. A kill or Timeout while waiting is
// returned (and the response is not touched).
func (w *response) enter() error {
	c := w.c
	for c.flushing() {
		if _, err := c.fl.done.Wait(-1); err != nil {
			w.fail(err)
			return err
		}
	}
	c.busy = true
	return nil
}

// leave ends enter, and does the flush asked from elsewhere meanwhile.
func (w *response) leave() {
	c := w.c
	if c.fl != nil {
		for c.fl.later && !w.handlerDone && !w.hijacked {
			c.fl.later = false
			w.flush() // still busy: another flush from elsewhere waits for it
		}
		c.fl.later = false
	}
	c.busy = false
}

// flushElsewhere hands a Flush called off the hub to the hub.
func (w *response) flushElsewhere() {
	if !w.flushAsked.CompareAndSwap(false, true) {
		return // one is on its way
	}
	w.c.srv.hub.Submit(func() error {
		w.flushAsked.Store(false)
		c := w.c
		if c.fl == nil {
			c.fl = new(flushState)
		}
		switch {
		case w.handlerDone || w.hijacked || c.fl.flushing:
		case c.busy:
			c.fl.later = true
		default:
			c.fl.flushing = true
			w.flush()
			c.fl.flushing = false
			c.fl.done.WakeAll(struct{}{})
		}
		return nil
	})
}

func (w *response) flush() error {
	if w.hijacked {
		return http.ErrHijacked
	}
	if w.handlerDone {
		return errAfterHandler
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headerSent {
		w.sendHeader(false)
	}
	if w.err != nil {
		return w.err
	}
	if err := w.c.bw.Flush(); err != nil {
		w.fail(err)
		return err
	}
	return nil
}

// finish completes the response after the handler returned: header and
// body if still buffered, the last chunk and trailers, then the drain of
// an unread request body.
func (w *response) finish() {
	c := w.c
	w.handlerDone = true
	for c.flushing() { // a flush asked from elsewhere is writing
		if _, err := c.fl.done.Wait(-1); err != nil {
			w.closeAfter = true
			return
		}
	}
	c.r.abortBackground()
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headerSent {
		w.sendHeader(true)
	}
	bw := c.bw
	if w.chunked && w.err == nil {
		bw.WriteString("0\r\n")
		if tr := w.trailers(); len(tr) > 0 {
			tr.Write(bw)
		}
		bw.WriteString("\r\n")
	}
	if w.contentLength >= 0 && w.written < w.contentLength && bodyAllowed(w.status) && !w.isHEAD {
		w.closeAfter = true // the client would wait for the missing bytes
	}
	if err := bw.Flush(); err != nil {
		w.fail(err)
	}
	w.ctx.end(context.Canceled)
	if b := w.body; b != nil && !w.bodyEOF && !w.closeAfter {
		if b.needContinue && !b.sentContinue {
			w.closeAfter = true
		} else if _, err := io.CopyN(io.Discard, b.rc, maxDrainBytes+1); err != io.EOF {
			w.closeAfter = true
		}
	}
	if c.srv.AccessLog != nil {
		c.srv.logAccess(c.remote, w.req.Method+" "+w.req.RequestURI+" "+w.req.Proto, w.status, w.written, fromUnixNano(c.start))
	}
	c.wbuf = w.buf[:0]
	c.r.ctx = nil // an idle connection keeps nothing of the request
}

// trailers collects the trailer values: the keys declared in the
// "Trailer" header, and those set with http.TrailerPrefix.
func (w *response) trailers() http.Header {
	var tr http.Header
	for _, v := range w.trailerDecl {
		for _, k := range strings.Split(v, ",") {
			k = http.CanonicalHeaderKey(strings.TrimSpace(k))
			if vv, ok := w.header[k]; ok {
				if tr == nil {
					tr = make(http.Header)
				}
				tr[k] = vv
			}
		}
	}
	for k, vv := range w.header {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			if tr == nil {
				tr = make(http.Header)
			}
			tr[http.CanonicalHeaderKey(k[len(http.TrailerPrefix):])] = vv
		}
	}
	return tr
}

// Hijack hands the connection over to the handler (WebSocket libraries
// use it): after it the server writes nothing more on it and, once the
// handler returns, does not read it either. The returned ReadWriter holds
// bytes the client already sent. The connection greenlet stays until the
// returned net.Conn is closed (or the server stops and kills it, which
// closes the connection); so close it when done, from any greenlet or
// goroutine. A header set with WriteHeader but not sent is sent first.
// The ReadWriter's buffers belong to the caller (the server keeps no
// reference to them): 512 bytes each, unless the reader holds bytes.
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	if w.handlerDone {
		return nil, nil, errors.New("httpserver: Hijack after the handler returned")
	}
	if err := w.enter(); err != nil {
		return nil, nil, err
	}
	defer w.leave()
	c := w.c
	if w.wroteHeader && !w.headerSent {
		w.sendHeader(false)
	}
	if err := c.bw.Flush(); err != nil {
		return nil, nil, err
	}
	c.r.abortBackground()
	if c.r.hasByte && c.br.Buffered() < c.br.Size() {
		c.br.Peek(c.br.Buffered() + 1) // the background read's byte, where Buffered() shows it
	}
	c.nc.SetDeadline(time.Time{})
	w.hijacked = true
	c.state = stateHijacked
	// The server's 4 KiB buffers go back to their pools (the reader only if
	// it holds nothing), the header record is dropped, and the hijacker
	// gets buffers of its own, small ones: an idle hijacked connection (a
	// WebSocket) holds only what its new owner keeps, and leaves no 8 KiB
	// of garbage per connection.
	w.buf = nil
	c.releaseBuffers()
	c.releaseReader()
	c.r.rec = nil
	c.small = nil // apart from the conn: a hijacked connection does not keep it
	// Nor the response and its request: the server no longer points to
	// them (the handler's frames and what it keeps decide).
	c.w, c.r.ctx = nil, nil
	br := c.br
	if br == nil {
		br = bufio.NewReaderSize(&c.r, hijackBufferSize)
	}
	c.br = nil
	c.hc = &hijackedConn{Conn: c.nc, c: c}
	return c.hc, bufio.NewReadWriter(br, bufio.NewWriterSize(c.nc, hijackWriterSize)), nil
}

func init() { reqdetach.Detach = detachRequest }

// detachRequest is reqdetach.Detach: after a Hijack, r with the
// connection greenlet's context (cancelled when it is killed or ends)
// instead of the request's, which is part of the response: the server's
// own request changed in place, a middleware's copy copied again. It
// returns r unchanged if a middleware derived its context (its values
// must stay) or it has a body.
func detachRequest(r *http.Request) *http.Request {
	x, ok := r.Context().(*reqContext)
	if !ok || !x.w.hijacked || (r.Body != nil && r.Body != http.NoBody) {
		return r
	}
	if r != x.w.req {
		return r.WithContext(x.parent) // a copy made by a middleware
	}
	// The server's own request: changed in place (no copy, no garbage).
	// Nothing but the hijacker uses it from now on; the handler returns
	// when the connection is done.
	*r = *r.WithContext(x.parent)
	return r
}

// hijackBufferSize is the size of the reader Hijack hands out (unless it
// holds bytes the client sent): above the 256 bytes below which
// gorilla/websocket allocates a reader of its own.
const hijackBufferSize = 512

// hijackWriterSize is the size of the writer Hijack hands out: gorilla
// only writes its 101 answer through it (then drops it); other hijackers
// write larger chunks past it.
const hijackWriterSize = 256

// hijackedConn lets the connection greenlet end when the handler's side
// closes the connection.
type hijackedConn struct {
	net.Conn
	c      *conn
	closed atomic.Bool
}

func (h *hijackedConn) Close() error {
	err := h.Conn.Close()
	if h.closed.CompareAndSwap(false, true) {
		if hub := h.c.srv.hub; hub.OnHub() {
			h.c.hijackClosed()
		} else {
			hub.Post(h.c.hijackClosed)
		}
	}
	return err
}

// hijackClosed wakes the connection's greenlet if it waits for the
// hijacked connection's Close (in the hub).
func (c *conn) hijackClosed() {
	if c.hijack != nil {
		c.hijack.Set()
	}
}

// SetReadDeadline sets the connection's read deadline (for request body
// reads; http.ResponseController).
func (w *response) SetReadDeadline(t time.Time) error {
	if w.hijacked {
		return http.ErrHijacked
	}
	w.c.rdl = unixNano(t)
	return w.c.nc.SetReadDeadline(t)
}

// SetWriteDeadline sets the connection's write deadline
// (http.ResponseController).
func (w *response) SetWriteDeadline(t time.Time) error {
	if w.hijacked {
		return http.ErrHijacked
	}
	w.c.wdl = unixNano(t)
	return w.c.nc.SetWriteDeadline(t)
}

// EnableFullDuplex is for http.ResponseController: reading the request
// body while writing the response always works here, so it does nothing.
func (w *response) EnableFullDuplex() error { return nil }

// maybeWatch starts the client-gone watch if the request body is done.
func (w *response) maybeWatch() {
	if !w.handlerDone && !w.hijacked && w.bodyEOF {
		w.c.r.startBackground()
	}
}

// body is the request body seen by the handler: it sends 100 Continue at
// the first Read, and notes the end of the body.
type body struct {
	w            *response
	rc           io.ReadCloser
	n            int64
	needContinue bool
	sentContinue bool
}

// Read reads the request body. It waits cooperatively for the client,
// until the ReadTimeout deadline (an error matching
// os.ErrDeadlineExceeded); a kill or Timeout scope returns that error
// unchanged. A malformed chunked body returns an error. After any error
// but io.EOF the connection is closed once the handler returns. After the
// handler returned it returns http.ErrBodyReadAfterClose.
func (b *body) Read(p []byte) (int, error) {
	w := b.w
	if w.handlerDone || w.hijacked {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.needContinue && !b.sentContinue {
		if err := w.enter(); err != nil {
			return 0, err
		}
		defer w.leave()
		b.sentContinue = true
		if !w.headerSent {
			bw := w.c.bw
			bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
			if err := bw.Flush(); err != nil {
				w.fail(err)
				return 0, err
			}
		}
	}
	n, err := b.rc.Read(p)
	b.n += int64(n)
	if err == io.EOF {
		w.bodyEOF = true
		if w.ctx.watched.Load() {
			w.maybeWatch()
		}
	} else if err != nil {
		w.closeAfter = true
	}
	return n, err
}

// Close does nothing: the server reads (up to 256 KiB) or discards what
// the handler leaves when it returns.
func (b *body) Close() error { return nil }

type dateCache struct {
	sec int64
	b   []byte
}

var dateNow atomic.Pointer[dateCache]

// httpDate returns the Date header value, formatted once a second.
func httpDate() []byte {
	now := time.Now()
	s := now.Unix()
	if d := dateNow.Load(); d != nil && d.sec == s {
		return d.b
	}
	d := &dateCache{sec: s, b: now.UTC().AppendFormat(nil, http.TimeFormat)}
	dateNow.Store(d)
	return d.b
}
