package messaging_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
	"github.com/batchkit/batchkit/messaging"
	"github.com/batchkit/batchkit/messaging/messagingapi"
	"github.com/batchkit/batchkit/messaging/messagingtest"
)

// These tests drive messagingapi.Client, through the adapter and the batch
// runner, against the messagingtest fake: nothing below messaging.API is
// mocked.

func channel(name string) string { return appInstance + "/channel/" + name }

// seed creates channel name moderated by adminArn and returns items adding
// users <name>-u0..<name>-u(n-1) to it.
func seed(srv *messagingtest.Server, name string, n int) []messaging.Membership {
	ch := channel(name)
	srv.AddChannel(ch, adminArn)
	items := make([]messaging.Membership, n)
	for i := range items {
		items[i] = messaging.Membership{ChannelArn: ch, ChimeBearer: adminArn, MemberArn: userArn(fmt.Sprintf("%s-u%d", name, i))}
	}
	return items
}

// fast keeps the engine's backoff short.
func fast(o *batch.Options) {
	o.BackoffBase = time.Millisecond
	o.BackoffMax = 5 * time.Millisecond
	o.Rand = rand.NewPCG(1, 2)
}

func runner(t *testing.T, client messaging.API, optFns ...func(*batch.Options)) *batch.Runner[messaging.Membership, messaging.Result] {
	t.Helper()
	r, err := messaging.New(client).Runner(append([]func(*batch.Options){fast}, optFns...)...)
	if err != nil {
		t.Fatalf("Runner() error = %v", err)
	}
	return r
}

// channelOf returns the channel a logged request was for, from its escaped
// path.
func channelOf(r messagingtest.Request) string {
	label := strings.TrimSuffix(strings.TrimPrefix(r.RawPath, "/channels/"), "/memberships")
	arn, _ := url.PathUnescape(label)
	return arn
}

// checkAccounted checks the ledger: one outcome per item, in input order,
// with consistent counts, and that every item reported as added is a member
// of its channel on the service, with the Members entry as its value.
func checkAccounted(t *testing.T, srv *messagingtest.Server, items []messaging.Membership, rep *batch.Report[messaging.Membership, messaging.Result]) {
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
			if aws.ToString(o.Value.Arn) != o.Item.MemberArn {
				t.Errorf("item %d succeeded with value %+v, want its member", i, o.Value)
			}
			m, found := srv.Member(o.Item.ChannelArn, o.Item.MemberArn, o.Item.SubChannelId)
			if !found || m.Adds == 0 {
				t.Errorf("item %d reported added, but the service holds %+v (found %v)", i, m, found)
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
	srv := messagingtest.NewServer()
	defer srv.Close()
	var items []messaging.Membership
	for _, ch := range []string{"a", "b", "c"} {
		items = append(items, seed(srv, ch, 150)...)
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
		t.Errorf("got %d requests and %d calls, want 6 (100+50 per channel)", len(reqs), rep.Stats.Calls)
	}
	for _, r := range reqs {
		ch := channelOf(r)
		n := strings.Count(string(r.Body), appInstance+"/user/")
		prefix := userArn(strings.TrimPrefix(ch, channel("")) + "-u")
		if n > messaging.MaxItemsPerCall || strings.Count(string(r.Body), prefix) != n {
			t.Errorf("request to %s carries %d members, some of another channel or more than 100", ch, n)
		}
		if r.Header.Get("X-Amz-Chime-Bearer") != adminArn {
			t.Errorf("request carries bearer %q", r.Header.Get("X-Amz-Chime-Bearer"))
		}
	}
	for _, it := range items {
		if m, _ := srv.Member(it.ChannelArn, it.MemberArn, ""); m.Adds != 1 {
			t.Errorf("member %s added %d times, want 1", it.MemberArn, m.Adds)
		}
	}
}

// TestRunKeysSplitCalls checks that items differing only in bearer, Type or
// SubChannelId never share a call, and that each call carries its key's
// fields.
func TestRunKeysSplitCalls(t *testing.T) {
	srv := messagingtest.NewServer()
	defer srv.Close()
	mod2 := userArn("mod-2")
	ch := channel("k")
	srv.AddChannel(ch, adminArn, mod2)
	var items []messaging.Membership
	variants := []messaging.Membership{
		{ChimeBearer: adminArn},
		{ChimeBearer: mod2},
		{ChimeBearer: adminArn, Type: messagingapi.ChannelMembershipTypeHidden},
		{ChimeBearer: adminArn, Type: messagingapi.ChannelMembershipTypeDefault},
		{ChimeBearer: adminArn, SubChannelId: "sub-1"},
	}
	for i := range 10 {
		for v, it := range variants {
			it.ChannelArn = ch
			it.MemberArn = userArn(fmt.Sprintf("v%d-u%d", v, i))
			items = append(items, it)
		}
	}
	rep, err := runner(t, srv.Client()).Run(context.Background(), items)
	if err != nil || rep.Succeeded != len(items) {
		t.Fatalf("Run() = %d succeeded, %v; want all", rep.Succeeded, err)
	}
	checkAccounted(t, srv, items, rep)
	reqs := srv.Requests()
	if len(reqs) != len(variants) {
		t.Fatalf("got %d requests, want one per key (%d)", len(reqs), len(variants))
	}
	for _, it := range items {
		m, _ := srv.Member(ch, it.MemberArn, it.SubChannelId)
		wantType := it.Type
		if wantType == "" {
			wantType = messagingapi.ChannelMembershipTypeDefault
		}
		if m.InvitedBy != it.ChimeBearer || m.Type != wantType {
			t.Errorf("member %s = %+v, want invited by %s as %s", it.MemberArn, m, it.ChimeBearer, wantType)
		}
	}
}

func TestRunPartialFailure(t *testing.T) {
	srv := messagingtest.NewServer()
	defer srv.Close()
	items := seed(srv, "p", 130)
	// ARNs that are not users of the channel's app instance, spread among
	// valid ones.
	for _, i := range []int{3, 99, 129} {
		items[i].MemberArn = fmt.Sprintf("arn:aws:chime:us-east-1:111122223333:app-instance/other/user/x%d", i)
	}
	rep, err := runner(t, srv.Client()).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != 127 || rep.Failed != 3 || rep.ByCode[batch.CodeInvalidInput] != 3 {
		t.Fatalf("got %d succeeded, %d failed, by code %v; want 127, 3, 3 InvalidInput", rep.Succeeded, rep.Failed, rep.ByCode)
	}
	for _, i := range []int{3, 99, 129} {
		o := rep.Outcomes[i]
		if o.Status != batch.StatusFailed || o.Err.ServiceCode != "BadRequest" || o.Attempts != 1 {
			t.Errorf("item %d: %v %v after %d attempts, want a BadRequest failure after 1", i, o.Status, o.Err, o.Attempts)
		}
	}
	runErr := rep.Err()
	var re *batch.RunError
	if !errors.As(runErr, &re) || len(re.Failures) != 3 || re.Failures[0].Index != 3 {
		t.Errorf("Err() = %v, want a RunError listing items 3, 99, 129", runErr)
	}
	if !errors.Is(runErr, batch.ErrInvalidInput) {
		t.Error("errors.Is(Err(), batch.ErrInvalidInput) = false")
	}
	if len(srv.Requests()) != 2 {
		t.Errorf("got %d requests, want 2 (permanent item errors are not retried)", len(srv.Requests()))
	}
}

func TestRunRetriesRetryableItemCodes(t *testing.T) {
	srv := messagingtest.NewServer(func(o *messagingtest.Options) {
		o.Faults.Seed = 7
		o.Faults.ItemFailureRate = 0.3
		o.ItemFailureCodes = []messagingapi.ErrorCode{
			messagingapi.ErrorCodeServiceFailure, messagingapi.ErrorCodeServiceUnavailable, messagingapi.ErrorCodeThrottled, messagingapi.ErrorCodeThrottling,
		}
	})
	defer srv.Close()
	items := append(seed(srv, "a", 150), seed(srv, "b", 150)...)
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
		if m, _ := srv.Member(it.ChannelArn, it.MemberArn, ""); m.Adds != 1 {
			t.Errorf("member %s added %d times, want 1", it.MemberArn, m.Adds)
		}
	}
}

// TestRunUnderQuota runs into the service's request quota: the client
// retries the 429s, the adapter signals each to the engine, and the engine
// lowers its send rate, so that after the first burst few calls are
// throttled. Every item is accounted for.
func TestRunUnderQuota(t *testing.T) {
	const quota = 50.0
	srv := messagingtest.NewServer(func(o *messagingtest.Options) {
		o.Faults.Quota, o.Faults.QuotaBurst = quota, 5
		o.Faults.Latency = 5 * time.Millisecond
	})
	defer srv.Close()
	var items []messaging.Membership
	for c := range 4 {
		// Calls of 10 members, so the run takes enough calls (about 240)
		// that its second half is past the first burst and the rate's
		// convergence from it.
		items = append(items, seed(srv, fmt.Sprintf("q%d", c), 600)...)
	}
	type callDone struct {
		at        time.Time
		throttled bool
	}
	var mu sync.Mutex
	var rates []float64
	var done []callDone
	rep, err := runner(t, srv.Client(), func(o *batch.Options) {
		o.MaxItemsPerCall = 10
		o.Hooks.OnCall = func(ci batch.CallInfo) {
			if ci.Done {
				mu.Lock()
				done = append(done, callDone{time.Now(), ci.Throttled})
				mu.Unlock()
			}
		}
		// The first burst, sent before any throttle came back, spends the
		// client's retry quota (100 retries), after which throttled calls
		// come back at once, each retry of a call of 10 spending 10 tokens
		// of the run's retry budget: backoffs of realistic length, more
		// attempts and a budget that cannot run out keep the items of that
		// burst from failing before the rate has adapted. This test is
		// about the rate; budgets have their own tests in package batch.
		o.MaxAttempts = 20
		o.RetryBudget = 1 << 20
		o.BackoffBase = 20 * time.Millisecond
		o.BackoffMax = 200 * time.Millisecond
		// A floor under the adaptive rate keeps the test short whatever
		// the first burst makes the engine measure.
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
	slices.SortFunc(reqs, func(a, b messagingtest.Request) int { return a.Time.Compare(b.Time) })
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
	t.Logf("%d items, %d calls, %d requests; %d throttled by the service (%d of %d in the second half); %d throttled calls seen by the engine; %d rate signals; elapsed %v (%.1f calls/s, quota %.0f)",
		len(items), calls, len(reqs), throttled, lateThrottled, late, rep.Stats.ThrottledCalls, len(rates), rep.Stats.Elapsed, float64(calls)/rep.Stats.Elapsed.Seconds(), quota)
	if throttled == 0 || len(rates) == 0 {
		t.Fatalf("the quota was never hit (%d throttled requests, %d signals); the test does not exercise it", throttled, len(rates))
	}
	if rep.Stats.ThrottledCalls == 0 {
		t.Error("the engine saw no throttled call: the client's retried 429s were not signaled")
	}
	// The adaptive rate probes upwards again after each throttle, and when a
	// probe finds the bucket empty the calls in flight are throttled
	// together; an unadapted rate gets about half of its calls throttled.
	// The bound is on calls, the target (the client's retries count
	// a throttled call up to three times in the request log): 10% of the
	// calls or one episode's worth, whichever is larger.
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
	if limit := max(lateCalls/10, batch.DefaultMaxInFlight) + 1; lateThrottledCalls > limit {
		t.Errorf("%d of the %d calls of the second half were throttled, want at most %d", lateThrottledCalls, lateCalls, limit)
	}
}

// TestRunSignalsThrottlesTheClientRetried checks that a 429 the client
// retried successfully still reaches the engine.
func TestRunSignalsThrottlesTheClientRetried(t *testing.T) {
	srv := messagingtest.NewServer(func(o *messagingtest.Options) { o.Faults.Quota, o.Faults.QuotaBurst = 50, 1 })
	defer srv.Close()
	items := seed(srv, "s", 40)
	var mu sync.Mutex
	hidden := 0
	// Enough client attempts that a throttled call usually succeeds inside
	// the client, hidden from the engine but for the adapter's signal.
	client := srv.Client(func(o *messagingapi.Options) { o.RetryMaxAttempts = 6 })
	rep, err := runner(t, client, func(o *batch.Options) {
		o.MaxInFlight = 2
		o.MaxItemsPerCall = 10
		// A floor under the adaptive rate keeps the test short.
		o.MinRate = 20
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
	poison := []string{userArn("x-u5"), userArn("x-u133")}
	srv := messagingtest.NewServer(func(o *messagingtest.Options) { o.Faults.Poison = poison })
	defer srv.Close()
	items := seed(srv, "x", 160)
	rep, err := runner(t, srv.Client()).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != 158 || rep.Failed != 2 {
		t.Fatalf("got %d succeeded, %d failed; want 158, 2: %v", rep.Succeeded, rep.Failed, rep.Err())
	}
	for _, i := range []int{5, 133} {
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
	// A call of 100 and one of 60, each split down to its poison member:
	// at most 1+2·7 rejected requests per poison member.
	if poisoned < 2 || poisoned > 2*(1+2*7) {
		t.Errorf("%d requests were rejected for poison, want between 2 and 30", poisoned)
	}
}

// TestRunUnknownChannelFailsOnlyItsKey checks ScopeKey for NotFound: the
// missing channel's items fail after one call, the others succeed.
func TestRunUnknownChannelFailsOnlyItsKey(t *testing.T) {
	srv := messagingtest.NewServer()
	defer srv.Close()
	known := seed(srv, "known", 150)
	missing := channel("missing")
	var items []messaging.Membership
	for i := range 250 {
		items = append(items, messaging.Membership{ChannelArn: missing, ChimeBearer: adminArn, MemberArn: userArn(fmt.Sprintf("m%d", i))})
		if i < len(known) {
			items = append(items, known[i])
		}
	}
	rep, err := runner(t, srv.Client(), func(o *batch.Options) { o.MaxInFlight = 1 }).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != 150 || rep.Failed != 250 || rep.ByCode[batch.CodeNotFound] != 250 {
		t.Fatalf("got %d succeeded, %d failed (%v); want 150, 250 NotFound", rep.Succeeded, rep.Failed, rep.ByCode)
	}
	for _, o := range rep.Outcomes {
		if o.Item.ChannelArn == missing && (o.Err == nil || o.Err.ServiceCode != "NotFoundException") {
			t.Errorf("item %d of the missing channel: %v", o.Index, o.Err)
		}
	}
	perChannel := map[string]int{}
	for _, r := range srv.Requests() {
		perChannel[channelOf(r)]++
	}
	if perChannel[missing] != 1 || perChannel[channel("known")] != 2 {
		t.Errorf("requests per channel = %v, want missing:1 known:2", perChannel)
	}
}

// TestRunForbiddenBearerFailsOnlyItsKey checks ScopeKey for Forbidden: a
// bearer that is not a moderator fails its items after one call, while the
// same channel with a moderator bearer goes on.
func TestRunForbiddenBearerFailsOnlyItsKey(t *testing.T) {
	srv := messagingtest.NewServer()
	defer srv.Close()
	good := seed(srv, "f", 120)
	intruder := userArn("intruder")
	var items []messaging.Membership
	for i, it := range good {
		items = append(items, it)
		if i%2 == 0 {
			it.ChimeBearer = intruder
			it.MemberArn += "-by-intruder"
			items = append(items, it)
		}
	}
	rep, err := runner(t, srv.Client(), func(o *batch.Options) { o.MaxInFlight = 1 }).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	if rep.Succeeded != 120 || rep.Failed != 60 || rep.ByCode[batch.CodeForbidden] != 60 {
		t.Fatalf("got %d succeeded, %d failed (%v); want 120, 60 Forbidden", rep.Succeeded, rep.Failed, rep.ByCode)
	}
	perBearer := map[string]int{}
	for _, r := range srv.Requests() {
		perBearer[r.Header.Get("X-Amz-Chime-Bearer")]++
	}
	if perBearer[intruder] != 1 || perBearer[adminArn] != 2 {
		t.Errorf("requests per bearer = %v, want intruder:1 admin:2", perBearer)
	}
}

// TestRunFullChannelFailsOnlyItsKey checks ScopeKey for
// ResourceLimitExceeded.
func TestRunFullChannelFailsOnlyItsKey(t *testing.T) {
	srv := messagingtest.NewServer(func(o *messagingtest.Options) { o.MaxMembersPerChannel = 100 })
	defer srv.Close()
	full := seed(srv, "full", 250)
	other := seed(srv, "other", 50)
	items := append(append([]messaging.Membership(nil), full...), other...)
	rep, err := runner(t, srv.Client(), func(o *batch.Options) { o.MaxInFlight = 1 }).Run(context.Background(), items)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	checkAccounted(t, srv, items, rep)
	// The first call of 100 fills the channel; the second is refused and
	// condemns the rest of the key.
	if rep.Succeeded != 150 || rep.ByCode[batch.CodeLimitExceeded] != 150 {
		t.Fatalf("got %d succeeded, by code %v; want 150 succeeded and 150 LimitExceeded", rep.Succeeded, rep.ByCode)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("got %d requests, want 3", n)
	}
}

func TestRunBadCredentialsEndTheRun(t *testing.T) {
	for _, tt := range []struct {
		name    string
		generic bool
		creds   aws.Credentials
	}{
		{"unknown key", false, aws.Credentials{AccessKeyID: "AKIDNOTKNOWNTOTHEFAKE", SecretAccessKey: "not-the-secret"}},
		{"wrong secret", false, aws.Credentials{AccessKeyID: messagingtest.AccessKeyID, SecretAccessKey: "not-the-secret"}},
		{"wrong secret, generic errors", true, aws.Credentials{AccessKeyID: messagingtest.AccessKeyID, SecretAccessKey: "not-the-secret"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := messagingtest.NewServer(func(o *messagingtest.Options) { o.GenericAuthErrors = tt.generic })
			defer srv.Close()
			var items []messaging.Membership
			for c := range 5 {
				items = append(items, seed(srv, fmt.Sprintf("c%d", c), 150)...)
			}
			client := srv.Client(func(o *messagingapi.Options) {
				o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return tt.creds, nil })
				// internal/awsrest shares one SigV4 signer whose derived-key
				// cache ignores the secret; a region of its own keeps the
				// wrong key away from the other tests' clients.
				o.Region = "us-west-2"
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
	srv := messagingtest.NewServer(func(o *messagingtest.Options) { o.Faults.Latency = 10 * time.Millisecond })
	defer srv.Close()
	items := seed(srv, "cancel", 1000)
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
	if rep.Succeeded < 100 || rep.Failed != 0 || rep.Succeeded+rep.Canceled != len(items) {
		t.Errorf("got %d succeeded, %d failed, %d canceled; want the first call's 100 to succeed and the rest canceled",
			rep.Succeeded, rep.Failed, rep.Canceled)
	}
	if n := len(srv.Requests()); n > 2 {
		t.Errorf("got %d requests after canceling during the first, want at most 2", n)
	}
}

func TestRunTenThousandItemsWithFaults(t *testing.T) {
	srv := messagingtest.NewServer(func(o *messagingtest.Options) {
		o.Faults = messagingtest.Faults{
			Seed:            42,
			ItemFailureRate: 0.03,
			CallFailureRate: 0.03,
			DropRate:        0.02,
			MalformedRate:   0.02,
		}
		// Throttles inside a 200 are covered elsewhere; here they would
		// only slow the run down.
		o.ItemFailureCodes = []messagingapi.ErrorCode{messagingapi.ErrorCodeServiceFailure, messagingapi.ErrorCodeServiceUnavailable}
	})
	defer srv.Close()
	var items []messaging.Membership
	for c := range 10 {
		items = append(items, seed(srv, fmt.Sprintf("big%d", c), 1000)...)
	}
	// Interleave channels so calls are packed from a mixed input.
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	// Calls of 50, so that enough calls are made for every fault to fire.
	rep, err := runner(t, srv.Client(), func(o *batch.Options) {
		o.MaxAttempts = 10
		o.MaxItemsPerCall = 50
	}).Run(context.Background(), items)
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
// of the kit's corruptions: no item may be reported as added.
func TestRunMalformedAnswersNeverSucceed(t *testing.T) {
	srv := messagingtest.NewServer(func(o *messagingtest.Options) { o.Faults.MalformedRate = 1 })
	defer srv.Close()
	var items []messaging.Membership
	for c := range 12 {
		items = append(items, seed(srv, fmt.Sprintf("m%d", c), 3)...)
	}
	// No client retries, so each call is one answer and the corruptions
	// rotate through all six kinds.
	client := srv.Client(func(o *messagingapi.Options) { o.RetryMaxAttempts = 1 })
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
	reqs := srv.Requests()
	if len(reqs) < 24 || len(reqs) > 48 {
		t.Errorf("got %d requests, want 24 to 48", len(reqs))
	}
	for _, r := range reqs {
		if r.Fault != "malformed" {
			t.Errorf("request fault %q, want malformed", r.Fault)
		}
	}
}

// TestRunTrailingDataIsRefused checks the answer check on its own: a
// complete answer followed by more data is not trusted.
func TestRunTrailingDataIsRefused(t *testing.T) {
	srv := messagingtest.NewServer(func(o *messagingtest.Options) { o.Faults.MalformedRate = 1 })
	defer srv.Close()
	items := seed(srv, "t", 1)
	client := srv.Client(func(o *messagingapi.Options) { o.RetryMaxAttempts = 1 })
	a := messaging.New(client)
	var errs []string
	for range 4 {
		_, err := a.Call(context.Background(), a.Key(items[0]), items)
		if err == nil {
			errs = append(errs, "<nil>")
			continue
		}
		e, scope := a.Classify(err)
		var me *wire.MalformedError
		errs = append(errs, fmt.Sprintf("%s/%s/%v", e.Code, scope, errors.As(err, &me)))
	}
	// Truncated, empty, null, trailing data: the check refuses all four,
	// including the last three, which the client's decoder would accept.
	want := []string{"Unmatched/call/true", "Unmatched/call/true", "Unmatched/call/true", "Unmatched/call/true"}
	if fmt.Sprint(errs) != fmt.Sprint(want) {
		t.Errorf("errors = %v, want %v", errs, want)
	}
}

func TestRunDroppedAnswersNeverSucceed(t *testing.T) {
	srv := messagingtest.NewServer(func(o *messagingtest.Options) { o.Faults.DropRate = 1 })
	defer srv.Close()
	items := seed(srv, "d", 10)
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
	srv := messagingtest.NewServer()
	defer srv.Close()
	good := seed(srv, "v", 2)
	ch := good[0].ChannelArn
	tests := []struct {
		name  string
		item  messaging.Membership
		field string
	}{
		{"no channel", messaging.Membership{ChimeBearer: adminArn, MemberArn: userArn("v1")}, "ChannelArn"},
		{"bearer", messaging.Membership{ChannelArn: ch, ChimeBearer: "admin", MemberArn: userArn("v2")}, "ChimeBearer"},
		{"member", messaging.Membership{ChannelArn: ch, ChimeBearer: adminArn, MemberArn: "user/v3"}, "MemberArn"},
		{"type", messaging.Membership{ChannelArn: ch, ChimeBearer: adminArn, MemberArn: userArn("v4"), Type: "SECRET"}, "Type"},
		{"sub channel", messaging.Membership{ChannelArn: ch, ChimeBearer: adminArn, MemberArn: userArn("v5"), SubChannelId: "a b"}, "SubChannelId"},
	}
	items := append([]messaging.Membership(nil), good...)
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
	for _, bad := range []string{"SECRET", "a b", "user/v3", "v4", "v5"} {
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
