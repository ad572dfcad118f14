package throttle_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
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
	throttle.Wrap(ctx, retry.NewStandard(), "SlowDown429").IsErrorRetryable(a.err)
	return make([]batch.Result[struct{}], len(items)), nil
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
