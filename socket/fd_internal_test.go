package socket

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

// pair returns the two ends of a TCP connection on the calling hub.
func pair(t *testing.T) (client, server *Conn) {
	t.Helper()
	l, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	return c.(*Conn), s.(*Conn)
}

// Issue 14: a read that returned fewer bytes than asked for leaves the
// receive queue empty, so the next read waits for the hub to see new data
// first instead of trying a read that finds EAGAIN (one syscall in two of
// an echo server). The data that arrives between the two reads is read,
// whether the hub saw its edge already or not.
func TestReadAfterShortReadWaitsForEdge(t *testing.T) {
	err := gevent.Run(func() error {
		c, s := pair(t)
		defer c.Close()
		defer s.Close()
		buf := make([]byte, 100)
		round := func(msg string, yield bool) {
			t.Helper()
			if _, err := c.Write([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			if yield { // the hub sees the edge before the read
				gevent.Sleep(time.Millisecond)
			}
			n, err := s.Read(buf)
			if err != nil || string(buf[:n]) != msg {
				t.Fatalf("read %q, %v; want %q", buf[:n], err, msg)
			}
		}
		round("first", false) // the first read may find EAGAIN
		s.fd.readsAgain = 0
		for i := range 20 {
			// Written before the read (the loopback delivers at once):
			// arrived after the short read, the hub not told yet.
			round("now", false)
			// Written, the hub saw it, then read.
			round("seen", true)
			// Written while the reader waits.
			gevent.Spawn(func() (struct{}, error) {
				gevent.Sleep(time.Millisecond)
				_, err := c.Write([]byte("later"))
				return struct{}{}, err
			})
			n, err := s.Read(buf)
			if err != nil || string(buf[:n]) != "later" {
				t.Fatalf("round %d: read %q, %v; want %q", i, buf[:n], err, "later")
			}
		}
		if s.fd.readsAgain != 0 {
			t.Errorf("%d reads found EAGAIN after a short read; want none", s.fd.readsAgain)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Issue 14: the peer's close comes as one edge. Seen by the hub before a
// short read took the last data, it must not be forgotten: the next read
// returns io.EOF (it waited for ever when the short read forgot it).
func TestShortReadThenPeerCloseSeenBefore(t *testing.T) {
	for _, how := range []string{"close", "reset"} {
		t.Run(how, func(t *testing.T) {
			err := gevent.Run(func() error {
				c, s := pair(t)
				defer s.Close()
				if _, err := c.Write([]byte("last")); err != nil {
					t.Fatal(err)
				}
				if how == "reset" {
					c.SetLinger(0)
				}
				c.Close()
				gevent.Sleep(5 * time.Millisecond) // the hub sees data and hang-up
				buf := make([]byte, 100)
				n, err := s.Read(buf)
				if how == "reset" && err != nil {
					return nil // the reset may discard the data
				}
				if err != nil || string(buf[:n]) != "last" {
					t.Fatalf("read %q, %v; want %q", buf[:n], err, "last")
				}
				s.SetReadDeadline(time.Now().Add(5 * time.Second))
				_, err = s.Read(buf)
				if errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatal("the read after the short read waited for ever")
				}
				if how == "close" && err != io.EOF {
					t.Fatalf("got %v; want io.EOF", err)
				}
				if how == "reset" && !errors.Is(err, syscall.ECONNRESET) {
					t.Fatalf("got %v; want ECONNRESET", err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Issue 14: a wait of the socket's raw connection consumes the readiness
// the hub saw; if its function then reads part of the data, the next Read
// must read the rest (it waited for an edge that never came when the
// short read before the raw read was still remembered).
func TestRawReadAfterShortRead(t *testing.T) {
	err := gevent.Run(func() error {
		c, s := pair(t)
		defer c.Close()
		defer s.Close()
		buf := make([]byte, 100)
		if _, err := c.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Read(buf); n != 1 || err != nil { // short
			t.Fatalf("read %d, %v", n, err)
		}
		gevent.Go(func() {
			gevent.Sleep(time.Millisecond)
			c.Write([]byte("abc"))
		})
		rc, err := s.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var one [1]byte
		err = rc.Read(func(fd uintptr) bool {
			n, err := syscall.Read(int(fd), one[:])
			return n == 1 && err == nil
		})
		if err != nil || one[0] != 'a' {
			t.Fatalf("raw read %q, %v", one[:], err)
		}
		s.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := s.Read(buf)
		if err != nil || string(buf[:n]) != "bc" {
			t.Fatalf("read %q, %v; want %q", buf[:n], err, "bc")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A TCP read stops at the urgent mark (out-of-band data, not inline): it is
// short although data follows the mark in the queue, and no new edge will
// come for that data. The next Read must not wait for one.
func TestShortReadAtUrgentMark(t *testing.T) {
	err := gevent.Run(func() error {
		c, s := pair(t)
		defer c.Close()
		defer s.Close()
		rc, err := c.SyscallConn()
		if err != nil {
			return err
		}
		var serr error
		if err := rc.Control(func(fd uintptr) {
			if serr = syscall.Sendto(int(fd), []byte("ab"), 0, nil); serr != nil {
				return
			}
			if serr = syscall.Sendto(int(fd), []byte("X"), syscall.MSG_OOB, nil); serr != nil {
				return
			}
			serr = syscall.Sendto(int(fd), []byte("cd"), 0, nil)
		}); err != nil {
			return err
		}
		if serr != nil {
			return serr
		}
		gevent.Sleep(10 * time.Millisecond) // all of it queued at the server
		s.SetReadDeadline(time.Now().Add(3 * time.Second))
		var got []byte
		buf := make([]byte, 64)
		for len(got) < 4 {
			n, err := s.Read(buf)
			if err != nil {
				t.Fatalf("after %q: %v (want \"abcd\": the data after the urgent mark was queued)", got, err)
			}
			got = append(got, buf[:n]...)
		}
		if string(got) != "abcd" {
			t.Errorf("read %q, want \"abcd\"", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A unix stream socket with SO_PASSCRED never glues the data of two
// writers (processes) into one read: the read is short although the other
// writer's data is queued, and no new edge comes for it. The next Read
// must not wait for one.
func TestShortReadBetweenUnixWriters(t *testing.T) {
	err := gevent.Run(func() error {
		a, b, err := Socketpair()
		if err != nil {
			return err
		}
		defer a.Close()
		defer b.Close()
		rc, err := b.SyscallConn()
		if err != nil {
			return err
		}
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_PASSCRED, 1)
		}); err != nil {
			return err
		}
		if serr != nil {
			return serr
		}
		if _, err := a.Write([]byte("ab")); err != nil {
			return err
		}
		arc, err := a.SyscallConn()
		if err != nil {
			return err
		}
		dup := -1
		if err := arc.Control(func(fd uintptr) { dup, serr = syscall.Dup(int(fd)) }); err != nil {
			return err
		}
		if serr != nil {
			return serr
		}
		f := os.NewFile(uintptr(dup), "unix-end")
		defer f.Close()
		cmd := exec.Command("/bin/sh", "-c", "printf cd >&3")
		cmd.ExtraFiles = []*os.File{f}
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("child writer: %v: %s", err, out)
		}
		gevent.Sleep(10 * time.Millisecond) // the hub sees both edges before the reads
		b.SetReadDeadline(time.Now().Add(3 * time.Second))
		var got []byte
		buf := make([]byte, 64)
		for len(got) < 4 {
			n, err := b.Read(buf)
			if err != nil {
				t.Fatalf("after %q: %v (want \"abcd\": the second writer's data was queued)", got, err)
			}
			got = append(got, buf[:n]...)
		}
		if string(got) != "abcd" {
			t.Errorf("read %q, want \"abcd\"", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
