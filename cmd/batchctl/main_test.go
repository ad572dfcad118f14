package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"
	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"
	"go.uber.org/goleak"

	"github.com/batchkit/batchkit/appstream/appstreamtest"
	"github.com/batchkit/batchkit/chime/chimetest"
	"github.com/batchkit/batchkit/messaging/messagingtest"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

// runMainEnv makes the test binary run batchctl's main instead of the
// tests, for tests that need a process of its own: signals, a terminal.
const runMainEnv = "BATCHCTL_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
	}
	goleak.VerifyTestMain(m)
}

// testCredentials makes the environment hold the test kits' credentials,
// which is where batchctl reads them from.
func testCredentials(t *testing.T) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", appstreamtest.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", appstreamtest.SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	// Keep a developer's shared files out of the SDK's default chain.
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, v := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_APPSTREAM", "AWS_ENDPOINT_URL_CHIME", "AWS_ENDPOINT_URL_WICKR", "AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING"} {
		t.Setenv(v, "")
	}
	// Runs without --output write their outcome file here.
	t.Chdir(t.TempDir())
}

type result struct {
	code           int
	stdout, stderr string
}

// batchctl runs the command line with stdin as standard input.
func batchctl(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := mainWith(context.Background(), args, &env{
		stdin:         strings.NewReader(stdin),
		stdout:        &out,
		stderr:        &errOut,
		progressEvery: time.Hour,
	})
	return result{code, out.String(), errOut.String()}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// readOutcomes reads an outcome file and checks that it starts with its
// header and holds exactly one record for each index from 0 to n-1. It
// returns them by index.
func readOutcomes(t *testing.T, path string, n int) []outcomeRecord {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	byIndex := make([]outcomeRecord, n)
	seen := make([]int, n)
	sc := bufio.NewScanner(f)
	first := true
	for sc.Scan() {
		if first {
			first = false
			var h outcomeHeader
			if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.Command == "" || h.Operation == "" {
				t.Fatalf("outcome file header %q: %v", sc.Text(), err)
			}
			continue
		}
		if !bytes.Contains(sc.Bytes(), []byte(`"index"`)) {
			continue // the input's fingerprint after a run from standard input
		}
		var rec outcomeRecord
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("outcome line %q: %v", sc.Text(), err)
		}
		if rec.Index < 0 || rec.Index >= n {
			t.Fatalf("outcome index %d outside [0, %d)", rec.Index, n)
		}
		if rec.Operation == "" {
			t.Errorf("outcome line %q does not name the operation", sc.Text())
		}
		rec.Operation = "" // checked; left out of comparisons
		seen[rec.Index]++
		byIndex[rec.Index] = rec
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for i, c := range seen {
		if c != 1 {
			t.Errorf("index %d has %d outcomes, want 1", i, c)
		}
	}
	return byIndex
}

func contentOf(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUsageAndExitCodes(t *testing.T) {
	testCredentials(t)
	good := writeFile(t, "in.csv", "StackName,UserName,AuthenticationType\ns1,u@example.com,API\n")
	for _, tc := range []struct {
		args []string
		want int
		text string // in stdout or stderr
	}{
		{nil, exitUsage, "usage: batchctl <command>"},
		{[]string{"help"}, exitOK, "create-users"},
		{[]string{"--version"}, exitOK, "batchctl "},
		{[]string{"version"}, exitOK, "batchctl "},
		{[]string{"help", "add-members"}, exitOK, "ChannelArn, ChimeBearer, MemberArn"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"associate"}, exitUsage, "--input is required"},
		{[]string{"associate", "-h"}, exitOK, "SendEmailNotification"},
		{[]string{"associate", "--bogus"}, exitUsage, "flag provided but not defined"},
		{[]string{"associate", "--input", good, "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"associate", "--input", filepath.Join(t.TempDir(), "missing.csv")}, exitUsage, "no such file"},
		{[]string{"associate", "--input", good, "--format", "xml"}, exitUsage, "--format must be csv or jsonl"},
		{[]string{"associate", "--input", "-"}, exitUsage, "needs --format"},
		{[]string{"associate", "--input", good, "--concurrency", "-1"}, exitUsage, "--concurrency must not be negative, got -1"},
		{[]string{"associate", "--input", good, "--retry-budget", "-5"}, exitUsage, "--retry-budget must not be negative"},
		{[]string{"associate", "--input", good, "--max-rate", "-1"}, exitUsage, "--max-rate must not be negative"},
		{[]string{"associate", "--input", good, "--concurrency", "many"}, exitUsage, `invalid value "many" for flag -concurrency`},
		{[]string{"associate", "--input", good, "--fixed-rate"}, exitUsage, "--fixed-rate needs --max-rate"},
		{[]string{"associate", "--input", good, "--fixed-rate", "--max-rate", "5", "--rate", "2"}, exitUsage, "--rate cannot be used with --fixed-rate"},
		{[]string{"associate", "--input", good, "--rate", "9", "--max-rate", "5"}, exitUsage, "--rate (9) must not exceed --max-rate (5)"},
		{[]string{"associate", "--input", "-", "--format", "csv", "--resume", good}, exitUsage, "--resume needs --input FILE"},
		{[]string{"associate", "--input", good, "--output", "-", "--summary-json", "-"}, exitUsage, "cannot both be standard output"},
		{[]string{"associate", "--input", good, "--progress", "fancy"}, exitUsage, "--progress must be"},
		{[]string{"help", "fake"}, exitOK, "-state COMMAND=FILE"},
		{[]string{"fake", "--drop-rate", "2"}, exitUsage, "--drop-rate must be between 0 and 1"},
		{[]string{"fake", "--state", "frob=x.csv"}, exitUsage, `unknown command "frob"`},
		{[]string{"associate", "--input", good, "--resume", filepath.Join(t.TempDir(), "none.jsonl")}, exitUsage, "no such file"},
		{[]string{"associate", "--input", writeFile(t, "bad.csv", "Stack,User\n")}, exitUsage, "unknown column"},
		{[]string{"disassociate", "--input", writeFile(t, "email.csv", "StackName,UserName,AuthenticationType,SendEmailNotification\n")}, exitUsage, `unknown column "SendEmailNotification"`},
		{[]string{"associate", "--input", writeFile(t, "empty.jsonl", ""), "--region", "eu-west-1"}, exitOK, "0 items"},
	} {
		r := batchctl(t, "", tc.args...)
		if r.code != tc.want || !strings.Contains(r.stdout+r.stderr, tc.text) {
			t.Errorf("batchctl %q = %d, want %d and output containing %q\nstdout:\n%s\nstderr:\n%s",
				tc.args, r.code, tc.want, tc.text, r.stdout, r.stderr)
		}
	}
}

func TestNoCredentials(t *testing.T) {
	testCredentials(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	in := writeFile(t, "in.csv", "StackName,UserName,AuthenticationType\ns1,u@example.com,API\n")
	r := batchctl(t, "", "associate", "--input", in, "--region", "us-west-2")
	if r.code != exitUsage || !strings.Contains(r.stderr, "credentials") {
		t.Errorf("without credentials: %d, %s; want %d and a message about credentials", r.code, r.stderr, exitUsage)
	}
}

// TestAssociateEndToEnd runs associate against the AppStream kit with a
// malformed line, an invalid item, a missing stack and retryable faults,
// and checks the outcome file, the kit's state and the exit status.
func TestAssociateEndToEnd(t *testing.T) {
	testCredentials(t)
	srv := appstreamtest.NewServer(func(o *appstreamtest.Options) {
		o.Faults = appstreamtest.Faults{Seed: 3, ItemFailureRate: 0.1}
	})
	defer srv.Close()
	srv.AddStack("sales")
	var b strings.Builder
	b.WriteString("StackName,UserName,AuthenticationType\n")
	const n = 60
	for i := range n {
		switch i {
		case 10:
			b.WriteString("sales,broken@example.com\n") // malformed: line 12
		case 20:
			b.WriteString("sales,user20@example.com,OKTA\n") // invalid
		case 30:
			b.WriteString("archive,user30@example.com,USERPOOL\n") // no such stack
		default:
			fmt.Fprintf(&b, "sales,user%02d@example.com,USERPOOL\n", i)
		}
		srv.AddUser(fmt.Sprintf("user%02d@example.com", i), appstreamtypes.AuthenticationTypeUserpool)
	}
	in := writeFile(t, "users.csv", b.String())
	out := filepath.Join(t.TempDir(), "out.jsonl")

	r := batchctl(t, "", "associate", "--input", in, "--output", out, "--endpoint", srv.URL(), "--progress", "none")
	if r.code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s", r.code, exitFailed, r.stderr)
	}
	recs := readOutcomes(t, out, n)
	for i, rec := range recs {
		var want outcomeRecord
		switch i {
		case 10:
			want = outcomeRecord{Index: i, Line: 12, Status: "Failed", Code: "InvalidInput", Message: "line 12: the record has 2 fields, the header has 3"}
		case 20:
			want = outcomeRecord{Index: i, Line: 22, Status: "Failed", Code: "InvalidInput", Field: "AuthenticationType", Message: rec.Message}
		case 30:
			// The kit's seeded item failures land on whichever items the
			// requests carry in the order they arrive, so the missing stack
			// may first be answered with a retryable failure: NotFound
			// ends it on the first attempt the kit looks at the stack.
			want = outcomeRecord{Index: i, Line: 32, Status: "Failed", Code: "NotFound", ServiceCode: "STACK_NOT_FOUND", Field: "StackName", Message: rec.Message, Attempts: rec.Attempts, RequestID: rec.RequestID}
			if rec.Attempts < 1 {
				t.Errorf("index %d failed after %d attempts", i, rec.Attempts)
			}
		default:
			want = outcomeRecord{Index: i, Line: i + 2, Status: "Succeeded", Attempts: rec.Attempts}
			if rec.Attempts < 1 {
				t.Errorf("index %d succeeded after %d attempts", i, rec.Attempts)
			}
			if !srv.IsAssociated(appstreamtest.Association{StackName: "sales", UserName: fmt.Sprintf("user%02d@example.com", i), AuthenticationType: "USERPOOL"}) {
				t.Errorf("index %d succeeded but the kit has no association", i)
			}
		}
		if rec != want {
			t.Errorf("outcome %d = %+v, want %+v", i, rec, want)
		}
	}
	if got := len(srv.Associations()); got != n-3 {
		t.Errorf("kit holds %d associations, want %d", got, n-3)
	}
	if strings.Contains(contentOf(t, out), "@example.com") {
		t.Errorf("the outcome file holds user names")
	}
	if !strings.Contains(r.stderr, "BatchAssociateUserStack: 60 items: 57 succeeded, 3 failed, 0 canceled\n  by code: InvalidInput:2 NotFound:1\n") {
		t.Errorf("summary missing or wrong:\n%s", r.stderr)
	}
}

// TestDisassociateFromStdin reads JSONL from standard input and writes the
// outcomes to standard output; every item succeeds, so the exit status is 0.
func TestDisassociateFromStdin(t *testing.T) {
	testCredentials(t)
	srv := appstreamtest.NewServer()
	defer srv.Close()
	var b strings.Builder
	const n = 30
	for i := range n {
		a := appstreamtest.Association{StackName: "sales", UserName: fmt.Sprintf("u%02d@example.com", i), AuthenticationType: "SAML"}
		srv.AddAssociation(a)
		fmt.Fprintf(&b, `{"stack_name":%q,"user_name":%q,"authentication_type":"SAML"}`+"\n", a.StackName, a.UserName)
	}
	r := batchctl(t, b.String(), "disassociate", "--input", "-", "--format", "jsonl", "--output", "-", "--endpoint", srv.URL(), "--progress", "none")
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
	}
	if got := len(srv.Associations()); got != 0 {
		t.Errorf("kit still holds %d associations", got)
	}
	if got := strings.Count(r.stdout, `"status":"Succeeded"`); got != n {
		t.Errorf("%d succeeded outcomes on stdout, want %d:\n%s", got, n, r.stdout)
	}
}

func TestUpdateUsersEndToEnd(t *testing.T) {
	testCredentials(t)
	srv := chimetest.NewServer(func(o *chimetest.Options) {
		o.Faults = chimetest.Faults{Seed: 5, ItemFailureRate: 0.1, Poison: []string{"u07"}}
	})
	defer srv.Close()
	var b strings.Builder
	const n = 45
	for i := range n {
		acct := fmt.Sprintf("acct-%d", i%3)
		srv.AddUser(acct, fmt.Sprintf("u%02d", i), chimetypes.LicenseBasic)
		switch i {
		case 4:
			b.WriteString(`{"AccountId":"acct-1","UserId":"u04","LicenseType":"Pro","Colour":"blue"}` + "\n")
		case 5:
			b.WriteString(`{"AccountId":"acct-2","UserId":"u05","LicenseType":"Pro"` + "\n")
		default:
			fmt.Fprintf(&b, `{"AccountId":%q,"UserId":"u%02d","LicenseType":"Pro"}`+"\n", acct, i)
		}
	}
	in := writeFile(t, "users.jsonl", b.String())
	out := filepath.Join(t.TempDir(), "out.jsonl")
	r := batchctl(t, "", "update-users", "--input", in, "--output", out, "--endpoint", srv.URL(), "--progress", "none", "--concurrency", "2")
	if r.code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s", r.code, exitFailed, r.stderr)
	}
	recs := readOutcomes(t, out, n)
	for i, rec := range recs {
		u, _ := srv.User(fmt.Sprintf("acct-%d", i%3), fmt.Sprintf("u%02d", i))
		switch i {
		case 4, 5, 7:
			if rec.Status != "Failed" || rec.Code != "InvalidInput" || u.Updates != 0 {
				t.Errorf("index %d: %+v, %d updates; want InvalidInput and none", i, rec, u.Updates)
			}
		default:
			if rec.Status != "Succeeded" || u.LicenseType != chimetypes.LicensePro || u.Updates != 1 {
				t.Errorf("index %d: %+v, license %s, %d updates; want success applied once", i, rec, u.LicenseType, u.Updates)
			}
		}
	}
	if !strings.HasPrefix(recs[4].Message, `line 5: unknown field "Colour"`) || !strings.HasPrefix(recs[5].Message, "line 6: not valid JSON") {
		t.Errorf("malformed line messages = %q, %q", recs[4].Message, recs[5].Message)
	}
	// Attempts counts every call that carried the item: the rejected call
	// and the halves that isolated it.
	if recs[7].Attempts < 2 {
		t.Errorf("poison item attempts = %d, want the rejected call and its bisection", recs[7].Attempts)
	}
}

func TestCreateUsersEndToEnd(t *testing.T) {
	testCredentials(t)
	srv := wickrtest.NewServer(func(o *wickrtest.Options) {
		o.Faults = wickrtest.Faults{Seed: 9, ItemFailureRate: 0.1}
	})
	defer srv.Close()
	srv.AddNetwork("12345678", "sg-staff")
	var b strings.Builder
	b.WriteString("network_id,username,security_group_id,first_name,last_name,invite_code\n")
	const n = 40
	for i := range n {
		net := "12345678"
		if i == 13 {
			net = "87654321" // no such network
		}
		fmt.Fprintf(&b, "%s,person%02d@example.com,sg-staff,Givenname%02d,Surname%02d,SECRETCODE%02d\n", net, i, i, i, i)
	}
	in := writeFile(t, "users.csv", b.String())
	out := filepath.Join(t.TempDir(), "out.jsonl")
	r := batchctl(t, "", "create-users", "--input", in, "--output", out, "--endpoint", srv.URL(), "--progress", "none", "--client-token-prefix", "job-1-")
	if r.code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s", r.code, exitFailed, r.stderr)
	}
	recs := readOutcomes(t, out, n)
	for i, rec := range recs {
		_, created := srv.User("12345678", fmt.Sprintf("person%02d@example.com", i))
		if i == 13 {
			if rec.Status != "Failed" || rec.Code != "NotFound" || created {
				t.Errorf("index 13: %+v, created %t; want NotFound, not created", rec, created)
			}
			continue
		}
		if rec.Status != "Succeeded" || !created {
			t.Errorf("index %d: %+v, created %t; want success", i, rec, created)
		}
	}
	if got := srv.Created(); got != n-1 {
		t.Errorf("kit created %d users, want %d", got, n-1)
	}
	content := contentOf(t, out)
	for _, secret := range []string{"@example.com", "Givenname", "Surname", "SECRETCODE"} {
		if strings.Contains(content, secret) || strings.Contains(r.stderr, secret) {
			t.Errorf("output or stderr holds %q", secret)
		}
	}
	for _, req := range srv.Requests() {
		if tok := req.Header.Get("X-Client-Token"); !strings.HasPrefix(tok, "job-1-") {
			t.Errorf("request with client token %q, want the prefix job-1-", tok)
		}
	}
}

func TestAddMembersEndToEnd(t *testing.T) {
	testCredentials(t)
	srv := messagingtest.NewServer(func(o *messagingtest.Options) {
		o.Faults = messagingtest.Faults{Seed: 11, ItemFailureRate: 0.1}
	})
	defer srv.Close()
	const inst = "arn:aws:chime:us-east-1:111122223333:app-instance/i1"
	mod := inst + "/user/mod"
	channels := []string{inst + "/channel/a", inst + "/channel/b"}
	for _, ch := range channels {
		srv.AddChannel(ch, mod)
	}
	var b strings.Builder
	const n = 250
	for i := range n {
		fmt.Fprintf(&b, `{"ChannelArn":%q,"ChimeBearer":%q,"MemberArn":"%s/user/m%03d"}`+"\n", channels[i%2], mod, inst, i)
	}
	in := writeFile(t, "members.ndjson", b.String())
	out := filepath.Join(t.TempDir(), "out.jsonl")
	r := batchctl(t, "", "add-members", "--input", in, "--output", out, "--endpoint", srv.URL(), "--progress", "none", "--max-attempts", "8")
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
	}
	recs := readOutcomes(t, out, n)
	for i, rec := range recs {
		m, ok := srv.Member(channels[i%2], fmt.Sprintf("%s/user/m%03d", inst, i), "")
		if rec.Status != "Succeeded" || !ok || m.Adds != 1 {
			t.Errorf("index %d: %+v, member %t added %d times; want success applied once", i, rec, ok, m.Adds)
		}
	}
}

// TestDryRunSendsNothing checks that a dry run prints the plan, reports
// invalid items and sends no request.
func TestDryRunSendsNothing(t *testing.T) {
	srv := appstreamtest.NewServer()
	defer srv.Close()
	var b strings.Builder
	b.WriteString("StackName,UserName,AuthenticationType\n")
	for i := range 60 {
		auth := "API"
		if i == 42 {
			auth = "OKTA"
		}
		fmt.Fprintf(&b, "s1,user%02d@example.com,%s\n", i, auth)
	}
	b.WriteString("s1,broken\n")
	in := writeFile(t, "in.csv", b.String())

	// No credentials in the environment: a dry run needs none.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	r := batchctl(t, "", "associate", "--dry-run", "--input", in, "--endpoint", srv.URL())
	if r.code != exitFailed {
		t.Errorf("exit %d, want %d (invalid items)\n%s", r.code, exitFailed, r.stderr)
	}
	for _, want := range []string{
		"dry run of BatchAssociateUserStack: nothing is sent",
		"items:    61 (59 valid, 2 invalid)",
		"calls:    3, at most 25 items each",
		"     3       59  (none)",
		"index 42, line 44: InvalidInput in field AuthenticationType",
		"index 60, line 62: InvalidInput: the record has 2 fields, the header has 3\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "@example.com") {
		t.Errorf("dry run output holds user names:\n%s", r.stdout)
	}
	if reqs := srv.Requests(); len(reqs) != 0 {
		t.Errorf("dry run sent %d requests", len(reqs))
	}

	// A valid input plans cleanly and exits 0, grouped by key.
	srvC := chimetest.NewServer()
	defer srvC.Close()
	in2 := writeFile(t, "users.jsonl", `{"AccountId":"a1","UserId":"u1","LicenseType":"Pro"}`+"\n"+`{"AccountId":"a2","UserId":"u2"}`+"\n")
	r = batchctl(t, "", "update-users", "--dry-run", "--input", in2, "--endpoint", srvC.URL())
	if r.code != exitOK || !strings.Contains(r.stdout, "keys:     2") || !strings.Contains(r.stdout, "a2") {
		t.Errorf("dry run = %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if reqs := srvC.Requests(); len(reqs) != 0 {
		t.Errorf("dry run sent %d requests", len(reqs))
	}
}

// TestResumeSkipsSucceeded runs an input whose items partly fail, fixes the
// cause, and runs it again with --resume: only the failed items are sent,
// and the new outcome file again accounts for every index.
func TestResumeSkipsSucceeded(t *testing.T) {
	testCredentials(t)
	srv := appstreamtest.NewServer()
	defer srv.Close()
	srv.AddStack("s1")
	var b strings.Builder
	b.WriteString("StackName,UserName,AuthenticationType\n")
	const n = 50
	for i := range n {
		stack := "s1"
		if i%10 == 3 {
			stack = "s2" // created only before the second run
		}
		fmt.Fprintf(&b, "%s,user%02d@example.com,API\n", stack, i)
		srv.AddUser(fmt.Sprintf("user%02d@example.com", i), "API")
	}
	in := writeFile(t, "in.csv", b.String())
	dir := t.TempDir()
	first := filepath.Join(dir, "first.jsonl")

	r := batchctl(t, "", "associate", "--input", in, "--output", first, "--endpoint", srv.URL(), "--progress", "none")
	if r.code != exitFailed {
		t.Fatalf("first run: exit %d, want %d\n%s", r.code, exitFailed, r.stderr)
	}
	failed := 0
	for i, rec := range readOutcomes(t, first, n) {
		if (rec.Status == "Failed") != (i%10 == 3) {
			t.Errorf("first run, index %d: %+v", i, rec)
		}
		if rec.Status == "Failed" {
			failed++
		}
	}

	srv.AddStack("s2")
	srv.ResetRequests()
	// Resume into the same file it reads: it is read whole first.
	r = batchctl(t, "", "associate", "--input", in, "--resume", first, "--output", first, "--endpoint", srv.URL(), "--progress", "none")
	if r.code != exitOK {
		t.Fatalf("resumed run: exit %d, want 0\n%s", r.code, r.stderr)
	}
	sent := 0
	for _, req := range srv.Requests() {
		_, assoc, err := appstreamtest.SentAssociations(req)
		if err != nil {
			t.Fatal(err)
		}
		sent += len(assoc)
	}
	if sent != failed {
		t.Errorf("resumed run sent %d associations, want the %d that failed", sent, failed)
	}
	for i, rec := range readOutcomes(t, first, n) {
		if rec.Status != "Succeeded" || rec.Resumed != (i%10 != 3) {
			t.Errorf("resumed run, index %d: %+v", i, rec)
		}
	}
	if got := len(srv.Associations()); got != n {
		t.Errorf("kit holds %d associations, want %d", got, n)
	}
	if !strings.Contains(r.stderr, fmt.Sprintf("%d succeeded, 0 failed, 0 canceled\n  resumed: %d succeeded in %s\n", n, n-failed, first)) {
		t.Errorf("summary does not count the resumed items:\n%s", r.stderr)
	}

	// A third run has nothing left to send.
	srv.ResetRequests()
	r = batchctl(t, "", "associate", "--input", in, "--resume", first, "--endpoint", srv.URL(), "--progress", "none")
	if r.code != exitOK || len(srv.Requests()) != 0 {
		t.Errorf("third run: exit %d, %d requests; want 0 and none\n%s", r.code, len(srv.Requests()), r.stderr)
	}

	// A dry run with --resume plans only what is left.
	r = batchctl(t, "", "associate", "--dry-run", "--input", in, "--resume", first)
	if r.code != exitOK || !strings.Contains(r.stdout, fmt.Sprintf("resumed:  %d items", n)) {
		t.Errorf("dry run with resume = %d:\n%s", r.code, r.stdout)
	}
}

// TestRefusedCredentials checks that credentials the service refuses end
// the run with every item failed as Unauthorized and a non-zero status.
func TestRefusedCredentials(t *testing.T) {
	testCredentials(t)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
	srv := chimetest.NewServer()
	defer srv.Close()
	srv.AddUser("a1", "u1", chimetypes.LicenseBasic)
	in := writeFile(t, "in.csv", "AccountId,UserId,LicenseType\na1,u1,Pro\na1,u2,Pro\n")
	out := filepath.Join(t.TempDir(), "out.jsonl")
	r := batchctl(t, "", "update-users", "--input", in, "--output", out, "--endpoint", srv.URL(), "--progress", "none")
	if r.code != exitFailed || !strings.Contains(r.stderr, "the run ended early") {
		t.Errorf("exit %d, want %d and a run error\n%s", r.code, exitFailed, r.stderr)
	}
	for i, rec := range readOutcomes(t, out, 2) {
		if rec.Status != "Failed" || rec.Code != "Unauthorized" {
			t.Errorf("index %d: %+v, want Unauthorized", i, rec)
		}
	}
}

// TestCanceledRun checks that an interrupted run still writes one outcome
// per item read and exits non-zero.
func TestCanceledRun(t *testing.T) {
	testCredentials(t)
	srv := appstreamtest.NewServer()
	defer srv.Close()
	in := writeFile(t, "in.csv", "StackName,UserName,AuthenticationType\ns1,a@example.com,API\ns1,b@example.com,API\n")
	out := filepath.Join(t.TempDir(), "out.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := mainWith(ctx, []string{"associate", "--input", in, "--output", out, "--endpoint", srv.URL(), "--progress", "none"},
		&env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, progressEvery: time.Hour})
	if code != exitInterrupted {
		t.Errorf("exit %d, want %d\n%s", code, exitInterrupted, &stderr)
	}
	// A run canceled before it starts may stop before reading anything, or
	// (with the SDK's credential chain) before opening the output; whatever
	// it read has an outcome, and none succeeded.
	if c, err := os.ReadFile(out); err == nil && strings.Contains(string(c), "Succeeded") {
		t.Errorf("canceled run reported successes:\n%s", c)
	}
}
