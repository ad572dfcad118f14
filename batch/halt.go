package batch

import "container/heap"

// cancel halts the run because its context ended.
func (rn *run[T, R]) cancel() {
	rn.halt(StatusCanceled, rn.canceledUnsent)
}

// errStalled is the message of the error that ends a run whose loop found
// nothing to wait for; see the invariants on run.loop.
const errStalled = "the engine had items pending and nothing to wait for (a batchkit bug; please report it)"

// stall ends a run that can make no progress: every held item still
// reachable fails with an internal error, and Run reports the rest with it.
func (rn *run[T, R]) stall() {
	err := &Error{Code: CodeInternal, Operation: rn.op, Message: errStalled}
	if rn.fatal == nil {
		rn.fatal = err
	}
	rn.halted = false
	rn.halt(StatusFailed, err)
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
		rn.active.pop().active = false
	}
	for rn.full.len() > 0 {
		rn.full.pop().full = false
	}
	for _, ks := range rn.keys {
		for ks.ready.len() > 0 {
			e := ks.ready.pop()
			rn.finish(e, status, rn.haltFor(e))
		}
		ks.suspects.drain(func(e *entry[T]) { rn.finish(e, status, rn.haltFor(e)) })
		for ks.released.len() > 0 {
			e := ks.released.pop()
			rn.finish(e, status, rn.haltFor(e))
		}
		for e := range ks.parked {
			rn.finish(e, status, rn.haltFor(e))
		}
	}
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
