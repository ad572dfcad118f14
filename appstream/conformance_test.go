package appstream_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/appstream/appstreamtest"
	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/awsfake"
	"github.com/batchkit/batchkit/internal/conformance"
)

func TestConformance(t *testing.T) {
	for _, action := range []appstream.Action{appstream.Associate, appstream.Disassociate} {
		t.Run(string(action), func(t *testing.T) {
			conformance.Run(t, conformanceHarness(action))
		})
	}
}

// conformanceHarness describes the appstreamtest kit to the conformance
// suite for one operation. Items are spread over Setup.Keys stacks (the
// operations have no call key); poison items are users listed in
// Faults.Poison; unknown items alternate between an unknown user and an
// unknown stack. For Disassociate, every known item starts associated.
func conformanceHarness(action appstream.Action) conformance.Harness[appstream.Association, appstream.Result] {
	const auth = appstreamtypes.AuthenticationTypeUserpool
	return conformance.Harness[appstream.Association, appstream.Result]{
		MaxItems:       appstream.MaxItemsPerCall,
		ItemFaultCodes: []batch.Code{batch.CodeInternal}, // INTERNAL_ERROR entries
		Invalid: []conformance.Invalid[appstream.Association]{
			{Item: appstream.Association{UserName: "a@example.com", AuthenticationType: auth}, Field: "StackName"},
			{Item: appstream.Association{StackName: "Stack-0", UserName: "no spaces@example.com", AuthenticationType: auth}, Field: "UserName"},
			{Item: appstream.Association{StackName: "Stack-0", UserName: "b@example.com", AuthenticationType: "BOGUS"}, Field: "AuthenticationType"},
		},
		NewKit: func(t *testing.T, s conformance.Setup) *conformance.Kit[appstream.Association, appstream.Result] {
			stacks := max(s.Keys, 1)
			k := &conformance.Kit[appstream.Association, appstream.Result]{}
			item := func(i int, prefix string) appstream.Association {
				return appstream.Association{
					StackName:          fmt.Sprintf("Stack-%d", i%stacks),
					UserName:           fmt.Sprintf("%s-%d@example.com", prefix, i),
					AuthenticationType: auth,
				}
			}
			for i := range s.Items {
				k.Items = append(k.Items, item(i, "user"))
			}
			for i := range s.Poison {
				it := item(0, fmt.Sprintf("poison%d", i))
				k.Poison = append(k.Poison, it)
				s.Faults.Poison = append(s.Faults.Poison, it.UserName)
			}
			for i := range s.Unknown {
				it := item(i, "unknown")
				if i%2 == 1 {
					it.StackName = fmt.Sprintf("NoSuchStack-%d", i)
				}
				k.Unknown = append(k.Unknown, it)
			}
			srv := appstreamtest.NewServer(func(o *appstreamtest.Options) { o.Faults = s.Faults })
			t.Cleanup(srv.Close)
			for i := range stacks {
				srv.AddStack(fmt.Sprintf("Stack-%d", i))
			}
			for _, group := range [][]appstream.Association{k.Items, k.Poison} {
				for _, it := range group {
					srv.AddUser(it.UserName, it.AuthenticationType)
					if action == appstream.Disassociate {
						srv.AddAssociation(kitAssoc(it))
					}
				}
			}
			// The kit refuses credentials with AWS's generic errors only.
			k.Adapter = appstream.New(srv.Client(func(o *appstreamsdk.Options) {
				o.HTTPClient = s.HTTPClient(o.HTTPClient)
				if s.Secret != "" {
					o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
						return aws.Credentials{AccessKeyID: appstreamtest.AccessKeyID, SecretAccessKey: s.Secret}, nil
					})
				}
			}), action)
			k.Requests = srv.Requests
			k.SetFaults = srv.SetFaults
			k.Close = srv.Close
			k.Applied = func(it appstream.Association) bool {
				return srv.IsAssociated(kitAssoc(it)) == (action == appstream.Associate)
			}
			return k
		},
		Sent: sentAssociations,
	}
}

// sentAssociations decodes a logged request, in either protocol, into the
// associations it carried.
func sentAssociations(r awsfake.Request) ([]appstream.Association, error) {
	_, sent, err := appstreamtest.SentAssociations(r)
	if err != nil {
		return nil, err
	}
	out := make([]appstream.Association, len(sent))
	for i, a := range sent {
		out[i] = appstream.Association{StackName: a.StackName, UserName: a.UserName, AuthenticationType: a.AuthenticationType}
	}
	return out, nil
}
