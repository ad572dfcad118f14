package batch

// queue is a FIFO backed by a slice that reuses its storage. The zero value is
// an empty queue.
type queue[E any] struct {
	buf  []E
	head int
}

func (q *queue[E]) len() int { return len(q.buf) - q.head }

func (q *queue[E]) push(e E) {
	if q.head > 0 && q.head == len(q.buf) {
		// Empty: restart at the front so the storage is reused.
		q.buf, q.head = q.buf[:0], 0
	}
	q.buf = append(q.buf, e)
}

// peek returns the front element; the queue must not be empty.
func (q *queue[E]) peek() E { return q.buf[q.head] }

func (q *queue[E]) pop() E {
	var zero E
	e := q.buf[q.head]
	q.buf[q.head] = zero
	q.head++
	if q.head == len(q.buf) {
		q.buf, q.head = q.buf[:0], 0
	} else if q.head > 1024 && q.head > len(q.buf)/2 {
		n := copy(q.buf, q.buf[q.head:])
		clear(q.buf[n:])
		q.buf, q.head = q.buf[:n], 0
	}
	return e
}

// pushFront puts es back at the front, in order.
func (q *queue[E]) pushFront(es []E) {
	if len(es) == 0 {
		return
	}
	if q.head >= len(es) {
		q.head -= len(es)
		copy(q.buf[q.head:], es)
		return
	}
	rest := q.buf[q.head:]
	nb := make([]E, 0, len(es)+len(rest)+8)
	nb = append(nb, es...)
	nb = append(nb, rest...)
	q.buf, q.head = nb, 0
}
