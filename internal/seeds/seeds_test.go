package seeds

import (
	"errors"
	"testing"
	"time"
)

// TestStr pins the formats the programs' output depends on: what Python's
// str() and repr() print for each kind of value.
func TestStr(t *testing.T) {
	for _, c := range []struct {
		v    any
		str  string
		repr string
	}{
		{nil, "None", "None"},
		{None, "None", "None"},
		{true, "True", "True"},
		{false, "False", "False"},
		{"a", "a", "'a'"},
		{12, "12", "12"},
		{errors.New("You failed!"), "You failed!", "You failed!"},
		{[]int{}, "[]", "[]"},
		{[]int{0, 1, 2}, "[0, 1, 2]", "[0, 1, 2]"},
		{[]string{"a", "b"}, "['a', 'b']", "['a', 'b']"},
		{[]any{"a", 1, true, nil}, "['a', 1, True, None]", "['a', 1, True, None]"},
	} {
		if got := Str(c.v); got != c.str {
			t.Errorf("Str(%#v) = %q, want %q", c.v, got, c.str)
		}
		if got := Repr(c.v); got != c.repr {
			t.Errorf("Repr(%#v) = %q, want %q", c.v, got, c.repr)
		}
	}
}

func TestWait(t *testing.T) {
	if got := AsPython.Wait(time.Second, ms); got != time.Second {
		t.Errorf("AsPython.Wait = %v, want 1s", got)
	}
	if got := Short.Wait(time.Second, ms); got != ms {
		t.Errorf("Short.Wait = %v, want 1ms", got)
	}
}

// TestAll checks the registry: every program named seed_*, once, with its
// origin, a title and a Run.
func TestAll(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range All() {
		if len(p.Name) < 6 || p.Name[:5] != "seed_" || seen[p.Name] {
			t.Errorf("program %q: want a unique name seed_*", p.Name)
		}
		seen[p.Name] = true
		if p.Seeds == "" || p.Title == "" || p.Run == nil {
			t.Errorf("program %q: Seeds, Title and Run must be set", p.Name)
		}
	}
}
