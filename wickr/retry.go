package wickr

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/internal/throttle"
	"github.com/batchkit/batchkit/internal/wire"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

// callOptions returns the client option functions of one call: the caller's
// ClientOptions, then the adapter's retryer wrapper and answer check.
func (a *Adapter) callOptions(ctx context.Context, cs *callState) []func(*wickrapi.Options) {
	fns := make([]func(*wickrapi.Options), 0, len(a.clientFn)+1)
	fns = append(fns, a.clientFn...)
	return append(fns, func(o *wickrapi.Options) {
		if o.Retryer != nil {
			o.Retryer = a.wrapRetryer(ctx, o.Retryer, cs)
		}
		// A 2xx answer whose body is not exactly one JSON object reads as
		// a retryable error (see wire.CheckAnswers): the client sends the
		// request again with the same client token, so the service repeats
		// its answer without creating anyone twice, and if every attempt
		// fails so, Classify reports the call as CodeUnmatched. The client's
		// decoder, like the SDK's, reads only the first JSON value and takes
		// an empty body or null for an answer without users; such an answer
		// must never be attributed.
		o.HTTPClient = wire.CheckAnswers(o.HTTPClient)
	})
}

// wrapRetryer returns r extended for one call: the throttle codes are
// retried (the client registers RateLimitError itself; this adds
// Options.ThrottleCodes), every HTTP attempt that failed on a throttle is
// reported to the run with [batch.SignalThrottle], even when a later attempt
// succeeds, and every attempt that failed without a definite refusal is
// noted in cs. The wrappers share r's retry quota and backoff, so the
// caller's retry settings keep applying.
func (a *Adapter) wrapRetryer(ctx context.Context, r aws.Retryer, cs *callState) aws.Retryer {
	return &notingRetryer{RetryerV2: throttle.Wrap(ctx, r, a.codes...), call: cs}
}

// notingRetryer notes in call every failed attempt whose outcome is unknown.
// The client's retry loop calls IsErrorRetryable once for every failed
// attempt, which makes it the hook for seeing them.
type notingRetryer struct {
	aws.RetryerV2
	call *callState
}

// IsErrorRetryable notes an attempt whose outcome is unknown, then defers
// to the wrapped retryer.
func (r *notingRetryer) IsErrorRetryable(err error) bool {
	if !refused(err) {
		r.call.unsure.Store(true)
	}
	return r.RetryerV2.IsErrorRetryable(err)
}
