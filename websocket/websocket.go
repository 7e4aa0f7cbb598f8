// Package websocket is gevent-websocket for handlers served by httpserver:
// an http.Handler that upgrades the request and hands the handler, in the
// connection's own greenlet, a *Conn with Receive, Send and Close.
//
// The frames are read and written by github.com/gorilla/websocket over the
// hijacked connection (a *socket.Conn of the hub). gorilla does all its I/O
// in the calling goroutine and starts none, so every blocking call here is
// a cooperative socket wait: it yields to the hub, and a kill or a
// gevent.Timeout scope of the greenlet interrupts it; gorilla's deadlines
// (SetReadDeadline, SetWriteDeadline) become the socket's cooperative
// deadlines. github.com/coder/websocket was not chosen: its Conn starts a
// goroutine per connection (timeoutLoop) and its readers and writers wait
// on channels and mutexes shared with it, which would stop the hub (see
// docs/porting.md, "The interop rule").
//
// # Messages and errors
//
// Receive returns data messages (text and binary); pings are answered and
// pongs handed to OnPong inside Receive, as gevent-websocket does. When the
// peer closes, Receive answers its close frame and returns a *CloseError
// with the peer's code (gevent-websocket's receive() returns None). A
// message longer than ReadLimit closes the connection with 1009; a protocol
// violation (bad opcode, unmasked client frame, bad UTF-8 in a text
// message, a fragmented control frame) with 1002 (1007 for UTF-8); both
// are reported by Receive. A Receive timeout, kill or Timeout scope that
// interrupts the wait for a message's first byte leaves the connection
// usable (nothing was consumed); any other read error is final (gorilla
// keeps it): after it the connection can only be closed.
//
// # Which goroutines may call what
//
// A Conn belongs to the hub of the server's greenlets: call its methods
// from greenlets of that hub. One greenlet may Receive while others Send:
// sends take turns (a cooperative lock, FIFO), receives too.
package websocket

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/reqdetach"
	"github.com/gevent-go/gevent/lock"
	gorilla "github.com/gorilla/websocket"
)

// Message types, as in RFC 6455 (and gorilla).
const (
	TextMessage   = gorilla.TextMessage
	BinaryMessage = gorilla.BinaryMessage
	CloseMessage  = gorilla.CloseMessage
	PingMessage   = gorilla.PingMessage
	PongMessage   = gorilla.PongMessage
)

// Close codes (RFC 6455, section 7.4.1).
const (
	CloseNormalClosure     = gorilla.CloseNormalClosure    // 1000
	CloseGoingAway         = gorilla.CloseGoingAway        // 1001: server stopping, greenlet killed
	CloseProtocolError     = gorilla.CloseProtocolError    // 1002
	CloseUnsupportedData   = gorilla.CloseUnsupportedData  // 1003
	CloseNoStatusReceived  = gorilla.CloseNoStatusReceived // 1005 (never sent)
	CloseAbnormalClosure   = gorilla.CloseAbnormalClosure  // 1006 (never sent)
	CloseInvalidPayload    = gorilla.CloseInvalidFramePayloadData
	ClosePolicyViolation   = gorilla.ClosePolicyViolation   // 1008
	CloseMessageTooBig     = gorilla.CloseMessageTooBig     // 1009
	CloseInternalServerErr = gorilla.CloseInternalServerErr // 1011: the handler failed
)

// CloseError is the error Receive returns once the peer sent a close frame
// (Code 1005 if it gave none).
type CloseError = gorilla.CloseError

// Defaults of Handler's fields.
const (
	DefaultReadLimit    = 16 << 20         // bytes per message
	DefaultWriteTimeout = 10 * time.Second // per Send
	closeWait           = time.Second      // bound for writing a close frame
)

// ErrClosed is returned by Send and Receive after Close.
var ErrClosed = errors.New("websocket: connection closed")

// ErrWriteTimeout is returned (wrapped, also matching os.ErrDeadlineExceeded)
// by a Send that could not finish within the write timeout: the client
// does not read. The connection is unusable afterwards.
var ErrWriteTimeout = fmt.Errorf("websocket: write timeout: %w", os.ErrDeadlineExceeded)

// ErrReadTimeout is returned (wrapped, also matching
// os.ErrDeadlineExceeded) by a Receive whose timeout passed.
var ErrReadTimeout = fmt.Errorf("websocket: read timeout: %w", os.ErrDeadlineExceeded)

// Handler is the upgrade handler (gevent-websocket's WebSocketHandler with
// the application it calls): an http.Handler that checks the opening
// handshake, answers 101, and runs Serve with the connection in the
// request's greenlet. A request that is not a valid WebSocket handshake
// gets 400 (405 for a method other than GET, 403 for an origin
// CheckOrigin refuses) with the reason in a text/plain body, and Serve is
// not called.
//
// When Serve returns, the connection is closed with a close frame: 1000
// if Serve returned nil, 1001 if it returned a kill error (ErrGreenletExit,
// a server stopping) or a *gevent.Timeout, 1011 (the error's text as
// reason) for another error or a panic (which then goes on to the hub). If
// the peer closed first, its close was answered already and none is sent.
type Handler struct {
	// Serve handles one connection; it runs in the request's greenlet.
	Serve func(c *Conn) error
	// ReadLimit bounds a message's size; 0 means DefaultReadLimit, < 0 no
	// limit. A longer message closes the connection with 1009.
	ReadLimit int64
	// WriteTimeout bounds each Send (0: DefaultWriteTimeout, < 0: none).
	WriteTimeout time.Duration
	// EnableCompression negotiates permessage-deflate (RFC 7692, without
	// context takeover, gorilla's support) when the client offers it.
	EnableCompression bool
	// Subprotocols are the server's subprotocols in order of preference.
	Subprotocols []string
	// CheckOrigin refuses a handshake with 403 when it returns false; nil
	// accepts a request without Origin or with Origin equal to Host.
	CheckOrigin func(r *http.Request) bool
}

// New returns a Handler calling serve with the default limits.
func New(serve func(c *Conn) error) *Handler { return &Handler{Serve: serve} }

// ServeHTTP upgrades the request and runs h.Serve (see Handler).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c := h.upgrade(w, r); c != nil {
		c.serve(h.Serve)
	}
}

// upgrade answers the handshake and returns the connection, or nil
// after an error answer. It is a function of its own so that the
// upgrader and the handshake's locals are not on the greenlet's stack
// while the connection is served (an idle connection's stack stays
// within 4 KiB).
func (h *Handler) upgrade(w http.ResponseWriter, r *http.Request) *Conn {
	// The upgrader lives in hw, on the heap: on the stack it would make
	// this frame and so the deepest point of the handshake larger.
	hw := &hijackWatch{ResponseWriter: w, u: gorilla.Upgrader{
		WriteBufferPool:   &writeBufferPool,
		EnableCompression: h.EnableCompression,
		Subprotocols:      h.Subprotocols,
		CheckOrigin:       h.CheckOrigin,
		Error:             handshakeError,
	}}
	ws, err := hw.u.Upgrade(hw, r, nil)
	if err != nil {
		return nil // answered by Error
	}
	c := &Conn{ws: ws, bc: hw.bc, req: r, writeTimeout: DefaultWriteTimeout}
	if reqdetach.Detach != nil {
		c.req = reqdetach.Detach(r) // not keeping httpserver's response
	}
	if err := c.bc.flush(); err != nil { // the 101 response
		ws.Close()
		return nil
	}
	if hw.brw != nil && hw.brw.Reader.Size() > 256 && hw.brw.Reader.Buffered() == 0 {
		// gorilla reads frames through it (it reuses a reader > 256 B),
		// which reads the hijacked connection itself (bufConn only
		// buffers writes).
		c.br = hw.brw.Reader
		c.br.Reset(hw.bc.Conn)
	}
	hw.brw = nil
	if h.WriteTimeout != 0 {
		c.writeTimeout = h.WriteTimeout
	}
	limit := h.ReadLimit
	if limit == 0 {
		limit = DefaultReadLimit
	}
	if limit > 0 {
		ws.SetReadLimit(limit)
	}
	ws.SetPingHandler(c.onPing)
	ws.SetCloseHandler(c.onClose)
	ws.SetPongHandler(func(data string) error {
		if c.onPong != nil {
			c.onPong([]byte(data))
		}
		return nil
	})
	return c
}

// handshakeError answers a bad handshake with the reason as text.
func handshakeError(w http.ResponseWriter, r *http.Request, status int, reason error) {
	w.Header().Set("Sec-WebSocket-Version", "13")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintf(w, "%d %s: %v\n", status, http.StatusText(status), reason)
}

// Memory of an idle connection: no 4 KiB reader or writer of the HTTP
// connection is kept (gorilla reads through a reader of readBufferSize
// bytes, when the client sent nothing after the handshake);
// gorilla takes its write buffer from writeBufferPool for each message
// and gives it back; the frames it writes wait in a pooled buffer of
// bufConn only until flushed.
var writeBufferPool sync.Pool

// readBufferSize is the read buffer of a connection: above 256 bytes so
// that gorilla reads through it (it then holds no other), above a control
// frame (125 bytes and header); a large message's payload is read past it
// (bufio reads a large read directly).
const readBufferSize = 512

// hijackWatch keeps the bufio.Reader it hands gorilla through Hijack:
// gorilla reads the frames through it, so Receive can wait for a frame's
// first byte (Peek) without touching gorilla's state.
type hijackWatch struct {
	http.ResponseWriter
	u   gorilla.Upgrader
	brw *bufio.ReadWriter
	bc  *bufConn
}

func (h *hijackWatch) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("websocket: the ResponseWriter cannot hijack (serve with httpserver)")
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.bc = &bufConn{Conn: nc}
	if brw.Reader.Buffered() == 0 && brw.Reader.Size() > readBufferSize {
		// Nothing to carry over: a small reader of the socket instead of a
		// 4 KiB one (gorilla resets it to read h.bc anyway). httpserver's
		// Hijack hands out one of readBufferSize already.
		brw = bufio.NewReadWriter(bufio.NewReaderSize(h.bc, readBufferSize), brw.Writer)
	}
	h.brw = brw
	return h.bc, brw, nil
}

// bufConn is the net.Conn gorilla writes to: its writes only append to a
// buffer, which the Conn's methods then flush to the socket under the
// cooperative write lock. gorilla's write lock is a channel; a socket
// write that waited while holding it would let gorilla's own writes (the
// close frame it sends on a protocol violation, from the reading
// greenlet) block the hub's thread on that channel.
type bufConn struct {
	net.Conn
	pending *[]byte // from pendingPool while there are bytes to flush
	wdl     time.Time
	err     error // sticky flush error
}

// pendingPool holds bufConn's buffers: an idle connection keeps none.
var pendingPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func (b *bufConn) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.pending == nil {
		b.pending = pendingPool.Get().(*[]byte)
	}
	*b.pending = append(*b.pending, p...)
	return len(p), nil
}

// buffered reports the bytes waiting for a flush.
func (b *bufConn) buffered() int {
	if b.pending == nil {
		return 0
	}
	return len(*b.pending)
}

func (b *bufConn) SetWriteDeadline(t time.Time) error { b.wdl = t; return nil }

func (b *bufConn) SetDeadline(t time.Time) error {
	b.wdl = t
	return b.Conn.SetReadDeadline(t)
}

// flush writes what gorilla buffered, with the last write deadline it
// set. Bytes buffered meanwhile (by another greenlet) are written too.
// The caller holds the write lock.
func (b *bufConn) flush() error {
	for b.err == nil && b.buffered() > 0 {
		p := b.pending
		b.pending = nil
		b.Conn.SetWriteDeadline(b.wdl)
		_, err := b.Conn.Write(*p)
		if cap(*p) <= 64<<10 { // pool a small buffer, drop a large one
			*p = (*p)[:0]
			pendingPool.Put(p)
		}
		if err != nil {
			b.err = err
		}
	}
	return b.err
}

func (h *hijackWatch) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// serve runs fn and closes the connection with the close code its result
// gives. The close frame is written in the normal path; if the greenlet
// was killed and that write had to wait (the greenlet then unwinds), the
// deferred call writes it, since blocking is allowed while unwinding.
func (c *Conn) serve(fn func(*Conn) error) {
	code, reason := CloseInternalServerErr, "handler panicked"
	defer func() { c.finish(code, reason) }()
	err := fn(c)
	code, reason = closeCodeFor(err)
	c.finish(code, reason)
}

func closeCodeFor(err error) (int, string) {
	var te *gevent.Timeout
	switch {
	case err == nil:
		return CloseNormalClosure, ""
	case errors.Is(err, gevent.ErrGreenletExit) || errors.As(err, &te):
		return CloseGoingAway, "going away"
	default:
		s := err.Error()
		if len(s) > 123 {
			s = s[:123]
		}
		return CloseInternalServerErr, s
	}
}

// Conn is an open WebSocket connection (gevent-websocket's WebSocket, the
// environ's "wsgi.websocket"). See the package comment for which
// goroutines may call its methods.
type Conn struct {
	ws           *gorilla.Conn
	bc           *bufConn
	br           *bufio.Reader // gorilla's frame reader (nil if unknown)
	req          *http.Request
	wmu, rmu     lock.Lock
	writeTimeout time.Duration
	onPong       func([]byte)
	readDeadline bool // a read deadline is set
	closeSent    bool // a close frame was written (or the connection is dead)
	closed       bool // Close was called
	peerClosed   bool
	sends        int // writes since the last yield (sendsPerYield)
}

// sendsPerYield: a write yields to the hub once in this many (Send).
const sendsPerYield = 16

// Request returns the handshake request (method, path, query, headers,
// cookies, RemoteAddr). Served by httpserver, its Context is, from the
// upgrade on, the connection greenlet's (cancelled when the greenlet is
// killed or ends; the request's own would keep the HTTP response in
// memory), unless a middleware gave the request a context of its own,
// which it then keeps with its values.
func (c *Conn) Request() *http.Request { return c.req }

// Subprotocol returns the negotiated subprotocol ("" if none).
func (c *Conn) Subprotocol() string { return c.ws.Subprotocol() }

// RemoteAddr returns the client's address.
func (c *Conn) RemoteAddr() net.Addr { return c.ws.RemoteAddr() }

// Receive waits for the next data message and returns its type
// (TextMessage or BinaryMessage) and payload. Pings that arrive meanwhile
// are answered, pongs passed to OnPong.
//
// With a timeout, it returns an error matching ErrReadTimeout (and
// os.ErrDeadlineExceeded) when none arrived in time. A kill or Timeout scope
// of the greenlet returns that error unchanged. If none of these came
// before the first byte of a frame arrived, nothing was consumed and the
// connection may be read again (polling with a timeout works, as with
// gevent-websocket); once a frame has begun, they are final, like every
// other read error (gorilla keeps it). When the peer closes, Receive
// returns a *CloseError (the close was answered); when the peer goes away
// without a close frame, an error matching io.ErrUnexpectedEOF. Greenlets
// that Receive on one Conn take turns in FIFO order.
func (c *Conn) Receive(timeout ...time.Duration) (int, []byte, error) {
	if c.closed {
		return 0, nil, ErrClosed
	}
	if _, err := c.rmu.Acquire(); err != nil {
		return 0, nil, err
	}
	defer c.rmu.Release()
	if err := c.waitFrame(timeout); err != nil {
		return 0, nil, err
	}
	return c.readMessage()
}

// waitFrame sets the read deadline and waits for the first byte of a
// frame outside gorilla: a timeout, kill or Timeout scope here leaves the
// connection as it was. EOF and connection errors are left for gorilla
// to read and report.
func (c *Conn) waitFrame(timeout []time.Duration) error {
	dl := time.Time{}
	if len(timeout) > 0 && timeout[0] >= 0 {
		dl = time.Now().Add(timeout[0])
	}
	c.setReadDeadline(dl)
	if c.br == nil || c.br.Buffered() > 0 {
		return nil
	}
	if _, err := c.br.Peek(1); err != nil {
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout() && !isScope(err):
			c.setReadDeadline(time.Time{})
			return ErrReadTimeout
		case errors.Is(err, gevent.ErrGreenletExit) || isScope(err) || !isConnErr(err):
			c.setReadDeadline(time.Time{})
			return err
		}
	}
	return nil
}

// setReadDeadline sets the read deadline unless it is none and was none.
func (c *Conn) setReadDeadline(t time.Time) {
	if t.IsZero() && !c.readDeadline {
		return
	}
	c.readDeadline = !t.IsZero()
	c.ws.SetReadDeadline(t)
}

// readMessage reads the message whose first byte arrived, with gorilla.
func (c *Conn) readMessage() (int, []byte, error) {
	typ, r, err := c.ws.NextReader()
	if err != nil {
		return 0, nil, c.readErr(err)
	}
	data, err := readAll(r)
	if err != nil {
		return 0, nil, c.readErr(err)
	}
	return typ, data, nil
}

// readScratch holds the buffers readAll reads messages into.
var readScratch = sync.Pool{New: func() any { b := make([]byte, 4096); return &b }}

// readAll reads r to its end and returns what it read in a slice of its
// own, of exactly that length: the message is read into a pooled 4 KiB
// buffer and copied once (io.ReadAll, which gorilla's ReadMessage uses,
// allocates 512 bytes for the smallest message and grows by doubling).
// A message larger than the buffer goes on with io.ReadAll's growth.
func readAll(r io.Reader) ([]byte, error) {
	bp := readScratch.Get().(*[]byte)
	defer readScratch.Put(bp)
	buf := *bp
	n := 0
	for {
		m, err := r.Read(buf[n:])
		n += m
		if err == io.EOF {
			out := make([]byte, n)
			copy(out, buf[:n])
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if n == len(buf) {
			rest, err := io.ReadAll(r)
			if err != nil {
				return nil, err
			}
			out := make([]byte, n+len(rest))
			copy(out, buf[:n])
			copy(out[n:], rest)
			return out, nil
		}
	}
}

// ReceiveText is Receive for a text protocol: it returns the message as a
// string (a binary message too, unchanged).
func (c *Conn) ReceiveText(timeout ...time.Duration) (string, error) {
	_, b, err := c.Receive(timeout...)
	return string(b), err
}

// ReceiveJSON receives a message and decodes it as JSON into v.
func (c *Conn) ReceiveJSON(v any, timeout ...time.Duration) error {
	_, b, err := c.Receive(timeout...)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func isScope(err error) bool { _, ok := err.(*gevent.Timeout); return ok }

// isConnErr reports whether err comes from the connection itself (EOF, a
// socket error) rather than from the greenlet (a kill with any error).
func isConnErr(err error) bool {
	var oe *net.OpError
	return errors.Is(err, io.EOF) || errors.As(err, &oe)
}

func (c *Conn) readErr(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		if _, ok := err.(*gevent.Timeout); !ok {
			return ErrReadTimeout
		}
	}
	var ce *CloseError
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		(errors.As(err, &ce) && ce.Code == CloseAbnormalClosure) {
		c.closeSent = true // nobody to send it to
		return fmt.Errorf("websocket: connection lost: %w", io.ErrUnexpectedEOF)
	}
	c.flushOwn()
	return err
}

// flushOwn writes what gorilla buffered by itself while reading: the
// close frame (1002, 1007, 1009) of a protocol violation or an oversized
// message. It waits for the write lock for at most closeWait. Sends
// return ErrClosed afterwards (not gorilla's ErrCloseSent).
func (c *Conn) flushOwn() {
	if c.bc.buffered() == 0 {
		return
	}
	c.closeSent = true // Sends return ErrClosed from now on
	if _, err := c.wmu.Acquire(closeWait); err != nil {
		return
	}
	defer c.wmu.Release()
	c.bc.flush()
}

// Send sends one message of type TextMessage or BinaryMessage. It waits
// while the client's receive window and the kernel buffers are full, for
// at most the Handler's WriteTimeout (then an error matching
// ErrWriteTimeout; the connection is unusable afterwards). A kill or Timeout
// scope returns that error unchanged; a prefix of the frame may have been
// written, so the connection should be closed. After Close, after the
// peer's close was answered, and after a Receive reported a protocol
// violation or an oversized message (whose close frame was sent), it
// returns ErrClosed and writes nothing. Greenlets that Send on one Conn
// take turns in FIFO order; their messages never interleave.
//
// Every 16th write on a Conn (Send, Ping) first yields to the hub once
// (gevent.Sleep(0)): a socket write that does not have to wait is not a
// blocking call, so without it a greenlet sending to a client that reads
// fast would never see its kill or Timeout, and would keep the other
// greenlets waiting (gevent-websocket's send never yields). Once in 16
// keeps that guarantee at a sixteenth of the cost of a switch per message.
func (c *Conn) Send(typ int, data []byte) error {
	if typ != TextMessage && typ != BinaryMessage {
		panic("websocket: Send of a control message type; use Ping or Close")
	}
	return c.write(func() error { return c.ws.WriteMessage(typ, data) })
}

// SendText sends s as a text message (Send).
func (c *Conn) SendText(s string) error { return c.Send(TextMessage, []byte(s)) }

// SendJSON sends v encoded as JSON in a text message (Send).
func (c *Conn) SendJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.Send(TextMessage, b)
}

// Ping sends a ping with data (at most 125 bytes); the answer reaches
// OnPong during a Receive. Waits as Send does.
func (c *Conn) Ping(data []byte) error {
	return c.write(func() error {
		return c.ws.WriteControl(PingMessage, data, c.deadline())
	})
}

// OnPong sets the function called, inside Receive, with each pong's data.
func (c *Conn) OnPong(fn func(data []byte)) { c.onPong = fn }

func (c *Conn) deadline() time.Time {
	if c.writeTimeout < 0 {
		return time.Time{}
	}
	return time.Now().Add(c.writeTimeout)
}

func (c *Conn) write(fn func() error) error {
	if c.closed || c.closeSent {
		return ErrClosed
	}
	if c.sends++; c.sends >= sendsPerYield {
		c.sends = 0
		if err := gevent.Sleep(0); err != nil {
			return err
		}
	}
	if _, err := c.wmu.Acquire(); err != nil {
		return err
	}
	defer c.wmu.Release()
	if c.closed || c.closeSent {
		return ErrClosed
	}
	c.ws.SetWriteDeadline(c.deadline())
	err := fn()
	if err == nil {
		err = c.bc.flush()
	}
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			if _, ok := err.(*gevent.Timeout); !ok {
				return ErrWriteTimeout
			}
		}
	}
	return err
}

// onPing answers a ping under the write lock (gorilla's own handler would
// take gorilla's channel lock, which blocks the hub if a Send is waiting).
func (c *Conn) onPing(data string) error {
	err := c.write(func() error {
		return c.ws.WriteControl(PongMessage, []byte(data), time.Now().Add(closeWait))
	})
	if err == ErrClosed {
		return nil
	}
	return err
}

// onClose answers the peer's close frame with the same code.
func (c *Conn) onClose(code int, text string) error {
	c.peerClosed = true
	if c.closeSent {
		return nil
	}
	msg := []byte{}
	if code != CloseNoStatusReceived {
		msg = gorilla.FormatCloseMessage(code, "")
	}
	c.write(func() error { return c.ws.WriteControl(CloseMessage, msg, time.Now().Add(closeWait)) })
	c.closeSent = true
	return nil
}

// Close sends a close frame with code and reason (at most 123 bytes) and
// closes the connection, without waiting for the peer's answer
// (gevent-websocket's close). It waits at most one second for the frame to
// be written. Sends and Receives after it return ErrClosed; a Receive
// waiting in another greenlet returns an error. Closing twice does nothing.
func (c *Conn) Close(code int, reason string) error {
	if c.closed {
		return nil
	}
	err := c.sendClose(code, reason)
	c.closed = true
	c.ws.Close()
	return err
}

// finish is Close that may be called twice: once in the normal path, once
// deferred (it then does what the first call did not get to do).
func (c *Conn) finish(code int, reason string) {
	if c.closed {
		return
	}
	c.sendClose(code, reason)
	c.closed = true
	c.ws.Close()
}

func (c *Conn) sendClose(code int, reason string) error {
	if c.closeSent {
		return nil
	}
	if len(reason) > 123 {
		reason = reason[:123]
	}
	msg := gorilla.FormatCloseMessage(code, reason)
	// The write lock, for at most closeWait: a Send blocked on a client
	// that does not read must not keep the close from happening (the
	// connection is then closed without a frame).
	if _, err := c.wmu.Acquire(closeWait); err != nil {
		c.closeSent = true
		return err
	}
	defer c.wmu.Release()
	c.ws.SetWriteDeadline(time.Now().Add(closeWait))
	err := c.ws.WriteControl(CloseMessage, msg, time.Now().Add(closeWait))
	if err == nil || errors.Is(err, gorilla.ErrCloseSent) {
		err = c.bc.flush() // gorilla's own close frame too, if it wrote one
	}
	c.closeSent = true
	if errors.Is(err, gorilla.ErrCloseSent) {
		err = nil
	}
	return err
}
