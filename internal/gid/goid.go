package gid

import (
	"runtime"
	"sync"
	"unsafe"
)

// GoID returns the runtime's goroutine id (the number in "goroutine 123
// [...]" of a stack dump) of the goroutine whose identity, a value of Get,
// is id; 0 if it cannot tell. The goroutine must be alive, or the answer
// may belong to whatever goroutine reuses the identity. Cheap (a load), so
// that the hub can find a greenlet's stack in a dump of all goroutines
// without recording anything when the greenlet starts.
//
// Where Get is the address of the runtime's goroutine structure, the
// offset of its id field is found once, by looking for the ids of a few
// goroutines (parsed from their stacks) in their structures; on other
// architectures Get already is the id.
func GoID(id uintptr) uint64 {
	if !asmGet {
		return uint64(id)
	}
	goidOnce.Do(calibrate)
	if goidOff < 0 || id == 0 {
		return 0
	}
	return *(*uint64)(unsafe.Add(*(*unsafe.Pointer)(unsafe.Pointer(&id)), goidOff))
}

// Current returns the runtime's id of the calling goroutine, parsed from
// its stack header (about a microsecond).
func Current() uint64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	var id uint64
	for _, c := range buf[len("goroutine "):n] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}

var (
	goidOnce sync.Once
	goidOff  = -1
)

// gScan is how many bytes of the runtime's goroutine structure calibrate
// searches (the id field sits at about 150 bytes in Go 1.2x).
const gScan = 400

func calibrate() {
	type sample struct {
		g  uintptr
		id uint64
	}
	var samples []sample
	ch := make(chan sample)
	hold := make(chan struct{})
	defer close(hold) // the goroutines stay alive while their structures are read
	for range 4 {
		go func() {
			ch <- sample{Get(), Current()}
			<-hold
		}()
		samples = append(samples, <-ch)
	}
	samples = append(samples, sample{Get(), Current()})
	for off := 0; off+8 <= gScan; off += 8 {
		ok := true
		for _, s := range samples {
			p := *(*unsafe.Pointer)(unsafe.Pointer(&s.g))
			if *(*uint64)(unsafe.Add(p, off)) != s.id {
				ok = false
				break
			}
		}
		if ok {
			goidOff = off
			return
		}
	}
}
