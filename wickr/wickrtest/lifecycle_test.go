package wickrtest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/wickr/wickrapi"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

// entries renders the successful and failed entries of an answer as
// "id" and "id/field/reason".
func userEntries(succ []wickrapi.BatchUserSuccessResponseItem, failed []wickrapi.BatchUserErrorResponseItem) (ok, ko []string) {
	for _, e := range succ {
		ok = append(ok, aws.ToString(e.UserId))
	}
	for _, e := range failed {
		ko = append(ko, aws.ToString(e.UserId)+"/"+aws.ToString(e.Field)+"/"+aws.ToString(e.Reason))
	}
	return ok, ko
}

// TestLifecycle runs the user lifecycle through the client: users created
// by BatchCreateUser are looked up, suspended, invited again, have devices
// reset and are deleted; unknown and deleted users fail per item.
func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	srv := wickrtest.NewServer()
	defer srv.Close()
	srv.AddNetwork(net1, "sg-1")
	c := srv.Client()

	out, err := create(c, net1, user("ann@example.com"), user("bob@example.com"), user("cat@example.com"))
	require.NoError(t, err)
	require.Len(t, out.Successful, 3)
	ids := map[string]string{}
	unames := map[string]string{}
	for _, u := range out.Successful {
		ids[aws.ToString(u.Username)] = aws.ToString(u.UserId)
		unames[aws.ToString(u.Username)] = aws.ToString(u.Uname)
	}
	ann, bob, cat := ids["ann@example.com"], ids["bob@example.com"], ids["cat@example.com"]
	assert.Equal(t, wickrtest.UnameOf("ann@example.com"), unames["ann@example.com"])

	// Lookup: known unames resolve to their user names.
	lk, err := c.BatchLookupUserUname(ctx, &wickrapi.BatchLookupUserUnameInput{
		NetworkId: aws.String(net1), Unames: []string{unames["bob@example.com"], "nope"},
	})
	require.NoError(t, err)
	require.Len(t, lk.Successful, 1)
	assert.Equal(t, "bob@example.com", aws.ToString(lk.Successful[0].Username))
	assert.Equal(t, unames["bob@example.com"], aws.ToString(lk.Successful[0].Uname))
	require.Len(t, lk.Failed, 1)
	assert.Equal(t, "nope", aws.ToString(lk.Failed[0].Uname))
	assert.Equal(t, "uname", aws.ToString(lk.Failed[0].Field))
	assert.Equal(t, wickrtest.ReasonUnameNotFound, aws.ToString(lk.Failed[0].Reason))
	assert.Equal(t, "partial success", aws.ToString(lk.Message))

	// Suspend sets the state; a second suspend succeeds too (it is not a
	// toggle), and an unknown user fails.
	for range 2 {
		sus, err := c.BatchToggleUserSuspendStatus(ctx, &wickrapi.BatchToggleUserSuspendStatusInput{
			NetworkId: aws.String(net1), Suspend: aws.Bool(true), UserIds: []string{ann, "999"},
		})
		require.NoError(t, err)
		okIDs, failed := userEntries(sus.Successful, sus.Failed)
		assert.Equal(t, []string{ann}, okIDs)
		assert.Equal(t, []string{"999/username/" + wickrtest.ReasonUserNotFound}, failed)
	}
	u, _ := srv.UserByID(net1, ann)
	assert.True(t, u.Suspended)
	_, err = c.BatchToggleUserSuspendStatus(ctx, &wickrapi.BatchToggleUserSuspendStatusInput{
		NetworkId: aws.String(net1), Suspend: aws.Bool(false), UserIds: []string{ann},
	})
	require.NoError(t, err)
	u, _ = srv.UserByID(net1, ann)
	assert.False(t, u.Suspended)

	// Reinvite: pending users are invited again; an active one cannot be.
	require.True(t, srv.Activate(net1, cat))
	re, err := c.BatchReinviteUser(ctx, &wickrapi.BatchReinviteUserInput{NetworkId: aws.String(net1), UserIds: []string{ann, cat, "999"}})
	require.NoError(t, err)
	okIDs, failed := userEntries(re.Successful, re.Failed)
	assert.Equal(t, []string{ann}, okIDs)
	assert.Equal(t, []string{cat + "//" + wickrtest.ReasonCannotReinvite, "999//" + wickrtest.ReasonNotInNetwork}, failed)
	u, _ = srv.UserByID(net1, ann)
	assert.Equal(t, 1, u.Reinvites)

	// Devices: known app IDs are reset, others fail; an unknown user is a
	// 404 for the whole call.
	require.True(t, srv.AddDevice(net1, bob, "app-1"))
	require.True(t, srv.AddDevice(net1, bob, "app-2"))
	require.False(t, srv.AddDevice(net1, "999", "app-1"))
	rd, err := c.BatchResetDevicesForUser(ctx, &wickrapi.BatchResetDevicesForUserInput{
		NetworkId: aws.String(net1), UserId: aws.String(bob), AppIds: []string{"app-2", "app-9"},
	})
	require.NoError(t, err)
	require.Len(t, rd.Successful, 1)
	assert.Equal(t, "app-2", aws.ToString(rd.Successful[0].AppId))
	require.Len(t, rd.Failed, 1)
	assert.Equal(t, "app-9/appId/"+wickrtest.ReasonInvalidAppID, aws.ToString(rd.Failed[0].AppId)+"/"+aws.ToString(rd.Failed[0].Field)+"/"+aws.ToString(rd.Failed[0].Reason))
	assert.Equal(t, []wickrtest.Device{{AppId: "app-1"}, {AppId: "app-2", Resets: 1}}, srv.Devices(net1, bob))
	_, err = c.BatchResetDevicesForUser(ctx, &wickrapi.BatchResetDevicesForUserInput{
		NetworkId: aws.String(net1), UserId: aws.String("999"), AppIds: []string{"app-1"},
	})
	code, status := apiError(t, err)
	assert.Equal(t, "ResourceNotFoundError", code)
	assert.Equal(t, 404, status)

	// Delete: the first call deletes, a second one finds nobody.
	del, err := c.BatchDeleteUser(ctx, &wickrapi.BatchDeleteUserInput{NetworkId: aws.String(net1), UserIds: []string{bob, ann}})
	require.NoError(t, err)
	okIDs, failed = userEntries(del.Successful, del.Failed)
	assert.Equal(t, []string{bob, ann}, okIDs)
	assert.Empty(t, failed)
	assert.Equal(t, "success", aws.ToString(del.Message))
	del, err = c.BatchDeleteUser(ctx, &wickrapi.BatchDeleteUserInput{NetworkId: aws.String(net1), UserIds: []string{bob}})
	require.NoError(t, err)
	_, failed = userEntries(del.Successful, del.Failed)
	assert.Equal(t, []string{bob + "/username/" + wickrtest.ReasonUserNotFound}, failed)
	assert.Equal(t, 2, srv.Deleted())
	_, found := srv.User(net1, "bob@example.com")
	assert.False(t, found)
	assert.Empty(t, srv.Devices(net1, bob), "a deleted user's devices go with it")

	// A deleted user is unknown to every operation.
	lk, err = c.BatchLookupUserUname(ctx, &wickrapi.BatchLookupUserUnameInput{NetworkId: aws.String(net1), Unames: []string{unames["bob@example.com"]}})
	require.NoError(t, err)
	assert.Empty(t, lk.Successful)
	re, err = c.BatchReinviteUser(ctx, &wickrapi.BatchReinviteUserInput{NetworkId: aws.String(net1), UserIds: []string{ann}})
	require.NoError(t, err)
	_, failed = userEntries(re.Successful, re.Failed)
	assert.Equal(t, []string{ann + "//" + wickrtest.ReasonNotInNetwork}, failed)
	_, err = c.BatchResetDevicesForUser(ctx, &wickrapi.BatchResetDevicesForUserInput{NetworkId: aws.String(net1), UserId: aws.String(bob), AppIds: []string{"app-1"}})
	code, _ = apiError(t, err)
	assert.Equal(t, "ResourceNotFoundError", code)

	// A deleted user name can be created again, with a new ID.
	out, err = create(c, net1, user("bob@example.com"))
	require.NoError(t, err)
	require.Len(t, out.Successful, 1)
	assert.NotEqual(t, bob, aws.ToString(out.Successful[0].UserId))

	var ops []string
	for _, r := range srv.Requests() {
		ops = append(ops, r.Operation)
	}
	assert.Equal(t, []string{"BatchCreateUser", "BatchLookupUserUname", "BatchToggleUserSuspendStatus", "BatchToggleUserSuspendStatus",
		"BatchToggleUserSuspendStatus", "BatchReinviteUser", "BatchResetDevicesForUser", "BatchResetDevicesForUser",
		"BatchDeleteUser", "BatchDeleteUser", "BatchLookupUserUname", "BatchReinviteUser", "BatchResetDevicesForUser", "BatchCreateUser"}, ops)
}

// rawRequest sends a request signed with the kit's credentials, bypassing
// the client's own checks.
func rawRequest(t *testing.T, srv *wickrtest.Server, method, path, body string) (int, string) {
	t.Helper()
	cfg := srv.Config()
	req, err := http.NewRequest(method, *cfg.BaseEndpoint+path, bytes.NewReader([]byte(body)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: wickrtest.AccessKeyID, SecretAccessKey: wickrtest.SecretAccessKey}
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "wickr", wickrtest.Region, time.Now()))
	resp, err := cfg.HTTPClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType") + " " + b.String()
}

func TestLifecycleRequestErrors(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.Poison = []string{"666"} })
	defer srv.Close()
	srv.AddNetwork(net1, "sg-1")
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf(`"%d"`, i+1)
	}
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"toggle without suspend", "PATCH", "/networks/12345678/users/toggleSuspend", `{"userIds":["1"]}`, 422, `ValidationError {"message":"The request failed validation","reasons":[{"field":"suspend","reason":"is required"}]}`},
		{"toggle with a bad suspend", "PATCH", "/networks/12345678/users/toggleSuspend?suspend=yes", `{"userIds":["1"]}`, 400, "BadRequestError"},
		{"user IDs missing", "POST", "/networks/12345678/users/batch-delete", `{}`, 422, `"field":"userIds","reason":"is required"`},
		{"user ID not digits", "PATCH", "/networks/12345678/users/re-invite", `{"userIds":["12","x1"]}`, 422, `"field":"userIds[1]"`},
		{"user ID too long", "POST", "/networks/12345678/users/batch-delete", `{"userIds":["12345678901"]}`, 422, `"field":"userIds[0]"`},
		{"user ID a number", "POST", "/networks/12345678/users/batch-delete", `{"userIds":[12]}`, 400, "BadRequestError"},
		{"51 user IDs", "POST", "/networks/12345678/users/batch-delete", `{"userIds":[` + strings.Join(many, ",") + `]}`, 400, "Maximum 50 users per batch request"},
		{"reset path user not digits", "PATCH", "/networks/12345678/users/abc/devices", `{"appIds":["a"]}`, 422, `"field":"userId"`},
		{"app IDs missing", "PATCH", "/networks/12345678/users/1/devices", `{"unames":[]}`, 422, `"field":"appIds"`},
		{"unames missing", "POST", "/networks/12345678/users/uname-lookup", `{"appIds":[]}`, 422, `"field":"unames"`},
		{"poison user ID", "PATCH", "/networks/12345678/users/toggleSuspend?suspend=true", `{"userIds":["1","666"]}`, 422, `"field":"userIds[1]","reason":"is not valid"`},
		{"unknown network", "POST", "/networks/87654321/users/uname-lookup", `{"unames":["x"]}`, 404, "ResourceNotFoundError"},
		{"bad network", "PATCH", "/networks/1234/users/re-invite", `{"userIds":["1"]}`, 422, `"field":"networkId"`},
		{"empty list", "POST", "/networks/12345678/users/batch-delete", `{"userIds":[]}`, 200, `{"message":"success","successful":[],"failed":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := rawRequest(t, srv, tt.method, tt.path, tt.body)
			assert.Equal(t, tt.status, status)
			assert.Contains(t, body, tt.want)
		})
	}
	reqs := srv.Requests()
	assert.Equal(t, "poison", reqs[10].Fault)
	assert.Equal(t, "BatchToggleUserSuspendStatus", reqs[0].Operation)
	assert.Equal(t, "BatchResetDevicesForUser", reqs[7].Operation)
}

// TestLifecycleIdempotency checks the client tokens of the other
// operations: an answer lost on the way is replayed for the same request,
// and a token is never good for another request, of any operation.
func TestLifecycleIdempotency(t *testing.T) {
	ctx := context.Background()
	srv := wickrtest.NewServer()
	defer srv.Close()
	a := srv.AddUser(net1, "a@example.com", "sg-1")
	b := srv.AddUser(net1, "b@example.com", "sg-1")
	c := srv.Client(func(o *wickrapi.Options) { o.RetryMaxAttempts = 1 })

	srv.SetFaults(wickrtest.Faults{DropRate: 1})
	in := &wickrapi.BatchDeleteUserInput{NetworkId: aws.String(net1), UserIds: []string{a.UserId, b.UserId}}
	_, err := c.BatchDeleteUser(ctx, in)
	require.Error(t, err, "the answer was dropped")
	srv.WaitIdle()
	assert.Equal(t, 2, srv.Deleted(), "the dropped call was applied")

	srv.SetFaults(wickrtest.Faults{})
	out, err := c.BatchDeleteUser(ctx, in) // the same token
	require.NoError(t, err)
	okIDs, failed := userEntries(out.Successful, out.Failed)
	assert.Equal(t, []string{a.UserId, b.UserId}, okIDs, "the first answer, replayed")
	assert.Empty(t, failed)
	assert.Equal(t, 2, srv.Deleted())
	reqs := srv.Requests()
	assert.Equal(t, "replay", reqs[len(reqs)-1].Fault)

	// The same token with another user list, or another operation, is
	// refused.
	_, err = c.BatchDeleteUser(ctx, &wickrapi.BatchDeleteUserInput{NetworkId: aws.String(net1), UserIds: []string{a.UserId}, ClientToken: in.ClientToken})
	code, status := apiError(t, err)
	assert.Equal(t, "BadRequestError/400", fmt.Sprintf("%s/%d", code, status))
	_, err = c.BatchReinviteUser(ctx, &wickrapi.BatchReinviteUserInput{NetworkId: aws.String(net1), UserIds: []string{a.UserId, b.UserId}, ClientToken: in.ClientToken})
	code, _ = apiError(t, err)
	assert.Equal(t, "BadRequestError", code)
	// Suspending and lifting a suspension are different requests too.
	_, err = c.BatchToggleUserSuspendStatus(ctx, &wickrapi.BatchToggleUserSuspendStatusInput{NetworkId: aws.String(net1), Suspend: aws.Bool(true), UserIds: []string{"5"}, ClientToken: aws.String("t-s")})
	require.NoError(t, err)
	_, err = c.BatchToggleUserSuspendStatus(ctx, &wickrapi.BatchToggleUserSuspendStatusInput{NetworkId: aws.String(net1), Suspend: aws.Bool(false), UserIds: []string{"5"}, ClientToken: aws.String("t-s")})
	code, _ = apiError(t, err)
	assert.Equal(t, "BadRequestError", code)
}

func TestLifecycleItemFailures(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) {
		o.Faults.ItemFailureRate = 1
		o.ItemFailureReasons = []string{"Rate limit exceeded"}
	})
	defer srv.Close()
	a := srv.AddUser(net1, "a@example.com", "sg-1")
	out, err := srv.Client().BatchDeleteUser(context.Background(), &wickrapi.BatchDeleteUserInput{NetworkId: aws.String(net1), UserIds: []string{a.UserId}})
	require.NoError(t, err)
	_, failed := userEntries(out.Successful, out.Failed)
	assert.Equal(t, []string{a.UserId + "//Rate limit exceeded"}, failed)
	assert.Equal(t, 0, srv.Deleted())
	assert.Equal(t, "item-errors", srv.Requests()[0].Fault)
}

// TestLifecycleCorruptions reads the corrupted answers of the other
// operations: none names an item of the request.
func TestLifecycleCorruptions(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.MalformedRate = 1 })
	defer srv.Close()
	u := srv.AddUser(net1, "a@example.com", "sg-1")
	srv.AddDevice(net1, u.UserId, "app-1")
	hc := srv.Config().HTTPClient.(*http.Client)
	var got []string
	for i := range 18 {
		rec := &recorder{next: hc.Transport}
		c := srv.Client(func(o *wickrapi.Options) {
			o.HTTPClient = &http.Client{Transport: rec}
			o.RetryMaxAttempts = 1
		})
		switch i / 6 {
		case 0:
			_, _ = c.BatchToggleUserSuspendStatus(context.Background(), &wickrapi.BatchToggleUserSuspendStatusInput{NetworkId: aws.String(net1), Suspend: aws.Bool(true), UserIds: []string{u.UserId}})
		case 1:
			_, _ = c.BatchResetDevicesForUser(context.Background(), &wickrapi.BatchResetDevicesForUserInput{NetworkId: aws.String(net1), UserId: aws.String(u.UserId), AppIds: []string{"app-1"}})
		case 2:
			_, _ = c.BatchLookupUserUname(context.Background(), &wickrapi.BatchLookupUserUnameInput{NetworkId: aws.String(net1), Unames: []string{u.Uname}})
		}
		got = append(got, rec.body)
	}
	for i, body := range got {
		if i%6 < 4 {
			continue // not one JSON object: the client refuses it whatever it holds
		}
		for _, id := range []string{`"` + u.UserId + `"`, `"app-1"`, `"` + u.Uname + `"`} {
			assert.NotContains(t, body, id, "corruption %d names an item: %s", i%6, body)
		}
	}
	assert.Equal(t, `{"message":"success","successful":[{"userId":"wickrtest-stranger-0"}],"failed":[]}`, got[4])
	assert.Equal(t, `{"message":"success","successful":[{"userId":""}],"failed":[{"reason":"User not found","userId":""}]}`, got[5])
	assert.Contains(t, got[10], `"successful":[{"appId":"wickrtest-stranger-0"}]`)
	assert.Contains(t, got[16], `"successful":[{"uname":"wickrtest-stranger-0","username":"a@example.com"}]`)
	assert.Contains(t, got[17], `"failed":[{"reason":"User not found","uname":""}]`)
}
