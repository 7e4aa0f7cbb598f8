// Package gselect is gevent.select: Select and Poll on arbitrary file
// descriptors, waiting cooperatively. (The package is not called select
// because that is a Go keyword.)
//
// Both first ask poll(2) whether a descriptor is ready; only if none is do
// they wait. The calls of a hub's greenlets that wait form one FIFO list,
// and their descriptors are put in one epoll instance of the hub's, which
// the oldest waiter waits on through the hub (gevent.WaitRead); when it
// becomes readable, every waiter whose descriptors are ready is woken, in
// the order they started waiting, as in gevent. So they work on any
// pollable descriptor, including sockets of package socket that the hub
// already watches, and several greenlets may select on the same descriptor
// at once. Results are level-triggered, like select(2): readiness is not
// consumed, so all the waiters of a ready descriptor are woken, and one
// that finds it no longer ready when it runs (another greenlet read the
// data first) waits on. Call them from greenlets; the program's main goroutine
// becomes the default hub's main greenlet, as everywhere in this module,
// and any other goroutine of no hub gets a panic starting with "gselect:".
package gselect

import (
	"errors"
	"os"
	"time"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/internal/onhub"
	"golang.org/x/sys/unix"
)

// Event bits for Poll, as in select.poll.
const (
	POLLIN   = unix.POLLIN
	POLLPRI  = unix.POLLPRI
	POLLOUT  = unix.POLLOUT
	POLLERR  = unix.POLLERR
	POLLHUP  = unix.POLLHUP
	POLLNVAL = unix.POLLNVAL
)

// Select waits until some of the descriptors in r are readable, in w
// writable, or in x have an exceptional condition (POLLPRI), and returns
// those that are (gevent's select.select(r, w, x, timeout)).
//
// Without a timeout it waits until one is ready; with one it returns three
// empty lists (and no error) when it elapses; a timeout of 0 only polls.
// With all three lists empty it just sleeps for the timeout, as the seed
// programs use it. A kill or Timeout scope of the caller returns that error
// and nil lists; nothing is consumed. A descriptor that is not open makes it
// return an error wrapping unix.EBADF. Greenlets selecting on the same
// descriptor are all woken when it is ready, in the order they started
// waiting (gevent's order); readiness is not consumed.
func Select(r, w, x []int, timeout ...time.Duration) (rready, wready, xready []int, err error) {
	var fds []unix.PollFd
	add := func(list []int, ev int16) {
		for _, fd := range list {
			fds = append(fds, unix.PollFd{Fd: int32(fd), Events: ev})
		}
	}
	add(r, unix.POLLIN)
	add(w, unix.POLLOUT)
	add(x, unix.POLLPRI)
	n, err := wait(fds, timeout)
	if err != nil || n == 0 {
		return nil, nil, nil, err
	}
	for i, p := range fds {
		if p.Revents == 0 {
			continue
		}
		switch {
		case i < len(r):
			rready = append(rready, int(p.Fd))
		case i < len(r)+len(w):
			wready = append(wready, int(p.Fd))
		default:
			xready = append(xready, int(p.Fd))
		}
	}
	return rready, wready, xready, nil
}

// wait polls fds and, if none is ready, waits for one cooperatively. It
// returns how many entries have Revents set (0 on timeout).
func wait(fds []unix.PollFd, timeout []time.Duration) (int, error) {
	n, err := poll0(fds)
	if err != nil || n > 0 {
		return n, err
	}
	onhub.Get("gselect", "Select/Poll") // a goroutine of no hub panics here
	if len(timeout) > 0 && timeout[0] <= 0 {
		// A cooperative check, as every blocking call of the module makes.
		return 0, gevent.Sleep(0)
	}
	if len(fds) == 0 {
		if len(timeout) == 0 {
			var never gevent.WaitList[struct{}]
			_, err := never.Wait(-1)
			return 0, err
		}
		return 0, gevent.Sleep(timeout[0])
	}
	h, err := onhub.Blocking("gselect", "Select/Poll")
	if err != nil {
		return 0, err
	}
	n, err = waitShared(h, fds, timeout)
	var t *gevent.Timeout
	if errors.Is(err, gevent.ErrTimeout) && !errors.As(err, &t) {
		return 0, nil // our own timeout
	}
	return n, err
}

// poll0 polls fds without waiting; POLLNVAL becomes EBADF.
func poll0(fds []unix.PollFd) (int, error) {
	if len(fds) == 0 {
		return 0, nil
	}
	for {
		n, err := unix.Poll(fds, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, os.NewSyscallError("poll", err)
		}
		for _, p := range fds {
			if p.Revents&unix.POLLNVAL != 0 {
				return 0, os.NewSyscallError("select", unix.EBADF)
			}
		}
		return n, nil
	}
}

// Poll is gevent's select.poll(): a set of descriptors with the events of
// interest for each. A zero Poll is ready to use. It is not safe for use by
// several greenlets at once.
type Poll struct {
	fds   []int
	event map[int]int16
}

// PollEvent is one ready descriptor and the events it reported.
type PollEvent struct {
	Fd     int
	Events int16
}

// Register adds fd with the events of interest (POLLIN|POLLPRI|POLLOUT if
// events is 0, as Python); registering again modifies it.
func (p *Poll) Register(fd int, events int16) {
	if events == 0 {
		events = POLLIN | POLLPRI | POLLOUT
	}
	if p.event == nil {
		p.event = map[int]int16{}
	}
	if _, ok := p.event[fd]; !ok {
		p.fds = append(p.fds, fd)
	}
	p.event[fd] = events
}

// Modify changes the events of a registered fd; it returns an error
// wrapping unix.ENOENT for an fd that is not registered.
func (p *Poll) Modify(fd int, events int16) error {
	if _, ok := p.event[fd]; !ok {
		return os.NewSyscallError("modify", unix.ENOENT)
	}
	p.Register(fd, events)
	return nil
}

// Unregister removes fd; it returns an error wrapping unix.ENOENT (Python's
// KeyError) if it was not registered.
func (p *Poll) Unregister(fd int) error {
	if _, ok := p.event[fd]; !ok {
		return os.NewSyscallError("unregister", unix.ENOENT)
	}
	delete(p.event, fd)
	for i, f := range p.fds {
		if f == fd {
			p.fds = append(p.fds[:i], p.fds[i+1:]...)
			break
		}
	}
	return nil
}

// Poll waits until a registered descriptor reports an event of interest
// (or POLLERR, POLLHUP, POLLNVAL) and returns the ready ones in
// registration order.
//
// Without a timeout it waits until one is ready; when the timeout elapses
// it returns an empty list and no error; a timeout of 0 only polls. A kill
// or Timeout scope of the caller returns that error; nothing is consumed.
// Unlike Select, a closed descriptor is reported with POLLNVAL rather than
// as an error. Waiters are woken in the order they started waiting, as
// Select's are.
func (p *Poll) Poll(timeout ...time.Duration) ([]PollEvent, error) {
	fds := make([]unix.PollFd, len(p.fds))
	for i, fd := range p.fds {
		fds[i] = unix.PollFd{Fd: int32(fd), Events: p.event[fd]}
	}
	n, err := wait(fds, timeout)
	var ne *os.SyscallError
	if errors.As(err, &ne) && ne.Err == unix.EBADF {
		n, err = len(fds), nil
	}
	if err != nil || n == 0 {
		return nil, err
	}
	var out []PollEvent
	for _, f := range fds {
		if f.Revents != 0 {
			out = append(out, PollEvent{Fd: int(f.Fd), Events: f.Revents})
		}
	}
	return out, nil
}
