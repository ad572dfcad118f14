package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/appstream/appstreamtest"
	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

const (
	wickrNet   = "12345678"
	wickrOther = "87654321" // a network the kit does not have
)

// wickrKit returns a Wickr kit whose network wickrNet has n users, IDs 1
// to n, named person01@example.com, ...
func wickrKit(t *testing.T, n int, optFns ...func(*wickrtest.Options)) *wickrtest.Server {
	t.Helper()
	srv := wickrtest.NewServer(optFns...)
	t.Cleanup(srv.Close)
	for i := 1; i <= n; i++ {
		u := srv.AddUser(wickrNet, fmt.Sprintf("person%02d@example.com", i), "sg-staff")
		require.Equal(t, fmt.Sprint(i), u.UserId)
	}
	return srv
}

// runWickr runs a Wickr command against srv with the client-token prefix
// job-7- and returns its result and outcome file.
func runWickr(t *testing.T, srv *wickrtest.Server, command, in string, extra ...string) (result, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.jsonl")
	args := append([]string{command, "--input", in, "--output", out, "--endpoint", srv.URL(), "--progress", "none", "--client-token-prefix", "job-7-"}, extra...)
	return batchctl(t, "", args...), out
}

// assertTokens checks that every request carried a client token with the
// prefix job-7-.
func assertTokens(t *testing.T, srv *wickrtest.Server) {
	t.Helper()
	reqs := srv.Requests()
	require.NotEmpty(t, reqs)
	for _, req := range reqs {
		assert.True(t, strings.HasPrefix(req.Header.Get("X-Client-Token"), "job-7-"), "client token %q", req.Header.Get("X-Client-Token"))
	}
}

func TestDeleteUsersEndToEnd(t *testing.T) {
	testCredentials(t)
	srv := wickrKit(t, 30)
	var b strings.Builder
	b.WriteString("network_id,user_id\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "%s,%d\n", wickrNet, i)
	}
	b.WriteString(wickrNet + ",31\n")     // index 30: no such user
	b.WriteString(wickrOther + ",1\n")    // index 31: no such network
	b.WriteString(wickrNet + ",user-7\n") // index 32: not a user ID
	in := writeFile(t, "ids.csv", b.String())

	r, out := runWickr(t, srv, "delete-users", in)
	assert.Equal(t, exitFailed, r.code, r.stderr)
	recs := readOutcomes(t, out, 33)
	for i := range 30 {
		assert.Equal(t, "Succeeded", recs[i].Status, "index %d: %+v", i, recs[i])
	}
	assert.Empty(t, srv.Users(wickrNet), "every user was deleted")
	assert.Equal(t, 30, srv.Deleted())
	assert.Equal(t, "NotFound", recs[30].Code)
	assert.Equal(t, "User not found", recs[30].Message)
	assert.Equal(t, "NotFound", recs[31].Code)
	assert.Equal(t, "InvalidInput", recs[32].Code)
	assert.Equal(t, "UserId", recs[32].Field)
	assert.Contains(t, r.stderr, "BatchDeleteUser: 33 items: 30 succeeded, 3 failed, 0 canceled")
	assertTokens(t, srv)
}

func TestReinviteUsersEndToEnd(t *testing.T) {
	testCredentials(t)
	srv := wickrKit(t, 5)
	require.True(t, srv.Activate(wickrNet, "4"))
	in := writeFile(t, "ids.jsonl", `{"NetworkId":"12345678","UserId":"1"}
{"NetworkId":"12345678","UserId":"2"}

{"network_id":"12345678","user_id":"3"}
{"NetworkId":"12345678","UserId":"4"}
{"NetworkId":"12345678","UserId":"9"}
`)
	r, out := runWickr(t, srv, "reinvite-users", in)
	assert.Equal(t, exitFailed, r.code, r.stderr)
	recs := readOutcomes(t, out, 5)
	for i, id := range []string{"1", "2", "3"} {
		assert.Equal(t, "Succeeded", recs[i].Status, "%+v", recs[i])
		u, ok := srv.UserByID(wickrNet, id)
		require.True(t, ok)
		assert.Equal(t, 1, u.Reinvites, "user %s", id)
	}
	assert.Equal(t, 5, recs[3].Line)
	assert.Equal(t, "Conflict", recs[3].Code, "an active user cannot be reinvited")
	assert.Equal(t, "NotFound", recs[4].Code)
	assertTokens(t, srv)
}

func TestSuspendUsersEndToEnd(t *testing.T) {
	testCredentials(t)
	srv := wickrKit(t, 6)
	// Users 5 and 6 are suspended first, by a file without the Suspend
	// column: it suspends.
	first := writeFile(t, "suspend.csv", "NetworkId,UserId\n12345678,5\n12345678,6\n")
	r, out := runWickr(t, srv, "suspend-users", first)
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, rec := range readOutcomes(t, out, 2) {
		assert.Equal(t, "Succeeded", rec.Status)
	}
	for _, id := range []string{"5", "6"} {
		u, _ := srv.UserByID(wickrNet, id)
		assert.True(t, u.Suspended, "user %s", id)
	}

	// true, TRUE and an empty value suspend; false reinstates.
	in := writeFile(t, "toggle.csv", "NetworkId,UserId,Suspend\n"+
		"12345678,1,true\n12345678,2,TRUE\n12345678,3,\n12345678,4,false\n12345678,5,False\n12345678,66,false\n")
	srv.ResetRequests()
	r, out = runWickr(t, srv, "suspend-users", in)
	assert.Equal(t, exitFailed, r.code, r.stderr)
	recs := readOutcomes(t, out, 6)
	for i, want := range map[string]bool{"1": true, "2": true, "3": true, "4": false, "5": false, "6": true} {
		u, ok := srv.UserByID(wickrNet, i)
		require.True(t, ok)
		assert.Equal(t, want, u.Suspended, "user %s", i)
	}
	for i := range 5 {
		assert.Equal(t, "Succeeded", recs[i].Status, "index %d: %+v", i, recs[i])
	}
	assert.Equal(t, "NotFound", recs[5].Code)
	// Users to suspend and users to reinstate never share a call.
	queries := map[string]bool{}
	for _, req := range srv.Requests() {
		queries[req.Query] = true
	}
	assert.Equal(t, map[string]bool{"suspend=true": true, "suspend=false": true}, queries)
	assertTokens(t, srv)
}

func TestResetDevicesEndToEnd(t *testing.T) {
	testCredentials(t)
	srv := wickrKit(t, 3)
	for _, d := range [][2]string{{"1", "app-a"}, {"1", "app-b"}, {"2", "app-a"}} {
		require.True(t, srv.AddDevice(wickrNet, d[0], d[1]))
	}
	in := writeFile(t, "devices.csv", "NetworkId,UserId,AppId\n"+
		"12345678,1,app-a\n12345678,1,app-b\n12345678,2,app-a\n"+
		"12345678,3,app-z\n"+ // index 3: user 3 has no such device
		"12345678,42,app-a\n"+ // index 4: no such user
		"12345678,2,\n") // index 5: AppId empty
	r, out := runWickr(t, srv, "reset-devices", in)
	assert.Equal(t, exitFailed, r.code, r.stderr)
	recs := readOutcomes(t, out, 6)
	for i := range 3 {
		assert.Equal(t, "Succeeded", recs[i].Status, "index %d: %+v", i, recs[i])
	}
	assert.Equal(t, []wickrtest.Device{{AppId: "app-a", Resets: 1}, {AppId: "app-b", Resets: 1}}, srv.Devices(wickrNet, "1"))
	assert.Equal(t, []wickrtest.Device{{AppId: "app-a", Resets: 1}}, srv.Devices(wickrNet, "2"))
	assert.Equal(t, "InvalidInput", recs[3].Code)
	assert.Equal(t, "AppId", recs[3].Field)
	assert.Equal(t, "NotFound", recs[4].Code)
	assert.Equal(t, "InvalidInput", recs[5].Code)
	assert.Equal(t, "AppId", recs[5].Field)
	assertTokens(t, srv)
}

// TestLookupUnamesEndToEnd: the user names looked up are in the outcome
// file, on the lines of their rows, and nowhere else batchctl writes.
func TestLookupUnamesEndToEnd(t *testing.T) {
	testCredentials(t)
	srv := wickrKit(t, 60)
	var b strings.Builder
	b.WriteString("NetworkId,Uname\n")
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&b, "%s,%s\n", wickrNet, wickrtest.UnameOf(fmt.Sprintf("person%02d@example.com", i)))
	}
	fmt.Fprintf(&b, "%s,%s\n", wickrNet, wickrtest.UnameOf("nobody@example.com")) // index 60
	in := writeFile(t, "unames.csv", b.String())
	dir := t.TempDir()
	failed, summary := filepath.Join(dir, "failed.csv"), filepath.Join(dir, "summary.json")

	r, out := runWickr(t, srv, "lookup-unames", in, "--failed-rows", failed, "--summary-json", summary, "--progress", "lines")
	assert.Equal(t, exitFailed, r.code, r.stderr)
	recs := readOutcomes(t, out, 61)
	for i := range 60 {
		want := fmt.Sprintf("person%02d@example.com", i+1)
		assert.Equal(t, "Succeeded", recs[i].Status, "index %d: %+v", i, recs[i])
		if assert.NotNil(t, recs[i].Username, "index %d", i) {
			assert.Equal(t, want, *recs[i].Username, "index %d", i)
		}
	}
	assert.Equal(t, "NotFound", recs[60].Code)
	assert.Nil(t, recs[60].Username)
	assert.Contains(t, contentOf(t, out), `"status":"Succeeded","username":"person01@example.com","attempts":1}`)
	for name, text := range map[string]string{"stderr": r.stderr, "stdout": r.stdout, "failed rows": contentOf(t, failed), "summary": contentOf(t, summary)} {
		assert.NotContains(t, text, "@example.com", "%s holds a user name", name)
	}
	assertTokens(t, srv)
}

// TestLookupUnamesResumeKeepsUsernames: resuming into the outcome file
// resumed from writes the user names found by the first run again, so that
// none is lost.
func TestLookupUnamesResumeKeepsUsernames(t *testing.T) {
	testCredentials(t)
	srv := wickrKit(t, 40, func(o *wickrtest.Options) {
		o.Faults = wickrtest.Faults{Seed: 3, ItemFailureRate: 0.3}
	})
	var b strings.Builder
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, `{"NetworkId":%q,"Uname":%q}`+"\n", wickrNet, wickrtest.UnameOf(fmt.Sprintf("person%02d@example.com", i)))
	}
	in := writeFile(t, "unames.jsonl", b.String())
	r, out := runWickr(t, srv, "lookup-unames", in, "--max-attempts", "1")
	require.Equal(t, exitFailed, r.code, r.stderr)
	first := readOutcomes(t, out, 40)
	succeeded := 0
	for _, rec := range first {
		if rec.Status == "Succeeded" {
			succeeded++
		}
	}
	require.Greater(t, succeeded, 0)
	require.Less(t, succeeded, 40)

	srv.SetFaults(wickrtest.Faults{})
	r = batchctl(t, "", "lookup-unames", "--input", in, "--resume", out, "--output", out, "--endpoint", srv.URL(), "--progress", "none")
	require.Equal(t, exitOK, r.code, r.stderr)
	for i, rec := range readOutcomes(t, out, 40) {
		assert.Equal(t, "Succeeded", rec.Status)
		assert.Equal(t, first[i].Status == "Succeeded", rec.Resumed, "index %d", i)
		if assert.NotNil(t, rec.Username, "index %d", i) {
			assert.Equal(t, fmt.Sprintf("person%02d@example.com", i+1), *rec.Username)
		}
	}
	assert.Contains(t, r.stderr, fmt.Sprintf("resumed: %d succeeded in %s", succeeded, out))
}

// TestSuspendBadInput: a Suspend that is not a boolean fails its row,
// naming the line and the field, in CSV and JSONL, and the other rows go
// on.
func TestSuspendBadInput(t *testing.T) {
	testCredentials(t)
	srv := wickrKit(t, 3)
	csvIn := writeFile(t, "s.csv", "NetworkId,UserId,Suspend\n12345678,1,true\n12345678,2,yes\n12345678,3, true\n")
	r, out := runWickr(t, srv, "suspend-users", csvIn)
	assert.Equal(t, exitFailed, r.code, r.stderr)
	recs := readOutcomes(t, out, 3)
	assert.Equal(t, "Succeeded", recs[0].Status)
	assert.Equal(t, outcomeRecord{Index: 1, Line: 3, Status: "Failed", Code: "InvalidInput", Field: "Suspend",
		Message: "line 3: field Suspend: want true or false"}, recs[1])
	assert.Equal(t, "Suspend", recs[2].Field)
	assert.Contains(t, recs[2].Message, "line 4: field Suspend: the value has spaces")

	jsonIn := writeFile(t, "s.jsonl", `{"NetworkId":"12345678","UserId":"1","Suspend":"true"}`+"\n"+
		`{"NetworkId":"12345678","UserId":"2","Suspend":null}`+"\n"+
		`{"NetworkId":"12345678","UserId":"3","Suspend":1}`+"\n")
	r, out = runWickr(t, srv, "suspend-users", jsonIn)
	assert.Equal(t, exitFailed, r.code, r.stderr)
	recs = readOutcomes(t, out, 3)
	assert.Equal(t, "line 1: field Suspend: want true or false, got a string", recs[0].Message)
	assert.Equal(t, "Succeeded", recs[1].Status, "null is the default, true")
	assert.Equal(t, "line 3: field Suspend: want true or false, got a number", recs[2].Message)

	// A dry run lists them the same way.
	r = batchctl(t, "", "suspend-users", "--dry-run", "--input", csvIn)
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stdout, "index 1, line 3: InvalidInput in field Suspend: want true or false\n")
}

// TestSuspendDefault: Suspend is true unless given: no column, an empty
// CSV value, a JSONL key missing or null.
func TestSuspendDefault(t *testing.T) {
	fs := newFieldSet(suspendUsersSpec().fields)
	for _, tc := range []struct {
		in, format string
		want       []bool
	}{
		{"NetworkId,UserId\n12345678,1\n", "csv", []bool{true}},
		{"NetworkId,UserId,Suspend\n12345678,1,\n12345678,1,FALSE\n12345678,1,True\n", "csv", []bool{true, false, true}},
		{`{"NetworkId":"12345678","UserId":"1"}` + "\n" + `{"NetworkId":"12345678","UserId":"1","Suspend":null}` + "\n" +
			`{"NetworkId":"12345678","UserId":"1","Suspend":false}` + "\n", "jsonl", []bool{true, true, false}},
	} {
		src, err := newSource(strings.NewReader(tc.in), tc.format, fs)
		require.NoError(t, err)
		var got []bool
		for _, r := range collect(src) {
			require.Empty(t, r.msg, tc.in)
			got = append(got, r.item.Suspend)
		}
		assert.Equal(t, tc.want, got, tc.in)
	}
	assert.Contains(t, fs.names(), "Suspend (default true)")
}

// TestWickrResumeRefusesAnotherCommand: delete-users, reinvite-users and
// suspend-users read the same files, so resuming one from another's
// outcome file is refused before anything is sent.
func TestWickrResumeRefusesAnotherCommand(t *testing.T) {
	testCredentials(t)
	srv := wickrKit(t, 3)
	in := writeFile(t, "ids.csv", "NetworkId,UserId\n12345678,1\n12345678,2\n12345678,3\n")
	r, suspended := runWickr(t, srv, "suspend-users", in)
	require.Equal(t, exitOK, r.code, r.stderr)
	srv.ResetRequests()
	for _, command := range []string{"delete-users", "reinvite-users"} {
		r = batchctl(t, "", command, "--input", in, "--resume", suspended, "--endpoint", srv.URL(), "--progress", "none")
		assert.Equal(t, exitUsage, r.code)
		assert.Contains(t, r.stderr, "--resume "+suspended+": it holds the outcomes of suspend-users (BatchToggleUserSuspendStatus), not of "+command)
	}
	assert.Empty(t, srv.Requests())
	assert.Len(t, srv.Users(wickrNet), 3)
}

// TestWickrDryRuns: dry runs show each call key by its fields and send
// nothing.
func TestWickrDryRuns(t *testing.T) {
	srv := wickrKit(t, 0)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	for _, tc := range []struct {
		command, in string
		want        []string
	}{
		{"delete-users", "NetworkId,UserId\n12345678,1\n12345678,2\n87654321,1\n", []string{
			"dry run of BatchDeleteUser: nothing is sent",
			"items:    3 (3 valid, 0 invalid)",
			"calls:    2, at most 50 items each",
			"       1        2  NetworkId=12345678\n",
			"       1        1  NetworkId=87654321\n",
		}},
		{"reinvite-users", "NetworkId,UserId\n12345678,1\n", []string{"dry run of BatchReinviteUser", "       1        1  NetworkId=12345678\n"}},
		{"suspend-users", "NetworkId,UserId,Suspend\n12345678,1,true\n12345678,2,false\n12345678,3,\n", []string{
			"dry run of BatchToggleUserSuspendStatus",
			"       1        2  NetworkId=12345678 Suspend=true\n",
			"       1        1  NetworkId=12345678 Suspend=false\n",
		}},
		{"reset-devices", "NetworkId,UserId,AppId\n12345678,7,a\n12345678,7,b\n12345678,8,a\n", []string{
			"dry run of BatchResetDevicesForUser",
			"       1        2  NetworkId=12345678 UserId=7\n",
			"       1        1  NetworkId=12345678 UserId=8\n",
		}},
		{"lookup-unames", "NetworkId,Uname\n12345678,abc\n1234,def\n", []string{
			"dry run of BatchLookupUserUname",
			"items:    2 (1 valid, 1 invalid)",
			"       1        1  NetworkId=12345678\n",
			"index 1, line 3: InvalidInput in field NetworkId",
		}},
	} {
		in := writeFile(t, "in.csv", tc.in)
		r := batchctl(t, "", tc.command, "--dry-run", "--input", in, "--endpoint", srv.URL())
		for _, want := range tc.want {
			assert.Contains(t, r.stdout, want, "%s:\n%s%s", tc.command, r.stdout, r.stderr)
		}
	}
	assert.Empty(t, srv.Requests())
}

// TestFakeSeedsWickrLifecycle seeds the Wickr kit from the files of the
// lifecycle commands, as batchctl fake --state does, and rehearses each
// against it: every row that could be seeded succeeds.
func TestFakeSeedsWickrLifecycle(t *testing.T) {
	testCredentials(t)
	k := startKits(appstreamtest.Faults{})
	defer k.close()
	seed := func(command, content string) seedReport {
		t.Helper()
		for _, c := range commands() {
			if c.name == command {
				rep, err := c.seed(k, writeFile(t, command+".csv", content))
				require.NoError(t, err)
				return rep
			}
		}
		t.Fatalf("no command %s", command)
		return seedReport{}
	}

	ids := "NetworkId,UserId\n12345678,3\n12345678,7\n12345678,007\n12345678,20000\n11112222,2\n"
	rep := seed("suspend-users", ids)
	assert.Equal(t, seedReport{seeded: 3, unseeded: []int{4, 5}, why: rep.why}, rep)
	assert.Contains(t, rep.why, "seeds user IDs 1 to 10000 without leading zeros")
	assert.Equal(t, map[string]int{"12345678": 7, "11112222": 2}, k.wickrUsers)
	u, ok := k.wickr.UserByID("12345678", "7")
	require.True(t, ok)
	assert.Equal(t, "fake-user-7", u.Username)

	devices := "NetworkId,UserId,AppId\n12345678,2,phone\n12345678,9,laptop\n"
	assert.Equal(t, seedReport{seeded: 2}, seed("reset-devices", devices))
	assert.Equal(t, []wickrtest.Device{{AppId: "laptop"}}, k.wickr.Devices("12345678", "9"))

	unames := fmt.Sprintf("NetworkId,Uname\n12345678,%s\n33334444,%s\n12345678,%s\n",
		wickrtest.UnameOf("fake-user-4"), wickrtest.UnameOf("fake-user-12"), wickrtest.UnameOf("someone@example.com"))
	rep = seed("lookup-unames", unames)
	assert.Equal(t, []int{4}, rep.unseeded)
	assert.Contains(t, rep.why, "not the uname of a user the kit seeds")
	assert.Equal(t, 12, k.wickrUsers["33334444"])

	var buf strings.Builder
	k.printWickrUsers(&buf)
	assert.Equal(t, "batchctl fake: Wickr users seeded: user ID N is named fake-user-N (its uname: the first 32 hex digits of the SHA-256 of the name)\n"+
		"batchctl fake:   network 11112222: user IDs 1 to 2\n"+
		"batchctl fake:   network 12345678: user IDs 1 to 9\n"+
		"batchctl fake:   network 33334444: user IDs 1 to 12\n", buf.String())

	// The rehearsals: the rows seeded succeed, the others fail as not
	// found.
	rehearse := func(command, content string, n int) []outcomeRecord {
		t.Helper()
		out := filepath.Join(t.TempDir(), "out.jsonl")
		r := batchctl(t, "", command, "--input", writeFile(t, "in.csv", content), "--output", out, "--endpoint", k.wickr.URL(), "--progress", "none")
		assert.NotEqual(t, exitUsage, r.code, r.stderr)
		return readOutcomes(t, out, n)
	}
	recs := rehearse("lookup-unames", unames, 3)
	assert.Equal(t, "fake-user-4", *recs[0].Username)
	assert.Equal(t, "fake-user-12", *recs[1].Username)
	assert.Equal(t, "NotFound", recs[2].Code)
	for _, rec := range rehearse("reset-devices", devices, 2) {
		assert.Equal(t, "Succeeded", rec.Status)
	}
	for _, command := range []string{"reinvite-users", "suspend-users", "delete-users"} {
		recs := rehearse(command, ids, 5)
		for i, want := range []string{"Succeeded", "Succeeded", "Failed", "Failed", "Succeeded"} {
			assert.Equal(t, want, recs[i].Status, "%s index %d: %+v", command, i, recs[i])
		}
	}
}

// TestFakeReportsWickrSeeding: batchctl fake says which Wickr users it
// seeded and which rows it could not seed.
func TestFakeReportsWickrSeeding(t *testing.T) {
	testCredentials(t)
	in := writeFile(t, "ids.csv", "NetworkId,UserId\n12345678,5\n12345678,0\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // seed, print and stop at once
	var out, errOut strings.Builder
	code := mainWith(ctx, []string{"fake", "--state", "delete-users=" + in}, &env{stdout: &out, stderr: &errOut})
	assert.Equal(t, exitOK, code, errOut.String())
	assert.Contains(t, errOut.String(), "batchctl fake: seeded the kits with what the 1 item of "+in+" need\n")
	assert.Contains(t, errOut.String(), "batchctl fake: --state delete-users="+in+": 1 item not seeded (line 3): line 3: the kit numbers the users")
	assert.Contains(t, errOut.String(), "batchctl fake:   network 12345678: user IDs 1 to 5\n")
	assert.Contains(t, out.String(), "export AWS_ENDPOINT_URL_WICKR=")
}

// TestLookupOutcomeLine: the user name is written on a succeeded line
// only, and read back from a resume file.
func TestLookupOutcomeLine(t *testing.T) {
	s := lookupUnamesSpec()
	line := newOutcomeRecord(wickr.LookupOperation, 0, 2, batch.StatusSucceeded, nil, 1)
	s.result(wickr.UnameResult{Uname: "u", Username: "alice@example.com"}, &line)
	require.NotNil(t, line.Username)
	assert.Equal(t, "alice@example.com", *line.Username)

	rs, err := readResume(strings.NewReader(`{"command":"lookup-unames","input":"in.csv","input_rows":2,"input_sha256":"ab"}` + "\n" +
		`{"index":0,"status":"Succeeded","username":"alice@example.com","attempts":1}` + "\n" +
		`{"index":1,"status":"Failed","code":"NotFound","attempts":1}` + "\n"))
	require.NoError(t, err)
	require.NotNil(t, rs.result(0).username)
	assert.Equal(t, "alice@example.com", *rs.result(0).username)
	assert.False(t, rs.has(1))
	assert.Nil(t, rs.result(1).username)
}
