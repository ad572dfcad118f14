package chime_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	//lint:ignore SA1019 the legacy Amazon Chime API, deprecated with its end of support, is what this package wraps.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/chime"
	"github.com/batchkit/batchkit/chime/chimetest"
)

// timeoutClient returns a client of srv whose HTTP client gives up after
// timeout, making one attempt per call.
func timeoutClient(srv *chimetest.Server, timeout time.Duration) *chimesdk.Client {
	return srv.Client(func(o *chimesdk.Options) {
		o.HTTPClient = &http.Client{Transport: srv.Config().HTTPClient.(*http.Client).Transport, Timeout: timeout}
		o.RetryMaxAttempts = 1
	})
}

// TestHTTPClientTimeoutIsRetryableUnavailable is the regression test of
// HTTP time-outs failing permanently as Canceled: an http.Client.Timeout
// error satisfies errors.Is with context.DeadlineExceeded, which Classify
// took for the run's cancellation. The kit holds every request far longer
// than the client waits, so the time-out always fires.
func TestHTTPClientTimeoutIsRetryableUnavailable(t *testing.T) {
	srv := chimetest.NewServer(func(o *chimetest.Options) { o.Faults.Latency = time.Hour })
	defer srv.Close()
	items := seed(srv, "acct-t", 2)
	client := timeoutClient(srv, 20*time.Millisecond)
	a := chime.New(client)

	_, err := a.Call(context.Background(), "acct-t", items)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	e, scope := a.Classify(err)
	assert.Equal(t, batch.CodeUnavailable, e.Code)
	assert.True(t, e.Retryable)
	assert.Equal(t, batch.ScopeCall, scope)
	assert.NotErrorIs(t, e, batch.ErrCanceled)

	rep, err := runner(t, client, func(o *batch.Options) { o.MaxAttempts = 1 }).Run(context.Background(), items)
	require.NoError(t, err)
	for _, o := range rep.Outcomes {
		require.Equal(t, batch.StatusFailed, o.Status)
		assert.Equal(t, batch.CodeUnavailable, o.Err.Code)
		assert.True(t, o.Err.Retryable)
	}
}

// TestMalformedBodiesAreUnmatched sends every 200 answer malformed in one
// way at a time through the official client: no user is reported as
// updated, and every item ends Unmatched and retryable, the rule every
// adapter shares. The SDK's decoder reads an empty body or null as an
// answer without UserErrors, and only the first value of a body with
// trailing data.
func TestMalformedBodiesAreUnmatched(t *testing.T) {
	for _, m := range []chimetest.Malformation{chimetest.MalformTrailing, chimetest.MalformTruncated, chimetest.MalformEmpty, chimetest.MalformNull} {
		t.Run(m.String(), func(t *testing.T) {
			srv := chimetest.NewServer(func(o *chimetest.Options) {
				o.Faults = chimetest.Faults{MalformedRate: 1, Malformation: m}
			})
			defer srv.Close()
			items := seed(srv, "acct-m", 3)
			rep, err := runner(t, srv.Client(), func(o *batch.Options) { o.MaxAttempts = 2 }).Run(context.Background(), items)
			require.NoError(t, err)
			for _, o := range rep.Outcomes {
				require.Equal(t, batch.StatusFailed, o.Status, "item %d", o.Index)
				assert.Equal(t, batch.CodeUnmatched, o.Err.Code)
				assert.True(t, o.Err.Retryable)
			}
		})
	}
}

// TestNilClientFailsClearly is the regression test of chime.New(nil)
// failing every item with "adapter panicked ... may have been applied".
// Planning needs no client; a run fails every item with one
// InvalidInput error naming the missing client, and nothing is sent.
func TestNilClientFailsClearly(t *testing.T) {
	items := []chime.UserUpdate{{AccountId: "a", UserId: "u1"}, {AccountId: "a", UserId: "u2"}, {AccountId: "b", UserId: "u3"}}
	var typedNil *chimesdk.Client
	for _, client := range []chime.API{nil, typedNil} {
		r := runner(t, client)
		plan, err := r.Plan(items)
		require.NoError(t, err)
		assert.Empty(t, plan.Invalid)
		assert.Len(t, plan.Calls, 2)

		rep, err := r.Run(context.Background(), items)
		var runErr *batch.Error
		require.True(t, errors.As(err, &runErr), "Run error %v, want the missing client's", err)
		assert.Contains(t, runErr.Message, "no client")
		for _, o := range rep.Outcomes {
			require.Equal(t, batch.StatusFailed, o.Status)
			assert.Equal(t, batch.CodeInvalidInput, o.Err.Code)
			assert.Contains(t, o.Err.Error(), "chime: the adapter has no client")
			assert.NotContains(t, o.Err.Error(), "panicked")
		}
	}
}
