package server_test

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/server"
	"github.com/gevent-go/gevent/socket"
)

func TestMain(m *testing.M) {
	gevent.GetHub() // the examples' hub, on the main goroutine
	os.Exit(m.Run())
}

func run(t *testing.T, body func() error) {
	t.Helper()
	if err := gevent.Run(body); err != nil {
		t.Fatal(err)
	}
}

func echoHandler(c net.Conn, _ net.Addr) { io.Copy(c, c) }

func roundTrip(addr, msg string) error {
	c, err := socket.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, msg); err != nil {
		return err
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		return err
	}
	if string(got) != msg {
		return fmt.Errorf("got %q want %q", got, msg)
	}
	return nil
}

func TestServeForeverAndStop(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		srv := server.NewStreamServer("127.0.0.1:0", echoHandler)
		if err := srv.Start(); err != nil {
			return err
		}
		if err := srv.Start(); !errors.Is(err, server.ErrAlreadyStarted) {
			return fmt.Errorf("second Start: %v", err)
		}
		addr := srv.ListenAddr().String()
		sf := gevent.Spawn(func() (struct{}, error) { return struct{}{}, srv.ServeForever() })
		if err := roundTrip(addr, "hello"); err != nil {
			return err
		}
		// A connection whose handler blocks is killed by Stop after the timeout.
		idle, err := socket.Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer idle.Close()
		gevent.Sleep(10 * time.Millisecond)
		if srv.Running() != 1 {
			return fmt.Errorf("running: %d", srv.Running())
		}
		if err := srv.Stop(20 * time.Millisecond); err != nil {
			return err
		}
		if _, err := sf.Get(time.Second); !errors.Is(err, server.ErrServerClosed) {
			return fmt.Errorf("ServeForever: %v", err)
		}
		if srv.Running() != 0 {
			return fmt.Errorf("running after stop: %d", srv.Running())
		}
		// The killed handler's conn was closed: the client reads EOF.
		idle.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := idle.Read(make([]byte, 1)); err != io.EOF {
			return fmt.Errorf("idle client: %v", err)
		}
		if _, err := socket.Dial("tcp", addr); err == nil {
			return errors.New("dial after Stop succeeded")
		}
		if err := srv.Start(); !errors.Is(err, server.ErrServerClosed) {
			return fmt.Errorf("Start after Stop: %v", err)
		}
		return nil
	})
}

func TestPoolSizeLimitsHandlers(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		running, peak := 0, 0
		srv := &server.StreamServer{Addr: "127.0.0.1:0", PoolSize: 3, Handler: func(c net.Conn, _ net.Addr) {
			running++
			peak = max(peak, running)
			gevent.Sleep(5 * time.Millisecond)
			io.WriteString(c, "ok")
			running--
		}}
		if err := srv.Start(); err != nil {
			return err
		}
		defer srv.Stop()
		var gs []*gevent.Greenlet[string]
		for range 12 {
			gs = append(gs, gevent.Spawn(func() (string, error) {
				c, err := socket.Dial("tcp", srv.ListenAddr().String())
				if err != nil {
					return "", err
				}
				defer c.Close()
				b, err := io.ReadAll(c)
				return string(b), err
			}))
		}
		for _, g := range gs {
			if s, err := g.Get(5 * time.Second); err != nil || s != "ok" {
				return fmt.Errorf("client: %q %v", s, err)
			}
		}
		if peak != 3 {
			return fmt.Errorf("peak handlers %d, want 3", peak)
		}
		return nil
	})
}

func TestTLS(t *testing.T) {
	t.Parallel()
	cfg := testTLSConfig()
	run(t, func() error {
		srv := &server.StreamServer{Addr: "127.0.0.1:0", TLSConfig: cfg, Handler: func(c net.Conn, _ net.Addr) {
			line, _ := bufio.NewReader(c).ReadString('\n')
			io.WriteString(c, strings.ToUpper(line))
		}}
		if err := srv.Start(); err != nil {
			return err
		}
		defer srv.Stop()
		var gs []*gevent.Greenlet[string]
		for i := range 5 {
			gs = append(gs, gevent.Spawn(func() (string, error) {
				c, err := socket.Dial("tcp", srv.ListenAddr().String())
				if err != nil {
					return "", err
				}
				tc := tls.Client(c, &tls.Config{RootCAs: cfg.RootCAs, ServerName: "localhost"})
				defer tc.Close()
				fmt.Fprintf(tc, "client %d\n", i)
				return bufio.NewReader(tc).ReadString('\n')
			}))
		}
		for i, g := range gs {
			if s, err := g.Get(5 * time.Second); err != nil || s != fmt.Sprintf("CLIENT %d\n", i) {
				return fmt.Errorf("client %d: %q %v", i, s, err)
			}
		}
		return nil
	})
}

func TestKillServeForeverStops(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		srv := server.NewStreamServer("127.0.0.1:0", echoHandler)
		g := gevent.Spawn(func() (struct{}, error) { return struct{}{}, srv.ServeForever() })
		gevent.Sleep(5 * time.Millisecond)
		g.Kill(gevent.ErrGreenletExit, true)
		gevent.Sleep(5 * time.Millisecond)
		if !srv.Closed() {
			return errors.New("server not stopped by kill")
		}
		return nil
	})
}
