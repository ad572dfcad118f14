package conformance

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/awsfake"
)

// HTTPClient is the Do method through which the adapters' clients (the
// SDK's and batchkit's own) send requests; *http.Client satisfies it.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// HTTPClient returns the HTTP client the adapter's client must send
// through, given c, the one the kit's aws.Config holds: c itself when
// s.HTTPTimeout is zero, otherwise a copy of c with Timeout set to
// s.HTTPTimeout, over the same transport (so the kit's Close still closes
// its connections). A harness applies it in NewKit, for example with a
// client option function:
//
//	srv.Client(func(o *wickrapi.Options) { o.HTTPClient = s.HTTPClient(o.HTTPClient) })
//
// It panics when a time-out is asked for and c is not an *http.Client.
func (s Setup) HTTPClient(c HTTPClient) HTTPClient {
	if s.HTTPTimeout <= 0 {
		return c
	}
	hc, ok := c.(*http.Client)
	if !ok {
		panic(fmt.Sprintf("conformance: Setup.HTTPClient: the kit's HTTP client is a %T, not an *http.Client", c))
	}
	cp := *hc
	cp.Timeout = s.HTTPTimeout
	return &cp
}

// Timing of the HTTP time-out test. The kit holds its first requests for
// stallLatency, which the client's httpTimeout cuts short; the kit's
// retryer makes three attempts per call, so stalledRequests stalls every
// attempt of the first call and the engine must send its items again. A
// later request is answered at once; should a slow machine make one of
// them time out too, the engine retries it like the first, within
// timeoutAttempts, so the outcome does not depend on timing.
const (
	httpTimeout     = 200 * time.Millisecond
	stallLatency    = 20 * time.Second
	stalledRequests = 3
	timeoutAttempts = 10
	timeoutRunLimit = 15 * time.Second
)

// testHTTPTimeout gives the adapter's client an HTTP client whose Timeout
// is shorter than the kit's latency for the first requests. Such a
// time-out satisfies errors.Is with context.DeadlineExceeded, but it is not
// the run's cancellation: the call fails retryably with
// batch.CodeUnavailable (never batch.CodeCanceled), the engine sends its
// items again, and they succeed.
func (s *suite[T, R]) testHTTPTimeout(t *testing.T, e *env[T, R]) {
	f := awsfake.Faults{Latency: stallLatency, LatencyFirst: stalledRequests}
	k := s.kit(e, Setup{Faults: f, Items: 3, Keys: 1, HTTPTimeout: httpTimeout})
	in := s.mix(k, 17, false)
	var retries []batch.RetryInfo
	r := s.runner(e, k, 17, func(o *batch.Options) {
		o.MaxAttempts = timeoutAttempts
		o.Hooks.OnRetry = func(ri batch.RetryInfo) { retries = append(retries, ri) }
	})
	ctx, cancel := context.WithTimeout(context.Background(), timeoutRunLimit)
	rep, err := r.Run(ctx, in.items)
	cancel()
	logReport(t, "run", rep)
	assert.NoError(t, err, "Run (does NewKit give the adapter's client Setup.HTTPClient?)")
	p := checkReport(rep, in.items)
	if len(p) > 0 {
		report(t, "ledger", p)
		return
	}
	for i := range rep.Outcomes {
		if o := &rep.Outcomes[i]; o.Status != batch.StatusSucceeded {
			p = append(p, fmt.Sprintf("item %d: got %s, want success after the time-outs", i, describe(o)))
		}
	}
	if len(retries) == 0 {
		p = append(p, fmt.Sprintf("the engine retried nothing, though the kit stalled the first %d requests past the client's time-out", stalledRequests))
	}
	for _, ri := range retries {
		if ri.Err == nil || ri.Err.Code != batch.CodeUnavailable || !ri.Err.Retryable {
			p = append(p, fmt.Sprintf("item %d retried after %v, want a retryable %s (an HTTP time-out is not a cancellation)", ri.Index, ri.Err, batch.CodeUnavailable))
		}
	}
	p = append(p, checkApplied(k, rep.Outcomes)...)
	l := s.log(e, k)
	canceled := 0
	for _, req := range l.reqs {
		if req.Fault == awsfake.FaultCanceled {
			canceled++
		}
	}
	// The kit logs a request as canceled once it notices the client gone;
	// the last stalled one may only be noticed after the kit is closing,
	// so only the first is certain.
	if canceled == 0 {
		p = append(p, "no request was given up by the client during the kit's latency (does NewKit give the adapter's client Setup.HTTPClient?)")
	}
	p = append(p, s.checkSent(k, l, in, rep.Outcomes)...)
	report(t, "HTTP time-out", p)
}

// testMalformedBodies makes every 200 answer malformed in one way at a
// time, whatever the protocol: trailing data after the document, a
// truncated body, an empty body, a null document. The official decoders
// read the first three (all but truncation) as an answer without errors,
// which would count every item as a success. No item may succeed: every
// item ends batch.CodeUnmatched and retryable, the rule all adapters share
// (the answer was lost in transit, and the call may have been applied).
func (s *suite[T, R]) testMalformedBodies(t *testing.T, e *env[T, R]) {
	for _, m := range []awsfake.Malformation{
		awsfake.MalformTrailing, awsfake.MalformTruncated, awsfake.MalformEmpty, awsfake.MalformNull,
	} {
		what := m.String()
		f := awsfake.Faults{Seed: 19, MalformedRate: 1, Malformation: m}
		k := s.kit(e, Setup{Faults: f, Items: 4, Keys: 1})
		in := s.mix(k, 19, false)
		r := s.runner(e, k, 19, func(o *batch.Options) {
			o.MaxItemsPerCall = 2
			o.MaxAttempts = 2
		})
		ctx, cancel := runCtx()
		rep, err := r.Run(ctx, in.items)
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
			if o.Status != batch.StatusFailed || o.Err.Code != batch.CodeUnmatched || !o.Err.Retryable {
				p = append(p, fmt.Sprintf("item %d: got %s, want a retryable %s failure (every answer was %s)", i, describe(o), batch.CodeUnmatched, what))
			}
		}
		l := s.log(e, k)
		corrupted := 0
		for _, req := range l.reqs {
			switch {
			case req.Status == http.StatusOK && req.Fault != awsfake.FaultMalformed:
				p = append(p, fmt.Sprintf("request %d: answered 200 without corruption (fault %q); the plan corrupts every 200", req.Seq, req.Fault))
			case req.Fault == awsfake.FaultMalformed:
				corrupted++
			}
		}
		if corrupted == 0 {
			p = append(p, "no answer was corrupted")
		}
		p = append(p, s.checkSent(k, l, in, rep.Outcomes)...)
		report(t, what, p)
	}
}
