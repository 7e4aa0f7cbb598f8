package gselect_test

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/gselect"
	"github.com/gevent-go/gevent/socket"
	"golang.org/x/sys/unix"
)

func run(t *testing.T, body func() error) {
	t.Helper()
	if err := gevent.Run(body); err != nil {
		t.Fatal(err)
	}
}

func pipe(t *testing.T) (r, w *os.File) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

func TestSelectPipe(t *testing.T) {
	t.Parallel()
	r, w := pipe(t)
	rfd, wfd := int(r.Fd()), int(w.Fd())
	run(t, func() error {
		// Writable at once, not readable.
		rr, ww, _, err := gselect.Select([]int{rfd}, []int{wfd}, nil, 0)
		if err != nil || len(rr) != 0 || !slices.Equal(ww, []int{wfd}) {
			return fmt.Errorf("poll: %v %v %v", rr, ww, err)
		}
		// Times out with empty lists and no error.
		rr, _, _, err = gselect.Select([]int{rfd}, nil, nil, 10*time.Millisecond)
		if err != nil || rr != nil {
			return fmt.Errorf("timeout: %v %v", rr, err)
		}
		// Two greenlets select on the same fd; a third writes.
		var got []string
		sel := func(name string) func() {
			return func() {
				rr, _, _, err := gselect.Select([]int{rfd}, nil, nil)
				got = append(got, fmt.Sprint(name, rr, err))
			}
		}
		g1, g2 := gevent.Go(sel("a")), gevent.Go(sel("b"))
		gevent.Go(func() { gevent.Sleep(5 * time.Millisecond); unix.Write(wfd, []byte("x")) })
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{g1, g2})
		want := []string{fmt.Sprint("a", []int{rfd}, nil), fmt.Sprint("b", []int{rfd}, nil)}
		slices.Sort(got) // both wake; the order is the kernel's
		if !slices.Equal(got, want) {
			return fmt.Errorf("got %v want %v", got, want)
		}
		return nil
	})
}

func TestSelectSocketAndInterrupt(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		l, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer l.Close()
		lfd := l.(*socket.Listener).Fd()
		// Timeout scope interrupts a select on a socket the hub watches.
		to := gevent.NewTimeout(10*time.Millisecond, nil)
		err = to.Run(func() error { _, _, _, err := gselect.Select([]int{lfd}, nil, nil); return err })
		if err != to {
			return fmt.Errorf("scope: %v", err)
		}
		gevent.Go(func() {
			c, err := socket.Dial("tcp", l.Addr().String())
			if err == nil {
				gevent.Sleep(50 * time.Millisecond)
				c.Close()
			}
		})
		rr, _, _, err := gselect.Select([]int{lfd}, nil, nil, 5*time.Second)
		if err != nil || !slices.Equal(rr, []int{lfd}) {
			return fmt.Errorf("listener select: %v %v", rr, err)
		}
		c, err := l.Accept()
		if err != nil {
			return err
		}
		c.Close()
		// A closed descriptor is an error for Select.
		r, w, _ := os.Pipe()
		bad := int(r.Fd())
		r.Close()
		w.Close()
		if _, _, _, err := gselect.Select([]int{bad}, nil, nil, 0); !errors.Is(err, unix.EBADF) {
			return fmt.Errorf("bad fd: %v", err)
		}
		return nil
	})
}

func TestPoll(t *testing.T) {
	t.Parallel()
	r, w := pipe(t)
	rfd, wfd := int(r.Fd()), int(w.Fd())
	run(t, func() error {
		var p gselect.Poll
		p.Register(rfd, gselect.POLLIN)
		evs, err := p.Poll(10 * time.Millisecond)
		if err != nil || evs != nil {
			return fmt.Errorf("idle: %v %v", evs, err)
		}
		gevent.Go(func() { gevent.Sleep(5 * time.Millisecond); unix.Write(wfd, []byte("x")) })
		evs, err = p.Poll()
		if err != nil || len(evs) != 1 || evs[0].Fd != rfd || evs[0].Events&gselect.POLLIN == 0 {
			return fmt.Errorf("ready: %v %v", evs, err)
		}
		if err := p.Unregister(rfd); err != nil {
			return err
		}
		if err := p.Unregister(rfd); err == nil {
			return errors.New("second unregister succeeded")
		}
		return nil
	})
}
