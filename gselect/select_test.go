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

// Issue 12 item 3: greenlets waiting on the same descriptor are woken in
// the order they started waiting, as in gevent (a private epoll instance
// per call woke them newest first: [3 2 1 0]).
func TestWaitersWokenFIFO(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		r, w := pipe(t)
		fd := int(r.Fd())
		for _, kind := range []string{"Select", "Poll", "mixed"} {
			var order []int
			var gs []*gevent.Greenlet[struct{}]
			for i := range 4 {
				usePoll := kind == "Poll" || kind == "mixed" && i%2 == 1
				gs = append(gs, gevent.Go(func() {
					var err error
					if usePoll {
						var p gselect.Poll
						p.Register(fd, gselect.POLLIN)
						_, err = p.Poll(5 * time.Second)
					} else {
						_, _, _, err = gselect.Select([]int{fd}, nil, nil, 5*time.Second)
					}
					if err != nil {
						t.Errorf("%s %d: %v", kind, i, err)
					}
					order = append(order, i)
				}))
			}
			gevent.Sleep(time.Millisecond)
			w.Write([]byte("x"))
			gevent.JoinAll(gs)
			if !slices.Equal(order, []int{0, 1, 2, 3}) {
				t.Errorf("%s: woken in order %v, want [0 1 2 3]", kind, order)
			}
			r.Read(make([]byte, 1))
		}
		return nil
	})
}

// The oldest waiter watches for all of them; when it leaves (its timeout,
// a kill, or another descriptor ready) the next one takes over, and a
// greenlet woken for data another one read first waits on.
func TestWaiterHandOver(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		r, w := pipe(t)
		r2, w2 := pipe(t)
		fd, fd2 := int(r.Fd()), int(r2.Fd())
		var order []string
		sel := func(name string, fds []int, timeout ...time.Duration) *gevent.Greenlet[struct{}] {
			return gevent.Go(func() {
				rl, _, _, err := gselect.Select(fds, nil, nil, timeout...)
				switch {
				case err != nil:
					order = append(order, name+":"+err.Error())
				case len(rl) == 0:
					order = append(order, name+":timeout")
				default:
					order = append(order, name)
				}
			})
		}
		// a leads and times out; b is killed; c waits on the other pipe;
		// d and e on the first pipe.
		a := sel("a", []int{fd}, 5*time.Millisecond)
		b := sel("b", []int{fd})
		c := sel("c", []int{fd2}, 5*time.Second)
		d := sel("d", []int{fd}, 5*time.Second)
		gevent.Sleep(0)
		a.Join()
		b.Kill(nil, true)
		w.Write([]byte("x"))
		d.Join()
		// d's data is still there: e returns at once; then drain it and
		// let f wait with c.
		e := sel("e", []int{fd}, 5*time.Second)
		e.Join()
		r.Read(make([]byte, 1))
		f := sel("f", []int{fd}, 5*time.Second)
		gevent.Sleep(time.Millisecond)
		w2.Write([]byte("y"))
		c.Join()
		// g and h wait on pipe 1; g reads the byte when it wakes, so h,
		// woken too, finds nothing and must wait on.
		g := gevent.Go(func() {
			if rl, _, _, _ := gselect.Select([]int{fd}, nil, nil, 5*time.Second); len(rl) > 0 {
				r.Read(make([]byte, 1))
				order = append(order, "g")
			}
		})
		gevent.Sleep(time.Millisecond)
		w.Write([]byte("z"))
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{f, g})
		// i reads the byte when it wakes, so j, woken too, finds nothing
		// and must wait on until the next write.
		i := gevent.Go(func() {
			if rl, _, _, _ := gselect.Select([]int{fd}, nil, nil, 5*time.Second); len(rl) > 0 {
				r.Read(make([]byte, 1))
				order = append(order, "i")
			}
		})
		j := sel("j", []int{fd}, 5*time.Second)
		gevent.Sleep(time.Millisecond)
		w.Write([]byte("1"))
		i.Join()
		gevent.Sleep(time.Millisecond)
		order = append(order, "write")
		w.Write([]byte("2"))
		j.Join()
		want := []string{"a:timeout", "b:gevent: greenlet exit", "d", "e", "c", "f", "g", "i", "write", "j"}
		if !slices.Equal(order, want) {
			t.Errorf("order %v, want %v", order, want)
		}
		return nil
	})
}

// The hub's epoll instance for waiters is closed when the last one leaves,
// however it left. Not parallel: it counts the process's descriptors.
func TestNoDescriptorLeft(t *testing.T) {
	r, w := pipe(t)
	fd := int(r.Fd())
	count := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip(err)
		}
		return len(ents)
	}
	run(t, func() error {
		before := count()
		var gs []*gevent.Greenlet[struct{}]
		for i := range 4 {
			gs = append(gs, gevent.Go(func() { gselect.Select([]int{fd}, nil, nil, time.Duration(i)*time.Millisecond) }))
		}
		killed := gevent.Go(func() { gselect.Select([]int{fd}, nil, nil) })
		woken := gevent.Go(func() { gselect.Select([]int{fd}, nil, nil) })
		gevent.JoinAll(gs)
		killed.Kill(nil, true)
		w.Write([]byte("x"))
		woken.Join()
		if after := count(); after != before {
			t.Errorf("%d descriptors open, %d before", after, before)
		}
		return nil
	})
}

// The leader is killed while another waiter's descriptor is ready: the
// new leader wakes that waiter, whose kill, arriving after it was handed
// readiness, is kept for its next blocking call (WaitList's rule), and
// then waits on for its own descriptor.
func TestLeaderKilledWhileOtherReady(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		ra, wa := pipe(t)
		rb, wb := pipe(t)
		rc, _ := pipe(t)
		var order []string
		sel := func(name string, fd int) *gevent.Greenlet[struct{}] {
			return gevent.Go(func() {
				_, _, _, err := gselect.Select([]int{fd}, nil, nil, 5*time.Second)
				if err != nil {
					order = append(order, name+":"+err.Error())
				} else {
					order = append(order, name)
				}
			})
		}
		var x *gevent.Greenlet[struct{}]
		p := gevent.Go(func() {
			gselect.Select([]int{int(rc.Fd())}, nil, nil, 5*time.Second) // the leader
			order = append(order, "p")
			x.Kill(nil, false) // x is scheduled behind l, which leads now
		})
		l := sel("l", int(rb.Fd()))
		x = sel("x", int(ra.Fd()))
		gevent.Sleep(time.Millisecond)
		wa.Write([]byte("a")) // x's descriptor is ready
		p.Kill(nil, false)
		x.Join()
		wb.Write([]byte("b"))
		l.Join()
		want := []string{"p", "x", "l"}
		if !slices.Equal(order, want) {
			t.Errorf("order %v, want %v", order, want)
		}
		return nil
	})
}
