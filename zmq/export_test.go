package zmq

import "time"

// Counts returns how many sends, receives and ZMQ_EVENTS reads the socket
// made (libzmq calls), for tests that bound them per message.
func (s *Socket) Counts() (send, recv, events int) {
	return s.counts.send, s.counts.recv, s.counts.events
}

// UseZmq4Methods makes s use zmq4's methods instead of the one-call paths
// of cgo.go (what a zmq4 of another layout gets), for tests of both.
func UseZmq4Methods(s *Socket) { s.freeFast() }

// RawLayoutOK reports whether cgo.go recognised zmq4.Socket's layout.
var RawLayoutOK = rawOK

// BusyPoll returns the busy poll armed on s's ZMQ_FD for its next wait
// (SetBusyPoll, armSpin).
func BusyPoll(s *Socket) time.Duration { return s.fd.BusyPoll() }

// ArmSpin and Waited are the steps of a wait that lasted w.
func ArmSpin(s *Socket)                 { s.armSpin() }
func Waited(s *Socket, w time.Duration) { s.waited(w) }
