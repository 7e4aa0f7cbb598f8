package pool_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/lock"
	"github.com/gevent-go/gevent/pool"
)

// The seed programs about groups and pools. Each Output is what real
// gevent 22.10 prints for the Python original named above it (run with
// /usr/bin/python3): a conformance pair's program in
// ../conformance/testdata (the conformance suite runs it beside its Go
// port), or one in testdata/seed_py where no pair has it. Sleeps of
// seconds are shortened to milliseconds where that does not change the
// output.

// rangeSeq is Python's range(n) as an iter.Seq.
func rangeSeq(n int) func(func(int) bool) {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

// pyList formats a slice as Python prints a list.
func pyList[T any](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// Seeds 001, 002, 004 (the first part of
// ../conformance/testdata/seed_group.py): greenlets added to a group are
// joined together; finished ones leave by themselves, so the group can be
// reused.
func ExampleGroup() {
	talk := func(msg string) func() {
		return func() {
			for range 3 {
				fmt.Println(msg)
			}
		}
	}
	g1 := gevent.Go(talk("bar"))
	g2 := gevent.Go(talk("foo"))
	g3 := gevent.Go(talk("fizz"))

	var group pool.Group
	group.Add(g1)
	group.Add(g2)
	group.Join()

	group.Add(g3)
	group.Join()
	// Output:
	// bar
	// bar
	// bar
	// foo
	// foo
	// foo
	// fizz
	// fizz
	// fizz
}

// Seeds 002 and 004 (the first part of testdata/seed_py/groupmap_ids.py):
// Group.map runs one greenlet per item and returns the results in order.
// The seeds print id(getcurrent()), which changes on every run: this
// example (and its Python original) prints a small number given to each
// greenlet the first time it asks instead.
func ExampleMap() {
	ids := map[gevent.AnyGreenlet]int{}
	gid := func() int {
		c := gevent.GetCurrent()
		if _, ok := ids[c]; !ok {
			ids[c] = len(ids) + 1
		}
		return ids[c]
	}
	var group pool.Group
	helloFrom := func(n int) (int, error) {
		fmt.Println("Size of group", group.Len())
		fmt.Println("Hello from Greenlet", gid())
		return n, nil
	}
	x, err := pool.Map(&group, helloFrom, rangeSeq(3))
	if err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%T\n", x) // Python: <class 'list'>
	fmt.Println(pyList(x))
	// Output:
	// Size of group 3
	// Hello from Greenlet 1
	// Size of group 3
	// Hello from Greenlet 2
	// Size of group 3
	// Hello from Greenlet 3
	// []int
	// [0, 1, 2]
}

// Seeds 002 and 004 (the Ordered/Unordered part of
// ../conformance/testdata/seed_group.py): IMap yields in input order,
// IMapUnordered in completion order.
func ExampleIMap() {
	intensive := func(n int) (string, error) {
		gevent.Sleep(time.Duration(30-10*n) * time.Millisecond)
		return fmt.Sprintf("('task', %d)", n), nil
	}
	fmt.Println("Ordered")
	for r := range pool.IMap(&pool.Group{}, intensive, rangeSeq(3)) {
		fmt.Println(r)
	}
	fmt.Println("Unordered")
	for r := range pool.IMapUnordered(&pool.Group{}, intensive, rangeSeq(3)) {
		fmt.Println(r)
	}
	// Output:
	// Ordered
	// ('task', 0)
	// ('task', 1)
	// ('task', 2)
	// Unordered
	// ('task', 2)
	// ('task', 1)
	// ('task', 0)
}

// Seeds 001 and 002 (the last part of ../conformance/testdata/seed_group.py):
// a Pool of 2 runs at most two greenlets at once; the third waits for a
// slot.
func ExamplePool() {
	p := pool.MustPool(2)
	helloFrom := func(n int) (struct{}, error) {
		fmt.Println("Size of pool", p.Len())
		return struct{}{}, nil
	}
	pool.Map(p, helloFrom, rangeSeq(3))
	// Output:
	// Size of pool 2
	// Size of pool 2
	// Size of pool 1
}

// Seeds 001 and 003 (../conformance/testdata/seed_pool_determinism.py;
// the whole seed, with its multiprocessing half, is
// testdata/seed_py/determinism.py): the same IMapUnordered over a Pool
// gives the same order on every run (gevent prints True; a process or
// goroutine pool usually does not: see TestGoroutinePoolIsNotDeterministic).
func ExampleIMapUnordered_determinism() {
	echo := func(i int) (int, error) {
		gevent.Sleep(time.Millisecond)
		return i, nil
	}
	p := pool.MustPool(10)
	var runs [4][]int
	for k := range runs {
		for v := range pool.IMapUnordered(p, echo, rangeSeq(10)) {
			runs[k] = append(runs[k], v)
		}
	}
	same := slices.Equal(runs[0], runs[1]) && slices.Equal(runs[1], runs[2]) && slices.Equal(runs[2], runs[3])
	fmt.Println(map[bool]string{true: "True", false: "False"}[same])
	fmt.Println(pyList(runs[0]))
	// Output:
	// True
	// [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
}

// MyGreenlet is the seeds' Greenlet subclass: it embeds a gevent.Greenlet
// and gives it its run function with Init.
type MyGreenlet struct {
	gevent.Greenlet[struct{}]
	message string
	n       time.Duration
}

func NewMyGreenlet(message string, n time.Duration) *MyGreenlet {
	g := &MyGreenlet{message: message, n: n}
	g.Init(g.run)
	return g
}

func (g *MyGreenlet) run() (struct{}, error) {
	fmt.Println(g.message)
	return struct{}{}, gevent.Sleep(g.n)
}

// Seeds 001 and 003 (../conformance/testdata/seed_subclass.py): a Greenlet
// "subclass". Started through a Group here (Group.Start adds it, then
// starts it); g.Start() alone works too.
func ExampleGroup_Start() {
	var group pool.Group
	g := NewMyGreenlet("Hi there!", 30*time.Millisecond)
	group.Start(g)
	g.Join()
	// Output:
	// Hi there!
}

// SocketPool is seed 001's socket-pool sketch: one listener greenlet per
// connection, at most size of them. The connections here are non-blocking
// pipes read cooperatively with gevent.WaitRead.
type SocketPool struct {
	pool *pool.Pool
}

func (sp *SocketPool) listen(name string, fd int) {
	var line []byte
	buf := make([]byte, 64)
	for {
		n, err := syscall.Read(fd, buf)
		if err == syscall.EAGAIN {
			if gevent.WaitRead(fd) != nil {
				return // killed
			}
			continue
		}
		if n <= 0 {
			fmt.Println(name, "closed")
			return
		}
		for _, c := range buf[:n] {
			if c == '\n' {
				fmt.Println(name, "got", string(line))
				line = line[:0]
			} else {
				line = append(line, c)
			}
		}
	}
}

var errPoolSize = errors.New("At maximum pool size")

func (sp *SocketPool) AddHandler(name string, fd int) error {
	if sp.pool.Full() {
		return errPoolSize
	}
	_, err := sp.pool.Go(func() { sp.listen(name, fd) })
	return err
}

func (sp *SocketPool) Shutdown() { sp.pool.Kill(nil, true) }

// Seed 001: the SocketPool sketch, run: a pool of 2 refuses a third
// connection, a listener leaves the pool when its peer closes, and
// Shutdown kills the others.
func ExamplePool_Full() {
	sp := &SocketPool{pool: pool.MustPool(2)}
	var ws []int
	for _, name := range []string{"a", "b", "c"} {
		var fds [2]int
		if err := syscall.Pipe2(fds[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
			panic(err)
		}
		if err := sp.AddHandler(name, fds[0]); err != nil {
			fmt.Println(name, "refused:", err)
			syscall.Close(fds[0])
			syscall.Close(fds[1])
			continue
		}
		ws = append(ws, fds[1])
	}
	for i, w := range ws {
		syscall.Write(w, fmt.Appendf(nil, "hello %d\n", i))
	}
	gevent.Sleep(10 * time.Millisecond)
	syscall.Close(ws[0])
	gevent.Sleep(10 * time.Millisecond)
	fmt.Println("pool size", sp.pool.Len(), "full", map[bool]string{true: "True", false: "False"}[sp.pool.Full()])
	sp.Shutdown()
	fmt.Println("after shutdown", sp.pool.Len())
	syscall.Close(ws[1])
	// Output:
	// c refused: At maximum pool size
	// a got hello 0
	// b got hello 1
	// a closed
	// pool size 1 full False
	// after shutdown 0
}

// Seeds 001 and 002 (../conformance/testdata/seed_pool_semaphore.py):
// Pool().map runs workers that share a BoundedSemaphore(2); the second map
// uses the `with sem:` form.
func ExampleMap_boundedSemaphore() {
	sem := lock.NewBoundedSemaphore(2)
	worker1 := func(n int) (struct{}, error) {
		sem.Acquire()
		fmt.Printf("Worker %d acquired semaphore\n", n)
		gevent.Sleep(0)
		sem.Release()
		fmt.Printf("Worker %d released semaphore\n", n)
		return struct{}{}, nil
	}
	worker2 := func(n int) (struct{}, error) {
		sem.With(func() error {
			fmt.Printf("Worker %d acquired semaphore\n", n)
			return gevent.Sleep(0)
		})
		fmt.Printf("Worker %d released semaphore\n", n)
		return struct{}{}, nil
	}
	p := pool.MustPool(pool.Unlimited) // gevent's Pool()
	pool.Map(p, worker1, slices.Values([]int{0, 1}))
	pool.Map(p, worker2, slices.Values([]int{3, 4, 5}))
	// Output:
	// Worker 0 acquired semaphore
	// Worker 1 acquired semaphore
	// Worker 0 released semaphore
	// Worker 1 released semaphore
	// Worker 3 acquired semaphore
	// Worker 4 acquired semaphore
	// Worker 3 released semaphore
	// Worker 4 released semaphore
	// Worker 5 acquired semaphore
	// Worker 5 released semaphore
}

// Seed 001's variant of the group program: two lines per greenlet
// (testdata/seed_py/talk2.py).
func ExampleGroup_seed001() {
	talk := func(msg string) func() {
		return func() {
			for range 2 {
				fmt.Println(msg)
			}
		}
	}
	g1, g2, g3 := gevent.Go(talk("bar")), gevent.Go(talk("foo")), gevent.Go(talk("fizz"))
	var group pool.Group
	group.Add(g1)
	group.Add(g2)
	group.Join()
	group.Add(g3)
	group.Join()
	// Output:
	// bar
	// bar
	// foo
	// foo
	// fizz
	// fizz
}

// Not a seed: the scheduling order of the mapping functions, checked
// against gevent 22.10 (testdata/seed_py/interleave.py).
func Example_interleaving() {
	work := func(n int) (int, error) {
		fmt.Println("start", n)
		gevent.Sleep(0)
		fmt.Println("end", n)
		return n, nil
	}
	p := pool.MustPool(2)
	for r := range pool.IMapUnordered(p, work, rangeSeq(5)) {
		fmt.Println("got", r)
	}
	fmt.Println("--")
	for r := range pool.IMap(p, work, slices.Values([]int{2, 1, 0})) {
		fmt.Println("got", r)
	}
	fmt.Println("--")
	out, _ := pool.Map(&pool.Group{}, work, rangeSeq(3))
	fmt.Println(pyList(out))
	fmt.Println("--")
	a := pool.ApplyAsync(p, func() (int, error) { return work(7) })
	b := pool.ApplyAsync(p, func() (int, error) { return work(8) })
	c := pool.ApplyAsync(p, func() (int, error) { return work(9) })
	fmt.Println("full", map[bool]string{true: "True", false: "False"}[p.Full()], p.Len())
	gevent.JoinAll([]*gevent.Greenlet[int]{a, b, c})
	fmt.Println("--")
	pool.Spawn(p, func() (int, error) { return work(10) })
	pool.Spawn(p, func() (int, error) { return work(11) })
	p.Kill(nil, true)
	fmt.Println("killed", p.Len())
	// Output:
	// start 0
	// start 1
	// end 0
	// end 1
	// got 0
	// got 1
	// start 2
	// start 3
	// end 2
	// end 3
	// got 2
	// got 3
	// start 4
	// end 4
	// got 4
	// --
	// start 2
	// start 1
	// end 2
	// end 1
	// got 2
	// got 1
	// start 0
	// end 0
	// got 0
	// --
	// start 0
	// start 1
	// start 2
	// end 0
	// end 1
	// end 2
	// [0, 1, 2]
	// --
	// full True 2
	// start 7
	// start 8
	// end 7
	// end 8
	// start 9
	// end 9
	// --
	// killed 0
}
