package main

import (
	"context"
	"errors"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/event"
)

// Message is one line of the chat: a text, or a join/leave notice.
type Message struct {
	Seq  int    `json:"seq"`
	Kind string `json:"kind"` // "text", "join", "leave"
	Name string `json:"name"`
	Text string `json:"text,omitempty"`
}

// Room keeps the last messages and wakes everyone waiting for a new one
// through an event.Event (replaced by a fresh one at each message, so a
// waiter that wakes sees every message after its cursor: nothing is lost
// or duplicated, whatever the transport). It lives on one hub.
type Room struct {
	history []Message // the last keep messages, Seq increasing
	keep    int
	seq     int
	changed *event.Event
}

// NewRoom returns an empty room keeping the last keep messages.
func NewRoom(keep int) *Room { return &Room{keep: keep, changed: new(event.Event)} }

// Post appends a message and wakes the waiters; it never blocks.
func (r *Room) Post(kind, name, text string) Message {
	r.seq++
	m := Message{Seq: r.seq, Kind: kind, Name: name, Text: text}
	r.history = append(r.history, m)
	if len(r.history) > r.keep {
		r.history = r.history[len(r.history)-r.keep:]
	}
	old := r.changed
	r.changed = new(event.Event)
	old.Set()
	return m
}

// Last returns the sequence number of the last message.
func (r *Room) Last() int { return r.seq }

// Since returns the messages after seq (those still kept).
func (r *Room) Since(seq int) []Message {
	for i, m := range r.history {
		if m.Seq > seq {
			return append([]Message(nil), r.history[i:]...)
		}
	}
	return nil
}

var (
	errGone        = errors.New("chat: client gone") // Wait: the request's context ended
	errPollTimeout = errors.New("chat: poll timeout")
)

// Wait returns the messages after seq, waiting up to timeout for one
// (then nil, nil). If ctx ends first (the long-polling browser went away)
// it returns errGone; a kill or Timeout scope returns that error.
func (r *Room) Wait(ctx context.Context, seq int, timeout time.Duration) ([]Message, error) {
	if ms := r.Since(seq); len(ms) > 0 {
		return ms, nil
	}
	objs := []gevent.Waitable{r.changed}
	var gone *event.Event
	if ctx != nil && ctx.Done() != nil {
		// A greenlet does not wait on channels: the context's end is
		// posted to the hub as an event.
		gone = new(event.Event)
		hub := gevent.GetHub()
		stop := context.AfterFunc(ctx, func() { hub.Post(gone.Set) })
		defer stop()
		objs = append(objs, gone)
	}
	err := gevent.NewTimeout(timeout, errPollTimeout).Run(func() error {
		_, err := gevent.WaitN(objs, 1)
		return err
	})
	switch {
	case gone != nil && gone.IsSet():
		return nil, errGone
	case err == nil || errors.Is(err, errPollTimeout):
		return r.Since(seq), nil
	default:
		return nil, err // kill or an outer Timeout scope
	}
}
