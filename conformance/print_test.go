package conformance

import (
	"fmt"
	"os"
	"strings"
)

// P prints its arguments the way Python's print does: each formatted by
// py, separated by spaces, then a newline.
func P(args ...any) {
	s := make([]string, len(args))
	for i, a := range args {
		s[i] = py(a)
	}
	fmt.Fprintln(os.Stdout, strings.Join(s, " "))
}

// Pf is P of a formatted string (Python's '%' operator).
func Pf(format string, args ...any) { P(fmt.Sprintf(format, args...)) }

// none marks Python's None where a Go value has no natural nil.
type noneT struct{}

var none = noneT{}

// py formats v as Python's str() would for the value the Python program
// prints.
func py(v any) string {
	switch v := v.(type) {
	case nil, noneT:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case string:
		return v
	case error:
		return v.Error()
	case []int:
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = fmt.Sprint(x)
		}
		return "[" + strings.Join(s, ", ") + "]"
	case []string:
		return reprList(v)
	case []any:
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = repr(x)
		}
		return "[" + strings.Join(s, ", ") + "]"
	case tuple:
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = repr(x)
		}
		if len(s) == 1 {
			return "(" + s[0] + ",)"
		}
		return "(" + strings.Join(s, ", ") + ")"
	}
	return fmt.Sprint(v)
}

// tuple prints as a Python tuple.
type tuple []any

// repr formats v as Python's repr() would.
func repr(v any) string {
	switch v := v.(type) {
	case string:
		return "'" + v + "'"
	case []string:
		return reprList(v)
	}
	return py(v)
}

func reprList(v []string) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = "'" + x + "'"
	}
	return "[" + strings.Join(s, ", ") + "]"
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
