// Package subprocess runs child processes cooperatively (gevent.subprocess):
// waiting for a child, and reading and writing its pipes, block only the
// calling greenlet; the hub keeps running the others.
//
// The child's exit is detected by a goroutine blocked in wait(2), which
// hands the result to the hub (Hub.Post); while a child runs, the hub is
// held alive, so a main greenlet waiting for it never gets ErrLoopExit.
// Pipes are non-blocking and wait on the hub's epoll.
//
// Methods of a Popen must be called from greenlets of the hub that started
// it, except Pid. Reading or writing its pipes from another goroutine works
// too (it blocks that goroutine, not the hub).
package subprocess

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/onhub"
)

// Redirect says what a child's standard stream is connected to.
type Redirect int

const (
	// Inherit connects the stream to the parent's (Python's None).
	Inherit Redirect = iota
	// PIPE creates a pipe the parent reads or writes cooperatively.
	PIPE
	// DEVNULL connects the stream to /dev/null.
	DEVNULL
	// STDOUT, for Stderr only, sends standard error to standard output.
	STDOUT
)

// Options are Popen's keyword arguments.
type Options struct {
	Stdin, Stdout, Stderr Redirect
	// Shell runs args[0] (joined with the rest) with /bin/sh -c.
	Shell bool
	// Dir is the working directory ("" = the parent's).
	Dir string
	// Env is the environment (nil = the parent's).
	Env []string
	// ExtraFiles are further open files the child inherits (Python's
	// pass_fds): entry i becomes descriptor 3+i in the child, in blocking
	// mode (as os/exec does). The parent keeps its copies: close them after
	// Start (for a pipe end, or the child never sees end of file). Wrap the
	// parent's end of such a pipe with fileobject.New to use it
	// cooperatively.
	ExtraFiles []*os.File
}

var (
	// ErrTimeoutExpired matches the error returned when a timeout given to
	// Wait, Communicate, Call, CheckCall, CheckOutput or Run elapses
	// (Python's TimeoutExpired); it also matches gevent.ErrTimeout. Wait
	// and Communicate leave the child running; the other four kill it.
	ErrTimeoutExpired = errors.New("subprocess: timeout expired")
	// ErrNoPipe is returned when an operation needs a pipe the child was not
	// started with.
	ErrNoPipe = errors.New("subprocess: stream is not a pipe")
)

type timeoutExpired struct{ d time.Duration }

func (e *timeoutExpired) Error() string {
	return fmt.Sprintf("subprocess: timed out after %v", e.d)
}
func (e *timeoutExpired) Is(t error) bool { return t == ErrTimeoutExpired || t == gevent.ErrTimeout }

// CalledProcessError is returned by CheckCall and CheckOutput when the
// child exits with a non-zero status.
type CalledProcessError struct {
	Returncode int
	Args       []string
	Output     []byte
	Stderr     []byte
}

func (e *CalledProcessError) Error() string {
	return fmt.Sprintf("subprocess: command %q returned non-zero exit status %d", e.Args, e.Returncode)
}

// Popen is a running or finished child process.
//
// A timed-out Wait or Communicate does not kill the child (as in Python).
// The caller then owns it: either call Communicate (or Wait) again, or end
// it with Kill (or Terminate) and then call Communicate or Wait, as
// Python's documentation advises (proc.kill(); proc.communicate()). A child
// that exits is always reaped, even if nobody waits for it, so no zombie
// is left; but one that is neither waited for nor killed runs on after the
// hub has ended. Between Communicate calls its output pipes are read no
// further (see Communicate), so a chatty child blocks instead of filling
// memory. Call, CheckCall, CheckOutput and Run kill and wait for the child
// themselves when their wait fails.
type Popen struct {
	// Args are the arguments as given.
	Args []string
	// Stdin, Stdout and Stderr are the parent's ends of the PIPE streams
	// (nil otherwise). Reads and writes block only the calling greenlet.
	Stdin  io.WriteCloser
	Stdout io.ReadCloser
	Stderr io.ReadCloser

	cmd        *exec.Cmd
	hub        *gevent.Hub
	done       bool
	returncode int
	waitErr    error
	links      gevent.Links // waiters and raw links, in the order they came
	readers    []*gevent.Greenlet[[]byte]
	writer     *gevent.Greenlet[struct{}]
	// Communicate's readers read while collecting > 0 (Communicate calls
	// waiting) and wait on collectors otherwise; stopReading ends them.
	collecting  int
	collectors  gevent.WaitList[struct{}]
	stopReading bool
	buffered    int // bytes read by the readers (for tests)
}

// Start starts args as a child process (Python's Popen). With Shell, the
// command line is args joined by spaces, run by /bin/sh -c.
func Start(args []string, o Options) (*Popen, error) {
	if len(args) == 0 {
		return nil, errors.New("subprocess: no command")
	}
	h := onhub.Get("subprocess", "Start")
	var cmd *exec.Cmd
	if o.Shell {
		cmd = exec.Command("/bin/sh", "-c", strings.Join(args, " "))
	} else {
		cmd = exec.Command(args[0], args[1:]...)
	}
	cmd.Dir, cmd.Env, cmd.ExtraFiles = o.Dir, o.Env, o.ExtraFiles
	p := &Popen{Args: args, cmd: cmd, hub: h}
	var closeAfter []*os.File
	fail := func(err error) (*Popen, error) {
		for _, f := range closeAfter {
			f.Close()
		}
		for _, c := range []io.Closer{p.Stdin, p.Stdout, p.Stderr} {
			if c != nil {
				c.Close()
			}
		}
		return nil, err
	}
	setup := func(r Redirect, child **os.File, parentRead bool, inherit *os.File) (*pipeEnd, error) {
		switch r {
		case Inherit:
			*child = inherit
		case DEVNULL:
			f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
			if err != nil {
				return nil, err
			}
			closeAfter = append(closeAfter, f)
			*child = f
		case PIPE:
			r, w, err := os.Pipe()
			if err != nil {
				return nil, err
			}
			if parentRead {
				*child = w
				closeAfter = append(closeAfter, w)
				return newPipeEnd(r), nil
			}
			*child = r
			closeAfter = append(closeAfter, r)
			return newPipeEnd(w), nil
		}
		return nil, nil
	}
	var stdin, stdout, stderr *os.File
	in, err := setup(o.Stdin, &stdin, false, os.Stdin)
	if err != nil {
		return fail(err)
	}
	if in != nil {
		p.Stdin = in
	}
	out, err := setup(o.Stdout, &stdout, true, os.Stdout)
	if err != nil {
		return fail(err)
	}
	if out != nil {
		p.Stdout = out
	}
	if o.Stderr == STDOUT {
		stderr = stdout
	} else {
		e, err := setup(o.Stderr, &stderr, true, os.Stderr)
		if err != nil {
			return fail(err)
		}
		if e != nil {
			p.Stderr = e
		}
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	if err := cmd.Start(); err != nil {
		return fail(err)
	}
	for _, f := range closeAfter {
		f.Close() // the child has its copies
	}
	release := h.Hold()
	go func() {
		err := cmd.Wait()
		if !h.Post(func() { p.finish(err) }) {
			// hub gone: record without waking anyone (nobody is left to
			// wake, and its links belong to the closed hub)
			p.record(err)
		}
		release()
	}()
	return p, nil
}

func (p *Popen) finish(err error) {
	p.record(err)
	p.links.Fire()
}

// record stores the child's exit.
func (p *Popen) record(err error) {
	p.done = true
	p.waitErr = err
	if st := p.cmd.ProcessState; st != nil {
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			p.returncode = -int(ws.Signal())
		} else {
			p.returncode = st.ExitCode()
		}
	}
}

// Pid returns the child's process id.
func (p *Popen) Pid() int { return p.cmd.Process.Pid }

// Poll returns the exit status and true if the child has exited.
func (p *Popen) Poll() (int, bool) { p.check("Poll"); return p.returncode, p.done }

// check panics unless the caller is a greenlet or callback of p's hub.
func (p *Popen) check(op string) {
	if !p.hub.OnHub() {
		onhub.Wrong("subprocess", "Popen."+op, "process")
	}
}

// Returncode is the exit status of an exited child (negative: killed by
// that signal), as Python's returncode; 0 while it runs.
func (p *Popen) Returncode() int { p.check("Returncode"); return p.returncode }

// Wait waits for the child to exit and returns its exit status.
//
// With a timeout it returns an error matching ErrTimeoutExpired (and
// gevent.ErrTimeout) when the timeout elapses; the child keeps running. A
// kill or Timeout scope of the caller returns that error, the child is
// unaffected. Waiters and raw links are notified in the order they came,
// from one hub callback after the child exited (gevent's AsyncResult); a
// Wait after the exit returns at once unless that notification is still
// under way.
func (p *Popen) Wait(timeout ...time.Duration) (int, error) {
	p.check("Wait")
	if p.done {
		// Behind a notification still under way (gevent waits on its
		// AsyncResult).
		if err := p.links.WaitPending(); err != nil {
			return 0, err
		}
		return p.returncode, nil
	}
	d := gevent.Forever
	if len(timeout) > 0 {
		d = max(timeout[0], 0)
	}
	err := p.links.Wait(d)
	if err != nil {
		if errors.Is(err, gevent.ErrTimeout) && len(timeout) > 0 && !isScope(err) {
			return 0, &timeoutExpired{d}
		}
		return 0, err
	}
	return p.returncode, nil
}

func isScope(err error) bool {
	var t *gevent.Timeout
	return errors.As(err, &t)
}

// Communicate writes input to the child's stdin (if a PIPE; then closes
// it), reads its stdout and stderr PIPEs to the end, and waits for it to
// exit (Python's communicate). Streams that are not pipes give nil.
//
// With a timeout, when it elapses it returns an error matching
// ErrTimeoutExpired; the child keeps running (it is not killed, as in
// Python) and a later Communicate goes on where this one stopped, losing
// no output. A kill or Timeout scope of the caller returns that error the
// same way. Between calls the pipes are read no further than one chunk
// (readChunk, 32 KiB) each: a child that keeps writing then blocks on its
// full pipe until the next Communicate, as with CPython, so an abandoned
// Communicate buffers a bounded amount (gevent's readers go on reading
// without limit). Input not yet written goes on being written.
func (p *Popen) Communicate(input []byte, timeout ...time.Duration) (stdout, stderr []byte, err error) {
	p.check("Communicate")
	if p.readers == nil {
		p.readers = []*gevent.Greenlet[[]byte]{
			gevent.Spawn(func() ([]byte, error) { return p.readAll(p.Stdout) }),
			gevent.Spawn(func() ([]byte, error) { return p.readAll(p.Stderr) }),
		}
		if p.Stdin != nil {
			w := p.Stdin
			p.writer = gevent.GoErr(func() error {
				defer w.Close()
				if len(input) == 0 {
					return nil
				}
				_, err := w.Write(input)
				if errors.Is(err, syscall.EPIPE) || (p.stopReading && errors.Is(err, os.ErrClosed)) {
					err = nil // the child did not read it all, or was killed: not our failure
				}
				return err
			})
		}
	}
	var deadline time.Time
	if len(timeout) > 0 {
		deadline = time.Now().Add(max(timeout[0], 0))
	}
	left := func() []time.Duration {
		if deadline.IsZero() {
			return nil
		}
		return []time.Duration{max(time.Until(deadline), 0)}
	}
	// The readers read while at least one Communicate waits for them.
	p.collecting++
	p.collectors.WakeAll(struct{}{})
	defer func() { p.collecting-- }()
	objs := []gevent.AnyGreenlet{p.readers[0], p.readers[1]}
	if p.writer != nil {
		objs = append(objs, p.writer)
	}
	if _, err := gevent.JoinAll(objs, left()...); err != nil {
		if errors.Is(err, gevent.ErrTimeout) && !isScope(err) {
			return nil, nil, &timeoutExpired{max(timeout[0], 0)}
		}
		return nil, nil, err
	}
	if _, err := p.Wait(left()...); err != nil {
		return nil, nil, err
	}
	for _, r := range p.readers {
		if r.Err() != nil {
			return nil, nil, r.Err()
		}
	}
	return p.readers[0].Value(), p.readers[1].Value(), nil
}

// readChunk is the size of each read of Communicate's readers, and so the
// most each reads after the last Communicate waiting for it returned.
const readChunk = 32 << 10

// readAll is a Communicate reader: it reads r to the end while a
// Communicate waits (p.collecting > 0), and pauses otherwise.
func (p *Popen) readAll(r io.ReadCloser) ([]byte, error) {
	if r == nil {
		return nil, nil
	}
	defer r.Close()
	var out []byte
	buf := make([]byte, readChunk)
	for {
		for p.collecting == 0 && !p.stopReading {
			if _, err := p.collectors.Wait(-1); err != nil {
				return out, err
			}
		}
		if p.stopReading {
			return out, nil // stopped on purpose (killAndWait): not a failure
		}
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		p.buffered += n
		if err == io.EOF || (err != nil && p.stopReading && errors.Is(err, os.ErrClosed)) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// killAndWait is what CPython's call and run do when waiting for the child
// fails (timeout, kill): SIGKILL it, stop Communicate's readers, close the
// parent's pipe ends, and wait for the exit, so that the child is gone when
// they return. A second kill of the caller cuts the wait short; the child,
// killed, is reaped by the goroutine that waits for it all the same.
func (p *Popen) killAndWait() {
	p.Kill()
	p.stopReading = true
	p.collectors.WakeAll(struct{}{})
	for _, c := range []io.Closer{p.Stdin, p.Stdout, p.Stderr} {
		if c != nil {
			c.Close()
		}
	}
	p.Wait()
}

// SendSignal sends sig to the child (a no-op once it exited). Safe from any
// goroutine, also after the hub ended (an AfterClose hook may kill a child).
func (p *Popen) SendSignal(sig os.Signal) error {
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

// Terminate sends SIGTERM.
func (p *Popen) Terminate() error { return p.SendSignal(syscall.SIGTERM) }

// Kill sends SIGKILL.
func (p *Popen) Kill() error { return p.SendSignal(syscall.SIGKILL) }

// Ready reports whether the child has exited (so gevent.Wait can wait for
// children).
func (p *Popen) Ready() bool { p.check("Ready"); return p.done }

// Rawlink runs fn in the hub once the child has exited.
func (p *Popen) Rawlink(fn func()) gevent.LinkID { p.check("Rawlink"); return p.links.Add(fn, p.done) }

// Unlink removes a link that has not run.
func (p *Popen) Unlink(id gevent.LinkID) { p.check("Unlink"); p.links.Remove(id) }

// Call runs args and waits for it; it returns the exit status.
//
// When the timeout elapses (an error matching ErrTimeoutExpired) or the
// caller is killed or its Timeout scope expires (that error, unchanged),
// the child is sent SIGKILL and waited for before Call returns, as
// CPython's call does: no child is left running. The status is 0 then.
func Call(args []string, o Options, timeout ...time.Duration) (int, error) {
	p, err := Start(args, o)
	if err != nil {
		return 0, err
	}
	rc, err := p.Wait(timeout...)
	if err != nil {
		p.killAndWait()
	}
	return rc, err
}

// CheckCall is Call that returns a *CalledProcessError for a non-zero
// status. On timeout or kill the child is killed and waited for, as by Call.
func CheckCall(args []string, o Options, timeout ...time.Duration) error {
	rc, err := Call(args, o, timeout...)
	if err == nil && rc != 0 {
		err = &CalledProcessError{Returncode: rc, Args: args}
	}
	return err
}

// CheckOutput runs args with stdout as a PIPE and returns what it printed,
// or a *CalledProcessError (with the output) for a non-zero status.
//
// When the timeout elapses (ErrTimeoutExpired) or the caller is killed or
// its Timeout scope expires, the child is sent SIGKILL and waited for
// before CheckOutput returns that error with no output, as CPython's
// check_output does.
func CheckOutput(args []string, o Options, timeout ...time.Duration) ([]byte, error) {
	o.Stdout = PIPE
	p, err := Start(args, o)
	if err != nil {
		return nil, err
	}
	out, errOut, err := p.Communicate(nil, timeout...)
	if err != nil {
		p.killAndWait()
		return out, err
	}
	if p.returncode != 0 {
		return out, &CalledProcessError{Returncode: p.returncode, Args: args, Output: out, Stderr: errOut}
	}
	return out, nil
}

// CompletedProcess is the result of Run.
type CompletedProcess struct {
	Args       []string
	Returncode int
	Stdout     []byte
	Stderr     []byte
}

// Run runs args with input on stdin (a PIPE when input is not nil) and
// returns what happened; with capture, stdout and stderr are PIPEs and
// their contents are returned.
//
// When the timeout elapses (ErrTimeoutExpired) or the caller is killed or
// its Timeout scope expires, the child is sent SIGKILL and waited for
// before Run returns a nil *CompletedProcess and that error, as CPython's
// run does (its TimeoutExpired carries the partial output; this error
// does not).
func Run(args []string, o Options, input []byte, capture bool, timeout ...time.Duration) (*CompletedProcess, error) {
	if input != nil {
		o.Stdin = PIPE
	}
	if capture {
		o.Stdout, o.Stderr = PIPE, PIPE
	}
	p, err := Start(args, o)
	if err != nil {
		return nil, err
	}
	out, errOut, err := p.Communicate(input, timeout...)
	if err != nil {
		p.killAndWait()
		return nil, err
	}
	return &CompletedProcess{Args: args, Returncode: p.returncode, Stdout: out, Stderr: errOut}, nil
}
