package conformance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/awsfake"
)

// This file holds the run-level subtests that every adapter's own tests
// used to repeat: the service's quota, throttles the client retried and
// throttles inside answers, dropped answers, refused credentials, a key that fails as a whole, a long
// run under every fault, many keys with one in flight, and items
// duplicated in the input. Their pass or fail never depends on timing: the
// assertions count outcomes, retries and requests.

// countingLimiter lets every call go at once and counts the Waits.
type countingLimiter struct{ waits atomic.Int64 }

func (l *countingLimiter) Wait(context.Context) error { l.waits.Add(1); return nil }
func (l *countingLimiter) Done(batch.CallResult)      {}

// wrongSecret is the secret access key of the Credentials subtest. No error
// or log may quote it.
const wrongSecret = "conformance-wrong-secret-0123456789"

// runOutcomes runs items through r with Run and checks the ledger. It
// returns a nil report (after reporting) when the ledger is broken.
func runOutcomes[T, R any](t *testing.T, r *batch.Runner[T, R], items []T, what string) (*batch.Report[T, R], error) {
	t.Helper()
	ctx, cancel := runCtx()
	defer cancel()
	rep, err := r.Run(ctx, items)
	logReport(t, what, rep)
	if p := checkReport(rep, items); len(p) > 0 {
		report(t, what, p)
		return nil, err
	}
	return rep, err
}

// runChecked is runOutcomes for runs that must not fail as a whole: a
// run error fails t.
func runChecked[T, R any](t *testing.T, r *batch.Runner[T, R], items []T, what string) *batch.Report[T, R] {
	t.Helper()
	rep, err := runOutcomes(t, r, items, what)
	assert.NoError(t, err, "%s: Run", what)
	return rep
}

// notSucceeded returns a problem for every outcome that is not a success.
func notSucceeded[T, R any](outs []batch.Outcome[T, R]) []string {
	var p []string
	for i := range outs {
		if o := &outs[i]; o.Status != batch.StatusSucceeded {
			p = append(p, fmt.Sprintf("item %d: got %s, want success", o.Index, describe(o)))
		}
	}
	return p
}

// throttledFault is the Request.Fault of a request the kit throttled.
var throttledFault = awsfake.KindThrottle.String()

// testQuota runs into the kit's throttles: through the quota bucket,
// through seeded throttles that the client's retryer often hides, and
// inside answers.
func (s *suite[T, R]) testQuota(t *testing.T, e *env[T, R]) {
	t.Run("Bucket", func(t *testing.T) { s.quotaBucket(t, e.sub(t)) })
	t.Run("RetriedThrottlesSignaled", func(t *testing.T) { s.quotaSignaled(t, e.sub(t)) })
	t.Run("InsideAnswers", func(t *testing.T) { s.quotaInAnswers(t, e.sub(t)) })
}

// quotaBucket gives the kit a quota bucket of two requests that never
// refills, so that every later request is throttled, and lifts the quota
// once the engine has seen three throttled calls. Every item gets one
// outcome and succeeds; the throttled calls were retried; the engine saw
// them.
func (s *suite[T, R]) quotaBucket(t *testing.T, e *env[T, R]) {
	const throttledCalls = 3
	// A rate of one request in about 30 years never refills the bucket
	// during the test, so which requests it refuses does not depend on
	// timing: all but the first two until the quota is lifted.
	f := awsfake.Faults{Quota: 1e-9, QuotaBurst: 2}
	k := s.kit(e, Setup{Faults: f, Items: 24, Keys: 2})
	in := s.mix(k, 21, false)
	seen, lifted := 0, false
	var retries []batch.RetryInfo
	r := s.runner(e, k, 21, func(o *batch.Options) {
		o.MaxItemsPerCall = 4
		o.MaxInFlight = 2
		o.MaxAttempts = 10
		// Hooks run on the run's goroutine, one at a time.
		o.Hooks.OnCall = func(ci batch.CallInfo) {
			if ci.Done && ci.Throttled {
				seen++
				if seen == throttledCalls && !lifted {
					lifted = true
					k.SetFaults(awsfake.Faults{})
				}
			}
		}
		o.Hooks.OnRetry = func(ri batch.RetryInfo) { retries = append(retries, ri) }
	})
	rep := runChecked(t, r, in.items, "run")
	if rep == nil {
		return
	}
	p := notSucceeded(rep.Outcomes)
	if !lifted {
		p = append(p, fmt.Sprintf("the engine saw %d throttled calls, want at least %d: the kit's throttles did not reach it", seen, throttledCalls))
	}
	if rep.Stats.ThrottledCalls < throttledCalls {
		p = append(p, fmt.Sprintf("Stats.ThrottledCalls is %d, want at least %d", rep.Stats.ThrottledCalls, throttledCalls))
	}
	afterThrottle := 0
	for _, ri := range retries {
		switch {
		case ri.Err == nil || !ri.Err.Retryable:
			p = append(p, fmt.Sprintf("item %d retried after a permanent error: %v", ri.Index, ri.Err))
		case ri.Err.Code == batch.CodeThrottled:
			afterThrottle++
		}
	}
	if afterThrottle == 0 {
		p = append(p, "no item was retried after a throttled call")
	}
	p = append(p, checkApplied(k, rep.Outcomes)...)
	l := s.log(e, k)
	p = append(p, s.checkSent(k, l, in, rep.Outcomes)...)
	throttled := 0
	for _, r := range l.reqs {
		if r.Fault == throttledFault {
			throttled++
		}
	}
	if throttled < throttledCalls {
		p = append(p, fmt.Sprintf("the kit throttled %d requests, want at least one per throttled call (%d)", throttled, throttledCalls))
	}
	t.Logf("%d throttled requests, %d throttled calls, %d retries after throttles", throttled, rep.Stats.ThrottledCalls, afterThrottle)
	report(t, "quota", p)
}

// quotaSignaled throttles a seeded share of requests, one call in flight at
// a time, so that the client's retryer absorbs some throttles: the engine
// must see those calls as throttled too (the adapter signals them with
// batch.SignalThrottle), every retry of a throttled request must wait for
// the send rate (batch.PaceRetry), and every item succeeds.
func (s *suite[T, R]) quotaSignaled(t *testing.T, e *env[T, R]) {
	f := awsfake.Faults{Seed: 4, ThrottleRate: 0.5}
	k := s.kit(e, Setup{Faults: f, Items: 40, Keys: 2})
	in := s.mix(k, 4, false)
	hidden, failed := 0, 0
	lim := &countingLimiter{}
	r := s.runner(e, k, 4, func(o *batch.Options) {
		o.MaxItemsPerCall = 4
		o.MaxInFlight = 1
		o.MaxAttempts = 10
		o.Limiter = lim
		o.Hooks.OnCall = func(ci batch.CallInfo) {
			switch {
			case !ci.Done:
			case ci.Throttled && ci.Err == nil:
				hidden++
			case ci.Err != nil:
				failed++
			}
		}
	})
	rep := runChecked(t, r, in.items, "run")
	if rep == nil {
		return
	}
	p := notSucceeded(rep.Outcomes)
	l := s.log(e, k)
	p = append(p, s.checkSent(k, l, in, rep.Outcomes)...)
	// Requests of one call follow each other (one call in flight); a call
	// whose client retried a throttled request and then got an answer ends
	// with an answered request right after a throttled one.
	absorbed := 0
	for j := 1; j < len(l.reqs); j++ {
		if l.reqs[j-1].Fault == throttledFault && answered(&l.reqs[j]) && slices.Equal(l.tags[j-1], l.tags[j]) {
			absorbed++
		}
	}
	t.Logf("%d calls answered after a throttle the client retried, %d marked throttled by the engine, %d failed calls; %d requests, %d waits for the send rate", absorbed, hidden, failed, len(l.reqs), lim.waits.Load())
	// The only faults are throttles, so every request is a call's first or
	// the retry of a throttled one: each waited for the send rate.
	if w := int(lim.waits.Load()); w != len(l.reqs) {
		p = append(p, fmt.Sprintf("the kit received %d requests but the send rate let %d go: the adapter does not pace its client's retries of throttled requests (batch.PaceRetry)", len(l.reqs), w))
	}
	switch {
	case absorbed == 0:
		p = append(p, "the client never retried a throttled request into an answer: the test exercises nothing (change the seed)")
	case hidden < absorbed:
		p = append(p, fmt.Sprintf("%d calls were answered after a throttle the client retried, but the engine saw only %d of them as throttled: the adapter does not signal the throttles its client hides", absorbed, hidden))
	}
	report(t, "throttle signals", p)
}

// quotaInAnswers has the kit throttle items inside its answers: the engine
// counts those calls as throttled and retries the items until they
// succeed.
func (s *suite[T, R]) quotaInAnswers(t *testing.T, e *env[T, R]) {
	if !s.h.ItemThrottles {
		t.Skip("the service reports no throttles inside its answers (Harness.ItemThrottles)")
	}
	f := awsfake.Faults{Seed: 7, ItemFailureRate: 0.3}
	k := s.kit(e, Setup{Faults: f, Items: 40, Keys: 2, ItemThrottles: true})
	in := s.mix(k, 7, false)
	var retries []batch.RetryInfo
	r := s.runner(e, k, 7, func(o *batch.Options) {
		o.MaxItemsPerCall = 8
		o.MaxAttempts = 20
		o.Hooks.OnRetry = func(ri batch.RetryInfo) { retries = append(retries, ri) }
	})
	rep := runChecked(t, r, in.items, "run")
	if rep == nil {
		return
	}
	p := notSucceeded(rep.Outcomes)
	for _, ri := range retries {
		if ri.Err == nil || ri.Err.Code != batch.CodeThrottled || !ri.Err.Retryable {
			p = append(p, fmt.Sprintf("item %d retried after %v, want only retryable throttles", ri.Index, ri.Err))
		}
	}
	if len(retries) == 0 || rep.Stats.ThrottledCalls == 0 {
		p = append(p, fmt.Sprintf("%d retries and %d throttled calls, though the kit throttles 30%% of items inside its answers", len(retries), rep.Stats.ThrottledCalls))
	}
	p = append(p, checkApplied(k, rep.Outcomes)...)
	p = append(p, s.checkSent(k, s.log(e, k), in, rep.Outcomes)...)
	report(t, "throttles inside answers", p)
}

// testDropped loses every answer after the kit applied the call: no item
// may succeed, and every item fails retryably after its last attempt.
func (s *suite[T, R]) testDropped(t *testing.T, e *env[T, R]) {
	const maxAttempts = 2
	k := s.kit(e, Setup{Faults: awsfake.Faults{DropRate: 1}, Items: 10, Keys: 2})
	in := s.mix(k, 23, false)
	r := s.runner(e, k, 23, func(o *batch.Options) {
		o.MaxItemsPerCall = 4
		o.MaxAttempts = maxAttempts
	})
	rep := runChecked(t, r, in.items, "run")
	if rep == nil {
		return
	}
	var p []string
	for i := range rep.Outcomes {
		o := &rep.Outcomes[i]
		switch {
		case o.Status != batch.StatusFailed:
			p = append(p, fmt.Sprintf("item %d: got %s, but every answer was lost", i, describe(o)))
		case !o.Err.Retryable || !codeIn(o.Err, s.callFaultCodes()):
			p = append(p, fmt.Sprintf("item %d: got %s, want a retryable failure with one of %v", i, describe(o), s.callFaultCodes()))
		case o.Attempts != maxAttempts:
			p = append(p, fmt.Sprintf("item %d: %s, want %d attempts", i, describe(o), maxAttempts))
		}
	}
	l := s.log(e, k)
	p = append(p, s.checkSent(k, l, in, rep.Outcomes)...)
	for _, r := range l.reqs {
		if r.Fault != awsfake.FaultDrop {
			p = append(p, fmt.Sprintf("request %d: fault %q, want %q", r.Seq, r.Fault, awsfake.FaultDrop))
		}
	}
	report(t, "dropped answers", p)
}

// testCredentials signs every request with a wrong secret, with the kit's
// modeled refusal and with AWS's generic one: the run ends with
// batch.ErrUnauthorized after at most the calls in flight, every item
// fails with CodeUnauthorized, and no error quotes the secret.
func (s *suite[T, R]) testCredentials(t *testing.T, e *env[T, R]) {
	const inFlight = 2
	for _, generic := range []bool{false, true} {
		what := fmt.Sprintf("generic errors %v", generic)
		k := s.kit(e, Setup{Items: 40, Keys: 4, Secret: wrongSecret, GenericAuthErrors: generic})
		in := s.mix(k, 25, false)
		r := s.runner(e, k, 25, func(o *batch.Options) {
			o.MaxItemsPerCall = 5
			o.MaxInFlight = inFlight
		})
		rep, err := runOutcomes(t, r, in.items, what)
		assert.ErrorIs(t, err, batch.ErrUnauthorized, "%s: Run error", what)
		if err != nil && strings.Contains(err.Error(), wrongSecret) {
			t.Errorf("%s: the run's error quotes the secret", what)
		}
		if rep == nil {
			continue
		}
		var p []string
		for i := range rep.Outcomes {
			o := &rep.Outcomes[i]
			if o.Status != batch.StatusFailed || o.Err.Code != batch.CodeUnauthorized {
				p = append(p, fmt.Sprintf("item %d: got %s, want a failure with %s", i, describe(o), batch.CodeUnauthorized))
			} else if strings.Contains(o.Err.Error(), wrongSecret) {
				p = append(p, fmt.Sprintf("item %d: the error quotes the secret", i))
			}
		}
		l := s.log(e, k)
		if n := len(l.reqs); n == 0 || n > inFlight {
			p = append(p, fmt.Sprintf("the kit got %d requests, want at least one and at most the %d in flight", n, inFlight))
		}
		report(t, what, p)
	}
}

// testKeyFailure runs known items of two keys among unknown ones, one call
// in flight: known items succeed, unknown ones fail, and a key that failed
// as a whole (its items share one error) got exactly one request.
func (s *suite[T, R]) testKeyFailure(t *testing.T, e *env[T, R]) {
	k := s.kit(e, Setup{Items: 20, Keys: 2, Unknown: 40})
	in := s.mix(k, 27, false)
	r := s.runner(e, k, 27, func(o *batch.Options) {
		o.MaxItemsPerCall = 4
		o.MaxInFlight = 1
	})
	rep := runChecked(t, r, in.items, "run")
	if rep == nil {
		return
	}
	var p []string
	errsOfKey := make(map[string]map[*batch.Error]int)
	for i := range rep.Outcomes {
		o := &rep.Outcomes[i]
		switch in.kinds[i] {
		case known:
			if o.Status != batch.StatusSucceeded {
				p = append(p, fmt.Sprintf("known item %d: got %s, want success", i, describe(o)))
			}
		case unknown:
			if o.Status != batch.StatusFailed || !codeIn(o.Err, s.unknownCodes()) {
				p = append(p, fmt.Sprintf("unknown item %d: got %s, want a failure with %v", i, describe(o), s.unknownCodes()))
				continue
			}
			key := k.Adapter.Key(o.Item)
			if errsOfKey[key] == nil {
				errsOfKey[key] = make(map[*batch.Error]int)
			}
			errsOfKey[key][o.Err]++
		}
	}
	l := s.log(e, k)
	p = append(p, s.checkSent(k, l, in, rep.Outcomes)...)
	requests := make(map[string]int)
	for j := range l.reqs {
		keys := make(map[string]bool)
		for _, tag := range l.tags[j] {
			key, _, _ := strings.Cut(tag, "\x00")
			keys[key] = true
		}
		for key := range keys {
			requests[key]++
		}
	}
	dead := 0
	for key, errs := range errsOfKey {
		if len(errs) != 1 {
			continue
		}
		for _, n := range errs {
			if n < 2 {
				continue
			}
			dead++
			if requests[key] != 1 {
				p = append(p, fmt.Sprintf("key %q failed as a whole after %d requests, want 1", key, requests[key]))
			}
		}
	}
	t.Logf("%d keys failed as a whole", dead)
	report(t, "key failure", p)
}

// testVolume streams a few thousand items over several keys under every
// fault, with a small buffer: every item gets exactly one outcome, known
// items succeed or fail with a fault's code, and every fault fired.
func (s *suite[T, R]) testVolume(t *testing.T, e *env[T, R]) {
	// About 250 calls, so that each fault fires many times whatever the
	// order in which the calls in flight reach the kit.
	f := awsfake.Faults{Seed: 42, ItemFailureRate: 0.03, CallFailureRate: 0.05, DropRate: 0.04, MalformedRate: 0.04}
	k := s.kit(e, Setup{Faults: f, Items: 2000, Keys: 4})
	in := s.mix(k, 29, false)
	r := s.runner(e, k, 29, func(o *batch.Options) {
		o.MaxItemsPerCall = 8
		o.MaxAttempts = 10
		o.MaxBuffered = 256
	})
	ctx, cancel := runCtx()
	defer cancel()
	var outs []batch.Outcome[T, R]
	for o, err := range r.Stream(ctx, slices.Values(in.items)) {
		if err != nil {
			t.Errorf("Stream: %v", err)
			continue
		}
		outs = append(outs, o)
	}
	p := checkStream(outs, in.items, true)
	failed := make(map[batch.Code]int)
	for i := range outs {
		o := &outs[i]
		if o.Status == batch.StatusSucceeded {
			continue
		}
		if o.Err != nil {
			failed[o.Err.Code]++
		}
		if o.Status != batch.StatusFailed || !codeIn(o.Err, s.h.ItemFaultCodes, s.callFaultCodes()) {
			p = append(p, fmt.Sprintf("known item %d: got %s, want success or a fault's code", o.Index, describe(o)))
		}
	}
	p = append(p, checkApplied(k, outs)...)
	l := s.log(e, k)
	p = append(p, s.checkSent(k, l, in, outs)...)
	faults := make(map[string]int)
	for _, r := range l.reqs {
		faults[r.Fault]++
	}
	t.Logf("%d items, failures by code %v; %d requests by fault %v", len(outs), failed, len(l.reqs), faults)
	for _, f := range []string{awsfake.FaultDrop, awsfake.FaultMalformed, awsfake.KindInternal.String()} {
		if faults[f] == 0 {
			p = append(p, fmt.Sprintf("fault %q never fired: the test does not exercise it", f))
		}
	}
	report(t, "volume", p)
}

// manyKeysBound is how long the ManyKeys run may take before its watchdog
// fails the subtest; it takes well under a second.
const manyKeysBound = 20 * time.Second

// testManyKeys runs fifty keys with one call in flight and one poison item,
// the schedule of a run that used to wait forever: the run must end, the
// poison item fail and every other item succeed. A watchdog fails the
// subtest with a clear message if the run does not end.
func (s *suite[T, R]) testManyKeys(t *testing.T, e *env[T, R]) {
	const keys = 50
	k := s.kit(e, Setup{Items: 2 * keys, Keys: keys, Poison: 1})
	in := s.mix(k, 31, false)
	r := s.runner(e, k, 31, func(o *batch.Options) { o.MaxInFlight = 1 })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		rep *batch.Report[T, R]
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := r.Run(ctx, in.items)
		done <- result{rep, err}
	}()
	watchdog := time.NewTimer(manyKeysBound)
	defer watchdog.Stop()
	var res result
	select {
	case res = <-done:
	case <-watchdog.C:
		cancel()
		select {
		case <-done:
			t.Fatalf("the run of %d keys with MaxInFlight 1 and a poison item had not ended after %v; it ended only once canceled",
				keys, manyKeysBound)
		case <-time.After(manyKeysBound):
			t.Fatalf("the run of %d keys with MaxInFlight 1 and a poison item hangs: not ended %v after it started, nor %v after it was canceled",
				keys, manyKeysBound, manyKeysBound)
		}
	}
	logReport(t, "run", res.rep)
	assert.NoError(t, res.err, "Run")
	p := checkReport(res.rep, in.items)
	if len(p) > 0 {
		report(t, "ledger", p)
		return
	}
	for i := range res.rep.Outcomes {
		o := &res.rep.Outcomes[i]
		switch {
		case in.kinds[i] == poison && (o.Status != batch.StatusFailed || !codeIn(o.Err, s.poisonCodes())):
			p = append(p, fmt.Sprintf("poison item %d: got %s, want a failure with %v", i, describe(o), s.poisonCodes()))
		case in.kinds[i] == known && o.Status != batch.StatusSucceeded:
			p = append(p, fmt.Sprintf("item %d: got %s, want success", i, describe(o)))
		}
	}
	p = append(p, checkApplied(k, res.rep.Outcomes)...)
	p = append(p, s.checkSent(k, s.log(e, k), in, res.rep.Outcomes)...)
	report(t, "many keys", p)
}

// testDuplicates puts items in the input more than once, in calls of four
// and calls of one: every occurrence gets its own outcome, none is lost, no
// request carries an identity twice, and the occurrences end as
// Harness.DuplicateCodes says.
func (s *suite[T, R]) testDuplicates(t *testing.T, e *env[T, R]) {
	for _, perCall := range []int{4, 1} {
		what := fmt.Sprintf("%d per call", perCall)
		k := s.kit(e, Setup{Items: 12, Keys: 2})
		in := s.mix(k, 33, false)
		// Every third item again, and the first one a third time, at the end.
		for i, n := 0, len(in.items); i < n; i += 3 {
			in.add(in.items[i], known, "")
		}
		in.add(in.items[0], known, "")
		r := s.runner(e, k, 33, func(o *batch.Options) {
			o.MaxItemsPerCall = perCall
			o.MaxInFlight = 2
		})
		rep := runChecked(t, r, in.items, what)
		if rep == nil {
			continue
		}
		var p []string
		succeeded := make(map[string]int)
		occurrences := make(map[string]int)
		for i := range rep.Outcomes {
			o := &rep.Outcomes[i]
			tag := tagOf(k.Adapter, o.Item)
			occurrences[tag]++
			switch {
			case o.Status == batch.StatusSucceeded:
				succeeded[tag]++
			case s.h.DuplicateCodes == nil:
				p = append(p, fmt.Sprintf("item %d: got %s, want success (Harness.DuplicateCodes is nil)", i, describe(o)))
			case o.Status != batch.StatusFailed || !codeIn(o.Err, s.h.DuplicateCodes):
				p = append(p, fmt.Sprintf("item %d: got %s, want success or a failure with %v", i, describe(o), s.h.DuplicateCodes))
			}
		}
		if s.h.DuplicateCodes != nil {
			for tag, n := range occurrences {
				if succeeded[tag] != 1 {
					p = append(p, fmt.Sprintf("an item given %d times succeeded %d times, want once (the others fail with %v)", n, succeeded[tag], s.h.DuplicateCodes))
				}
			}
		}
		p = append(p, checkApplied(k, rep.Outcomes)...)
		l := s.log(e, k)
		p = append(p, s.checkSent(k, l, in, rep.Outcomes)...)
		for j, tags := range l.tags {
			if len(slices.Compact(slices.Sorted(slices.Values(tags)))) != len(tags) {
				p = append(p, fmt.Sprintf("request %d carries an identity twice", l.reqs[j].Seq))
			}
		}
		report(t, what, p)
	}
}
