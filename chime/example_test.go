package chime_test

import (
	"context"
	"fmt"

	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/chime"
	"github.com/batchkit/batchkit/chime/chimetest"
)

// Example moves users to the Pro license with the official client, here
// pointed at the chimetest fake.
func Example() {
	srv := chimetest.NewServer()
	defer srv.Close()
	srv.AddUser("acct-1", "alice", chimetypes.LicenseBasic)
	srv.AddUser("acct-1", "bob", chimetypes.LicenseBasic)
	srv.AddUser("acct-2", "carol", chimetypes.LicensePlus)

	// In production: chimesdk.NewFromConfig(cfg).
	r, err := chime.New(srv.Client()).Runner()
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []chime.UserUpdate{
		{AccountId: "acct-1", UserId: "alice", LicenseType: chimetypes.LicensePro},
		{AccountId: "acct-1", UserId: "bob", LicenseType: chimetypes.LicensePro},
		{AccountId: "acct-2", UserId: "carol", LicenseType: chimetypes.LicensePro},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("succeeded:", rep.Succeeded, "failed:", rep.Failed)
	u, _ := srv.User("acct-2", "carol")
	fmt.Println("carol:", u.LicenseType)
	// Output:
	// succeeded: 3 failed: 0
	// carol: Pro
}

// ExampleAdapter_Runner shows per-item outcomes of a run in which some users
// do not exist: they fail with NotFound, the others are updated.
func ExampleAdapter_Runner() {
	srv := chimetest.NewServer()
	defer srv.Close()
	srv.AddUser("acct-1", "alice", chimetypes.LicenseBasic)

	r, err := chime.New(srv.Client()).Runner(func(o *batch.Options) { o.MaxInFlight = 4 })
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []chime.UserUpdate{
		{AccountId: "acct-1", UserId: "alice", LicenseType: chimetypes.LicensePlus},
		{AccountId: "acct-1", UserId: "mallory", LicenseType: chimetypes.LicensePlus},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Println(o.Index, o.Item.UserId, o.Status, o.Err)
	}
	// Output:
	// 0 alice Succeeded <nil>
	// 1 mallory Failed batch: BatchUpdateUser: not found: the user does not exist in the account (request id 00000000-0000-4000-8000-000000000001)
}

// ExampleNew lowers the number of users per call and shows the plan a run
// would follow, without sending anything.
func ExampleNew() {
	a := chime.New(nil, func(o *chime.Options) { o.MaxItemsPerCall = 2 })
	r, err := a.Runner()
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := r.Plan([]chime.UserUpdate{
		{AccountId: "acct-1", UserId: "u1"},
		{AccountId: "acct-2", UserId: "u2"},
		{AccountId: "acct-1", UserId: "u3"},
		{AccountId: "acct-1", UserId: "u4"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range plan.Calls {
		fmt.Println(c.Key, c.Indexes)
	}
	// Output:
	// acct-1 [0 2]
	// acct-1 [3]
	// acct-2 [1]
}

// ExampleUserUpdate shows the validation that runs before anything is sent:
// an invalid item fails with InvalidInput naming the field.
func ExampleUserUpdate() {
	a := chime.New(nil)
	err := a.Validate(chime.UserUpdate{AccountId: "acct-1", UserId: "u1", LicenseType: "Gold"})
	fmt.Println(err)
	// Output:
	// batch: invalid input in field LicenseType: LicenseType "Gold" is not one of Basic, Plus, Pro, ProTrial
}

// ExampleAdapter_Classify shows how an account that does not exist is
// reported: its users fail with NotFound after a single call, and the other
// accounts are not affected.
func ExampleAdapter_Classify() {
	srv := chimetest.NewServer()
	defer srv.Close()
	srv.AddUser("acct-1", "alice", chimetypes.LicenseBasic)

	r, err := chime.New(srv.Client()).Runner(func(o *batch.Options) { o.MaxItemsPerCall = 1; o.MaxInFlight = 1 })
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []chime.UserUpdate{
		{AccountId: "gone", UserId: "u1", LicenseType: chimetypes.LicensePro},
		{AccountId: "gone", UserId: "u2", LicenseType: chimetypes.LicensePro},
		{AccountId: "acct-1", UserId: "alice", LicenseType: chimetypes.LicensePro},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		code := batch.Code("OK")
		if o.Err != nil {
			code = o.Err.Code
		}
		fmt.Println(o.Item.AccountId, o.Item.UserId, code)
	}
	fmt.Println("requests:", len(srv.Requests()))
	// Output:
	// gone u1 NotFound
	// gone u2 NotFound
	// acct-1 alice OK
	// requests: 2
}

// ExampleNewRunner builds a Runner in one step from one Options value: the
// adapter's fields and the engine's (embedded batch.Options) side by side.
// NewRunner checks its arguments.
func ExampleNewRunner() {
	srv := chimetest.NewServer()
	defer srv.Close()
	srv.AddUser("acct-1", "alice", chimetypes.LicenseBasic)
	srv.AddUser("acct-1", "bob", chimetypes.LicenseBasic)

	r, err := chime.NewRunner(srv.Client(), func(o *chime.Options) {
		o.MaxItemsPerCall = 1 // the adapter's limit: one user per call
		o.MaxInFlight = 2     // the engine's
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []chime.UserUpdate{
		{AccountId: "acct-1", UserId: "alice", LicenseType: chimetypes.LicensePro},
		{AccountId: "acct-1", UserId: "bob", LicenseType: chimetypes.LicensePro},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("succeeded:", rep.Succeeded, "calls:", rep.Stats.Calls)

	_, err = chime.NewRunner(nil)
	fmt.Println(err)
	// Output:
	// succeeded: 2 calls: 2
	// chime: NewRunner: client is nil
}
