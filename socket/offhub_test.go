package socket_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/socket"
)

func TestMain(m *testing.M) {
	gevent.GetHub() // the examples' hub, on the main goroutine
	os.Exit(m.Run())
}

// A conn made by a greenlet and used by a plain goroutine (as third-party
// libraries do): it blocks that goroutine in poll(2), honours deadlines and
// Close, and the hub keeps serving.
func TestOffHubGoroutine(t *testing.T) {
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
		h := gevent.GetHub()
		var done gevent.WaitList[error]
		blocked := make(chan struct{})
		go func() {
			err := func() error {
				for i := range 100 {
					msg := []byte(fmt.Sprintf("msg %03d", i))
					if _, err := c.Write(msg); err != nil {
						return err
					}
					got := make([]byte, len(msg))
					if _, err := io.ReadFull(c, got); err != nil {
						return err
					}
					if string(got) != string(msg) {
						return fmt.Errorf("got %q", got)
					}
				}
				c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
				if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
					return fmt.Errorf("deadline: %v", err)
				}
				c.SetReadDeadline(time.Time{})
				close(blocked)
				if _, err := c.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
					return fmt.Errorf("read after close: %v", err)
				}
				return nil
			}()
			h.Post(func() { done.WakeOne(err) })
		}()
		// Meanwhile the hub is free: greenlets run.
		if err := gevent.Sleep(5 * time.Millisecond); err != nil {
			return err
		}
		for {
			select {
			case <-blocked:
			default:
				gevent.Sleep(time.Millisecond)
				continue
			}
			break
		}
		gevent.Sleep(10 * time.Millisecond)
		c.Close() // from the hub, while the goroutine is blocked reading
		err, werr := done.Wait(5 * time.Second)
		if werr != nil {
			return werr
		}
		return err
	})
}

// A conn dialled by a goroutine that belongs to no hub works in blocking
// mode against a cooperative server.
func TestDialFromPlainGoroutine(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		l, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer l.Close()
		echo(l)
		h := gevent.GetHub()
		var done gevent.WaitList[error]
		addr := l.Addr().String()
		go func() {
			err := func() error {
				// TestMain bound the default hub to the main goroutine, so
				// this goroutine cannot become its main greenlet.
				c, err := socket.Dial("tcp", addr)
				if err != nil {
					return err
				}
				defer c.Close()
				c.Write([]byte("ping"))
				b := make([]byte, 4)
				_, err = io.ReadFull(c, b)
				if err == nil && string(b) != "ping" {
					err = fmt.Errorf("got %q", b)
				}
				return err
			}()
			h.Post(func() { done.WakeOne(err) })
		}()
		err, werr := done.Wait(5 * time.Second)
		if werr != nil {
			return werr
		}
		return err
	})
}
