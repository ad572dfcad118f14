package batch

import (
	"container/heap"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// entry is an item held by a run: read from the input and not yet reported.
type entry[T any] struct {
	index     int
	item      T
	key       *keyState[T]
	id        string
	sends     int // calls that carried the item
	retries   int // times the item was scheduled to be sent again after a failure
	throttles int // times it was scheduled to be sent again after a throttle
	readyAt   time.Time
}

// keyState holds the items of one call key that are ready to be sent.
type keyState[T any] struct {
	key    string
	ready  queue[*entry[T]]
	refs   int    // entries of this key held by the run
	dead   *Error // set when an error condemned the whole key
	active bool   // in run.active
	full   bool   // in run.full
}

// call is one request to the adapter. Only the run's goroutine touches it,
// except between send and completion, when only the worker does.
type call[T, R any] struct {
	ks       *keyState[T]
	id       atomic.Uint64 // see CallID; a resend keeps the ID of the call it repeats
	entries  []*entry[T]
	items    []T
	bisect   bool
	readyAt  time.Time // when a call sent again as a whole is due
	ctx      context.Context
	results  []Result[R]
	err      error
	panicked any
	notSent  bool // canceled while waiting for the send rate
	seq      int  // send sequence number, for the rate control
	limited  bool // the call waited for the send rate
	elapsed  time.Duration

	throttled atomic.Bool
	cut       atomic.Bool // a throttle signalled in flight cut the send rate
}

// source yields input items one at a time.
type source[T any] interface {
	next() (T, bool)
}

type sliceSource[T any] struct {
	items []T
	i     int
}

func (s *sliceSource[T]) next() (T, bool) {
	if s.i >= len(s.items) {
		var zero T
		return zero, false
	}
	s.i++
	return s.items[s.i-1], true
}

type pullSource[T any] struct{ pull func() (T, bool) }

func (s pullSource[T]) next() (T, bool) { return s.pull() }

// run is the state of one Run or Stream. Everything but the worker side of
// calls belongs to the goroutine that called execute.
type run[T, R any] struct {
	a    Adapter[T, R]
	set  *settings
	op   string
	ctx  context.Context
	stop context.CancelFunc
	emit func(*Outcome[T, R]) bool
	src  source[T]

	read      int  // items read from the input
	inputDone bool // the input is exhausted
	held      int  // entries read and not yet reported
	inFlight  int

	halted       bool // no more sends; pending items fail with haltErr
	haltStatus   Status
	haltErr      *Error
	fatal        *Error // the error that ended the run, if any
	consumerGone bool   // the stream's consumer stopped iterating

	keys    map[string]*keyState[T]
	active  queue[*keyState[T]] // keys with ready entries
	full    queue[*keyState[T]] // keys with a full call's worth of ready entries
	pinned  queue[*call[T, R]]  // bisect halves and due resends, sent exactly as they are
	waiting retryHeap[T]        // items waiting to be sent again
	resends []*call[T, R]       // calls waiting to be sent again as a whole

	done  chan *call[T, R]
	g     errgroup.Group
	rate  *adaptiveRate
	bud   budget
	rng   *rand.Rand
	stats Stats

	out         Outcome[T, R] // scratch for report; emit copies it
	freeEntries []*entry[T]
	freeCalls   []*call[T, R]
	seen        map[string]struct{}
	skip        []*entry[T]

	canceledUnsent  *Error
	canceledInCall  *Error
	canceledWaiting *Error
}

func (r *Runner[T, R]) execute(ctx context.Context, src source[T], emit func(*Outcome[T, R]) bool) (Stats, error) {
	start := r.set.Clock.Now()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	rn := &run[T, R]{
		a:    r.adapter,
		set:  &r.set,
		op:   r.adapter.Operation(),
		ctx:  runCtx,
		stop: stop,
		emit: emit,
		src:  src,
		keys: make(map[string]*keyState[T]),
		done: make(chan *call[T, R], r.set.MaxInFlight),
		rate: newAdaptiveRate(&r.set),
		bud:  newBudget(r.set.RetryBudget),
		rng:  rand.New(r.set.Rand),
		seen: make(map[string]struct{}),
	}
	rn.g.SetLimit(r.set.MaxInFlight)
	rn.canceledUnsent = &Error{Code: CodeCanceled, Operation: rn.op, Message: "the run was canceled before the item was sent"}
	rn.canceledInCall = &Error{Code: CodeCanceled, Operation: rn.op, Message: "the run was canceled while the item's call was in flight; the service may have applied it"}
	rn.canceledWaiting = &Error{Code: CodeCanceled, Operation: rn.op, Message: "the run was canceled while the item waited to be sent again"}

	rn.loop()
	// Every call has completed (loop returns only with none in flight), so
	// Wait returns at once; it is here so no goroutine can outlive the run.
	_ = rn.g.Wait()
	rn.stats.Elapsed = r.set.Clock.Now().Sub(start)

	switch {
	case rn.fatal != nil:
		return rn.stats, rn.fatal
	case rn.consumerGone:
		return rn.stats, nil
	case ctx.Err() != nil:
		return rn.stats, fmt.Errorf("batch: %s: run canceled: %w", rn.op, context.Cause(ctx))
	}
	return rn.stats, nil
}

func (rn *run[T, R]) loop() {
	for {
		rn.fill()
		rn.promote()
		if rn.consumerGone {
			// Halting here, not inside report, keeps halt from running while
			// another loop is walking the structures it empties.
			rn.halt(StatusCanceled, rn.canceledUnsent)
		}
		rn.dispatch()
		if rn.inFlight == 0 && rn.held == 0 && (rn.inputDone || rn.halted) {
			return
		}
		rn.wait()
	}
}

// fill reads input until the buffer is full or the input ends.
func (rn *run[T, R]) fill() {
	for !rn.inputDone && !rn.halted && !rn.consumerGone && rn.held < rn.set.MaxBuffered {
		if rn.ctx.Err() != nil {
			rn.cancel()
			return
		}
		item, ok := rn.src.next()
		if !ok {
			rn.inputDone = true
			return
		}
		e := rn.newEntry()
		e.index, e.item = rn.read, item
		rn.read++
		rn.held++
		key, id, err := rn.prepare(item)
		if err != nil {
			rn.finish(e, StatusFailed, err)
			continue
		}
		ks := rn.keys[key]
		if ks == nil {
			ks = &keyState[T]{key: key}
			rn.keys[key] = ks
		}
		ks.refs++
		e.key, e.id = ks, id
		if ks.dead != nil {
			rn.finish(e, StatusFailed, ks.dead)
			continue
		}
		rn.makeReady(e)
	}
}

// prepare validates an item and computes its key and identity. A panic in
// the adapter fails only this item.
func (rn *run[T, R]) prepare(item T) (key, id string, err *Error) {
	defer func() {
		if p := recover(); p != nil {
			err = &Error{Code: CodeInternal, Operation: rn.op, Message: fmt.Sprintf("adapter panicked while validating the item: %v", p)}
		}
	}()
	if verr := rn.a.Validate(item); verr != nil {
		e := AsError(verr)
		if e.Code == CodeUnknown && e.Err == verr {
			e = &Error{Code: CodeInvalidInput, Err: verr}
		}
		if e.Operation == "" {
			e.Operation = rn.op
		}
		return "", "", e
	}
	return rn.a.Key(item), rn.a.Identity(item), nil
}

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
	if c.id.Load() == 0 {
		c.id.Store(lastCallID.Add(1))
	}
	rn.inFlight++
	rn.stats.Calls++
	now := rn.set.Clock.Now()
	c.seq = rn.rate.noteSend(now)
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
	if d := rn.rate.delay(start); d > 0 {
		c.limited = true
		ch, stop := clock.After(d)
		select {
		case <-ch:
		case <-c.ctx.Done():
			stop()
			c.notSent = true
			c.err = c.ctx.Err()
			return
		}
	}
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

// nextDue returns when the next waiting item or call is due.
func (rn *run[T, R]) nextDue() (time.Time, bool) {
	var due time.Time
	ok := false
	if len(rn.waiting) > 0 {
		due, ok = rn.waiting[0].readyAt, true
	}
	for _, c := range rn.resends {
		if !ok || c.readyAt.Before(due) {
			due, ok = c.readyAt, true
		}
	}
	return due, ok
}

// wait blocks until a call completes, a retry is due, or the run is
// canceled.
func (rn *run[T, R]) wait() {
	var timer <-chan time.Time
	if due, ok := rn.nextDue(); ok && !rn.halted {
		d := due.Sub(rn.set.Clock.Now())
		if d <= 0 {
			return
		}
		ch, stop := rn.set.Clock.After(d)
		defer stop()
		timer = ch
	}
	var canceled <-chan struct{}
	if !rn.halted {
		canceled = rn.ctx.Done()
	}
	if timer == nil && canceled == nil && rn.inFlight == 0 {
		// Nothing can make progress. The loop's invariants rule this out;
		// failing loudly beats hanging the caller.
		panic("batch: internal error: run has pending items but nothing to wait for")
	}
	select {
	case c := <-rn.done:
		rn.complete(c)
		for {
			select {
			case c := <-rn.done:
				rn.complete(c)
			default:
				return
			}
		}
	case <-timer:
	case <-canceled:
		rn.cancel()
	}
}

// complete turns a finished call into outcomes, retries or splits.
func (rn *run[T, R]) complete(c *call[T, R]) {
	rn.inFlight--
	now := rn.set.Clock.Now()
	throttled := c.throttled.Load()
	throttledItems := 0
	var callErr *Error
	switch {
	case c.notSent:
		for _, e := range c.entries {
			e.sends--
			rn.finish(e, StatusCanceled, rn.canceledFor(e))
		}
	case c.panicked != nil:
		callErr = &Error{Code: CodeInternal, Operation: rn.op, Message: fmt.Sprintf("adapter panicked during the call (its answer may have been applied): %v", c.panicked)}
		for _, e := range c.entries {
			rn.finish(e, StatusFailed, callErr)
		}
	case c.err != nil && rn.ctx.Err() != nil:
		for _, e := range c.entries {
			rn.finish(e, StatusCanceled, rn.canceledInCall)
		}
	case c.err != nil:
		var scope Scope
		callErr, scope = rn.classify(c.err)
		if callErr.Code == CodeThrottled {
			throttled = true
		}
		rn.failCall(c, callErr, scope)
	case len(c.results) != len(c.entries):
		callErr = &Error{Code: CodeUnmatched, Operation: rn.op, Message: fmt.Sprintf("adapter returned %d results for a call of %d items", len(c.results), len(c.entries))}
		for _, e := range c.entries {
			rn.finish(e, StatusFailed, callErr)
		}
	default:
		for i, e := range c.entries {
			res := &c.results[i]
			if res.Err == nil {
				rn.bud.earn()
				rn.succeed(e, res.Value)
				continue
			}
			err := res.Err
			if err.Operation == "" {
				err.Operation = rn.op
			}
			if err.Code == "" {
				err.Code = CodeUnknown
			}
			if err.Code == CodeThrottled {
				throttledItems++
			}
			rn.retryOrFail(e, err, now)
		}
	}
	weight := 0.0
	switch {
	case throttled:
		weight = 1
	case throttledItems > 0:
		throttled = true
		weight = float64(throttledItems) / float64(len(c.entries))
	}
	if throttled {
		rn.stats.ThrottledCalls++
	}
	if !c.notSent && c.ctx.Err() == nil {
		r, cut := rn.rate.completed(now, c.seq, c.elapsed, weight, c.limited)
		if c.cut.Load() && !cut {
			// The cut happened in flight; report the rate as it is now.
			r, cut = rn.rate.current(), true
		}
		if cut {
			if h := rn.set.Hooks.OnThrottle; h != nil {
				h(ThrottleInfo{Operation: rn.op, Key: c.ks.key, Rate: r})
			}
			if l := rn.set.Logger; l != nil {
				l.LogAttrs(rn.ctx, slog.LevelWarn, "batch: throttled; lowering send rate",
					slog.String("operation", rn.op), slog.String("key", c.ks.key), slog.Float64("rate", r))
			}
		}
	}
	if h := rn.set.Hooks.OnCall; h != nil {
		h(CallInfo{Operation: rn.op, Key: c.ks.key, Items: len(c.entries), Bisect: c.bisect,
			Done: true, Elapsed: c.elapsed, Err: callErr, Throttled: throttled})
	}
	rn.freeCall(c)
}

// classify asks the adapter what a call-level error means. A panic or a nil
// answer from the adapter is treated as an unknown, permanent failure of the
// call.
func (rn *run[T, R]) classify(err error) (e *Error, scope Scope) {
	defer func() {
		if p := recover(); p != nil {
			e = &Error{Code: CodeInternal, Operation: rn.op, Err: err, Message: fmt.Sprintf("adapter panicked while classifying an error: %v", p)}
			scope = ScopeCall
		}
	}()
	e, scope = rn.a.Classify(err)
	if e == nil {
		e = &Error{Code: CodeUnknown, Err: err}
	}
	if e.Operation == "" {
		e.Operation = rn.op
	}
	if e.Code == "" {
		e.Code = CodeUnknown
	}
	return e, scope
}

// failCall applies a call-level error to the call's items according to its
// scope.
func (rn *run[T, R]) failCall(c *call[T, R], err *Error, scope Scope) {
	now := rn.set.Clock.Now()
	switch scope {
	case ScopeRun:
		for _, e := range c.entries {
			rn.finish(e, StatusFailed, err)
		}
		rn.fatal = err
		if l := rn.set.Logger; l != nil {
			l.LogAttrs(rn.ctx, slog.LevelError, "batch: run ended by a call error",
				slog.String("operation", rn.op), slog.String("code", string(err.Code)), slog.String("service_code", err.ServiceCode))
		}
		rn.halt(StatusFailed, err)
	case ScopeKey:
		ks := c.ks
		if ks.dead == nil {
			ks.dead = err
			rn.condemn(ks)
		}
		for _, e := range c.entries {
			rn.finish(e, StatusFailed, err)
		}
	case ScopeItems:
		if rn.halted {
			for _, e := range c.entries {
				rn.finish(e, rn.haltStatus, rn.haltFor(e))
			}
			return
		}
		if len(c.entries) == 1 {
			rn.finish(c.entries[0], StatusFailed, err)
			return
		}
		rn.stats.Bisections++
		half := len(c.entries) / 2
		for _, part := range [][]*entry[T]{c.entries[:half], c.entries[half:]} {
			h := rn.newCall(c.ks)
			h.entries = append(h.entries, part...)
			h.bisect = true
			rn.pinned.push(h)
		}
	default:
		if err.Retryable && !rn.halted && c.ks.dead == nil {
			rn.resend(c, err, now)
			return
		}
		for _, e := range c.entries {
			rn.retryOrFail(e, err, now)
		}
	}
}

// resend schedules the items of a call that failed as a whole, retryably, to
// be sent again together, as the same call, after one backoff. The service
// may have applied the call before its answer was lost: an operation with a
// client token derived from the call's items (Wickr) then replays it instead
// of applying it twice. Items out of attempts or budget fail; the rest go
// together.
func (rn *run[T, R]) resend(c *call[T, R], err *Error, now time.Time) {
	h := rn.newCall(c.ks)
	h.bisect = c.bisect
	h.id.Store(c.id.Load())
	retries := 0
	for _, e := range c.entries {
		if rn.outOfAttempts(e, err) || !rn.spend(err) {
			rn.finish(e, StatusFailed, err)
			continue
		}
		rn.countRetry(e, err)
		retries = max(retries, e.retries+e.throttles)
		h.entries = append(h.entries, e)
	}
	if len(h.entries) == 0 {
		rn.freeCall(h)
		return
	}
	d := rn.backoff(retries)
	h.readyAt = now.Add(d)
	rn.resends = append(rn.resends, h)
	for _, e := range h.entries {
		rn.noteRetry(e, err, d)
	}
}

// condemn fails every held item of a key whose key-wide error is set, except
// those in flight, which fail when their calls return.
func (rn *run[T, R]) condemn(ks *keyState[T]) {
	for ks.ready.len() > 0 {
		rn.finish(ks.ready.pop(), StatusFailed, ks.dead)
	}
	// Waiting retries of the key fail when their backoff ends (promote), and
	// pinned halves when they come up (nextCall): both without a call.
	if l := rn.set.Logger; l != nil {
		l.LogAttrs(rn.ctx, slog.LevelWarn, "batch: key failed as a whole",
			slog.String("operation", rn.op), slog.String("key", ks.key), slog.String("code", string(ks.dead.Code)))
	}
	kept := rn.resends[:0]
	for _, c := range rn.resends {
		if c.ks != ks {
			kept = append(kept, c)
			continue
		}
		for _, e := range c.entries {
			rn.finish(e, StatusFailed, ks.dead)
		}
		rn.freeCall(c)
	}
	clear(rn.resends[len(kept):])
	rn.resends = kept
	var keep []*entry[T]
	for _, e := range rn.waiting {
		if e.key == ks {
			rn.finish(e, StatusFailed, ks.dead)
		} else {
			keep = append(keep, e)
		}
	}
	if len(keep) != len(rn.waiting) {
		rn.waiting = append(rn.waiting[:0], keep...)
		heap.Init(&rn.waiting)
	}
}

// retryOrFail schedules a failed item to be sent again when its error is
// retryable and attempts and budget allow, and fails it otherwise.
func (rn *run[T, R]) retryOrFail(e *entry[T], err *Error, now time.Time) {
	switch {
	case rn.halted:
		if rn.haltStatus == StatusCanceled {
			rn.finish(e, StatusCanceled, &Error{Code: CodeCanceled, Operation: rn.op, Message: "the run was canceled before the item could be sent again", Err: err})
		} else {
			rn.finish(e, StatusFailed, rn.haltErr)
		}
		return
	case e.key.dead != nil:
		rn.finish(e, StatusFailed, e.key.dead)
		return
	case !err.Retryable, rn.outOfAttempts(e, err), !rn.spend(err):
		rn.finish(e, StatusFailed, err)
		return
	}
	rn.countRetry(e, err)
	d := rn.backoff(e.retries + e.throttles)
	e.readyAt = now.Add(d)
	heap.Push(&rn.waiting, e)
	rn.noteRetry(e, err, d)
}

// throttleAttemptsFactor is how many more retries after throttles an item
// may have than MaxAttempts allows after other failures: a throttle is the
// service pacing the run, not the item failing, and under a small quota an
// item may be throttled several times before the send rate settles.
const throttleAttemptsFactor = 4

// outOfAttempts reports whether an item that just failed with err may not be
// sent again.
func (rn *run[T, R]) outOfAttempts(e *entry[T], err *Error) bool {
	if err.Code == CodeThrottled {
		return e.throttles+1 >= throttleAttemptsFactor*rn.set.MaxAttempts
	}
	return e.retries+1 >= rn.set.MaxAttempts
}

// countRetry counts a retry of e after err against the matching limit.
func (rn *run[T, R]) countRetry(e *entry[T], err *Error) {
	if err.Code == CodeThrottled {
		e.throttles++
	} else {
		e.retries++
	}
}

// spend draws one retry from the run's budget. Throttles are free: the send
// rate paces them and MaxAttempts bounds them, and a quota is not an outage.
func (rn *run[T, R]) spend(err *Error) bool {
	return err.Code == CodeThrottled || rn.bud.take()
}

// noteRetry counts a retry and tells hooks and the logger.
func (rn *run[T, R]) noteRetry(e *entry[T], err *Error, d time.Duration) {
	rn.stats.Retries++
	if h := rn.set.Hooks.OnRetry; h != nil {
		h(RetryInfo{Operation: rn.op, Index: e.index, Attempt: e.retries + e.throttles + 1, Delay: d, Err: err})
	}
	if l := rn.set.Logger; l != nil && l.Enabled(rn.ctx, slog.LevelDebug) {
		l.LogAttrs(rn.ctx, slog.LevelDebug, "batch: retrying item",
			slog.String("operation", rn.op), slog.Int("index", e.index), slog.Int("attempt", e.retries+e.throttles+1),
			slog.Duration("delay", d), slog.String("code", string(err.Code)))
	}
}

// backoff returns a full-jitter delay for the given retry.
func (rn *run[T, R]) backoff(retry int) time.Duration {
	ceil := rn.set.BackoffBase
	for i := 1; i < retry && ceil < rn.set.BackoffMax; i++ {
		ceil *= 2
	}
	ceil = min(ceil, rn.set.BackoffMax)
	if ceil <= 0 {
		return 0
	}
	return time.Duration(rn.rng.Int64N(int64(ceil)))
}

// cancel halts the run because its context ended.
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
	if ks := e.key; ks != nil {
		ks.refs--
		if ks.refs == 0 && ks.dead == nil && ks.ready.len() == 0 {
			delete(rn.keys, ks.key)
		}
	}
	rn.held--
	rn.freeEntry(e)
	if !rn.consumerGone && !rn.emit(o) {
		// The stream's consumer stopped: cancel calls in flight; the loop
		// halts the rest without reporting more.
		rn.consumerGone = true
		rn.stop()
	}
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
			c.throttled.Store(true)
			// Cut at once: the SDK may retry the attempt for a while.
			if _, cut := rn.rate.throttle(rn.set.Clock.Now(), c.seq); cut {
				c.cut.Store(true)
			}
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
	c.bisect, c.notSent, c.limited, c.elapsed = false, false, false, 0
	c.readyAt = time.Time{}
	c.throttled.Store(false)
	c.cut.Store(false)
	c.id.Store(0)
	rn.freeCalls = append(rn.freeCalls, c)
}

// retryHeap orders waiting retries by the time they are due.
type retryHeap[T any] []*entry[T]

func (h retryHeap[T]) Len() int           { return len(h) }
func (h retryHeap[T]) Less(i, j int) bool { return h[i].readyAt.Before(h[j].readyAt) }
func (h retryHeap[T]) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *retryHeap[T]) Push(x any)        { *h = append(*h, x.(*entry[T])) }
func (h *retryHeap[T]) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
