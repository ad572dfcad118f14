package chime_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/chime"
	"github.com/batchkit/batchkit/chime/chimetest"
	"github.com/batchkit/batchkit/internal/conformance"
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
	if !conformance.CheckReport(t, rep, items) {
		t.FailNow()
	}
	for i, o := range rep.Outcomes {
		if o.Status != batch.StatusSucceeded {
			continue
		}
		u, found := srv.User(o.Item.AccountId, o.Item.UserId)
		if !found || u.LicenseType != o.Item.LicenseType || u.Updates == 0 {
			t.Errorf("item %d reported updated, but the service holds %+v (found %v)", i, u, found)
		}
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
	// Errors from inside an answer name the request that reported them.
	ids := map[string]bool{}
	for _, r := range srv.Requests() {
		ids[r.RequestID] = true
	}
	for _, i := range []int{3, 17, 29} {
		if id := rep.Outcomes[i].Err.RequestID; id == "" || !ids[id] {
			t.Errorf("item %d: request ID %q, want one of the kit's", i, id)
		}
	}
}
