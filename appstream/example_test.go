package appstream_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/appstream/appstreamtest"
	"github.com/batchkit/batchkit/batch"
)

// Associate users with stacks and report the associations that failed.
func Example() {
	srv := appstreamtest.NewServer() // an in-memory AppStream
	defer srv.Close()
	srv.AddStack("Sales")
	srv.AddUser("jane@example.com", appstreamtypes.AuthenticationTypeUserpool)
	srv.AddUser("li@example.com", appstreamtypes.AuthenticationTypeUserpool)

	// With real AWS: client := appstreamsdk.NewFromConfig(cfg).
	client := srv.Client()
	runner, err := appstream.New(client, appstream.Associate).Runner()
	if err != nil {
		panic(err)
	}
	report, err := runner.Run(context.Background(), []appstream.Association{
		{StackName: "Sales", UserName: "jane@example.com", AuthenticationType: appstreamtypes.AuthenticationTypeUserpool},
		{StackName: "Sales", UserName: "li@example.com", AuthenticationType: appstreamtypes.AuthenticationTypeUserpool},
		{StackName: "Marketing", UserName: "jane@example.com", AuthenticationType: appstreamtypes.AuthenticationTypeUserpool},
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d succeeded, %d failed\n", report.Succeeded, report.Failed)
	for _, o := range report.Outcomes {
		if o.Err != nil {
			fmt.Printf("item %d: %s (%s) in %s\n", o.Index, o.Err.Code, o.Err.ServiceCode, o.Err.Field)
		}
	}
	// Output:
	// 2 succeeded, 1 failed
	// item 2: NotFound (STACK_NOT_FOUND) in StackName
}

// Disassociate users from a stack. Disassociating a pair that is not
// associated succeeds.
func ExampleNew_disassociate() {
	srv := appstreamtest.NewServer()
	defer srv.Close()
	srv.AddAssociation(appstreamtest.Association{StackName: "Sales", UserName: "jane@example.com", AuthenticationType: "SAML"})
	srv.AddUser("li@example.com", "SAML")

	runner, err := appstream.New(srv.Client(), appstream.Disassociate).Runner()
	if err != nil {
		panic(err)
	}
	report, err := runner.Run(context.Background(), []appstream.Association{
		{StackName: "Sales", UserName: "jane@example.com", AuthenticationType: "SAML"},
		{StackName: "Sales", UserName: "li@example.com", AuthenticationType: "SAML"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(report.Succeeded, "succeeded; associations left:", len(srv.Associations()))
	// Output:
	// 2 succeeded; associations left: 0
}

// Retry associations whose stack does not exist yet, for a caller that has
// just created it.
func ExampleOptions() {
	srv := appstreamtest.NewServer()
	defer srv.Close()
	srv.AddUser("jane@example.com", "USERPOOL")

	adapter := appstream.New(srv.Client(), appstream.Associate, func(o *appstream.Options) {
		o.RetryNotFound = 3
	})
	runner, err := adapter.Runner(func(o *batch.Options) {
		o.BackoffBase = time.Millisecond
		// Here the stack appears when the first retry is scheduled.
		o.Hooks.OnRetry = func(batch.RetryInfo) { srv.AddStack("NewStack") }
	})
	if err != nil {
		panic(err)
	}
	report, err := runner.Run(context.Background(), []appstream.Association{
		{StackName: "NewStack", UserName: "jane@example.com", AuthenticationType: "USERPOOL"},
	})
	if err != nil {
		panic(err)
	}
	o := report.Outcomes[0]
	fmt.Println(o.Status, "after", o.Attempts, "attempts")
	// Output:
	// Succeeded after 2 attempts
}

// Validation errors name the field and never quote the user name.
func ExampleAdapter_Validate() {
	srv := appstreamtest.NewServer()
	defer srv.Close()
	adapter := appstream.New(srv.Client(), appstream.Associate)

	err := adapter.Validate(appstream.Association{StackName: "Sales", UserName: "jane doe", AuthenticationType: "USERPOOL"})
	fmt.Println(errors.Is(err, batch.ErrInvalidInput))
	fmt.Println(err)
	// Output:
	// true
	// batch: invalid input in field UserName: must hold only letters, marks, symbols, numbers and punctuation (no spaces or control characters)
}

// A whole call rejected for one bad association is split until that
// association is isolated; only it fails.
func ExampleAdapter_Classify() {
	srv := appstreamtest.NewServer(func(o *appstreamtest.Options) {
		o.Faults.Poison = []string{"mallory@example.com"}
	})
	defer srv.Close()
	srv.AddStack("Sales")
	var items []appstream.Association
	for _, u := range []string{"a@example.com", "b@example.com", "mallory@example.com", "c@example.com"} {
		srv.AddUser(u, "API")
		items = append(items, appstream.Association{StackName: "Sales", UserName: u, AuthenticationType: "API"})
	}
	runner, err := appstream.New(srv.Client(), appstream.Associate).Runner()
	if err != nil {
		panic(err)
	}
	report, err := runner.Run(context.Background(), items)
	if err != nil {
		panic(err)
	}
	for _, o := range report.Outcomes {
		if o.Err != nil {
			fmt.Printf("item %d: %s (%s)\n", o.Index, o.Err.Code, o.Err.ServiceCode)
		}
	}
	fmt.Println(report.Succeeded, "succeeded")
	// Output:
	// item 2: InvalidInput (InvalidParameterCombinationException)
	// 3 succeeded
}

// ExampleNewRunner builds a Runner in one step from one Options value: the
// adapter's fields and the engine's (embedded batch.Options) side by side.
// NewRunner checks its arguments.
func ExampleNewRunner() {
	srv := appstreamtest.NewServer()
	defer srv.Close()
	srv.AddStack("Sales")
	srv.AddUser("jane@example.com", appstreamtypes.AuthenticationTypeUserpool)
	srv.AddUser("li@example.com", appstreamtypes.AuthenticationTypeUserpool)

	runner, err := appstream.NewRunner(srv.Client(), appstream.Associate, func(o *appstream.Options) {
		o.MaxItemsPerCall = 1 // the adapter's limit: one association per call
		o.MaxInFlight = 2     // the engine's
	})
	if err != nil {
		panic(err)
	}
	report, err := runner.Run(context.Background(), []appstream.Association{
		{StackName: "Sales", UserName: "jane@example.com", AuthenticationType: appstreamtypes.AuthenticationTypeUserpool},
		{StackName: "Sales", UserName: "li@example.com", AuthenticationType: appstreamtypes.AuthenticationTypeUserpool},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("succeeded:", report.Succeeded, "calls:", report.Stats.Calls)

	_, err = appstream.NewRunner(nil, appstream.Associate)
	fmt.Println(err)
	// Output:
	// succeeded: 2 calls: 2
	// appstream: NewRunner: client is nil
}

// ExampleAction runs both actions over one association. Reports and errors
// name the operation that ran, which AssociateOperation and
// DisassociateOperation spell.
func ExampleAction() {
	srv := appstreamtest.NewServer()
	defer srv.Close()
	srv.AddStack("Sales")
	srv.AddUser("jane@example.com", appstreamtypes.AuthenticationTypeUserpool)
	items := []appstream.Association{
		{StackName: "Sales", UserName: "jane@example.com", AuthenticationType: appstreamtypes.AuthenticationTypeUserpool},
	}

	for _, action := range []appstream.Action{appstream.Associate, appstream.Disassociate} {
		runner, err := appstream.NewRunner(srv.Client(), action)
		if err != nil {
			panic(err)
		}
		report, err := runner.Run(context.Background(), items)
		if err != nil {
			panic(err)
		}
		switch report.Operation {
		case appstream.AssociateOperation:
			fmt.Println("associated:", report.Succeeded, "associations held:", len(srv.Associations()))
		case appstream.DisassociateOperation:
			fmt.Println("disassociated:", report.Succeeded, "associations held:", len(srv.Associations()))
		}
	}
	// Output:
	// associated: 1 associations held: 1
	// disassociated: 1 associations held: 0
}
