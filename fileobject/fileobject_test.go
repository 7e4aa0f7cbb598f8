package fileobject_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/fileobject"
	"github.com/gevent-go/gevent/internal/blocktest"
	"github.com/gevent-go/gevent/subprocess"
	"golang.org/x/sys/unix"
)

func run(t *testing.T, fn func() error) {
	t.Helper()
	if err := gevent.Run(fn); err != nil {
		t.Fatal(err)
	}
}

// A reader greenlet waits on an empty pipe while another greenlet keeps
// running; the writer's data then arrives, and EOF after Close.
func TestPipeReadWaitsOnHub(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		if err != nil {
			return err
		}
		defer r.Close()
		var got []string
		reader := gevent.Spawn(func() ([]byte, error) { return io.ReadAll(r) })
		for i := range 3 {
			gevent.Sleep(time.Millisecond)
			got = append(got, fmt.Sprint("tick", i))
			fmt.Fprintf(w, "line %d\n", i)
		}
		w.Close()
		data, err := reader.Get()
		if err != nil {
			return err
		}
		if string(data) != "line 0\nline 1\nline 2\n" || len(got) != 3 {
			t.Errorf("read %q ticks %v", data, got)
		}
		return nil
	})
}

// A write larger than the pipe buffer (64 KiB) is completed by a reader
// running meanwhile: partial writes wait on the hub instead of blocking.
func TestLargeWriteDoesNotBlockHub(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		if err != nil {
			return err
		}
		defer r.Close()
		payload := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
		writer := gevent.Spawn(func() (int, error) {
			defer w.Close()
			return w.Write(payload)
		})
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, r); err != nil {
			return err
		}
		n, err := writer.Get()
		if err != nil || n != len(payload) || !bytes.Equal(buf.Bytes(), payload) {
			t.Errorf("wrote %d err %v, read %d", n, err, buf.Len())
		}
		return nil
	})
}

func TestCloseWakesBlockedReader(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		if err != nil {
			return err
		}
		defer w.Close()
		var rerr error
		g := gevent.Go(func() { _, rerr = r.Read(make([]byte, 10)) })
		gevent.Sleep(time.Millisecond)
		if err := r.Close(); err != nil {
			return err
		}
		if err := g.Join(5 * time.Second); err != nil {
			return err
		}
		if !errors.Is(rerr, os.ErrClosed) {
			t.Errorf("blocked read after Close: %v, want os.ErrClosed", err)
		}
		if _, err := r.Read(make([]byte, 1)); !errors.Is(err, os.ErrClosed) {
			t.Errorf("read after Close: %v", err)
		}
		if err := r.Close(); !errors.Is(err, os.ErrClosed) {
			t.Errorf("second Close: %v", err)
		}
		return nil
	})
}

// Close from a goroutine that is not a greenlet wakes the reader too.
func TestCloseFromOtherGoroutine(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		if err != nil {
			return err
		}
		defer w.Close()
		go func() { time.Sleep(10 * time.Millisecond); r.Close() }()
		_, err = r.Read(make([]byte, 10))
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("read: %v, want os.ErrClosed", err)
		}
		return nil
	})
}

func TestEPIPE(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		if err != nil {
			return err
		}
		r.Close()
		defer w.Close()
		_, err = w.Write([]byte("x"))
		if !errors.Is(err, syscall.EPIPE) {
			t.Errorf("write to closed pipe: %v, want EPIPE", err)
		}
		var pe *os.PathError
		if !errors.As(err, &pe) || pe.Op != "write" {
			t.Errorf("want *os.PathError, got %T", err)
		}
		return nil
	})
}

func TestBlockingContract(t *testing.T) {
	blocktest.Check(t, blocktest.Op{Name: "Read", Setup: func() blocktest.Op {
		r, w, err := fileobject.Pipe()
		if err != nil {
			panic(err)
		}
		return blocktest.Op{Block: func() error {
			defer w.Close() // keeps the write end open until then
			_, err := r.Read(make([]byte, 1))
			return err
		}}
	}})
	blocktest.Check(t, blocktest.Op{Name: "Write", Setup: func() blocktest.Op {
		r, w, err := fileobject.Pipe()
		if err != nil {
			panic(err)
		}
		return blocktest.Op{Block: func() error {
			defer r.Close()                        // keeps the read end open until then
			_, err := w.Write(make([]byte, 1<<20)) // more than the pipe holds
			return err
		}}
	}})
}

func TestModeByFstat(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "reg")
	os.WriteFile(reg, []byte("hello"), 0o600)
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, func() error {
		for _, c := range []struct {
			name string
			flag int
			want fileobject.Mode
		}{
			{reg, os.O_RDONLY, fileobject.Thread},
			{os.DevNull, os.O_RDWR, fileobject.Thread}, // epoll refuses /dev/null
			{fifo, os.O_RDWR, fileobject.Posix},
		} {
			f, err := fileobject.Open(c.name, c.flag, 0)
			if err != nil {
				return err
			}
			if f.Mode() != c.want {
				t.Errorf("%s: mode %v, want %v", c.name, f.Mode(), c.want)
			}
			f.Close()
		}
		return nil
	})
}

// A regular file goes through the thread pool; the hub keeps running
// other greenlets while it reads, and io.Copy works both ways.
func TestThreadFileReadWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data")
	payload := strings.Repeat("gevent fileobject\n", 10000)
	run(t, func() error {
		f, err := fileobject.Open(path, os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return err
		}
		if f.Mode() != fileobject.Thread {
			t.Fatalf("mode %v", f.Mode())
		}
		if _, err := io.Copy(f, strings.NewReader(payload)); err != nil {
			return err
		}
		f.Close()
		f, err = fileobject.Open(path, os.O_RDONLY, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		var sb strings.Builder
		if _, err := io.Copy(&sb, f); err != nil {
			return err
		}
		if sb.String() != payload {
			t.Errorf("read back %d bytes, want %d", sb.Len(), len(payload))
		}
		return nil
	})
}

// A goroutine of no hub may use a File: it waits in poll(2).
func TestOffHubGoroutine(t *testing.T) {
	r, w, err := fileobject.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() { time.Sleep(10 * time.Millisecond); w.Write([]byte("hi")); w.Close() }()
	data, err := io.ReadAll(r)
	if err != nil || string(data) != "hi" {
		t.Errorf("read %q %v", data, err)
	}
}

// A File outlives the hub that first used it: the next hub registers it
// again.
func TestFileUsedBySuccessiveHubs(t *testing.T) {
	r, w, err := fileobject.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for i := range 2 {
		run(t, func() error {
			gevent.Go(func() { gevent.Sleep(time.Millisecond); fmt.Fprintf(w, "hub %d", i) })
			b := make([]byte, 10)
			n, err := r.Read(b)
			if err != nil || string(b[:n]) != fmt.Sprintf("hub %d", i) {
				t.Errorf("hub %d: %q %v", i, b[:n], err)
			}
			return nil
		})
	}
}

// Stdin as one call: the child's standard input is a pipe, and a Posix
// File over it reads what the parent writes; the mode is restored after.
func TestStdinInChild(t *testing.T) {
	if os.Getenv("FILEOBJECT_CHILD") == "stdin" {
		err := gevent.Run(func() error {
			in, err := fileobject.Stdin()
			if err != nil {
				return err
			}
			data, err := io.ReadAll(in)
			fmt.Printf("mode=%v data=%q err=%v\n", in.Mode(), data, err)
			in.Close()
			fl, _ := unix.FcntlInt(0, unix.F_GETFL, 0)
			fmt.Printf("nonblock-after-close=%v\n", fl&unix.O_NONBLOCK != 0)
			return nil
		})
		if err != nil {
			fmt.Println(err)
		}
		os.Exit(0)
	}
	run(t, func() error {
		p, err := subprocess.Start([]string{os.Args[0], "-test.run=^TestStdinInChild$"},
			subprocess.Options{Stdin: subprocess.PIPE, Stdout: subprocess.PIPE, Env: append(os.Environ(), "FILEOBJECT_CHILD=stdin")})
		if err != nil {
			return err
		}
		out, _, err := p.Communicate([]byte("from parent"))
		if err != nil {
			return err
		}
		want := "mode=posix data=\"from parent\" err=<nil>\nnonblock-after-close=false\n"
		if string(out) != want {
			t.Errorf("child printed %q, want %q", out, want)
		}
		return nil
	})
}

// A standard stream that was non-blocking before Stdin stays so after
// Close (the mode is restored, not forced to blocking).
func TestStdinKeepsNonblockingMode(t *testing.T) {
	if os.Getenv("FILEOBJECT_CHILD") == "stdin-nb" {
		unix.SetNonblock(0, true)
		gevent.Run(func() error {
			in, err := fileobject.Stdin()
			if err != nil {
				return err
			}
			in.Close()
			return nil
		})
		fl, _ := unix.FcntlInt(0, unix.F_GETFL, 0)
		fmt.Printf("nonblock-after-close=%v\n", fl&unix.O_NONBLOCK != 0)
		os.Exit(0)
	}
	run(t, func() error {
		p, err := subprocess.Start([]string{os.Args[0], "-test.run=^TestStdinKeepsNonblockingMode$"},
			subprocess.Options{Stdin: subprocess.PIPE, Stdout: subprocess.PIPE, Env: append(os.Environ(), "FILEOBJECT_CHILD=stdin-nb")})
		if err != nil {
			return err
		}
		out, _, err := p.Communicate(nil)
		if string(out) != "nonblock-after-close=true\n" {
			t.Errorf("child printed %q", out)
		}
		return err
	})
}

// Passing a pipe end to a child (subprocess.Options.ExtraFiles): the child
// writes to descriptor 3, the parent reads cooperatively.
func TestPipeToChildExtraFiles(t *testing.T) {
	run(t, func() error {
		pr, pw, err := os.Pipe()
		if err != nil {
			return err
		}
		p, err := subprocess.Start([]string{"sh", "-c", "echo to-fd-3 >&3"}, subprocess.Options{ExtraFiles: []*os.File{pw}})
		if err != nil {
			return err
		}
		pw.Close()
		r, err := fileobject.New(pr)
		if err != nil {
			return err
		}
		defer r.Close()
		data, err := io.ReadAll(r)
		if err != nil || string(data) != "to-fd-3\n" {
			t.Errorf("read %q %v", data, err)
		}
		_, err = p.Wait()
		return err
	})
}

// A File dropped without Close after waiting on a hub is not kept alive
// by that hub.
func TestDroppedFileIsCollectable(t *testing.T) {
	run(t, func() error {
		r, w, err := fileobject.Pipe()
		if err != nil {
			return err
		}
		defer w.Close()
		gevent.GoLater(time.Millisecond, func() { w.Write([]byte("x")) })
		if _, err := r.Read(make([]byte, 1)); err != nil { // registers r with the hub
			return err
		}
		collected := make(chan struct{})
		runtime.AddCleanup(r, func(ch chan struct{}) { close(ch) }, collected)
		r = nil
		for range 50 {
			runtime.GC()
			select {
			case <-collected:
				return nil
			default:
			}
			gevent.Sleep(time.Millisecond)
		}
		t.Error("a dropped File is still reachable (held by its hub)")
		return nil
	})
}
