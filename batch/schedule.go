package batch

import (
	"container/heap"
	"log/slog"
)

func (rn *run[T, R]) makeReady(e *entry[T]) {
	e.key.ready.push(e)
	rn.enqueue(e.key)
}

// enqueue puts a key with ready items on the active queue, and on the full
// queue when it holds a full call's worth, unless it is already there.
func (rn *run[T, R]) enqueue(ks *keyState[T]) {
	if !ks.active {
		ks.active = true
		rn.active.push(ks)
	}
	if !ks.full && ks.ready.len() >= rn.set.maxItems {
		ks.full = true
		rn.full.push(ks)
	}
}

// promote moves retries whose backoff has elapsed back to their key.
func (rn *run[T, R]) promote() {
	if len(rn.waiting) == 0 && len(rn.resends) == 0 {
		return
	}
	now := rn.set.Clock.Now()
	kept := rn.resends[:0]
	for _, c := range rn.resends {
		if c.readyAt.After(now) {
			kept = append(kept, c)
		} else {
			rn.pinned.push(c)
		}
	}
	clear(rn.resends[len(kept):])
	rn.resends = kept
	for len(rn.waiting) > 0 && !rn.waiting[0].readyAt.After(now) {
		e := heap.Pop(&rn.waiting).(*entry[T])
		if e.key.dead != nil {
			rn.finish(e, StatusFailed, e.key.dead)
			continue
		}
		rn.makeReady(e)
	}
}

// dispatch sends calls while there is room in flight.
func (rn *run[T, R]) dispatch() {
	for rn.inFlight < rn.set.MaxInFlight && !rn.halted && !rn.consumerGone {
		if rn.ctx.Err() != nil {
			rn.cancel()
			return
		}
		c := rn.nextCall()
		if c == nil {
			return
		}
		rn.send(c)
	}
}

// nextCall picks the next call: bisect halves first, then full calls, then,
// when the input cannot fill calls any further, partial ones.
func (rn *run[T, R]) nextCall() *call[T, R] {
	for rn.pinned.len() > 0 {
		c := rn.pinned.pop()
		if dead := c.ks.dead; dead != nil {
			for _, e := range c.entries {
				rn.finish(e, StatusFailed, dead)
			}
			rn.freeCall(c)
			continue
		}
		return c
	}
	for rn.full.len() > 0 {
		ks := rn.full.pop()
		ks.full = false
		if ks.ready.len() >= rn.set.maxItems {
			return rn.packCall(ks)
		}
	}
	if !rn.inputDone && rn.held < rn.set.MaxBuffered {
		return nil
	}
	for rn.active.len() > 0 {
		ks := rn.active.pop()
		ks.active = false
		if ks.ready.len() > 0 {
			return rn.packCall(ks)
		}
	}
	return nil
}

func (rn *run[T, R]) packCall(ks *keyState[T]) *call[T, R] {
	c := rn.newCall(ks)
	c.entries, rn.skip = pack(&ks.ready, rn.set.maxItems, c.entries, rn.seen, rn.skip)
	if ks.ready.len() > 0 {
		rn.enqueue(ks)
	}
	return c
}

func (rn *run[T, R]) send(c *call[T, R]) {
	c.items = c.items[:0]
	for _, e := range c.entries {
		c.items = append(c.items, e.item)
		e.sends++
	}
	rn.inFlight++
	rn.stats.Calls++
	if h := rn.set.Hooks.OnCall; h != nil {
		h(CallInfo{Operation: rn.op, Key: c.ks.key, Items: len(c.entries), Bisect: c.bisect})
	}
	if l := rn.set.Logger; l != nil && l.Enabled(rn.ctx, slog.LevelDebug) {
		l.LogAttrs(rn.ctx, slog.LevelDebug, "batch: sending call",
			slog.String("operation", rn.op), slog.String("key", c.ks.key),
			slog.Int("items", len(c.entries)), slog.Bool("bisect", c.bisect))
	}
	rn.g.Go(func() error {
		rn.work(c)
		rn.done <- c
		return nil
	})
}

// work runs on a worker goroutine: it waits for the send rate, then calls
// the adapter. It touches only c.
func (rn *run[T, R]) work(c *call[T, R]) {
	clock := rn.set.Clock
	start := clock.Now()
	if err := rn.rate.Wait(c.ctx); err != nil {
		c.notSent = true
		c.err = err
		return
	}
	c.sent = clock.Now()
	defer func() {
		c.elapsed = clock.Now().Sub(start)
		// An adapter that panics on a malformed answer fails its call's
		// items instead of the caller's process; see Adapter.Call.
		if p := recover(); p != nil {
			c.panicked = p
		}
	}()
	c.results, c.err = rn.a.Call(c.ctx, c.ks.key, c.items)
}
