package wickrapi_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/batchkit/batchkit/wickr/wickrapi"
)

// This example needs AWS credentials and a Wickr network, so it is compiled
// but not run. It installs a per-call retryer wrapper that keeps the
// client's retryer (and with it the RateLimitError throttle code).
func ExampleClient_BatchCreateUser() {
	cfg := aws.Config{Region: "us-east-1"} // usually config.LoadDefaultConfig
	client := wickrapi.NewFromConfig(cfg)

	out, err := client.BatchCreateUser(context.Background(), &wickrapi.BatchCreateUserInput{
		NetworkId: aws.String("12345678"),
		Users: []wickrapi.BatchCreateUserRequestItem{
			{Username: aws.String("jane@example.com"), SecurityGroupIds: []string{"BCTY8Qhe"}},
		},
	}, func(o *wickrapi.Options) {
		o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 5)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(out.Successful), "created,", len(out.Failed), "failed")
}

// This example needs AWS credentials and a Wickr network, so it is compiled
// but not run. Suspend is the state to set, sent as the query parameter
// suspend=true; each entry of the answer names a user ID of the request.
func ExampleClient_BatchToggleUserSuspendStatus() {
	cfg := aws.Config{Region: "us-east-1"} // usually config.LoadDefaultConfig
	client := wickrapi.NewFromConfig(cfg)

	out, err := client.BatchToggleUserSuspendStatus(context.Background(), &wickrapi.BatchToggleUserSuspendStatusInput{
		NetworkId: aws.String("12345678"),
		Suspend:   aws.Bool(true),
		UserIds:   []string{"123", "456"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range out.Failed {
		fmt.Println(aws.ToString(f.UserId), aws.ToString(f.Reason))
	}
}
