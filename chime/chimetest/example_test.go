package chimetest_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	//lint:ignore SA1019 the legacy Amazon Chime API, deprecated with its end of support, is what this package wraps.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"
	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"

	"github.com/batchkit/batchkit/chime/chimetest"
)

// ExampleNewServer calls the fake with the official client and inspects the
// user's state and the request log afterwards.
func ExampleNewServer() {
	srv := chimetest.NewServer()
	defer srv.Close()
	srv.AddUser("acct-1", "alice", chimetypes.LicenseBasic)

	out, err := srv.Client().BatchUpdateUser(context.Background(), &chimesdk.BatchUpdateUserInput{
		AccountId: aws.String("acct-1"),
		UpdateUserRequestItems: []chimetypes.UpdateUserRequestItem{
			{UserId: aws.String("alice"), LicenseType: chimetypes.LicensePro},
			{UserId: aws.String("bob"), LicenseType: chimetypes.LicensePro},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ue := range out.UserErrors {
		fmt.Println(aws.ToString(ue.UserId), ue.ErrorCode)
	}
	u, _ := srv.User("acct-1", "alice")
	fmt.Println("alice:", u.LicenseType, "updates:", u.Updates)
	r := srv.Requests()[0]
	fmt.Println(r.Method, r.Path, r.Operation, r.Status)
	// Output:
	// bob NotFound
	// alice: Pro updates: 1
	// POST /accounts/acct-1/users BatchUpdateUser 200
}

// ExampleOptions makes every item fail with a retryable code, as a
// fault plan for testing retries.
func ExampleOptions() {
	srv := chimetest.NewServer(func(o *chimetest.Options) {
		o.Faults.ItemFailureRate = 1
		o.ItemFailureCodes = []chimetypes.ErrorCode{chimetypes.ErrorCodeThrottled}
	})
	defer srv.Close()
	srv.AddUser("acct-1", "alice", chimetypes.LicenseBasic)

	out, err := srv.Client().BatchUpdateUser(context.Background(), &chimesdk.BatchUpdateUserInput{
		AccountId:              aws.String("acct-1"),
		UpdateUserRequestItems: []chimetypes.UpdateUserRequestItem{{UserId: aws.String("alice"), LicenseType: chimetypes.LicensePro}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(aws.ToString(out.UserErrors[0].UserId), out.UserErrors[0].ErrorCode)
	u, _ := srv.User("acct-1", "alice")
	fmt.Println("alice:", u.LicenseType)
	// Output:
	// alice Throttled
	// alice: Basic
}

// ExampleServer_SetFaults shows an account that does not exist and a
// whole-call failure, as the official client reports them.
func ExampleServer_SetFaults() {
	srv := chimetest.NewServer()
	defer srv.Close()
	srv.AddUser("acct-1", "alice", chimetypes.LicenseBasic)
	client := srv.Client(func(o *chimesdk.Options) { o.RetryMaxAttempts = 1 })
	call := func(account string) error {
		_, err := client.BatchUpdateUser(context.Background(), &chimesdk.BatchUpdateUserInput{
			AccountId:              aws.String(account),
			UpdateUserRequestItems: []chimetypes.UpdateUserRequestItem{{UserId: aws.String("alice")}},
		})
		return err
	}

	fmt.Println(call("nope") != nil)
	srv.SetFaults(chimetest.Faults{CallFailureRate: 1})
	fmt.Println(call("acct-1") != nil)
	for _, r := range srv.Requests() {
		fmt.Printf("%d fault=%q\n", r.Status, r.Fault)
	}
	// Output:
	// true
	// true
	// 404 fault=""
	// 500 fault="internal"
}

// ExampleServer_User reads a user's state after an update.
func ExampleServer_User() {
	srv := chimetest.NewServer()
	defer srv.Close()
	srv.AddUser("acct-1", "alice", chimetypes.LicenseBasic)
	_, err := srv.Client().BatchUpdateUser(context.Background(), &chimesdk.BatchUpdateUserInput{
		AccountId: aws.String("acct-1"),
		UpdateUserRequestItems: []chimetypes.UpdateUserRequestItem{
			{UserId: aws.String("alice"), UserType: chimetypes.UserTypeSharedDevice},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	u, ok := srv.User("acct-1", "alice")
	fmt.Println(ok, u.LicenseType, u.UserType, u.Updates)
	_, ok = srv.User("acct-1", "bob")
	fmt.Println(ok)
	// Output:
	// true Basic SharedDevice 1
	// false
}
