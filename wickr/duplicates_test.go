package wickr_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrapi"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

// These are the regression tests of issue 8's Wickr bug: a later call
// carrying the same users as an earlier one reused its client token, so the
// service replayed the earlier answer and a duplicate item was reported
// created (or, with other details, refused as a token reused with another
// request).

// tokenLog is a wickr.API in front of the kit's client that records, for
// every call the adapter makes, the run's call ID and the client token.
type tokenLog struct {
	next wickr.API

	mu    sync.Mutex
	calls []loggedCall
}

type loggedCall struct {
	id    uint64
	token string
	users string // the user names, in request order
}

func (l *tokenLog) BatchCreateUser(ctx context.Context, in *wickrapi.BatchCreateUserInput, optFns ...func(*wickrapi.Options)) (*wickrapi.BatchCreateUserOutput, error) {
	id, _ := batch.CallID(ctx)
	var names []string
	for _, u := range in.Users {
		names = append(names, aws.ToString(u.Username))
	}
	l.mu.Lock()
	l.calls = append(l.calls, loggedCall{id: id, token: aws.ToString(in.ClientToken), users: strings.Join(names, " ")})
	l.mu.Unlock()
	return l.next.BatchCreateUser(ctx, in, optFns...)
}

func (l *tokenLog) log() []loggedCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]loggedCall(nil), l.calls...)
}

// faultsOf counts the kit's requests by fault.
func faultsOf(srv *wickrtest.Server) map[string]int {
	n := map[string]int{}
	for _, r := range srv.Requests() {
		n[r.Fault]++
	}
	return n
}

// checkOneSuccessPerUser checks that no user was reported created twice.
func checkOneSuccessPerUser(t *testing.T, rep *batch.Report[wickr.NewUser, wickr.Result]) {
	t.Helper()
	first := map[string]int{}
	for _, o := range rep.Outcomes {
		if o.Status != batch.StatusSucceeded {
			continue
		}
		k := o.Item.NetworkId + "/" + o.Item.Username
		if j, ok := first[k]; ok {
			t.Errorf("items %d and %d, the same user, are both reported created", j, o.Index)
			continue
		}
		first[k] = o.Index
	}
}

func TestRunDuplicateInLaterCallOfOneUserIsConflict(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	users := seed(srv, "12345678", 2)
	a, b := users[0], users[1]
	items := []wickr.NewUser{a, b, a, a}
	ad := wickr.New(srv.Client(), func(o *wickr.Options) { o.MaxItemsPerCall = 1 })
	rep, err := runner(t, ad, func(o *batch.Options) { o.MaxInFlight = 1 }).Run(context.Background(), items)
	require.NoError(t, err)
	checkAccounted(t, srv, items, rep)
	checkOneSuccessPerUser(t, rep)
	for i, o := range rep.Outcomes {
		if i < 2 {
			assert.Equal(t, batch.StatusSucceeded, o.Status, "item %d: %v", i, o.Err)
			continue
		}
		if assert.Equal(t, batch.StatusFailed, o.Status, "duplicate %d reported %v with user ID %q", i, o.Status, o.Value.UserId) {
			assert.Equal(t, batch.CodeConflict, o.Err.Code, "duplicate %d: %v", i, o.Err)
			assert.False(t, o.Err.Retryable)
		}
	}
	assert.Equal(t, 2, srv.Created())
	assert.Zero(t, faultsOf(srv)["replay"], "a later call was answered from an earlier call's client token")
	tokens := map[string]bool{}
	for _, r := range srv.Requests() {
		tok := r.Header.Get("X-Client-Token")
		assert.False(t, tokens[tok], "two requests of different calls carry the token %s", tok)
		tokens[tok] = true
	}
}

func TestRunDuplicateWithOtherDetailsIsConflict(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	users := seed(srv, "12345678", 2)
	a, b := users[0], users[1]
	other := a
	other.FirstName = "Someone else"
	items := []wickr.NewUser{a, b, other}
	ad := wickr.New(srv.Client(), func(o *wickr.Options) { o.MaxItemsPerCall = 1 })
	rep, err := runner(t, ad, func(o *batch.Options) { o.MaxInFlight = 1 }).Run(context.Background(), items)
	require.NoError(t, err)
	checkAccounted(t, srv, items, rep)
	o := rep.Outcomes[2]
	require.Equal(t, batch.StatusFailed, o.Status)
	assert.Equal(t, batch.CodeConflict, o.Err.Code, "the duplicate with other details: %v", o.Err)
	u, _ := srv.User(a.NetworkId, a.Username)
	assert.Equal(t, a.FirstName, u.FirstName, "the user holds the details of the duplicate")
	assert.Equal(t, 2, srv.Created())
}

// TestRunResendReplaysButDuplicateDoesNot loses the answer of the first call,
// which the service applied: the engine sends that call again with its
// token and the service replays its answer, while the duplicate of its
// user, in a call of its own with the same content, gets a token of its own
// and conflicts.
func TestRunResendReplaysButDuplicateDoesNot(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.DropRate = 1 })
	defer srv.Close()
	a := seed(srv, "12345678", 1)[0]
	items := []wickr.NewUser{a, a}
	log := &tokenLog{next: srv.Client(func(o *wickrapi.Options) { o.RetryMaxAttempts = 1 })}
	ad := wickr.New(log, func(o *wickr.Options) { o.MaxItemsPerCall = 1 })
	dropped := false
	rep, err := runner(t, ad, func(o *batch.Options) {
		o.MaxInFlight = 1
		o.Hooks.OnCall = func(ci batch.CallInfo) {
			if ci.Done && !dropped { // only the first answer is lost
				dropped = true
				srv.SetFaults(wickrtest.Faults{})
			}
		}
	}).Run(context.Background(), items)
	require.NoError(t, err)
	checkAccounted(t, srv, items, rep)
	checkOneSuccessPerUser(t, rep)

	first := rep.Outcomes[0]
	require.Equal(t, batch.StatusSucceeded, first.Status, "the item whose answer was lost: %v", first.Err)
	assert.Equal(t, 2, first.Attempts)
	dup := rep.Outcomes[1]
	require.Equal(t, batch.StatusFailed, dup.Status)
	assert.Equal(t, batch.CodeConflict, dup.Err.Code, "the duplicate: %v", dup.Err)
	assert.Equal(t, 1, srv.Created())

	calls := log.log()
	require.Len(t, calls, 3)
	byID := map[uint64][]string{}
	for _, c := range calls {
		byID[c.id] = append(byID[c.id], c.token)
	}
	require.Len(t, byID, 2, "calls %+v: want the lost call, its resend and the duplicate's call", calls)
	resend := byID[calls[0].id]
	require.Len(t, resend, 2, "the lost call was not sent again as itself")
	assert.Equal(t, resend[0], resend[1], "the resend of the lost call carries another token")
	for id, toks := range byID {
		if id != calls[0].id {
			assert.NotEqual(t, resend[0], toks[0], "the duplicate's call carries the lost call's token")
		}
	}
	assert.Equal(t, map[string]int{"drop": 1, "replay": 1, "item-errors": 1}, faultsOf(srv))
}

// TestRunCallsNeverShareAToken runs every user three times under dropped
// answers and whole-call failures: calls with the same ID (an engine resend)
// carry the same token, calls with different IDs different ones, and no
// user is reported created twice.
func TestRunCallsNeverShareAToken(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) {
		o.Faults = wickrtest.Faults{Seed: 8, DropRate: 0.2, CallFailureRate: 0.1}
	})
	defer srv.Close()
	log := &tokenLog{next: srv.Client(func(o *wickrapi.Options) { o.RetryMaxAttempts = 1 })}
	for _, perCall := range []int{1, 4} {
		t.Run(fmt.Sprintf("%d per call", perCall), func(t *testing.T) {
			users := seed(srv, fmt.Sprintf("1234567%d", perCall), 12)
			var items []wickr.NewUser
			for range 3 {
				items = append(items, users...)
			}
			ad := wickr.New(log, func(o *wickr.Options) { o.MaxItemsPerCall = perCall })
			rep, err := runner(t, ad, func(o *batch.Options) { o.MaxAttempts = 8 }).Run(context.Background(), items)
			require.NoError(t, err)
			checkAccounted(t, srv, items, rep)
			checkOneSuccessPerUser(t, rep)
		})
	}
	calls := log.log()
	tokenOf := map[uint64]string{}
	callOf := map[string]uint64{}
	resends := 0
	for _, c := range calls {
		if tok, ok := tokenOf[c.id]; ok {
			resends++
			assert.Equal(t, tok, c.token, "call %d was sent again with another token", c.id)
			continue
		}
		tokenOf[c.id] = c.token
		if id, ok := callOf[c.token]; ok {
			t.Errorf("calls %d and %d (users %s) share the token %s", id, c.id, c.users, c.token)
		}
		callOf[c.token] = c.id
	}
	faults := faultsOf(srv)
	t.Logf("%d calls, %d resends; request faults %v", len(tokenOf), resends, faults)
	require.NotZero(t, resends, "no call was sent again: the test exercises nothing")
	require.NotZero(t, faults["replay"], "no resend was replayed: the test exercises nothing")
	// In the kit's log, every request with a token already seen is a replay
	// of the same request body, or a refusal before the service looked.
	bodies := map[string]string{}
	for _, r := range srv.Requests() {
		tok := r.Header.Get("X-Client-Token")
		if prev, ok := bodies[tok]; ok && prev != string(r.Body) {
			t.Errorf("request %d carries the token %s of another request body", r.Seq, tok)
		}
		bodies[tok] = string(r.Body)
	}
}

// TestRunResumedJobDerivesTheSameTokens reruns a job with a fixed prefix, as
// a job restarted after a crash does, with a new Adapter: it derives the
// same tokens, duplicates included, so the service answers every call from
// the first run and creates nobody twice.
func TestRunResumedJobDerivesTheSameTokens(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	users := seed(srv, "12345678", 7)
	items := append(append([]wickr.NewUser(nil), users...), users[2], users[5], users[2])
	run := func() (*batch.Report[wickr.NewUser, wickr.Result], []string) {
		t.Helper()
		srv.ResetRequests()
		ad := wickr.New(srv.Client(), func(o *wickr.Options) {
			o.ClientTokenPrefix = "resume-7:"
			o.MaxItemsPerCall = 2
		})
		rep, err := runner(t, ad, func(o *batch.Options) { o.MaxInFlight = 1 }).Run(context.Background(), items)
		require.NoError(t, err)
		checkAccounted(t, srv, items, rep)
		checkOneSuccessPerUser(t, rep)
		var toks []string
		for _, r := range srv.Requests() {
			toks = append(toks, r.Header.Get("X-Client-Token"))
		}
		return rep, toks
	}
	first, tokens := run()
	assert.Equal(t, 7, first.Succeeded)
	assert.Equal(t, 3, first.ByCode[batch.CodeConflict])
	resumed, again := run()
	assert.Equal(t, tokens, again, "the resumed job derived other tokens")
	assert.Equal(t, map[string]int{"replay": len(again)}, faultsOf(srv), "the resumed job's calls were not all replayed")
	assert.Equal(t, 7, srv.Created())
	for i := range first.Outcomes {
		assert.Equal(t, first.Outcomes[i].Status, resumed.Outcomes[i].Status, "item %d", i)
		assert.Equal(t, first.Outcomes[i].Value.UserId, resumed.Outcomes[i].Value.UserId, "item %d", i)
	}
}
