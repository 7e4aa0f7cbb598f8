package websocket

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// TestReadAll: readAll returns exactly what the reader held, in a slice of
// its own (never the pooled buffer), for every size around the pooled
// buffer's, with short reads, and passes a read error on.
func TestReadAll(t *testing.T) {
	for _, n := range []int{0, 1, 64, 4095, 4096, 4097, 8192, 100_000} {
		want := make([]byte, n)
		for i := range want {
			want[i] = byte(i*7 + n)
		}
		for name, r := range map[string]func() io.Reader{
			"whole":    func() io.Reader { return bytes.NewReader(want) },
			"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(want)) },
			"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(want)) },
		} {
			got, err := readAll(r())
			if err != nil || !bytes.Equal(got, want) || got == nil {
				t.Fatalf("%d bytes, %s: got %d bytes (nil %v), err %v", n, name, len(got), got == nil, err)
			}
			if n > 0 {
				again, _ := readAll(bytes.NewReader(make([]byte, n)))
				if !bytes.Equal(got, want) || (len(again) > 0 && &again[0] == &got[0]) {
					t.Fatalf("%d bytes, %s: the result shares memory with a later read", n, name)
				}
			}
		}
	}
	boom := errors.New("boom")
	if _, err := readAll(io.MultiReader(bytes.NewReader(make([]byte, 5000)), iotest.ErrReader(boom))); err != boom {
		t.Fatalf("err %v, want boom", err)
	}
}
