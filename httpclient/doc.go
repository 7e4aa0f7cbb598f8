// Package httpclient is a cooperative HTTP/1.1 client: an http.RoundTripper
// whose whole request runs in the calling greenlet, so thousands of requests
// can be in flight on one hub without a thread or goroutine each (what
// requests or urllib3 under gevent's monkey.patch_all, or grequests, give
// Python programs).
//
// Transport dials through socket.Dialer, handshakes with crypto/tls, writes
// the request with
// (*http.Request).Write and reads the response with http.ReadResponse: the
// standard library does all the HTTP parsing. Plug it into a plain
// *http.Client (NewClient does) and redirects, cookies (net/http/cookiejar),
// Client.Timeout and every library that takes an *http.Client work
// unchanged.
//
// Host names are resolved by resolver.Default: Go's resolver on the thread
// pool unless GEVENT_RESOLVER=dns selects the cooperative DNS client (IP
// literals and "localhost" are never looked up). Everything else runs on the
// hub's own thread.
//
//	client := httpclient.NewClient()
//	resp, err := client.Get("http://example.com/")
//	if err != nil { ... } // a kill, a Timeout scope, the context, Client.Timeout
//	defer resp.Body.Close()
//	body, err := io.ReadAll(resp.Body) // cooperative too
//
// # Blocking contract
//
// RoundTrip (and so Client.Do, Get, Post) waits, cooperatively, for a
// connection (an idle one, a new dial, or a free slot under
// MaxConnsPerHost), the TLS handshake, the request to be written and the
// response headers; the response body is read cooperatively by Body.Read.
// Every one of these waits is interrupted by:
//
//   - a kill of the calling greenlet: the kill error is returned unchanged
//     by RoundTrip and Body.Read (wrapped in a *url.Error by http.Client;
//     errors.Is finds it);
//   - a gevent.Timeout scope: the *Timeout itself, the same way;
//   - the request context's cancellation or deadline, and Client.Timeout
//     (which net/http turns into a context deadline): context.Cause of the
//     context (context.Canceled or context.DeadlineExceeded);
//   - the Transport's own timeouts (TLSHandshakeTimeout,
//     ResponseHeaderTimeout, the Dialer's Timeout): an error matching
//     os.ErrDeadlineExceeded.
//
// On any such error the connection in use is closed, its slot is given
// back, and the pool is left as it was: nothing half-read is ever reused.
// The request body is always closed.
//
// # Which goroutines may call what
//
// A Transport serves the greenlets of one hub: the first one that uses it.
// A RoundTrip from a goroutine that is not one of its greenlets returns an
// error (ErrWrongHub) without doing anything; from a hub callback it returns
// gevent.ErrBlockingSwitchOut. Give each hub its own Transport (NewClient),
// hand the work to the hub with Hub.Submit, or use interop.HTTPClient, which
// runs net/http's own Transport on the thread pool, from other goroutines.
// A response body may be read or closed from any goroutine (off the hub it
// blocks that goroutine, as package socket does), but is normally read by
// the greenlet that made the request.
//
// # What net/http's Client does with goroutines and timers
//
// With Client.Timeout set (or a request context with a deadline), net/http
// itself (client.go, setRequestCancel) gives the request a context with that
// deadline, whose runtime timer cancels it, and, because this Transport is
// not one of net/http's own, also starts one goroutine per request with a
// timer that closes Request.Cancel at the deadline. Neither touches the hub:
// the goroutine ends when the body is closed or read to its end. This
// Transport watches the request context with context.AfterFunc, whose
// callback only Posts to the hub; the callback closes the connection in use
// (or wakes the greenlet waiting for one), so the deadline interrupts any
// phase. Request.Cancel (deprecated) is not watched: when Client.Timeout
// sets it, the context deadline it comes with fires at the same time. One
// difference remains: net/http learns that its own timer fired from that
// goroutine, which may not have run when this Transport returns, so an
// error of Client.Timeout while waiting for headers can read "context
// deadline exceeded" without "(Client.Timeout exceeded while awaiting
// headers)"; it matches context.DeadlineExceeded and its Timeout method
// reports true either way.
//
// # Not supported (use interop.HTTPClient)
//
// HTTP/2, HTTP/3, SOCKS proxies, Transport.DialTLSContext-style hooks,
// httptrace callbacks other than the ones Request.Write calls, and protocol
// upgrades (a 101 Switching Protocols response is returned with an empty
// body and its connection is closed).
package httpclient
