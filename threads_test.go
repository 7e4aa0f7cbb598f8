package gevent_test

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/actor"
	"github.com/gevent-go/gevent/event"
	"github.com/gevent-go/gevent/gselect"
	"github.com/gevent-go/gevent/local"
	"github.com/gevent-go/gevent/lock"
	"github.com/gevent-go/gevent/pool"
	"github.com/gevent-go/gevent/queue"
	"github.com/gevent-go/gevent/server"
	"github.com/gevent-go/gevent/signal"
	"github.com/gevent-go/gevent/subprocess"
	"github.com/gevent-go/gevent/threadpool"
)

// offHubCase is a hub-only entry point of docs/THREADS.md, called on an
// object bound to hub A.
type offHubCase struct {
	name   string
	prefix string // "gevent: ", "queue: "...
	anyHub bool   // for a greenlet of any hub: only a plain goroutine panics
	call   func()
}

// offHubCases builds, in the main greenlet of hub A, objects bound to A and
// the calls to make on them from elsewhere.
func offHubCases(t *testing.T, cleanup *[]func()) []offHubCase {
	defer1 := func(f func()) { *cleanup = append(*cleanup, f) }
	h := gevent.GetHub()
	h.SetErrorHandler(func(gevent.AnyGreenlet, error) {}) // the clean-up's "server closed"
	var cs []offHubCase
	add := func(prefix, name string, call func()) {
		cs = append(cs, offHubCase{name: name, prefix: prefix, call: call})
	}
	anyHub := func(prefix, name string, call func()) {
		cs = append(cs, offHubCase{name: name, prefix: prefix, anyHub: true, call: call})
	}
	g := "gevent: "

	// Hub.
	add(g, "Hub.Schedule", func() { h.Schedule(func() {}) })
	add(g, "Hub.SpendTurn", func() { h.SpendTurn() })
	add(g, "Hub.SetErrorHandler", func() { h.SetErrorHandler(nil) })
	add(g, "Hub.SetHooks", func() { h.SetHooks(gevent.Hooks{}) })
	add(g, "Hub.SetProfileLabels", func() { h.SetProfileLabels(false) })
	add(g, "Hub.SetVirtualClock", func() { h.SetVirtualClock(false) })
	add(g, "Hub.StartMonitor", func() { h.StartMonitor(gevent.MonitorConfig{}) })
	add(g, "Hub.StopMonitor", func() { h.StopMonitor() })
	add(g, "Hub.Greenlets", func() { h.Greenlets() })
	add(g, "Hub.SetShutdownGrace", func() { h.SetShutdownGrace(time.Second) })

	// Package-level functions: greenlets of any hub.
	anyHub(g, "Sleep", func() { gevent.Sleep(0) })
	anyHub(g, "Idle", func() { gevent.Idle() })
	anyHub(g, "Reschedule", func() { gevent.Reschedule() })
	anyHub(g, "Spawn", func() { gevent.Spawn(func() (int, error) { return 0, nil }) })
	anyHub(g, "Go", func() { gevent.Go(func() {}) })
	anyHub(g, "GoErr", func() { gevent.GoErr(func() error { return nil }) })
	anyHub(g, "SpawnLater", func() { gevent.SpawnLater(time.Hour, func() (int, error) { return 0, nil }) })
	anyHub(g, "GoLater", func() { gevent.GoLater(time.Hour, func() {}) })
	anyHub(g, "GoErrLater", func() { gevent.GoErrLater(time.Hour, func() error { return nil }) })
	anyHub(g, "GetCurrent", func() { gevent.GetCurrent() })
	anyHub(g, "StartNewTimeout", func() { gevent.StartNewTimeout(time.Hour, nil) })
	anyHub(g, "WithTimeout", func() { gevent.WithTimeout(time.Hour, func() (int, error) { return 0, nil }) })
	anyHub(g, "WithTimeoutValue", func() { gevent.WithTimeoutValue(time.Hour, 0, func() (int, error) { return 0, nil }) })
	anyHub(g, "WaitRead", func() { gevent.WaitRead(0, 0) })
	anyHub(g, "WaitWrite", func() { gevent.WaitWrite(1, 0) })
	anyHub(g, "RegisterFD", func() { gevent.RegisterFD(-1) })
	anyHub(g, "WaitAll", func() { gevent.WaitAll(0) })

	// Timeout.
	to := gevent.NewTimeout(time.Hour, nil)
	if err := to.Start(); err != nil {
		t.Fatal(err)
	}
	defer1(to.Cancel)
	add(g, "Timeout.Cancel", to.Cancel)
	add(g, "Timeout.Close", to.Close)
	add(g, "Timeout.Pending", func() { to.Pending() })
	add(g, "Timeout.Start", func() { to.Start() })
	add(g, "Timeout.Run", func() { to.Run(func() error { return nil }) })

	// Greenlet: parked in A.
	gl := gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Hour) })
	gevent.Sleep(0)
	defer1(func() { gl.Kill(nil, true) })
	add(g, "Greenlet.Rawlink", func() { gl.Rawlink(func() {}) })
	add(g, "Greenlet.Link", func() { gl.Link(func(*gevent.Greenlet[int]) {}) })
	add(g, "Greenlet.LinkValue", func() { gl.LinkValue(func(*gevent.Greenlet[int]) {}) })
	add(g, "Greenlet.LinkException", func() { gl.LinkException(func(*gevent.Greenlet[int]) {}) })
	add(g, "Greenlet.Unlink", func() { gl.Unlink(1) })
	add(g, "Greenlet.SetName", func() { gl.SetName("x") })
	add(g, "Greenlet.Started", func() { gl.Started() })
	add(g, "Greenlet.Start", func() { gl.Start() })
	add(g, "Greenlet.StartLater", func() { gl.StartLater(0) })
	add(g, "Greenlet.Kill", func() { gl.Kill(nil, false) })
	add(g, "KillAll", func() { gevent.KillAll([]*gevent.Greenlet[int]{gl}, nil, false) })
	add(g, "Wait", func() { gevent.Wait([]*gevent.Greenlet[int]{gl}, 0) })
	add(g, "WaitN", func() { gevent.WaitN([]*gevent.Greenlet[int]{gl}, 1, 0) })
	add(g, "IWait", func() {
		for range gevent.IWait([]*gevent.Greenlet[int]{gl}, 0) {
		}
	})
	add(g, "JoinAll", func() { gevent.JoinAll([]*gevent.Greenlet[int]{gl}, 0) })
	add(g, "JoinAllOpts", func() { gevent.JoinAllOpts([]*gevent.Greenlet[int]{gl}, gevent.JoinOptions{Timeout: 0}) })

	// WaitList with a greenlet waiting in it.
	var wl gevent.WaitList[int]
	wg := gevent.Go(func() { wl.Wait(-1) })
	gevent.Sleep(0)
	defer1(func() { wg.Kill(nil, true) })
	add(g, "WaitList.Wait", func() { wl.Wait(0) })
	add(g, "WaitList.WakeOne", func() { wl.WakeOne(1) })
	add(g, "WaitList.WakeAll", func() { wl.WakeAll(1) })

	// Links bound to A.
	var ls gevent.Links
	ls.Add(func() {}, false)
	add(g, "Links.Add", func() { ls.Add(func() {}, false) })
	add(g, "Links.Remove", func() { ls.Remove(1) })
	add(g, "Links.Len", func() { ls.Len() })
	add(g, "Links.Pending", func() { ls.Pending() })
	add(g, "Links.SetReady", func() { ls.SetReady(nil, false) })
	add(g, "Links.Wait", func() { ls.Wait(0) })
	add(g, "Links.WaitPending", func() { ls.WaitPending() })
	add(g, "Links.Fire", func() { ls.Fire() })

	// Rendezvous bound to A.
	var rv gevent.Rendezvous[int]
	rv.GiveNowait(1)
	add(g, "Rendezvous.Give", func() { rv.Give(1, nil, 0) })
	add(g, "Rendezvous.Take", func() { rv.Take(nil, 0) })
	add(g, "Rendezvous.GiveNowait", func() { rv.GiveNowait(1) })
	add(g, "Rendezvous.TakeNowait", func() { rv.TakeNowait() })
	add(g, "Rendezvous.Balance", func() { rv.Balance() })

	// FD registered with A.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer1(func() { r.Close(); w.Close() })
	syscall.SetNonblock(int(r.Fd()), true)
	fd, err := gevent.RegisterFD(int(r.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer1(func() { fd.Close(nil) })
	add(g, "FD.WaitRead", func() { fd.WaitRead(0) })
	add(g, "FD.WaitWrite", func() { fd.WaitWrite(0) })
	add(g, "FD.Wake", func() { fd.Wake(true, nil) })
	add(g, "FD.Drained", func() { fd.Drained() })
	add(g, "FD.Close", func() { fd.Close(nil) })

	// event.
	ev := event.NewEvent()
	add("event: ", "Event.Clear", ev.Clear)
	add("event: ", "Event.IsSet", func() { ev.IsSet() })
	add("event: ", "Event.Ready", func() { ev.Ready() })
	add("event: ", "Event.Wait", func() { ev.Wait(0) })
	add("event: ", "Event.Rawlink", func() { ev.Rawlink(func() {}) })
	add("event: ", "Event.Unlink", func() { ev.Unlink(1) })
	ar := event.NewAsyncResult[int]()
	add("event: ", "AsyncResult.Ready", func() { ar.Ready() })
	add("event: ", "AsyncResult.Successful", func() { ar.Successful() })
	add("event: ", "AsyncResult.Err", func() { ar.Err() })
	add("event: ", "AsyncResult.Value", func() { ar.Value() })
	add("event: ", "AsyncResult.Get", func() { ar.Get(0) })
	add("event: ", "AsyncResult.Wait", func() { ar.Wait(0) })
	add("event: ", "AsyncResult.Rawlink", func() { ar.Rawlink(func() {}) })
	add("event: ", "AsyncResult.Unlink", func() { ar.Unlink(1) })

	// queue.
	q := queue.NewQueue[int](1)
	q.PutNowait(1)
	qp := "queue: "
	add(qp, "Queue.Put", func() { q.Put(1, 0) })
	add(qp, "Queue.PutNowait", func() { q.PutNowait(1) })
	add(qp, "Queue.Get", func() { q.Get(0) })
	add(qp, "Queue.GetNowait", func() { q.GetNowait() })
	add(qp, "Queue.Peek", func() { q.Peek(0) })
	add(qp, "Queue.PeekNowait", func() { q.PeekNowait() })
	add(qp, "Queue.All", func() {
		for range q.All() {
			break
		}
	})
	add(qp, "Queue.Len", func() { q.Len() })
	add(qp, "Queue.Empty", func() { q.Empty() })
	add(qp, "Queue.Full", func() { q.Full() })
	add(qp, "Queue.Getters", func() { q.Getters() })
	add(qp, "Queue.Putters", func() { q.Putters() })
	add(qp, "Queue.IsShutDown", func() { q.IsShutDown() })
	add(qp, "Queue.Shutdown", func() { q.Shutdown(false) })
	add(qp, "Queue.String", func() { _ = q.String() })
	jq := queue.NewJoinableQueue[int](0)
	jq.PutNowait(1)
	add(qp, "JoinableQueue.Put", func() { jq.Put(1) })
	add(qp, "JoinableQueue.PutNowait", func() { jq.PutNowait(1) })
	add(qp, "JoinableQueue.TaskDone", func() { jq.TaskDone() })
	add(qp, "JoinableQueue.Join", func() { jq.Join(0) })
	add(qp, "JoinableQueue.Unfinished", func() { jq.Unfinished() })
	var ch queue.Channel[int]
	ch.PutNowait(1)
	add(g, "Channel.Put", func() { ch.Put(1, 0) })
	add(g, "Channel.PutNowait", func() { ch.PutNowait(1) })
	add(g, "Channel.Get", func() { ch.Get(0) })
	add(g, "Channel.GetNowait", func() { ch.GetNowait() })
	add(g, "Channel.Balance", func() { ch.Balance() })
	add(g, "Channel.All", func() {
		for range ch.All() {
			break
		}
	})

	// lock.
	lp := "lock: "
	sem := lock.NewSemaphore(1)
	sem.TryAcquire()
	add(lp, "Semaphore.Acquire", func() { sem.Acquire(0) })
	add(lp, "Semaphore.TryAcquire", func() { sem.TryAcquire() })
	add(lp, "Semaphore.Release", sem.Release)
	add(lp, "Semaphore.Value", func() { sem.Value() })
	add(lp, "Semaphore.Locked", func() { sem.Locked() })
	add(lp, "Semaphore.Ready", func() { sem.Ready() })
	add(lp, "Semaphore.Wait", func() { sem.Wait(0) })
	add(lp, "Semaphore.With", func() { sem.With(func() error { return nil }) })
	add(lp, "Semaphore.Rawlink", func() { sem.Rawlink(func() {}) })
	add(lp, "Semaphore.Unlink", func() { sem.Unlink(1) })
	bs := lock.NewBoundedSemaphore(1)
	bs.TryAcquire()
	add(lp, "BoundedSemaphore.Release", func() { bs.Release() })
	add(lp, "BoundedSemaphore.With", func() { bs.With(func() error { return nil }) })
	var rl lock.RLock
	rl.Acquire()
	add(lp, "RLock.Acquire", func() { rl.Acquire(0) })
	add(lp, "RLock.TryAcquire", func() { rl.TryAcquire() })
	add(lp, "RLock.Release", func() { rl.Release() })
	add(lp, "RLock.Locked", func() { rl.Locked() })
	add(lp, "RLock.Owner", func() { rl.Owner() })
	add(lp, "RLock.With", func() { rl.With(func() error { return nil }) })

	// pool.
	pp := "pool: "
	grp := &pool.Group{}
	member, _ := grp.Go(func() { gevent.Sleep(time.Hour) })
	defer1(func() { grp.Kill(nil, true) })
	p := pool.MustPool(2)
	p.Go(func() {})
	one := func() (int, error) { return 1, nil }
	ints := slices.Values([]int{1})
	double := func(i int) (int, error) { return 2 * i, nil }
	add(pp, "Group.Len", func() { grp.Len() })
	add(pp, "Group.Contains", func() { grp.Contains(member) })
	add(pp, "Group.Greenlets", func() { grp.Greenlets() })
	add(pp, "Group.Add", func() { grp.Add(gevent.New(one)) })
	add(pp, "Group.Start", func() { grp.Start(gevent.New(one)) })
	add(pp, "Group.Discard", func() { grp.Discard(member) })
	add(pp, "Group.Go", func() { grp.Go(func() {}) })
	add(pp, "Group.GoErr", func() { grp.GoErr(func() error { return nil }) })
	add(pp, "Group.Join", func() { grp.Join(0) })
	add(pp, "Group.JoinRaise", func() { grp.JoinRaise(0) })
	add(pp, "Group.Kill", func() { grp.Kill(nil, false) })
	add(pp, "Group.KillOne", func() { grp.KillOne(member, nil, false) })
	add(pp, "Group.Full", func() { grp.Full() })
	add(pp, "Group.WaitAvailable", func() { grp.WaitAvailable(0) })
	add(pp, "Pool.FreeCount", func() { p.FreeCount() })
	add(pp, "Pool.Add", func() { p.Add(gevent.New(one)) })
	add(pp, "Pool.Start", func() { p.Start(gevent.New(one)) })
	add(pp, "Spawn", func() { pool.Spawn(p, one) })
	add(pp, "Apply", func() { pool.Apply(p, one) })
	add(pp, "ApplyAsync", func() { pool.ApplyAsync(p, one) })
	add(pp, "Map", func() { pool.Map(p, double, ints) })
	add(pp, "MapAsync", func() { pool.MapAsync(p, double, ints) })
	add(pp, "IMap", func() {
		for range pool.IMap(p, double, ints) {
		}
	})
	add(pp, "IMapUnordered", func() {
		for range pool.IMapUnordered(p, double, ints) {
		}
	})

	// actor (its inbox is a queue).
	act := actor.Spawn(func(int) error { return nil })
	gevent.Sleep(0) // the actor runs and binds its inbox to A
	defer1(func() { act.Kill(nil, true) })
	add(qp, "Actor.Send", func() { act.Send(1) })
	add(qp, "Actor.Pending", func() { act.Pending() })
	add(qp, "Actor.Stop", act.Stop)

	// threadpool.
	tp := "threadpool: "
	res := threadpool.Spawn(nil, one)
	add(tp, "Result.Ready", func() { res.Ready() })
	add(tp, "Result.Successful", func() { res.Successful() })
	add(tp, "Result.Value", func() { res.Value() })
	add(tp, "Result.Err", func() { res.Err() })
	add(tp, "Result.Get", func() { res.Get(0) })
	add(tp, "Result.Wait", func() { res.Wait(0) })
	add(tp, "Result.Cancel", func() { res.Cancel() })
	add(tp, "Result.Rawlink", func() { res.Rawlink(func() {}) })
	add(tp, "Result.Unlink", func() { res.Unlink(1) })
	anyHub(tp, "Spawn", func() { threadpool.Spawn(nil, one) })
	anyHub(tp, "Apply", func() { threadpool.Apply(nil, one) })
	anyHub(tp, "Map", func() { threadpool.Map(nil, double, []int{1}) })

	// subprocess.
	sp := "subprocess: "
	child, err := subprocess.Start([]string{"sleep", "60"}, subprocess.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer1(func() { child.Kill(); child.Wait() })
	add(sp, "Popen.Poll", func() { child.Poll() })
	add(sp, "Popen.Returncode", func() { child.Returncode() })
	add(sp, "Popen.Ready", func() { child.Ready() })
	add(sp, "Popen.Wait", func() { child.Wait(0) })
	add(sp, "Popen.Communicate", func() { child.Communicate(nil, 0) })
	add(sp, "Popen.Rawlink", func() { child.Rawlink(func() {}) })
	add(sp, "Popen.Unlink", func() { child.Unlink(1) })
	anyHub(sp, "Start", func() { subprocess.Start([]string{"true"}, subprocess.Options{}) })
	anyHub(sp, "Call", func() { subprocess.Call([]string{"true"}, subprocess.Options{}) })

	// server.
	srv := server.NewStreamServer("127.0.0.1:0", func(net.Conn, net.Addr) {})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer1(func() { srv.Stop() })
	sv := "server: "
	add(sv, "StreamServer.Start", func() { srv.Start() })
	add(sv, "StreamServer.Started", func() { srv.Started() })
	add(sv, "StreamServer.Closed", func() { srv.Closed() })
	add(sv, "StreamServer.Running", func() { srv.Running() })
	add(sv, "StreamServer.ListenAddr", func() { srv.ListenAddr() })
	add(sv, "StreamServer.ServeForever", func() { srv.ServeForever() })
	add(sv, "StreamServer.Stop", func() { srv.Stop(0) })
	dsrv := server.NewDatagramServer("127.0.0.1:0", func([]byte, net.Addr) {})
	if err := dsrv.Start(); err != nil {
		t.Fatal(err)
	}
	defer1(func() { dsrv.Stop() })
	add(sv, "DatagramServer.Start", func() { dsrv.Start() })
	add(sv, "DatagramServer.ListenAddr", func() { dsrv.ListenAddr() })
	add(sv, "DatagramServer.SendTo", func() { dsrv.SendTo(nil, nil) })
	add(sv, "DatagramServer.ServeForever", func() { dsrv.ServeForever() })
	add(sv, "DatagramServer.Stop", func() { dsrv.Stop(0) })

	// Others for greenlets of any hub.
	anyHub("signal: ", "signal.Handle", func() { signal.Handle(syscall.SIGUSR2, func() {}) })
	rfd := int(r.Fd())
	anyHub("gselect: ", "gselect.Select", func() { gselect.Select([]int{rfd}, nil, nil, 0) })
	var gp gselect.Poll
	gp.Register(rfd, gselect.POLLIN)
	anyHub("gselect: ", "Poll.Poll", func() { gp.Poll(0) })
	lv := local.NewWithInit(func() int { return 1 })
	anyHub(g, "Local.Get", func() { lv.Get() })
	anyHub(g, "Local.Set", func() { lv.Set(1) })
	return cs
}

// panicOf runs f and returns what it panicked with ("" if it did not).
func panicOf(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
			if msg == "" {
				msg = "(empty panic)"
			}
		}
	}()
	f()
	return ""
}

// Issue 11 item 5: every hub-only entry point of docs/THREADS.md, called
// from a plain goroutine and from a greenlet of another hub, panics with
// its package's prefix and says what to use instead, leaving the object's
// hub untouched (under -race: no report).
func TestOffHubPanics(t *testing.T) {
	casesCh := make(chan []offHubCase)
	release := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- gevent.Run(func() error {
			var cleanup []func()
			cs := offHubCases(t, &cleanup)
			casesCh <- cs
			// Hub A stays frozen here (a plain channel receive blocks its
			// only goroutine that runs), so that nothing of it changes
			// while the others call in.
			<-release
			for _, f := range slices.Backward(cleanup) {
				f()
			}
			return nil
		})
	}()
	cs := <-casesCh
	check := func(t *testing.T, where string, c offHubCase, msg string) {
		t.Helper()
		if msg == "" {
			t.Errorf("%s: %s did not panic", where, c.name)
			return
		}
		if !strings.HasPrefix(msg, c.prefix) ||
			!(strings.Contains(msg, "Post(") || strings.Contains(msg, "Hub.Post") || strings.Contains(msg, "Hub.Submit")) {
			t.Errorf("%s: %s panicked with %q; want a %q panic that says what to use instead (Hub.Post or Hub.Submit)", where, c.name, msg, c.prefix)
		}
	}
	for _, c := range cs {
		t.Run(c.name, func(t *testing.T) {
			got := make(chan string)
			go func() { got <- panicOf(c.call) }()
			check(t, "plain goroutine", c, <-got)
			if c.anyHub {
				return
			}
			var msg string
			if err := gevent.Run(func() error {
				msg = panicOf(c.call)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			check(t, "greenlet of another hub", c, msg)
		})
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// docs/THREADS.md has a row for every exported function and method of
// testdata/api.txt, so that a new entry point gets a rule.
func TestThreadsDocComplete(t *testing.T) {
	api, err := os.ReadFile("testdata/api.txt")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("docs/THREADS.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{} // "pkg Name"
	pkg := ""
	for _, line := range strings.Split(string(doc), "\n") {
		if p, ok := strings.CutPrefix(line, "### "); ok {
			pkg = p
		} else if rest, ok := strings.CutPrefix(line, "| `"); ok && pkg != "" {
			name, _, _ := strings.Cut(rest, "`")
			rows[pkg+" "+name] = true
		}
	}
	for _, line := range strings.Split(string(api), "\n") {
		p, name, ok := strings.Cut(line, ": func ")
		if ok && !rows[p+" "+name] {
			t.Errorf("docs/THREADS.md has no row for %s.%s: add its rule (which goroutine may call it, and how that is checked)", p, name)
		}
	}
}
