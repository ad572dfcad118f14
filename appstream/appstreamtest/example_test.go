package appstreamtest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"
	"github.com/aws/smithy-go"

	"github.com/batchkit/batchkit/appstream/appstreamtest"
)

// Point the official client at an in-memory AppStream.
func ExampleNewServer() {
	srv := appstreamtest.NewServer()
	defer srv.Close()
	srv.AddStack("Sales")
	srv.AddUser("jane@example.com", appstreamtypes.AuthenticationTypeUserpool)

	client := appstreamsdk.NewFromConfig(srv.Config()) // or srv.Client()
	out, err := client.BatchAssociateUserStack(context.Background(), &appstreamsdk.BatchAssociateUserStackInput{
		UserStackAssociations: []appstreamtypes.UserStackAssociation{
			{StackName: aws.String("Sales"), UserName: aws.String("jane@example.com"), AuthenticationType: "USERPOOL"},
			{StackName: aws.String("Sales"), UserName: aws.String("nobody@example.com"), AuthenticationType: "USERPOOL"},
		},
	})
	if err != nil {
		panic(err)
	}
	for _, e := range out.Errors {
		fmt.Println(e.ErrorCode)
	}
	fmt.Println(srv.Associations())
	// Output:
	// USER_NAME_NOT_FOUND
	// [{Sales jane@example.com USERPOOL}]
}

// Make every call that carries a poison user name fail as a whole.
func ExampleServer_SetFaults() {
	srv := appstreamtest.NewServer()
	defer srv.Close()
	srv.AddStack("Sales")
	srv.AddUser("mallory@example.com", "API")
	srv.SetFaults(appstreamtest.Faults{Poison: []string{"mallory@example.com"}})

	_, err := srv.Client().BatchAssociateUserStack(context.Background(), &appstreamsdk.BatchAssociateUserStackInput{
		UserStackAssociations: []appstreamtypes.UserStackAssociation{
			{StackName: aws.String("Sales"), UserName: aws.String("mallory@example.com"), AuthenticationType: "API"},
		},
	})
	var ae smithy.APIError
	if errors.As(err, &ae) {
		fmt.Println(ae.ErrorCode())
	}
	fmt.Println(srv.Requests()[0].Fault)
	// Output:
	// InvalidParameterCombinationException
	// poison
}
