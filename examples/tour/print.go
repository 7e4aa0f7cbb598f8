package main

import (
	"fmt"
	"strings"
)

// P prints its arguments as Python's print does (True/False, None, lists
// as [1, 2]), so that each section prints exactly what the Python
// original prints under gevent.
func P(args ...any) {
	s := make([]string, len(args))
	for i, a := range args {
		s[i] = py(a)
	}
	fmt.Println(strings.Join(s, " "))
}

// Pf is P of a formatted string (Python's % operator).
func Pf(format string, args ...any) { P(fmt.Sprintf(format, args...)) }

// none is Python's None where a Go value has no natural nil.
type noneT struct{}

var none = noneT{}

func py(v any) string {
	switch v := v.(type) {
	case nil, noneT:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case []int:
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = fmt.Sprint(x)
		}
		return "[" + strings.Join(s, ", ") + "]"
	}
	return fmt.Sprint(v)
}
