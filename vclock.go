package gevent

import "time"

// SetVirtualClock switches h's virtual clock on or off (trio's
// MockClock(autojump_threshold=0)). With it on, whenever the hub would wait
// and only a timer could wake it, time jumps to the first timer's deadline
// at once instead of passing: a program that sleeps for an hour runs in
// microseconds, its timers firing in the same order as in real time, and
// prints the same output every run. Sleep, Timeout scopes, per-call
// timeouts (Join, Wait, queue and lock waits...), SpawnLater, StartLater
// and Now/Since follow it; so does everything built on the hub's timers.
//
// Between jumps, time passes as usual: the hub's clock is the monotonic
// clock plus the time jumped so far, so it never goes back, not even when
// the clock is switched off again. The hub does not jump while something
// it knows of may wake it: a greenlet waiting on a file descriptor
// (WaitRead/WaitWrite, the socket package, hence network I/O), a Hold
// (taken by the threadpool while a job runs, by the subprocess package
// while a child runs, by a wait for a greenlet of another hub), or work
// already posted. During such waits time passes at its real pace, and a
// timer that falls due meanwhile fires then, as without the virtual clock;
// the jumps resume once they are over. Mixing that I/O with virtual time
// is therefore allowed and keeps the order of events, but a timeout on the
// I/O itself is real time. What the hub cannot know of is not waited for:
// work posted from another goroutine without a Hold (Post, Submit, the
// signal package's handlers) arrives whenever it arrives, possibly after
// the clock has jumped past the time it was sent; hold the hub (Hub.Hold)
// while such work may come. Code that reads time.Now or calls time.Sleep
// directly is not affected (use Now, Since and Sleep).
//
// Call it before Run or from a greenlet of h.
func (h *Hub) SetVirtualClock(on bool) {
	h.mustSetup("Hub.SetVirtualClock")
	h.loop.Virtual = on
}

// Now returns the current time on the clock of the calling greenlet's hub:
// time.Now, plus the time the hub's virtual clock has jumped (see
// SetVirtualClock). Its monotonic reading moves with the virtual clock, so
// Sub and Since on its results measure the hub's time.
func Now() time.Time {
	return time.Now().Add(self("Now").hub.loop.Offset())
}

// Since returns the time elapsed since t on the calling greenlet's hub's
// clock: Now().Sub(t).
func Since(t time.Time) time.Duration { return Now().Sub(t) }
