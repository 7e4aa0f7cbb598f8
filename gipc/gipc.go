// Package gipc passes messages between a parent process and a child it
// starts, cooperatively on the parent's hub (the idea of the Python
// package gipc, which seed 001 recommends over raw wait_read/wait_write).
//
// A message is any value encoding/json can encode, framed as a 4-byte
// big-endian length followed by its JSON text: the framing of Python's
// multiprocessing.Connection send_bytes/recv_bytes, so a Python child can
// speak it too. Go has no fork: the child is a program started with Start
// (typically the same executable re-run in a child role, see the package
// example); it finds its ends of the pipes with Parent.
//
// The parent's pipe ends are non-blocking fileobject Files: a Put or Get
// waits on the hub, a large message written in pieces never blocks the
// hub (the seed's warning: "ready to write" only guarantees one byte).
// Which goroutines may call what: a Conn's Put and Get may be called from
// greenlets of one hub, or from goroutines of no hub (which then block
// only themselves); a Child's methods from greenlets of the hub that
// started it.
package gipc

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/fileobject"
	"github.com/gevent-go/gevent/lock"
	"github.com/gevent-go/gevent/subprocess"
)

// EnvFDs is the environment variable through which Start tells the child
// its descriptors ("3,4": it reads messages from 3 and writes to 4).
const EnvFDs = "GEVENT_GIPC_FDS"

// MaxMessage is the largest message Get accepts (a corrupt length prefix
// must not allocate gigabytes).
const MaxMessage = 64 << 20

// ErrTooLarge is returned by Get for a frame longer than MaxMessage (the
// connection is unusable afterwards) and by Put for a value that encodes
// to more.
var ErrTooLarge = errors.New("gipc: message too large")

// ErrNotChild is returned by Parent in a process not started by Start.
var ErrNotChild = errors.New("gipc: not started by gipc.Start (" + EnvFDs + " unset)")

// Conn is one end of a two-way message channel.
type Conn struct {
	r, w   *fileobject.File
	rl, wl seqLock // one Get and one Put at a time: frames never interleave
	child  *Child  // set on the parent's Conn: Get reports its exit
}

// seqLock is a lock.Lock for greenlets and a sync.Mutex for goroutines
// of no hub.
type seqLock struct {
	gl lock.Lock
	mu sync.Mutex
}

func (l *seqLock) Acquire() (func(), error) {
	if gevent.GetHub() == nil {
		l.mu.Lock()
		return l.mu.Unlock, nil
	}
	if _, err := l.gl.Acquire(); err != nil {
		return nil, err
	}
	return func() { l.gl.Release() }, nil
}

func newConn(r, w *fileobject.File) *Conn { return &Conn{r: r, w: w} }

// Put sends v as one message. It waits (on the hub) until the whole frame
// is written; concurrent Puts are sent one after the other, whole. A
// kill or Timeout scope interrupts it: if part of the frame was written
// the connection is broken (the peer would read a truncated frame), so
// Put then closes the writing end and later Puts fail with os.ErrClosed.
// A peer that is gone gives an error matching syscall.EPIPE.
func (c *Conn) Put(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("gipc: encoding message: %w", err)
	}
	if len(data) > MaxMessage {
		return ErrTooLarge
	}
	frame := make([]byte, 4+len(data))
	binary.BigEndian.PutUint32(frame, uint32(len(data)))
	copy(frame[4:], data)
	release, err := c.wl.Acquire()
	if err != nil {
		return err
	}
	defer release()
	n, err := c.w.Write(frame)
	if err != nil && n > 0 && n < len(frame) {
		c.w.Close()
	}
	return err
}

// Get waits for the next message and decodes it into v (a pointer, as for
// json.Unmarshal). When the peer has closed its end, Get returns io.EOF
// (on a Child's Conn, a *ExitError wrapping io.EOF once the child has
// exited: its status is then known). A kill or Timeout scope interrupts
// the wait; if part of a frame had been read the connection is broken and
// Get closes its reading end. Concurrent Gets receive whole messages, one
// each.
func (c *Conn) Get(v any) error {
	release, err := c.rl.Acquire()
	if err != nil {
		return err
	}
	defer release()
	var hdr [4]byte
	var n int
	n, err = io.ReadFull(c.r, hdr[:])
	if err == nil {
		size := binary.BigEndian.Uint32(hdr[:])
		if size > MaxMessage {
			c.r.Close()
			return ErrTooLarge
		}
		buf := make([]byte, size)
		var m int
		m, err = io.ReadFull(c.r, buf)
		n += m
		if err == nil {
			if err := json.Unmarshal(buf, v); err != nil {
				return fmt.Errorf("gipc: decoding message: %w", err)
			}
			return nil
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
	}
	if n > 0 && !errors.Is(err, io.ErrUnexpectedEOF) {
		c.r.Close() // interrupted mid-frame: the stream is out of step
	}
	if (err == io.EOF || err == io.ErrUnexpectedEOF) && c.child != nil {
		return c.child.exitError(err)
	}
	return err
}

// Close closes both ends; a Get or Put blocked on them returns an error
// matching os.ErrClosed. The peer's Get then returns io.EOF.
func (c *Conn) Close() error {
	err1 := c.r.Close()
	err2 := c.w.Close()
	return errors.Join(err1, err2)
}

// CloseWrite closes only the writing end: the peer's Get returns io.EOF
// once it has read the messages already sent.
func (c *Conn) CloseWrite() error { return c.w.Close() }

// Child is a child process started with Start, with its Conn.
type Child struct {
	*subprocess.Popen
	// Conn exchanges messages with the child.
	Conn *Conn
}

// ExitError is returned by a Child's Conn.Get when the child's end closed
// because it exited: its exit status, and Err (io.EOF, or
// io.ErrUnexpectedEOF when it died in the middle of a message).
type ExitError struct {
	Returncode int // as subprocess's: negative for a signal
	Err        error
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("gipc: child exited with status %d (%v)", e.Returncode, e.Err)
}
func (e *ExitError) Unwrap() error { return e.Err }

// exitGrace is how long Get waits for a child whose pipe closed to exit.
const exitGrace = 2 * time.Second

func (ch *Child) exitError(eof error) error {
	code, err := ch.Wait(exitGrace)
	if err != nil {
		return eof // still running (closed its end on purpose), or we were interrupted
	}
	return &ExitError{Returncode: code, Err: eof}
}

// Start starts args as a child process (subprocess.Start with o) and
// connects it: the child reads messages from its descriptor 3 and writes
// to 4, announced in its environment (EnvFDs); Parent opens them. Standard
// streams and the rest follow o (o.ExtraFiles must be empty). Must be
// called from a greenlet.
func Start(args []string, o subprocess.Options) (*Child, error) {
	if len(o.ExtraFiles) > 0 {
		return nil, errors.New("gipc: Options.ExtraFiles is used by Start; pass none")
	}
	// toChild: the read end the child inherits; childIn: the parent's
	// write end. fromChild/childOut the other way.
	toChild, childIn, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	fromChild, childOut, err := os.Pipe()
	if err != nil {
		toChild.Close()
		childIn.Close()
		return nil, err
	}
	env := o.Env
	if env == nil {
		env = os.Environ()
	}
	o.Env = append(append([]string(nil), env...), EnvFDs+"=3,4")
	o.ExtraFiles = []*os.File{toChild, childOut}
	p, err := subprocess.Start(args, o)
	toChild.Close() // the child has its copies
	childOut.Close()
	if err != nil {
		childIn.Close()
		fromChild.Close()
		return nil, err
	}
	r, err1 := fileobject.New(fromChild)
	w, err2 := fileobject.New(childIn)
	if err := errors.Join(err1, err2); err != nil {
		p.Kill()
		return nil, err
	}
	ch := &Child{Popen: p, Conn: newConn(r, w)}
	ch.Conn.child = ch
	return ch, nil
}

// Parent returns the child's Conn to the process that started it with
// Start, or ErrNotChild. Call it once.
func Parent() (*Conn, error) {
	v := os.Getenv(EnvFDs)
	if v == "" {
		return nil, ErrNotChild
	}
	rs, ws, ok := strings.Cut(v, ",")
	rfd, err1 := strconv.Atoi(rs)
	wfd, err2 := strconv.Atoi(ws)
	if !ok || err1 != nil || err2 != nil {
		return nil, fmt.Errorf("gipc: bad %s=%q", EnvFDs, v)
	}
	os.Unsetenv(EnvFDs) // not for the child's own children
	r, err := fileobject.New(os.NewFile(uintptr(rfd), "gipc-in"))
	if err != nil {
		return nil, err
	}
	w, err := fileobject.New(os.NewFile(uintptr(wfd), "gipc-out"))
	if err != nil {
		r.Close()
		return nil, err
	}
	return newConn(r, w), nil
}
