// Package sse writes Server-Sent Events (the text/event-stream format of
// the HTML standard) from a handler served by httpserver: each event is
// written and flushed at once, so the browser's EventSource gets it
// without delay; the response is chunked on the wire.
//
// A Stream belongs to the handler's greenlet. Its writes are the
// connection's cooperative socket writes: they wait while the client does
// not read (bounded by the server's WriteTimeout), and a kill or Timeout
// scope of the greenlet interrupts them.
package sse

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Event is one event. Data may hold several lines (each becomes a "data:"
// line); an empty Event name means "message" for the browser.
type Event struct {
	ID    string
	Event string
	Data  string
	Retry time.Duration // reconnection delay the browser should use (0: unset)
}

// Stream writes events to one response.
type Stream struct {
	w http.ResponseWriter
	f http.Flusher
}

// ErrNotFlushable is returned by New for a ResponseWriter without Flush.
var ErrNotFlushable = errors.New("sse: the ResponseWriter cannot flush")

// New sets the headers of an event stream (Content-Type
// text/event-stream, Cache-Control no-cache), sends them with status 200
// and returns the Stream. It fails with ErrNotFlushable if w cannot flush,
// or with the write error (the client went away).
func New(w http.ResponseWriter) (*Stream, error) {
	f, ok := w.(http.Flusher)
	if !ok {
		return nil, ErrNotFlushable
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer
	w.WriteHeader(http.StatusOK)
	s := &Stream{w: w, f: f}
	return s, s.flush()
}

// LastEventID returns the Last-Event-ID header a reconnecting EventSource
// sends ("" on the first connection).
func LastEventID(r *http.Request) string { return r.Header.Get("Last-Event-ID") }

// Send writes ev and flushes it. It waits while the client's window is
// full; it returns the write error (the client went away, the server's
// WriteTimeout, or the greenlet's kill or Timeout error), after which the
// handler should return. Newlines in ID or Event are replaced by spaces.
func (s *Stream) Send(ev Event) error {
	var b strings.Builder
	if ev.ID != "" {
		fmt.Fprintf(&b, "id: %s\n", oneLine(ev.ID))
	}
	if ev.Event != "" {
		fmt.Fprintf(&b, "event: %s\n", oneLine(ev.Event))
	}
	if ev.Retry > 0 {
		fmt.Fprintf(&b, "retry: %d\n", ev.Retry.Milliseconds())
	}
	for _, line := range strings.Split(strings.ReplaceAll(ev.Data, "\r\n", "\n"), "\n") {
		fmt.Fprintf(&b, "data: %s\n", line)
	}
	b.WriteByte('\n')
	if _, err := s.w.Write([]byte(b.String())); err != nil {
		return err
	}
	return s.flush()
}

// Comment writes a comment line (": text"), which browsers ignore: a
// keep-alive through proxies that close idle connections. Waits as Send.
func (s *Stream) Comment(text string) error {
	if _, err := fmt.Fprintf(s.w, ": %s\n\n", oneLine(text)); err != nil {
		return err
	}
	return s.flush()
}

func (s *Stream) flush() error {
	if fe, ok := s.w.(interface{ FlushError() error }); ok {
		return fe.FlushError()
	}
	s.f.Flush()
	return nil
}

func oneLine(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }
