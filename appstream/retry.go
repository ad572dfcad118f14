package appstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/batchkit/batchkit/internal/throttle"
)

// extraThrottleCodes are throttle codes the SDK's standard retryer does not
// know (see retry.DefaultThrottleErrorCodes). AppStream names
// RequestLimitExceededException in its model; it is registered so that a
// call throttled with it is retried like any other throttle.
var extraThrottleCodes = []string{"RequestLimitExceededException"}

// newThrottleRetryer wraps the caller's retryer for one call: every failed
// attempt that was throttled (a code the SDK treats as a throttle, one of
// extraThrottleCodes, or HTTP 429) is reported with batch.SignalThrottle on
// the call's context, and extraThrottleCodes are retryable.
func newThrottleRetryer(ctx context.Context, r aws.Retryer) aws.RetryerV2 {
	return throttle.Wrap(ctx, r, extraThrottleCodes...)
}

// bodyCheck refuses a 2xx answer whose body is not a JSON object (or, for
// the CBOR protocol, a CBOR map). The SDK's JSON decoder accepts an empty
// body or "null" as an answer without errors, which would turn every item of
// the call into a success; the check turns such answers into a
// smithy.DeserializationError instead.
type bodyCheck struct{}

func (bodyCheck) ID() string { return "BatchkitAppStreamBodyCheck" }

func (bodyCheck) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if err != nil {
		return out, md, err
	}
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 || resp.Body == nil {
		return out, md, err
	}
	body, rerr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return out, md, &smithy.DeserializationError{Err: fmt.Errorf("appstream: reading the answer: %w", rerr)}
	}
	if !isDocument(resp.Header.Get("Content-Type"), body) {
		return out, md, &smithy.DeserializationError{
			Err:      errors.New("appstream: the answer's body is not a document"),
			Snapshot: body[:min(len(body), 64)],
		}
	}
	return out, md, nil
}

// isDocument reports whether body opens an object in the answer's format.
func isDocument(contentType string, body []byte) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/cbor" {
		// Major type 5 (map), definite or indefinite length.
		return len(body) > 0 && body[0]>>5 == 5
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	return len(trimmed) > 0 && trimmed[0] == '{'
}

func addBodyCheck(stack *middleware.Stack) error {
	return stack.Deserialize.Add(bodyCheck{}, middleware.After)
}
