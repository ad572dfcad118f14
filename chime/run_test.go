package chime_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	//lint:ignore SA1019 the legacy Amazon Chime API, deprecated with its end of support, is what this package wraps.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"
	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/chime"
	"github.com/batchkit/batchkit/chime/chimetest"
)

// These tests drive the official Chime client, through the adapter and the
// batch runner, against the chimetest fake: nothing below chime.API is
// mocked.

// seed adds users u0..u(n-1) with a Basic license to account and returns
// updates moving each of them to Pro.
func seed(srv *chimetest.Server, account string, n int) []chime.UserUpdate {
	srv.AddAccount(account)
	items := make([]chime.UserUpdate, n)
	for i := range items {
		id := fmt.Sprintf("%s-u%d", account, i)
		srv.AddUser(account, id, chimetypes.LicenseBasic)
		items[i] = chime.UserUpdate{AccountId: account, UserId: id, LicenseType: chimetypes.LicensePro}
	}
	return items
}

// fast keeps the engine's backoff short.
func fast(o *batch.Options) {
	o.BackoffBase = time.Millisecond
	o.BackoffMax = 5 * time.Millisecond
	o.Rand = rand.NewPCG(1, 2)
}

func runner(t *testing.T, client chime.API, optFns ...func(*batch.Options)) *batch.Runner[chime.UserUpdate, chime.Result] {
	t.Helper()
	r, err := chime.New(client).Runner(append([]func(*batch.Options){fast}, optFns...)...)
	if err != nil {
		t.Fatalf("Runner() error = %v", err)
	}
	return r
}

// accountOf returns the account a logged BatchUpdateUser request was for.
func accountOf(r chimetest.Request) string {
	return strings.TrimSuffix(strings.TrimPrefix(r.Path, "/accounts/"), "/users")
}

// checkAccounted checks the ledger: one outcome per item, in input order,
// with consistent counts, and that every item reported as updated was
// applied by the service with its license.
func checkAccounted(t *testing.T, srv *chimetest.Server, items []chime.UserUpdate, rep *batch.Report[chime.UserUpdate, chime.Result]) {
	t.Helper()
	if len(rep.Outcomes) != len(items) {
		t.Fatalf("got %d outcomes, want %d", len(rep.Outcomes), len(items))
	}
	var ok, failed, canceled int
	for i, o := range rep.Outcomes {
		if o.Index != i || o.Item != items[i] {
			t.Fatalf("outcome %d has index %d item %+v, want the input item", i, o.Index, o.Item)
		}
		switch o.Status {
		case batch.StatusSucceeded:
			ok++
			if o.Err != nil {
				t.Errorf("item %d succeeded with error %v", i, o.Err)
			}
			u, found := srv.User(o.Item.AccountId, o.Item.UserId)
			if !found || u.LicenseType != o.Item.LicenseType || u.Updates == 0 {
				t.Errorf("item %d reported updated, but the service holds %+v (found %v)", i, u, found)
			}
		case batch.StatusFailed:
			failed++
			if o.Err == nil {
				t.Errorf("item %d failed without an error", i)
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

func TestRunSuccess(t *testing.T) {
	srv := chimetest.NewServer()
	defer srv.Close()
	var items []chime.UserUpdate
	for _, acct := range []string{"acct-a", "acct-b", "acct-c"} {
		items = append(items, seed(srv, acct, 25)...)
	}
	rep, err := runner(t, srv.Client()).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != len(items) || rep.Err() != nil {
		t.Fatalf("Succeeded = %d of %d, Err() = %v", rep.Succeeded, len(items), rep.Err())
	}
	reqs := srv.Requests()
	if len(reqs) != 6 || rep.Stats.Calls != 6 {
		t.Errorf("got %d requests and %d calls, want 6 (20+5 per account)", len(reqs), rep.Stats.Calls)
	}
	for _, r := range reqs {
		n := strings.Count(string(r.Body), `"UserId"`)
		if n > chime.MaxItemsPerCall || strings.Count(string(r.Body), accountOf(r)+"-u") != n {
			t.Errorf("request to %s carries %d users, some of another account or more than 20: %s", accountOf(r), n, r.Body)
		}
	}
	for _, it := range items {
		if u, _ := srv.User(it.AccountId, it.UserId); u.Updates != 1 {
			t.Errorf("user %s updated %d times, want 1", it.UserId, u.Updates)
		}
	}
}

func TestRunPartialFailure(t *testing.T) {
	srv := chimetest.NewServer()
	defer srv.Close()
	items := seed(srv, "acct", 30)
	// Users the service does not know, spread among known ones.
	for _, i := range []int{3, 17, 29} {
		items[i].UserId = fmt.Sprintf("ghost-%d", i)
	}
	rep, err := runner(t, srv.Client()).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != 27 || rep.Failed != 3 || rep.ByCode[batch.CodeNotFound] != 3 {
		t.Fatalf("got %d succeeded, %d failed, by code %v; want 27, 3, 3 NotFound", rep.Succeeded, rep.Failed, rep.ByCode)
	}
	for _, i := range []int{3, 17, 29} {
		o := rep.Outcomes[i]
		if o.Status != batch.StatusFailed || o.Err.ServiceCode != "NotFound" || o.Attempts != 1 {
			t.Errorf("item %d: %v %v after %d attempts, want a NotFound failure after 1", i, o.Status, o.Err, o.Attempts)
		}
	}
	runErr := rep.Err()
	var re *batch.RunError
	if !errors.As(runErr, &re) || len(re.Failures) != 3 || re.Failures[0].Index != 3 {
		t.Errorf("Err() = %v, want a RunError listing items 3, 17, 29", runErr)
	}
	if !errors.Is(runErr, batch.ErrNotFound) {
		t.Error("errors.Is(Err(), batch.ErrNotFound) = false")
	}
	if len(srv.Requests()) != 2 {
		t.Errorf("got %d requests, want 2 (permanent item errors are not retried)", len(srv.Requests()))
	}
}

func TestRunRetriesRetryableItemCodes(t *testing.T) {
	srv := chimetest.NewServer(func(o *chimetest.Options) {
		o.Faults.Seed = 7
		o.Faults.ItemFailureRate = 0.3
		o.ItemFailureCodes = []chimetypes.ErrorCode{
			chimetypes.ErrorCodeServiceFailure, chimetypes.ErrorCodeServiceUnavailable, chimetypes.ErrorCodeThrottled, chimetypes.ErrorCodeThrottling,
		}
	})
	defer srv.Close()
	items := append(seed(srv, "acct-a", 60), seed(srv, "acct-b", 60)...)
	rep, err := runner(t, srv.Client(), func(o *batch.Options) { o.MaxAttempts = 20 }).Run(context.Background(), items)
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
	retried := 0
	for _, o := range rep.Outcomes {
		if o.Attempts > 1 {
			retried++
		}
	}
	if retried == 0 {
		t.Error("no item needed more than one attempt")
	}
	for _, it := range items {
		if u, _ := srv.User(it.AccountId, it.UserId); u.Updates != 1 {
			t.Errorf("user %s applied %d times, want 1", it.UserId, u.Updates)
		}
	}
}

// TestRunUnderQuota runs into the service's request quota: the SDK retries
// the 429s, the adapter signals each to the engine, and the engine lowers
// its send rate, so that after the first burst few calls are throttled.
func TestRunUnderQuota(t *testing.T) {
	const quota = 50.0
	srv := chimetest.NewServer(func(o *chimetest.Options) {
		o.Faults.Quota, o.Faults.QuotaBurst = quota, 5
		o.Faults.Latency = 5 * time.Millisecond
	})
	defer srv.Close()
	var items []chime.UserUpdate
	// Long enough (about 120 calls) that the second half is past the
	// first burst and the rate's convergence from it.
	for a := range 4 {
		items = append(items, seed(srv, fmt.Sprintf("acct-%d", a), 600)...)
	}
	type callDone struct {
		at        time.Time
		throttled bool
	}
	var mu sync.Mutex
	var rates []float64
	var done []callDone
	rep, err := runner(t, srv.Client(), func(o *batch.Options) {
		o.MaxAttempts = 10
		// A floor under the adaptive rate keeps the test short whatever
		// the first burst makes the engine measure.
		o.MinRate = quota / 3
		// Backoff on the scale of the quota, as the defaults are: with the
		// package's 1-5 ms a call could spend all its attempts inside one
		// throttle episode once the SDK's retry quota is exhausted.
		o.BackoffBase, o.BackoffMax = 20*time.Millisecond, 500*time.Millisecond
		o.Hooks.OnThrottle = func(ti batch.ThrottleInfo) {
			mu.Lock()
			rates = append(rates, ti.Rate)
			mu.Unlock()
		}
		o.Hooks.OnCall = func(ci batch.CallInfo) {
			if ci.Done {
				mu.Lock()
				done = append(done, callDone{time.Now(), ci.Throttled})
				mu.Unlock()
			}
		}
	}).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != len(items) {
		t.Fatalf("Succeeded = %d of %d: %v", rep.Succeeded, len(items), rep.Err())
	}
	// The first burst, sent before any throttle came back, is throttled
	// heavily; the second half of the run, by arrival time, should hardly be.
	reqs := srv.Requests()
	slices.SortFunc(reqs, func(a, b chimetest.Request) int { return a.Time.Compare(b.Time) })
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
		t.Error("the engine saw no throttled call: the SDK's retried 429s were not signaled")
	}
	// The target is about calls: a throttled call shows up as up to three
	// throttled requests, with the SDK's retries.
	lateCalls, lateThrottledCalls := 0, 0
	for _, c := range done {
		if c.at.After(middle) {
			lateCalls++
			if c.throttled {
				lateThrottledCalls++
			}
		}
	}
	t.Logf("second half: %d of %d calls throttled", lateThrottledCalls, lateCalls)
	// The engine probes above the rate the service took; when a probe finds
	// the bucket empty, the calls in flight are throttled together. So the
	// bound is 10% of the calls or one such episode, whichever is larger.
	if limit := max(lateCalls/10, batch.DefaultMaxInFlight) + 1; lateThrottledCalls > limit {
		t.Errorf("%d of the %d calls of the second half were throttled, want at most %d", lateThrottledCalls, lateCalls, limit)
	}
}

// TestRunSignalsThrottlesTheSDKRetried checks that a 429 the SDK retried
// successfully still reaches the engine.
func TestRunSignalsThrottlesTheSDKRetried(t *testing.T) {
	srv := chimetest.NewServer(func(o *chimetest.Options) { o.Faults.Quota, o.Faults.QuotaBurst = 50, 1 })
	defer srv.Close()
	items := seed(srv, "acct", 40)
	var mu sync.Mutex
	hidden := 0
	// Enough SDK attempts that a throttled call usually succeeds inside the
	// SDK, hidden from the engine but for the adapter's signal.
	client := srv.Client(func(o *chimesdk.Options) { o.RetryMaxAttempts = 6 })
	rep, err := runner(t, client, func(o *batch.Options) {
		o.MaxInFlight = 2
		o.MaxItemsPerCall = 10
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
	items := []chime.UserUpdate{}
	srv := chimetest.NewServer(func(o *chimetest.Options) { o.Faults.Poison = []string{"acct-u5", "acct-u33"} })
	defer srv.Close()
	items = append(items, seed(srv, "acct", 40)...)
	rep, err := runner(t, srv.Client()).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != 38 || rep.Failed != 2 {
		t.Fatalf("got %d succeeded, %d failed; want 38, 2: %v", rep.Succeeded, rep.Failed, rep.Err())
	}
	for _, i := range []int{5, 33} {
		o := rep.Outcomes[i]
		if o.Status != batch.StatusFailed || o.Err.Code != batch.CodeInvalidInput || o.Err.ServiceCode != "BadRequestException" || o.Err.RequestID == "" {
			t.Errorf("item %d: %v %v, want an InvalidInput failure with the service's BadRequestException and request ID", i, o.Status, o.Err)
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
	// Two calls of 20, each split down to its poison user: 1+2+2+2+2+2 = 11
	// rejected requests per poison user at most.
	if poisoned < 2 || poisoned > 2*(1+2*5) {
		t.Errorf("%d requests were rejected for poison, want between 2 and 22", poisoned)
	}
}

func TestRunUnknownAccountFailsOnlyItsItems(t *testing.T) {
	srv := chimetest.NewServer()
	defer srv.Close()
	known := seed(srv, "known", 30)
	var items []chime.UserUpdate
	for i := range 45 {
		items = append(items, chime.UserUpdate{AccountId: "missing", UserId: fmt.Sprintf("m%d", i), LicenseType: chimetypes.LicensePlus})
		if i < len(known) {
			items = append(items, known[i])
		}
	}
	rep, err := runner(t, srv.Client(), func(o *batch.Options) { o.MaxInFlight = 1 }).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != 30 || rep.Failed != 45 || rep.ByCode[batch.CodeNotFound] != 45 {
		t.Fatalf("got %d succeeded, %d failed (%v); want 30, 45 NotFound", rep.Succeeded, rep.Failed, rep.ByCode)
	}
	for _, o := range rep.Outcomes {
		if o.Item.AccountId == "missing" && (o.Err == nil || o.Err.ServiceCode != "NotFoundException") {
			t.Errorf("item %d of the missing account: %v", o.Index, o.Err)
		}
	}
	perAccount := map[string]int{}
	for _, r := range srv.Requests() {
		perAccount[accountOf(r)]++
	}
	if perAccount["missing"] != 1 || perAccount["known"] != 2 {
		t.Errorf("requests per account = %v, want missing:1 known:2", perAccount)
	}
}

func TestRunBadCredentialsEndTheRun(t *testing.T) {
	for _, generic := range []bool{false, true} {
		t.Run(fmt.Sprintf("generic=%v", generic), func(t *testing.T) {
			srv := chimetest.NewServer(func(o *chimetest.Options) { o.GenericAuthErrors = generic })
			defer srv.Close()
			var items []chime.UserUpdate
			for a := range 5 {
				items = append(items, seed(srv, fmt.Sprintf("acct-%d", a), 50)...)
			}
			client := srv.Client(func(o *chimesdk.Options) {
				o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
					return aws.Credentials{AccessKeyID: chimetest.AccessKeyID, SecretAccessKey: "not-the-secret"}, nil
				})
			})
			rep, err := runner(t, client, func(o *batch.Options) { o.MaxInFlight = 2 }).Run(context.Background(), items)
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
	srv := chimetest.NewServer(func(o *chimetest.Options) { o.Faults.Latency = 10 * time.Millisecond })
	defer srv.Close()
	items := seed(srv, "acct", 200)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep, err := runner(t, srv.Client(), func(o *batch.Options) {
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
	if rep.Succeeded < 20 || rep.Failed != 0 || rep.Succeeded+rep.Canceled != len(items) {
		t.Errorf("got %d succeeded, %d failed, %d canceled; want the first call's 20 to succeed and the rest canceled",
			rep.Succeeded, rep.Failed, rep.Canceled)
	}
	if n := len(srv.Requests()); n > 2 {
		t.Errorf("got %d requests after canceling during the first, want at most 2", n)
	}
}

func TestRunTenThousandItemsWithFaults(t *testing.T) {
	srv := chimetest.NewServer(func(o *chimetest.Options) {
		o.Faults = chimetest.Faults{
			Seed:            42,
			ItemFailureRate: 0.03,
			CallFailureRate: 0.02,
			DropRate:        0.01,
			MalformedRate:   0.01,
		}
		// Throttles inside a 200 are covered elsewhere; here they would
		// only slow the run down.
		o.ItemFailureCodes = []chimetypes.ErrorCode{chimetypes.ErrorCodeServiceFailure, chimetypes.ErrorCodeServiceUnavailable}
	})
	defer srv.Close()
	var items []chime.UserUpdate
	for a := range 5 {
		items = append(items, seed(srv, fmt.Sprintf("acct-%d", a), 2000)...)
	}
	// Interleave accounts so calls are packed from a mixed input.
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	rep, err := runner(t, srv.Client(), func(o *batch.Options) { o.MaxAttempts = 10 }).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	faults := map[string]int{}
	for _, r := range srv.Requests() {
		faults[r.Fault]++
	}
	t.Logf("%d items: %d succeeded, %d failed %v; stats %+v; request faults %v", len(items), rep.Succeeded, rep.Failed, rep.ByCode, rep.Stats, faults)
	if rep.Succeeded != len(items) {
		t.Errorf("Succeeded = %d of %d: %v", rep.Succeeded, len(items), rep.Err())
	}
	if faults["malformed"] == 0 || faults["drop"] == 0 || faults["internal"] == 0 || faults["item-errors"] == 0 {
		t.Errorf("request faults %v: some fault never fired, the test does not exercise it", faults)
	}
}

// TestRunMalformedAnswersNeverSucceed sends every answer corrupted, in each
// of the kit's corruptions: no item may be reported as updated.
func TestRunMalformedAnswersNeverSucceed(t *testing.T) {
	srv := chimetest.NewServer(func(o *chimetest.Options) { o.Faults.MalformedRate = 1 })
	defer srv.Close()
	var items []chime.UserUpdate
	for a := range 10 {
		items = append(items, seed(srv, fmt.Sprintf("acct-%d", a), 3)...)
	}
	// No SDK retries, so each call is one answer and the corruptions
	// rotate through all five kinds.
	client := srv.Client(func(o *chimesdk.Options) { o.RetryMaxAttempts = 1 })
	rep, err := runner(t, client, func(o *batch.Options) { o.MaxAttempts = 2 }).Run(context.Background(), items)
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
	// 10 first calls; retried items are packed again as their backoffs end,
	// so the second attempts take between 10 and 30 calls.
	reqs := srv.Requests()
	if len(reqs) < 20 || len(reqs) > 40 {
		t.Errorf("got %d requests, want 20 to 40", len(reqs))
	}
	for _, r := range reqs {
		if r.Fault != "malformed" {
			t.Errorf("request fault %q, want malformed", r.Fault)
		}
	}
}

func TestRunDroppedAnswersNeverSucceed(t *testing.T) {
	srv := chimetest.NewServer(func(o *chimetest.Options) { o.Faults.DropRate = 1 })
	defer srv.Close()
	items := seed(srv, "acct", 10)
	rep, err := runner(t, srv.Client(), func(o *batch.Options) { o.MaxAttempts = 2 }).Run(context.Background(), items)
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
}

func TestRunValidation(t *testing.T) {
	srv := chimetest.NewServer()
	defer srv.Close()
	good := seed(srv, "acct", 2)
	tests := []struct {
		name  string
		item  chime.UserUpdate
		field string
	}{
		{"blank account", chime.UserUpdate{AccountId: "  ", UserId: "acct-u0"}, "AccountId"},
		{"no user", chime.UserUpdate{AccountId: "acct"}, "UserId"},
		{"blank user", chime.UserUpdate{AccountId: "acct", UserId: "\t"}, "UserId"},
		{"license", chime.UserUpdate{AccountId: "acct", UserId: "acct-u0", LicenseType: "Enterprise"}, "LicenseType"},
		{"user type", chime.UserUpdate{AccountId: "acct", UserId: "acct-u1", UserType: "Kiosk"}, "UserType"},
	}
	items := append([]chime.UserUpdate(nil), good...)
	for _, tt := range tests {
		items = append(items, tt.item)
	}
	rep, err := runner(t, srv.Client()).Run(context.Background(), items)
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
	for _, bad := range []string{"Enterprise", "Kiosk", `"\t"`} {
		if strings.Contains(string(reqs[0].Body), bad) {
			t.Errorf("request body %s carries an invalid item (%s)", reqs[0].Body, bad)
		}
	}

	plan, err := runner(t, srv.Client()).Plan(items)
	if err != nil {
		t.Fatalf("Plan() error = %v", err)
	}
	if len(plan.Calls) != 1 || len(plan.Invalid) != len(tests) {
		t.Errorf("Plan() = %d calls, %d invalid; want 1, %d", len(plan.Calls), len(plan.Invalid), len(tests))
	}
}
