package socket

import (
	"errors"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/gevent-go/gevent"
	"golang.org/x/sys/unix"
)

// errRearm wakes the greenlets waiting on a netFD so that they re-read its
// deadlines (the FD they waited on was replaced by a fresh registration).
var errRearm = errors.New("socket: deadline changed")

// offHubSlice bounds each poll(2) made by a goroutine that is not a
// greenlet of the socket's hub, so that Close and deadline changes made
// elsewhere are seen within that time.
const offHubSlice = 50 * time.Millisecond

const closingBit = 1 << 62

// netFD is a non-blocking socket registered with a hub's epoll instance.
//
// Fields marked hub-only are touched only by greenlets and callbacks of
// fd.hub; the rest is safe from any goroutine.
type netFD struct {
	sysfd  int
	family int
	sotype int
	net    string
	hub    *gevent.Hub // nil: created off any hub; every wait is a poll(2)

	pfd      *gevent.FD // hub-only; replaced by rearm
	rWaiting bool       // hub-only: a greenlet waits to read
	wWaiting bool       // hub-only: a greenlet waits to write
	rWaitDL  int64      // hub-only: the deadline that wait uses
	wWaitDL  int64
	// rDrained (hub-only): the last read on the hub was short, and pfd
	// forgot the read readiness seen before it (FD.Drained): the next read
	// waits for a new edge first instead of trying the read that would
	// find EAGAIN (an echo's next message has not come yet, mostly).
	rDrained bool
	// readsAgain counts the reads that found EAGAIN (hub-only; for tests).
	readsAgain int
	// poisoned (hub-only): a greenlet was unwound (second kill, hub
	// shutdown) while waiting on pfd. The core leaves it registered as the
	// waiter, so pfd.Close would wake a dead greenlet; the registration is
	// abandoned instead (closing the descriptor removes it from epoll).
	poisoned bool

	state     atomic.Int64 // closingBit | references
	rdeadline atomic.Int64 // unix nanoseconds, 0: none
	wdeadline atomic.Int64
	rlock     ioLock
	wlock     ioLock

	addrMu sync.Mutex
	laddr  net.Addr
	raddr  net.Addr

	owner *hubFDs // the open sockets of fd.hub (nil: no hub)
	id    uint64  // fd's key in owner
}

// newFD wraps an open non-blocking socket. It registers it with the
// calling greenlet's hub when there is one; a goroutine of no hub gets a
// socket that waits with poll(2).
//
// A socket the program drops without closing is closed when the garbage
// collector finds it (as net's are), and one still open when its hub ends
// is closed then (see hubFDs).
func newFD(sysfd, family, sotype int, network string) (*netFD, error) {
	fd := &netFD{sysfd: sysfd, family: family, sotype: sotype, net: network}
	fd.state.Store(1)
	if h := callerHub(); h != nil {
		pfd, err := gevent.RegisterFD(sysfd)
		if err != nil {
			return nil, os.NewSyscallError("epoll_ctl", err)
		}
		fd.hub, fd.pfd = h, pfd
		fd.owner = hubFDsOf(h)
		fd.owner.add(fd)
	}
	// The finalizer runs on the runtime's finalizer goroutine: Close only
	// marks the socket and hands the hub-side clean-up to the hub with
	// Post (or, the hub gone, closes the descriptor itself).
	runtime.SetFinalizer(fd, (*netFD).Close)
	return fd, nil
}

// hubFDs holds weak pointers to the open sockets of one hub, so that the
// end of the hub closes those left open (their registration died with the
// hub's epoll instance; nothing could wait on them cooperatively again)
// without keeping a dropped socket from its finalizer.
type hubFDs struct {
	mu  sync.Mutex
	seq uint64
	m   map[uint64]weak.Pointer[netFD]
}

// hubsFDs maps each hub that has sockets to its hubFDs, until it closes.
var hubsFDs sync.Map // *gevent.Hub -> *hubFDs

// hubFDsOf returns the set of h's sockets, creating it (and the hook that
// closes them when h ends) on first use. Called on h's hub.
func hubFDsOf(h *gevent.Hub) *hubFDs {
	if v, ok := hubsFDs.Load(h); ok {
		return v.(*hubFDs)
	}
	s := &hubFDs{m: make(map[uint64]weak.Pointer[netFD])}
	hubsFDs.Store(h, s)
	h.AfterClose(func() {
		hubsFDs.Delete(h)
		s.closeAll()
	})
	return s
}

func (s *hubFDs) add(fd *netFD) {
	s.mu.Lock()
	s.seq++
	fd.id = s.seq
	s.m[fd.id] = weak.Make(fd)
	s.mu.Unlock()
}

func (s *hubFDs) remove(fd *netFD) {
	s.mu.Lock()
	delete(s.m, fd.id)
	s.mu.Unlock()
}

// closeAll closes the sockets still open (the hub has closed).
func (s *hubFDs) closeAll() {
	s.mu.Lock()
	fds := make([]*netFD, 0, len(s.m))
	for _, w := range s.m {
		if fd := w.Value(); fd != nil {
			fds = append(fds, fd)
		}
	}
	s.mu.Unlock()
	for _, fd := range fds {
		fd.Close()
	}
}

// callerHub returns the hub of the calling greenlet, or nil for a goroutine
// that is not a greenlet of any hub (a library's own goroutine, say).
func callerHub() *gevent.Hub { return gevent.GetHub() }

// onHub reports whether the caller may use the hub-only state.
func (fd *netFD) onHub() bool { return fd.hub != nil && fd.hub.OnHub() }

// incref takes a reference for an operation; it fails once Close began.
func (fd *netFD) incref() error {
	for {
		s := fd.state.Load()
		if s&closingBit != 0 {
			return net.ErrClosed
		}
		if fd.state.CompareAndSwap(s, s+1) {
			return nil
		}
	}
}

// decref drops a reference; the last one closes the descriptor.
func (fd *netFD) decref() {
	if fd.state.Add(-1) == closingBit {
		fd.destroy()
	}
}

func (fd *netFD) closing() bool { return fd.state.Load()&closingBit != 0 }

// Close marks the socket closed, wakes its waiters (they return
// net.ErrClosed) and closes the descriptor once no operation uses it.
func (fd *netFD) Close() error {
	for {
		s := fd.state.Load()
		if s&closingBit != 0 {
			return net.ErrClosed
		}
		if fd.state.CompareAndSwap(s, s|closingBit) {
			break
		}
	}
	if fd.hub != nil {
		if fd.onHub() {
			fd.closePFD()
		} else {
			fd.hub.Post(fd.closePFD)
		}
	}
	fd.decref()
	return nil
}

// destroy unregisters and closes the descriptor: on the hub, because the
// epoll registration is hub state; a closed hub no longer polls.
func (fd *netFD) destroy() {
	runtime.SetFinalizer(fd, nil)
	if fd.owner != nil {
		fd.owner.remove(fd)
	}
	if fd.hub != nil {
		if fd.onHub() {
			fd.closePFD()
			unix.Close(fd.sysfd)
			return
		}
		if fd.hub.Post(func() {
			fd.closePFD()
			unix.Close(fd.sysfd)
		}) {
			return
		}
	}
	unix.Close(fd.sysfd)
}

// closePFD unregisters the fd and wakes its waiters (hub-only).
func (fd *netFD) closePFD() {
	if !fd.poisoned {
		fd.pfd.Close(net.ErrClosed)
	}
}

// deadline returns the read or write deadline in unix nanoseconds.
func (fd *netFD) deadline(write bool) int64 {
	if write {
		return fd.wdeadline.Load()
	}
	return fd.rdeadline.Load()
}

// expired reports whether the deadline dl (unix nanoseconds) has passed.
func expired(dl int64) bool { return dl != 0 && time.Now().UnixNano() >= dl }

// setDeadline stores new deadlines and wakes greenlets that wait with an
// older one, so that a deadline set in the past interrupts a blocked call.
func (fd *netFD) setDeadline(t time.Time, read, write bool) error {
	if err := fd.incref(); err != nil {
		return err
	}
	defer fd.decref()
	var dl int64
	if !t.IsZero() {
		dl = t.UnixNano()
		if dl == 0 {
			dl = 1
		}
	}
	if read {
		fd.rdeadline.Store(dl)
	}
	if write {
		fd.wdeadline.Store(dl)
	}
	if fd.hub == nil {
		return nil
	}
	if fd.onHub() {
		fd.rearm()
	} else {
		fd.hub.Post(fd.rearm)
	}
	return nil
}

// rearm wakes on-hub waiters whose deadline changed (hub-only). The core FD
// offers no way to wake one waiter, so the registration is replaced: the old
// one is closed with errRearm and the waiters retry on the new one (epoll
// reports the current readiness of a newly added fd, so nothing is missed).
func (fd *netFD) rearm() {
	if fd.closing() || fd.poisoned {
		return
	}
	stale := (fd.rWaiting && fd.rWaitDL != fd.rdeadline.Load()) ||
		(fd.wWaiting && fd.wWaitDL != fd.wdeadline.Load())
	if !stale {
		return
	}
	fd.pfd.Close(errRearm)
	pfd, err := gevent.RegisterFD(fd.sysfd)
	if err != nil {
		// Out of resources: the socket can no longer wait; make it fail
		// (waiters see it closing before they look at the old FD again).
		fd.Close()
		return
	}
	fd.pfd = pfd
}

// wait waits until the socket is ready to read or write after a syscall
// returned EAGAIN, honouring its deadline: os.ErrDeadlineExceeded when it
// passes, net.ErrClosed after Close, and, on the hub, the kill or Timeout
// error of the calling greenlet unchanged.
func (fd *netFD) wait(write, onHub bool) error {
	if onHub {
		return fd.waitHub(write)
	}
	return fd.waitPoll(write)
}

func (fd *netFD) waitHub(write bool) error {
	if !write {
		// The wait consumes the readiness the hub saw (FD.WaitRead): a
		// read must follow before the next wait (rawConn.Read's may not
		// drain what arrived).
		fd.rDrained = false
	}
	waiting := false
	defer func() {
		if waiting { // unwound by a panic while parked
			fd.poisoned = true
		}
	}()
	for {
		if fd.closing() {
			return net.ErrClosed
		}
		dl := fd.deadline(write)
		timeout := time.Duration(-1)
		if dl != 0 {
			timeout = time.Until(time.Unix(0, dl))
			if timeout <= 0 {
				return os.ErrDeadlineExceeded
			}
		}
		pfd := fd.pfd
		var err error
		waiting = true
		if write {
			fd.wWaiting, fd.wWaitDL = true, dl
			err = pfd.WaitWrite(timeout)
			fd.wWaiting = false
		} else {
			fd.rWaiting, fd.rWaitDL = true, dl
			err = pfd.WaitRead(timeout)
			fd.rWaiting = false
		}
		waiting = false
		switch {
		case err == nil:
			return nil
		case fd.closing():
			if isInterrupt(err) {
				return err
			}
			return net.ErrClosed
		case err == errRearm:
			continue
		case isInterrupt(err):
			return err
		case errors.Is(err, gevent.ErrTimeout):
			// The per-call timeout standing for the deadline: loop to
			// re-check it (it may have been extended).
			continue
		default:
			return err
		}
	}
}

// isInterrupt reports whether err is a kill or Timeout scope of the calling
// greenlet (anything the core returns other than a per-call timeout or a
// close).
func isInterrupt(err error) bool {
	if err == nil || err == errRearm || errors.Is(err, net.ErrClosed) {
		return false
	}
	var t *gevent.Timeout
	if errors.As(err, &t) {
		return true
	}
	return !errors.Is(err, gevent.ErrTimeout)
}

// waitPoll is wait for goroutines that are not greenlets of the socket's
// hub: it blocks the calling goroutine in poll(2), in slices of at most
// offHubSlice so that Close and new deadlines are noticed.
func (fd *netFD) waitPoll(write bool) error {
	ev := int16(unix.POLLIN)
	if write {
		ev = unix.POLLOUT
	}
	for {
		if fd.closing() {
			return net.ErrClosed
		}
		slice := offHubSlice
		if dl := fd.deadline(write); dl != 0 {
			rem := time.Until(time.Unix(0, dl))
			if rem <= 0 {
				return os.ErrDeadlineExceeded
			}
			slice = min(slice, rem)
		}
		ms := int((slice + time.Millisecond - 1) / time.Millisecond)
		pfds := []unix.PollFd{{Fd: int32(fd.sysfd), Events: ev}}
		n, err := unix.Poll(pfds, ms)
		if err == unix.EINTR || n == 0 {
			continue
		}
		if err != nil {
			return os.NewSyscallError("poll", err)
		}
		if pfds[0].Revents&unix.POLLNVAL != 0 {
			return net.ErrClosed
		}
		return nil
	}
}

// begin starts an operation in one direction: a reference, the direction's
// lock and an early deadline check. end undoes it.
func (fd *netFD) begin(write bool) (onHub bool, err error) {
	if err := fd.incref(); err != nil {
		return false, err
	}
	onHub = fd.onHub()
	l := &fd.rlock
	if write {
		l = &fd.wlock
	}
	if err := l.lock(fd, onHub); err != nil {
		fd.decref()
		return onHub, err
	}
	if expired(fd.deadline(write)) {
		fd.end(write, onHub)
		return onHub, os.ErrDeadlineExceeded
	}
	return onHub, nil
}

func (fd *netFD) end(write, onHub bool) {
	if write {
		fd.wlock.unlock(fd, onHub)
	} else {
		fd.rlock.unlock(fd, onHub)
	}
	fd.decref()
}

// ioLock serialises the operations of one direction (two greenlets writing
// to one socket do not interleave their bytes). Greenlets of the socket's
// hub queue in FIFO order; other goroutines retry with a short sleep.
type ioLock struct {
	held    atomic.Bool
	waiters atomic.Int32
	wl      gevent.WaitList[struct{}] // hub-only
}

func (l *ioLock) lock(fd *netFD, onHub bool) error {
	if l.held.CompareAndSwap(false, true) {
		return nil
	}
	if !onHub {
		for d := 20 * time.Microsecond; !l.held.CompareAndSwap(false, true); d = min(2*d, time.Millisecond) {
			if fd.closing() {
				return net.ErrClosed
			}
			time.Sleep(d)
		}
		return nil
	}
	for {
		l.waiters.Add(1)
		if l.held.CompareAndSwap(false, true) {
			l.waiters.Add(-1)
			return nil
		}
		_, err := l.wl.Wait(-1)
		l.waiters.Add(-1)
		if err != nil {
			return err
		}
	}
}

func (l *ioLock) unlock(fd *netFD, onHub bool) {
	l.held.Store(false)
	if l.waiters.Load() == 0 {
		return
	}
	if onHub {
		l.wl.WakeOne(struct{}{})
	} else {
		fd.hub.Post(func() { l.wl.WakeOne(struct{}{}) })
	}
}

// read reads into p (recv on a stream socket).
func (fd *netFD) read(p []byte) (int, error) {
	onHub, err := fd.begin(false)
	if err != nil {
		return 0, err
	}
	defer fd.end(false, onHub)
	if onHub && fd.rDrained && len(p) > 0 {
		// Nothing has arrived since the last (short) read unless the hub
		// saw an edge, which this wait then returns at once for.
		if err := fd.wait(false, onHub); err != nil {
			return 0, err
		}
	}
	for {
		n, err := unix.Read(fd.sysfd, p)
		if err == nil {
			if n == 0 && len(p) > 0 && fd.sotype != unix.SOCK_DGRAM {
				return 0, errEOF
			}
			// TCP only: a unix stream read is also short between the
			// data of two writers when SO_PASSCRED is on, with the second
			// one's queued (TestShortReadBetweenUnixWriters).
			if onHub && n < len(p) && fd.sotype == unix.SOCK_STREAM && fd.family != unix.AF_UNIX && !fd.poisoned {
				fd.rDrained = fd.pfd.Drained()
			}
			return n, nil
		}
		if err == unix.EINTR {
			continue
		}
		if err != unix.EAGAIN {
			return 0, os.NewSyscallError("read", err)
		}
		if onHub {
			fd.readsAgain++
		}
		if err := fd.wait(false, onHub); err != nil {
			return 0, err
		}
	}
}

// write writes all of p.
func (fd *netFD) write(p []byte) (int, error) {
	onHub, err := fd.begin(true)
	if err != nil {
		return 0, err
	}
	defer fd.end(true, onHub)
	nn := 0
	for {
		n, err := unix.Write(fd.sysfd, p[nn:])
		if n > 0 {
			nn += n
		}
		if nn == len(p) && err == nil {
			return nn, nil
		}
		if err == unix.EINTR || (err == nil && n > 0) {
			continue
		}
		if err == unix.EAGAIN {
			if err := fd.wait(true, onHub); err != nil {
				return nn, err
			}
			continue
		}
		if err == nil {
			return nn, os.NewSyscallError("write", unix.EIO)
		}
		return nn, os.NewSyscallError("write", err)
	}
}

// recvfrom reads one datagram.
func (fd *netFD) recvfrom(p []byte) (int, unix.Sockaddr, error) {
	onHub, err := fd.begin(false)
	if err != nil {
		return 0, nil, err
	}
	defer fd.end(false, onHub)
	for {
		n, sa, err := unix.Recvfrom(fd.sysfd, p, 0)
		if err == nil {
			return n, sa, nil
		}
		if err == unix.EINTR {
			continue
		}
		if err != unix.EAGAIN {
			return 0, nil, os.NewSyscallError("recvfrom", err)
		}
		if err := fd.wait(false, onHub); err != nil {
			return 0, nil, err
		}
	}
}

// sendto sends one datagram (to the connected peer if sa is nil).
func (fd *netFD) sendto(p []byte, sa unix.Sockaddr) (int, error) {
	onHub, err := fd.begin(true)
	if err != nil {
		return 0, err
	}
	defer fd.end(true, onHub)
	for {
		var err error
		if sa == nil {
			_, err = unix.Write(fd.sysfd, p)
		} else {
			err = unix.Sendto(fd.sysfd, p, 0, sa)
		}
		if err == nil {
			return len(p), nil
		}
		if err == unix.EINTR {
			continue
		}
		if err != unix.EAGAIN {
			return 0, os.NewSyscallError("sendto", err)
		}
		if err := fd.wait(true, onHub); err != nil {
			return 0, err
		}
	}
}

// accept accepts one connection; the new descriptor is non-blocking.
func (fd *netFD) accept() (int, unix.Sockaddr, error) {
	onHub, err := fd.begin(false)
	if err != nil {
		return -1, nil, err
	}
	defer fd.end(false, onHub)
	for {
		nfd, sa, err := unix.Accept4(fd.sysfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err == nil {
			return nfd, sa, nil
		}
		switch err {
		case unix.EINTR, unix.ECONNABORTED:
			continue
		case unix.EAGAIN:
			if err := fd.wait(false, onHub); err != nil {
				return -1, nil, err
			}
			continue
		}
		return -1, nil, os.NewSyscallError("accept4", err)
	}
}

// connect connects the socket, waiting for the handshake.
func (fd *netFD) connect(sa unix.Sockaddr) error {
	onHub, err := fd.begin(true)
	if err != nil {
		return err
	}
	defer fd.end(true, onHub)
	for {
		err := unix.Connect(fd.sysfd, sa)
		if err == unix.EINTR {
			continue
		}
		if err == nil || err == unix.EISCONN {
			return nil
		}
		if err != unix.EINPROGRESS && err != unix.EALREADY {
			return os.NewSyscallError("connect", err)
		}
		break
	}
	for {
		if err := fd.wait(true, onHub); err != nil {
			return err
		}
		v, err := unix.GetsockoptInt(fd.sysfd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return os.NewSyscallError("getsockopt", err)
		}
		switch e := unix.Errno(v); e {
		case 0, unix.EISCONN:
			return nil
		case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
			continue
		default:
			return os.NewSyscallError("connect", e)
		}
	}
}
