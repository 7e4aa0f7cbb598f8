package zmq

// Counts returns how many sends, receives and ZMQ_EVENTS reads the socket
// made (libzmq calls), for tests that bound them per message.
func (s *Socket) Counts() (send, recv, events int) {
	return s.counts.send, s.counts.recv, s.counts.events
}
