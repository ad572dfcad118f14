package chime_test

import (
	"context"
	"testing"

	//lint:ignore SA1019 the legacy Amazon Chime API is what the package wraps.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"
	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/chime"
	"github.com/batchkit/batchkit/chime/chimetest"
)

func TestNewRunnerRefusesBadArguments(t *testing.T) {
	srv := chimetest.NewServer()
	defer srv.Close()
	for _, tc := range []struct {
		name   string
		client chime.API
		opt    func(*chime.Options)
		want   string
	}{
		{"nil client", nil, func(*chime.Options) {}, "client is nil"},
		{"typed nil client", (*chimesdk.Client)(nil), func(*chime.Options) {}, "client is nil"},
		{"engine option", srv.Client(), func(o *chime.Options) { o.MaxAttempts = -1 }, "MaxAttempts must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := chime.NewRunner(tc.client, tc.opt)
			assert.Nil(t, r)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "chime: NewRunner: ")
			assert.Contains(t, err.Error(), tc.want)

			b, err := chime.NewBatcher(tc.client, tc.opt)
			assert.Nil(t, b)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "chime: NewBatcher: ")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestNewRunnerOptions checks that the adapter's MaxItemsPerCall is the one
// that counts, the embedded engine's being shadowed.
func TestNewRunnerOptions(t *testing.T) {
	srv := chimetest.NewServer()
	defer srv.Close()
	items := make([]chime.UserUpdate, 5)
	for i := range items {
		items[i] = chime.UserUpdate{AccountId: "acct-1", UserId: string(rune('a' + i)), LicenseType: chimetypes.LicensePro}
	}
	r, err := chime.NewRunner(srv.Client(), func(o *chime.Options) {
		o.MaxItemsPerCall = 2
		o.Options.MaxItemsPerCall = 1 // shadowed: ignored
	})
	require.NoError(t, err)
	plan, err := r.Plan(items)
	require.NoError(t, err)
	assert.Empty(t, plan.Invalid)
	assert.Len(t, plan.Calls, 3)

	b, err := chime.NewBatcher(srv.Client())
	require.NoError(t, err)
	require.NoError(t, b.Close(context.Background()))
}
