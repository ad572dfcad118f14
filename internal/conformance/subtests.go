package conformance

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/awsfake"
)

// kind says what an input item of a run is.
type kind uint8

const (
	known   kind = iota // known to the kit; succeeds without faults
	poison              // makes its calls fail validation
	unknown             // unknown to the kit; fails permanently
	invalid             // fails the adapter's validation
)

func (k kind) String() string {
	return [...]string{"known", "poison", "unknown", "invalid"}[k]
}

// input is the input of one run: items and what each of them is.
type input[T any] struct {
	items  []T
	kinds  []kind
	fields []string // for invalid items, the field their error must name
}

func (in *input[T]) add(item T, k kind, field string) {
	in.items = append(in.items, item)
	in.kinds = append(in.kinds, k)
	in.fields = append(in.fields, field)
}

// mix returns the kit's items, poison and unknown items, and withInvalid's
// invalid items, shuffled with seed.
func (s *suite[T, R]) mix(k *Kit[T, R], seed uint64, withInvalid bool) *input[T] {
	in := &input[T]{}
	for _, it := range k.Items {
		in.add(it, known, "")
	}
	for _, it := range k.Poison {
		in.add(it, poison, "")
	}
	for _, it := range k.Unknown {
		in.add(it, unknown, "")
	}
	if withInvalid {
		for _, iv := range s.h.Invalid {
			in.add(iv.Item, invalid, iv.Field)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x6d6978))
	rng.Shuffle(len(in.items), func(i, j int) {
		in.items[i], in.items[j] = in.items[j], in.items[i]
		in.kinds[i], in.kinds[j] = in.kinds[j], in.kinds[i]
		in.fields[i], in.fields[j] = in.fields[j], in.fields[i]
	})
	return in
}

func (s *suite[T, R]) callFaultCodes() []batch.Code {
	return append([]batch.Code{batch.CodeInternal, batch.CodeUnavailable, batch.CodeUnmatched, batch.CodeThrottled},
		s.h.CallFaultCodes...)
}

func (s *suite[T, R]) poisonCodes() []batch.Code {
	if s.h.PoisonCodes != nil {
		return s.h.PoisonCodes
	}
	return []batch.Code{batch.CodeInvalidInput}
}

func (s *suite[T, R]) unknownCodes() []batch.Code {
	if s.h.UnknownCodes != nil {
		return s.h.UnknownCodes
	}
	return []batch.Code{batch.CodeNotFound}
}

// checkInvalid returns what is wrong with the outcome of an invalid item:
// it must fail with CodeInvalidInput naming field, and never be sent.
func checkInvalid[T, R any](o *batch.Outcome[T, R], field string) []string {
	var p []string
	switch {
	case o.Status != batch.StatusFailed || o.Err == nil:
		p = append(p, fmt.Sprintf("invalid item %d: got %s, want Failed with %s", o.Index, describe(o), batch.CodeInvalidInput))
	case o.Err.Code != batch.CodeInvalidInput || !errors.Is(o.Err, batch.ErrInvalidInput):
		p = append(p, fmt.Sprintf("invalid item %d: got %s, want code %s", o.Index, describe(o), batch.CodeInvalidInput))
	case o.Err.Retryable:
		p = append(p, fmt.Sprintf("invalid item %d: got %s, want a permanent error", o.Index, describe(o)))
	case field != "" && o.Err.Field != field:
		p = append(p, fmt.Sprintf("invalid item %d: error names field %q, want %q", o.Index, o.Err.Field, field))
	case o.Err.Field == "":
		p = append(p, fmt.Sprintf("invalid item %d: error names no field: %v", o.Index, o.Err))
	}
	if o.Attempts != 0 {
		p = append(p, fmt.Sprintf("invalid item %d: %d attempts, want 0", o.Index, o.Attempts))
	}
	return p
}

// checkSent returns what is wrong with the request log of a run: every
// item it carried must be an item of the run (and not an invalid one), an
// item with no attempts must never have been sent, and an item must appear
// in at least as many requests as it had attempts unless canceled.
func (s *suite[T, R]) checkSent(k *Kit[T, R], l *sentLog, in *input[T], outs []batch.Outcome[T, R]) []string {
	var p []string
	ran := make(map[string]int, len(in.items)) // tag -> input index
	for i, it := range in.items {
		if in.kinds[i] != invalid {
			ran[tagOf(k.Adapter, it)] = i
		}
	}
	for j, tags := range l.tags {
		for _, tag := range tags {
			if _, ok := ran[tag]; !ok {
				p = append(p, fmt.Sprintf("request %d carried an item that is not a valid item of the run", l.reqs[j].Seq))
			}
		}
	}
	sent := l.count()
	for i := range outs {
		o := &outs[i]
		if in.kinds[o.Index] == invalid {
			continue
		}
		n := sent[tagOf(k.Adapter, in.items[o.Index])]
		switch {
		case o.Attempts == 0 && n > 0:
			p = append(p, fmt.Sprintf("item %d: %s, but %d requests carried it", o.Index, describe(o), n))
		case o.Status != batch.StatusCanceled && n < o.Attempts:
			p = append(p, fmt.Sprintf("item %d: %s, but only %d requests carried it", o.Index, describe(o), n))
		}
	}
	return p
}

// checkApplied returns the items reported as succeeded that the kit does
// not show as applied.
func checkApplied[T, R any](k *Kit[T, R], outs []batch.Outcome[T, R]) []string {
	if k.Applied == nil {
		return nil
	}
	var p []string
	for i := range outs {
		if o := &outs[i]; o.Status == batch.StatusSucceeded && !k.Applied(o.Item) {
			p = append(p, fmt.Sprintf("item %d: succeeded, but the kit did not apply it", o.Index))
		}
	}
	return p
}

// testLedger runs mixed items under seeded random fault plans: every item
// gets exactly one consistent outcome in input order, each kind of item
// ends as it may, and the request log agrees with the attempts.
func (s *suite[T, R]) testLedger(t *testing.T, e *env[T, R]) {
	for seed := int64(1); seed <= 4; seed++ {
		f := awsfake.Faults{
			Seed:            seed,
			Latency:         time.Duration(seed%3) * time.Millisecond,
			ItemFailureRate: 0.2,
			CallFailureRate: 0.1,
			DropRate:        0.05,
			MalformedRate:   0.05,
		}
		k := s.kit(e, Setup{Faults: f, Items: 24, Keys: 3, Poison: 1, Unknown: 2})
		in := s.mix(k, uint64(seed), true)
		r := s.runner(e, k, uint64(seed), func(o *batch.Options) { o.MaxItemsPerCall = 8 })
		ctx, cancel := runCtx()
		rep, err := r.Run(ctx, in.items)
		cancel()
		what := fmt.Sprintf("seed %d", seed)
		logReport(t, what, rep)
		assert.NoError(t, err, "%s: Run", what)
		if p := checkReport(rep, in.items); len(p) > 0 {
			report(t, what, p)
			continue
		}
		var p []string
		for i := range rep.Outcomes {
			o := &rep.Outcomes[i]
			switch in.kinds[i] {
			case known:
				if o.Status != batch.StatusSucceeded && (o.Status != batch.StatusFailed || !codeIn(o.Err, s.h.ItemFaultCodes, s.callFaultCodes())) {
					p = append(p, fmt.Sprintf("known item %d: got %s, want success or a fault's code", i, describe(o)))
				}
			case poison:
				if o.Status != batch.StatusFailed || !codeIn(o.Err, s.poisonCodes(), s.callFaultCodes()) {
					p = append(p, fmt.Sprintf("poison item %d: got %s, want a failure with %v", i, describe(o), s.poisonCodes()))
				}
			case unknown:
				if o.Status != batch.StatusFailed || !codeIn(o.Err, s.unknownCodes(), s.h.ItemFaultCodes, s.callFaultCodes()) {
					p = append(p, fmt.Sprintf("unknown item %d: got %s, want a failure with %v", i, describe(o), s.unknownCodes()))
				}
			case invalid:
				p = append(p, checkInvalid(o, in.fields[i])...)
			}
		}
		p = append(p, checkApplied(k, rep.Outcomes)...)
		p = append(p, s.checkSent(k, s.log(e, k), in, rep.Outcomes)...)
		report(t, what, p)
	}
}

// testRetryPermanent runs unknown and poison items among known ones under
// whole-call faults only (no per-item faults, so every answer the kit
// gives about an unknown item is final): no item is sent again after the
// answer that failed it for good.
func (s *suite[T, R]) testRetryPermanent(t *testing.T, e *env[T, R]) {
	f := awsfake.Faults{Seed: 7, CallFailureRate: 0.15, DropRate: 0.1}
	k := s.kit(e, Setup{Faults: f, Items: 16, Keys: 2, Poison: 2, Unknown: 4})
	in := s.mix(k, 7, false)
	var retried []batch.RetryInfo
	r := s.runner(e, k, 7, func(o *batch.Options) {
		o.MaxItemsPerCall = 6
		o.Hooks.OnRetry = func(ri batch.RetryInfo) { retried = append(retried, ri) }
	})
	ctx, cancel := runCtx()
	rep, err := r.Run(ctx, in.items)
	cancel()
	logReport(t, "run", rep)
	assert.NoError(t, err, "Run")
	if p := checkReport(rep, in.items); len(p) > 0 {
		report(t, "ledger", p)
		return
	}
	var p []string
	for _, ri := range retried {
		if ri.Err == nil || !ri.Err.Retryable {
			p = append(p, fmt.Sprintf("item %d (%s) retried after a permanent error: %v", ri.Index, in.kinds[ri.Index], ri.Err))
		}
	}
	l := s.log(e, k)
	poisonTags := make(map[string]bool)
	for _, it := range k.Poison {
		poisonTags[tagOf(k.Adapter, it)] = true
	}
	// An error shared by several items failed a whole key (ScopeKey): those
	// items may have failed without a request of their own answering them.
	shared := make(map[*batch.Error]int)
	for i := range rep.Outcomes {
		shared[rep.Outcomes[i].Err]++
	}
	for i := range rep.Outcomes {
		o := &rep.Outcomes[i]
		tag := tagOf(k.Adapter, in.items[i])
		switch in.kinds[i] {
		case known:
			if o.Status != batch.StatusSucceeded && (o.Status != batch.StatusFailed || !codeIn(o.Err, s.callFaultCodes())) {
				p = append(p, fmt.Sprintf("known item %d: got %s, want success or a fault's code", i, describe(o)))
			}
		case unknown:
			if o.Status != batch.StatusFailed || !codeIn(o.Err, s.unknownCodes(), s.callFaultCodes()) {
				p = append(p, fmt.Sprintf("unknown item %d: got %s, want a failure with %v", i, describe(o), s.unknownCodes()))
			}
			// The kit's answer to a request carrying the item and no
			// poison item is final for the item.
			p = append(p, sentAfterFinal(l, tag, i, "unknown", func(tags []string) bool {
				return !slices.ContainsFunc(tags, func(t string) bool { return poisonTags[t] })
			}, codeIn(o.Err, s.unknownCodes()) && shared[o.Err] == 1)...)
		case poison:
			if o.Status != batch.StatusFailed || !codeIn(o.Err, s.poisonCodes(), s.callFaultCodes()) {
				p = append(p, fmt.Sprintf("poison item %d: got %s, want a failure with %v", i, describe(o), s.poisonCodes()))
			}
			// The kit's answer to a request carrying the item alone is final;
			// without one, its guilt must follow by elimination.
			p = append(p, sentAfterFinal(l, tag, i, "poison", func(tags []string) bool {
				return len(tags) == 1
			}, codeIn(o.Err, s.poisonCodes()) && !l.eliminated(tag))...)
		}
	}
	p = append(p, checkApplied(k, rep.Outcomes)...)
	p = append(p, s.checkSent(k, l, in, rep.Outcomes)...)
	report(t, "permanent failures", p)
}

// sentAfterFinal returns a problem when a request carried tag after the
// first request that carried it, got the kit's own answer, and satisfied
// final. When mustHave is set (the item failed with the code the kit gives
// it), such a final request must exist.
func sentAfterFinal(l *sentLog, tag string, index int, what string, final func(tags []string) bool, mustHave bool) []string {
	at := -1
	for j := range l.reqs {
		if !slices.Contains(l.tags[j], tag) {
			continue
		}
		if at >= 0 {
			return []string{fmt.Sprintf("%s item %d: sent again in request %d after request %d answered it for good (status %d)",
				what, index, l.reqs[j].Seq, l.reqs[at].Seq, l.reqs[at].Status)}
		}
		if answered(&l.reqs[j]) && final(l.tags[j]) {
			at = j
		}
	}
	if at < 0 && mustHave {
		return []string{fmt.Sprintf("%s item %d: failed with the kit's code, but no request the kit answered could have failed it", what, index)}
	}
	return nil
}

// testRetryRetryable runs known items under per-item and whole-call faults:
// every retry follows a retryable error, every attempt is accounted for,
// and items fail only after their last attempt failed retryably.
func (s *suite[T, R]) testRetryRetryable(t *testing.T, e *env[T, R]) {
	const maxAttempts = 4
	f := awsfake.Faults{Seed: 11, ItemFailureRate: 0.3, CallFailureRate: 0.1, DropRate: 0.05}
	k := s.kit(e, Setup{Faults: f, Items: 30, Keys: 2})
	in := s.mix(k, 11, false)
	retries := make([][]batch.RetryInfo, len(in.items))
	var stray []string
	r := s.runner(e, k, 11, func(o *batch.Options) {
		o.MaxItemsPerCall = 8
		o.MaxAttempts = maxAttempts
		o.Hooks.OnRetry = func(ri batch.RetryInfo) {
			if ri.Index < 0 || ri.Index >= len(retries) {
				stray = append(stray, fmt.Sprintf("OnRetry with index %d", ri.Index))
				return
			}
			retries[ri.Index] = append(retries[ri.Index], ri)
		}
	})
	ctx, cancel := runCtx()
	rep, err := r.Run(ctx, in.items)
	cancel()
	logReport(t, "run", rep)
	assert.NoError(t, err, "Run")
	if p := checkReport(rep, in.items); len(p) > 0 {
		report(t, "ledger", p)
		return
	}
	p := stray
	itemFaults := 0
	for i := range rep.Outcomes {
		o := &rep.Outcomes[i]
		for n, ri := range retries[i] {
			switch {
			case ri.Err == nil || !ri.Err.Retryable:
				p = append(p, fmt.Sprintf("item %d retried after a permanent error: %v", i, ri.Err))
			case !codeIn(ri.Err, s.h.ItemFaultCodes, s.callFaultCodes()):
				p = append(p, fmt.Sprintf("item %d retried after %v, whose code is not a fault's", i, ri.Err))
			}
			if codeIn(ri.Err, s.h.ItemFaultCodes) {
				itemFaults++
			}
			if ri.Attempt != n+2 {
				p = append(p, fmt.Sprintf("item %d: retry %d announces attempt %d, want %d", i, n+1, ri.Attempt, n+2))
			}
		}
		if got, want := o.Attempts, len(retries[i])+1; got != want {
			p = append(p, fmt.Sprintf("item %d: %s after %d retries, want %d attempts", i, describe(o), len(retries[i]), want))
		}
		if o.Status == batch.StatusFailed {
			// A retryable failure is final only on the last attempt. A
			// permanent one can only come from a whole-call fault (say, a
			// create resent after its applied answer was lost), never from
			// the kit's retryable item faults.
			switch {
			case o.Err.Retryable && o.Attempts != maxAttempts:
				p = append(p, fmt.Sprintf("known item %d: got %s, want a retryable failure only after %d attempts", i, describe(o), maxAttempts))
			case !o.Err.Retryable && !codeIn(o.Err, s.callFaultCodes()):
				p = append(p, fmt.Sprintf("known item %d: got %s, want only retryable failures or a call fault's code", i, describe(o)))
			case !codeIn(o.Err, s.h.ItemFaultCodes, s.callFaultCodes()):
				p = append(p, fmt.Sprintf("known item %d: got %s, want a fault's code", i, describe(o)))
			}
		}
	}
	if itemFaults == 0 {
		p = append(p, fmt.Sprintf("no retry followed an error with one of Harness.ItemFaultCodes %v, though the plan fails 30%% of items", s.h.ItemFaultCodes))
	}
	p = append(p, checkApplied(k, rep.Outcomes)...)
	p = append(p, s.checkSent(k, s.log(e, k), in, rep.Outcomes)...)
	report(t, "retries", p)
}

// testMalformed makes every 200 answer malformed: no item may succeed.
func (s *suite[T, R]) testMalformed(t *testing.T, e *env[T, R]) {
	// Single-call runs first, then a run of several calls, so a kit that
	// varies its malformed answers goes through several of them.
	for _, n := range []int{1, 5, 15} {
		f := awsfake.Faults{Seed: int64(n), MalformedRate: 1}
		k := s.kit(e, Setup{Faults: f, Items: n, Keys: 1})
		in := s.mix(k, uint64(n), false)
		r := s.runner(e, k, uint64(n), func(o *batch.Options) {
			o.MaxItemsPerCall = 3
			o.MaxAttempts = 3
		})
		ctx, cancel := runCtx()
		rep, err := r.Run(ctx, in.items)
		cancel()
		what := fmt.Sprintf("%d items", n)
		logReport(t, what, rep)
		assert.NoError(t, err, "%s: Run", what)
		p := checkReport(rep, in.items)
		if len(p) == 0 {
			for i := range rep.Outcomes {
				if o := &rep.Outcomes[i]; o.Status != batch.StatusFailed {
					p = append(p, fmt.Sprintf("item %d: got %s, though every answer was malformed", i, describe(o)))
				}
			}
		}
		l := s.log(e, k)
		for _, req := range l.reqs {
			if req.Status == 200 && req.Fault != awsfake.FaultMalformed {
				p = append(p, fmt.Sprintf("request %d: answered 200 without corruption (fault %q); the plan corrupts every 200", req.Seq, req.Fault))
			}
		}
		if len(p) == 0 {
			p = s.checkSent(k, l, in, rep.Outcomes)
		}
		report(t, what, p)
	}
}

// testOrder checks Run's input order and Stream's one yield per index
// under per-item faults (so completion order differs from input order), and
// that breaking out of a Stream ends the run cleanly.
func (s *suite[T, R]) testOrder(t *testing.T, e *env[T, R]) {
	f := awsfake.Faults{Seed: 5, Latency: time.Millisecond, ItemFailureRate: 0.3}
	setup := Setup{Faults: f, Items: 30, Keys: 3, Unknown: 1}
	opts := func(o *batch.Options) { o.MaxItemsPerCall = 5 }

	k := s.kit(e, setup)
	in := s.mix(k, 5, true)
	ctx, cancel := runCtx()
	defer cancel()
	rep, err := s.runner(e, k, 5, opts).Run(ctx, in.items)
	logReport(t, "Run", rep)
	assert.NoError(t, err, "Run")
	report(t, "Run", checkReport(rep, in.items))

	k = s.kit(e, setup)
	in = s.mix(k, 5, true)
	var outs []batch.Outcome[T, R]
	for o, err := range s.runner(e, k, 5, opts).Stream(ctx, slices.Values(in.items)) {
		if err != nil {
			t.Errorf("Stream: %v", err)
			continue
		}
		outs = append(outs, o)
	}
	p := checkStream(outs, in.items, true)
	if len(outs) != len(in.items) {
		p = append(p, fmt.Sprintf("got %d yields, want %d", len(outs), len(in.items)))
	}
	p = append(p, checkApplied(k, outs)...)
	report(t, "Stream", p)

	// Breaking out after the first outcome cancels the calls in flight;
	// the leak check at the end of the subtest sees anything left running.
	k = s.kit(e, Setup{Faults: awsfake.Faults{Latency: 2 * time.Millisecond}, Items: 30, Keys: 3})
	in = s.mix(k, 6, false)
	yields := 0
	for o, err := range s.runner(e, k, 6, opts).Stream(ctx, slices.Values(in.items)) {
		yields++
		if err != nil {
			t.Errorf("Stream before break: %v", err)
		} else if p := checkOutcome(&o); len(p) > 0 {
			report(t, "Stream before break", p)
		}
		break
	}
	assert.Equal(t, 1, yields, "Stream with break: yields")
}

// testCancel cancels runs while calls are in flight, for Run and for
// Stream.
func (s *suite[T, R]) testCancel(t *testing.T, e *env[T, R]) {
	t.Run("Run", func(t *testing.T) { s.cancelRun(t, e.sub(t), false) })
	t.Run("Stream", func(t *testing.T) { s.cancelRun(t, e.sub(t), true) })
}

// Timing of the cancellation test. Once the first call completes, the kit
// answers after slowLatency, so a run that waited for its calls (or kept
// sending) would take that long; a prompt one returns well within
// promptLimit. The watchdog closes the kit after watchdog, so that a run
// that ignores cancellation fails the test instead of hanging it.
const (
	slowLatency = 20 * time.Second
	promptLimit = 8 * time.Second
	watchdog    = 10 * time.Second
)

// cancelRun runs items in calls of four, two in flight, and cancels the run
// shortly after the first call sent once the kit turned slow: the run must
// return promptly, report every item it read as succeeded or canceled, and
// cancel items it never sent with no attempts. A canceled Stream reports the
// items it read; Run reports them all.
func (s *suite[T, R]) cancelRun(t *testing.T, e *env[T, R], stream bool) {
	const perCall = 4
	k := s.kit(e, Setup{Faults: awsfake.Faults{Latency: time.Millisecond}, Items: 6 * perCall, Keys: 1})
	in := s.mix(k, 9, false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Hooks run on the run's goroutine, one at a time.
	var slowed, fired bool
	var trigger *time.Timer
	r := s.runner(e, k, 9, func(o *batch.Options) {
		o.MaxItemsPerCall = perCall
		o.MaxInFlight = 2
		o.Hooks.OnCall = func(ci batch.CallInfo) {
			switch {
			case ci.Done && !slowed:
				slowed = true
				k.SetFaults(awsfake.Faults{Latency: slowLatency})
			case !ci.Done && slowed && !fired:
				// Cancel shortly after a call is sent into the slow kit,
				// so that it is in flight when the run is canceled.
				fired = true
				trigger = time.AfterFunc(5*time.Millisecond, cancel)
			}
		}
	})
	var closedByWatchdog atomic.Bool
	dog := time.AfterFunc(watchdog, func() {
		closedByWatchdog.Store(true)
		k.Close()
	})

	start := time.Now()
	var outs []batch.Outcome[T, R]
	var runErr error
	if stream {
		for o, err := range r.Stream(ctx, slices.Values(in.items)) {
			if err != nil {
				runErr = err
				continue
			}
			outs = append(outs, o)
		}
	} else {
		rep, err := r.Run(ctx, in.items)
		runErr = err
		logReport(t, "canceled Run", rep)
		if p := checkReport(rep, in.items); len(p) > 0 {
			report(t, "ledger", p)
			dog.Stop()
			return
		}
		outs = rep.Outcomes
	}
	elapsed := time.Since(start)
	dog.Stop()
	if trigger != nil {
		trigger.Stop()
	}
	cancel()

	require.True(t, fired, "the run sent no call after its first call completed, so it was never canceled")
	if closedByWatchdog.Load() || elapsed > promptLimit {
		t.Errorf("the run returned %v after it started, want promptly after cancellation (the kit answers after %v)", elapsed, slowLatency)
	}
	assert.ErrorIs(t, runErr, context.Canceled, "run error")
	p := checkStream(outs, in.items, !stream)
	var succeeded, unsent int
	for i := range outs {
		o := &outs[i]
		switch o.Status {
		case batch.StatusSucceeded:
			succeeded++
		case batch.StatusCanceled:
			if o.Attempts == 0 {
				unsent++
			}
		default:
			p = append(p, fmt.Sprintf("item %d: got %s, want Succeeded or Canceled (no faults)", o.Index, describe(o)))
		}
	}
	if succeeded == 0 {
		p = append(p, "no item succeeded, though the first call completed before the cancellation")
	}
	if unsent == 0 && !stream {
		p = append(p, "no item was canceled before being sent, though the run had calls left")
	}
	p = append(p, checkApplied(k, outs)...)
	p = append(p, s.checkSent(k, s.log(e, k), in, outs)...)
	report(t, "canceled run", p)
}

// testValidation runs invalid items among known ones: they fail with
// CodeInvalidInput and their field, Plan lists them, and they are never
// sent.
func (s *suite[T, R]) testValidation(t *testing.T, e *env[T, R]) {
	k := s.kit(e, Setup{Items: 6, Keys: 2})
	in := s.mix(k, 13, true)
	r := s.runner(e, k, 13)

	plan, err := r.Plan(in.items)
	require.NoError(t, err, "Plan")
	var want, got []int
	for i, kd := range in.kinds {
		if kd == invalid {
			want = append(want, i)
		}
	}
	for _, ie := range plan.Invalid {
		got = append(got, ie.Index)
	}
	assert.Equal(t, want, got, "Plan.Invalid: indexes of the invalid items")

	ctx, cancel := runCtx()
	defer cancel()
	rep, err := r.Run(ctx, in.items)
	logReport(t, "Run", rep)
	assert.NoError(t, err, "Run")
	p := checkReport(rep, in.items)
	if len(p) > 0 {
		report(t, "ledger", p)
		return
	}
	for i := range rep.Outcomes {
		o := &rep.Outcomes[i]
		if in.kinds[i] == invalid {
			p = append(p, checkInvalid(o, in.fields[i])...)
		} else if o.Status != batch.StatusSucceeded {
			p = append(p, fmt.Sprintf("valid item %d: got %s, want success", i, describe(o)))
		}
	}
	p = append(p, checkApplied(k, rep.Outcomes)...)
	l := s.log(e, k)
	p = append(p, s.checkSent(k, l, in, rep.Outcomes)...)
	// Without faults, every valid item is sent exactly once.
	sent := l.count()
	for i, it := range in.items {
		if n := sent[tagOf(k.Adapter, it)]; in.kinds[i] == known && n != 1 {
			p = append(p, fmt.Sprintf("valid item %d: sent %d times, want once", i, n))
		}
	}
	report(t, "validation", p)
}

// testBisect puts poison items in one full call: the engine tests its
// items a part at a time until the poison items are proven guilty (alone,
// or by elimination), only they fail, and the other items succeed without
// being sent more often than halving would need.
func (s *suite[T, R]) testBisect(t *testing.T, e *env[T, R]) {
	full := s.h.MaxItems
	for _, np := range []int{1, 2} {
		what := fmt.Sprintf("%d poison items", np)
		k := s.kit(e, Setup{Items: full - np, Keys: 1, Poison: np})
		in := &input[T]{}
		for _, it := range k.Items {
			in.add(it, known, "")
		}
		// One poison item a third of the way in; two at both ends.
		at := []int{full / 3}
		if np == 2 {
			at = []int{0, full - 1}
		}
		for j, pos := range at {
			in.items = slices.Insert(in.items, pos, k.Poison[j])
			in.kinds = slices.Insert(in.kinds, pos, poison)
			in.fields = slices.Insert(in.fields, pos, "")
		}
		ctx, cancel := runCtx()
		rep, err := s.runner(e, k, uint64(np)).Run(ctx, in.items)
		cancel()
		logReport(t, what, rep)
		assert.NoError(t, err, "%s: Run", what)
		p := checkReport(rep, in.items)
		if len(p) > 0 {
			report(t, what, p)
			continue
		}
		for i := range rep.Outcomes {
			o := &rep.Outcomes[i]
			switch {
			case in.kinds[i] == poison && (o.Status != batch.StatusFailed || !codeIn(o.Err, s.poisonCodes())):
				p = append(p, fmt.Sprintf("poison item %d: got %s, want a failure with %v", i, describe(o), s.poisonCodes()))
			case in.kinds[i] == known && o.Status != batch.StatusSucceeded:
				p = append(p, fmt.Sprintf("item %d: got %s, want success (only poison items may fail)", i, describe(o)))
			}
		}
		if rep.Stats.Bisections == 0 {
			p = append(p, "Stats.Bisections is 0")
		}
		p = append(p, checkApplied(k, rep.Outcomes)...)
		l := s.log(e, k)
		p = append(p, s.checkSent(k, l, in, rep.Outcomes)...)
		if len(l.tags) == 0 || len(l.tags[0]) != full {
			p = append(p, fmt.Sprintf("the first request did not carry a full call of %d items", full))
		}
		// Each rejection at least halves the suspects a test call carries,
		// so a suspect rides in at most ceil(log2(full)) plus one of them;
		// an item sent back as fresh work from a rejected test may ride in
		// as many again before its own rejection makes it a suspect.
		limit := 2 * (bits.Len(uint(full-1)) + 1)
		sent := l.count()
		for i, it := range in.items {
			tag := tagOf(k.Adapter, it)
			if n := sent[tag]; n > limit {
				p = append(p, fmt.Sprintf("item %d (%s): sent %d times, want at most %d", i, in.kinds[i], n, limit))
			}
			if in.kinds[i] == poison {
				p = append(p, sentAfterFinal(l, tag, i, "poison", func(tags []string) bool { return len(tags) == 1 }, !l.eliminated(tag))...)
			}
		}
		report(t, what, p)
	}
}
