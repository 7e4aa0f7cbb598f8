package sse_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gevent-go/gevent/sse"
)

type noFlush struct{ http.ResponseWriter }

func TestFormat(t *testing.T) {
	rec := httptest.NewRecorder()
	s, err := sse.New(rec)
	if err != nil {
		t.Fatal(err)
	}
	s.Send(sse.Event{ID: "7", Event: "up\ndate", Data: "a\nb\r\nc", Retry: 1500 * time.Millisecond})
	s.Comment("ping")
	s.Send(sse.Event{Data: ""})
	want := "id: 7\nevent: up date\nretry: 1500\ndata: a\ndata: b\ndata: c\n\n: ping\n\ndata: \n\n"
	if got := rec.Body.String(); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/event-stream" || !rec.Flushed {
		t.Fatalf("content type %q, flushed %v", ct, rec.Flushed)
	}
	if _, err := sse.New(noFlush{httptest.NewRecorder()}); err != sse.ErrNotFlushable {
		t.Fatalf("New without Flush: %v", err)
	}
}
