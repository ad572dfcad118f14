package main

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/batchkit/batchkit/batch"
)

// The strategies, in the order they run.
const (
	stratSequential = "sequential"
	stratErrgroup   = "errgroup"
	stratRunner     = "runner"
)

var allStrategies = []string{stratSequential, stratErrgroup, stratRunner}

// The strategies of a scenario of several runners (see scenario.runners),
// each runner a batch.Runner in a process of its own.
const (
	// stratRunnerLocal gives each runner its own adaptive rate.
	stratRunnerLocal = "runner-local"
	// stratRunnerShared gives the runners one rate through Redis, with a
	// redislimit.Limiter each on one key.
	stratRunnerShared = "runner-shared"
)

var sharedStrategies = []string{stratRunnerLocal, stratRunnerShared}

// fate is what became of one item.
type fate uint8

const (
	fateNone      fate = iota // no outcome: lost
	fateSucceeded             // the service applied it
	fateFailed                // failed for good (not lost)
	fateLost                  // failed for a retryable reason: lost
)

// strategyRun is what a strategy needs besides its items.
type strategyRun struct {
	concurrency int
	// done is told how many items got their final fate; it is called from
	// several goroutines.
	done func(n int)
	// onThrottle, when set, receives the runner's send rate at every
	// throttle signal.
	onThrottle func(rate float64)
}

// runnerStats is what the runner reports about itself.
type runnerStats struct {
	stats batch.Stats
	err   error // the run's error, if any
}

// chunk is a run of consecutive items with the same key, at most the
// adapter's limit long.
type chunk struct {
	key    string
	lo, hi int
}

// chunks splits items the way a hand-rolled loop does: in input order, a
// new chunk when the key changes or the chunk is full.
func chunks[T, R any](a batch.Adapter[T, R], items []T) []chunk {
	var out []chunk
	limit := a.MaxItems()
	for i := range items {
		k := a.Key(items[i])
		if n := len(out); n > 0 && out[n-1].key == k && out[n-1].hi-out[n-1].lo < limit {
			out[n-1].hi = i + 1
			continue
		}
		out = append(out, chunk{key: k, lo: i, hi: i + 1})
	}
	return out
}

// settle records the fates of one call's items: for a call that failed as a
// whole, lost when the adapter classifies the error as retryable and failed
// otherwise; for an answer, each item's own result.
func settle[T, R any](a batch.Adapter[T, R], fates []fate, res []batch.Result[R], err error) {
	switch {
	case err != nil:
		f := fateFailed
		if e, _ := a.Classify(err); e == nil || e.Retryable {
			f = fateLost
		}
		for i := range fates {
			fates[i] = f
		}
	case len(res) != len(fates):
		// An answer that cannot be matched to the items reports none of them.
		for i := range fates {
			fates[i] = fateLost
		}
	default:
		for i := range res {
			switch e := res[i].Err; {
			case e == nil:
				fates[i] = fateSucceeded
			case e.Retryable:
				fates[i] = fateLost
			default:
				fates[i] = fateFailed
			}
		}
	}
}

// runSequential sends the chunks one at a time.
func runSequential[T, R any](ctx context.Context, a batch.Adapter[T, R], items []T, sr strategyRun) ([]fate, error) {
	fates := make([]fate, len(items))
	for _, c := range chunks(a, items) {
		if err := ctx.Err(); err != nil {
			return fates, err
		}
		res, err := a.Call(ctx, c.key, items[c.lo:c.hi])
		settle(a, fates[c.lo:c.hi], res, err)
		sr.done(c.hi - c.lo)
	}
	return fates, nil
}

// runErrgroup sends the chunks from an errgroup limited to the
// concurrency. Each chunk writes only its own items' fates.
func runErrgroup[T, R any](ctx context.Context, a batch.Adapter[T, R], items []T, sr strategyRun) ([]fate, error) {
	fates := make([]fate, len(items))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(sr.concurrency)
	for _, c := range chunks(a, items) {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			res, err := a.Call(gctx, c.key, items[c.lo:c.hi])
			settle(a, fates[c.lo:c.hi], res, err)
			sr.done(c.hi - c.lo)
			return nil
		})
	}
	err := g.Wait()
	if err == nil {
		err = ctx.Err()
	}
	return fates, err
}

// runRunner runs the items through a batch.Runner with MaxInFlight set to
// the concurrency. Its fates come from the report's outcomes; problems lists
// ledger violations: an outcome at the wrong index, or an item whose
// OnOutcome hook fired other than once.
func runRunner[T, R any](ctx context.Context, a batch.Adapter[T, R], items []T, sr strategyRun) (fates []fate, rs runnerStats, problems []string) {
	fates = make([]fate, len(items))
	seen := make([]int, len(items))
	outOfRange := 0
	r, err := batch.New(a, func(o *batch.Options) {
		o.MaxInFlight = sr.concurrency
		// Hooks run one at a time on the run's goroutine.
		o.Hooks.OnOutcome = func(oi batch.OutcomeInfo) {
			if oi.Index < 0 || oi.Index >= len(seen) {
				outOfRange++
				return
			}
			seen[oi.Index]++
			sr.done(1)
		}
		if sr.onThrottle != nil {
			o.Hooks.OnThrottle = func(ti batch.ThrottleInfo) { sr.onThrottle(ti.Rate) }
		}
	})
	if err != nil {
		rs.err = err
		return fates, rs, []string{fmt.Sprintf("building the runner: %v", err)}
	}
	rep, err := r.Run(ctx, items)
	rs.err = err
	if rep == nil {
		return fates, rs, []string{"the runner returned no report"}
	}
	rs.stats = rep.Stats
	if len(rep.Outcomes) != len(items) {
		problems = append(problems, fmt.Sprintf("the report holds %d outcomes for %d items", len(rep.Outcomes), len(items)))
	}
	misplaced := 0
	for i := range min(len(rep.Outcomes), len(items)) {
		o := &rep.Outcomes[i]
		if o.Index != i {
			misplaced++
			continue
		}
		switch o.Status {
		case batch.StatusSucceeded:
			fates[i] = fateSucceeded
		case batch.StatusFailed:
			if o.Err == nil || o.Err.Retryable {
				fates[i] = fateLost
			} else {
				fates[i] = fateFailed
			}
		default: // canceled, or no outcome
			fates[i] = fateLost
		}
	}
	if misplaced > 0 {
		problems = append(problems, fmt.Sprintf("%d outcomes carry another item's index", misplaced))
	}
	if outOfRange > 0 {
		problems = append(problems, fmt.Sprintf("OnOutcome reported %d indexes outside the input", outOfRange))
	}
	never, twice := 0, 0
	for _, n := range seen {
		switch {
		case n == 0:
			never++
		case n > 1:
			twice++
		}
	}
	// Items never read by a run that ended early get their outcome from Run
	// without the hook; that is not a ledger violation.
	if never > 0 && err == nil {
		problems = append(problems, fmt.Sprintf("OnOutcome never fired for %d items", never))
	}
	if twice > 0 {
		problems = append(problems, fmt.Sprintf("OnOutcome fired more than once for %d items", twice))
	}
	return fates, rs, problems
}
