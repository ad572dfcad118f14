package batch

import (
	"context"
	"time"
)

// succeed and finish build the outcome in rn.out: handing emit a pointer to a
// local would move every outcome to the heap.
func (rn *run[T, R]) succeed(e *entry[T], v R) {
	rn.out = Outcome[T, R]{Index: e.index, Item: e.item, Status: StatusSucceeded, Value: v, Attempts: e.sends}
	rn.report(e, &rn.out)
}

func (rn *run[T, R]) finish(e *entry[T], status Status, err *Error) {
	rn.out = Outcome[T, R]{Index: e.index, Item: e.item, Status: status, Err: err, Attempts: e.sends}
	rn.report(e, &rn.out)
}

// report hands an outcome to the caller and releases the entry.
func (rn *run[T, R]) report(e *entry[T], o *Outcome[T, R]) {
	if h := rn.set.Hooks.OnOutcome; h != nil {
		h(OutcomeInfo{Operation: rn.op, Index: o.Index, Status: o.Status, Err: o.Err, Attempts: o.Attempts})
	}
	rn.held--
	if o.Status == StatusCanceled {
		rn.canceled++
	}
	if !rn.consumerGone && !rn.emit(o) {
		// The stream's consumer stopped: cancel calls in flight; the loop
		// halts the rest without reporting more.
		rn.consumerGone = true
		rn.stop()
	}
	// From here on o may be overwritten: releasing e from the evidence of
	// rejected calls can report other items (isolate.go).
	if e.parked {
		delete(e.key.parked, e)
		e.parked = false
	}
	if len(e.groups) > 0 {
		rn.forget(e)
	}
	if ks := e.key; ks != nil {
		ks.refs--
		if ks.refs == 0 && rn.keys[ks.key] == ks {
			delete(rn.keys, ks.key)
		}
	}
	rn.freeEntry(e)
}

func (rn *run[T, R]) newEntry() *entry[T] {
	if n := len(rn.freeEntries); n > 0 {
		e := rn.freeEntries[n-1]
		rn.freeEntries = rn.freeEntries[:n-1]
		return e
	}
	return new(entry[T])
}

func (rn *run[T, R]) freeEntry(e *entry[T]) {
	*e = entry[T]{}
	if len(rn.freeEntries) < rn.set.MaxBuffered {
		rn.freeEntries = append(rn.freeEntries, e)
	}
}

func (rn *run[T, R]) newCall(ks *keyState[T]) *call[T, R] {
	var c *call[T, R]
	if n := len(rn.freeCalls); n > 0 {
		c = rn.freeCalls[n-1]
		rn.freeCalls = rn.freeCalls[:n-1]
	} else {
		c = &call[T, R]{}
		c.ctx = context.WithValue(rn.ctx, throttleKey{}, func() {
			// Report a throttled attempt at once: the SDK may retry it
			// for a while. Once per attempt the rate let go.
			c.throttled.Store(true)
			if c.signaled.Swap(true) {
				return
			}
			if _, cut := rn.rate.Done(CallResult{Sent: c.sent, Throttled: 1, InFlight: true}); cut {
				c.cut.Store(true)
			}
		})
		c.ctx = context.WithValue(c.ctx, paceKey{}, func(ctx context.Context) error {
			// The SDK retries a throttled attempt: the retry is one more
			// send at the run's rate. It runs inside Call, on the
			// goroutine that owns c until the call completes.
			if err := rn.rate.Wait(ctx); err != nil {
				return err
			}
			c.sent = rn.set.Clock.Now()
			c.signaled.Store(false)
			return nil
		})
		c.ctx = context.WithValue(c.ctx, callIDKey{}, &c.id)
	}
	c.ks = ks
	return c
}

func (rn *run[T, R]) freeCall(c *call[T, R]) {
	clear(c.entries)
	clear(c.items)
	clear(c.results)
	c.entries, c.items = c.entries[:0], c.items[:0]
	c.ks, c.results, c.err, c.panicked = nil, nil, nil, nil
	c.tests = nil
	c.test, c.notSent, c.elapsed = false, false, 0
	c.readyAt, c.sent = time.Time{}, time.Time{}
	c.throttled.Store(false)
	c.signaled.Store(false)
	c.cut.Store(false)
	c.id.Store(0)
	rn.freeCalls = append(rn.freeCalls, c)
}
