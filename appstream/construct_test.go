package appstream_test

import (
	"context"
	"testing"

	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/appstream/appstreamtest"
)

func TestNewRunnerRefusesBadArguments(t *testing.T) {
	srv := appstreamtest.NewServer()
	defer srv.Close()
	for _, tc := range []struct {
		name   string
		client appstream.API
		action appstream.Action
		opt    func(*appstream.Options)
		want   string
	}{
		{"nil client", nil, appstream.Associate, nil, "client is nil"},
		{"typed nil client", (*appstreamsdk.Client)(nil), appstream.Disassociate, nil, "client is nil"},
		{"unknown action", srv.Client(), "BatchDeleteStack", nil, `action "BatchDeleteStack" is not an action`},
		{"empty action", srv.Client(), "", nil, `action "" is not an action`},
		{"engine option", srv.Client(), appstream.Associate, func(o *appstream.Options) { o.MaxInFlight = -1 }, "MaxInFlight must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fns []func(*appstream.Options)
			if tc.opt != nil {
				fns = append(fns, tc.opt)
			}
			r, err := appstream.NewRunner(tc.client, tc.action, fns...)
			assert.Nil(t, r)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "NewRunner")
			assert.Contains(t, err.Error(), tc.want)

			b, err := appstream.NewBatcher(tc.client, tc.action, fns...)
			assert.Nil(t, b)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "NewBatcher")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestNewRunnerOptions checks that the adapter's MaxItemsPerCall is the one
// that counts, the embedded engine's being shadowed, and that the Options
// are copied.
func TestNewRunnerOptions(t *testing.T) {
	srv := appstreamtest.NewServer()
	defer srv.Close()
	items := make([]appstream.Association, 5)
	for i := range items {
		items[i] = appstream.Association{StackName: "Sales", UserName: string(rune('a'+i)) + "@example.com", AuthenticationType: appstreamtypes.AuthenticationTypeUserpool}
	}
	o := appstream.Options{MaxItemsPerCall: 2}
	o.Options.MaxItemsPerCall = 1 // shadowed: ignored
	r, err := appstream.NewRunner(srv.Client(), appstream.Disassociate, func(p *appstream.Options) { *p = o })
	require.NoError(t, err)
	o.MaxItemsPerCall = 5 // a later edit does not reach the Runner
	plan, err := r.Plan(items)
	require.NoError(t, err)
	assert.Equal(t, "BatchDisassociateUserStack", plan.Operation)
	assert.Len(t, plan.Calls, 3)

	b, err := appstream.NewBatcher(srv.Client(), appstream.Associate, func(o *appstream.Options) { o.MaxItemsPerCall = 2 })
	require.NoError(t, err)
	require.NoError(t, b.Close(context.Background()))
}

func TestMaxAssociationsPerCallIsMaxItemsPerCall(t *testing.T) {
	assert.Equal(t, appstream.MaxItemsPerCall, appstream.MaxAssociationsPerCall)
	assert.Equal(t, appstream.MaxItemsPerCall, appstream.New(nil, appstream.Associate).MaxItems())
}

// TestActionNamesItsOperation checks that each Action's value is the
// operation it runs, which the Adapter, its errors and its reports name.
func TestActionNamesItsOperation(t *testing.T) {
	for action, op := range map[appstream.Action]string{
		appstream.Associate:    appstream.AssociateOperation,
		appstream.Disassociate: appstream.DisassociateOperation,
	} {
		assert.Equal(t, op, string(action))
		assert.Equal(t, op, appstream.New(nil, action).Operation(), "Adapter.Operation of %s", action)
		r, err := appstream.NewRunner(nopAPI{}, action)
		require.NoError(t, err, "NewRunner(%s)", action)
		assert.Equal(t, op, r.Operation(), "Runner.Operation of %s", action)
	}
	assert.Equal(t, "BatchAssociateUserStack", appstream.AssociateOperation)
	assert.Equal(t, "BatchDisassociateUserStack", appstream.DisassociateOperation)
}

// TestOperationIsActionAlias checks that code written for the former type
// Operation still compiles and runs: a value of it is an Action.
func TestOperationIsActionAlias(t *testing.T) {
	var op appstream.Operation = appstream.Disassociate
	var action appstream.Action = op // an alias, not a conversion
	r, err := appstream.NewRunner(nopAPI{}, op)
	require.NoError(t, err)
	assert.Equal(t, appstream.DisassociateOperation, r.Operation())
	assert.Equal(t, appstream.Disassociate, action)
}
