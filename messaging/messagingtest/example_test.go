package messagingtest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/messaging/messagingapi"
	"github.com/batchkit/batchkit/messaging/messagingtest"
)

// ExampleNewServer calls the fake with the messagingapi client and inspects
// the channel's members and the request log afterwards.
func ExampleNewServer() {
	const (
		channel = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/channel/general"
		admin   = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/user/admin"
		alice   = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/user/alice"
		outside = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-2/user/bob"
	)
	srv := messagingtest.NewServer()
	defer srv.Close()
	srv.AddChannel(channel, admin)

	out, err := srv.Client().BatchCreateChannelMembership(context.Background(), &messagingapi.BatchCreateChannelMembershipInput{
		ChannelArn:  aws.String(channel),
		ChimeBearer: aws.String(admin),
		MemberArns:  []string{alice, outside},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range out.BatchChannelMemberships.Members {
		fmt.Println("added:", aws.ToString(m.Name))
	}
	for _, e := range out.Errors {
		fmt.Println("not added:", aws.ToString(e.MemberArn), e.ErrorCode)
	}
	for _, m := range srv.Members(channel) {
		fmt.Println("member:", m.Arn, m.Type)
	}
	r := srv.Requests()[0]
	fmt.Println(r.Method, r.Query, r.Operation, r.Status)
	// Output:
	// added: alice
	// not added: arn:aws:chime:us-east-1:111122223333:app-instance/ai-2/user/bob BadRequest
	// member: arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/user/alice DEFAULT
	// POST operation=batch-create BatchCreateChannelMembership 200
}

// ExampleOptions makes every member fail with a retryable code, as a fault
// plan for testing retries.
func ExampleOptions() {
	const (
		channel = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/channel/general"
		admin   = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/user/admin"
		alice   = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/user/alice"
	)
	srv := messagingtest.NewServer(func(o *messagingtest.Options) {
		o.Faults.ItemFailureRate = 1
		o.ItemFailureCodes = []messagingapi.ErrorCode{messagingapi.ErrorCodeThrottled}
	})
	defer srv.Close()
	srv.AddChannel(channel, admin)

	out, err := srv.Client().BatchCreateChannelMembership(context.Background(), &messagingapi.BatchCreateChannelMembershipInput{
		ChannelArn: aws.String(channel), ChimeBearer: aws.String(admin), MemberArns: []string{alice},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Errors[0].ErrorCode, len(out.BatchChannelMemberships.Members), len(srv.Members(channel)))
	// Output:
	// Throttled 0 0
}

// ExampleServer_SetFaults shows an unknown channel, a bearer that may not
// add members, and a whole-call failure, as the client reports them.
func ExampleServer_SetFaults() {
	const (
		channel = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/channel/general"
		admin   = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/user/admin"
		alice   = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/user/alice"
	)
	srv := messagingtest.NewServer()
	defer srv.Close()
	srv.AddChannel(channel, admin)
	client := srv.Client(func(o *messagingapi.Options) { o.RetryMaxAttempts = 1 })
	call := func(channelArn, bearer string) error {
		_, err := client.BatchCreateChannelMembership(context.Background(), &messagingapi.BatchCreateChannelMembershipInput{
			ChannelArn: aws.String(channelArn), ChimeBearer: aws.String(bearer), MemberArns: []string{alice},
		})
		return err
	}

	var notFound *messagingapi.NotFoundException
	var forbidden *messagingapi.ForbiddenException
	fmt.Println(errors.As(call(channel+"-gone", admin), &notFound))
	fmt.Println(errors.As(call(channel, alice), &forbidden))
	srv.SetFaults(messagingtest.Faults{CallFailureRate: 1})
	fmt.Println(call(channel, admin) != nil)
	for _, r := range srv.Requests() {
		fmt.Printf("%d fault=%q\n", r.Status, r.Fault)
	}
	// Output:
	// true
	// true
	// true
	// 404 fault=""
	// 403 fault=""
	// 500 fault="internal"
}

// ExampleServer_Member reads one membership after a call that adds a
// member to a channel twice: the second add succeeds and changes nothing.
func ExampleServer_Member() {
	const (
		channel = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/channel/general"
		admin   = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/user/admin"
		bot     = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/bot/helper"
	)
	srv := messagingtest.NewServer()
	defer srv.Close()
	srv.AddChannel(channel, admin)
	for _, typ := range []messagingapi.ChannelMembershipType{messagingapi.ChannelMembershipTypeHidden, messagingapi.ChannelMembershipTypeDefault} {
		_, err := srv.Client().BatchCreateChannelMembership(context.Background(), &messagingapi.BatchCreateChannelMembershipInput{
			ChannelArn: aws.String(channel), ChimeBearer: aws.String(admin), MemberArns: []string{bot}, Type: typ,
		})
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	m, ok := srv.Member(channel, bot, "")
	fmt.Println(ok, m.Type, m.Adds, m.InvitedBy == admin)
	// Output:
	// true HIDDEN 2 true
}
