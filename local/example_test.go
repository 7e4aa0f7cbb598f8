package local_test

import (
	"errors"
	"fmt"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/local"
)

// The seed programs about greenlet-local storage. Each Output is what real
// gevent 22.10 prints for the Python original named above it, run with
// /usr/bin/python3 (the conformance suite runs the same programs beside
// their Go ports).

// Seed 000: a value set in f1 is not visible in f2
// (../conformance/testdata/seed_local.py).
func ExampleLocal() {
	var x local.Local[int] // data.x
	f1 := func() {
		x.Set(1)
		v, _ := x.Value()
		fmt.Println(v)
	}
	f2 := func() {
		if v, err := x.Value(); errors.Is(err, local.ErrNotSet) {
			fmt.Println("x is not visible")
		} else {
			fmt.Println(v)
		}
	}
	gevent.JoinAll([]*gevent.Greenlet[struct{}]{gevent.Go(f1), gevent.Go(f2)})
	// Output:
	// 1
	// x is not visible
}

// Seeds 001/002: stash.x and stash.y, one Local per attribute
// (../conformance/testdata/seed_local_stash.py).
func ExampleLocal_Get() {
	var x, y local.Local[int] // stash.x, stash.y
	f1 := func() {
		x.Set(1)
		v, _ := x.Get()
		fmt.Println(v)
	}
	f2 := func() {
		y.Set(2)
		v, _ := y.Get()
		fmt.Println(v)
		if _, ok := x.Get(); !ok {
			fmt.Println("x is not local to f2")
		}
	}
	g1 := gevent.Go(f1)
	g2 := gevent.Go(f2)
	gevent.JoinAll([]*gevent.Greenlet[struct{}]{g1, g2})
	// Output:
	// 1
	// 2
	// x is not local to f2
}

// Seed 004: gevent.spawn(f1).spawn(f2) spawns both (spawn is a class
// method), and joinall waits for f2's greenlet only
// (testdata/seed004_local.py).
func ExampleLocal_Value() {
	var x local.Local[string]
	f1 := func() {
		x.Set("f1")
		v, _ := x.Value()
		fmt.Println(v)
	}
	f2 := func() {
		if v, err := x.Value(); err != nil {
			fmt.Println("f2 has not data.x")
		} else {
			fmt.Println(v)
		}
	}
	gevent.Go(f1)
	gevent.JoinAll([]*gevent.Greenlet[struct{}]{gevent.Go(f2)})
	// Output:
	// f1
	// f2 has not data.x
}

// Request is what a web framework stores per greenlet (the seeds' werkzeug
// Request).
type Request struct{ RemoteAddr string }

// Seeds 001/002, the werkzeug example: a request object stored per
// greenlet, reached through a proxy function (werkzeug's LocalProxy), with
// a session manager that sets it for the duration of a request. Each
// handler greenlet sees its own request while the others run.
func ExampleLocal_request() {
	var requests local.Local[*Request]
	request := func() *Request { r, _ := requests.Get(); return r } // LocalProxy
	sessionManager := func(env map[string]string, body func()) {
		requests.Set(&Request{RemoteAddr: env["REMOTE_ADDR"]})
		defer requests.Delete()
		body()
	}
	logic := func() string {
		gevent.Sleep(0) // other requests run meanwhile
		return "Hello " + request().RemoteAddr
	}
	application := func(env map[string]string) string {
		var body string
		sessionManager(env, func() { body = logic() })
		return body
	}
	var gs []*gevent.Greenlet[string]
	for _, addr := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"} {
		env := map[string]string{"REMOTE_ADDR": addr}
		gs = append(gs, gevent.Spawn(func() (string, error) { return application(env), nil }))
	}
	gevent.JoinAll(gs)
	for _, g := range gs {
		fmt.Println(g.Value())
	}
	fmt.Println("requests left:", requests.Len())
	// Output:
	// Hello 10.0.0.1
	// Hello 10.0.0.2
	// Hello 10.0.0.3
	// requests left: 0
}

// gevent's local subclass with defaults and __init__:
//
//	class MyLocal(local):
//	    number = 2
//	    def __init__(self):
//	        self.items = []
//
// becomes a Local whose value starts, in each greenlet, as init() made it.
func ExampleNewWithInit() {
	type myLocal struct {
		Number int
		Items  []string
	}
	mydata := local.NewWithInit(func() *myLocal { return &myLocal{Number: 2} })
	worker := func(name string) func() {
		return func() {
			d, _ := mydata.Get() // first read in this greenlet: init runs
			d.Items = append(d.Items, name)
			gevent.Sleep(0)
			d.Number *= d.Number
			fmt.Println(name, d.Number, d.Items)
		}
	}
	gevent.JoinAll([]*gevent.Greenlet[struct{}]{gevent.Go(worker("a")), gevent.Go(worker("b"))})
	d, _ := mydata.Get() // the main greenlet has its own, untouched
	fmt.Println("main", d.Number, d.Items)
	// Output:
	// a 4 [a]
	// b 4 [b]
	// main 2 []
}
