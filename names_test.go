package gevent_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

// addr hides the addresses that String prints.
var addr = regexp.MustCompile(`0x[0-9a-f]+`)

func TestNamesNumberedOnFirstRead(t *testing.T) {
	run(t, func() error {
		a := gevent.Go(func() {})
		b := gevent.Go(func() {})
		if got := b.Name() + " " + a.Name(); got != "Greenlet-0 Greenlet-1" {
			t.Errorf("names in read order: %s", got)
		}
		unread := gevent.Go(func() {})
		gevent.JoinAll([]gevent.AnyGreenlet{a, b, unread})
		u := gevent.New(func() (int, error) { return 0, nil }) // not started: numbered by the caller's hub
		if got := u.Name(); got != "Greenlet-2" {
			t.Errorf("unstarted greenlet: %s", got)
		}
		if got := unread.Name(); got != "Greenlet-3" {
			t.Errorf("greenlet read after its death: %s", got)
		}
		return nil
	})
}

func TestNameFromOutsideTheHubGivesNoNumber(t *testing.T) {
	var g *gevent.Greenlet[struct{}]
	run(t, func() error {
		g = gevent.Go(func() {})
		return g.Join()
	})
	if got := g.Name(); got != "Greenlet" {
		t.Errorf("name read from the test goroutine: %q", got)
	}
}

func TestReportGivesNoNumber(t *testing.T) {
	var report strings.Builder
	run(t, func() error {
		gevent.GetHub().SetErrorHandler(func(g gevent.AnyGreenlet, err error) { gevent.WriteReport(&report, g, err) })
		x := gevent.GoErr(func() error { return errors.New("boom") })
		x.Join()
		y := gevent.Go(func() {})
		if got := y.Name() + " " + x.Name(); got != "Greenlet-0 Greenlet-1" {
			t.Errorf("names after a report: %s", got)
		}
		return nil
	})
	if got := addr.ReplaceAllString(report.String(), "0xX"); got != "<Greenlet at 0xX> failed with error: boom\n\n" {
		t.Errorf("report %q", got)
	}
}

type embedding struct {
	gevent.Greenlet[int]
}

func TestGreenletAndHubString(t *testing.T) {
	var h *gevent.Hub
	run(t, func() error {
		h = gevent.GetHub()
		g := gevent.Go(func() { gevent.Sleep(time.Hour) })
		gevent.Sleep(0) // g sleeps: one greenlet, one timer
		e := &embedding{}
		e.Init(func() (int, error) { return 1, nil })
		var any gevent.AnyGreenlet = g
		got := addr.ReplaceAllString(fmt.Sprintf("%v|%s|%v|%v|", g, g, e, any), "0xX")
		g.SetName("sleeper")
		got += fmt.Sprintf("%v|%s|%v|%v|", g, g, any, e.Name())
		got += addr.ReplaceAllString(fmt.Sprint(h), "0xX")
		want := `<Greenlet at 0xX>|<Greenlet at 0xX>|<Greenlet at 0xX>|<Greenlet at 0xX>|` +
			`<Greenlet "sleeper">|<Greenlet "sleeper">|<Greenlet "sleeper">|Greenlet-0|` +
			`<Hub at 0xX greenlets=1 ready=0 timers=1>`
		if got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
		g.Kill(nil, true)
		return nil
	})
	if got := addr.ReplaceAllString(fmt.Sprint(h), "0xX"); got != "<Hub at 0xX>" {
		t.Errorf("closed hub from the test goroutine: %s", got)
	}
}
