package messaging

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/batchkit/batchkit/internal/throttle"
	"github.com/batchkit/batchkit/messaging/messagingapi"
)

// callOptions returns the client option functions of one call: the
// caller's ClientOptions, then the adapter's retryer wrapper and answer
// check.
func (a *Adapter) callOptions(ctx context.Context, check *answerCheck) []func(*messagingapi.Options) {
	fns := make([]func(*messagingapi.Options), 0, len(a.clientFn)+1)
	fns = append(fns, a.clientFn...)
	return append(fns, func(o *messagingapi.Options) {
		if o.Retryer != nil {
			// Wrapped, not replaced: the client's retryer already retries
			// messagingapi.ThrottleErrorCodes.
			o.Retryer = throttle.Wrap(ctx, o.Retryer, a.codes...)
		}
		if o.HTTPClient != nil {
			check.next = o.HTTPClient
			o.HTTPClient = check
		}
	})
}

// errNotOneObject describes an answer refused by [answerCheck].
const errNotOneObject = "the answer's body is not one JSON object, so no member of the call can be reported as added"

// maxCheckedBody bounds how much of a successful answer the check buffers:
// 100 members and 100 errors with the longest ARNs take well under 1 MiB.
// A larger body is passed on unchecked.
const maxCheckedBody = 4 << 20

// refusedBody replaces the body of a refused answer. It is not JSON, so the
// client's decoder fails with a smithy.DeserializationError, which the SDK
// retryers do not retry and [Adapter.Classify] reports as Unmatched.
var refusedBody = []byte("batchkit: refused answer")

// answerCheck is the HTTP client of one call. It refuses successful answers
// whose body is not exactly one JSON object: the client's decoder, like the
// official one, reads only the first JSON value and takes an empty body or
// null for an answer without members, so a body the service did not finish
// writing, or one with trailing data, would otherwise be read as a partial
// answer. refused records that it did.
type answerCheck struct {
	next    messagingapi.HTTPClient
	refused atomic.Bool
}

// Do sends req and checks a 2xx answer's body.
func (c *answerCheck) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(req)
	if err != nil || resp.StatusCode < 200 || resp.StatusCode > 299 || resp.Body == nil {
		return resp, err
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxCheckedBody+1))
	switch {
	case rerr != nil:
		// Hand the failure on to the client, which reads it as an answer
		// cut off in transit.
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(body), errReader{rerr}), resp.Body}
		return resp, nil
	case len(body) > maxCheckedBody:
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
		return resp, nil
	}
	_ = resp.Body.Close()
	if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		c.refused.Store(true)
		body = refusedBody
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
