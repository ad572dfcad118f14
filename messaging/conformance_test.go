package messaging_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/awsfake"
	"github.com/batchkit/batchkit/internal/conformance"
	"github.com/batchkit/batchkit/messaging"
	"github.com/batchkit/batchkit/messaging/messagingapi"
	"github.com/batchkit/batchkit/messaging/messagingtest"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, conformanceHarness())
}

// conformanceHarness describes the messagingtest kit to the conformance
// suite. Items add users of one app instance to Setup.Keys channels,
// moderated by one admin bearer; poison items are users of the first
// channel listed in Faults.Poison; unknown items alternate between a user
// added to a channel that does not exist (404 NotFoundException, which fails
// the whole key) and a user of another app instance (a BadRequest entry in
// Errors).
func conformanceHarness() conformance.Harness[messaging.Membership, messaging.Result] {
	const other = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-other"
	return conformance.Harness[messaging.Membership, messaging.Result]{
		MaxItems:       messaging.MaxItemsPerCall,
		ItemFaultCodes: []batch.Code{batch.CodeInternal}, // ServiceFailure entries
		ItemThrottles:  true,                             // Throttled and Throttling entries
		UnknownCodes:   []batch.Code{batch.CodeNotFound, batch.CodeInvalidInput},
		Invalid: []conformance.Invalid[messaging.Membership]{
			{Item: messaging.Membership{ChimeBearer: adminArn, MemberArn: userArn("v0")}, Field: "ChannelArn"},
			{Item: messaging.Membership{ChannelArn: channel("ch-0"), ChimeBearer: "admin", MemberArn: userArn("v1")}, Field: "ChimeBearer"},
			{Item: messaging.Membership{ChannelArn: channel("ch-0"), ChimeBearer: adminArn, MemberArn: "user/v2"}, Field: "MemberArn"},
			{Item: messaging.Membership{ChannelArn: channel("ch-0"), ChimeBearer: adminArn, MemberArn: userArn("v3"), Type: "SECRET"}, Field: "Type"},
			{Item: messaging.Membership{ChannelArn: channel("ch-0"), ChimeBearer: adminArn, MemberArn: userArn("v4"), SubChannelId: "a b"}, Field: "SubChannelId"},
		},
		NewKit: func(t *testing.T, s conformance.Setup) *conformance.Kit[messaging.Membership, messaging.Result] {
			channels := max(s.Keys, 1)
			ch := func(i int) string { return channel(fmt.Sprintf("ch-%d", i%channels)) }
			item := func(channelArn, memberArn string) messaging.Membership {
				return messaging.Membership{ChannelArn: channelArn, ChimeBearer: adminArn, MemberArn: memberArn}
			}
			k := &conformance.Kit[messaging.Membership, messaging.Result]{}
			for i := range s.Items {
				k.Items = append(k.Items, item(ch(i), userArn(fmt.Sprintf("user-%d", i))))
			}
			for i := range s.Poison {
				it := item(ch(0), userArn(fmt.Sprintf("poison-%d", i)))
				k.Poison = append(k.Poison, it)
				s.Faults.Poison = append(s.Faults.Poison, it.MemberArn)
			}
			for i := range s.Unknown {
				it := item(channel("no-such-channel"), userArn(fmt.Sprintf("unknown-%d", i)))
				if i%2 == 1 {
					it = item(ch(0), other+fmt.Sprintf("/user/unknown-%d", i))
				}
				k.Unknown = append(k.Unknown, it)
			}
			srv := messagingtest.NewServer(func(o *messagingtest.Options) {
				o.Faults, o.GenericAuthErrors = s.Faults, s.GenericAuthErrors
				if s.ItemThrottles {
					o.ItemFailureCodes = []messagingapi.ErrorCode{messagingapi.ErrorCodeThrottled, messagingapi.ErrorCodeThrottling}
				}
			})
			t.Cleanup(srv.Close)
			for i := range channels {
				srv.AddChannel(ch(i), adminArn)
			}
			k.Adapter = messaging.New(srv.Client(func(o *messagingapi.Options) {
				o.HTTPClient = s.HTTPClient(o.HTTPClient)
				if s.Secret == "" {
					return
				}
				o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
					return aws.Credentials{AccessKeyID: messagingtest.AccessKeyID, SecretAccessKey: s.Secret}, nil
				})
			}))
			k.Requests = srv.Requests
			k.SetFaults = srv.SetFaults
			k.Close = srv.Close
			k.Applied = func(it messaging.Membership) bool {
				m, ok := srv.Member(it.ChannelArn, it.MemberArn, it.SubChannelId)
				return ok && m.Adds > 0
			}
			return k
		},
		Sent: sentMemberships,
	}
}

// sentMemberships decodes a logged BatchCreateChannelMembership request
// (POST /channels/{ChannelArn}/memberships?operation=batch-create) into the
// memberships it carried. The channel ARN is read from the escaped path,
// since the decoded one cannot be split.
func sentMemberships(r awsfake.Request) ([]messaging.Membership, error) {
	label, ok := strings.CutPrefix(r.RawPath, "/channels/")
	label, ok2 := strings.CutSuffix(label, "/memberships")
	if r.Method != http.MethodPost || !ok || !ok2 || r.Query != "operation=batch-create" {
		return nil, fmt.Errorf("not a BatchCreateChannelMembership request: %s %s?%s", r.Method, r.RawPath, r.Query)
	}
	channelArn, err := url.PathUnescape(label)
	if err != nil {
		return nil, err
	}
	var in struct {
		MemberArns   []string
		Type         messagingapi.ChannelMembershipType
		SubChannelId string
	}
	if err := json.Unmarshal(r.Body, &in); err != nil {
		return nil, err
	}
	out := make([]messaging.Membership, len(in.MemberArns))
	for i, arn := range in.MemberArns {
		out[i] = messaging.Membership{
			ChannelArn: channelArn, ChimeBearer: r.Header.Get("X-Amz-Chime-Bearer"),
			MemberArn: arn, Type: in.Type, SubChannelId: in.SubChannelId,
		}
	}
	return out, nil
}
