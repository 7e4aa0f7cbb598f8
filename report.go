package gevent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
)

// ErrorHandler receives the failures of a hub: a greenlet that ended with
// an error or a panic (g set), or a panic in a hub callback such as a link
// (g nil). It runs in the hub and must not block.
type ErrorHandler func(g AnyGreenlet, err error)

var stderrMu sync.Mutex

// WriteReport writes a failure the way gevent prints it: the stack of a
// panic, then `<Greenlet "name"> failed with ...`.
func WriteReport(w io.Writer, g AnyGreenlet, err error) {
	var pe *PanicError
	if errors.As(err, &pe) {
		fmt.Fprintf(w, "%s\n", pe.Stack)
	}
	who := "Hub callback"
	if g != nil {
		who = g.String()
	}
	kind := "error"
	if pe != nil {
		kind = "panic"
	}
	fmt.Fprintf(w, "%s failed with %s: %v\n\n", who, kind, err)
}

// DefaultErrorHandler writes reports to standard error with WriteReport.
func DefaultErrorHandler(g AnyGreenlet, err error) {
	stderrMu.Lock()
	defer stderrMu.Unlock()
	WriteReport(os.Stderr, g, err)
}

// SlogErrorHandler reports failures to a structured logger at level Error,
// with the greenlet's name, the error and, for a panic, the stack.
func SlogErrorHandler(l *slog.Logger) ErrorHandler {
	return func(g AnyGreenlet, err error) {
		attrs := []slog.Attr{slog.String("error", err.Error())}
		if g != nil {
			attrs = append(attrs, slog.String("greenlet", g.Name()))
		}
		var pe *PanicError
		if errors.As(err, &pe) {
			attrs = append(attrs, slog.String("stack", string(pe.Stack)))
		}
		l.LogAttrs(context.Background(), slog.LevelError, "greenlet failed", attrs...)
	}
}

// SetErrorHandler replaces how h reports failures (nil: DefaultErrorHandler).
// Failures are reported and the program goes on; they never reach JoinAll
// unless asked.
func (h *Hub) SetErrorHandler(fn ErrorHandler) { h.errorH = fn }

func (h *Hub) reportError(g AnyGreenlet, err error) {
	if h.errorH != nil {
		h.errorH(g, err)
		return
	}
	DefaultErrorHandler(g, err)
}
