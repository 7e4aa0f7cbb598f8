package queue

import (
	"cmp"
	"container/heap"
)

type mode uint8

const (
	modeFifo mode = iota
	modeLifo
	modeHeap
)

// buffer holds the items: a ring (FIFO), a stack (LIFO) or a binary heap
// ordered by less (priority).
type buffer[T any] struct {
	mode mode
	a    []T
	head int // ring start (FIFO)
	n    int
	less func(a, b T) bool
}

func (b *buffer[T]) len() int { return b.n }

func (b *buffer[T]) push(v T) {
	switch b.mode {
	case modeFifo:
		if b.n == len(b.a) {
			b.grow()
		}
		i := b.head + b.n
		if i >= len(b.a) {
			i -= len(b.a)
		}
		b.a[i] = v
	case modeLifo:
		b.a = append(b.a, v)
	case modeHeap:
		b.a = append(b.a, v)
		b.n++
		heap.Push((*heapOf[T])(b), nil) // sifts up the last element
		return
	}
	b.n++
}

func (b *buffer[T]) grow() {
	na := make([]T, max(2*len(b.a), 8))
	for i := range b.n {
		j := b.head + i
		if j >= len(b.a) {
			j -= len(b.a)
		}
		na[i] = b.a[j]
	}
	b.a, b.head = na, 0
}

func (b *buffer[T]) pop() T {
	var zero T
	switch b.mode {
	case modeFifo:
		v := b.a[b.head]
		b.a[b.head] = zero
		b.head++
		if b.head == len(b.a) {
			b.head = 0
		}
		b.n--
		if b.n == 0 {
			b.head = 0
		}
		return v
	case modeLifo:
		v := b.a[b.n-1]
		b.a[b.n-1] = zero
		b.a = b.a[:b.n-1]
		b.n--
		return v
	default:
		heap.Pop((*heapOf[T])(b)) // moves the least element to the end
		v := b.a[b.n-1]
		b.a[b.n-1] = zero
		b.a = b.a[:b.n-1]
		b.n--
		return v
	}
}

func (b *buffer[T]) peek() T {
	switch b.mode {
	case modeFifo:
		return b.a[b.head]
	case modeLifo:
		return b.a[b.n-1]
	default:
		return b.a[0]
	}
}

func (b *buffer[T]) clear() {
	clear(b.a)
	if b.mode != modeFifo {
		b.a = b.a[:0]
	}
	b.head, b.n = 0, 0
}

// heapOf adapts a heap buffer to container/heap; Push and Pop leave the
// slice to the buffer.
type heapOf[T any] buffer[T]

func (h *heapOf[T]) Len() int           { return h.n }
func (h *heapOf[T]) Less(i, j int) bool { return h.less(h.a[i], h.a[j]) }
func (h *heapOf[T]) Swap(i, j int)      { h.a[i], h.a[j] = h.a[j], h.a[i] }
func (h *heapOf[T]) Push(any)           {}
func (h *heapOf[T]) Pop() any           { return nil }

// NewPriorityQueue returns a queue that yields the least item first, as
// ordered by less (gevent's PriorityQueue, a heap); items that compare
// equal come out in no particular order. maxsize <= 0 means unbounded.
func NewPriorityQueue[T any](maxsize int, less func(a, b T) bool) *Queue[T] {
	q := NewQueue[T](maxsize)
	q.buf.mode = modeHeap
	q.buf.less = less
	return q
}

// NewOrderedPriorityQueue is NewPriorityQueue ordered by cmp.Less.
func NewOrderedPriorityQueue[T cmp.Ordered](maxsize int) *Queue[T] {
	return NewPriorityQueue(maxsize, cmp.Less[T])
}
