//go:build !amd64 && !arm64

package gid

import "runtime"

// Get returns the identity of the calling goroutine (its id, parsed from
// runtime.Stack: slow, but correct on every architecture).
func Get() uintptr {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	// "goroutine 123 [running]:..."
	var id uintptr
	for _, c := range buf[len("goroutine "):n] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uintptr(c-'0')
	}
	return id
}

const asmGet = false
