package batch

import (
	"container/heap"
	"log/slog"
	"time"
)

// makeReady queues a held item to be sent: with the key's suspects when it
// is one, with its released items when it is evidence of a rejected call,
// with its ready items otherwise. A halted run or a condemned key fails it
// instead.
func (rn *run[T, R]) makeReady(e *entry[T]) {
	if rn.halted {
		rn.finish(e, rn.haltStatus, rn.haltFor(e))
		return
	}
	if dead := e.key.dead; dead != nil {
		rn.finish(e, StatusFailed, dead)
		return
	}
	switch {
	case e.suspect != nil:
		e.key.suspects.push(e)
		if e.suspect.held() {
			// Held back: no parked suspect may wait on e (invariant 3).
			rn.recheckParked(e.groups)
			return
		}
	case len(e.groups) > 0:
		e.key.released.push(e)
	default:
		e.key.ready.push(e)
	}
	rn.enqueue(e.key)
}

// sendable returns how many items the next call of ks would carry without
// waiting for more input: a part of its suspects and its ready items for a
// test call, its released and ready items for another.
func (rn *run[T, R]) sendable(ks *keyState[T]) int {
	n := ks.released.len() + ks.ready.len()
	if g := rn.testGroup(ks); g != nil {
		n = max(n, min(g.waiting.len(), rn.testPart(ks, g))+ks.ready.len())
	}
	return n
}

// pending reports whether ks holds items to send.
func (ks *keyState[T]) pending() bool {
	return ks.ready.len() > 0 || ks.released.len() > 0 || ks.suspects.len() > 0
}

// enqueue puts a key with ready items or suspects on the active queue, and
// on the full queue when it holds a full call's worth, unless it is already
// there.
func (rn *run[T, R]) enqueue(ks *keyState[T]) {
	if !ks.active {
		ks.active = true
		rn.active.push(ks)
	}
	if !ks.full && rn.sendable(ks) >= rn.set.maxItems {
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
		rn.makeReady(heap.Pop(&rn.waiting).(*entry[T]))
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

// nextCall picks the next call: due resends first, then full calls, then,
// when the input cannot fill calls any further, partial ones. Items proven
// guilty while they waited fail here instead of being sent.
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
		if !rn.dropGuilty(c) {
			rn.freeCall(c)
			continue
		}
		return c
	}
	for rn.full.len() > 0 {
		ks := rn.full.pop()
		ks.full = false
		if rn.sendable(ks) >= rn.set.maxItems {
			if c := rn.packCall(ks); c != nil {
				return c
			}
		}
	}
	if rn.partialsAge() {
		if rn.feed != nil {
			return rn.nextAged()
		}
		return nil
	}
	// A call sent waits for the send rate: partial calls wait until it
	// goes, so that items that come ready meanwhile (retries after a
	// healthy answer, most of all) ride in the same call instead of
	// spending the rate on calls of one item each. holding is set before
	// pacing is read, so the worker that takes pacing to zero sees it and
	// wakes the loop.
	rn.holding.Store(true)
	if rn.pacing.Load() > 0 {
		return nil
	}
	rn.holding.Store(false)
	for rn.active.len() > 0 {
		ks := rn.active.pop()
		ks.active = false
		if ks.pending() {
			if c := rn.packCall(ks); c != nil {
				return c
			}
		}
	}
	return nil
}

// partialsAge reports whether partial calls wait for more input: while the
// input may still fill calls (it is not done, and the buffer has room). A
// Batcher sends a partial call then once its oldest item has waited
// MaxDelay (nextAged); a Runner does not.
func (rn *run[T, R]) partialsAge() bool {
	return !rn.inputDone && rn.held < rn.set.MaxBuffered
}

// nextAged returns a partial call of a key whose oldest item has waited
// Options.MaxDelay, for a Batcher, or nil.
func (rn *run[T, R]) nextAged() *call[T, R] {
	now := rn.set.Clock.Now()
	for range rn.active.len() {
		ks := rn.active.pop()
		ks.active = false
		at, pending := rn.agedAt(ks)
		if !pending {
			continue
		}
		if !at.After(now) {
			if c := rn.packCall(ks); c != nil {
				return c
			}
			continue
		}
		ks.active = true
		rn.active.push(ks)
	}
	return nil
}

// agedAt returns when a Batcher must send the items of ks without waiting
// for a full call: when its oldest ready item has waited MaxDelay, or at
// once for suspects. pending is false when ks holds nothing to send.
func (rn *run[T, R]) agedAt(ks *keyState[T]) (at time.Time, pending bool) {
	if ks.suspects.len() > 0 {
		return time.Time{}, true
	}
	for _, q := range []*queue[*entry[T]]{&ks.ready, &ks.released} {
		if q.len() > 0 && (!pending || q.peek().added.Before(at)) {
			at, pending = q.peek().added, true
		}
	}
	return at.Add(rn.set.MaxDelay), pending
}

// packCall builds the next call of ks, never with two items of one
// identity: a test call (a part of its suspects filled up with ready items)
// or, alternating with test calls while both wait, a call of its released
// and ready items. It returns nil when every item it took had been proven
// guilty.
func (rn *run[T, R]) packCall(ks *keyState[T]) *call[T, R] {
	c := rn.newCall(ks)
	clear(rn.seen)
	if g := rn.testGroup(ks); g != nil {
		for part := rn.testPart(ks, g); len(c.entries) < part && g.waiting.len() > 0; {
			e := ks.suspects.pop(g)
			if _, dup := rn.seen[e.id]; dup || e.suspect != g {
				// Released, or the same identity as a suspect already in
				// the call: pending again instead.
				if e.suspect == g {
					rn.unsuspect(e)
				}
				e.suspect = nil
				ks.released.push(e)
				continue
			}
			rn.seen[e.id] = struct{}{}
			c.entries = append(c.entries, e)
		}
		if c.test = len(c.entries) > 0; c.test {
			c.tests = g
		}
	} else {
		c.entries, rn.skip = pack(&ks.released, rn.set.maxItems, c.entries, rn.seen, rn.skip)
	}
	c.entries, rn.skip = pack(&ks.ready, rn.set.maxItems, c.entries, rn.seen, rn.skip)
	if ks.pending() {
		rn.enqueue(ks)
	}
	if !rn.dropGuilty(c) {
		rn.freeCall(c)
		return nil
	}
	return c
}

func (rn *run[T, R]) send(c *call[T, R]) {
	c.items = c.items[:0]
	for _, e := range c.entries {
		c.items = append(c.items, e.item)
		e.sends++
		e.inFlight = true
	}
	if c.id.Load() == 0 {
		c.id.Store(lastCallID.Add(1))
	}
	if c.tests != nil {
		c.tests.testing++
	}
	rn.inFlight++
	rn.pacing.Add(1)
	rn.stats.Calls++
	if h := rn.set.Hooks.OnCall; h != nil {
		h(CallInfo{CallID: c.id.Load(), Operation: rn.op, Key: c.ks.key, Items: len(c.entries), Bisect: c.test})
	}
	if l := rn.set.Logger; l != nil && l.Enabled(rn.ctx, slog.LevelDebug) {
		l.LogAttrs(rn.ctx, slog.LevelDebug, "batch: sending call",
			slog.String("operation", rn.op), slog.String("key", c.ks.key),
			slog.Int("items", len(c.entries)), slog.Bool("test", c.test))
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
	err := rn.rate.Wait(c.ctx)
	if rn.pacing.Add(-1) == 0 && rn.holding.Load() {
		select {
		case rn.cleared <- struct{}{}:
		default: // the loop has a wake-up pending already
		}
	}
	if err != nil {
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
