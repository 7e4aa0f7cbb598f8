package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/actor"
	"github.com/gevent-go/gevent/server"
	"github.com/gevent-go/gevent/socket"
	"github.com/gevent-go/gevent/threadpool"
)

// Beyond the tutorials: what the Go API adds or spells differently.

func addExtras() {
	add("go_kill", "Kill: the sleeping greenlet gets ErrGreenletExit from Sleep and returns", func() error {
		g := gevent.GoErr(func() error {
			err := gevent.Sleep(time.Hour)
			fmt.Println("the sleeping greenlet got:", err)
			return err
		})
		gevent.Sleep(0)
		g.Kill(nil, true)
		fmt.Println("dead:", g.Dead(), "successful:", g.Successful())
		return nil
	})

	add("go_timeout_value", "WithTimeoutValue: gevent's with_timeout(timeout_value=...)", func() error {
		v, err := gevent.WithTimeoutValue(10*time.Millisecond, "fallback", func() (string, error) {
			return "late", gevent.Sleep(time.Second)
		})
		fmt.Println(v, err)
		return nil
	})

	add("go_wait_all", "WaitAll: gevent.wait() with no objects runs the hub until nothing is left", func() error {
		gevent.Go(func() {
			fmt.Println("spawned")
			gevent.GoLater(20*time.Millisecond, func() { fmt.Println("started 20 ms later") })
		})
		err := gevent.WaitAll()
		fmt.Println("nothing left:", err)
		return err
	})

	add("go_actor", "package actor: Pinger and Ponger, stopped after six messages", func() error {
		count := 0
		var ping, pong *actor.Actor[string]
		receive := func(reply func() *actor.Actor[string], answer string) func(string) error {
			return func(message string) error {
				fmt.Println(message)
				if count++; count >= 6 {
					ping.Stop()
					pong.Stop()
					return actor.ErrStop
				}
				reply().Send(answer)
				return gevent.Sleep(0)
			}
		}
		ping = actor.New(receive(func() *actor.Actor[string] { return pong }, "ping"))
		pong = actor.New(receive(func() *actor.Actor[string] { return ping }, "pong"))
		ping.Start()
		pong.Start()
		ping.Send("start")
		_, err := gevent.JoinAll([]gevent.AnyGreenlet{ping, pong})
		return err
	})

	add("go_server", "the simple server (telnet hello and 0..4), read by a cooperative client", func() error {
		srv := server.NewStreamServer("127.0.0.1:0", func(conn net.Conn, _ net.Addr) {
			io.WriteString(conn, "Hello from a telnet!\n")
			for i := range 5 {
				fmt.Fprintf(conn, "%d\n", i)
			}
		})
		if err := srv.Start(); err != nil {
			return err
		}
		defer srv.Stop()
		c, err := socket.Dial("tcp", srv.ListenAddr().String())
		if err != nil {
			return err
		}
		defer c.Close()
		out, err := io.ReadAll(c)
		fmt.Print(string(out))
		return err
	})

	add("go_threadpool", "threadpool: blocking work off the hub while a greenlet keeps ticking", func() error {
		ticks := 0
		ticker := gevent.Go(func() {
			for gevent.Sleep(10*time.Millisecond) == nil {
				ticks++
			}
		})
		v, err := threadpool.Apply(nil, func() (string, error) {
			time.Sleep(100 * time.Millisecond) // blocks an OS thread, not the hub
			return "done", nil
		})
		ticker.Kill(nil, true)
		fmt.Println(v, err)
		fmt.Println("the ticker ran meanwhile:", ticks > 0)
		if ticks == 0 {
			return errors.New("the hub was blocked")
		}
		return nil
	})
}
