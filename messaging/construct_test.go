package messaging_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/messaging"
	"github.com/batchkit/batchkit/messaging/messagingapi"
	"github.com/batchkit/batchkit/messaging/messagingtest"
)

func TestNewRunnerRefusesBadArguments(t *testing.T) {
	srv := messagingtest.NewServer()
	defer srv.Close()
	for _, tc := range []struct {
		name   string
		client messaging.API
		opt    func(*messaging.Options)
		want   string
	}{
		{"nil client", nil, func(*messaging.Options) {}, "client is nil"},
		{"typed nil client", (*messagingapi.Client)(nil), func(*messaging.Options) {}, "client is nil"},
		{"engine option", srv.Client(), func(o *messaging.Options) { o.MaxBuffered = -1 }, "MaxBuffered must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := messaging.NewRunner(tc.client, tc.opt)
			assert.Nil(t, r)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "messaging: NewRunner: ")
			assert.Contains(t, err.Error(), tc.want)

			b, err := messaging.NewBatcher(tc.client, tc.opt)
			assert.Nil(t, b)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "messaging: NewBatcher: ")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestNewRunnerOptions checks that the adapter's MaxItemsPerCall is the one
// that counts, the embedded engine's being shadowed.
func TestNewRunnerOptions(t *testing.T) {
	const instance = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1"
	srv := messagingtest.NewServer()
	defer srv.Close()
	items := make([]messaging.Membership, 5)
	for i := range items {
		items[i] = messaging.Membership{ChannelArn: instance + "/channel/general", ChimeBearer: instance + "/user/admin", MemberArn: instance + "/user/" + string(rune('a'+i))}
	}
	r, err := messaging.NewRunner(srv.Client(), func(o *messaging.Options) {
		o.MaxItemsPerCall = 2
		o.Options.MaxItemsPerCall = 1 // shadowed: ignored
	})
	require.NoError(t, err)
	plan, err := r.Plan(items)
	require.NoError(t, err)
	assert.Empty(t, plan.Invalid)
	assert.Len(t, plan.Calls, 3)

	b, err := messaging.NewBatcher(srv.Client())
	require.NoError(t, err)
	require.NoError(t, b.Close(context.Background()))
}
