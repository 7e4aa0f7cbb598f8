package queue_test

import (
	"iter"
	"testing"

	"github.com/gevent-go/gevent"
	"github.com/gevent-go/gevent/queue"
)

// BenchmarkQueueRoundTrip: two greenlets bounce an item over two queues;
// ns/op is per round trip (Put + Get each way).
func BenchmarkQueueRoundTrip(b *testing.B) {
	gevent.Run(func() error {
		var ping, pong queue.Queue[int]
		n := b.N
		g := gevent.Go(func() {
			for range n {
				v, _ := ping.Get()
				pong.Put(v)
			}
		})
		b.ResetTimer()
		for i := range n {
			ping.Put(i)
			pong.Get()
		}
		g.Join()
		return nil
	})
}

// BenchmarkChannelHandOff: one greenlet puts into a Channel, another gets;
// ns/op is per item handed off.
func BenchmarkChannelHandOff(b *testing.B) {
	gevent.Run(func() error {
		var c queue.Channel[int]
		n := b.N
		g := gevent.Go(func() {
			for range n {
				c.Get()
			}
		})
		b.ResetTimer()
		for i := range n {
			c.Put(i)
		}
		g.Join()
		return nil
	})
}

// BenchmarkAnchorChanPingPong: Go channel round trip between two
// goroutines, measured in the same run.
func BenchmarkAnchorChanPingPong(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	for i := 0; b.Loop(); i++ {
		ping <- i
		<-pong
	}
	close(ping)
}

// BenchmarkAnchorPull: iter.Pull next() round trip (two coroutine switches).
func BenchmarkAnchorPull(b *testing.B) {
	next, stop := iter.Pull(func(yield func(int) bool) {
		for i := 0; yield(i); i++ {
		}
	})
	defer stop()
	for b.Loop() {
		next()
	}
}

// BenchmarkChannelHandOffSpawned is BenchmarkChannelHandOff as
// ../shared/anchors/gevent_micro.py writes it: both sides spawned.
func BenchmarkChannelHandOffSpawned(b *testing.B) {
	gevent.Run(func() error {
		var c queue.Channel[int]
		n := b.N
		b.ResetTimer()
		a := gevent.Go(func() {
			for i := range n {
				c.Put(i)
			}
		})
		g := gevent.Go(func() {
			for range n {
				c.Get()
			}
		})
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{a, g})
		return nil
	})
}

// BenchmarkQueueRoundTripSpawned is BenchmarkQueueRoundTrip with both
// sides spawned, as in gevent_micro.py.
func BenchmarkQueueRoundTripSpawned(b *testing.B) {
	gevent.Run(func() error {
		var ping, pong queue.Queue[int]
		n := b.N
		b.ResetTimer()
		a := gevent.Go(func() {
			for i := range n {
				ping.Put(i)
				pong.Get()
			}
		})
		g := gevent.Go(func() {
			for range n {
				v, _ := ping.Get()
				pong.Put(v)
			}
		})
		gevent.JoinAll([]*gevent.Greenlet[struct{}]{a, g})
		return nil
	})
}
