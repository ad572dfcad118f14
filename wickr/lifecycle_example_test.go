package wickr_test

import (
	"context"
	"fmt"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

// ExampleNewDelete deletes users by ID. A user the network does not have
// fails per item with NotFound; the others are deleted.
func ExampleNewDelete() {
	srv := wickrtest.NewServer()
	defer srv.Close()
	alice := srv.AddUser("12345678", "alice@example.com", "sg-1")
	bob := srv.AddUser("12345678", "bob@example.com", "sg-1")

	// In production: wickrapi.NewFromConfig(cfg).
	r, err := wickr.NewDelete(srv.Client()).Runner()
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []wickr.UserRef{
		{NetworkId: "12345678", UserId: alice.UserId},
		{NetworkId: "12345678", UserId: bob.UserId},
		{NetworkId: "12345678", UserId: "404"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Println(o.Item.UserId, o.Status, o.Err)
	}
	fmt.Println("users left:", len(srv.Users("12345678")))
	// Output:
	// 1 Succeeded <nil>
	// 2 Succeeded <nil>
	// 404 Failed batch: BatchDeleteUser: not found in field UserId: User not found (request id 00000000-0000-4000-8000-000000000001)
	// users left: 0
}

// ExampleNewReinvite sends pending users their invitation again. A user
// who accepted it already cannot be invited again: Conflict.
func ExampleNewReinvite() {
	srv := wickrtest.NewServer()
	defer srv.Close()
	pending := srv.AddUser("12345678", "pending@example.com", "sg-1")
	active := srv.AddUser("12345678", "active@example.com", "sg-1")
	srv.Activate("12345678", active.UserId)

	r, err := wickr.NewReinvite(srv.Client()).Runner()
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []wickr.UserRef{
		{NetworkId: "12345678", UserId: pending.UserId},
		{NetworkId: "12345678", UserId: active.UserId},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Println(o.Item.UserId, o.Status, o.Err)
	}
	// Output:
	// 1 Succeeded <nil>
	// 2 Failed batch: BatchReinviteUser: conflict: user cannot be reinvited (request id 00000000-0000-4000-8000-000000000001)
}

// ExampleNewSuspend suspends some users and reinstates others: the state
// is a query parameter of the call, so the two never share a call, and
// the plan shows two calls.
func ExampleNewSuspend() {
	srv := wickrtest.NewServer()
	defer srv.Close()
	a := srv.AddUser("12345678", "a@example.com", "sg-1")
	b := srv.AddUser("12345678", "b@example.com", "sg-1")
	c := srv.AddUser("12345678", "c@example.com", "sg-1")

	r, err := wickr.NewSuspend(srv.Client()).Runner(func(o *batch.Options) { o.MaxInFlight = 1 })
	if err != nil {
		fmt.Println(err)
		return
	}
	items := []wickr.SuspendStatus{
		{NetworkId: "12345678", UserId: a.UserId, Suspend: true},
		{NetworkId: "12345678", UserId: b.UserId, Suspend: false},
		{NetworkId: "12345678", UserId: c.UserId, Suspend: true},
	}
	plan, err := r.Plan(items)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, call := range plan.Calls {
		fmt.Println(call.Key, call.Indexes)
	}
	rep, err := r.Run(context.Background(), items)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("succeeded:", rep.Succeeded)
	for _, u := range srv.Users("12345678") {
		fmt.Println(u.Username, "suspended:", u.Suspended)
	}
	// Output:
	// 12345678?suspend=true [0 2]
	// 12345678?suspend=false [1]
	// succeeded: 3
	// a@example.com suspended: true
	// b@example.com suspended: false
	// c@example.com suspended: true
}

// ExampleNewResetDevices resets devices of two users; each user's devices
// go in calls of their own. An app ID the user has no device with fails
// with InvalidInput ("Invalid app ID.").
func ExampleNewResetDevices() {
	srv := wickrtest.NewServer()
	defer srv.Close()
	alice := srv.AddUser("12345678", "alice@example.com", "sg-1")
	bob := srv.AddUser("12345678", "bob@example.com", "sg-1")
	srv.AddDevice("12345678", alice.UserId, "alice-phone")
	srv.AddDevice("12345678", bob.UserId, "bob-laptop")

	// One call at a time, so the request IDs below come in a fixed order.
	r, err := wickr.NewResetDevices(srv.Client()).Runner(func(o *batch.Options) { o.MaxInFlight = 1 })
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []wickr.Device{
		{NetworkId: "12345678", UserId: alice.UserId, AppId: "alice-phone"},
		{NetworkId: "12345678", UserId: bob.UserId, AppId: "bob-laptop"},
		{NetworkId: "12345678", UserId: bob.UserId, AppId: "bob-tablet"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Println(o.Item.AppId, o.Status, o.Err)
	}
	fmt.Println("calls:", rep.Stats.Calls)
	// Output:
	// alice-phone Succeeded <nil>
	// bob-laptop Succeeded <nil>
	// bob-tablet Failed batch: BatchResetDevicesForUser: invalid input in field AppId: Invalid app ID. (request id 00000000-0000-4000-8000-000000000002)
	// calls: 2
}

// ExampleNewLookup resolves unames to user names: the values are the
// result.
func ExampleNewLookup() {
	srv := wickrtest.NewServer()
	defer srv.Close()
	alice := srv.AddUser("12345678", "alice@example.com", "sg-1")

	r, err := wickr.NewLookup(srv.Client()).Runner()
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []wickr.UnameLookup{
		{NetworkId: "12345678", Uname: alice.Uname},
		{NetworkId: "12345678", Uname: "0000"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Outcomes[0].Value.Username)
	fmt.Println(rep.Outcomes[1].Err)
	// Output:
	// alice@example.com
	// batch: BatchLookupUserUname: not found in field Uname: Uname not found (request id 00000000-0000-4000-8000-000000000001)
}

// ExampleNewDeleteRunner builds the Runner of a lifecycle operation in one
// step: New<Operation>Runner takes the client and the Options of
// New<Operation>, engine options included.
func ExampleNewDeleteRunner() {
	srv := wickrtest.NewServer()
	defer srv.Close()
	alice := srv.AddUser("12345678", "alice@example.com", "sg-1")

	r, err := wickr.NewDeleteRunner(srv.Client(), func(o *wickr.Options) {
		o.ClientTokenPrefix = "offboarding-2026-11:" // the adapter's
		o.MaxAttempts = 3                            // the engine's
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []wickr.UserRef{{NetworkId: "12345678", UserId: alice.UserId}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("succeeded:", rep.Succeeded, "users left:", len(srv.Users("12345678")))
	// Output:
	// succeeded: 1 users left: 0
}
