package batch

import (
	"context"
	"errors"
	"iter"
	"math/rand/v2"
	"sync"
)

// Runner runs items through one batch operation. Build it with [New]. A
// Runner is safe for concurrent use; each Run, Stream or Plan is independent
// and shares nothing with the others.
//
// A Runner recovers panics raised by its adapter: a panic while validating
// fails that item, and a panic inside [Adapter.Call] fails the items of that
// call with [CodeInternal]. Panics in hooks are not recovered.
type Runner[T, R any] struct {
	adapter Adapter[T, R]
	set     settings

	randMu sync.Mutex // guards set.Rand, shared by concurrent runs
}

// New returns a Runner for adapter. Option functions are applied in order to
// a zero [Options], whose zero fields then select the documented defaults. It
// fails when adapter is nil, when its MaxItems is not positive, or when an
// option is out of range.
func New[T, R any](adapter Adapter[T, R], optFns ...func(*Options)) (*Runner[T, R], error) {
	if adapter == nil {
		return nil, errors.New("batch: adapter is nil")
	}
	var opts Options
	for _, fn := range optFns {
		fn(&opts)
	}
	set, err := newSettings(opts, adapter.MaxItems())
	if err != nil {
		return nil, err
	}
	return &Runner[T, R]{adapter: adapter, set: set}, nil
}

// newSource returns a random source of a run's own, so that concurrent runs
// never share one (issue 8, bug 3: they raced on the Runner's one source).
func (r *Runner[T, R]) newSource() rand.Source {
	if r.set.Rand == nil {
		return rand.NewPCG(rand.Uint64(), rand.Uint64())
	}
	r.randMu.Lock()
	defer r.randMu.Unlock()
	return rand.NewPCG(r.set.Rand.Uint64(), r.set.Rand.Uint64())
}

// Operation returns the adapter's operation name.
func (r *Runner[T, R]) Operation() string { return r.adapter.Operation() }

var errNilContext = errors.New("batch: nil Context")

// Run processes items and returns a report holding one outcome per item, in
// input order. It blocks until every item has an outcome and every goroutine
// it started has exited.
//
// The returned error is about the run, not its items: it is non-nil when ctx
// is nil or items is empty ([ErrNoItems]), when ctx ended before every item
// was sent (items never sent are then [StatusCanceled] with Attempts 0), or
// when a call error ended the run (an [*Error] with [CodeUnauthorized], for
// example; items not yet answered fail with it). Per-item failures are in the
// report; [Report.Err] joins them with their indexes.
func (r *Runner[T, R]) Run(ctx context.Context, items []T) (*Report[T, R], error) {
	rep := &Report[T, R]{Operation: r.adapter.Operation(), ByCode: make(map[Code]int)}
	if ctx == nil {
		return rep, errNilContext
	}
	if len(items) == 0 {
		return rep, ErrNoItems
	}
	rep.Outcomes = make([]Outcome[T, R], len(items))
	stats, runErr := r.execute(ctx, &sliceSource[T]{items: items}, func(o *Outcome[T, R]) bool {
		rep.Outcomes[o.Index] = *o
		return true
	})
	rep.Stats = stats
	// Items the run never read, because it was canceled or ended, are
	// reported here so that every item has exactly one outcome.
	var (
		unreadStatus Status
		unread       *Error
	)
	for i := range rep.Outcomes {
		o := &rep.Outcomes[i]
		if o.Status == 0 {
			if unread == nil {
				unreadStatus, unread = unreadOutcome(r.adapter.Operation(), runErr)
			}
			o.Index, o.Item, o.Status, o.Err = i, items[i], unreadStatus, unread
			// Every outcome goes through the hook exactly once, read or not
			// (issue 8, bug 5).
			if h := r.set.Hooks.OnOutcome; h != nil {
				h(OutcomeInfo{Operation: rep.Operation, Index: i, Status: o.Status, Err: o.Err})
			}
		}
		switch o.Status {
		case StatusSucceeded:
			rep.Succeeded++
		case StatusFailed:
			rep.Failed++
			rep.ByCode[o.Err.Code]++
		case StatusCanceled:
			rep.Canceled++
			rep.ByCode[o.Err.Code]++
		}
	}
	var e *Error
	if errors.As(runErr, &e) && e.Code == CodeCanceled && rep.Canceled == 0 {
		// The cancellation came after the last item's outcome, before the
		// run saw the input end: no item was left without an answer.
		runErr = nil
	}
	return rep, runErr
}

// unreadOutcome is the status and error of items a run never read: failed
// with the error that ended the run, or canceled.
func unreadOutcome(op string, runErr error) (Status, *Error) {
	var e *Error
	if errors.As(runErr, &e) && e.Code != CodeCanceled {
		return StatusFailed, e
	}
	var cause error
	if e != nil {
		cause = e.Err
	}
	return StatusCanceled, &Error{Code: CodeCanceled, Operation: op, Message: "the run was canceled before the item was sent", Err: cause}
}

// Stream processes items lazily and yields each outcome as soon as it is
// final, in completion order: Outcome.Index is the item's position in the
// sequence. It holds at most [Options.MaxBuffered] items at a time, so
// memory does not grow with the input.
//
// The sequence is read from the goroutine iterating the stream; calls run on
// other goroutines meanwhile. Breaking out of the loop cancels calls in
// flight and ends the run; every goroutine has exited when the loop ends.
//
// When the run cannot finish, the last pair yielded holds a zero Outcome and
// a non-nil error: ctx was nil, the sequence was empty ([ErrNoItems]), ctx
// ended (items read but not answered were yielded as canceled, and the rest
// of the sequence was not read), or a call error ended the run.
func (r *Runner[T, R]) Stream(ctx context.Context, items iter.Seq[T]) iter.Seq2[Outcome[T, R], error] {
	return func(yield func(Outcome[T, R], error) bool) {
		var zero Outcome[T, R]
		if ctx == nil {
			yield(zero, errNilContext)
			return
		}
		if items == nil {
			yield(zero, ErrNoItems)
			return
		}
		next, stop := iter.Pull(items)
		defer stop()
		stopped := false
		n := 0
		_, err := r.execute(ctx, pullSource[T]{pull: next}, func(o *Outcome[T, R]) bool {
			n++
			if !yield(*o, nil) {
				stopped = true
				return false
			}
			return true
		})
		switch {
		case stopped:
		case err != nil:
			yield(zero, err)
		case n == 0:
			yield(zero, ErrNoItems)
		}
	}
}

// Plan returns the calls a run of items would make, without sending
// anything: items failing validation are listed apart, and valid items are
// grouped by key and packed into calls as a run packs them when it can read
// ahead. A real run may split calls differently when retries, bad-item isolation or
// [Options.MaxBuffered] come into play.
func (r *Runner[T, R]) Plan(items []T) (*Plan, error) {
	p := &Plan{Operation: r.adapter.Operation(), Items: len(items)}
	if len(items) == 0 {
		return p, ErrNoItems
	}
	rn := &run[T, R]{a: r.adapter, op: p.Operation}
	var keys, ids []string
	var valid []int
	for i, item := range items {
		key, id, err := rn.prepare(item)
		if err != nil {
			p.Invalid = append(p.Invalid, &ItemError{Index: i, Err: err})
			continue
		}
		keys, ids, valid = append(keys, key), append(ids, id), append(valid, i)
	}
	p.Calls = planCalls(keys, ids, r.set.maxItems)
	for _, c := range p.Calls {
		for j, k := range c.Indexes {
			c.Indexes[j] = valid[k]
		}
	}
	return p, nil
}
