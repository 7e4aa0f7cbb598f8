package seeds

import (
	"fmt"
	"strings"
)

// P prints its arguments the way Python's print does: each formatted as
// str() would (True/False, None, lists as [1, 2] or ['a', 'b']), separated
// by spaces, then a newline, to standard output.
func P(args ...any) {
	s := make([]string, len(args))
	for i, a := range args {
		s[i] = Str(a)
	}
	fmt.Println(strings.Join(s, " "))
}

// Pf is P of a formatted string (Python's % operator).
func Pf(format string, args ...any) { P(fmt.Sprintf(format, args...)) }

// None prints as Python's None where a Go value has no natural nil.
var None = noneT{}

type noneT struct{}

// Str formats v as Python's str() would for the value the Python program
// prints: nil and None as None, a bool as True or False, an error as its
// message, []int, []string and []any as Python lists; anything else as
// fmt.Sprint does (a type of the caller's prints through its String method).
func Str(v any) string {
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
		return Repr(v)
	case []any:
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = Repr(x)
		}
		return "[" + strings.Join(s, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// Repr formats v as Python's repr() would: a string quoted, a list of
// strings as ['a', 'b']; anything else as Str.
func Repr(v any) string {
	switch v := v.(type) {
	case string:
		return "'" + v + "'"
	case []string:
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = "'" + x + "'"
		}
		return "[" + strings.Join(s, ", ") + "]"
	}
	return Str(v)
}
