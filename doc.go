// Package gevent is gevent for Go: cooperative greenlets on one fast event
// loop, with timeouts that interrupt any blocking call, kill, links, and a
// deterministic schedule.
//
// # The model
//
// A Hub is an event loop (epoll, a timer heap, a FIFO of ready tasks and a
// thread-safe wake-up) and the scheduler of its greenlets. Greenlets are
// coroutines (iter.Pull): exactly one greenlet of a hub runs at a time and
// control passes only where a greenlet blocks (Sleep, Join, a queue Get, a
// socket Read...). Greenlets of one hub therefore share data without locks,
// and the same program gives the same output on every run: ready greenlets
// run in FIFO order, and timers started in one loop iteration fire in order
// of duration, equal ones in start order.
//
//	g1 := gevent.Go(func() { fmt.Println(12); gevent.Sleep(0); fmt.Println(34) })
//	g2 := gevent.Go(func() { fmt.Println(56); gevent.Sleep(0); fmt.Println(78) })
//	gevent.JoinAll([]*gevent.Greenlet[struct{}]{g1, g2}) // 12 56 34 78
//
// # Which hub
//
// Package-level functions act on the hub of the calling greenlet. The
// calling goroutine of Run becomes the main greenlet of a fresh hub, so
// every test, t.Parallel tests included, can have its own. The program's
// main goroutine (the one that runs main, and Example functions under go
// test) becomes the main greenlet of the default hub when it first calls a
// package-level function: so main() just works, like gevent's main
// greenlet. Any other goroutine that belongs to no hub and calls a
// package-level function gets a panic starting with "gevent:" (no hub is
// touched); to hand work to a hub from another goroutine use
// Hub.Submit, Hub.Post and Hub.Hold, and to wait for a greenlet from
// anywhere use Greenlet.Done (Join and Get also work from anywhere).
// GetHub returns the calling goroutine's hub (nil for a goroutine that
// belongs to none). Which goroutine may call each function and method of
// the module, and how it is checked, is listed in docs/THREADS.md: a call
// from the wrong goroutine panics with a message that starts with the
// package's name and says what to use instead.
//
// Goroutines are identified cheaply (the runtime's g pointer, read in
// assembly on amd64 and arm64; elsewhere the goroutine id from
// runtime.Stack, which is slower).
//
// # Blocking calls, kill and timeouts
//
// Every cooperative blocking call returns an error and honours kill and
// Timeout scopes. Optional per-call timeouts are a trailing
// `timeout ...time.Duration`: absent means no timeout, zero or negative
// means do not wait, and an elapsed timeout is an error matching
// ErrTimeout. A Timeout scope started on a greenlet interrupts whatever
// blocking call is in progress when it fires, returning the *Timeout, so
// code can tell its own timeout from an outer one with errors.Is(err, t).
//
// Kill delivers an error (ErrGreenletExit by default) to the current or
// next blocking call of a greenlet, which should return, after clean-up
// that may block if it needs some (gevent's except GreenletExit). A further
// kill interrupts that clean-up, and a greenlet that blocks again after it
// is unwound (its deferred calls run): two kills end a greenlet that
// ignores them, and Run kills again the greenlets that outlive its
// shutdown grace (Hub.SetShutdownGrace). A blocking call made from a
// hub callback returns ErrBlockingSwitchOut; the main greenlet waiting for
// something that nothing can deliver gets ErrLoopExit instead of hanging.
//
// # Failures
//
// A greenlet that returns an error or panics fails: the error (a
// *PanicError with the stack for a panic) is kept in the greenlet and
// reported through the hub's ErrorHandler (by default to standard error,
// as gevent prints "<Greenlet ...> failed with ..."); the program goes on,
// and JoinAll does not return it unless asked (JoinOptions.RaiseError).
//
// # Sibling packages
//
// event, queue, lock, local, pool, socket, server, threadpool, resolver
// build on the primitives of this package (WaitList, Links, Rendezvous, FD,
// Hub.Schedule), which are exported so that users can build their own.
package gevent
