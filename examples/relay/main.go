// Command relay is seed 001's multiprocessing example: a child process
// relays each message it gets back with " in N" appended, and the
// parent's greenlets put_msg and get_msg wait with gevent.WaitWrite and
// gevent.WaitRead on the pipe descriptors before each send and receive.
//
//	go run ./examples/relay
//
// It prints "hi in 0" to "hi in 4". Go has no fork: the child is this
// same program re-run with RELAY_CHILD=1, its pipe ends inherited as
// descriptors 3 and 4 (subprocess.Options.ExtraFiles). The messages are
// framed as multiprocessing.Connection frames them (a 4-byte big-endian
// length, then the bytes), on plain blocking pipes, as in the seed. So the
// seed's warning holds here too: WaitWrite only promises that one byte
// fits; a larger message could still block the whole hub in send. The
// gipc package is the proper way (non-blocking ends, whole messages).
package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/subprocess"
	"golang.org/x/sys/unix"
)

const childEnv = "RELAY_CHILD"

// conn is one end of a pipe with multiprocessing.Connection's framing,
// blocking like it.
type conn struct{ fd int }

func (c conn) fileno() int { return c.fd }

func (c conn) send(msg string) error {
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(msg)))
	frame = append(frame, msg...)
	for len(frame) > 0 {
		n, err := unix.Write(c.fd, frame)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		frame = frame[n:]
	}
	return nil
}

func (c conn) readFull(b []byte) error {
	for len(b) > 0 {
		n, err := unix.Read(c.fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("EOF")
		}
		b = b[n:]
	}
	return nil
}

func (c conn) recv() (string, error) {
	var hdr [4]byte
	if err := c.readFull(hdr[:]); err != nil {
		return "", err
	}
	b := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	if err := c.readFull(b); err != nil {
		return "", err
	}
	return string(b), nil
}

// pipe is multiprocessing's Pipe(duplex=False) as the seed uses it: a
// receiving and a sending end (plain blocking descriptors).
func pipe() (r, w conn, err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return conn{}, conn{}, err
	}
	return conn{p[0]}, conn{p[1]}, nil
}

// relay is the child's function: fd 3 is b (from the parent), fd 4 is c
// (to the parent).
func relay() {
	b, c := conn{3}, conn{4}
	for i := range 5 {
		msg, err := b.recv()
		if err != nil {
			os.Exit(1)
		}
		c.send(msg + " in " + strconv.Itoa(i))
	}
}

func parent() error {
	// To Process
	b, a, err := pipe()
	if err != nil {
		return err
	}
	// From Process
	d, c, err := pipe()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	proc, err := subprocess.Start([]string{self}, subprocess.Options{
		Env:        append(os.Environ(), childEnv+"=1"),
		ExtraFiles: []*os.File{os.NewFile(uintptr(b.fd), "b"), os.NewFile(uintptr(c.fd), "c")},
	})
	if err != nil {
		return err
	}
	unix.Close(b.fd) // the child has its copies (fork closes nothing; we must)
	unix.Close(c.fd)

	putMsg := func() error {
		for range 5 {
			if err := gevent.WaitWrite(a.fileno()); err != nil {
				return err
			}
			if err := a.send("hi"); err != nil {
				return err
			}
		}
		return nil
	}
	getMsg := func() error {
		for range 5 {
			if err := gevent.WaitRead(d.fileno()); err != nil {
				return err
			}
			msg, err := d.recv()
			if err != nil {
				return err
			}
			fmt.Println(msg)
		}
		return nil
	}
	g1 := gevent.GoErr(getMsg)
	g2 := gevent.GoErr(putMsg)
	gevent.JoinAll([]*gevent.Greenlet[struct{}]{g1, g2}, time.Second)
	_, err = proc.Wait()
	return err
}

func main() {
	if os.Getenv(childEnv) != "" {
		relay()
		return
	}
	if err := gevent.Run(parent); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
