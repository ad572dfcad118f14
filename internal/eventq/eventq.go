// Package eventq is the event queue of the send-rate simulations (batch's
// and redislimit's): events in simulated time, taken earliest first, and in
// the order they were pushed at one time, so a seeded run is deterministic.
package eventq

import (
	"container/heap"
	"time"
)

// Queue holds events of type E. The zero value is an empty queue.
type Queue[E any] struct {
	h   events[E]
	seq int
}

// Push adds ev at time at and returns its sequence number: 1 for the first
// push, one more for each next.
func (q *Queue[E]) Push(at time.Time, ev E) int {
	q.seq++
	heap.Push(&q.h, event[E]{at: at, seq: q.seq, ev: ev})
	return q.seq
}

// Pop removes the earliest event and returns it with its time and sequence
// number. The queue must not be empty.
func (q *Queue[E]) Pop() (at time.Time, seq int, ev E) {
	e := heap.Pop(&q.h).(event[E])
	return e.at, e.seq, e.ev
}

// Len returns the number of events queued.
func (q *Queue[E]) Len() int { return len(q.h) }

type event[E any] struct {
	at  time.Time
	seq int
	ev  E
}

type events[E any] []event[E]

func (h events[E]) Len() int { return len(h) }
func (h events[E]) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h events[E]) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *events[E]) Push(x any)   { *h = append(*h, x.(event[E])) }
func (h *events[E]) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
