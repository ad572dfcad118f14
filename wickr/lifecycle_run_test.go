package wickr_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/conformance"
	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

// These tests run the whole user lifecycle through the wickrapi client,
// the adapters and the batch runner against one wickrtest server with
// faults: nothing below the adapters' client interfaces is mocked. Which
// requests the faults hit depends on the order of concurrent calls, so the
// checks are invariants: every item has one outcome, an item reported done
// is done in the server's state, a deliberately bad item fails with its
// code, and a good item either succeeds or fails with a code the faults
// explain.

// faultCodes are the codes a good item may end with when faults outlast
// its attempts.
var faultCodes = []batch.Code{batch.CodeInternal, batch.CodeUnavailable, batch.CodeUnmatched, batch.CodeThrottled}

func lifecycleFaults(seed int64) wickrtest.Faults {
	return wickrtest.Faults{Seed: seed, ItemFailureRate: 0.1, DropRate: 0.1, MalformedRate: 0.05, CallFailureRate: 0.05}
}

// checkOutcomes checks every outcome of rep: bad[i] is the code item i
// must fail with ("" for a good item), and done reports whether the
// server's state shows a succeeded item as done.
func checkOutcomes[T, R any](t *testing.T, what string, items []T, rep *batch.Report[T, R], bad []batch.Code, extra []batch.Code, done func(o *batch.Outcome[T, R]) bool) (succeeded int) {
	t.Helper()
	require.True(t, conformance.CheckReport(t, rep, items), what)
	for i := range rep.Outcomes {
		o := &rep.Outcomes[i]
		switch {
		case bad[i] != "":
			if assert.Equal(t, batch.StatusFailed, o.Status, "%s: bad item %d", what, i) {
				assert.Equal(t, bad[i], o.Err.Code, "%s: bad item %d: %v", what, i, o.Err)
			}
		case o.Status == batch.StatusSucceeded:
			succeeded++
			assert.True(t, done(o), "%s: item %d reported done, but the server does not show it", what, i)
		default:
			assert.Contains(t, append(slices.Clone(faultCodes), extra...), o.Err.Code, "%s: good item %d: %v", what, i, o.Err)
		}
	}
	return succeeded
}

func TestRunLifecycle(t *testing.T) {
	ctx := context.Background()
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults = lifecycleFaults(7) })
	defer srv.Close()
	nets := []string{"11111111", "22222222"}
	for _, n := range nets {
		srv.AddNetwork(n, "sg-1")
	}
	client := srv.Client()
	opts := func(o *batch.Options) { fast(o); o.MaxAttempts = 8; o.MaxInFlight = 4 }

	// Create.
	var newUsers []wickr.NewUser
	for i := range 150 {
		newUsers = append(newUsers, wickr.NewUser{NetworkId: nets[i%2], Username: fmt.Sprintf("u%03d@example.com", i), SecurityGroupIds: []string{"sg-1"}})
	}
	cr, err := wickr.New(client).Runner(opts)
	require.NoError(t, err)
	crep, err := cr.Run(ctx, newUsers)
	require.NoError(t, err)
	require.True(t, conformance.CheckReport(t, crep, newUsers))
	var users []wickr.Result // the users created, with their IDs and unames
	var refsOf []wickr.UserRef
	for _, o := range crep.Outcomes {
		if o.Status == batch.StatusSucceeded {
			users = append(users, o.Value)
			refsOf = append(refsOf, wickr.UserRef{NetworkId: o.Item.NetworkId, UserId: o.Value.UserId})
		}
	}
	require.Greater(t, len(users), 100, "most users are created despite the faults")

	// Look the users up by uname, with two unknown unames and one unknown
	// network.
	var lookups []wickr.UnameLookup
	var bad []batch.Code
	for i, u := range users {
		lookups = append(lookups, wickr.UnameLookup{NetworkId: refsOf[i].NetworkId, Uname: *u.User.Uname})
		bad = append(bad, "")
	}
	lookups = append(lookups, wickr.UnameLookup{NetworkId: nets[0], Uname: "nope-1"}, wickr.UnameLookup{NetworkId: nets[1], Uname: "nope-2"},
		wickr.UnameLookup{NetworkId: "99999999", Uname: *users[0].User.Uname})
	bad = append(bad, batch.CodeNotFound, batch.CodeNotFound, batch.CodeNotFound)
	lr, err := wickr.NewLookup(client).Runner(opts)
	require.NoError(t, err)
	lrep, err := lr.Run(ctx, lookups)
	require.NoError(t, err)
	checkOutcomes(t, "lookup", lookups, lrep, bad, nil, func(o *batch.Outcome[wickr.UnameLookup, wickr.UnameResult]) bool {
		return o.Value.Uname == o.Item.Uname && wickrtest.UnameOf(o.Value.Username) == o.Item.Uname
	})

	// Suspend the first half, reinstate a user of the second that was never
	// suspended (setting a state a user has succeeds), plus an unknown user.
	var sus []wickr.SuspendStatus
	bad = bad[:0]
	for i, r := range refsOf {
		sus = append(sus, wickr.SuspendStatus{NetworkId: r.NetworkId, UserId: r.UserId, Suspend: i < len(refsOf)/2})
		bad = append(bad, "")
	}
	sus = append(sus, wickr.SuspendStatus{NetworkId: nets[0], UserId: "999999", Suspend: true})
	bad = append(bad, batch.CodeNotFound)
	sr, err := wickr.NewSuspend(client).Runner(opts)
	require.NoError(t, err)
	srep, err := sr.Run(ctx, sus)
	require.NoError(t, err)
	checkOutcomes(t, "suspend", sus, srep, bad, nil, func(o *batch.Outcome[wickr.SuspendStatus, wickr.UserResult]) bool {
		u, ok := srv.UserByID(o.Item.NetworkId, o.Item.UserId)
		return ok && u.Suspended == o.Item.Suspend && o.Value.UserId == o.Item.UserId
	})

	// Reinvite everyone; three users accepted their invitation meanwhile.
	for _, r := range refsOf[:3] {
		require.True(t, srv.Activate(r.NetworkId, r.UserId))
	}
	bad = bad[:0]
	for i := range refsOf {
		bad = append(bad, map[bool]batch.Code{true: batch.CodeConflict, false: ""}[i < 3])
	}
	rr, err := wickr.NewReinvite(client).Runner(opts)
	require.NoError(t, err)
	rrep, err := rr.Run(ctx, refsOf)
	require.NoError(t, err)
	checkOutcomes(t, "reinvite", refsOf, rrep, bad, nil, func(o *batch.Outcome[wickr.UserRef, wickr.UserResult]) bool {
		u, ok := srv.UserByID(o.Item.NetworkId, o.Item.UserId)
		return ok && u.Reinvites > 0
	})

	// Reset two devices of each of ten users, one app ID a user does not
	// have, and the devices of a user that does not exist.
	var devs []wickr.Device
	bad = bad[:0]
	for _, r := range refsOf[:10] {
		for _, app := range []string{"phone", "laptop"} {
			require.True(t, srv.AddDevice(r.NetworkId, r.UserId, app+"-"+r.UserId))
			devs = append(devs, wickr.Device{NetworkId: r.NetworkId, UserId: r.UserId, AppId: app + "-" + r.UserId})
			bad = append(bad, "")
		}
	}
	devs = append(devs, wickr.Device{NetworkId: refsOf[0].NetworkId, UserId: refsOf[0].UserId, AppId: "tablet"},
		wickr.Device{NetworkId: nets[0], UserId: "999999", AppId: "phone"}, wickr.Device{NetworkId: nets[0], UserId: "999999", AppId: "laptop"})
	bad = append(bad, batch.CodeInvalidInput, batch.CodeNotFound, batch.CodeNotFound)
	dr, err := wickr.NewResetDevices(client).Runner(opts)
	require.NoError(t, err)
	drep, err := dr.Run(ctx, devs)
	require.NoError(t, err)
	checkOutcomes(t, "reset", devs, drep, bad, nil, func(o *batch.Outcome[wickr.Device, wickr.DeviceResult]) bool {
		for _, d := range srv.Devices(o.Item.NetworkId, o.Item.UserId) {
			if d.AppId == o.Item.AppId {
				return d.Resets > 0
			}
		}
		return false
	})

	// Delete everyone, and a user that does not exist.
	dels := append(slices.Clone(refsOf), wickr.UserRef{NetworkId: nets[1], UserId: "999999"})
	bad = make([]batch.Code, len(dels))
	bad[len(bad)-1] = batch.CodeNotFound
	xr, err := wickr.NewDelete(client).Runner(opts)
	require.NoError(t, err)
	xrep, err := xr.Run(ctx, dels)
	require.NoError(t, err)
	deleted := checkOutcomes(t, "delete", dels, xrep, bad, []batch.Code{batch.CodeNotFound}, func(o *batch.Outcome[wickr.UserRef, wickr.UserResult]) bool {
		_, ok := srv.UserByID(o.Item.NetworkId, o.Item.UserId)
		return !ok
	})
	for i := range xrep.Outcomes[:len(refsOf)] {
		o := &xrep.Outcomes[i]
		if o.Status == batch.StatusFailed && o.Err.Code == batch.CodeNotFound {
			// A good user is not found only after a call that may have
			// deleted it lost its answer, and the message says so.
			assert.Contains(t, o.Err.Message, "this run may have deleted the user")
			_, ok := srv.UserByID(o.Item.NetworkId, o.Item.UserId)
			assert.False(t, ok)
		}
	}
	srv.WaitIdle()
	assert.GreaterOrEqual(t, srv.Deleted(), deleted)

	// One client token, one request: across every operation of the job, a
	// token is only ever sent again with the same request.
	byToken := map[string]wickrtest.Request{}
	for _, r := range srv.Requests() {
		tok := r.Header.Get("X-Client-Token")
		require.NotEmpty(t, tok, "request %d has no client token", r.Seq)
		if first, ok := byToken[tok]; ok {
			same := first.Method == r.Method && first.RawPath == r.RawPath && first.Query == r.Query && bytes.Equal(first.Body, r.Body)
			assert.True(t, same, "token %s sent with %s %s and %s %s", tok, first.Operation, first.Body, r.Operation, r.Body)
			continue
		}
		byToken[tok] = r
		assert.Regexp(t, tokenRE, tok)
	}
	var ops []string
	for _, r := range srv.Requests() {
		if !slices.Contains(ops, r.Operation) {
			ops = append(ops, r.Operation)
		}
	}
	assert.Equal(t, []string{"BatchCreateUser", "BatchLookupUserUname", "BatchToggleUserSuspendStatus", "BatchReinviteUser", "BatchResetDevicesForUser", "BatchDeleteUser"}, ops)
}

// TestRunDeleteReplaysLostAnswers: with every other answer dropped, the
// engine resends each call with its token and the service replays its
// answer, so every user is reported deleted, none twice, and none NotFound.
func TestRunDeleteReplaysLostAnswers(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	var items []wickr.UserRef
	for i := range 40 {
		u := srv.AddUser("12345678", fmt.Sprintf("u%d@example.com", i), "sg-1")
		items = append(items, wickr.UserRef{NetworkId: "12345678", UserId: u.UserId})
	}
	srv.SetFaults(wickrtest.Faults{Seed: 3, DropRate: 0.5})
	r, err := wickr.NewDelete(srv.Client()).Runner(fast, func(o *batch.Options) {
		o.MaxItemsPerCall = 5
		o.MaxAttempts = 20
		o.RetryBudget = 10000
	})
	require.NoError(t, err)
	rep, err := r.Run(context.Background(), items)
	require.NoError(t, err)
	require.True(t, conformance.CheckReport(t, rep, items))
	assert.Equal(t, len(items), rep.Succeeded, "codes: %v", rep.ByCode)
	srv.WaitIdle()
	assert.Equal(t, len(items), srv.Deleted())
	replays := 0
	for _, req := range srv.Requests() {
		if req.Fault == "replay" {
			replays++
		}
		assert.True(t, strings.HasSuffix(req.Path, "/users/batch-delete"))
	}
	assert.Positive(t, replays, "some resends were answered by replay")
}
