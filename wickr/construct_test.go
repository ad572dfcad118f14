package wickr_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrapi"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

// constructors calls every NewXRunner and NewXBatcher with client and
// optFns and returns their errors by name.
func constructors(client *wickrapi.Client, optFns ...func(*wickr.Options)) map[string]error {
	errs := make(map[string]error)
	check := func(name string, v any, err error) {
		if err == nil {
			// A Batcher must be closed; a Runner holds nothing.
			if c, ok := v.(interface{ Close(context.Context) error }); ok {
				_ = c.Close(context.Background())
			}
		}
		errs[name] = err
	}
	r, err := wickr.NewRunner(client, optFns...)
	check("NewRunner", r, err)
	b, err := wickr.NewBatcher(client, optFns...)
	check("NewBatcher", b, err)
	dr, err := wickr.NewDeleteRunner(client, optFns...)
	check("NewDeleteRunner", dr, err)
	db, err := wickr.NewDeleteBatcher(client, optFns...)
	check("NewDeleteBatcher", db, err)
	rr, err := wickr.NewReinviteRunner(client, optFns...)
	check("NewReinviteRunner", rr, err)
	rb, err := wickr.NewReinviteBatcher(client, optFns...)
	check("NewReinviteBatcher", rb, err)
	sr, err := wickr.NewSuspendRunner(client, optFns...)
	check("NewSuspendRunner", sr, err)
	sb, err := wickr.NewSuspendBatcher(client, optFns...)
	check("NewSuspendBatcher", sb, err)
	xr, err := wickr.NewResetDevicesRunner(client, optFns...)
	check("NewResetDevicesRunner", xr, err)
	xb, err := wickr.NewResetDevicesBatcher(client, optFns...)
	check("NewResetDevicesBatcher", xb, err)
	lr, err := wickr.NewLookupRunner(client, optFns...)
	check("NewLookupRunner", lr, err)
	lb, err := wickr.NewLookupBatcher(client, optFns...)
	check("NewLookupBatcher", lb, err)
	return errs
}

func TestNewRunnerRefusesBadArguments(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	for _, tc := range []struct {
		name   string
		client *wickrapi.Client
		opt    func(*wickr.Options)
		want   string
	}{
		{"typed nil client", nil, func(*wickr.Options) {}, "client is nil"},
		{"bad prefix", srv.Client(), func(o *wickr.Options) { o.ClientTokenPrefix = "no spaces" }, "ClientTokenPrefix"},
		{"engine option", srv.Client(), func(o *wickr.Options) { o.MaxInFlight = -1 }, "MaxInFlight must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := constructors(tc.client, tc.opt)
			require.Len(t, errs, 12)
			for name, err := range errs {
				require.Error(t, err, name)
				assert.Contains(t, err.Error(), "wickr: "+name+": ")
				assert.Contains(t, err.Error(), tc.want)
			}
		})
	}

	r, err := wickr.NewRunner(nil)
	assert.Nil(t, r)
	assert.EqualError(t, err, "wickr: NewRunner: client is nil")
}

func TestNewRunnerAcceptsGoodArguments(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	for name, err := range constructors(srv.Client(), func(o *wickr.Options) { o.ClientTokenPrefix = "job-1:" }) {
		assert.NoError(t, err, name)
	}
}

// TestNewRunnerOptions checks that the adapter's MaxItemsPerCall is the one
// that counts, the embedded engine's being shadowed.
func TestNewRunnerOptions(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	items := make([]wickr.UserRef, 5)
	for i := range items {
		items[i] = wickr.UserRef{NetworkId: "12345678", UserId: string(rune('1' + i))}
	}
	r, err := wickr.NewDeleteRunner(srv.Client(), func(o *wickr.Options) {
		o.MaxItemsPerCall = 2
		o.Options.MaxItemsPerCall = 1 // shadowed: ignored
	})
	require.NoError(t, err)
	plan, err := r.Plan(items)
	require.NoError(t, err)
	assert.Empty(t, plan.Invalid)
	assert.Len(t, plan.Calls, 3)
}
