package gid

import "testing"

func TestGoID(t *testing.T) {
	if got, want := GoID(Get()), Current(); got != want {
		t.Fatalf("GoID(Get()) = %d, want %d", got, want)
	}
	ch := make(chan [2]uint64)
	for range 50 {
		go func() { ch <- [2]uint64{GoID(Get()), Current()} }()
		if p := <-ch; p[0] != p[1] {
			t.Fatalf("GoID = %d, want %d", p[0], p[1])
		}
	}
}
