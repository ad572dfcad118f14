package wickr_test

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
	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrapi"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, conformanceHarness())
}

// conformanceHarness describes the wickrtest kit to the conformance suite.
// Known items are new users spread over Setup.Keys networks, each with the
// security group "sg-1"; poison items are users of the first network listed
// in Faults.Poison; unknown items are users of two networks that do not
// exist (404 ResourceNotFoundError, which fails the whole network).
func conformanceHarness() conformance.Harness[wickr.NewUser, wickr.Result] {
	return conformance.Harness[wickr.NewUser, wickr.Result]{
		MaxItems: wickr.MaxItemsPerCall,
		// The kit renders ItemFailureRate as "Internal server error, please
		// retry", which the adapter retries as CodeInternal.
		ItemFaultCodes: []batch.Code{batch.CodeInternal},
		// A reason "Rate limit exceeded" is a throttle.
		ItemThrottles: true,
		// A user sent again, in another set of users, after a call that
		// created it lost its answer, conflicts with itself.
		CallFaultCodes: []batch.Code{batch.CodeConflict},
		// A user given twice is created once; the other item conflicts.
		DuplicateCodes: []batch.Code{batch.CodeConflict},
		Invalid: []conformance.Invalid[wickr.NewUser]{
			{Item: wickr.NewUser{NetworkId: "1000", Username: "u-bad-network", SecurityGroupIds: []string{"sg-1"}}, Field: "NetworkId"},
			{Item: wickr.NewUser{NetworkId: "10000000", SecurityGroupIds: []string{"sg-1"}}, Field: "Username"},
			{Item: wickr.NewUser{NetworkId: "10000000", Username: "u-two-groups", SecurityGroupIds: []string{"sg-1", "sg-2"}}, Field: "SecurityGroupIds"},
			{Item: wickr.NewUser{NetworkId: "10000000", Username: "u-blank-group", SecurityGroupIds: []string{"sg 1"}}, Field: "SecurityGroupIds"},
			{Item: wickr.NewUser{NetworkId: "10000000", Username: "u-bad-name", SecurityGroupIds: []string{"sg-1"}, FirstName: "\xff"}, Field: "FirstName"},
		},
		NewKit: func(t *testing.T, s conformance.Setup) *conformance.Kit[wickr.NewUser, wickr.Result] {
			networks := max(s.Keys, 1)
			network := func(i int) string { return fmt.Sprintf("1%07d", i%networks) }
			item := func(network, user string) wickr.NewUser {
				return wickr.NewUser{NetworkId: network, Username: user, SecurityGroupIds: []string{"sg-1"}, FirstName: "First " + user}
			}
			k := &conformance.Kit[wickr.NewUser, wickr.Result]{}
			for i := range s.Items {
				k.Items = append(k.Items, item(network(i), fmt.Sprintf("user-%d@example.com", i)))
			}
			for i := range s.Poison {
				it := item(network(0), fmt.Sprintf("poison-%d@example.com", i))
				k.Poison = append(k.Poison, it)
				s.Faults.Poison = append(s.Faults.Poison, it.Username)
			}
			for i := range s.Unknown {
				k.Unknown = append(k.Unknown, item(fmt.Sprintf("9%07d", i%2), fmt.Sprintf("unknown-%d@example.com", i)))
			}
			srv := wickrtest.NewServer(func(o *wickrtest.Options) {
				o.Faults, o.GenericAuthErrors = s.Faults, s.GenericAuthErrors
				if s.ItemThrottles {
					o.ItemFailureReasons = []string{"Rate limit exceeded"}
				}
			})
			t.Cleanup(srv.Close)
			for i := range networks {
				srv.AddNetwork(network(i), "sg-1")
			}
			k.Adapter = wickr.New(srv.Client(func(o *wickrapi.Options) {
				o.HTTPClient = s.HTTPClient(o.HTTPClient)
				if s.Secret == "" {
					return
				}
				o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
					return aws.Credentials{AccessKeyID: wickrtest.AccessKeyID, SecretAccessKey: s.Secret}, nil
				})
			}))
			k.Requests = srv.Requests
			k.SetFaults = srv.SetFaults
			k.Close = srv.Close
			k.Applied = func(it wickr.NewUser) bool {
				u, ok := srv.User(it.NetworkId, it.Username)
				return ok && u.FirstName == it.FirstName && len(u.SecurityGroups) == 1 && u.SecurityGroups[0] == it.SecurityGroupIds[0]
			}
			return k
		},
		Sent: sentNewUsers,
	}
}

// sentNewUsers decodes a logged BatchCreateUser request (POST
// /networks/{networkId}/users) into the users it carried.
func sentNewUsers(r awsfake.Request) ([]wickr.NewUser, error) {
	label, ok := strings.CutPrefix(r.RawPath, "/networks/")
	label, ok2 := strings.CutSuffix(label, "/users")
	if r.Method != http.MethodPost || !ok || !ok2 || strings.Contains(label, "/") {
		return nil, fmt.Errorf("not a BatchCreateUser request: %s %s", r.Method, r.RawPath)
	}
	network, err := url.PathUnescape(label)
	if err != nil {
		return nil, err
	}
	var in struct {
		Users []struct {
			Username string `json:"username"`
		} `json:"users"`
	}
	if err := json.Unmarshal(r.Body, &in); err != nil {
		return nil, err
	}
	out := make([]wickr.NewUser, len(in.Users))
	for i, u := range in.Users {
		out[i] = wickr.NewUser{NetworkId: network, Username: u.Username}
	}
	return out, nil
}
