package throttle

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
)

// Wrap returns r extended for the call that owns ctx: codes are retried as
// throttles (retry.AddWithErrorCodes), and every failed attempt that [Is] a
// throttle, by codes, by the SDK's default throttle codes or by HTTP 429,
// calls [batch.SignalThrottle] with ctx before the wrapped retryer decides;
// the attempt that retries it first waits for the run's send rate
// ([batch.PaceRetry]). codes is copied. A retryer that is not an aws.RetryerV2 is adapted the
// way the SDK adapts it.
func Wrap(ctx context.Context, r aws.Retryer, codes ...string) aws.RetryerV2 {
	set := make(map[string]struct{}, len(codes))
	for _, c := range codes {
		set[c] = struct{}{}
	}
	return &retryer{RetryerV2: asV2(retry.AddWithErrorCodes(r, codes...)), ctx: ctx, codes: set}
}

// retryer reports throttled attempts to the run owning ctx and paces their
// retries at its send rate.
type retryer struct {
	aws.RetryerV2
	ctx   context.Context
	codes map[string]struct{}
	// throttled says the last failed attempt was a throttle: the next
	// attempt is its retry. The retry loop runs one attempt at a time; the
	// flag is atomic for retryers a caller's code shares anyway.
	throttled atomic.Bool
}

// IsErrorRetryable signals a throttle when err is one, then defers to the
// wrapped retryer.
func (r *retryer) IsErrorRetryable(err error) bool {
	if is(err, r.codes) {
		r.throttled.Store(true)
		batch.SignalThrottle(r.ctx)
	}
	return r.RetryerV2.IsErrorRetryable(err)
}

// GetAttemptToken waits for the run's send rate before the retry of a
// throttled attempt (the retry loop calls it before every attempt, after
// the backoff), then defers to the wrapped retryer. A run that ends while
// the retry waits ends the call with ctx's error.
func (r *retryer) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	if r.throttled.Swap(false) {
		if err := batch.PaceRetry(r.ctx); err != nil {
			return nil, err
		}
	}
	return r.RetryerV2.GetAttemptToken(ctx)
}

// Is reports whether err is a throttling answer: an error code among codes
// or retry.DefaultThrottleErrorCodes, with or without a namespace, or an
// HTTP 429 status.
func Is(err error, codes ...string) bool {
	set := make(map[string]struct{}, len(codes))
	for _, c := range codes {
		set[c] = struct{}{}
	}
	return is(err, set)
}

func is(err error, codes map[string]struct{}) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		// The RPC v2 CBOR clients report codes the model does not define
		// with their namespace ("com.amazon.coral.availability#...").
		c := wire.BareCode(apiErr.ErrorCode())
		if _, ok := codes[c]; ok {
			return true
		}
		if _, ok := retry.DefaultThrottleErrorCodes[c]; ok {
			return true
		}
	}
	var se interface{ HTTPStatusCode() int }
	return errors.As(err, &se) && se.HTTPStatusCode() == http.StatusTooManyRequests
}

// asV2 returns r as an aws.RetryerV2. retry.AddWithErrorCodes always
// returns one; the fallback keeps a future SDK that changes this working.
func asV2(r aws.Retryer) aws.RetryerV2 {
	if v, ok := r.(aws.RetryerV2); ok {
		return v
	}
	return retryerV2{r}
}

type retryerV2 struct{ aws.Retryer }

func (r retryerV2) GetAttemptToken(context.Context) (func(error) error, error) {
	return r.GetInitialToken(), nil
}

var _ aws.RetryerV2 = (*retryer)(nil)
