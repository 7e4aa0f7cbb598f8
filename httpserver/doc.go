// Package httpserver is gevent's pywsgi for Go's http.Handler: an
// HTTP/1.1 server on the hub, a greenlet per connection, each request
// handled in that greenlet. A handler may therefore call every cooperative
// function of the library (gevent.Sleep, queue and event waits, socket and
// Redis I/O) directly, and a kill or a gevent.Timeout scope interrupts it
// in any of them.
//
// Requests are read with net/http's own parser (http.ReadRequest), and a
// handler sees the usual *http.Request and an http.ResponseWriter that
// also implements http.Flusher, http.Hijacker and what
// http.ResponseController needs; http.ServeMux, http.FileServer,
// http.StripPrefix and middleware work unchanged. Responses follow RFC
// 9112 as net/http's do: keep-alive for HTTP/1.1 (for HTTP/1.0 only when
// asked), pipelined requests answered in order, Content-Length when the
// whole body is known before the first flush (header and body in one
// write), chunked otherwise (close-delimited for HTTP/1.0), trailers,
// HEAD, 1xx, 204 and 304 without a body, Date, Content-Type sniffing,
// "100 Continue" sent when the handler first reads the body.
//
// # Bad input
//
// Every malformed request is answered and the connection closed, never a
// crash: malformed request line or header 400; request line longer than
// MaxHeaderBytes 414, headers longer 431; a Transfer-Encoding other than
// chunked 501; HTTP/2 (its preface) and HTTP/0.9 505. Stricter than
// net/http against request smuggling: a request with both Content-Length
// and Transfer-Encoding, Transfer-Encoding in HTTP/1.0, obsolete line
// folding, a missing or repeated Host in HTTP/1.1 are answered 400 and the
// connection closed. Slow clients are bounded by ReadHeaderTimeout,
// ReadTimeout, IdleTimeout and WriteTimeout.
//
// # Handlers that fail
//
// A handler that panics gets a 500 if nothing was sent yet (the
// connection is closed otherwise); the panic goes to the hub's error
// handler, like any failed greenlet, and the server goes on.
// http.ErrAbortHandler closes the connection silently.
//
// # Request contexts
//
// r.Context() is cancelled when the handler returns, when the connection's
// greenlet is killed (Stop's deadline, a kill), and when the client closes
// the connection while the handler runs, once the request body has been
// read (a long poll notices a closed browser tab; context.Cause is then an
// error that matches context.Canceled). Watching for the client
// costs a greenlet and a one-byte read, so it starts only once the handler
// (or a library) asks the context for Done or Err; not on TLS connections.
// A greenlet waiting on a gevent primitive does not see a context: a long
// poll waits for ClientGone(r), an event.Event, beside what it waits for.
//
// # Which goroutines may call what
//
// A Server belongs to the hub of the greenlet that starts it; Start, Stop,
// Shutdown and the serving methods must be called from greenlets of that
// hub (a call from another goroutine panics with a message starting with
// "server: "). A ResponseWriter and its request belong to the handler's
// greenlet, with one exception: Flush (http.Flusher, or
// http.ResponseController) may be called from any goroutine, e.g. a
// library's timer; it then hands the flush to the hub and returns nil at
// once. The net.Conn returned by Hijack may be closed from anywhere.
//
// # Reverse proxy
//
// httputil.ReverseProxy is a handler like any other, with
// Transport: httpclient.NewTransport() (cooperative: the round trip runs in
// the handler's greenlet). GET, POST, streamed and chunked responses,
// FlushInterval, Rewrite, ModifyResponse and ErrorHandler (502 for a backend
// that is down) work, and a client that goes away cancels the request to
// the backend. Protocol upgrades are answered 502 (httpclient does not
// support them), and 1xx interim responses of the backend are not
// forwarded; see docs/porting.md.
//
// HTTP/2 is not supported (pywsgi has none either): put a proxy that
// speaks HTTP/2 to clients and HTTP/1.1 to this server in front (nginx,
// Caddy, Envoy), or serve with net/http in goroutines.
package httpserver
