package throttle_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/throttle"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// withStatus wraps err the way the SDK does for an HTTP answer with status.
func withStatus(status int, err error) error {
	return &smithy.OperationError{Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(""))}},
			Err:      err,
		},
	}}
}

func TestIs(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"listed code", &smithy.GenericAPIError{Code: "SlowDown429"}, true},
		{"sdk default code", &smithy.GenericAPIError{Code: "ThrottlingException"}, true},
		{"429 with an unknown code", withStatus(429, &smithy.GenericAPIError{Code: "Whatever"}), true},
		{"429 without a code", withStatus(429, errors.New("x")), true},
		{"400 bad request", withStatus(400, &smithy.GenericAPIError{Code: "BadRequestException"}), false},
		{"500", withStatus(500, &smithy.GenericAPIError{Code: "ServiceFailureException"}), false},
		{"plain error", errors.New("boom"), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if got := throttle.Is(tt.err, "SlowDown429"); got != tt.want {
			t.Errorf("%s: Is() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// legacyRetryer is an aws.Retryer that is not an aws.RetryerV2.
type legacyRetryer struct{ aws.Retryer }

func TestWrapRetriesCodesAndKeepsOtherDecisions(t *testing.T) {
	for _, base := range []aws.Retryer{retry.NewStandard(), legacyRetryer{retry.NewStandard()}} {
		r := throttle.Wrap(context.Background(), base, "ThrottledClientException")
		if base.IsErrorRetryable(&smithy.GenericAPIError{Code: "ThrottledClientException"}) {
			t.Fatal("the standard retryer already retries ThrottledClientException; the test proves nothing")
		}
		for _, tt := range []struct {
			err  error
			want bool
		}{
			{&smithy.GenericAPIError{Code: "ThrottledClientException"}, true},
			{&smithy.GenericAPIError{Code: "ThrottlingException"}, true},
			{withStatus(503, &smithy.GenericAPIError{Code: "ServiceUnavailableException"}), true},
			{withStatus(400, &smithy.GenericAPIError{Code: "BadRequestException"}), false},
		} {
			if got := r.IsErrorRetryable(tt.err); got != tt.want {
				t.Errorf("%T: IsErrorRetryable(%v) = %v, want %v", base, tt.err, got, tt.want)
			}
		}
		if got, want := r.MaxAttempts(), base.MaxAttempts(); got != want {
			t.Errorf("MaxAttempts() = %d, want the wrapped retryer's %d", got, want)
		}
	}
}

// signalAdapter is a batch.Adapter whose calls feed one error to the
// wrapped retryer, as the SDK does after a failed attempt, and then
// succeed.
type signalAdapter struct{ err error }

func (signalAdapter) Operation() string        { return "Op" }
func (signalAdapter) MaxItems() int            { return 10 }
func (signalAdapter) Key(string) string        { return "" }
func (signalAdapter) Identity(s string) string { return s }
func (signalAdapter) Validate(string) error    { return nil }
func (signalAdapter) Classify(err error) (*batch.Error, batch.Scope) {
	return batch.AsError(err), batch.ScopeCall
}
func (a signalAdapter) Call(ctx context.Context, _ string, items []string) ([]batch.Result[struct{}], error) {
	// The SDK's retry loop: an attempt token before each attempt, the
	// decision after a failed one, then the next attempt's token.
	r := throttle.Wrap(ctx, retry.NewStandard(), "SlowDown429")
	if _, err := r.GetAttemptToken(ctx); err != nil {
		return nil, err
	}
	r.IsErrorRetryable(a.err)
	if _, err := r.GetAttemptToken(ctx); err != nil {
		return nil, err
	}
	return make([]batch.Result[struct{}], len(items)), nil
}

// countingLimiter lets calls go, refusing every Wait after the first
// allow, and records what it is told.
type countingLimiter struct {
	allow int

	mu      sync.Mutex
	waits   int
	reports []batch.CallResult
}

func (l *countingLimiter) Wait(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waits++
	if l.allow > 0 && l.waits > l.allow {
		return context.Canceled
	}
	return nil
}

func (l *countingLimiter) Done(r batch.CallResult) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reports = append(l.reports, r)
}

// TestWrapPacesRetriesOfThrottles checks that the retry of a throttled
// attempt waits for the run's send rate, and only that retry: an attempt
// after another failure goes at the SDK's pace alone.
func TestWrapPacesRetriesOfThrottles(t *testing.T) {
	for _, tt := range []struct {
		name      string
		err       error
		wantWaits int
	}{
		{"throttle", &smithy.GenericAPIError{Code: "SlowDown429"}, 2},
		{"429", withStatus(429, errors.New("x")), 2},
		{"other", withStatus(500, &smithy.GenericAPIError{Code: "InternalFailure"}), 1},
	} {
		lim := &countingLimiter{}
		r, err := batch.New[string, struct{}](signalAdapter{tt.err}, func(o *batch.Options) { o.Limiter = lim })
		require.NoError(t, err)
		rep, err := r.Run(context.Background(), []string{"a", "b"})
		require.NoError(t, err, tt.name)
		assert.Equal(t, 2, rep.Succeeded, tt.name)
		assert.Equal(t, tt.wantWaits, lim.waits, "%s: Waits for one call", tt.name)
		if tt.wantWaits == 2 {
			require.Len(t, lim.reports, 2, tt.name)
			assert.True(t, lim.reports[0].InFlight, "%s: the throttle is reported in flight", tt.name)
			assert.False(t, lim.reports[1].Sent.Before(lim.reports[0].Sent), "%s: the outcome's Sent is the retry's", tt.name)
		}
	}

	// A run that ends while the retry waits ends the call with the
	// Limiter's error; the item is not reported as sent successfully.
	lim := &countingLimiter{allow: 1}
	r, err := batch.New[string, struct{}](signalAdapter{&smithy.GenericAPIError{Code: "SlowDown429"}}, func(o *batch.Options) {
		o.Limiter = lim
		o.MaxAttempts = 1
	})
	require.NoError(t, err)
	rep, err := r.Run(context.Background(), []string{"a"})
	require.NoError(t, err)
	assert.Equal(t, 0, rep.Succeeded)
	require.Len(t, rep.Outcomes, 1)
	assert.ErrorIs(t, rep.Outcomes[0].Err, context.Canceled)

	// Outside a run, pacing does nothing.
	w := throttle.Wrap(context.Background(), retry.NewStandard())
	w.IsErrorRetryable(withStatus(429, errors.New("x")))
	_, err = w.GetAttemptToken(context.Background())
	assert.NoError(t, err)
}

func TestWrapSignalsTheRun(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"throttle", &smithy.GenericAPIError{Code: "SlowDown429"}, true},
		{"429", withStatus(429, errors.New("x")), true},
		{"other", withStatus(500, &smithy.GenericAPIError{Code: "InternalFailure"}), false},
	} {
		r, err := batch.New[string, struct{}](signalAdapter{tt.err})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := r.Run(context.Background(), []string{"a", "b"})
		if err != nil {
			t.Fatalf("%s: Run() error = %v", tt.name, err)
		}
		if got := rep.Stats.ThrottledCalls > 0; got != tt.want {
			t.Errorf("%s: ThrottledCalls = %d, want a throttle signal: %v", tt.name, rep.Stats.ThrottledCalls, tt.want)
		}
	}
	// Outside a run, signalling does nothing.
	throttle.Wrap(context.Background(), retry.NewStandard()).IsErrorRetryable(withStatus(429, errors.New("x")))
}
