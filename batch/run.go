package batch

import (
	"context"
	"fmt"
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
	entries  []*entry[T]
	items    []T
	bisect   bool
	readyAt  time.Time // when a call sent again as a whole is due
	ctx      context.Context
	results  []Result[R]
	err      error
	panicked any
	notSent  bool      // canceled while waiting for the send rate
	sent     time.Time // when the send rate let the call go
	elapsed  time.Duration

	throttled atomic.Bool
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
	rate  limiter
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
