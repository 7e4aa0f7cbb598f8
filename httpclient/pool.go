package httpclient

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/socket"
	"golang.org/x/sys/unix"
)

// The pool. Everything here is hub-only: it runs in greenlets and callbacks
// of t.hub, so it needs no lock; what a greenlet saw before a blocking call
// (a dial) may have changed after it.

// hostPool is the state of one connectMethod key.
type hostPool struct {
	key     string
	idle    []*persistConn // most recently used last
	total   int            // connections dialling, in use or idle
	waiters []*waiter      // FIFO, waiting under MaxConnsPerHost
}

// waiter is a greenlet waiting for a connection of a full host.
type waiter struct {
	wl gevent.WaitList[grant]
}

// grant is what a waiter is handed: an idle connection, or the right to
// dial one (a slot already counted in total), or nothing (woken by the
// request's context).
type grant struct {
	pc   *persistConn
	slot bool
}

// idleList links every idle connection, least recently used first.
type idleList struct {
	head, tail *persistConn
	n          int
}

func (l *idleList) push(pc *persistConn) {
	pc.prev, pc.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = pc
	} else {
		l.head = pc
	}
	l.tail = pc
	l.n++
}

func (l *idleList) remove(pc *persistConn) {
	if pc.prev != nil {
		pc.prev.next = pc.next
	} else {
		l.head = pc.next
	}
	if pc.next != nil {
		pc.next.prev = pc.prev
	} else {
		l.tail = pc.prev
	}
	pc.prev, pc.next = nil, nil
	l.n--
}

func (t *Transport) hostPool(key string) *hostPool {
	hp := t.hosts[key]
	if hp == nil {
		hp = &hostPool{key: key}
		t.hosts[key] = hp
	}
	return hp
}

// forget drops hp from the map once it holds nothing.
func (t *Transport) forget(hp *hostPool) {
	if hp.total == 0 && len(hp.idle) == 0 && len(hp.waiters) == 0 && t.hosts[hp.key] == hp {
		delete(t.hosts, hp.key)
	}
}

// getConn returns a connection for cm: the most recently used idle one that
// is still sound, or a new one if the host is under MaxConnsPerHost, or,
// waiting in FIFO order, one freed by another request.
func (t *Transport) getConn(rs *reqState, cm connectMethod) (pc *persistConn, err error) {
	normal := false
	defer func() {
		if !normal { // unwound: stop watching the context
			rs.finish()
		}
	}()
	pc, err = t.getConn1(rs, cm)
	normal = true
	return pc, err
}

func (t *Transport) getConn1(rs *reqState, cm connectMethod) (*persistConn, error) {
	key := cm.key()
	for {
		if rs.aborted != nil {
			return nil, rs.aborted
		}
		hp := t.hostPool(key)
		if pc := t.takeIdle(hp); pc != nil {
			return pc, nil
		}
		if t.MaxConnsPerHost <= 0 || hp.total < t.MaxConnsPerHost {
			hp.total++
			return t.dialSlot(rs, cm, hp)
		}
		g, err := t.wait(rs, hp)
		if err != nil || (g.pc == nil && !g.slot) {
			// Handed nothing (an error leaves the list with nothing
			// handed): let the next waiter have what may be free.
			t.wake(hp)
			t.forget(hp)
			if err == nil {
				err = rs.aborted
			}
			if err == nil {
				continue
			}
			return nil, rs.err(nil, "waiting for a connection", err)
		}
		if g.pc != nil {
			if rs.aborted != nil {
				t.putIdle(g.pc)
				return nil, rs.aborted
			}
			return g.pc, nil
		}
		if rs.aborted != nil {
			hp.total--
			t.wake(hp)
			return nil, rs.aborted
		}
		return t.dialSlot(rs, cm, hp)
	}
}

// wait queues the caller for hp's next free connection or slot. Its
// deferred clean-up also runs when the greenlet is unwound.
func (t *Transport) wait(rs *reqState, hp *hostPool) (grant, error) {
	w := &waiter{}
	hp.waiters = append(hp.waiters, w)
	rs.w = w
	if rs.stop != nil {
		// The context's end comes from outside the hub, by Post: the hub
		// must not conclude that nothing can wake us.
		defer t.hub.Hold()()
	}
	defer func() {
		rs.w = nil
		for i, x := range hp.waiters {
			if x == w {
				hp.waiters = append(hp.waiters[:i], hp.waiters[i+1:]...)
				break
			}
		}
	}()
	return w.wl.Wait(-1)
}

// takeIdle returns the most recently used sound idle connection of hp,
// closing the stale ones it finds.
func (t *Transport) takeIdle(hp *hostPool) *persistConn {
	for len(hp.idle) > 0 {
		pc := hp.idle[len(hp.idle)-1]
		t.unidle(pc)
		if t.IdleConnTimeout > 0 && time.Since(pc.idleAt) >= t.IdleConnTimeout || !pc.alive() {
			t.closeConn(pc)
			continue
		}
		pc.reused = true
		return pc
	}
	return nil
}

// alive reports whether an idle connection can be used: the server has not
// closed it and, on a plain connection, has not sent anything unasked (a
// non-blocking MSG_PEEK). On a TLS connection bytes may be a TLS 1.3
// session ticket, which crypto/tls reads with the next response: only the
// close is checked there.
func (pc *persistConn) alive() bool {
	if pc.br.Buffered() > 0 {
		return false
	}
	var b [1]byte
	n, _, err := unix.Recvfrom(pc.raw.Fd(), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	switch {
	case err == unix.EAGAIN:
		return true
	case err != nil || n == 0:
		return false // reset, or closed by the server
	}
	_, isTLS := pc.conn.(*tls.Conn)
	return isTLS
}

// dialSlot dials with a slot already counted in hp.total, giving it back on
// failure.
// A greenlet unwound while dialling (see roundTripOn) gives the slot back
// too.
func (t *Transport) dialSlot(rs *reqState, cm connectMethod, hp *hostPool) (pc *persistConn, err error) {
	ok := false
	defer func() {
		if !ok {
			hp.total--
			t.wake(hp)
			t.forget(hp)
		}
	}()
	pc, err = t.dial(rs, cm, hp)
	ok = err == nil
	return pc, err
}

// wake hands what hp has free (an idle connection, or a slot) to its first
// waiter.
func (t *Transport) wake(hp *hostPool) {
	for len(hp.waiters) > 0 {
		w := hp.waiters[0]
		var g grant
		if len(hp.idle) > 0 {
			g.pc = hp.idle[len(hp.idle)-1]
			t.unidle(g.pc)
			g.pc.reused = true
		} else if hp.total < t.MaxConnsPerHost || t.MaxConnsPerHost <= 0 {
			hp.total++
			g.slot = true
		} else {
			return
		}
		hp.waiters = hp.waiters[1:]
		if w.wl.WakeOne(g) {
			return
		}
		// The waiter left meanwhile: take the grant back.
		if g.pc != nil {
			t.putIdle(g.pc)
			return
		}
		hp.total--
	}
}

// unidle removes pc from the idle lists.
func (t *Transport) unidle(pc *persistConn) {
	if !pc.inIdle {
		return
	}
	pc.inIdle = false
	t.idle.remove(pc)
	hp := pc.hp
	for i := len(hp.idle) - 1; i >= 0; i-- {
		if hp.idle[i] == pc {
			hp.idle = append(hp.idle[:i], hp.idle[i+1:]...)
			break
		}
	}
	if pc.idleTimer != nil {
		pc.idleTimer.Stop()
	}
}

// putIdle gives a connection whose response was fully read back to the
// pool: to the first waiter of its host, else to the idle lists, else it
// closes it.
func (t *Transport) putIdle(pc *persistConn) {
	hp := pc.hp
	if pc.closed {
		return
	}
	if pc.closeAfter || pc.dead || pc.intr != nil || pc.br.Buffered() > 0 || t.DisableKeepAlives {
		t.closeConn(pc)
		return
	}
	if len(hp.waiters) > 0 {
		w := hp.waiters[0]
		hp.waiters = hp.waiters[1:]
		pc.reused = true
		if w.wl.WakeOne(grant{pc: pc}) {
			return
		}
	}
	max := t.MaxIdleConnsPerHost
	if max == 0 {
		max = DefaultMaxIdleConnsPerHost
	}
	if max < 0 || len(hp.idle) >= max {
		t.closeConn(pc)
		return
	}
	if t.MaxIdleConns > 0 && t.idle.n >= t.MaxIdleConns {
		t.closeConn(t.idle.head) // the least recently used
	}
	pc.inIdle = true
	pc.idleAt = time.Now()
	hp.idle = append(hp.idle, pc)
	t.idle.push(pc)
	if d := t.IdleConnTimeout; d > 0 {
		if pc.idleTimer == nil {
			h := t.hub
			pc.idleTimer = time.AfterFunc(d, func() {
				if !h.Post(func() { t.expire(pc) }) {
					pc.raw.Close() // the hub is gone
				}
			})
		} else {
			pc.idleTimer.Reset(d)
		}
	}
}

// expire closes pc if it has been idle for IdleConnTimeout.
func (t *Transport) expire(pc *persistConn) {
	if pc.inIdle && time.Since(pc.idleAt) >= t.IdleConnTimeout-time.Millisecond {
		t.closeConn(pc)
	}
}

// closeConn closes pc and gives its slot to a waiter of its host. It
// closes the socket, not the TLS connection: tls.Conn.Close would write a
// close_notify alert, which can block (up to 5 s when the server does not
// read, or for ever on the lock of a write parked in another greenlet), and
// a greenlet that was just killed must not block again.
func (t *Transport) closeConn(pc *persistConn) {
	if pc.closed {
		return
	}
	t.unidle(pc)
	pc.closed = true
	pc.raw.Close()
	if pc.idleTimer != nil {
		pc.idleTimer.Stop()
	}
	hp := pc.hp
	hp.total--
	t.wake(hp)
	t.forget(hp)
}

func (t *Transport) closeIdle() {
	for t.idle.head != nil {
		t.closeConn(t.idle.head)
	}
}

// dial makes a new connection for cm: TCP to the target or the proxy, a
// CONNECT tunnel for https through a proxy, TLS for https.
func (t *Transport) dial(rs *reqState, cm connectMethod, hp *hostPool) (*persistConn, error) {
	addr := cm.addr
	if cm.proxy != nil {
		addr = canonicalAddr(cm.proxy)
	}
	c, err := t.dialer().DialContext(rs.ctx, "tcp", addr)
	if err != nil {
		return nil, rs.err(nil, "connecting", err)
	}
	pc := &persistConn{t: t, key: hp.key, hp: hp, raw: c.(*socket.Conn), limit: -1}
	pc.conn = rawConn{Conn: pc.raw, pc: pc}
	pc.br = bufio.NewReaderSize(pc, 4096)
	rs.pc = pc
	done := false
	defer func() {
		if !done { // unwound in the handshake or CONNECT
			rs.pc = nil
			pc.closed = true
			pc.raw.Close()
		}
	}()
	fail := func(what string, err error) (*persistConn, error) {
		e := rs.err(pc, what, err)
		rs.pc = nil
		pc.closed = true
		pc.raw.Close()
		done = true
		return nil, e
	}
	if rs.aborted != nil {
		return fail("dial", rs.aborted)
	}
	if cm.proxy != nil && cm.proxy.Scheme == "https" {
		if err := t.handshake(pc, cm.proxy.Hostname()); err != nil {
			return fail("TLS handshake with proxy", err)
		}
	}
	if cm.proxy != nil && cm.scheme == "https" {
		if err := t.connect(pc, cm); err != nil {
			return fail("proxy CONNECT", err)
		}
	}
	if cm.scheme == "https" {
		if err := t.handshake(pc, cm.host); err != nil {
			return fail("TLS handshake", err)
		}
	}
	rs.pc = nil
	done = true
	return pc, nil
}

// handshake runs a TLS handshake over pc's connection, for serverName,
// offering http/1.1 only.
func (t *Transport) handshake(pc *persistConn, serverName string) error {
	var cfg *tls.Config
	if t.TLSClientConfig != nil {
		cfg = t.TLSClientConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = serverName
	}
	cfg.NextProtos = []string{"http/1.1"}
	tc := tls.Client(pc.conn, cfg)
	if d := t.TLSHandshakeTimeout; d > 0 {
		pc.raw.SetDeadline(time.Now().Add(d))
	}
	err := tc.Handshake()
	if t.TLSHandshakeTimeout > 0 {
		pc.raw.SetDeadline(time.Time{})
	}
	if err != nil {
		return err
	}
	if p := tc.ConnectionState().NegotiatedProtocol; p != "" && p != "http/1.1" {
		return fmt.Errorf("server negotiated protocol %q", p)
	}
	pc.conn = tc
	pc.br.Reset(pc)
	return nil
}

// connect opens a CONNECT tunnel to cm.addr through the proxy pc is
// connected to.
func (t *Transport) connect(pc *persistConn, cm connectMethod) error {
	hdr := make(http.Header)
	if a := proxyAuth(cm.proxy); a != "" {
		hdr.Set("Proxy-Authorization", a)
	}
	req := &http.Request{Method: "CONNECT", URL: &url.URL{Opaque: cm.addr}, Host: cm.addr, Header: hdr}
	pc.takeWriter()
	err := req.Write(pc.bw)
	if err == nil {
		err = pc.bw.Flush()
	}
	pc.dropWriter()
	if err != nil {
		return err
	}
	if d := t.TLSHandshakeTimeout; d > 0 {
		pc.raw.SetReadDeadline(time.Now().Add(d))
		defer pc.raw.SetReadDeadline(time.Time{})
	}
	resp, err := pc.readResponse(req)
	if err != nil {
		return err
	}
	// The body is not read: after a 2xx there is none (the tunnel starts),
	// and any other answer closes the connection.
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("proxy refused CONNECT to %s: %s", cm.addr, resp.Status)
	}
	if pc.br.Buffered() > 0 {
		return fmt.Errorf("proxy sent data after its CONNECT response")
	}
	return nil
}

var _ net.Conn = rawConn{}

// writers recycles the write buffers: a connection holds one only while it
// writes a request, not while it waits for the response (4 KiB less per
// request in flight).
var writers sync.Pool

func (pc *persistConn) takeWriter() {
	if w, ok := writers.Get().(*bufio.Writer); ok {
		w.Reset(pc.conn)
		pc.bw = w
		return
	}
	pc.bw = bufio.NewWriterSize(pc.conn, 4096)
}

func (pc *persistConn) dropWriter() {
	pc.bw.Reset(nil)
	writers.Put(pc.bw)
	pc.bw = nil
}
