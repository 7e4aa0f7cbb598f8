package socket_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/socket"
)

// Both ends of a socketpair wait cooperatively: a reader parked on one end
// lets the writer greenlet run; Close gives the peer io.EOF.
func TestSocketpair(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		a, b, err := socket.Socketpair()
		if err != nil {
			return err
		}
		defer a.Close()
		got := gevent.Spawn(func() (string, error) {
			data, err := io.ReadAll(b)
			b.Close()
			return string(data), err
		})
		gevent.Sleep(0) // the reader parks: nothing written yet
		for i := range 3 {
			fmt.Fprintf(a, "msg %d;", i)
			gevent.Sleep(time.Millisecond)
		}
		if err := a.CloseWrite(); err != nil {
			return err
		}
		s, err := got.Get()
		if err != nil || s != "msg 0;msg 1;msg 2;" {
			return fmt.Errorf("got %q, %v", s, err)
		}
		// Deadlines and Timeout scopes apply as to any Conn.
		a.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
		if _, err := a.Read(make([]byte, 1)); err != io.EOF {
			return fmt.Errorf("read after the peer closed: %v", err)
		}
		if a.LocalAddr().Network() != "unix" || a.RemoteAddr() == nil {
			return fmt.Errorf("addresses %v %v", a.LocalAddr(), a.RemoteAddr())
		}
		return nil
	})
}

// A socket made elsewhere (here by Go's net) becomes cooperative through
// FileConn, FileListener and FilePacketConn; the original stays usable and
// is closed separately.
func TestFileConnListenerPacketConn(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		nl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer nl.Close()
		lf, err := nl.(*net.TCPListener).File()
		if err != nil {
			return err
		}
		l, err := socket.FileListener(lf)
		lf.Close()
		if err != nil {
			return err
		}
		defer l.Close()
		if l.Addr().String() != nl.Addr().String() {
			return fmt.Errorf("listener address %v, want %v", l.Addr(), nl.Addr())
		}
		echo(l)
		c, err := socket.Dial("tcp", l.Addr().String())
		if err != nil {
			return err
		}
		// Wrap the dialled conn again through a file: a second cooperative
		// view of the same socket.
		cf, err := c.(*socket.Conn).SyscallConn()
		if err != nil {
			return err
		}
		var f *os.File
		cf.Control(func(fd uintptr) {
			nfd, _ := syscall.Dup(int(fd))
			f = os.NewFile(uintptr(nfd), "dialled")
		})
		fc, err := socket.FileConn(f)
		f.Close()
		if err != nil {
			return err
		}
		c.Close() // fc has its own descriptor
		if _, ok := fc.(*socket.Conn); !ok {
			return fmt.Errorf("FileConn of a TCP socket gave %T", fc)
		}
		if fc.RemoteAddr().String() != l.Addr().String() {
			return fmt.Errorf("remote %v, want %v", fc.RemoteAddr(), l.Addr())
		}
		fc.Write([]byte("ping"))
		buf := make([]byte, 4)
		if _, err := io.ReadFull(fc, buf); err != nil || string(buf) != "ping" {
			return fmt.Errorf("echo %q %v", buf, err)
		}
		fc.Close()

		up, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer up.Close()
		uf, err := up.(*net.UDPConn).File()
		if err != nil {
			return err
		}
		pc, err := socket.FilePacketConn(uf)
		uf.Close()
		if err != nil {
			return err
		}
		defer pc.Close()
		got := gevent.Spawn(func() (string, error) {
			b := make([]byte, 16)
			n, _, err := pc.ReadFrom(b)
			return string(b[:n]), err
		})
		gevent.Sleep(0) // parked in ReadFrom
		s, err := net.Dial("udp", pc.LocalAddr().String())
		if err != nil {
			return err
		}
		defer s.Close()
		s.Write([]byte("datagram"))
		if v, err := got.Get(); err != nil || v != "datagram" {
			return fmt.Errorf("ReadFrom %q %v", v, err)
		}
		return nil
	})
}

func TestFileErrors(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		defer r.Close()
		defer w.Close()
		if _, err := socket.FileConn(r); !errors.Is(err, syscall.ENOTSOCK) {
			return fmt.Errorf("FileConn(pipe): %v", err)
		}
		a, b, err := socket.Socketpair()
		if err != nil {
			return err
		}
		defer a.Close()
		defer b.Close()
		var f *os.File
		raw, _ := a.SyscallConn()
		raw.Control(func(fd uintptr) {
			nfd, _ := syscall.Dup(int(fd))
			f = os.NewFile(uintptr(nfd), "pair")
		})
		defer f.Close()
		if _, err := socket.FileListener(f); !errors.Is(err, syscall.EINVAL) {
			return fmt.Errorf("FileListener(connected socket): %v", err)
		}
		if _, err := socket.FilePacketConn(f); !errors.Is(err, syscall.EINVAL) {
			return fmt.Errorf("FilePacketConn(stream socket): %v", err)
		}
		var oe *net.OpError
		if _, err := socket.FileConn(r); !errors.As(err, &oe) || oe.Op != "file" {
			return fmt.Errorf("not a *net.OpError with Op file: %#v", err)
		}
		return nil
	})
}
