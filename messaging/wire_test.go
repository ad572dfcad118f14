package messaging_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/messaging"
	"github.com/batchkit/batchkit/messaging/messagingapi"
	"github.com/batchkit/batchkit/messaging/messagingtest"
)

// timeoutClient returns a client of srv whose HTTP client gives up after
// timeout, making one attempt per call.
func timeoutClient(srv *messagingtest.Server, timeout time.Duration) *messagingapi.Client {
	return srv.Client(func(o *messagingapi.Options) {
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
	srv := messagingtest.NewServer(func(o *messagingtest.Options) { o.Faults.Latency = time.Hour })
	defer srv.Close()
	items := seed(srv, "timeout", 2)
	client := timeoutClient(srv, 20*time.Millisecond)
	a := messaging.New(client)

	_, err := a.Call(context.Background(), a.Key(items[0]), items)
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
// way at a time through the client: no member is reported as added, and
// every item ends Unmatched and retryable, the rule every adapter shares.
func TestMalformedBodiesAreUnmatched(t *testing.T) {
	for _, m := range []messagingtest.Malformation{messagingtest.MalformTrailing, messagingtest.MalformTruncated, messagingtest.MalformEmpty, messagingtest.MalformNull} {
		t.Run(m.String(), func(t *testing.T) {
			srv := messagingtest.NewServer(func(o *messagingtest.Options) {
				o.Faults = messagingtest.Faults{MalformedRate: 1, Malformation: m}
			})
			defer srv.Close()
			items := seed(srv, "malformed", 3)
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

// TestNilClientFailsClearly is the regression test of messaging.New(nil)
// failing every item with "adapter panicked ... may have been applied".
// Planning needs no client; a run fails every item with one
// InvalidInput error naming the missing client, and nothing is sent.
func TestNilClientFailsClearly(t *testing.T) {
	items := []messaging.Membership{
		{ChannelArn: channel("a"), ChimeBearer: adminArn, MemberArn: userArn("u1")},
		{ChannelArn: channel("a"), ChimeBearer: adminArn, MemberArn: userArn("u2")},
		{ChannelArn: channel("b"), ChimeBearer: adminArn, MemberArn: userArn("u3")},
	}
	var typedNil *messagingapi.Client
	for _, client := range []messaging.API{nil, typedNil} {
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
			assert.Contains(t, o.Err.Error(), "messaging: the adapter has no client")
			assert.NotContains(t, o.Err.Error(), "panicked")
		}
	}
}
