package socket_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/socket"
)

// run runs body in a fresh hub and fails the test on its error.
func run(t *testing.T, body func() error) {
	t.Helper()
	if err := gevent.Run(body); err != nil {
		t.Fatal(err)
	}
}

// echo serves one echo greenlet per connection until l is closed.
func echo(l net.Listener) {
	gevent.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			gevent.Go(func() {
				defer c.Close()
				io.Copy(c, c)
			})
		}
	})
}

func TestEchoNetworks(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "s")
	for _, tc := range []struct{ network, addr string }{
		{"tcp", "127.0.0.1:0"},
		{"tcp4", "127.0.0.1:0"},
		{"tcp6", "[::1]:0"},
		{"tcp", ":0"},
		{"unix", sock},
	} {
		t.Run(tc.network+" "+tc.addr, func(t *testing.T) {
			run(t, func() error {
				l, err := socket.Listen(tc.network, tc.addr)
				if err != nil {
					if tc.network == "tcp6" {
						t.Skip(err)
					}
					return err
				}
				defer l.Close()
				echo(l)
				addr := l.Addr().String()
				if strings.HasPrefix(addr, "[::]:") {
					addr = "localhost:" + addr[5:]
				}
				c, err := socket.Dial(tc.network, addr)
				if err != nil {
					return err
				}
				defer c.Close()
				r := bufio.NewReader(c)
				for i := range 3 {
					fmt.Fprintf(c, "line %d\n", i)
					s, err := r.ReadString('\n')
					if err != nil {
						return err
					}
					if s != fmt.Sprintf("line %d\n", i) {
						return fmt.Errorf("got %q", s)
					}
				}
				return nil
			})
		})
	}
}

func TestUDP(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		pc, err := socket.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer pc.Close()
		gevent.Go(func() {
			buf := make([]byte, 100)
			for {
				n, a, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				pc.WriteTo([]byte(strings.ToUpper(string(buf[:n]))), a)
			}
		})
		c, err := socket.Dial("udp", pc.LocalAddr().String())
		if err != nil {
			return err
		}
		defer c.Close()
		c.Write([]byte("ping"))
		buf := make([]byte, 100)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := c.Read(buf)
		if err != nil {
			return err
		}
		if string(buf[:n]) != "PING" {
			return fmt.Errorf("got %q", buf[:n])
		}
		return nil
	})
}

func TestReadDeadline(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		l, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer l.Close()
		echo(l)
		c, err := socket.Dial("tcp", l.Addr().String())
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		_, err = c.Read(make([]byte, 10))
		var ne net.Error
		if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
			return fmt.Errorf("read: %v", err)
		}
		// A deadline in the past set by another greenlet wakes a blocked read.
		c.SetReadDeadline(time.Time{})
		gevent.Go(func() {
			gevent.Sleep(10 * time.Millisecond)
			c.SetReadDeadline(time.Now())
		})
		_, err = c.Read(make([]byte, 10))
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("read after SetReadDeadline(now): %v", err)
		}
		// Extending the deadline while blocked lets the read complete.
		c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		gevent.Go(func() {
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			gevent.Sleep(30 * time.Millisecond)
			c.Write([]byte("x"))
		})
		n, err := c.Read(make([]byte, 10))
		if n != 1 || err != nil {
			return fmt.Errorf("extended read: %d %v", n, err)
		}
		return nil
	})
}

func TestCloseWakesReader(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		l, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		echo(l)
		c, err := socket.Dial("tcp", l.Addr().String())
		if err != nil {
			return err
		}
		gevent.Go(func() { gevent.Sleep(10 * time.Millisecond); c.Close(); l.Close() })
		_, err = c.Read(make([]byte, 10))
		if !errors.Is(err, net.ErrClosed) {
			return fmt.Errorf("read: %v", err)
		}
		if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
			return fmt.Errorf("accept: %v", err)
		}
		if err := c.Close(); !errors.Is(err, net.ErrClosed) {
			return fmt.Errorf("second close: %v", err)
		}
		return nil
	})
}

func TestKillAndTimeoutInterrupt(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		l, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer l.Close()
		// Accept under a Timeout scope: the *Timeout comes back unchanged.
		to := gevent.NewTimeout(10*time.Millisecond, nil)
		err = to.Run(func() error { _, err := l.Accept(); return err })
		if err != to {
			return fmt.Errorf("accept under timeout: %v", err)
		}
		echo(l)
		c, err := socket.Dial("tcp", l.Addr().String())
		if err != nil {
			return err
		}
		defer c.Close()
		g := gevent.Spawn(func() (int, error) { return c.Read(make([]byte, 1)) })
		gevent.Sleep(5 * time.Millisecond)
		g.Kill(gevent.ErrGreenletExit, true)
		if !g.Dead() || !errors.Is(g.Err(), gevent.ErrGreenletExit) && g.Err() != nil {
			return fmt.Errorf("killed reader: %v", g.Err())
		}
		// The conn still works after the interrupted read.
		c.Write([]byte("z"))
		b := make([]byte, 1)
		if _, err := io.ReadFull(c, b); err != nil || b[0] != 'z' {
			return fmt.Errorf("after kill: %q %v", b, err)
		}
		return nil
	})
}

func TestDialErrors(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		l, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		addr := l.Addr().String()
		l.Close()
		_, err = socket.Dial("tcp", addr)
		if err == nil || !strings.Contains(err.Error(), "refused") {
			return fmt.Errorf("dial closed port: %v", err)
		}
		// 192.0.2.1 (TEST-NET-1) is not routed: the dial times out, or fails
		// at once on hosts without a default route.
		_, err = socket.DialTimeout("tcp", "192.0.2.1:80", 20*time.Millisecond)
		if err == nil {
			return errors.New("dial to TEST-NET succeeded")
		}
		return nil
	})
}
