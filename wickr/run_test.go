package wickr_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrapi"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

// These tests drive the wickrapi client, through the adapter and the batch
// runner, against the wickrtest fake: nothing below wickr.API is mocked.

// seed creates network with the security group "sg-1" and returns n new
// users to create in it, each with a first and last name.
func seed(srv *wickrtest.Server, network string, n int) []wickr.NewUser {
	srv.AddNetwork(network, "sg-1")
	items := make([]wickr.NewUser, n)
	for i := range items {
		items[i] = wickr.NewUser{
			NetworkId:        network,
			Username:         fmt.Sprintf("%s-u%d@example.com", network, i),
			SecurityGroupIds: []string{"sg-1"},
			FirstName:        fmt.Sprintf("Firstname%dx%s", i, network),
			LastName:         fmt.Sprintf("Lastname%dx%s", i, network),
		}
	}
	return items
}

// fast keeps the engine's backoff short.
func fast(o *batch.Options) {
	o.BackoffBase = time.Millisecond
	o.BackoffMax = 5 * time.Millisecond
	o.Rand = rand.NewPCG(1, 2)
}

func runner(t *testing.T, a *wickr.Adapter, optFns ...func(*batch.Options)) *batch.Runner[wickr.NewUser, wickr.Result] {
	t.Helper()
	r, err := a.Runner(append([]func(*batch.Options){fast}, optFns...)...)
	if err != nil {
		t.Fatalf("Runner() error = %v", err)
	}
	return r
}

// networkOf returns the network a logged request was for.
func networkOf(r wickrtest.Request) string {
	return strings.TrimSuffix(strings.TrimPrefix(r.Path, "/networks/"), "/users")
}

// sentUsers decodes the user names a logged request carried.
func sentUsers(t *testing.T, r wickrtest.Request) []string {
	t.Helper()
	var in struct {
		Users []struct{ Username string }
	}
	if err := json.Unmarshal(r.Body, &in); err != nil {
		t.Fatalf("request %d: %v", r.Seq, err)
	}
	names := make([]string, len(in.Users))
	for i, u := range in.Users {
		names[i] = u.Username
	}
	return names
}

const lostNote = "this run may have created the user"

// checkAccounted checks the ledger: one outcome per item, in input order,
// with consistent counts; every item reported created exists in the
// service with the ID the outcome carries; and every Conflict concerns a
// user that exists.
func checkAccounted(t *testing.T, srv *wickrtest.Server, items []wickr.NewUser, rep *batch.Report[wickr.NewUser, wickr.Result]) {
	t.Helper()
	if len(rep.Outcomes) != len(items) {
		t.Fatalf("got %d outcomes, want %d", len(rep.Outcomes), len(items))
	}
	var ok, failed, canceled int
	for i, o := range rep.Outcomes {
		if o.Index != i || o.Item.Username != items[i].Username || o.Item.NetworkId != items[i].NetworkId {
			t.Fatalf("outcome %d has index %d item %s, want the input item", i, o.Index, o.Item.Username)
		}
		switch o.Status {
		case batch.StatusSucceeded:
			ok++
			u, found := srv.User(o.Item.NetworkId, o.Item.Username)
			if o.Err != nil || !found || u.UserId != o.Value.UserId || u.FirstName != o.Item.FirstName {
				t.Errorf("item %d reported created (id %q, err %v), but the service holds %+v (found %v)", i, o.Value.UserId, o.Err, u.UserId, found)
			}
		case batch.StatusFailed:
			failed++
			if o.Err == nil {
				t.Errorf("item %d failed without an error", i)
				continue
			}
			if o.Err.Code == batch.CodeConflict {
				if _, found := srv.User(o.Item.NetworkId, o.Item.Username); !found {
					t.Errorf("item %d failed with Conflict, but the user does not exist", i)
				}
			}
		case batch.StatusCanceled:
			canceled++
			if o.Err == nil || o.Err.Code != batch.CodeCanceled {
				t.Errorf("item %d canceled with error %v", i, o.Err)
			}
		default:
			t.Errorf("item %d has no outcome (status %v)", i, o.Status)
		}
	}
	if ok != rep.Succeeded || failed != rep.Failed || canceled != rep.Canceled {
		t.Errorf("report counts %d/%d/%d, outcomes say %d/%d/%d", rep.Succeeded, rep.Failed, rep.Canceled, ok, failed, canceled)
	}
}

// checkCreatedOnce checks that the service created each user of items at
// most once: the users it holds have distinct names, and the number of
// users it created equals the number of distinct users of items it holds
// (less the seeded ones).
func checkCreatedOnce(t *testing.T, srv *wickrtest.Server, items []wickr.NewUser, seeded int) {
	t.Helper()
	srv.WaitIdle()
	held := 0
	for _, network := range srv.Networks() {
		names := map[string]int{}
		for _, u := range srv.Users(network) {
			names[u.Username]++
			if names[u.Username] > 1 {
				t.Errorf("user %s of %s exists %d times", u.Username, network, names[u.Username])
			}
		}
		held += len(names)
	}
	distinct := map[string]bool{}
	for _, it := range items {
		distinct[it.NetworkId+"/"+it.Username] = true
	}
	if got := srv.Created(); got != held-seeded || got > len(distinct) {
		t.Errorf("the service created %d users and holds %d (%d seeded); %d distinct users were sent", got, held, seeded, len(distinct))
	}
}

func TestRunSuccess(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	var items []wickr.NewUser
	for _, network := range []string{"10000001", "10000002", "10000003"} {
		items = append(items, seed(srv, network, 60)...)
	}
	rep, err := runner(t, wickr.New(srv.Client())).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != len(items) || rep.Err() != nil {
		t.Fatalf("Succeeded = %d of %d, Err() = %v", rep.Succeeded, len(items), rep.Err())
	}
	checkCreatedOnce(t, srv, items, 0)
	if srv.Created() != len(items) {
		t.Errorf("created %d users, want %d", srv.Created(), len(items))
	}
	reqs := srv.Requests()
	if len(reqs) != 6 || rep.Stats.Calls != 6 {
		t.Errorf("got %d requests and %d calls, want 6 (50+10 per network)", len(reqs), rep.Stats.Calls)
	}
	tokens := map[string]bool{}
	for _, r := range reqs {
		names := sentUsers(t, r)
		if len(names) > wickr.MaxItemsPerCall || !slices.IsSorted(names) {
			t.Errorf("request to %s carries %d users, sorted %v", networkOf(r), len(names), slices.IsSorted(names))
		}
		for _, n := range names {
			if !strings.HasPrefix(n, networkOf(r)+"-") {
				t.Errorf("request to %s carries %s of another network", networkOf(r), n)
			}
		}
		tok := r.Header.Get("X-Client-Token")
		if len(tok) != 64 || tokens[tok] {
			t.Errorf("request token %q is not 64 characters or was used twice", tok)
		}
		tokens[tok] = true
	}
}

func TestRunPartialFailure(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	items := seed(srv, "12345678", 60)
	// Users the network already has, spread over both calls.
	for _, i := range []int{3, 17, 55} {
		srv.AddUser("12345678", items[i].Username, "sg-1")
	}
	rep, err := runner(t, wickr.New(srv.Client())).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != 57 || rep.Failed != 3 || rep.ByCode[batch.CodeConflict] != 3 {
		t.Fatalf("got %d succeeded, %d failed, by code %v; want 57, 3, 3 Conflict", rep.Succeeded, rep.Failed, rep.ByCode)
	}
	for _, i := range []int{3, 17, 55} {
		o := rep.Outcomes[i]
		if o.Err.Field != "Username" || o.Err.Message != wickrtest.ReasonUserExists || o.Err.Retryable || o.Attempts != 1 {
			t.Errorf("item %d: %v after %d attempts, want a permanent Conflict in Username after 1", i, o.Err, o.Attempts)
		}
	}
	runErr := rep.Err()
	var re *batch.RunError
	if !errors.As(runErr, &re) || len(re.Failures) != 3 || re.Failures[0].Index != 3 {
		t.Errorf("Err() = %v, want a RunError listing items 3, 17, 55", runErr)
	}
	if !errors.Is(runErr, batch.ErrConflict) {
		t.Error("errors.Is(Err(), batch.ErrConflict) = false")
	}
	if len(srv.Requests()) != 2 {
		t.Errorf("got %d requests, want 2 (permanent item errors are not retried)", len(srv.Requests()))
	}
	checkCreatedOnce(t, srv, items, 3)
}

// TestRunMixedReasonsInOneCall puts two users failing for different
// reasons in one call: the answer does not say which is which, so both fail
// as Unmatched, with both reasons; a call whose failures share a reason
// attributes it.
func TestRunMixedReasonsInOneCall(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	mixed := seed(srv, "11111111", 10)
	srv.AddUser("11111111", mixed[2].Username, "sg-1")
	mixed[6].SecurityGroupIds = []string{"sg-nope"}
	alike := seed(srv, "22222222", 10)
	alike[1].SecurityGroupIds = []string{"sg-nope"}
	alike[8].SecurityGroupIds = []string{"sg-other"}
	items := append(mixed, alike...)

	rep, err := runner(t, wickr.New(srv.Client())).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != 16 {
		t.Errorf("Succeeded = %d, want 16", rep.Succeeded)
	}
	for _, i := range []int{2, 6} {
		e := rep.Outcomes[i].Err
		if e == nil || e.Code != batch.CodeUnmatched || e.Retryable ||
			!strings.Contains(e.Message, wickrtest.ReasonUserExists) || !strings.Contains(e.Message, wickrtest.ReasonGroupNotFound) {
			t.Errorf("mixed item %d: %v, want a permanent Unmatched naming both reasons", i, e)
		}
	}
	for _, i := range []int{11, 18} {
		e := rep.Outcomes[i].Err
		if e == nil || e.Code != batch.CodeInvalidInput || e.Field != "SecurityGroupIds" || e.Message != wickrtest.ReasonGroupNotFound {
			t.Errorf("item %d: %v, want InvalidInput in SecurityGroupIds", i, e)
		}
	}
	if len(srv.Requests()) != 2 {
		t.Errorf("got %d requests, want 2", len(srv.Requests()))
	}
}

func TestRunRetriesRetryableItemFailures(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) {
		o.Faults.Seed = 7
		o.Faults.ItemFailureRate = 0.3
		o.ItemFailureReasons = []string{"Internal server error, please retry", "Rate limit exceeded"}
	})
	defer srv.Close()
	items := append(seed(srv, "10000001", 60), seed(srv, "10000002", 60)...)
	rep, err := runner(t, wickr.New(srv.Client()), func(o *batch.Options) { o.MaxAttempts = 20 }).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != len(items) {
		t.Fatalf("Succeeded = %d of %d: %v", rep.Succeeded, len(items), rep.Err())
	}
	if rep.Stats.Retries == 0 || rep.Stats.ThrottledCalls == 0 {
		t.Errorf("Stats = %+v, want retries and throttled calls", rep.Stats)
	}
	checkCreatedOnce(t, srv, items, 0)
	if srv.Created() != len(items) {
		t.Errorf("created %d users, want %d", srv.Created(), len(items))
	}
	replays := 0
	for _, r := range srv.Requests() {
		if r.Fault == "replay" {
			replays++
		}
	}
	if replays != 0 {
		t.Errorf("%d requests were answered from a client token: a resend after a retryable answer must use a new token", replays)
	}
}

// TestRunUnderQuota runs into the service's request quota: the client
// retries the 429s, the adapter signals each to the engine, and the engine
// lowers its send rate, so that after the first burst few calls are
// throttled.
func TestRunUnderQuota(t *testing.T) {
	const quota = 50.0
	srv := wickrtest.NewServer(func(o *wickrtest.Options) {
		o.Faults.Quota, o.Faults.QuotaBurst = quota, 5
		o.Faults.Latency = 5 * time.Millisecond
	})
	defer srv.Close()
	var items []wickr.NewUser
	for n := range 4 {
		items = append(items, seed(srv, fmt.Sprintf("2000000%d", n), 150)...)
	}
	var mu sync.Mutex
	var rates []float64
	a := wickr.New(srv.Client(), func(o *wickr.Options) { o.MaxItemsPerCall = 10 })
	rep, err := runner(t, a, func(o *batch.Options) {
		o.MaxAttempts = 20
		// The client's retry quota runs out under the first burst and
		// fails calls without sending them; this test is about the send
		// rate, not about the run's retry budget.
		o.RetryBudget = 1 << 20
		// Start above the quota, so the service throttles and the engine
		// must come down, but not so far above it that the run is over
		// before the rate settles.
		o.Rate = 2 * quota
		o.MinRate = quota / 3
		o.Hooks.OnThrottle = func(ti batch.ThrottleInfo) {
			mu.Lock()
			rates = append(rates, ti.Rate)
			mu.Unlock()
		}
	}).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != len(items) {
		t.Fatalf("Succeeded = %d of %d: %v", rep.Succeeded, len(items), rep.Err())
	}
	reqs := srv.Requests()
	slices.SortFunc(reqs, func(a, b wickrtest.Request) int { return a.Time.Compare(b.Time) })
	middle := reqs[0].Time.Add(reqs[len(reqs)-1].Time.Sub(reqs[0].Time) / 2)
	throttled, late, lateThrottled := 0, 0, 0
	for _, r := range reqs {
		isLate := r.Time.After(middle)
		if isLate {
			late++
		}
		if r.Fault != "throttle" {
			continue
		}
		throttled++
		if isLate {
			lateThrottled++
		}
		if r.Status != 429 {
			t.Errorf("throttled request answered %d, want 429", r.Status)
		}
	}
	calls := rep.Stats.Calls
	t.Logf("%d items, %d calls, %d requests; %d throttled by the service (%d of %d in the second half); %d throttled calls seen by the engine; rates after signals %.1f; elapsed %v (%.1f calls/s, quota %.0f)",
		len(items), calls, len(reqs), throttled, lateThrottled, late, rep.Stats.ThrottledCalls, rates, rep.Stats.Elapsed, float64(calls)/rep.Stats.Elapsed.Seconds(), quota)
	if throttled == 0 || len(rates) == 0 {
		t.Fatalf("the quota was never hit (%d throttled requests, %d signals); the test does not exercise it", throttled, len(rates))
	}
	if rep.Stats.ThrottledCalls == 0 {
		t.Error("the engine saw no throttled call: the client's retried 429s were not signaled")
	}
	// The adaptive rate probes upwards after every success, so a run held at
	// the quota meets it now and then; without adaptation about half of the
	// requests would be refused.
	if limit := late/5 + 1; lateThrottled > limit {
		t.Errorf("%d of the %d requests of the second half were throttled, want at most %d", lateThrottled, late, limit)
	}
	checkCreatedOnce(t, srv, items, 0)
}

// TestRunSignalsThrottlesTheSDKRetried checks that a 429 the client retried
// successfully still reaches the engine.
func TestRunSignalsThrottlesTheSDKRetried(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.Quota, o.Faults.QuotaBurst = 50, 1 })
	defer srv.Close()
	items := seed(srv, "12345678", 40)
	var mu sync.Mutex
	hidden := 0
	client := srv.Client(func(o *wickrapi.Options) { o.RetryMaxAttempts = 6 })
	a := wickr.New(client, func(o *wickr.Options) { o.MaxItemsPerCall = 5 })
	rep, err := runner(t, a, func(o *batch.Options) {
		o.MaxInFlight = 2
		o.MinRate = 25 // keeps the run short after the rate is cut
		o.Hooks.OnCall = func(ci batch.CallInfo) {
			if ci.Done && ci.Throttled && ci.Err == nil {
				mu.Lock()
				hidden++
				mu.Unlock()
			}
		}
	}).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	throttled := 0
	for _, r := range srv.Requests() {
		if r.Fault == "throttle" {
			throttled++
		}
	}
	if throttled == 0 {
		t.Skip("the quota was not hit on this machine; nothing to check")
	}
	if hidden == 0 {
		t.Errorf("the service throttled %d requests but no successful call was marked throttled", throttled)
	}
}

func TestRunPoisonIsolatedByBisect(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) {
		o.Faults.Poison = []string{"12345678-u5@example.com", "12345678-u73@example.com"}
	})
	defer srv.Close()
	items := seed(srv, "12345678", 100)
	rep, err := runner(t, wickr.New(srv.Client())).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != 98 || rep.Failed != 2 {
		t.Fatalf("got %d succeeded, %d failed; want 98, 2: %v", rep.Succeeded, rep.Failed, rep.Err())
	}
	for _, i := range []int{5, 73} {
		o := rep.Outcomes[i]
		if o.Status != batch.StatusFailed || o.Err.Code != batch.CodeInvalidInput || o.Err.ServiceCode != "ValidationError" ||
			o.Err.Field != "Username" || o.Err.RequestID == "" {
			t.Errorf("item %d: %v %v, want an InvalidInput failure in Username with the service's ValidationError and request ID", i, o.Status, o.Err)
		}
	}
	if rep.Stats.Bisections == 0 {
		t.Error("no bisection recorded")
	}
	poisoned := 0
	for _, r := range srv.Requests() {
		if r.Fault == "poison" {
			poisoned++
		}
	}
	// Two calls of 50, each split down to its poison user: 1+2+...
	// at most 1 + 2*6 rejected requests per poison user.
	if poisoned < 2 || poisoned > 2*(1+2*6) {
		t.Errorf("%d requests were rejected for poison, want between 2 and 26", poisoned)
	}
	checkCreatedOnce(t, srv, items, 0)
}

func TestRunUnknownNetworkFailsOnlyItsItems(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	known := seed(srv, "12345678", 30)
	var items []wickr.NewUser
	for i := range 75 {
		items = append(items, newUser("99999999", fmt.Sprintf("m%d", i)))
		if i < len(known) {
			items = append(items, known[i])
		}
	}
	rep, err := runner(t, wickr.New(srv.Client()), func(o *batch.Options) { o.MaxInFlight = 1 }).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != 30 || rep.Failed != 75 || rep.ByCode[batch.CodeNotFound] != 75 {
		t.Fatalf("got %d succeeded, %d failed (%v); want 30, 75 NotFound", rep.Succeeded, rep.Failed, rep.ByCode)
	}
	for _, o := range rep.Outcomes {
		if o.Item.NetworkId == "99999999" && (o.Err == nil || o.Err.ServiceCode != "ResourceNotFoundError") {
			t.Errorf("item %d of the missing network: %v", o.Index, o.Err)
		}
	}
	perNetwork := map[string]int{}
	for _, r := range srv.Requests() {
		perNetwork[networkOf(r)]++
	}
	if perNetwork["99999999"] != 1 || perNetwork["12345678"] != 1 {
		t.Errorf("requests per network = %v, want one each", perNetwork)
	}
}

func TestRunBadCredentialsEndTheRun(t *testing.T) {
	for _, generic := range []bool{false, true} {
		t.Run(fmt.Sprintf("generic=%v", generic), func(t *testing.T) {
			srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.GenericAuthErrors = generic })
			defer srv.Close()
			var items []wickr.NewUser
			for n := range 5 {
				items = append(items, seed(srv, fmt.Sprintf("3000000%d", n), 120)...)
			}
			client := srv.Client(func(o *wickrapi.Options) {
				o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
					return aws.Credentials{AccessKeyID: wickrtest.AccessKeyID, SecretAccessKey: "not-the-secret"}, nil
				})
				// The client's signer caches derived keys per access key
				// and region, not per secret; a region of its own keeps the
				// wrong key away from the other clients of this binary.
				o.Region = "eu-west-3"
			})
			rep, err := runner(t, wickr.New(client), func(o *batch.Options) { o.MaxInFlight = 2 }).Run(context.Background(), items)
			if !errors.Is(err, batch.ErrUnauthorized) {
				t.Fatalf("Run() error = %v, want Unauthorized", err)
			}
			if strings.Contains(err.Error(), "not-the-secret") {
				t.Errorf("error %q leaks the secret", err)
			}
			checkAccounted(t, srv, items, rep)
			if rep.Failed != len(items) || rep.ByCode[batch.CodeUnauthorized] != len(items) {
				t.Errorf("got %d failed (%v), want all %d Unauthorized", rep.Failed, rep.ByCode, len(items))
			}
			if n := len(srv.Requests()); n == 0 || n > 2 {
				t.Errorf("got %d requests, want at most the 2 in flight", n)
			}
		})
	}
}

func TestRunCanceledMidRun(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.Latency = 10 * time.Millisecond })
	defer srv.Close()
	items := seed(srv, "12345678", 500)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep, err := runner(t, wickr.New(srv.Client()), func(o *batch.Options) {
		o.MaxInFlight = 1
		o.Hooks.OnCall = func(ci batch.CallInfo) {
			if ci.Done {
				cancel()
			}
		}
	}).Run(ctx, items)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run() error = %v, want context.Canceled", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded < 50 || rep.Failed != 0 || rep.Succeeded+rep.Canceled != len(items) {
		t.Errorf("got %d succeeded, %d failed, %d canceled; want the first call's 50 to succeed and the rest canceled",
			rep.Succeeded, rep.Failed, rep.Canceled)
	}
	if n := len(srv.Requests()); n > 2 {
		t.Errorf("got %d requests after canceling during the first, want at most 2", n)
	}
}

// conflictsAreOurs checks the outcomes of a run over new users: each
// succeeded, or failed with a Conflict that notes a lost answer (the user
// was created by this run, which cannot be proven from the answer).
func conflictsAreOurs(t *testing.T, rep *batch.Report[wickr.NewUser, wickr.Result]) (conflicts int) {
	t.Helper()
	for _, o := range rep.Outcomes {
		switch {
		case o.Status == batch.StatusSucceeded:
		case o.Err != nil && o.Err.Code == batch.CodeConflict && strings.Contains(o.Err.Message, lostNote):
			conflicts++
		default:
			t.Errorf("item %d: %v %v, want success or a Conflict noting a lost answer", o.Index, o.Status, o.Err)
		}
	}
	return conflicts
}

func TestRunTenThousandItemsWithFaults(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) {
		o.Faults = wickrtest.Faults{
			Seed:            42,
			ItemFailureRate: 0.03,
			CallFailureRate: 0.02,
			DropRate:        0.01,
			MalformedRate:   0.01,
		}
	})
	defer srv.Close()
	var items []wickr.NewUser
	for n := range 5 {
		items = append(items, seed(srv, fmt.Sprintf("4000000%d", n), 2000)...)
	}
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	rep, err := runner(t, wickr.New(srv.Client()), func(o *batch.Options) { o.MaxAttempts = 10 }).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	conflicts := conflictsAreOurs(t, rep)
	faults := map[string]int{}
	for _, r := range srv.Requests() {
		faults[r.Fault]++
	}
	t.Logf("%d items: %d succeeded, %d failed %v (%d conflicts with users a lost answer created); stats %+v; request faults %v",
		len(items), rep.Succeeded, rep.Failed, rep.ByCode, conflicts, rep.Stats, faults)
	checkCreatedOnce(t, srv, items, 0)
	if srv.Created() != len(items) {
		t.Errorf("created %d users, want every one of the %d", srv.Created(), len(items))
	}
	if faults["malformed"] == 0 || faults["drop"] == 0 || faults["internal"] == 0 || faults["item-errors"] == 0 || faults["replay"] == 0 {
		t.Errorf("request faults %v: some fault never fired, the test does not exercise it", faults)
	}
}

// TestRunIdempotentUnderDroppedAnswers loses many answers after the service
// applied them: the resends carry the same client token, so the service
// repeats its answers and creates nobody twice.
func TestRunIdempotentUnderDroppedAnswers(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.Seed, o.Faults.DropRate = 5, 0.3 })
	defer srv.Close()
	var items []wickr.NewUser
	for n := range 3 {
		items = append(items, seed(srv, fmt.Sprintf("5000000%d", n), 200)...)
	}
	a := wickr.New(srv.Client(), func(o *wickr.Options) { o.MaxItemsPerCall = 20 })
	rep, err := runner(t, a, func(o *batch.Options) { o.MaxAttempts = 10 }).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	conflicts := conflictsAreOurs(t, rep)
	checkCreatedOnce(t, srv, items, 0)
	if srv.Created() != len(items) {
		t.Errorf("created %d users, want %d", srv.Created(), len(items))
	}
	drops, replays := 0, 0
	for _, r := range srv.Requests() {
		switch r.Fault {
		case "drop":
			drops++
		case "replay":
			replays++
		}
	}
	t.Logf("%d drops, %d replays, %d conflicts, stats %+v", drops, replays, conflicts, rep.Stats)
	if drops == 0 || replays == 0 {
		t.Errorf("%d drops and %d replays: the test does not exercise the client token", drops, replays)
	}
}

// TestRunMalformedAnswersNeverSucceed sends every answer corrupted, in each
// of the kit's corruptions, for users the network already has: no item may
// be reported as created, nor attributed a Conflict.
func TestRunMalformedAnswersNeverSucceed(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.MalformedRate = 1 })
	defer srv.Close()
	var items []wickr.NewUser
	for n := range 12 {
		network := fmt.Sprintf("6000000%02d", n)[:8]
		items = append(items, seed(srv, network, 3)...)
	}
	for _, it := range items {
		srv.AddUser(it.NetworkId, it.Username, "sg-1")
	}
	// One client attempt per call, so each call is one answer and the
	// corruptions rotate through all six kinds.
	client := srv.Client(func(o *wickrapi.Options) { o.RetryMaxAttempts = 1 })
	rep, err := runner(t, wickr.New(client), func(o *batch.Options) { o.MaxAttempts = 2 }).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	if rep.Succeeded != 0 || rep.ByCode[batch.CodeUnmatched] != len(items) {
		t.Fatalf("got %d succeeded, by code %v; want every item Unmatched", rep.Succeeded, rep.ByCode)
	}
	if !errors.Is(rep.Err(), batch.ErrUnmatched) {
		t.Error("errors.Is(Err(), batch.ErrUnmatched) = false")
	}
	for _, o := range rep.Outcomes {
		if o.Attempts != 2 {
			t.Errorf("item %d sent %d times, want 2", o.Index, o.Attempts)
		}
	}
	reqs := srv.Requests()
	for _, r := range reqs {
		if r.Fault != "malformed" {
			t.Errorf("request fault %q, want malformed", r.Fault)
		}
	}
	if srv.Created() != 0 {
		t.Errorf("created %d users, want none", srv.Created())
	}
}

// TestRunMalformedAnswersOfNewUsers corrupts every answer for users that do
// not exist yet, which the service creates: none of the kit's corruptions
// names a user as created, so none may be reported created, and nobody is
// created twice.
func TestRunMalformedAnswersOfNewUsers(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.MalformedRate = 1 })
	defer srv.Close()
	var items []wickr.NewUser
	for n := range 12 {
		items = append(items, seed(srv, fmt.Sprintf("700000%02d", n), 3)...)
	}
	client := srv.Client(func(o *wickrapi.Options) { o.RetryMaxAttempts = 1 })
	rep, err := runner(t, wickr.New(client), func(o *batch.Options) { o.MaxAttempts = 3 }).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != 0 || rep.ByCode[batch.CodeUnmatched] != len(items) {
		t.Errorf("got %d succeeded, by code %v; want every item Unmatched", rep.Succeeded, rep.ByCode)
	}
	checkCreatedOnce(t, srv, items, 0)
	if srv.Created() != len(items) {
		t.Errorf("created %d users, want %d", srv.Created(), len(items))
	}
}

func TestRunDroppedAnswersNeverSucceed(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.DropRate = 1 })
	defer srv.Close()
	items := seed(srv, "12345678", 10)
	rep, err := runner(t, wickr.New(srv.Client()), func(o *batch.Options) { o.MaxAttempts = 2 }).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	if rep.Succeeded != 0 || rep.ByCode[batch.CodeUnavailable] != len(items) {
		t.Fatalf("got %d succeeded, by code %v; want every item Unavailable", rep.Succeeded, rep.ByCode)
	}
	for _, o := range rep.Outcomes {
		if !o.Err.Retryable {
			t.Errorf("item %d: %v is not retryable", o.Index, o.Err)
		}
	}
	// The three client attempts of a call carry the same token, so the
	// service answers the second and third from the first; the engine may
	// pack the retried users into other sets (with other tokens), which the
	// service refuses as existing users. Nobody is created twice.
	checkCreatedOnce(t, srv, items, 0)
	if srv.Created() != len(items) {
		t.Errorf("created %d users, want %d", srv.Created(), len(items))
	}
	reqs := srv.Requests()
	if len(reqs) < 6 || reqs[0].Header.Get("X-Client-Token") != reqs[2].Header.Get("X-Client-Token") || reqs[1].Fault != "drop" {
		t.Errorf("got %d requests, want at least 6, the first three with one token", len(reqs))
	}
}

func TestRunDuplicateUserNames(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	items := seed(srv, "12345678", 5)
	items = append(items, items[1], items[3])
	rep, err := runner(t, wickr.New(srv.Client())).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != 5 || rep.ByCode[batch.CodeConflict] != 2 {
		t.Errorf("got %d succeeded, by code %v; want 5 and 2 Conflicts", rep.Succeeded, rep.ByCode)
	}
	for _, r := range srv.Requests() {
		names := sentUsers(t, r)
		if len(names) != len(slices.Compact(slices.Clone(names))) {
			t.Errorf("a request carries a user name twice: %v", names)
		}
	}
	checkCreatedOnce(t, srv, items, 0)
}

func TestRunValidation(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	good := seed(srv, "12345678", 2)
	tests := []struct {
		name  string
		item  wickr.NewUser
		field string
	}{
		{"bad network", wickr.NewUser{NetworkId: "1234", Username: "x", SecurityGroupIds: []string{"sg-1"}}, "NetworkId"},
		{"no user name", wickr.NewUser{NetworkId: "12345678", SecurityGroupIds: []string{"sg-1"}}, "Username"},
		{"two groups", wickr.NewUser{NetworkId: "12345678", Username: "y", SecurityGroupIds: []string{"sg-1", "sg-2"}}, "SecurityGroupIds"},
		{"blank group", wickr.NewUser{NetworkId: "12345678", Username: "z", SecurityGroupIds: []string{"sg 1"}}, "SecurityGroupIds"},
		{"bad first name", wickr.NewUser{NetworkId: "12345678", Username: "w", SecurityGroupIds: []string{"sg-1"}, FirstName: "\xff"}, "FirstName"},
	}
	items := append([]wickr.NewUser(nil), good...)
	for _, tt := range tests {
		items = append(items, tt.item)
	}
	rep, err := runner(t, wickr.New(srv.Client())).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	for i, tt := range tests {
		o := rep.Outcomes[len(good)+i]
		if o.Status != batch.StatusFailed || o.Err.Code != batch.CodeInvalidInput || o.Err.Field != tt.field || o.Attempts != 0 {
			t.Errorf("%s: got %v %v field %q after %d attempts, want InvalidInput in %s, never sent", tt.name, o.Status, o.Err, o.Err.Field, o.Attempts, tt.field)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	if names := sentUsers(t, reqs[0]); len(names) != 2 {
		t.Errorf("the request carries %v, want only the two valid users", names)
	}

	plan, err := runner(t, wickr.New(srv.Client())).Plan(items)
	if err != nil {
		t.Fatalf("Plan() error = %v", err)
	}
	if len(plan.Calls) != 1 || len(plan.Invalid) != len(tests) {
		t.Errorf("Plan() = %d calls, %d invalid; want 1, %d", len(plan.Calls), len(plan.Invalid), len(tests))
	}
}

// TestRunNeverLeaksNames runs users with names and invite codes through
// failures of every kind with debug logging on: neither the log nor any
// error string may hold them.
func TestRunNeverLeaksNames(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) {
		o.Faults = wickrtest.Faults{Seed: 3, ItemFailureRate: 0.2, CallFailureRate: 0.1, MalformedRate: 0.05, DropRate: 0.05,
			Poison: []string{"12345678-u7@example.com"}}
	})
	defer srv.Close()
	items := seed(srv, "12345678", 40)
	for i := range items {
		items[i].InviteCode = fmt.Sprintf("Invite%dSecret", i)
	}
	items[9].SecurityGroupIds = []string{"sg-nope"}
	srv.AddUser("12345678", items[12].Username, "sg-1")
	items = append(items, wickr.NewUser{NetworkId: "12345678", Username: "bad", SecurityGroupIds: []string{"a", "b"}, FirstName: "Firstname-bad", InviteCode: "Invite-bad"})
	var logged bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rep, err := runner(t, wickr.New(srv.Client()), func(o *batch.Options) {
		o.Logger = logger
		o.MaxItemsPerCall = 10
	}).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	text := logged.String()
	if runErr := rep.Err(); runErr != nil {
		text += runErr.Error()
	}
	for _, o := range rep.Outcomes {
		if o.Err != nil {
			text += o.Err.Error() + o.Err.Message
		}
	}
	for _, it := range items {
		for _, secret := range []string{it.FirstName, it.LastName, it.InviteCode} {
			if secret != "" && strings.Contains(text, secret) {
				t.Errorf("the log or an error holds the sensitive value %q", secret)
			}
		}
	}
	if rep.Failed == 0 || logged.Len() == 0 {
		t.Errorf("%d failed, %d bytes logged: the test exercises nothing", rep.Failed, logged.Len())
	}
}
