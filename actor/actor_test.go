package actor_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/actor"
	"github.com/gevent-go/gevent/queue"
)

func run(t *testing.T, body func() error) {
	t.Helper()
	if err := gevent.Run(func() error {
		gevent.GetHub().SetErrorHandler(func(gevent.AnyGreenlet, error) {})
		return body()
	}); err != nil {
		t.Fatal(err)
	}
}

func TestActorEnds(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		receive func(int) error
		end     func(a *actor.Actor[int])
		wantErr error
		wantGot []int
	}{
		{"Stop drains the inbox", func(int) error { return gevent.Sleep(0) }, func(a *actor.Actor[int]) { a.Stop() }, nil, []int{1, 2, 3}},
		{"ErrStop", func(m int) error {
			if m == 2 {
				return actor.ErrStop
			}
			return nil
		}, func(*actor.Actor[int]) {}, nil, []int{1, 2}},
		{"error fails the actor", func(m int) error {
			if m == 2 {
				return boom
			}
			return nil
		}, func(*actor.Actor[int]) {}, boom, []int{1, 2}},
		{"Kill", func(int) error { return gevent.Sleep(time.Hour) }, func(a *actor.Actor[int]) { a.Kill(nil, false) }, nil, []int{1}},
	} {
		run(t, func() error {
			var got []int
			a := actor.New(func(m int) error { got = append(got, m); return tc.receive(m) })
			for i := 1; i <= 3; i++ { // before Start: they wait
				a.Send(i)
			}
			a.Start()
			gevent.Sleep(0)
			tc.end(a)
			if err := a.Join(time.Second); err != nil {
				t.Fatalf("%s: Join: %v", tc.name, err)
			}
			if !errors.Is(a.Err(), tc.wantErr) || (a.Err() == nil) != (tc.wantErr == nil) || !slices.Equal(got, tc.wantGot) {
				t.Errorf("%s: err %v got %v", tc.name, a.Err(), got)
			}
			if err := a.Send(9); !errors.Is(err, queue.ErrShutDown) {
				t.Errorf("%s: Send after the end: %v", tc.name, err)
			}
			return nil
		})
	}
}

func TestActorPanic(t *testing.T) {
	t.Parallel()
	run(t, func() error {
		a := actor.Spawn(func(int) error { panic("bang") })
		a.Send(1)
		a.Join()
		var pe *gevent.PanicError
		if !errors.As(a.Err(), &pe) {
			t.Errorf("err %v", a.Err())
		}
		return nil
	})
}
