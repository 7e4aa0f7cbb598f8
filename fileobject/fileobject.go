// Package fileobject makes reads and writes on file descriptors
// cooperative (gevent.fileobject): they block only the calling greenlet.
//
// A File over a pipe, FIFO, socket, tty or other pollable character
// device is put in non-blocking mode and waits on the hub's epoll
// (gevent's FileObjectPosix); a File over a regular file or anything epoll
// refuses (regular files are always "ready" to epoll, yet reads from a slow
// disk block) runs each read and write on the thread pool
// (FileObjectThread). New chooses by fstat; NewPosix and NewThread force
// one. Stdin, Stdout and Stderr wrap the process's standard streams.
//
// Which goroutines may call what: a File is bound to the hub of the first
// greenlet that waits on it, until that hub ends or the File is closed;
// greenlets of another live hub get a panic. A goroutine that is not a
// greenlet of any hub may use a File too: it waits in poll(2), blocking
// only itself (a Posix File), or runs the call itself (a Thread File).
// Close may be called from any goroutine.
package fileobject

import (
	"errors"
	"io"
	"os"
	"sync"
	"time"
	"weak"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/threadpool"
	"golang.org/x/sys/unix"
)

// Mode says how a File waits.
type Mode int

const (
	// Posix: non-blocking descriptor, waits on the hub's epoll.
	Posix Mode = iota
	// Thread: blocking calls run on the default thread pool.
	Thread
)

func (m Mode) String() string {
	if m == Thread {
		return "thread"
	}
	return "posix"
}

// offHubSlice bounds each poll(2) of a goroutine of no hub, so that Close
// is seen within that time.
const offHubSlice = 50 * time.Millisecond

// File is a cooperative reader and writer over one file descriptor.
type File struct {
	name string
	mode Mode
	f    *os.File // owns fd (nil for a Stdin/Stdout/Stderr dup we close ourselves)
	fd   int

	mu        sync.Mutex
	closing   bool
	refs      int // operations in progress
	destroyed bool
	hub       *gevent.Hub // hub the fd is registered with (Posix), nil: none
	gfd       *gevent.FD
	stopHook  func() bool
	restore   func() // undoes the non-blocking flag (Stdin/Stdout/Stderr)
}

// New wraps f, which the File then owns (Close closes it), choosing the
// mode by fstat: regular files, directories and block devices get Thread,
// everything epoll accepts (pipes, FIFOs, sockets, ttys, most character
// devices) gets Posix and is made non-blocking, other character devices
// (/dev/null, /dev/zero: epoll refuses them, they never block) get Thread.
// Errors: fstat's.
func New(f *os.File) (*File, error) {
	fd, err := rawFD(f)
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, &os.PathError{Op: "fstat", Path: f.Name(), Err: err}
	}
	mode := Thread
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFIFO, unix.S_IFSOCK, unix.S_IFCHR:
		if pollable(fd) {
			mode = Posix
		}
	}
	return newFile(f, fd, f.Name(), mode)
}

// NewPosix wraps f (which the File then owns) in Posix mode. It returns
// an error if epoll refuses the descriptor (regular files: use NewThread).
func NewPosix(f *os.File) (*File, error) {
	fd, err := rawFD(f)
	if err != nil {
		return nil, err
	}
	if !pollable(fd) {
		return nil, &os.PathError{Op: "epoll_ctl", Path: f.Name(), Err: unix.EPERM}
	}
	return newFile(f, fd, f.Name(), Posix)
}

// NewThread wraps f (which the File then owns) in Thread mode: every read
// and write runs on the default thread pool.
func NewThread(f *os.File) (*File, error) {
	fd, err := rawFD(f)
	if err != nil {
		return nil, err
	}
	return newFile(f, fd, f.Name(), Thread)
}

// Open opens name as os.OpenFile does and wraps it with New. From a
// greenlet the open runs on the thread pool (opening a FIFO waits for its
// other end; that wait blocks a pool worker, not the hub; kill and Timeout
// stop the wait, a file opened afterwards is closed).
func Open(name string, flag int, perm os.FileMode) (*File, error) {
	open := func() (*os.File, error) { return os.OpenFile(name, flag, perm) }
	var f *os.File
	var err error
	if gevent.GetHub() != nil && !inCallback() {
		res := threadpool.Spawn(nil, open)
		if err = res.Wait(); err != nil {
			res.Rawlink(func() {
				if v := res.Value(); v != nil {
					v.Close()
				}
			})
			return nil, err
		}
		f, err = res.Get()
	} else {
		f, err = open()
	}
	if err != nil {
		return nil, err
	}
	file, err := New(f)
	if err != nil {
		f.Close()
	}
	return file, err
}

func inCallback() bool {
	h := gevent.GetHub()
	return h != nil && h.InCallback()
}

func rawFD(f *os.File) (int, error) {
	if f == nil {
		return -1, os.ErrInvalid
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	if err := rc.Control(func(u uintptr) { fd = int(u) }); err != nil {
		return -1, err
	}
	return fd, nil
}

// pollable reports whether epoll accepts fd.
func pollable(fd int) bool {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return false
	}
	defer unix.Close(ep)
	return unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN}) == nil
}

func newFile(f *os.File, fd int, name string, mode Mode) (*File, error) {
	file := &File{name: name, mode: mode, f: f, fd: fd}
	if mode == Posix {
		if err := unix.SetNonblock(fd, true); err != nil {
			return nil, &os.PathError{Op: "fcntl", Path: name, Err: err}
		}
	}
	return file, nil
}

// Pipe returns a connected pair of Posix Files (os.Pipe): data written to
// w can be read from r. Both ends are close-on-exec; to give an end to a
// child process, use os.Pipe and subprocess.Options.ExtraFiles instead
// (see the package example), and wrap the parent's end with New.
func Pipe() (r, w *File, err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	// os.NewFile on a non-blocking descriptor hands it to Go's poller,
	// which is harmless: the File reads and writes it directly.
	r, _ = newFile(os.NewFile(uintptr(p[0]), "|0"), p[0], "|0", Posix)
	w, _ = newFile(os.NewFile(uintptr(p[1]), "|1"), p[1], "|1", Posix)
	return r, w, nil
}

var (
	stdioMu    sync.Mutex
	stdioUsers = map[int]int{}  // standard fd -> open Posix Files over it
	stdioBlock = map[int]bool{} // whether it was blocking before the first
)

// Stdin returns a File reading the process's standard input (descriptor
// 0), chosen by New's rules: a terminal or pipe becomes Posix, a
// redirected regular file Thread. The File reads a duplicate of
// descriptor 0; Close closes the duplicate, never descriptor 0.
//
// While a Posix File over a standard stream is open, the stream is in
// non-blocking mode for every user of it (the mode belongs to the open
// file description, shared with os.Stdin and with other processes on the
// same terminal): os.Stdin.Read may fail with EAGAIN meanwhile, as with
// gevent's FileObjectPosix. The last Close restores the previous mode.
func Stdin() (*File, error) { return stdio(0, "/dev/stdin") }

// Stdout returns a File writing the process's standard output; see Stdin.
// A write to a closed pipe returns EPIPE (the process is not killed by
// SIGPIPE, unlike a write through os.Stdout).
func Stdout() (*File, error) { return stdio(1, "/dev/stdout") }

// Stderr returns a File writing the process's standard error; see Stdout.
func Stderr() (*File, error) { return stdio(2, "/dev/stderr") }

func stdio(std int, name string) (*File, error) {
	// The mode is shared by every descriptor of the open file description:
	// read it before New changes it, under the lock that counts users.
	stdioMu.Lock()
	defer stdioMu.Unlock()
	fl, err := unix.FcntlInt(uintptr(std), unix.F_GETFL, 0)
	if err != nil {
		return nil, &os.PathError{Op: "fcntl", Path: name, Err: err}
	}
	fd, err := unix.FcntlInt(uintptr(std), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, &os.PathError{Op: "dup", Path: name, Err: err}
	}
	f := os.NewFile(uintptr(fd), name)
	file, err := New(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	if file.mode == Posix {
		if stdioUsers[std] == 0 {
			stdioBlock[std] = fl&unix.O_NONBLOCK == 0
		}
		stdioUsers[std]++
		file.restore = func() {
			stdioMu.Lock()
			defer stdioMu.Unlock()
			stdioUsers[std]--
			if stdioUsers[std] == 0 && stdioBlock[std] {
				unix.SetNonblock(fd, false)
			}
		}
	}
	return file, nil
}

// Name returns the name given to the file (the path for Open).
func (f *File) Name() string { return f.name }

// Mode returns how the File waits.
func (f *File) Mode() Mode { return f.mode }

// Fd returns the descriptor, which stays owned by the File (do not close
// it; do not change its mode).
func (f *File) Fd() int { return f.fd }

// incref takes a reference for an operation; it fails once Close began.
func (f *File) incref(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closing {
		return &os.PathError{Op: op, Path: f.name, Err: os.ErrClosed}
	}
	f.refs++
	return nil
}

func (f *File) decref() {
	f.mu.Lock()
	f.refs--
	last := f.closing && f.refs == 0 && !f.destroyed
	if last {
		f.destroyed = true
	}
	f.mu.Unlock()
	if last {
		f.destroy()
	}
}

func (f *File) destroy() {
	if f.restore != nil {
		f.restore()
	}
	f.f.Close()
}

// Close closes the File: greenlets blocked in Read or Write on it wake and
// return an error matching os.ErrClosed (as does every later call); the
// descriptor is closed once no call uses it any more (a Thread call in
// progress on the thread pool finishes first). A second Close returns an
// error matching os.ErrClosed. Close never blocks; it may be called from
// any goroutine.
func (f *File) Close() error {
	f.mu.Lock()
	if f.closing {
		f.mu.Unlock()
		return &os.PathError{Op: "close", Path: f.name, Err: os.ErrClosed}
	}
	f.closing = true
	h := f.hub
	f.mu.Unlock()
	if h != nil {
		if h.OnHub() {
			f.unregister(h, true)
		} else {
			// A closed hub (Post false) ran or will run the AfterClose
			// hook, which drops the registration.
			h.Post(func() { f.unregister(h, true) })
		}
	}
	f.mu.Lock()
	f.refs++ // balance decref below
	f.mu.Unlock()
	f.decref()
	return nil
}

// unregister drops the hub registration of a closing File (live: on the
// hub, waking its waiters with os.ErrClosed) or of a File whose hub ended
// (its epoll instance is gone with it, and so are its greenlets).
func (f *File) unregister(h *gevent.Hub, live bool) {
	f.mu.Lock()
	if f.hub != h {
		f.mu.Unlock()
		return
	}
	g, stop := f.gfd, f.stopHook
	f.hub, f.gfd, f.stopHook = nil, nil, nil
	f.mu.Unlock()
	if stop != nil {
		stop()
	}
	if g != nil && live {
		g.Close(os.ErrClosed)
	}
}

// coop returns the hub registration to wait on for the calling greenlet,
// or nil for a goroutine of no hub.
func (f *File) coop() (*gevent.FD, error) {
	h := gevent.GetHub()
	if h == nil {
		return nil, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hub == h {
		return f.gfd, nil
	}
	if f.hub != nil {
		panic("fileobject: File used from greenlets of two hubs; use one File per hub (or a goroutine of no hub)")
	}
	g, err := gevent.RegisterFD(f.fd)
	if err != nil {
		return nil, &os.PathError{Op: "epoll_ctl", Path: f.name, Err: err}
	}
	f.hub, f.gfd = h, g
	// Weak: a File dropped without Close is not kept alive until its hub
	// ends (os.File's finalizer then closes the descriptor).
	wf := weak.Make(f)
	f.stopHook = h.AfterClose(func() {
		if f := wf.Value(); f != nil {
			f.unregister(h, false)
		}
	})
	return g, nil
}

// wait waits until the descriptor is ready (write: writable).
func (f *File) wait(op string, write bool) error {
	g, err := f.coop()
	if err != nil {
		return err
	}
	if g != nil {
		if write {
			err = g.WaitWrite(-1)
		} else {
			err = g.WaitRead(-1)
		}
		if errors.Is(err, os.ErrClosed) {
			return &os.PathError{Op: op, Path: f.name, Err: os.ErrClosed}
		}
		return err
	}
	ev := int16(unix.POLLIN)
	if write {
		ev = unix.POLLOUT
	}
	for {
		f.mu.Lock()
		closing := f.closing
		f.mu.Unlock()
		if closing {
			return &os.PathError{Op: op, Path: f.name, Err: os.ErrClosed}
		}
		pfd := []unix.PollFd{{Fd: int32(f.fd), Events: ev}}
		n, err := unix.Poll(pfd, int(offHubSlice/time.Millisecond))
		if err != nil && err != unix.EINTR {
			return &os.PathError{Op: "poll", Path: f.name, Err: err}
		}
		if n > 0 {
			return nil
		}
	}
}

// Read reads up to len(b) bytes: gevent's FileObject.read with a size.
//
// Posix: it waits until the descriptor is readable (other greenlets run
// meanwhile). Thread: the read runs on the thread pool, into a private
// buffer copied to b on success. It returns io.EOF at end of file (the
// write end of a pipe closed). Kill and Timeout scopes interrupt the wait
// and return their error with n = 0 and nothing consumed (Posix); a Thread
// read already started finishes in the background and its bytes are lost.
// Close wakes it with an error matching os.ErrClosed. A second greenlet
// reading a Posix File while one waits gets gevent.ErrConcurrentUse.
func (f *File) Read(b []byte) (int, error) {
	if err := f.incref("read"); err != nil {
		return 0, err
	}
	defer f.decref()
	if f.mode == Thread {
		return f.threadRead(b)
	}
	for {
		n, err := unix.Read(f.fd, b)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if err := f.wait("read", false); err != nil {
				return 0, err
			}
			continue
		case err != nil:
			return 0, &os.PathError{Op: "read", Path: f.name, Err: err}
		case n == 0 && len(b) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// Write writes all of b (it loops over partial writes): gevent's
// FileObject.write.
//
// Posix: each time the descriptor is full it waits until it is writable.
// Thread: the write runs on the thread pool, from a copy of b. A closed
// read end gives an *os.PathError wrapping syscall.EPIPE. Kill and Timeout
// scopes interrupt a wait and return their error with the count written so
// far (Posix); a Thread write already started finishes in the background.
// Close wakes it with an error matching os.ErrClosed.
func (f *File) Write(b []byte) (int, error) {
	if err := f.incref("write"); err != nil {
		return 0, err
	}
	defer f.decref()
	if f.mode == Thread {
		return f.threadWrite(b)
	}
	written := 0
	for written < len(b) {
		n, err := unix.Write(f.fd, b[written:])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if err := f.wait("write", true); err != nil {
				return written, err
			}
			continue
		case err != nil:
			return written, &os.PathError{Op: "write", Path: f.name, Err: err}
		}
		written += n
	}
	return written, nil
}

// WriteString is Write of a string.
func (f *File) WriteString(s string) (int, error) { return f.Write([]byte(s)) }

func onGreenlet() bool {
	h := gevent.GetHub()
	return h != nil && !h.InCallback()
}

func (f *File) threadRead(b []byte) (int, error) {
	if !onGreenlet() {
		return f.f.Read(b)
	}
	type res struct {
		buf []byte
		n   int
	}
	buf := make([]byte, len(b))
	r, err := threadpool.Apply(nil, func() (res, error) {
		n, err := f.f.Read(buf)
		return res{buf, n}, err
	})
	n := copy(b, r.buf[:r.n])
	if err != nil && errors.Is(err, os.ErrClosed) {
		err = &os.PathError{Op: "read", Path: f.name, Err: os.ErrClosed}
	}
	return n, err
}

func (f *File) threadWrite(b []byte) (int, error) {
	if !onGreenlet() {
		return f.f.Write(b)
	}
	buf := append([]byte(nil), b...)
	return threadpool.Apply(nil, func() (int, error) { return f.f.Write(buf) })
}

// copyBuf is the chunk ReadFrom and WriteTo move at a time.
const copyBuf = 64 << 10

// ReadFrom copies r to the File until r reports io.EOF, in 64 KiB chunks,
// each written cooperatively as by Write (so that io.Copy into a File
// never takes os.File's blocking paths). It returns the bytes written and
// the first error other than io.EOF.
func (f *File) ReadFrom(r io.Reader) (int64, error) {
	return io.CopyBuffer(writerOnly{f}, r, make([]byte, copyBuf))
}

// WriteTo copies the File to w until end of file, in 64 KiB chunks, each
// read cooperatively as by Read. It returns the bytes written and the
// first error other than io.EOF.
func (f *File) WriteTo(w io.Writer) (int64, error) {
	return io.CopyBuffer(w, readerOnly{f}, make([]byte, copyBuf))
}

// writerOnly and readerOnly hide a File's ReadFrom and WriteTo from
// io.CopyBuffer, which would otherwise call them back.
type (
	writerOnly struct{ io.Writer }
	readerOnly struct{ io.Reader }
)
