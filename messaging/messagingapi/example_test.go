package messagingapi_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/batchkit/batchkit/messaging/messagingapi"
)

// This example needs AWS credentials and a Chime SDK channel, so it is
// compiled but not run. It installs a per-call retryer wrapper that keeps
// the client's retryer (and with it the ThrottledClientException throttle
// code).
func ExampleClient_BatchCreateChannelMembership() {
	cfg := aws.Config{Region: "us-east-1"} // usually config.LoadDefaultConfig
	client := messagingapi.NewFromConfig(cfg)

	out, err := client.BatchCreateChannelMembership(context.Background(), &messagingapi.BatchCreateChannelMembershipInput{
		ChannelArn:  aws.String("arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/channel/ch-1"),
		ChimeBearer: aws.String("arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/user/admin"),
		MemberArns:  []string{"arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/user/u1"},
		Type:        messagingapi.ChannelMembershipTypeDefault,
	}, func(o *messagingapi.Options) {
		o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 5)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(out.Errors), "members not added")
}
