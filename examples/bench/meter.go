package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/batchkit/batchkit/batch"
)

// meter counts what one strategy run sent: adapter calls and HTTP requests,
// and which of them the service throttled. It is safe for concurrent use.
type meter struct {
	calls          atomic.Int64 // adapter calls that returned
	callNanos      atomic.Int64 // total duration of those calls
	throttledCalls atomic.Int64 // calls with at least one throttled HTTP request
	requests       atomic.Int64 // HTTP requests sent (SDK attempts)
	throttled      atomic.Int64 // HTTP requests answered with a throttling error
}

// counts returns the meter's totals for a tracer.
func (m *meter) counts() tally {
	return tally{calls: m.calls.Load(), requests: m.requests.Load(), throttled: m.throttled.Load()}
}

// callKey is the context key of a call's *callMeter.
type callKey struct{}

// callMeter counts the throttled HTTP requests of one adapter call.
type callMeter struct{ throttled atomic.Int64 }

// metered wraps an adapter so that every call is counted, and so that the
// HTTP requests of a call can be attributed to it. Everything else is the
// wrapped adapter's.
type metered[T, R any] struct {
	batch.Adapter[T, R]
	m *meter
}

// Call calls the wrapped adapter with a context carrying a fresh callMeter.
func (a metered[T, R]) Call(ctx context.Context, key string, items []T) ([]batch.Result[R], error) {
	cm := &callMeter{}
	start := time.Now()
	res, err := a.Adapter.Call(context.WithValue(ctx, callKey{}, cm), key, items)
	a.m.callNanos.Add(int64(time.Since(start)))
	a.m.calls.Add(1)
	if cm.throttled.Load() > 0 {
		a.m.throttledCalls.Add(1)
	}
	return res, err
}

// meteredClient is the SDK's HTTP client: it counts requests and the
// answers that are throttling errors, then hands the answer on unchanged.
type meteredClient struct {
	base aws.HTTPClient
	m    *meter
}

// Do sends req with the base client and counts it.
func (c *meteredClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.base.Do(req)
	c.m.requests.Add(1)
	if err == nil && isThrottle(resp) {
		c.m.throttled.Add(1)
		if cm, ok := req.Context().Value(callKey{}).(*callMeter); ok {
			cm.throttled.Add(1)
		}
	}
	return resp, err
}

// throttleCodes are the throttling error codes of the kits: AppStream's
// ThrottlingException (400, AWS JSON 1.1) and Chime's
// ThrottledClientException (429, restJson1), and a few more AWS uses.
var throttleCodes = map[string]bool{
	"ThrottlingException":           true,
	"ThrottledClientException":      true,
	"RequestLimitExceededException": true,
	"TooManyRequestsException":      true,
	"Throttling":                    true,
}

// isThrottle reports whether resp is a throttling error: a 429, or a 4xx
// whose error type (X-Amzn-ErrorType, or __type in a JSON body) is one of
// throttleCodes. It leaves resp.Body readable from the start.
func isThrottle(resp *http.Response) bool {
	if resp.StatusCode == http.StatusTooManyRequests {
		return true
	}
	if resp.StatusCode < 400 || resp.StatusCode >= 500 {
		return false
	}
	if t := resp.Header.Get("X-Amzn-ErrorType"); t != "" {
		return throttleCodes[errorCode(t)]
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	rest := resp.Body
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), rest), rest}
	if err != nil {
		return false
	}
	if resp.Header.Get("Smithy-Protocol") == "rpc-v2-cbor" {
		// AppStream's current client speaks Smithy RPC v2 CBOR, whose error
		// documents carry __type in a CBOR map.
		v, err := cbor.Decode(body)
		if err != nil {
			return false
		}
		m, ok := v.(cbor.Map)
		if !ok {
			return false
		}
		t, ok := m["__type"].(cbor.String)
		return ok && throttleCodes[errorCode(string(t))]
	}
	var e struct {
		Type string `json:"__type"`
	}
	if json.Unmarshal(body, &e) != nil {
		return false
	}
	return throttleCodes[errorCode(e.Type)]
}

// errorCode strips what AWS may wrap an error type in:
// "aws.protocoltests#ThrottlingException:http://..." is ThrottlingException.
func errorCode(t string) string {
	if i := strings.IndexByte(t, ':'); i >= 0 {
		t = t[:i]
	}
	if i := strings.LastIndexByte(t, '#'); i >= 0 {
		t = t[i+1:]
	}
	return strings.TrimSpace(t)
}
