package server

import (
	"errors"
	"net"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/socket"
)

// DatagramServer is gevent's DatagramServer: it reads datagrams and runs
// Handler in a new greenlet for each. Set the fields before Start; a
// DatagramServer runs once.
type DatagramServer struct {
	// Network and Addr are what Start binds ("udp" if Network is empty),
	// unless Conn is set.
	Network, Addr string
	// Conn, if set, is served instead; it must come from socket.ListenPacket.
	Conn *socket.PacketConn
	// Handler serves one datagram; data is its own copy.
	Handler func(data []byte, addr net.Addr)
	// PoolSize > 0 limits the handlers running at once: reading pauses
	// while PoolSize handlers run.
	PoolSize int
	// MaxSize is the largest datagram read (8192 if 0, as gevent);
	// longer ones are truncated.
	MaxSize int
	// MaxAccept is how many datagrams are read in a row before the reading
	// greenlet yields to the handlers, the timers and the other greenlets
	// (DefaultMaxAccept if 0; gevent's max_accept, which its _do_read
	// applies to datagrams too). Under a flood, the hub runs everything
	// else at least once every MaxAccept datagrams.
	MaxAccept int

	base
	pc *socket.PacketConn
}

// NewDatagramServer returns a UDP server for addr that runs handler for
// every datagram.
func NewDatagramServer(addr string, handler func(data []byte, addr net.Addr)) *DatagramServer {
	return &DatagramServer{Addr: addr, Handler: handler}
}

// Start binds the socket (unless Conn was given) and starts reading in a
// new greenlet; it does not block. Errors as StreamServer.Start.
func (s *DatagramServer) Start() error {
	if err := s.begin("DatagramServer", s.Handler != nil); err != nil {
		return err
	}
	s.pc = s.Conn
	if s.pc == nil {
		network := s.Network
		if network == "" {
			network = "udp"
		}
		pc, err := socket.ListenPacket(network, s.Addr)
		if err != nil {
			return err
		}
		s.pc = pc.(*socket.PacketConn)
	}
	s.started = true
	s.loop = gevent.Go(s.readLoop)
	return nil
}

// ListenAddr returns the bound address (nil before Start).
func (s *DatagramServer) ListenAddr() net.Addr {
	s.check("ListenAddr")
	if s.pc == nil {
		return nil
	}
	return s.pc.LocalAddr()
}

// SendTo sends data to addr from the server's socket (gevent's sendto).
// It waits while the send buffer is full; errors as socket's WriteTo.
func (s *DatagramServer) SendTo(data []byte, addr net.Addr) (int, error) {
	s.check("SendTo")
	if s.pc == nil {
		return 0, errors.New("server: DatagramServer not started")
	}
	return s.pc.WriteTo(data, addr)
}

// ServeForever is StreamServer.ServeForever for datagrams.
func (s *DatagramServer) ServeForever() error {
	s.check("ServeForever")
	if !s.started && !s.stopped {
		if err := s.Start(); err != nil {
			return err
		}
	}
	return s.serveForever(func() { s.Stop() })
}

// Stop closes the socket, then waits for and kills handlers as
// StreamServer.Stop does.
func (s *DatagramServer) Stop(timeout ...time.Duration) error {
	s.check("Stop")
	return s.stop(func() {
		if s.pc != nil {
			s.pc.Close()
		}
	}, timeout)
}

func (s *DatagramServer) readLoop() {
	size := s.MaxSize
	if size <= 0 {
		size = 8192
	}
	maxAccept := s.MaxAccept
	if maxAccept <= 0 {
		maxAccept = DefaultMaxAccept
	}
	buf := make([]byte, size)
	n := 0 // datagrams read since the last yield
	for !s.stopped {
		if n >= maxAccept {
			// ReadFrom does not switch while datagrams are queued: yield,
			// or a flood would starve the hub (gevent returns to its loop
			// after max_accept reads).
			n = 0
			if gevent.Sleep(0) != nil {
				return
			}
			continue
		}
		if err := s.waitSlot(s.PoolSize); err != nil {
			return
		}
		m, addr, err := s.pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || isInterrupt(err) {
				return
			}
			logError("recvfrom: %v", err)
			if gevent.Sleep(DefaultMinDelay) != nil {
				return
			}
			continue
		}
		data := append([]byte(nil), buf[:m]...)
		s.spawn(func() { s.Handler(data, addr) })
		n++
	}
}
