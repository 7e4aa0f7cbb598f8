package actor_test

import (
	"fmt"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/actor"
)

// Seed 001: the Pinger/Ponger actors. In gevent the program runs forever;
// this one stops after six messages (testdata/seed_py/actors.py, the
// original with the same limit). Its output is the first six lines that
// gevent 22.10 prints for the unlimited original
// (testdata/seed_py/actors_forever.py), and the lines of the conformance
// pair seed_actors (../conformance/testdata/seed_actors.py) but its last.
func Example() {
	const limit = 6
	count := 0
	var ping, pong *actor.Actor[string]
	receive := func(reply func() *actor.Actor[string], answer string) func(string) error {
		return func(message string) error {
			fmt.Println(message)
			if count++; count >= limit {
				ping.Stop()
				pong.Stop()
				return actor.ErrStop
			}
			reply().Send(answer)
			return gevent.Sleep(0)
		}
	}
	ping = actor.New(receive(func() *actor.Actor[string] { return pong }, "ping")) // Pinger
	pong = actor.New(receive(func() *actor.Actor[string] { return ping }, "pong")) // Ponger
	ping.Start()
	pong.Start()
	ping.Send("start")
	gevent.JoinAll([]gevent.AnyGreenlet{ping, pong})
	// Output:
	// start
	// ping
	// pong
	// ping
	// pong
	// ping
}

// Pinger is the seed's subclass form: a type that embeds an Actor and
// calls Init with its receive method.
type Pinger struct {
	actor.Actor[string]
	peer *actor.Actor[string]
	left int
}

func NewPinger(peer *actor.Actor[string], n int) *Pinger {
	p := &Pinger{peer: peer, left: n}
	p.Init(p.receive)
	return p
}

func (p *Pinger) receive(message string) error {
	fmt.Println("Pinger got", message)
	if p.left--; p.left == 0 {
		p.peer.Stop()
		return actor.ErrStop
	}
	return p.peer.Send("ping")
}

// An actor type of your own, and Stop: the echo actor ends once its inbox
// is empty.
func ExampleActor_Init() {
	var p *Pinger
	echo := actor.Spawn(func(m string) error {
		fmt.Println("Echo got", m)
		return p.Send("pong")
	})
	p = NewPinger(echo, 2)
	p.Start()
	p.Send("start")
	gevent.JoinAll([]gevent.AnyGreenlet{p, echo})
	fmt.Println(p.Successful(), echo.Successful())
	// Output:
	// Pinger got start
	// Echo got ping
	// Pinger got pong
	// true true
}
