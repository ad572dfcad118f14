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
	"testing"
	"time"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/conformance"
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
	if !conformance.CheckReport(t, rep, items) {
		t.FailNow()
	}
	for i, o := range rep.Outcomes {
		switch {
		case o.Status == batch.StatusSucceeded:
			u, found := srv.User(o.Item.NetworkId, o.Item.Username)
			if !found || u.UserId != o.Value.UserId || u.FirstName != o.Item.FirstName {
				t.Errorf("item %d reported created (id %q), but the service holds %+v (found %v)", i, o.Value.UserId, u.UserId, found)
			}
		case o.Status == batch.StatusFailed && o.Err.Code == batch.CodeConflict:
			if _, found := srv.User(o.Item.NetworkId, o.Item.Username); !found {
				t.Errorf("item %d failed with Conflict, but the user does not exist", i)
			}
		}
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
