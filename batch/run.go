package batch

import (
	"context"
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
	added     time.Time // when a Batcher read it, for Options.MaxDelay

	// Isolation of bad items (isolate.go).
	inFlight bool           // a call carrying it is in flight
	cleared  bool           // a call carrying it was answered: its input is valid
	suspect  *rejected[T]   // set for a suspect: the rejected call it is tested for
	parked   bool           // a suspect waiting to be convicted by elimination
	guilty   *Error         // proven guilty while it waited in a queue
	groups   []*rejected[T] // rejected calls it was in, while they are evidence
}

// keyState holds the items of one call key that are ready to be sent.
type keyState[T any] struct {
	key   string
	ready queue[*entry[T]]
	// suspects wait to be tested, a part at a time, in calls filled with
	// ready items; parked suspects wait for elimination; released items were
	// in a rejected call and are pending again, but never fill a test call
	// (isolate.go).
	suspects suspectQueue[T]
	released queue[*entry[T]]
	parked   map[*entry[T]]struct{}
	refs     int    // entries of this key held by the run
	dead     *Error // set when an error condemned the whole key
	active   bool   // in run.active
	full     bool   // in run.full
}

// call is one request to the adapter. Only the run's goroutine touches it,
// except between send and completion, when only the worker does.
type call[T, R any] struct {
	ks       *keyState[T]
	id       atomic.Uint64 // see CallID; a resend keeps the ID of the call it repeats
	entries  []*entry[T]
	items    []T
	test     bool         // the call tests suspects of a rejected call
	tests    *rejected[T] // the rejected call whose suspects it tests
	readyAt  time.Time    // when a call sent again as a whole is due
	ctx      context.Context
	results  []Result[R]
	err      error
	panicked any
	notSent  bool      // canceled while waiting for the send rate
	sent     time.Time // when the send rate let the call's latest HTTP attempt go (PaceRetry sets it during Call)
	elapsed  time.Duration

	throttled atomic.Bool // an HTTP attempt of the call was throttled
	signaled  atomic.Bool // the latest attempt's throttle was reported in flight
	cut       atomic.Bool // a throttle signalled in flight cut the send rate
}

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
	// feed is the source when a Batcher drives the run: items arrive over
	// time, dry is set while it has none, and a key's items go out in a
	// partial call once the oldest has waited MaxDelay.
	feed *feed[T]
	dry  bool

	read      int  // items read from the input
	inputDone bool // the input is exhausted
	held      int  // entries read and not yet reported
	inFlight  int
	canceled  int // items reported as canceled

	halted       bool // no more sends; pending items fail with haltErr
	haltStatus   Status
	haltErr      *Error
	fatal        *Error // the error that ended the run, if any
	consumerGone bool   // the stream's consumer stopped iterating

	keys    map[string]*keyState[T]
	dead    deadKeys            // condemned keys, remembered after their last item
	active  queue[*keyState[T]] // keys with ready entries
	full    queue[*keyState[T]] // keys with a full call's worth of ready entries
	pinned  queue[*call[T, R]]  // due resends, sent exactly as they are
	waiting retryHeap[T]        // items waiting to be sent again
	resends []*call[T, R]       // calls waiting to be sent again as a whole

	done chan *call[T, R]
	// pacing counts the calls sent that still wait for the send rate;
	// holding says the loop holds partial calls back until none does, and
	// cleared wakes it when the last one stops waiting (schedule.go).
	pacing  atomic.Int32
	holding atomic.Bool
	cleared chan struct{}
	g       errgroup.Group
	rate    limiter
	bud     budget
	rng     *rand.Rand
	stats   Stats

	out         Outcome[T, R] // scratch for report; emit copies it
	freeEntries []*entry[T]
	freeCalls   []*call[T, R]
	seen        map[string]struct{}
	evidence    []*rejected[T] // scratch for reject
	skip        []*entry[T]

	canceledUnsent   *Error
	canceledInCall   *Error
	canceledWaiting  *Error
	canceledByCaller *Error
}

func (r *Runner[T, R]) execute(ctx context.Context, src source[T], emit func(*Outcome[T, R]) bool) (Stats, error) {
	start := r.set.Clock.Now()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	rn := &run[T, R]{
		a:       r.adapter,
		set:     &r.set,
		op:      r.adapter.Operation(),
		ctx:     runCtx,
		stop:    stop,
		emit:    emit,
		src:     src,
		keys:    make(map[string]*keyState[T]),
		done:    make(chan *call[T, R], r.set.MaxInFlight),
		cleared: make(chan struct{}, 1),
		rate:    newLimiter(&r.set),
		bud:     newBudget(r.set.RetryBudget),
		rng:     rand.New(r.newSource()),
		seen:    make(map[string]struct{}),
	}
	if f, ok := src.(*feed[T]); ok {
		rn.feed = f
	}
	rn.g.SetLimit(r.set.MaxInFlight)
	rn.canceledUnsent = &Error{Code: CodeCanceled, Operation: rn.op, Message: "the run was canceled before the item was sent"}
	rn.canceledInCall = &Error{Code: CodeCanceled, Operation: rn.op, Message: "the run was canceled while the item's call was in flight; the service may have applied it"}
	rn.canceledByCaller = &Error{Code: CodeCanceled, Operation: rn.op, Message: "the caller's context ended before the item was sent"}
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
	case ctx.Err() != nil && (rn.canceled > 0 || !rn.inputDone):
		// The run's error names a cancellation only when the cancellation
		// left items without an answer (issue 8, bug 10): errors.Is on it
		// agrees with the outcomes.
		return rn.stats, &Error{Code: CodeCanceled, Operation: rn.op, Message: "the run was canceled", Err: context.Cause(ctx)}
	}
	return rn.stats, nil
}

// loop drives the run until every held item is reported and no call is in
// flight. Each turn reads input (fill), moves due retries back to their keys
// (promote) and sends calls (dispatch), then blocks in wait.
//
// Before it blocks, the loop re-establishes these invariants, so that wait
// always has something that will wake it (issue 8, bug 1: a key condemned
// while its items sat in the pinned queue released buffer space after fill
// had run, and the run waited on nothing for ever):
//
//  1. fill cannot read: the input is done, the run is halted, the buffer
//     holds MaxBuffered items, or a Batcher's feed is dry (wait then
//     watches it). Anything that reports an item frees buffer space, so the
//     loop turns again whenever fill could read after it ran.
//  2. dispatch cannot send: MaxInFlight calls are in flight, or no call is
//     ready. A call is ready when a pinned call waits, a key holds a full
//     call's worth of ready items and suspects to test, or (input done or
//     buffer full, and no call sent waits for the send rate) any key holds
//     a ready item or a suspect, or (a Batcher, neither) a key's oldest
//     item has waited MaxDelay: wait's timer covers the next one, and a
//     call that stops waiting for the rate wakes wait (cleared). wait
//     turns at once only for what dispatch would then send.
//  3. Every held item not in flight is ready, a suspect, parked, pinned, or
//     waiting for its backoff. A parked suspect waits for other items of a
//     rejected call it was in, which are held, not parked and not held
//     back (items are parked only after a call that held them, so they
//     cannot wait on each other), or it is tested again. A suspect held
//     back waits for the suspects of a rejected test of its rejected call
//     (isolate.go), which are newer, so cannot wait on it in turn. With 1
//     and 2, a held item not in flight therefore waits for a backoff or
//     for an item that does, so either a call is in flight or a retry
//     timer is due: wait has something to wake it.
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
		if rn.canFill() {
			// promote or dispatch reported items (of a condemned key) after
			// fill ran: read more before blocking (invariant 1).
			continue
		}
		if !rn.wait() {
			return
		}
	}
}

// canFill reports whether fill would read an item.
func (rn *run[T, R]) canFill() bool {
	return rn.canRead() && !rn.dry
}

// canRead reports whether the run would read input that is available.
func (rn *run[T, R]) canRead() bool {
	return !rn.inputDone && !rn.halted && !rn.consumerGone && rn.held < rn.set.MaxBuffered
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
	if rn.feed != nil && rn.inFlight < rn.set.MaxInFlight && rn.partialsAge() {
		// A Batcher's partial calls fall due with their oldest item; with
		// every slot in flight, a completion wakes the loop first. Once
		// the input cannot fill calls, they go as soon as no call waits
		// for the send rate, and a call leaving the rate wakes the loop
		// (cleared): an aged key is no reason to turn then, or the loop
		// spins (TestRegressionBatcherSpunWhileACallWaitedForTheRate).
		for _, ks := range rn.active.buf[rn.active.head:] {
			if at, pending := rn.agedAt(ks); pending && (!ok || at.Before(due)) {
				due, ok = at, true
			}
		}
	}
	return due, ok
}

// wait blocks until a call completes, a retry is due, or the run is
// canceled. It returns false when nothing could ever wake it, after ending
// the run with an internal error.
func (rn *run[T, R]) wait() bool {
	var timer <-chan time.Time
	if due, ok := rn.nextDue(); ok && !rn.halted {
		d := due.Sub(rn.set.Clock.Now())
		if d <= 0 {
			return true
		}
		ch, stop := rn.set.Clock.After(d)
		defer stop()
		timer = ch
	}
	var canceled <-chan struct{}
	if !rn.halted {
		canceled = rn.ctx.Done()
	}
	var fed <-chan struct{}
	if rn.feed != nil && rn.dry && rn.canRead() {
		fed = rn.feed.avail
	}
	if timer == nil && fed == nil && rn.inFlight == 0 {
		// Nothing can make progress: the loop's invariants rule this out.
		// Should it happen anyway, the run ends with every held item failed
		// as an internal error rather than blocking its caller for ever.
		rn.stall()
		return false
	}
	select {
	case c := <-rn.done:
		rn.complete(c)
		for {
			select {
			case c := <-rn.done:
				rn.complete(c)
			default:
				return true
			}
		}
	case <-rn.cleared:
	case <-timer:
	case <-fed:
		rn.dry = false
	case <-canceled:
		rn.cancel()
	}
	return true
}
