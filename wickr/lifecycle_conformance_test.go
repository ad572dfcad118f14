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

// The conformance suite runs every adapter of the user lifecycle against
// the wickrtest kit. Known items name users (devices, unames) seeded in the
// kit; poison items are seeded too, in the first key, their identities
// listed in Faults.Poison; unknown items alternate between identities the
// kit does not have in a known key (a failed entry, NotFound) and keys the
// kit does not have (404 ResourceNotFoundError, which fails the key).

func TestConformanceDelete(t *testing.T) {
	conformance.Run(t, conformance.Harness[wickr.UserRef, wickr.UserResult]{
		MaxItems:       wickr.MaxItemsPerCall,
		ItemFaultCodes: []batch.Code{batch.CodeInternal},
		ItemThrottles:  true,
		// A user deleted by a call whose answer was lost, sent again in a
		// new call, is not found any more.
		CallFaultCodes: []batch.Code{batch.CodeNotFound},
		// A user given twice is deleted once; the other item finds nobody.
		DuplicateCodes: []batch.Code{batch.CodeNotFound},
		Invalid:        userRefInvalid(),
		NewKit: func(t *testing.T, s conformance.Setup) *conformance.Kit[wickr.UserRef, wickr.UserResult] {
			lk := newLifecycleKit(t, s)
			k := userRefKit(lk, s)
			lk.start()
			k.Adapter = wickr.NewDelete(lk.client)
			k.Applied = func(it wickr.UserRef) bool {
				_, ok := lk.srv.UserByID(it.NetworkId, it.UserId)
				return !ok
			}
			return k
		},
		Sent: sentUserIDs(http.MethodPost, "/users/batch-delete"),
	})
}

func TestConformanceReinvite(t *testing.T) {
	conformance.Run(t, conformance.Harness[wickr.UserRef, wickr.UserResult]{
		MaxItems:       wickr.MaxItemsPerCall,
		ItemFaultCodes: []batch.Code{batch.CodeInternal},
		ItemThrottles:  true,
		Invalid:        userRefInvalid(),
		NewKit: func(t *testing.T, s conformance.Setup) *conformance.Kit[wickr.UserRef, wickr.UserResult] {
			lk := newLifecycleKit(t, s)
			k := userRefKit(lk, s)
			lk.start()
			k.Adapter = wickr.NewReinvite(lk.client)
			k.Applied = func(it wickr.UserRef) bool {
				u, ok := lk.srv.UserByID(it.NetworkId, it.UserId)
				return ok && u.Reinvites > 0
			}
			return k
		},
		Sent: sentUserIDs(http.MethodPatch, "/users/re-invite"),
	})
}

func TestConformanceSuspend(t *testing.T) {
	conformance.Run(t, conformance.Harness[wickr.SuspendStatus, wickr.UserResult]{
		MaxItems:       wickr.MaxItemsPerCall,
		ItemFaultCodes: []batch.Code{batch.CodeInternal},
		ItemThrottles:  true,
		Invalid: []conformance.Invalid[wickr.SuspendStatus]{
			{Item: wickr.SuspendStatus{NetworkId: "1000000", UserId: "1", Suspend: true}, Field: "NetworkId"},
			{Item: wickr.SuspendStatus{NetworkId: "10000000", UserId: "", Suspend: true}, Field: "UserId"},
			{Item: wickr.SuspendStatus{NetworkId: "10000000", UserId: "u1"}, Field: "UserId"},
		},
		NewKit: func(t *testing.T, s conformance.Setup) *conformance.Kit[wickr.SuspendStatus, wickr.UserResult] {
			lk := newLifecycleKit(t, s)
			refs := userRefKit(lk, s)
			// Users of odd keys are suspended, and the items reinstate them.
			suspend := func(network string) bool { return network[len(network)-1]%2 == 0 }
			conv := func(in []wickr.UserRef) []wickr.SuspendStatus {
				out := make([]wickr.SuspendStatus, len(in))
				for i, r := range in {
					out[i] = wickr.SuspendStatus{NetworkId: r.NetworkId, UserId: r.UserId, Suspend: suspend(r.NetworkId)}
				}
				return out
			}
			k := &conformance.Kit[wickr.SuspendStatus, wickr.UserResult]{
				Items: conv(refs.Items), Poison: conv(refs.Poison), Unknown: conv(refs.Unknown),
				Requests: refs.Requests, SetFaults: refs.SetFaults, Close: refs.Close,
			}
			for _, it := range append(k.Items, k.Poison...) {
				if !it.Suspend {
					lk.suspend(t, it.NetworkId, it.UserId)
				}
			}
			lk.start()
			k.Adapter = wickr.NewSuspend(lk.client)
			k.Applied = func(it wickr.SuspendStatus) bool {
				u, ok := lk.srv.UserByID(it.NetworkId, it.UserId)
				return ok && u.Suspended == it.Suspend
			}
			return k
		},
		Sent: func(r awsfake.Request) ([]wickr.SuspendStatus, error) {
			refs, err := sentUserIDs(http.MethodPatch, "/users/toggleSuspend")(r)
			if err != nil {
				return nil, err
			}
			q, err := url.ParseQuery(r.Query)
			if err != nil || (q.Get("suspend") != "true" && q.Get("suspend") != "false") {
				return nil, fmt.Errorf("query %q has no suspend", r.Query)
			}
			out := make([]wickr.SuspendStatus, len(refs))
			for i, ref := range refs {
				out[i] = wickr.SuspendStatus{NetworkId: ref.NetworkId, UserId: ref.UserId, Suspend: q.Get("suspend") == "true"}
			}
			return out, nil
		},
	})
}

func TestConformanceResetDevices(t *testing.T) {
	conformance.Run(t, conformance.Harness[wickr.Device, wickr.DeviceResult]{
		MaxItems:       wickr.MaxItemsPerCall,
		ItemFaultCodes: []batch.Code{batch.CodeInternal},
		ItemThrottles:  true,
		Invalid: []conformance.Invalid[wickr.Device]{
			{Item: wickr.Device{NetworkId: "x0000000", UserId: "1", AppId: "a"}, Field: "NetworkId"},
			{Item: wickr.Device{NetworkId: "10000000", UserId: "12345678901", AppId: "a"}, Field: "UserId"},
			{Item: wickr.Device{NetworkId: "10000000", UserId: "1"}, Field: "AppId"},
			{Item: wickr.Device{NetworkId: "10000000", UserId: "1", AppId: "a\xff"}, Field: "AppId"},
		},
		NewKit: func(t *testing.T, s conformance.Setup) *conformance.Kit[wickr.Device, wickr.DeviceResult] {
			lk := newLifecycleKit(t, s)
			const network = "10000000"
			users := max(s.Keys, 1)
			ids := make([]string, users)
			for i := range ids {
				ids[i] = lk.srv.AddUser(network, fmt.Sprintf("owner-%d@example.com", i), "sg-1").UserId
			}
			k := kitOf[wickr.Device, wickr.DeviceResult](lk)
			device := func(user, app string) wickr.Device {
				lk.srv.AddDevice(network, user, app)
				return wickr.Device{NetworkId: network, UserId: user, AppId: app}
			}
			for i := range s.Items {
				k.Items = append(k.Items, device(ids[i%users], fmt.Sprintf("app-%d", i)))
			}
			for i := range s.Poison {
				d := device(ids[0], fmt.Sprintf("poison-app-%d", i))
				k.Poison = append(k.Poison, d)
				lk.poison = append(lk.poison, d.AppId)
			}
			for i := range s.Unknown {
				// Devices of users the network does not have: 404 for the
				// user's key.
				k.Unknown = append(k.Unknown, wickr.Device{NetworkId: network, UserId: fmt.Sprint(900000 + i%2), AppId: fmt.Sprintf("unknown-app-%d", i)})
			}
			lk.start()
			k.Adapter = wickr.NewResetDevices(lk.client)
			k.Applied = func(it wickr.Device) bool {
				for _, d := range lk.srv.Devices(it.NetworkId, it.UserId) {
					if d.AppId == it.AppId {
						return d.Resets > 0
					}
				}
				return false
			}
			return k
		},
		Sent: func(r awsfake.Request) ([]wickr.Device, error) {
			rest, ok := strings.CutPrefix(r.RawPath, "/networks/")
			segs := strings.Split(rest, "/")
			if r.Method != http.MethodPatch || !ok || len(segs) != 4 || segs[1] != "users" || segs[3] != "devices" {
				return nil, fmt.Errorf("not a BatchResetDevicesForUser request: %s %s", r.Method, r.RawPath)
			}
			network, err1 := url.PathUnescape(segs[0])
			user, err2 := url.PathUnescape(segs[2])
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("bad path %s", r.RawPath)
			}
			var in struct {
				AppIds []string `json:"appIds"`
			}
			if err := json.Unmarshal(r.Body, &in); err != nil {
				return nil, err
			}
			out := make([]wickr.Device, len(in.AppIds))
			for i, a := range in.AppIds {
				out[i] = wickr.Device{NetworkId: network, UserId: user, AppId: a}
			}
			return out, nil
		},
	})
}

func TestConformanceLookup(t *testing.T) {
	conformance.Run(t, conformance.Harness[wickr.UnameLookup, wickr.UnameResult]{
		MaxItems:       wickr.MaxItemsPerCall,
		ItemFaultCodes: []batch.Code{batch.CodeInternal},
		ItemThrottles:  true,
		Invalid: []conformance.Invalid[wickr.UnameLookup]{
			{Item: wickr.UnameLookup{NetworkId: "", Uname: "u"}, Field: "NetworkId"},
			{Item: wickr.UnameLookup{NetworkId: "10000000"}, Field: "Uname"},
		},
		NewKit: func(t *testing.T, s conformance.Setup) *conformance.Kit[wickr.UnameLookup, wickr.UnameResult] {
			lk := newLifecycleKit(t, s)
			networks := max(s.Keys, 1)
			network := func(i int) string { return fmt.Sprintf("1%07d", i%networks) }
			k := kitOf[wickr.UnameLookup, wickr.UnameResult](lk)
			seed := func(network, name string) wickr.UnameLookup {
				return wickr.UnameLookup{NetworkId: network, Uname: lk.srv.AddUser(network, name, "sg-1").Uname}
			}
			for i := range s.Items {
				k.Items = append(k.Items, seed(network(i), fmt.Sprintf("user-%d@example.com", i)))
			}
			for i := range s.Poison {
				it := seed(network(0), fmt.Sprintf("poison-%d@example.com", i))
				k.Poison = append(k.Poison, it)
				lk.poison = append(lk.poison, it.Uname)
			}
			for i := range s.Unknown {
				it := wickr.UnameLookup{NetworkId: network(0), Uname: fmt.Sprintf("unknown-uname-%d", i)}
				if i%2 == 1 {
					it.NetworkId = fmt.Sprintf("9%07d", i%4)
				}
				k.Unknown = append(k.Unknown, it)
			}
			lk.start()
			k.Adapter = wickr.NewLookup(lk.client)
			return k
		},
		Sent: func(r awsfake.Request) ([]wickr.UnameLookup, error) {
			network, err := networkOfPath(r, http.MethodPost, "/users/uname-lookup")
			if err != nil {
				return nil, err
			}
			var in struct {
				Unames []string `json:"unames"`
			}
			if err := json.Unmarshal(r.Body, &in); err != nil {
				return nil, err
			}
			out := make([]wickr.UnameLookup, len(in.Unames))
			for i, u := range in.Unames {
				out[i] = wickr.UnameLookup{NetworkId: network, Uname: u}
			}
			return out, nil
		},
	})
}

// lifecycleKit is a wickrtest server started for a conformance Setup, its
// client, and the poison identities to list once the kit is seeded.
type lifecycleKit struct {
	srv    *wickrtest.Server
	client *wickrapi.Client
	faults wickrtest.Faults
	poison []string
}

// newLifecycleKit starts a server without faults, for the harness to seed;
// start then installs s's fault plan with the poison identities.
func newLifecycleKit(t *testing.T, s conformance.Setup) *lifecycleKit {
	lk := &lifecycleKit{faults: s.Faults, poison: append([]string(nil), s.Faults.Poison...)}
	lk.srv = wickrtest.NewServer(func(o *wickrtest.Options) {
		o.GenericAuthErrors = s.GenericAuthErrors
		if s.ItemThrottles {
			o.ItemFailureReasons = []string{"Rate limit exceeded"}
		}
	})
	t.Cleanup(lk.srv.Close)
	lk.client = lk.srv.Client(func(o *wickrapi.Options) {
		o.HTTPClient = s.HTTPClient(o.HTTPClient)
		if s.Secret == "" {
			return
		}
		o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: wickrtest.AccessKeyID, SecretAccessKey: s.Secret}, nil
		})
		o.Region = "eu-west-3" // see conformanceHarness
	})
	return lk
}

// start forgets the seeding requests and installs the fault plan with the
// poison identities: its random sources are seeded afresh, so the run sees
// the faults of a fresh server.
func (lk *lifecycleKit) start() {
	lk.srv.ResetRequests()
	f := lk.faults
	f.Poison = lk.poison
	lk.srv.SetFaults(f)
}

// kitOf returns a conformance kit of lk's server, without items.
func kitOf[T, R any](lk *lifecycleKit) *conformance.Kit[T, R] {
	return &conformance.Kit[T, R]{Requests: lk.srv.Requests, SetFaults: lk.srv.SetFaults, Close: lk.srv.Close}
}

// suspend suspends a user through the client, before the run.
func (lk *lifecycleKit) suspend(t *testing.T, network, user string) {
	t.Helper()
	_, err := lk.srv.Client().BatchToggleUserSuspendStatus(context.Background(), &wickrapi.BatchToggleUserSuspendStatusInput{
		NetworkId: aws.String(network), Suspend: aws.Bool(true), UserIds: []string{user},
	})
	if err != nil {
		t.Fatalf("suspending %s/%s: %v", network, user, err)
	}
}

// userRefKit seeds users for the user operations: s.Items users over
// s.Keys networks, then s.Poison users in the first network (created last,
// so that their IDs, listed as poison, are no ID of another network), and
// s.Unknown user IDs the kit does not have, half of them in networks that
// do not exist. The harness calls lk.start when it is done seeding.
func userRefKit(lk *lifecycleKit, s conformance.Setup) *conformance.Kit[wickr.UserRef, wickr.UserResult] {
	networks := max(s.Keys, 1)
	network := func(i int) string { return fmt.Sprintf("1%07d", i%networks) }
	k := kitOf[wickr.UserRef, wickr.UserResult](lk)
	seed := func(network, name string) wickr.UserRef {
		return wickr.UserRef{NetworkId: network, UserId: lk.srv.AddUser(network, name, "sg-1").UserId}
	}
	for i := range networks {
		lk.srv.AddNetwork(network(i), "sg-1")
	}
	for i := range s.Items {
		k.Items = append(k.Items, seed(network(i), fmt.Sprintf("user-%d@example.com", i)))
	}
	for i := range s.Poison {
		it := seed(network(0), fmt.Sprintf("poison-%d@example.com", i))
		k.Poison = append(k.Poison, it)
		lk.poison = append(lk.poison, it.UserId)
	}
	for i := range s.Unknown {
		it := wickr.UserRef{NetworkId: network(0), UserId: fmt.Sprint(900000 + i)}
		if i%2 == 1 {
			it.NetworkId = fmt.Sprintf("9%07d", i%4)
		}
		k.Unknown = append(k.Unknown, it)
	}
	return k
}

func userRefInvalid() []conformance.Invalid[wickr.UserRef] {
	return []conformance.Invalid[wickr.UserRef]{
		{Item: wickr.UserRef{NetworkId: "1000", UserId: "1"}, Field: "NetworkId"},
		{Item: wickr.UserRef{NetworkId: "10000000"}, Field: "UserId"},
		{Item: wickr.UserRef{NetworkId: "10000000", UserId: "12345678901"}, Field: "UserId"},
		{Item: wickr.UserRef{NetworkId: "10000000", UserId: "-1"}, Field: "UserId"},
	}
}

// networkOfPath returns the network of a logged request to
// /networks/{networkId}<suffix> with the given method.
func networkOfPath(r awsfake.Request, method, suffix string) (string, error) {
	label, ok := strings.CutPrefix(r.RawPath, "/networks/")
	label, ok2 := strings.CutSuffix(label, suffix)
	if r.Method != method || !ok || !ok2 || strings.Contains(label, "/") {
		return "", fmt.Errorf("not a %s %s request: %s %s", method, suffix, r.Method, r.RawPath)
	}
	return url.PathUnescape(label)
}

// sentUserIDs decodes a logged request of a user operation into the users
// it carried.
func sentUserIDs(method, suffix string) func(r awsfake.Request) ([]wickr.UserRef, error) {
	return func(r awsfake.Request) ([]wickr.UserRef, error) {
		network, err := networkOfPath(r, method, suffix)
		if err != nil {
			return nil, err
		}
		var in struct {
			UserIds []string `json:"userIds"`
		}
		if err := json.Unmarshal(r.Body, &in); err != nil {
			return nil, err
		}
		out := make([]wickr.UserRef, len(in.UserIds))
		for i, id := range in.UserIds {
			out[i] = wickr.UserRef{NetworkId: network, UserId: id}
		}
		return out, nil
	}
}
