// Package reqdetach joins httpserver and websocket, which do not import
// each other: a WebSocket connection keeps its handshake request for
// Conn.Request as long as it lives, and httpserver's request context,
// part of the response, would keep the whole response with it.
package reqdetach

import "net/http"

// Detach, set by httpserver, returns a request that a hijacker may keep
// in place of r: r (changed in place) or a copy of it with the connection
// greenlet's context if r was hijacked from httpserver and carries its
// request context itself (no context derived by a middleware) and no
// body; otherwise r unchanged.
var Detach func(r *http.Request) *http.Request
