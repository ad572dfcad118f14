package wickr_test

import (
	"context"
	"fmt"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

// Example creates users in two networks with the Wickr client, here
// pointed at the wickrtest fake.
func Example() {
	srv := wickrtest.NewServer()
	defer srv.Close()
	srv.AddNetwork("12345678", "sg-staff")
	srv.AddNetwork("87654321", "sg-ops")

	// In production: wickrapi.NewFromConfig(cfg).
	r, err := wickr.New(srv.Client()).Runner()
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []wickr.NewUser{
		{NetworkId: "12345678", Username: "alice@example.com", SecurityGroupIds: []string{"sg-staff"}, FirstName: "Alice"},
		{NetworkId: "12345678", Username: "bob@example.com", SecurityGroupIds: []string{"sg-staff"}},
		{NetworkId: "87654321", Username: "carol@example.com", SecurityGroupIds: []string{"sg-ops"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("succeeded:", rep.Succeeded, "failed:", rep.Failed)
	fmt.Println("carol's user ID:", rep.Outcomes[2].Value.UserId)
	fmt.Println("users in 12345678:", len(srv.Users("12345678")))
	// Output:
	// succeeded: 3 failed: 0
	// carol's user ID: 1
	// users in 12345678: 2
}

// ExampleAdapter_Runner shows per-item outcomes of a run in which a user
// exists already and another names a security group the network does not
// have; they are in different networks, so each answer attributes its
// failure.
func ExampleAdapter_Runner() {
	srv := wickrtest.NewServer()
	defer srv.Close()
	srv.AddNetwork("12345678", "sg-1")
	srv.AddNetwork("87654321", "sg-1")
	srv.AddUser("12345678", "mallory@example.com", "sg-1")

	// One call at a time, so the request IDs below come in a fixed order.
	r, err := wickr.New(srv.Client()).Runner(func(o *batch.Options) { o.MaxInFlight = 1 })
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []wickr.NewUser{
		{NetworkId: "12345678", Username: "alice@example.com", SecurityGroupIds: []string{"sg-1"}},
		{NetworkId: "12345678", Username: "mallory@example.com", SecurityGroupIds: []string{"sg-1"}},
		{NetworkId: "87654321", Username: "trent@example.com", SecurityGroupIds: []string{"sg-9"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		fmt.Println(o.Index, o.Item.Username, o.Status, o.Err)
	}
	// Output:
	// 0 alice@example.com Succeeded <nil>
	// 1 mallory@example.com Failed batch: BatchCreateUser: conflict in field Username: User already exists (request id 00000000-0000-4000-8000-000000000001)
	// 2 trent@example.com Failed batch: BatchCreateUser: invalid input in field SecurityGroupIds: Security group not found (request id 00000000-0000-4000-8000-000000000002)
}

// ExampleNew lowers the number of users per call and shows the plan a run
// would follow, without sending anything.
func ExampleNew() {
	a := wickr.New(nil, func(o *wickr.Options) { o.MaxItemsPerCall = 2 })
	r, err := a.Runner()
	if err != nil {
		fmt.Println(err)
		return
	}
	user := func(network, name string) wickr.NewUser {
		return wickr.NewUser{NetworkId: network, Username: name, SecurityGroupIds: []string{"sg-1"}}
	}
	plan, err := r.Plan([]wickr.NewUser{
		user("11111111", "u1"),
		user("22222222", "u2"),
		user("11111111", "u3"),
		user("11111111", "u4"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range plan.Calls {
		fmt.Println(c.Key, c.Indexes)
	}
	// Output:
	// 11111111 [0 2]
	// 11111111 [3]
	// 22222222 [1]
}

// ExampleNewUser shows the validation that runs before anything is sent:
// an invalid item fails with InvalidInput naming the field.
func ExampleNewUser() {
	a := wickr.New(nil)
	err := a.Validate(wickr.NewUser{NetworkId: "12345678", Username: "jane@example.com", SecurityGroupIds: []string{"sg-1", "sg-2"}})
	fmt.Println(err)
	err = a.Validate(wickr.NewUser{NetworkId: "1234", Username: "jane@example.com", SecurityGroupIds: []string{"sg-1"}})
	fmt.Println(err)
	// Output:
	// batch: invalid input in field SecurityGroupIds: SecurityGroupIds must hold one security group ID (a user belongs to one group), got 2
	// batch: invalid input in field NetworkId: NetworkId must be exactly 8 digits, got "1234"
}

// ExampleAdapter_Classify shows how a network that does not exist is
// reported: its users fail with NotFound after a single call, and the other
// networks are not affected.
func ExampleAdapter_Classify() {
	srv := wickrtest.NewServer()
	defer srv.Close()
	srv.AddNetwork("12345678", "sg-1")

	r, err := wickr.New(srv.Client()).Runner(func(o *batch.Options) { o.MaxItemsPerCall = 1; o.MaxInFlight = 1 })
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []wickr.NewUser{
		{NetworkId: "99999999", Username: "u1", SecurityGroupIds: []string{"sg-1"}},
		{NetworkId: "99999999", Username: "u2", SecurityGroupIds: []string{"sg-1"}},
		{NetworkId: "12345678", Username: "alice", SecurityGroupIds: []string{"sg-1"}},
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
		fmt.Println(o.Item.NetworkId, o.Item.Username, code)
	}
	fmt.Println("requests:", len(srv.Requests()))
	// Output:
	// 99999999 u1 NotFound
	// 99999999 u2 NotFound
	// 12345678 alice OK
	// requests: 2
}

// ExampleAdapter_ClientToken shows the client tokens of a job with a stable
// prefix: the first call carrying the same users in the same network always
// gets the same token, in any order and in any process.
func ExampleAdapter_ClientToken() {
	a := wickr.New(nil, func(o *wickr.Options) { o.ClientTokenPrefix = "job-2024-07:" })
	alice := wickr.NewUser{NetworkId: "12345678", Username: "alice@example.com", SecurityGroupIds: []string{"sg-1"}}
	bob := wickr.NewUser{NetworkId: "12345678", Username: "bob@example.com", SecurityGroupIds: []string{"sg-1"}}
	t1 := a.ClientToken("12345678", alice, bob)
	t2 := a.ClientToken("12345678", bob, alice)
	t3 := a.ClientToken("12345678", alice)
	alice.FirstName = "Alice"
	t4 := a.ClientToken("12345678", alice, bob)
	fmt.Println(t1[:12], len(t1))
	fmt.Println("same users, same token:", t1 == t2)
	fmt.Println("other users, other token:", t1 != t3)
	fmt.Println("other details, other token:", t1 != t4)
	// Output:
	// job-2024-07: 64
	// same users, same token: true
	// other users, other token: true
	// other details, other token: true
}

// ExampleOptions makes a job's client tokens reproducible, so that a job
// restarted after a crash gets the answers of the calls whose answers it
// lost, and keeps calls small.
func ExampleOptions() {
	srv := wickrtest.NewServer()
	defer srv.Close()
	srv.AddNetwork("12345678", "sg-1")

	a := wickr.New(srv.Client(), func(o *wickr.Options) {
		o.ClientTokenPrefix = "onboarding-42:"
		o.MaxItemsPerCall = 10
	})
	r, err := a.Runner()
	if err != nil {
		fmt.Println(err)
		return
	}
	var users []wickr.NewUser
	for i := range 25 {
		users = append(users, wickr.NewUser{NetworkId: "12345678", Username: fmt.Sprintf("user%02d@example.com", i), SecurityGroupIds: []string{"sg-1"}})
	}
	rep, err := r.Run(context.Background(), users)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("succeeded:", rep.Succeeded, "calls:", rep.Stats.Calls)
	tok := srv.Requests()[0].Header.Get("X-Client-Token")
	fmt.Println(tok[:14], len(tok))
	// Output:
	// succeeded: 25 calls: 3
	// onboarding-42: 64
}

// ExampleNewRunner builds a Runner in one step from one Options value: the
// adapter's fields and the engine's (embedded batch.Options) side by side.
// NewRunner checks its arguments.
func ExampleNewRunner() {
	srv := wickrtest.NewServer()
	defer srv.Close()
	srv.AddNetwork("12345678", "sg-staff")

	r, err := wickr.NewRunner(srv.Client(), func(o *wickr.Options) {
		o.MaxItemsPerCall = 1 // the adapter's limit: one user per call
		o.MaxInFlight = 2     // the engine's
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []wickr.NewUser{
		{NetworkId: "12345678", Username: "alice@example.com", SecurityGroupIds: []string{"sg-staff"}},
		{NetworkId: "12345678", Username: "bob@example.com", SecurityGroupIds: []string{"sg-staff"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("succeeded:", rep.Succeeded, "calls:", rep.Stats.Calls)

	_, err = wickr.NewRunner(nil)
	fmt.Println(err)
	// Output:
	// succeeded: 2 calls: 2
	// wickr: NewRunner: client is nil
}
