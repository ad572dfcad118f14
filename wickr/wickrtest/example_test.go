package wickrtest_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/wickr/wickrapi"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

// ExampleNewServer calls the fake with the Wickr client and inspects the
// network's users and the request log afterwards.
func ExampleNewServer() {
	srv := wickrtest.NewServer()
	defer srv.Close()
	srv.AddNetwork("12345678", "sg-1")
	srv.AddUser("12345678", "bob@example.com", "sg-1")

	out, err := srv.Client().BatchCreateUser(context.Background(), &wickrapi.BatchCreateUserInput{
		NetworkId: aws.String("12345678"),
		Users: []wickrapi.BatchCreateUserRequestItem{
			{Username: aws.String("alice@example.com"), SecurityGroupIds: []string{"sg-1"}},
			{Username: aws.String("bob@example.com"), SecurityGroupIds: []string{"sg-1"}},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, u := range out.Successful {
		fmt.Println("created", aws.ToString(u.Username), "id", aws.ToString(u.UserId))
	}
	for _, f := range out.Failed {
		fmt.Printf("failed userId=%s field=%s reason=%q\n", aws.ToString(f.UserId), aws.ToString(f.Field), aws.ToString(f.Reason))
	}
	fmt.Println("users:", len(srv.Users("12345678")))
	r := srv.Requests()[0]
	fmt.Println(r.Method, r.Path, r.Operation, r.Status)
	// Output:
	// created alice@example.com id 2
	// failed userId=0 field=username reason="User already exists"
	// users: 2
	// POST /networks/12345678/users BatchCreateUser 200
}

// ExampleServer_Created shows the client token at work: the answer to a
// request whose response was dropped is repeated for the same token, and
// nobody is created twice.
func ExampleServer_Created() {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.DropRate = 1 })
	defer srv.Close()
	srv.AddNetwork("12345678", "sg-1")
	client := srv.Client(func(o *wickrapi.Options) { o.RetryMaxAttempts = 1 })
	in := &wickrapi.BatchCreateUserInput{
		NetworkId:   aws.String("12345678"),
		ClientToken: aws.String("job-1-call-1"),
		Users:       []wickrapi.BatchCreateUserRequestItem{{Username: aws.String("alice@example.com"), SecurityGroupIds: []string{"sg-1"}}},
	}

	_, err := client.BatchCreateUser(context.Background(), in)
	fmt.Println("first answer lost:", err != nil)
	srv.WaitIdle()
	srv.SetFaults(wickrtest.Faults{})
	out, err := client.BatchCreateUser(context.Background(), in)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("resent: created", aws.ToString(out.Successful[0].Username))
	fmt.Println("users created:", srv.Created())
	for _, r := range srv.Requests() {
		fmt.Printf("status=%d fault=%q\n", r.Status, r.Fault)
	}
	// Output:
	// first answer lost: true
	// resent: created alice@example.com
	// users created: 1
	// status=0 fault="drop"
	// status=200 fault="replay"
}

// ExampleServer_SetFaults shows a network that does not exist and a
// whole-call failure, as the client reports them.
func ExampleServer_SetFaults() {
	srv := wickrtest.NewServer()
	defer srv.Close()
	srv.AddNetwork("12345678", "sg-1")
	client := srv.Client(func(o *wickrapi.Options) { o.RetryMaxAttempts = 1 })
	call := func(network string) error {
		_, err := client.BatchCreateUser(context.Background(), &wickrapi.BatchCreateUserInput{
			NetworkId: aws.String(network),
			Users:     []wickrapi.BatchCreateUserRequestItem{{Username: aws.String("alice@example.com"), SecurityGroupIds: []string{"sg-1"}}},
		})
		return err
	}

	fmt.Println(call("87654321") != nil)
	srv.SetFaults(wickrtest.Faults{CallFailureRate: 1})
	fmt.Println(call("12345678") != nil)
	for _, r := range srv.Requests() {
		fmt.Printf("%d %s fault=%q\n", r.Status, r.Header.Get("Content-Type"), r.Fault)
	}
	// Output:
	// true
	// true
	// 404 application/json fault=""
	// 500 application/json fault="internal"
}

// ExampleOptions makes every user fail with the kit's retryable reason, as
// a fault plan for testing retries.
func ExampleOptions() {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.ItemFailureRate = 1 })
	defer srv.Close()
	srv.AddNetwork("12345678", "sg-1")

	out, err := srv.Client().BatchCreateUser(context.Background(), &wickrapi.BatchCreateUserInput{
		NetworkId: aws.String("12345678"),
		Users:     []wickrapi.BatchCreateUserRequestItem{{Username: aws.String("alice@example.com"), SecurityGroupIds: []string{"sg-1"}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", aws.ToString(out.Failed[0].Reason))
	_, ok := srv.User("12345678", "alice@example.com")
	fmt.Println("created:", ok)
	// Output:
	// "Internal server error, please retry"
	// created: false
}

// ExampleServer_Devices runs the rest of a user's lifecycle through the
// client: suspend, reset a device, look the user up by uname and delete
// it. A user the network does not have fails per item.
func ExampleServer_Devices() {
	ctx := context.Background()
	srv := wickrtest.NewServer()
	defer srv.Close()
	alice := srv.AddUser("12345678", "alice@example.com", "sg-1")
	srv.AddDevice("12345678", alice.UserId, "app-1")
	client := srv.Client()

	sus, _ := client.BatchToggleUserSuspendStatus(ctx, &wickrapi.BatchToggleUserSuspendStatusInput{
		NetworkId: aws.String("12345678"), Suspend: aws.Bool(true), UserIds: []string{alice.UserId, "42"},
	})
	fmt.Println("suspended:", len(sus.Successful), "failed:", aws.ToString(sus.Failed[0].UserId), aws.ToString(sus.Failed[0].Reason))
	_, _ = client.BatchResetDevicesForUser(ctx, &wickrapi.BatchResetDevicesForUserInput{
		NetworkId: aws.String("12345678"), UserId: aws.String(alice.UserId), AppIds: []string{"app-1"},
	})
	fmt.Printf("devices: %+v\n", srv.Devices("12345678", alice.UserId))
	lk, _ := client.BatchLookupUserUname(ctx, &wickrapi.BatchLookupUserUnameInput{
		NetworkId: aws.String("12345678"), Unames: []string{alice.Uname},
	})
	fmt.Println("uname of", aws.ToString(lk.Successful[0].Username))
	_, _ = client.BatchDeleteUser(ctx, &wickrapi.BatchDeleteUserInput{
		NetworkId: aws.String("12345678"), UserIds: []string{alice.UserId},
	})
	_, found := srv.UserByID("12345678", alice.UserId)
	fmt.Println("deleted:", srv.Deleted(), "still there:", found)
	// Output:
	// suspended: 1 failed: 42 User not found
	// devices: [{AppId:app-1 Resets:1}]
	// uname of alice@example.com
	// deleted: 1 still there: false
}
