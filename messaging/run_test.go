package messaging_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/conformance"
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
	if !conformance.CheckReport(t, rep, items) {
		t.FailNow()
	}
	for i, o := range rep.Outcomes {
		if o.Status != batch.StatusSucceeded {
			continue
		}
		if o.Value.Arn != o.Item.MemberArn {
			t.Errorf("item %d succeeded with value %+v, want its member", i, o.Value)
		}
		m, found := srv.Member(o.Item.ChannelArn, o.Item.MemberArn, o.Item.SubChannelId)
		if !found || m.Adds == 0 {
			t.Errorf("item %d reported added, but the service holds %+v (found %v)", i, m, found)
		}
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
