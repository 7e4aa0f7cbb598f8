package zmq

/*
#cgo !windows pkg-config: libzmq
#cgo noescape gz_send
#cgo nocallback gz_send
#cgo nocallback gz_send_small
#cgo nocallback gz_recv
#cgo nocallback gz_events
#cgo nocallback gz_free
#cgo nocallback gz_release
#include <zmq.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

enum { GZ_SMALL = 512 };

// gz_rstate holds the last message part received on a socket, open until
// the next receive or gz_free, so that Go copies its data straight out of
// libzmq's memory: one cgo call per part. Small parts to send are copied
// into small first: C memory, which cgo need not check.
typedef struct {
	zmq_msg_t msg;
	int open;
	int more;
	void *data;
	size_t size;
	char small[GZ_SMALL];
} gz_rstate;

static gz_rstate *gz_new(void) { return calloc(1, sizeof(gz_rstate)); }

static void gz_free(gz_rstate *st) {
	if (st->open)
		zmq_msg_close(&st->msg);
	free(st);
}

// gz_release closes the message kept in st.
static void gz_release(uintptr_t stp) {
	gz_rstate *st = (gz_rstate *)stp;
	if (st->open) {
		zmq_msg_close(&st->msg);
		st->open = 0;
	}
}

// gz_recv receives one part into st (data, size, more); 0 or -errno.
// Pointers to C memory come as uintptr_t: cgo checks every pointer
// argument for Go memory (cgocheck), which costs more than these calls'
// own work on the Go side.
static int gz_recv(uintptr_t sockp, uintptr_t stp, int flags) {
	void *sock = (void *)sockp;
	gz_rstate *st = (gz_rstate *)stp;
	if (st->open) {
		zmq_msg_close(&st->msg);
		st->open = 0;
	}
	zmq_msg_init(&st->msg);
	int rc;
	do
		rc = zmq_msg_recv(&st->msg, sock, flags);
	while (rc < 0 && errno == EINTR);
	if (rc < 0) {
		int e = errno;
		zmq_msg_close(&st->msg);
		return -e;
	}
	st->open = 1;
	st->data = zmq_msg_data(&st->msg);
	st->size = zmq_msg_size(&st->msg);
	st->more = zmq_msg_more(&st->msg);
	return 0;
}

// gz_send sends one part; its size or -errno.
static int gz_send(void *sock, const void *data, size_t len, int flags) {
	int rc;
	do
		rc = zmq_send(sock, data, len, flags);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : rc;
}

// gz_send_small sends st->small[:len].
static int gz_send_small(uintptr_t sock, uintptr_t st, size_t len, int flags) {
	return gz_send((void *)sock, ((gz_rstate *)st)->small, len, flags);
}

// gz_events reads ZMQ_EVENTS; the events or -errno.
static int gz_events(uintptr_t sockp) {
	void *sock = (void *)sockp;
	int ev = 0;
	size_t n = sizeof ev;
	int rc;
	do
		rc = zmq_getsockopt(sock, ZMQ_EVENTS, &ev, &n);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : ev;
}
*/
import "C"

import (
	"reflect"
	"runtime"
	"syscall"
	"unsafe"

	zmq4 "github.com/pebbe/zmq4"
)

// Send, receive and ZMQ_EVENTS in one cgo call each. zmq4's RecvBytes
// makes five (zmq_msg_init, zmq_msg_recv, zmq_msg_data, a memcpy,
// zmq_msg_close), its Send converts the string to a []byte, and a cgo call
// costs about as much as a non-blocking libzmq operation: these calls are
// most of the CPU time per message between two greenlets. They need the
// libzmq socket of a zmq4.Socket, an unexported field: rawSocket mirrors
// the start of zmq4.Socket (v1.4.0), checked field by field at init; if a
// newer zmq4 lays it out otherwise, the package uses zmq4's methods.

// rawSocket is the start of zmq4.Socket.
type rawSocket struct {
	soc    unsafe.Pointer
	ctx    *zmq4.Context
	opened bool
}

var rawOK = func() bool {
	t := reflect.TypeFor[zmq4.Socket]()
	r := reflect.TypeFor[rawSocket]()
	if t.NumField() < r.NumField() {
		return false
	}
	for i := range r.NumField() {
		f, g := t.Field(i), r.Field(i)
		if f.Name != g.Name || f.Offset != g.Offset || f.Type != g.Type {
			return false
		}
	}
	return true
}()

// fast is the per-socket state of the one-call paths (nil: zmq4's methods).
type fast struct {
	st      *C.gz_rstate
	cleanup runtime.Cleanup
}

func newFast(s *Socket) {
	if !rawOK {
		return
	}
	st := C.gz_new()
	if st == nil {
		return
	}
	s.fast = &fast{st: st}
	// A Socket dropped without Close: its last message and st are freed
	// when it is collected (after zmq4's finalizer may have closed the
	// libzmq socket; st does not refer to it).
	s.fast.cleanup = runtime.AddCleanup(s, func(st *C.gz_rstate) { C.gz_free(st) }, st)
}

// freeFast releases the state (Close).
func (s *Socket) freeFast() {
	if f := s.fast; f != nil {
		f.cleanup.Stop()
		C.gz_free(f.st)
		s.fast = nil
	}
}

// raw returns the libzmq socket, or nil with zmq4's error if the zmq4
// socket was closed under us (its own Close called directly).
func (s *Socket) raw() (unsafe.Pointer, error) {
	r := (*rawSocket)(unsafe.Pointer(s.Socket))
	if !r.opened {
		return nil, zmq4.ErrorSocketClosed
	}
	return r.soc, nil
}

func errnoOf(rc C.int) error { return zmq4.Errno(syscall.Errno(-rc)) }

// events reads ZMQ_EVENTS.
func (s *Socket) events() (State, error) {
	s.counts.events++
	if s.fast == nil {
		return s.Socket.GetEvents()
	}
	p, err := s.raw()
	if err != nil {
		return 0, err
	}
	rc := C.gz_events(C.uintptr_t(uintptr(p)))
	if rc < 0 {
		return 0, errnoOf(rc)
	}
	return State(rc), nil
}

// recvPart receives one part and returns its data, valid until the next
// receive on the socket, and whether more parts follow. It needs s.fast.
func (s *Socket) recvPart(flags Flag) ([]byte, bool, error) {
	s.counts.recv++
	p, err := s.raw()
	if err != nil {
		return nil, false, err
	}
	st := s.fast.st
	if rc := C.gz_recv(C.uintptr_t(uintptr(p)), C.uintptr_t(uintptr(unsafe.Pointer(st))), C.int(flags)); rc < 0 {
		return nil, false, errnoOf(rc)
	}
	return unsafe.Slice((*byte)(st.data), int(st.size)), st.more != 0, nil
}

// keepMax is the largest part whose libzmq message stays open until the
// next receive; a larger one is closed once copied (one more cgo call,
// little beside the copy), not to hold its memory meanwhile.
const keepMax = 64 << 10

// copied is called once the part recvPart returned was copied.
func (s *Socket) copied() {
	if st := s.fast.st; st.size > keepMax {
		C.gz_release(C.uintptr_t(uintptr(unsafe.Pointer(st))))
	}
}

func (s *Socket) recvBytes(flags Flag) ([]byte, error) {
	if s.fast == nil {
		s.counts.recv++
		return s.Socket.RecvBytes(flags)
	}
	b, _, err := s.recvPart(flags)
	if err != nil {
		return []byte{}, err
	}
	out := clone(b)
	s.copied()
	return out, nil
}

// clone copies b out of C memory (non-nil, as zmq4's RecvBytes).
func clone(b []byte) []byte {
	out := make([]byte, len(b))
	copy(out, b)
	return out
}

func (s *Socket) recvString(flags Flag) (string, error) {
	if s.fast == nil {
		s.counts.recv++
		return s.Socket.Recv(flags)
	}
	b, _, err := s.recvPart(flags)
	if err != nil {
		return "", err
	}
	out := string(b)
	s.copied()
	return out, nil
}

// recvParts receives the parts of one message (the first with flags, the
// others, which ZeroMQ delivers with it, with DONTWAIT), each copied by
// conv.
func recvParts[T any](s *Socket, flags Flag, conv func([]byte) T) ([]T, error) {
	var out []T
	for {
		b, more, err := s.recvPart(flags)
		if err != nil {
			return out, err
		}
		out = append(out, conv(b))
		s.copied()
		if !more {
			return out, nil
		}
		flags |= DONTWAIT
	}
}

func (s *Socket) recvMessage(flags Flag) ([]string, error) {
	if s.fast == nil {
		s.counts.recv++
		return s.Socket.RecvMessage(flags)
	}
	return recvParts(s, flags, func(b []byte) string { return string(b) })
}

func (s *Socket) recvMessageBytes(flags Flag) ([][]byte, error) {
	if s.fast == nil {
		s.counts.recv++
		return s.Socket.RecvMessageBytes(flags)
	}
	return recvParts(s, flags, clone)
}

// send sends p[:n] (a string's or a slice's bytes, which C only reads).
// A small part is copied into C memory first: passing a Go pointer to C
// costs a check (cgocheck) longer than the copy.
func (s *Socket) send(p *byte, n int, flags Flag) (int, error) {
	s.counts.send++
	raw, err := s.raw()
	if err != nil {
		return 0, err
	}
	var rc C.int
	if st := s.fast.st; n <= C.GZ_SMALL {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&st.small[0])), n), unsafe.Slice(p, n))
		rc = C.gz_send_small(C.uintptr_t(uintptr(raw)), C.uintptr_t(uintptr(unsafe.Pointer(st))), C.size_t(n), C.int(flags))
	} else {
		rc = C.gz_send(raw, unsafe.Pointer(p), C.size_t(n), C.int(flags))
	}
	if rc < 0 {
		return -1, errnoOf(rc) // as zmq4
	}
	return int(rc), nil
}
