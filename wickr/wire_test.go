package wickr_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrapi"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

// timeoutClient returns a client of srv whose HTTP client gives up after
// timeout, making one attempt per call.
func timeoutClient(srv *wickrtest.Server, timeout time.Duration) *wickrapi.Client {
	return srv.Client(func(o *wickrapi.Options) {
		o.HTTPClient = &http.Client{Transport: srv.Config().HTTPClient.(*http.Client).Transport, Timeout: timeout}
		o.RetryMaxAttempts = 1
	})
}

// TestHTTPClientTimeoutIsRetryableUnavailable is the regression test of
// HTTP time-outs failing permanently as Canceled: an http.Client.Timeout
// error satisfies errors.Is with context.DeadlineExceeded, which Classify
// took for the run's cancellation. The kit holds every request far longer
// than the client waits, so the time-out always fires. The call may have
// been applied; its resend carries the same client token.
func TestHTTPClientTimeoutIsRetryableUnavailable(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.Latency = time.Hour })
	defer srv.Close()
	items := seed(srv, "10000001", 2)
	a := wickr.New(timeoutClient(srv, 20*time.Millisecond))

	_, err := a.Call(context.Background(), "10000001", items)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	e, scope := a.Classify(err)
	assert.Equal(t, batch.CodeUnavailable, e.Code)
	assert.True(t, e.Retryable)
	assert.Equal(t, batch.ScopeCall, scope)
	assert.NotErrorIs(t, e, batch.ErrCanceled)

	rep, err := runner(t, a, func(o *batch.Options) { o.MaxAttempts = 1 }).Run(context.Background(), items)
	require.NoError(t, err)
	for _, o := range rep.Outcomes {
		require.Equal(t, batch.StatusFailed, o.Status)
		assert.Equal(t, batch.CodeUnavailable, o.Err.Code)
		assert.True(t, o.Err.Retryable)
	}
}

// TestMalformedBodiesAreUnmatched sends every 200 answer malformed in one
// way at a time through the client: no user is reported as created, and
// every item ends Unmatched and retryable, the rule every adapter shares.
func TestMalformedBodiesAreUnmatched(t *testing.T) {
	for _, m := range []wickrtest.Malformation{wickrtest.MalformTrailing, wickrtest.MalformTruncated, wickrtest.MalformEmpty, wickrtest.MalformNull} {
		t.Run(m.String(), func(t *testing.T) {
			srv := wickrtest.NewServer(func(o *wickrtest.Options) {
				o.Faults = wickrtest.Faults{MalformedRate: 1, Malformation: m}
			})
			defer srv.Close()
			items := seed(srv, "10000002", 3)
			rep, err := runner(t, wickr.New(srv.Client()), func(o *batch.Options) { o.MaxAttempts = 2 }).Run(context.Background(), items)
			require.NoError(t, err)
			for _, o := range rep.Outcomes {
				require.Equal(t, batch.StatusFailed, o.Status, "item %d", o.Index)
				assert.Equal(t, batch.CodeUnmatched, o.Err.Code)
				assert.True(t, o.Err.Retryable)
			}
		})
	}
}

// TestNilClientFailsClearly checks that wickr.New(nil) fails a run with
// one InvalidInput error naming the missing client, like the other
// adapters, while planning needs no client.
func TestNilClientFailsClearly(t *testing.T) {
	items := []wickr.NewUser{
		{NetworkId: "10000001", Username: "u1", SecurityGroupIds: []string{"sg"}},
		{NetworkId: "10000001", Username: "u2", SecurityGroupIds: []string{"sg"}},
		{NetworkId: "10000002", Username: "u3", SecurityGroupIds: []string{"sg"}},
	}
	var typedNil *wickrapi.Client
	for _, client := range []wickr.API{nil, typedNil} {
		r := runner(t, wickr.New(client))
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
			assert.Contains(t, o.Err.Error(), "wickr: the adapter has no client")
			assert.NotContains(t, o.Err.Error(), "panicked")
		}
	}
}
