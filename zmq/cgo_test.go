package zmq_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/zmq"
	zmq4 "github.com/pebbe/zmq4"
)

// The one-call paths need zmq4.Socket's layout (v1.4.0, the version in
// go.mod): if it changes, the package falls back to zmq4's methods,
// slower; this test says so.
func TestZmq4LayoutRecognised(t *testing.T) {
	if !zmq.RawLayoutOK {
		t.Error("zmq4.Socket's layout is not the one cgo.go mirrors: sends and receives use zmq4's methods (several cgo calls each)")
	}
}

// A message part sent and received between two greenlets costs one cgo
// call each way (zmq4's RecvBytes makes five; a DONTWAIT receive that
// finds nothing, or a ZMQ_EVENTS read, happens once per batch, not per
// message).
func TestOneCgoCallPerPartEachWay(t *testing.T) {
	run(t, func() error {
		pull, push := pair(t, zmq.PULL, zmq.PUSH, inproc())
		defer pull.Close()
		defer push.Close()
		const n = 5000
		msg := []byte("0123456789abcdef")
		before := runtime.NumCgoCall()
		g := gevent.GoErr(func() error {
			for i := range n {
				var err error
				if i%2 == 0 {
					_, err = push.SendBytes(msg, 0)
				} else {
					_, err = push.Send("0123456789abcdef", 0)
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
		for i := range n {
			var m string
			var err error
			if i%2 == 0 {
				var b []byte
				b, err = pull.RecvBytes(0)
				m = string(b)
			} else {
				m, err = pull.Recv(0)
			}
			if err != nil || m != string(msg) {
				return fmt.Errorf("message %d: %q %v", i, m, err)
			}
		}
		if err := g.Join(); err != nil {
			return err
		}
		per := float64(runtime.NumCgoCall()-before) / n
		if per > 2.2 {
			t.Errorf("%.2f cgo calls per message sent and received, want <= 2.2", per)
		}
		return nil
	})
}

// Parts of every size around the small-send buffer, empty ones, multipart
// messages, on the one-call paths and on zmq4's methods.
func TestPartsOfEverySize(t *testing.T) {
	for _, fast := range []bool{true, false} {
		t.Run(fmt.Sprint("fast=", fast), func(t *testing.T) {
			run(t, func() error {
				a, b := pair(t, zmq.PAIR, zmq.PAIR, inproc())
				defer a.Close()
				defer b.Close()
				if !fast {
					zmq.UseZmq4Methods(a)
					zmq.UseZmq4Methods(b)
				}
				for _, n := range []int{0, 1, 16, 511, 512, 513, 4096, 1 << 20} {
					m := bytes.Repeat([]byte{byte(n)}, n)
					if k, err := a.SendBytes(m, 0); err != nil || k != n {
						return fmt.Errorf("SendBytes %d: %d %v", n, k, err)
					}
					if k, err := a.Send(string(m), 0); err != nil || k != n {
						return fmt.Errorf("Send %d: %d %v", n, k, err)
					}
					got, err := b.RecvBytes(0)
					if err != nil || !bytes.Equal(got, m) || got == nil {
						return fmt.Errorf("RecvBytes %d: %d bytes %v", n, len(got), err)
					}
					s, err := b.Recv(0)
					if err != nil || s != string(m) {
						return fmt.Errorf("Recv %d: %d bytes %v", n, len(s), err)
					}
				}
				big := strings.Repeat("x", 10000)
				parts := []string{"", "a", big, "end"}
				for _, asBytes := range []bool{false, true} {
					if _, err := a.SendMessage(parts); err != nil {
						return err
					}
					var got []string
					if asBytes {
						bs, err := b.RecvMessageBytes(0)
						if err != nil {
							return err
						}
						for _, p := range bs {
							got = append(got, string(p))
						}
					} else {
						var err error
						if got, err = b.RecvMessage(0); err != nil {
							return err
						}
					}
					if strings.Join(got, "|") != strings.Join(parts, "|") {
						t.Errorf("multipart (bytes %v): %d parts", asBytes, len(got))
					}
				}
				// More parts with SNDMORE, read one by one.
				a.Send("p1", zmq.SNDMORE)
				a.SendBytes([]byte("p2"), 0)
				if p, _ := b.Recv(0); p != "p1" {
					t.Errorf("part 1: %q", p)
				}
				if more, _ := b.GetRcvmore(); !more {
					t.Error("RCVMORE after part 1 is false")
				}
				if p, _ := b.Recv(0); p != "p2" {
					t.Errorf("part 2: %q", p)
				}
				if _, err := b.Recv(zmq.DONTWAIT); !errors.Is(err, zmq.ErrAgain) {
					t.Errorf("DONTWAIT on an empty socket: %v", err)
				}
				return nil
			})
		})
	}
}

// The embedded zmq4 socket closed directly (not through Socket.Close):
// calls return zmq4's error, not a crash on a freed libzmq socket.
func TestEmbeddedSocketClosedDirectly(t *testing.T) {
	run(t, func() error {
		a, b := pair(t, zmq.PAIR, zmq.PAIR, inproc())
		defer b.Close()
		a.Socket.Close()
		if _, err := a.Send("x", 0); !errors.Is(err, zmq4.ErrorSocketClosed) {
			t.Errorf("Send: %v", err)
		}
		if _, err := a.RecvBytes(zmq.DONTWAIT); !errors.Is(err, zmq4.ErrorSocketClosed) {
			t.Errorf("RecvBytes: %v", err)
		}
		if _, err := a.GetEvents(); !errors.Is(err, zmq4.ErrorSocketClosed) {
			t.Errorf("GetEvents: %v", err)
		}
		return nil
	})
}
