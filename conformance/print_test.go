package conformance

import (
	"strings"

	"github.com/gevent-go/gevent/internal/seeds"
)

// P prints its arguments the way Python's print does (seeds.P: the
// printer the seed programs and the tour share).
func P(args ...any) { seeds.P(args...) }

// Pf is P of a formatted string (Python's '%' operator).
func Pf(format string, args ...any) { seeds.Pf(format, args...) }

// none marks Python's None where a Go value has no natural nil.
var none = seeds.None

// tuple prints as a Python tuple.
type tuple []any

func (t tuple) String() string {
	s := make([]string, len(t))
	for i, x := range t {
		s[i] = seeds.Repr(x)
	}
	if len(s) == 1 {
		return "(" + s[0] + ",)"
	}
	return "(" + strings.Join(s, ", ") + ")"
}

// Exception is a Python exception class: errors.Is matches every error
// made by New from the same class, whatever the message.
type Exception struct{ Name string }

// New returns an instance of the class with a message.
func (c *Exception) New(msg string) error { return &exc{class: c, msg: msg} }

type exc struct {
	class *Exception
	msg   string
}

func (e *exc) Error() string              { return e.msg }
func (e *exc) Is(target error) bool       { c, ok := target.(*Exception); return ok && c == e.class }
func (c *Exception) Error() string        { return c.Name }
func (c *Exception) Is(target error) bool { return target == c }
