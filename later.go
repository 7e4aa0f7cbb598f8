package gevent

import "time"

// GoLater starts fn, a function with no result, in a new greenlet after d
// (gevent.spawn_later of a function whose result nobody reads): SpawnLater
// for what Go is to Spawn. It returns at once. d <= 0 starts fn at the
// hub's next loop iteration, after the greenlets already ready. Until d
// elapses the greenlet is started but has not run: killing it then ends
// it without running fn (it is dead and successful with ErrGreenletExit,
// or failed with another kill error, as gevent's), and Join or Get on it
// wait for d like any greenlet's end. Must be called from a greenlet.
func GoLater(d time.Duration, fn func()) *Greenlet[struct{}] {
	return SpawnLater(d, func() (struct{}, error) { fn(); return struct{}{}, nil })
}

// GoErrLater is GoLater for a function returning only an error, as GoErr
// is for Spawn: the greenlet fails with fn's error (reported through the
// hub's ErrorHandler).
func GoErrLater(d time.Duration, fn func() error) *Greenlet[struct{}] {
	return SpawnLater(d, func() (struct{}, error) { return struct{}{}, fn() })
}
