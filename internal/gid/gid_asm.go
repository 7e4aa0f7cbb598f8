//go:build amd64 || arm64

package gid

// Get returns the identity of the calling goroutine.
//
//go:noescape
func Get() uintptr

const asmGet = true
