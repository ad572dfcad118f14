package chime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	//lint:ignore SA1019 the legacy Amazon Chime API, deprecated with its end of support, is what this package wraps.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"
	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/chime"
	"github.com/batchkit/batchkit/chime/chimetest"
	"github.com/batchkit/batchkit/internal/awsfake"
	"github.com/batchkit/batchkit/internal/conformance"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, conformanceHarness())
}

// conformanceHarness describes the chimetest kit to the conformance suite.
// Known users hold a Basic license and the items move them to Pro, spread
// over Setup.Keys accounts; poison items are users of the first account
// listed in Faults.Poison; unknown items alternate between an unknown user
// of the first account (a NotFound entry) and a user of an account that does
// not exist (404 NotFoundException, which fails the whole account).
func conformanceHarness() conformance.Harness[chime.UserUpdate, chime.Result] {
	return conformance.Harness[chime.UserUpdate, chime.Result]{
		MaxItems:       chime.MaxItemsPerCall,
		ItemFaultCodes: []batch.Code{batch.CodeInternal}, // ServiceFailure entries
		ItemThrottles:  true,                             // Throttled and Throttling entries
		Invalid: []conformance.Invalid[chime.UserUpdate]{
			{Item: chime.UserUpdate{UserId: "u", LicenseType: chimetypes.LicensePro}, Field: "AccountId"},
			{Item: chime.UserUpdate{AccountId: "acct-0", UserId: " \t", LicenseType: chimetypes.LicensePro}, Field: "UserId"},
			{Item: chime.UserUpdate{AccountId: "acct-0", UserId: "u-gold", LicenseType: "Gold"}, Field: "LicenseType"},
			{Item: chime.UserUpdate{AccountId: "  ", UserId: "u-blank-account"}, Field: "AccountId"},
			{Item: chime.UserUpdate{AccountId: "acct-0"}, Field: "UserId"},
			{Item: chime.UserUpdate{AccountId: "acct-0", UserId: "u-kiosk", UserType: "Kiosk"}, Field: "UserType"},
		},
		NewKit: func(t *testing.T, s conformance.Setup) *conformance.Kit[chime.UserUpdate, chime.Result] {
			accounts := max(s.Keys, 1)
			account := func(i int) string { return fmt.Sprintf("acct-%d", i%accounts) }
			item := func(acct, user string) chime.UserUpdate {
				return chime.UserUpdate{AccountId: acct, UserId: user, LicenseType: chimetypes.LicensePro}
			}
			k := &conformance.Kit[chime.UserUpdate, chime.Result]{}
			for i := range s.Items {
				k.Items = append(k.Items, item(account(i), fmt.Sprintf("user-%d", i)))
			}
			for i := range s.Poison {
				it := item(account(0), fmt.Sprintf("poison-%d", i))
				k.Poison = append(k.Poison, it)
				s.Faults.Poison = append(s.Faults.Poison, it.UserId)
			}
			for i := range s.Unknown {
				it := item(account(0), fmt.Sprintf("unknown-%d", i))
				if i%2 == 1 {
					it.AccountId = "no-such-acct"
				}
				k.Unknown = append(k.Unknown, it)
			}
			srv := chimetest.NewServer(func(o *chimetest.Options) {
				o.Faults, o.GenericAuthErrors = s.Faults, s.GenericAuthErrors
				if s.ItemThrottles {
					o.ItemFailureCodes = []chimetypes.ErrorCode{chimetypes.ErrorCodeThrottled, chimetypes.ErrorCodeThrottling}
				}
			})
			t.Cleanup(srv.Close)
			for i := range accounts {
				srv.AddAccount(account(i))
			}
			for _, group := range [][]chime.UserUpdate{k.Items, k.Poison} {
				for _, it := range group {
					srv.AddUser(it.AccountId, it.UserId, chimetypes.LicenseBasic)
				}
			}
			k.Adapter = chime.New(srv.Client(func(o *chimesdk.Options) {
				o.HTTPClient = s.HTTPClient(o.HTTPClient)
				if s.Secret != "" {
					o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
						return aws.Credentials{AccessKeyID: chimetest.AccessKeyID, SecretAccessKey: s.Secret}, nil
					})
				}
			}))
			k.Requests = srv.Requests
			k.SetFaults = srv.SetFaults
			k.Close = srv.Close
			k.Applied = func(it chime.UserUpdate) bool {
				u, ok := srv.User(it.AccountId, it.UserId)
				return ok && u.LicenseType == it.LicenseType && u.Updates > 0
			}
			return k
		},
		Sent: sentUpdates,
	}
}

// sentUpdates decodes a logged BatchUpdateUser request (POST
// /accounts/{AccountId}/users) into the updates it carried.
func sentUpdates(r awsfake.Request) ([]chime.UserUpdate, error) {
	acct, ok := strings.CutPrefix(r.Path, "/accounts/")
	acct, ok2 := strings.CutSuffix(acct, "/users")
	if r.Method != http.MethodPost || !ok || !ok2 || r.Query != "" {
		return nil, fmt.Errorf("not a BatchUpdateUser request: %s %s?%s", r.Method, r.Path, r.Query)
	}
	var in struct {
		UpdateUserRequestItems []struct{ UserId string }
	}
	if err := json.Unmarshal(r.Body, &in); err != nil {
		return nil, err
	}
	out := make([]chime.UserUpdate, len(in.UpdateUserRequestItems))
	for i, u := range in.UpdateUserRequestItems {
		out[i] = chime.UserUpdate{AccountId: acct, UserId: u.UserId}
	}
	return out, nil
}
