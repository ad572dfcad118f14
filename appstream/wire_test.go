package appstream_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/appstream/appstreamtest"
	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
)

// TestHTTPClientTimeoutIsRetryableUnavailable is the regression test of
// HTTP time-outs failing permanently as Canceled: an http.Client.Timeout
// error satisfies errors.Is with context.DeadlineExceeded, which Classify
// took for the run's cancellation. The kit holds every request far longer
// than the client waits, so the time-out always fires.
func TestHTTPClientTimeoutIsRetryableUnavailable(t *testing.T) {
	srv := newKit(t, func(o *appstreamtest.Options) { o.Faults.Latency = time.Hour })
	items := seed(srv, 2, 1)
	client := srv.Client(func(o *appstreamsdk.Options) {
		o.HTTPClient = &http.Client{Transport: srv.Config().HTTPClient.(*http.Client).Transport, Timeout: 20 * time.Millisecond}
		o.RetryMaxAttempts = 1
	})
	a := appstream.New(client, appstream.Associate)

	_, err := a.Call(context.Background(), "", items)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	e, scope := a.Classify(err)
	assert.Equal(t, batch.CodeUnavailable, e.Code)
	assert.True(t, e.Retryable)
	assert.Equal(t, batch.ScopeCall, scope)
	assert.NotErrorIs(t, e, batch.ErrCanceled)

	rep, err := runWith(t, a, items, func(o *batch.Options) { o.MaxAttempts = 1 })
	require.NoError(t, err)
	for _, o := range rep.Outcomes {
		require.Equal(t, batch.StatusFailed, o.Status)
		assert.Equal(t, batch.CodeUnavailable, o.Err.Code)
		assert.True(t, o.Err.Retryable)
	}
}

// TestMalformedBodiesAreUnmatched sends every 200 answer malformed in one
// way at a time through the official client: no association is reported as
// a success, and every item ends Unmatched and retryable, the rule every
// adapter shares. Before, a body with trailing data after the JSON object
// counted as success (the check read only its first byte), and malformed
// answers were permanent here and retryable in the other adapters.
func TestMalformedBodiesAreUnmatched(t *testing.T) {
	for _, m := range []appstreamtest.Malformation{appstreamtest.MalformTrailing, appstreamtest.MalformTruncated, appstreamtest.MalformEmpty, appstreamtest.MalformNull} {
		t.Run(m.String(), func(t *testing.T) {
			srv := newKit(t, func(o *appstreamtest.Options) {
				o.Faults = appstreamtest.Faults{MalformedRate: 1, Malformation: m}
			})
			items := seed(srv, 3, 1)
			rep, err := runWith(t, appstream.New(srv.Client(), appstream.Associate), items, func(o *batch.Options) { o.MaxAttempts = 2 })
			require.NoError(t, err)
			for _, o := range rep.Outcomes {
				require.Equal(t, batch.StatusFailed, o.Status, "item %d", o.Index)
				assert.Equal(t, batch.CodeUnmatched, o.Err.Code)
				assert.True(t, o.Err.Retryable)
			}
		})
	}
}

// TestTrailingDataAfterAnswerIsNotSuccess is the regression test of a 200
// with data after its JSON object counting as success. The check does not
// assume JSON: an answer marked application/cbor (the protocol of the
// service/appstream SDK from v1.64.0) is checked as CBOR, so a truncated
// CBOR map or one followed by more data is refused too.
func TestTrailingDataAfterAnswerIsNotSuccess(t *testing.T) {
	tests := []struct {
		name string
		ans  answer
	}{
		{"JSON with trailing object", answer{body: `{"errors":[]}{"errors":[]}`}},
		{"JSON with trailing garbage", answer{body: `{"errors":[]} <html>`}},
		{"truncated CBOR map", answer{header: map[string]string{"Content-Type": wire.CBORType}, body: "\xbf\x66errors\x9f"}},
		{"CBOR map with trailing data", answer{header: map[string]string{"Content-Type": wire.CBORType}, body: "\xa1\x66errors\x80\xa0"}},
		{"CBOR null", answer{header: map[string]string{"Content-Type": wire.CBORType}, body: "\xf6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := appstream.New(crafted(t, func(int, []byte) answer { return tt.ans }), appstream.Associate)
			res, err := a.Call(context.Background(), "", twoItems())
			require.Error(t, err, "Call: got %d results", len(res))
			var me *wire.MalformedError
			require.True(t, errors.As(err, &me), "got %v, want the answer refused as malformed", err)
			e, scope := a.Classify(err)
			assert.Equal(t, batch.CodeUnmatched, e.Code)
			assert.True(t, e.Retryable)
			assert.Equal(t, batch.ScopeCall, scope)
		})
	}
}

// TestNilClientFailsClearly checks that appstream.New(nil, op) fails a run
// with one InvalidInput error naming the missing client, like the other
// adapters, while validation and planning need no client.
func TestNilClientFailsClearly(t *testing.T) {
	items := twoItems()
	var typedNil *appstreamsdk.Client
	for _, client := range []appstream.API{nil, typedNil} {
		a := appstream.New(client, appstream.Associate)
		require.NoError(t, a.Validate(items[0]))
		r, err := a.Runner(quick)
		require.NoError(t, err)
		plan, err := r.Plan(items)
		require.NoError(t, err)
		assert.Empty(t, plan.Invalid)

		rep, err := r.Run(context.Background(), items)
		var runErr *batch.Error
		require.True(t, errors.As(err, &runErr), "Run error %v, want the missing client's", err)
		for _, o := range rep.Outcomes {
			require.Equal(t, batch.StatusFailed, o.Status)
			assert.Equal(t, batch.CodeInvalidInput, o.Err.Code)
			assert.Contains(t, o.Err.Error(), "appstream: the adapter has no client")
		}
	}
}
