package gevent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"sync"
)

// ErrorHandler receives the failures of a hub: a greenlet that ended with
// an error or a panic (g set), or a panic in a hub callback such as a link
// (g nil). It runs in the hub and must not block.
type ErrorHandler func(g AnyGreenlet, err error)

var stderrMu sync.Mutex

// WriteReport writes a failure the way gevent prints it: the stack of a
// panic (or of a greenlet given up at shutdown, a *StuckError), then
// `<Greenlet "name"> failed with panic: value` for a panic, or
// `<Greenlet "name"> failed with error: message`.
func WriteReport(w io.Writer, g AnyGreenlet, err error) {
	var stack []byte
	var pe *PanicError
	var se *StuckError
	switch {
	case errors.As(err, &pe):
		stack = pe.Stack
	case errors.As(err, &se):
		stack = se.Stack
	}
	if stack != nil {
		fmt.Fprintf(w, "%s\n", stack)
	}
	who := "Hub callback"
	if g != nil {
		who = g.String()
	}
	if p, ok := err.(*PanicError); ok {
		// The kind says "panic": the value alone follows, not
		// PanicError's own "panic: value".
		fmt.Fprintf(w, "%s failed with panic: %v\n\n", who, p.Value)
		return
	}
	fmt.Fprintf(w, "%s failed with error: %v\n\n", who, err)
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
		var se *StuckError
		if errors.As(err, &pe) {
			attrs = append(attrs, slog.String("stack", string(pe.Stack)))
		} else if errors.As(err, &se) && se.Stack != nil {
			attrs = append(attrs, slog.String("stack", string(se.Stack)))
		}
		l.LogAttrs(context.Background(), slog.LevelError, "greenlet failed", attrs...)
	}
}

// SetErrorHandler replaces how h reports failures (nil: DefaultErrorHandler).
// Failures are reported and the program goes on; they never reach JoinAll
// unless asked. Call it before h runs or from a greenlet or callback of h;
// from any other goroutine it panics.
func (h *Hub) SetErrorHandler(fn ErrorHandler) { h.mustSetup("Hub.SetErrorHandler"); h.errorH = fn }

func (h *Hub) reportError(g AnyGreenlet, err error) {
	if h.errorH != nil {
		h.errorH(g, err)
		return
	}
	DefaultErrorHandler(g, err)
}

// threadLocked reports whether the calling goroutine is locked to its OS
// thread (runtime.LockOSThread): its stack header says so.
func threadLocked() bool {
	var buf [128]byte
	n := runtime.Stack(buf[:], false)
	line, _, _ := bytes.Cut(buf[:n], []byte("\n"))
	return bytes.Contains(line, []byte(", locked to thread]"))
}

// goroutineStack returns the stack of the goroutine with runtime id id,
// from a dump of all goroutines, or nil if it is not found.
func goroutineStack(id uint64) []byte {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	head := []byte("goroutine " + strconv.FormatUint(id, 10) + " [")
	for rest := buf; len(rest) > 0; {
		var block []byte
		block, rest, _ = bytes.Cut(rest, []byte("\n\n"))
		if bytes.HasPrefix(block, head) {
			return bytes.Clone(block)
		}
	}
	return nil
}
