package wickr

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/internal/awsrest"
	"github.com/batchkit/batchkit/internal/throttle"
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
		if o.HTTPClient != nil {
			o.HTTPClient = bodyCheck{next: o.HTTPClient}
		}
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

// bodyCheck is the HTTP client of one call: it refuses 2xx answers whose
// body is not exactly one JSON object. The client's decoder, like the SDK's,
// reads only the first JSON value and takes an empty body or null for an
// answer without users; such an answer must never be attributed.
//
// A refused body reads as an error (errMalformedAnswer), which the client
// reports as a cut-off answer: its retryer sends the request again with the
// same client token, so the service repeats its answer without creating
// anyone twice, and if every attempt fails the call fails with a
// deserialization error that [Adapter.Classify] reports as
// [batch.CodeUnmatched].
type bodyCheck struct {
	next wickrapi.HTTPClient
}

// Do sends req with the wrapped client and checks a 2xx answer's body.
func (c bodyCheck) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(req)
	if err != nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, err
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, awsrest.MaxResponseBytes+1))
	_ = resp.Body.Close()
	switch trimmed := bytes.TrimSpace(body); {
	case rerr != nil:
		resp.Body = io.NopCloser(failingReader{rerr})
	case len(body) > awsrest.MaxResponseBytes:
		// The client refuses it for its size.
		resp.Body = io.NopCloser(bytes.NewReader(body))
	case len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed):
		resp.Body = io.NopCloser(failingReader{errMalformedAnswer})
	default:
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	return resp, nil
}

// malformedAnswerError is the read error of an answer bodyCheck refused.
type malformedAnswerError struct{}

func (malformedAnswerError) Error() string {
	return "wickr: the answer's body is not one JSON object"
}

// RetryableError tells the SDK retryers that the request may be sent again.
func (malformedAnswerError) RetryableError() bool { return true }

var errMalformedAnswer error = malformedAnswerError{}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }
