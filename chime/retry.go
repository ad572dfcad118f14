package chime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	//lint:ignore SA1019 the legacy Amazon Chime API, deprecated with its end of support, is what this package wraps.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/batchkit/batchkit/internal/throttle"
)

// callOptions returns the SDK option functions of one call: the caller's
// ClientOptions, then the adapter's retryer wrapper and answer check.
func (a *Adapter) callOptions(ctx context.Context) []func(*chimesdk.Options) {
	fns := make([]func(*chimesdk.Options), 0, len(a.clientFn)+1)
	fns = append(fns, a.clientFn...)
	return append(fns, func(o *chimesdk.Options) {
		if o.Retryer != nil {
			o.Retryer = a.wrapRetryer(ctx, o.Retryer)
		}
		o.APIOptions = append(o.APIOptions, addBodyCheck)
	})
}

// wrapRetryer returns r extended for one call: the throttle codes the SDK
// does not know are retried (with retry.AddWithErrorCodes), and every HTTP
// attempt that failed on a throttle is reported to the run with
// [batch.SignalThrottle], even when a later attempt succeeds. The wrapper
// shares r's retry quota and backoff, so the caller's retry settings keep
// applying.
func (a *Adapter) wrapRetryer(ctx context.Context, r aws.Retryer) aws.Retryer {
	return throttle.Wrap(ctx, r, a.codes...)
}

// maxBody bounds how much of a successful answer the check buffers: 20
// UserErrors entries take a few kilobytes.
const maxBody = 1 << 20

// addBodyCheck installs bodyCheck right below the operation's deserializer.
func addBodyCheck(stack *middleware.Stack) error {
	return stack.Deserialize.Insert(bodyCheck{}, "OperationDeserializer", middleware.After)
}

// bodyCheck refuses successful answers whose body is not exactly one JSON
// object. The SDK's deserializer reads only the first JSON value and treats
// an empty body or null as an answer without UserErrors, which would report
// every user as updated; an answer the service did not finish writing must
// never count as success.
type bodyCheck struct{}

func (bodyCheck) ID() string { return "BatchkitChimeBodyCheck" }

func (bodyCheck) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if err != nil {
		return out, md, err
	}
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if !ok || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return out, md, err
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	switch trimmed := bytes.TrimSpace(body); {
	case rerr != nil:
		return out, md, &smithy.DeserializationError{Err: fmt.Errorf("failed to read response body, %w", rerr)}
	case len(body) > maxBody:
		return out, md, &smithy.DeserializationError{Err: fmt.Errorf("response body is larger than %d bytes", maxBody)}
	case len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed):
		return out, md, &smithy.DeserializationError{Err: errors.New("response body is not one JSON object"), Snapshot: snapshot(body)}
	}
	return out, md, nil
}

func snapshot(b []byte) []byte {
	if len(b) > 1024 {
		b = b[:1024]
	}
	return append([]byte(nil), b...)
}
