package gevent_test

import (
	"bytes"
	"errors"
	"io"
	rtrace "runtime/trace"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	xtrace "golang.org/x/exp/trace"
)

// While an execution trace is taken, each greenlet runs in a region named
// after it, begun and ended on the goroutine that runs it.
func TestTraceRegions(t *testing.T) {
	if rtrace.IsEnabled() {
		t.Skip("a trace is already being taken (-trace)")
	}
	var buf bytes.Buffer
	if err := rtrace.Start(&buf); err != nil {
		t.Fatal(err)
	}
	err := gevent.Run(func() error {
		var gs []*gevent.Greenlet[struct{}]
		for _, name := range []string{"traced-a", "traced-b", "traced-c"} {
			g := gevent.Go(func() {
				gevent.Sleep(time.Millisecond)
				gevent.Sleep(0)
			})
			g.SetName(name)
			gs = append(gs, g)
		}
		gevent.Go(func() {}).Join() // unnamed: "greenlet"
		_, err := gevent.JoinAll(gs)
		return err
	})
	rtrace.Stop()
	if err != nil {
		t.Fatal(err)
	}
	r, err := xtrace.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	begun := map[string]xtrace.GoID{}
	ended := map[string]int{}
	for {
		ev, err := r.ReadEvent()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch ev.Kind() {
		case xtrace.EventRegionBegin:
			typ := ev.Region().Type
			if _, dup := begun[typ]; dup && typ != "greenlet" {
				t.Errorf("region %q begun twice", typ)
			}
			begun[typ] = ev.Goroutine()
		case xtrace.EventRegionEnd:
			typ := ev.Region().Type
			if g, ok := begun[typ]; !ok || g != ev.Goroutine() {
				t.Errorf("region %q ended on goroutine %v, begun on %v (%v)", typ, ev.Goroutine(), g, ok)
			}
			ended[typ]++
		}
	}
	for _, typ := range []string{"greenlet traced-a", "greenlet traced-b", "greenlet traced-c", "greenlet"} {
		if ended[typ] != 1 {
			t.Errorf("region %q: begun %v, ended %d times; regions: %v", typ, begun[typ] != 0, ended[typ], ended)
		}
	}
}
