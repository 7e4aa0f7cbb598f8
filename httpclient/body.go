package httpclient

import (
	"compress/gzip"
	"errors"
	"io"
	"time"
)

var errBodyClosed = errors.New("http: read on closed response body")

// body is a response body: the standard library's reader over the pool's
// connection, which goes back to the pool when the body ends.
type body struct {
	rs     *reqState
	pc     *persistConn
	rc     io.ReadCloser
	err    error // sticky error of a failed read
	ended  bool  // the connection was given back or closed
	closed bool
}

// Read reads the body cooperatively. It waits for data from the server;
// a kill of the calling greenlet returns the kill error, a Timeout scope the
// *gevent.Timeout, the end of the request's context its cause; the
// connection is then closed (never reused) and later reads return the same
// error. A body shorter than its Content-Length, or a chunked body cut
// short, returns io.ErrUnexpectedEOF. At io.EOF the connection goes back to
// the pool.
func (b *body) Read(p []byte) (int, error) {
	if b.closed {
		return 0, errBodyClosed
	}
	if b.err != nil {
		return 0, b.err
	}
	normal := false
	defer func() {
		if !normal { // unwound (a greenlet that ignored a kill)
			b.end(false)
		}
	}()
	n, err := b.rc.Read(p)
	normal = true
	if err == io.EOF {
		b.end(true)
		return n, io.EOF
	}
	if err != nil {
		b.err = b.rs.err(b.pc, "reading body", err)
		b.end(false)
		return n, b.err
	}
	return n, nil
}

// Close closes the body. If it was not read to its end, Close reads and
// discards what remains, up to 256 KiB and for at most 50 ms, so that the
// connection can be reused; past those bounds the connection is closed
// instead. A kill or Timeout scope during that drain closes the connection
// and is returned.
func (b *body) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	if b.ended {
		return nil
	}
	if b.pc.closeAfter || b.rs.aborted != nil || b.pc.intr != nil {
		b.end(false)
		return nil
	}
	b.pc.conn.SetReadDeadline(time.Now().Add(drainTime))
	normal := false
	defer func() {
		if !normal {
			b.end(false)
		}
	}()
	n, err := io.CopyN(io.Discard, b.rc, drainBytes+1)
	normal = true
	if err == io.EOF && n <= drainBytes && b.pc.intr == nil {
		b.pc.conn.SetReadDeadline(time.Time{})
		b.end(true)
		return nil
	}
	b.end(false)
	if b.pc.intr != nil {
		return b.pc.intr
	}
	return nil
}

// end gives the connection back (reuse) or closes it, once, and ends the
// request. Off the hub it is handed to the hub with Post.
func (b *body) end(reuse bool) {
	if b.ended {
		return
	}
	b.ended = true
	t, pc, rs := b.rs.t, b.pc, b.rs
	fn := func() {
		rs.finish()
		if reuse {
			t.putIdle(pc)
		} else {
			t.closeConn(pc)
		}
	}
	if t.hub.OnHub() {
		fn()
	} else if !t.hub.Post(fn) {
		pc.raw.Close()
	}
}

// gzipBody decompresses a gzip response body (asked for by the Transport).
type gzipBody struct {
	body *body
	zr   *gzip.Reader
	zerr error
}

func (g *gzipBody) Read(p []byte) (int, error) {
	if g.zr == nil {
		if g.zerr == nil {
			g.zr, g.zerr = gzip.NewReader(g.body)
		}
		if g.zerr != nil {
			return 0, g.zerr
		}
	}
	return g.zr.Read(p)
}

func (g *gzipBody) Close() error { return g.body.Close() }
