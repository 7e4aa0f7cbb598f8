// Package gid gives a cheap identity for the calling goroutine.
//
// Get returns a value that is unique among the goroutines alive at the time
// of the call: on amd64 and arm64 it is the address of the runtime's g
// structure (read in two instructions); elsewhere it is the goroutine id
// parsed from runtime.Stack (about a microsecond). Values may be reused once
// a goroutine has exited, so callers must only compare the identity of
// goroutines they know to be alive.
package gid
