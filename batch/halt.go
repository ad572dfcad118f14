package batch

import "container/heap"

func (rn *run[T, R]) cancel() {
	rn.halt(StatusCanceled, rn.canceledUnsent)
}

// halt stops all sends and fails or cancels every held item not in flight.
func (rn *run[T, R]) halt(status Status, err *Error) {
	if rn.halted {
		return
	}
	rn.halted, rn.haltStatus, rn.haltErr = true, status, err
	for rn.pinned.len() > 0 {
		c := rn.pinned.pop()
		for _, e := range c.entries {
			rn.finish(e, status, rn.haltFor(e))
		}
		rn.freeCall(c)
	}
	for rn.active.len() > 0 {
		ks := rn.active.pop()
		ks.active = false
		for ks.ready.len() > 0 {
			e := ks.ready.pop()
			rn.finish(e, status, rn.haltFor(e))
		}
	}
	rn.full.reset()
	for _, c := range rn.resends {
		for _, e := range c.entries {
			rn.finish(e, status, rn.haltFor(e))
		}
		rn.freeCall(c)
	}
	clear(rn.resends)
	rn.resends = rn.resends[:0]
	for len(rn.waiting) > 0 {
		e := heap.Pop(&rn.waiting).(*entry[T])
		rn.finish(e, status, rn.haltFor(e))
	}
}

// haltFor returns the error for an item that halt stops.
func (rn *run[T, R]) haltFor(e *entry[T]) *Error {
	if rn.haltStatus == StatusCanceled {
		return rn.canceledFor(e)
	}
	return rn.haltErr
}

func (rn *run[T, R]) canceledFor(e *entry[T]) *Error {
	if e.sends > 0 {
		return rn.canceledWaiting
	}
	return rn.canceledUnsent
}

// succeed and finish build the outcome in rn.out: handing emit a pointer to a
// local would move every outcome to the heap.
