package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/appstream/appstreamtest"
	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/chime/chimetest"
)

// TestUnclosedQuoteInAFileSendsNothing: a file with a quote never closed
// is refused before anything is sent, naming the line and the lines that
// would not have been read.
func TestUnclosedQuoteInAFileSendsNothing(t *testing.T) {
	testCredentials(t)
	srv := appstreamtest.NewServer()
	defer srv.Close()
	srv.AddStack("sales")
	in := writeFile(t, "users.csv", associateCSV(3000, 303, `sales,"user0301@example.com,USERPOOL`))
	r := batchctl(t, "", "associate", "--input", in, "--endpoint", srv.URL(), "--progress", "none")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "line 303: a quote opened on this line is never closed, so the 2698 lines after it (to line 3001, the end of the input) were read as part of one value and not as rows. Nothing was sent")
	assert.Empty(t, srv.Requests())

	// From standard input, the rows before it are sent, the row fails
	// naming the lines it swallowed, and the run says so and exits 1.
	out := filepath.Join(t.TempDir(), "out.jsonl")
	r = batchctl(t, contentOf(t, in), "associate", "--input", "-", "--format", "csv", "--output", out, "--endpoint", srv.URL(), "--progress", "none")
	assert.Equal(t, exitFailed, r.code)
	recs := readOutcomes(t, out, 302)
	assert.Equal(t, "InvalidInput", recs[301].Code)
	assert.Contains(t, recs[301].Message, "lines 304 to 3001 were read as part of this row")
	assert.Contains(t, r.stderr, "batchctl associate: -: line 303: a quote opened on this line is never closed, so the 2698 lines after it")
}

// TestResumeRefusesAnotherJobsOutcomes is the regression test for resuming
// associate from an update-users outcome file, which marked 2,986 items
// resumed and sent one call.
func TestResumeRefusesAnotherJobsOutcomes(t *testing.T) {
	testCredentials(t)
	chimeSrv := chimetest.NewServer()
	defer chimeSrv.Close()
	chimeSrv.AddUser("a1", "u1", chimetypes.LicenseBasic)
	users := writeFile(t, "users.csv", "AccountId,UserId,LicenseType\na1,u1,Pro\n")
	updates := filepath.Join(t.TempDir(), "updates.jsonl")
	r := batchctl(t, "", "update-users", "--input", users, "--output", updates, "--endpoint", chimeSrv.URL(), "--progress", "none")
	require.Equal(t, exitOK, r.code, r.stderr)

	srv := appstreamtest.NewServer()
	defer srv.Close()
	assoc := writeFile(t, "assoc.csv", associateCSV(3, 0, ""))
	r = batchctl(t, "", "associate", "--input", assoc, "--resume", updates, "--endpoint", srv.URL(), "--progress", "none")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--resume "+updates+": it holds the outcomes of update-users (BatchUpdateUser), not of associate")
	assert.Empty(t, srv.Requests())

	// The same command on a changed input is refused too.
	srv.AddStack("sales")
	first := filepath.Join(t.TempDir(), "first.jsonl")
	r = batchctl(t, "", "associate", "--input", assoc, "--output", first, "--endpoint", srv.URL(), "--progress", "none")
	require.Equal(t, exitFailed, r.code, r.stderr) // the users do not exist
	require.NoError(t, os.WriteFile(assoc, []byte(associateCSV(4, 0, "")), 0o600))
	srv.ResetRequests()
	r = batchctl(t, "", "associate", "--input", assoc, "--resume", first, "--endpoint", srv.URL(), "--progress", "none")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "it was written for another input ("+assoc+", 3 rows, sha256 ")
	assert.Contains(t, r.stderr, "not "+assoc+" (4 rows, sha256 ")
	assert.Empty(t, srv.Requests())
}

// TestDefaultOutcomeFile: without --output the outcomes are not thrown
// away; they go to a new file the summary names.
func TestDefaultOutcomeFile(t *testing.T) {
	testCredentials(t)
	srv := appstreamtest.NewServer()
	defer srv.Close()
	in := writeFile(t, "in.csv", associateCSV(5, 0, ""))
	r := batchctl(t, "", "associate", "--input", in, "--endpoint", srv.URL(), "--progress", "none")
	assert.Equal(t, exitFailed, r.code) // no such stack
	names, err := filepath.Glob("batchctl-associate-*.jsonl")
	require.NoError(t, err)
	require.Len(t, names, 1)
	assert.Contains(t, r.stderr, "  outcomes: "+names[0]+"\n")
	for _, rec := range readOutcomes(t, names[0], 5) {
		assert.Equal(t, "NotFound", rec.Code)
	}

	// A second run does not overwrite it.
	r = batchctl(t, "", "associate", "--input", in, "--endpoint", srv.URL(), "--progress", "none")
	assert.Equal(t, exitFailed, r.code)
	names, err = filepath.Glob("batchctl-associate-*.jsonl")
	require.NoError(t, err)
	assert.Len(t, names, 2)
}

// TestFailedRowsLoop runs a CSV and a JSONL job whose rows partly fail,
// checks that --failed-rows holds exactly those rows as written, fixes the
// cause and runs the failed rows again.
func TestFailedRowsLoop(t *testing.T) {
	testCredentials(t)
	srv := appstreamtest.NewServer()
	defer srv.Close()
	srv.AddStack("sales")
	header := "StackName,UserName,AuthenticationType\r\n"
	rows := []string{
		"sales,a@example.com,USERPOOL\r\n",
		"archive,b@example.com,USERPOOL\r\n", // no such stack yet
		"sales,\"c@example.com\",USERPOOL\r\n",
		"sales,d@example.com\r\n",           // malformed
		"sales ,e@example.com,USERPOOL\r\n", // spaces
		"archive,f@example.com,USERPOOL",    // no line end
	}
	for _, u := range []string{"a", "b", "c", "d", "e", "f"} {
		srv.AddUser(u+"@example.com", "USERPOOL")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	require.NoError(t, os.WriteFile(in, []byte(header+strings.Join(rows, "")), 0o600))
	failed := filepath.Join(dir, "failed.csv")
	summary := filepath.Join(dir, "summary.json")
	r := batchctl(t, "", "associate", "--input", in, "--failed-rows", failed, "--summary-json", summary,
		"--output", filepath.Join(dir, "out.jsonl"), "--endpoint", srv.URL(), "--progress", "none")
	require.Equal(t, exitFailed, r.code, r.stderr)
	got := contentOf(t, failed)
	assert.Equal(t, header+rows[1]+rows[3]+rows[4]+rows[5]+"\n", sortedRows(got, header), "failed rows, sorted")
	assert.Contains(t, r.stderr, "  failed rows: "+failed+" (4 rows)\n")
	fi, err := os.Stat(failed)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the failed rows hold input values")

	var doc summaryJSON
	require.NoError(t, json.Unmarshal([]byte(contentOf(t, summary)), &doc))
	assert.Equal(t, "associate", doc.Command)
	assert.Equal(t, "BatchAssociateUserStack", doc.Operation)
	assert.Equal(t, 6, doc.Items)
	assert.Equal(t, map[string]int{"Succeeded": 2, "Failed": 4, "Canceled": 0}, doc.ByStatus)
	assert.Equal(t, map[string]int{"InvalidInput": 2, "NotFound": 2}, doc.ByCode)
	assert.Equal(t, int64(1), doc.Calls)
	assert.Equal(t, exitFailed, doc.Exit)
	assert.Equal(t, filepath.Join(dir, "out.jsonl"), doc.Outcomes)

	// Fix the rows and the service, and run the failed rows again.
	srv.AddStack("archive")
	fixed := strings.NewReplacer("sales,d@example.com\r\n", "sales,d@example.com,USERPOOL\r\n", "sales ,", "sales,").Replace(got)
	require.NoError(t, os.WriteFile(failed, []byte(fixed), 0o600))
	failed2 := filepath.Join(dir, "failed2.csv")
	r = batchctl(t, "", "associate", "--input", failed, "--failed-rows", failed2, "--endpoint", srv.URL(), "--progress", "none")
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, header, contentOf(t, failed2))
	assert.Len(t, srv.Associations(), 6)

	// JSONL rows come back as written too, wrong types included.
	chimeSrv := chimetest.NewServer()
	defer chimeSrv.Close()
	chimeSrv.AddUser("a1", "u1", chimetypes.LicenseBasic)
	jsonl := `{"AccountId":"a1","UserId":"u1","LicenseType":"Pro"}` + "\n" +
		`{"AccountId":123,"UserId":"u2"}` + "\n" +
		`{"AccountId":"a1","UserId":"u3","AccountId":"a2"}` + "\n"
	in = writeFile(t, "users.jsonl", jsonl)
	r = batchctl(t, "", "update-users", "--input", in, "--failed-rows", failed, "--endpoint", chimeSrv.URL(), "--progress", "none")
	require.Equal(t, exitFailed, r.code)
	lines := strings.SplitAfter(jsonl, "\n")
	assert.ElementsMatch(t, []string{lines[1], lines[2], ""}, strings.SplitAfter(contentOf(t, failed), "\n"))
	assert.Len(t, chimeSrv.Requests(), 1, "the bad rows are never sent")
}

// sortedRows sorts the lines of a failed-rows file after its header: rows
// are written in completion order.
func sortedRows(content, header string) string {
	body := strings.TrimPrefix(content, header)
	lines := strings.SplitAfter(body, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	// Sort by the input order of the test rows: their user letter.
	key := func(s string) string {
		if i := strings.Index(s, "@example.com"); i > 0 {
			return s[i-1 : i]
		}
		return s
	}
	for i := range lines {
		for j := i + 1; j < len(lines); j++ {
			if key(lines[j]) < key(lines[i]) {
				lines[i], lines[j] = lines[j], lines[i]
			}
		}
	}
	return header + strings.Join(lines, "")
}

// TestDryRunShowsKeysReadably: a dry run of add-members names the fields
// of each call key instead of the adapter's internal encoding.
func TestDryRunShowsKeysReadably(t *testing.T) {
	const inst = "arn:aws:chime:us-east-1:111122223333:app-instance/i1"
	in := writeFile(t, "members.jsonl",
		`{"ChannelArn":"`+inst+`/channel/a","ChimeBearer":"`+inst+`/user/mod","MemberArn":"`+inst+`/user/m1"}`+"\n"+
			`{"ChannelArn":"`+inst+`/channel/a","ChimeBearer":"`+inst+`/user/mod","MemberArn":"`+inst+`/user/m2","Type":"HIDDEN","SubChannelId":"sub-1"}`+"\n")
	r := batchctl(t, "", "add-members", "--dry-run", "--input", in)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "       1        1  ChannelArn="+inst+"/channel/a ChimeBearer="+inst+"/user/mod\n")
	assert.Contains(t, r.stdout, "       1        1  ChannelArn="+inst+"/channel/a ChimeBearer="+inst+"/user/mod Type=HIDDEN SubChannelId=sub-1\n")
	assert.NotContains(t, r.stdout, "|")
}

// TestConnectionRefusedEndsAtOnce is the regression test for a wrong
// endpoint that took 16 s of retries for 59 items: the first call that
// cannot connect, before any call was answered, ends the run with one
// message, and every item is canceled, not failed as Unavailable.
func TestConnectionRefusedEndsAtOnce(t *testing.T) {
	testCredentials(t)
	// One attempt per call, so the test does not wait for the SDK's
	// backoff (about 3 s of it): the run ends after the first call either
	// way.
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	endpoint := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now

	// --endpoint wins over the SDK's variable for the service.
	kit := appstreamtest.NewServer()
	defer kit.Close()
	t.Setenv("AWS_ENDPOINT_URL_APPSTREAM", kit.URL())

	in := writeFile(t, "in.csv", associateCSV(59, 0, ""))
	out := filepath.Join(t.TempDir(), "out.jsonl")
	r := batchctl(t, "", "associate", "--input", in, "--output", out, "--endpoint", endpoint, "--progress", "none", "--concurrency", "1")
	assert.Empty(t, kit.Requests(), "--endpoint is not the kit")
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "batchctl associate: no call could connect to "+endpoint+" (connection refused): stopped at once")
	assert.Equal(t, 1, strings.Count(r.stderr, "connection refused"), "one message:\n%s", r.stderr)
	assert.Contains(t, r.stderr, "59 items: 0 succeeded, 0 failed, 59 canceled\n")
	assert.Contains(t, r.stderr, "  1 call, ", "the first call that cannot connect ends the run")
	for _, rec := range readOutcomes(t, out, 59) {
		assert.Equal(t, "Canceled", rec.Status)
	}
}

func TestConnWatch(t *testing.T) {
	refused := &batch.Error{Code: batch.CodeUnavailable, Err: &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	var cause error
	w := &connWatch{cancel: func(err error) { cause = err }}
	w.onCall(batch.CallInfo{})                         // sent
	w.onCall(batch.CallInfo{Done: true, Err: refused}) // not connected, nothing answered yet
	assert.ErrorAs(t, cause, new(*noConnectionError))
	assert.ErrorIs(t, cause, syscall.ECONNREFUSED)

	cause = nil
	w = &connWatch{cancel: func(err error) { cause = err }}
	w.onCall(batch.CallInfo{Done: true, Err: &batch.Error{Code: batch.CodeThrottled}}) // answered
	w.onCall(batch.CallInfo{Done: true, Err: refused})
	assert.NoError(t, cause, "once a call was answered, connection errors are retried")
}

func TestWatchSignals(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	var (
		cause    error
		exitCode = -1
		stderr   bytes.Buffer
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		watchSignals(sigs, func(err error) { cause = err }, &stderr, func(code int) { exitCode = code })
	}()
	sigs <- syscall.SIGTERM
	sigs <- os.Interrupt
	<-done
	assert.Equal(t, interrupted{"SIGTERM"}, cause, "the first signal cancels the run")
	assert.Equal(t, exitInterrupted, exitCode, "the second exits at once")
	assert.Contains(t, stderr.String(), "SIGTERM: stopping (interrupt again to quit at once)")
	assert.Contains(t, stderr.String(), "SIGINT again: quitting at once")
}

func TestSetBatchOptions(t *testing.T) {
	for _, tc := range []struct {
		o       options
		rate    float64
		fixed   bool
		ceiling float64
	}{
		{options{}, 0, false, 0},
		{options{rate: 5}, 5, false, 0},
		{options{maxRate: 20}, 0, false, 20},
		{options{rate: 5, maxRate: 20}, 5, false, 20},
		{options{maxRate: 20, fixedRate: true}, 20, true, 20},
	} {
		var bo batch.Options
		setBatchOptions(&bo, &tc.o)
		assert.Equal(t, tc.rate, bo.Rate, "%+v: Rate", tc.o)
		assert.Equal(t, tc.fixed, bo.FixedRate, "%+v: FixedRate", tc.o)
		assert.Equal(t, tc.ceiling, bo.MaxRate, "%+v: MaxRate", tc.o)
	}
	var bo batch.Options
	setBatchOptions(&bo, &options{concurrency: 3, maxAttempts: 2})
	assert.Equal(t, batch.Options{MaxInFlight: 3, MaxAttempts: 2}, bo, "zero flags keep the library's defaults, the retry budget's included")
}

// TestProfileFlag: --profile picks credentials and region from the shared
// files.
func TestProfileFlag(t *testing.T) {
	testCredentials(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", writeFile(t, "config", "[profile ops]\nregion = eu-west-1\n"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", writeFile(t, "credentials",
		"[ops]\naws_access_key_id = "+appstreamtest.AccessKeyID+"\naws_secret_access_key = "+appstreamtest.SecretAccessKey+"\n"))
	// The kit verifies the region as AWS does: it serves the profile's.
	srv := appstreamtest.NewServer(func(o *appstreamtest.Options) { o.Region = "eu-west-1" })
	defer srv.Close()
	srv.AddStack("sales")
	srv.AddUser("user0000@example.com", "USERPOOL")
	in := writeFile(t, "in.csv", associateCSV(1, 0, ""))
	out := filepath.Join(dir, "out.jsonl")
	r := batchctl(t, "", "associate", "--input", in, "--output", out, "--profile", "ops", "--endpoint", srv.URL(), "--progress", "none")
	assert.Equal(t, exitOK, r.code, r.stderr)
	require.NotEmpty(t, srv.Requests())
	assert.Contains(t, srv.Requests()[0].Header.Get("Authorization"), "/eu-west-1/appstream/", "signed for the profile's region")

	r = batchctl(t, "", "associate", "--input", in, "--profile", "nobody", "--endpoint", srv.URL(), "--progress", "none")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "nobody")
}

// TestFakeRehearsal starts batchctl fake with a job's state, takes its
// exports into the environment and runs the job against it without
// --endpoint.
func TestFakeRehearsal(t *testing.T) {
	testCredentials(t)
	in := writeFile(t, "users.csv", associateCSV(120, 0, ""))
	envFile := filepath.Join(t.TempDir(), "fake.env")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var fakeErr bytes.Buffer
	code := make(chan int, 1)
	go func() {
		defer pw.Close()
		code <- mainWith(ctx, []string{"fake", "--state", "associate=" + in, "--item-failure-rate", "0.1", "--env-file", envFile},
			&env{stdout: pw, stderr: &fakeErr, progressEvery: time.Hour})
	}()
	sc := bufio.NewScanner(pr)
	var exports []string
	for sc.Scan() {
		exports = append(exports, sc.Text())
		if strings.HasPrefix(sc.Text(), "export AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING=") {
			break
		}
	}
	go io.Copy(io.Discard, pr) // whatever else it prints
	assert.Equal(t, strings.Join(exports, "\n")+"\n", contentOf(t, envFile), "the env file holds the same exports")
	for _, line := range exports {
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok && strings.HasPrefix(line, "export ") {
			t.Setenv(k, strings.Trim(v, "'"))
		}
	}
	assert.Contains(t, exports, "export AWS_ACCESS_KEY_ID="+appstreamtest.AccessKeyID)
	assert.Contains(t, exports, "unset AWS_SESSION_TOKEN AWS_PROFILE")

	out := filepath.Join(t.TempDir(), "out.jsonl")
	r := batchctl(t, "", "associate", "--input", in, "--output", out, "--progress", "none", "--max-attempts", "10")
	assert.Equal(t, exitOK, r.code, r.stderr)
	for _, rec := range readOutcomes(t, out, 120) {
		assert.Equal(t, "Succeeded", rec.Status)
	}
	cancel()
	assert.Equal(t, exitOK, <-code)
	assert.Contains(t, fakeErr.String(), "seeded the kits with what the 120 items of "+in+" need")
}

func TestShellQuote(t *testing.T) {
	assert.Equal(t, "http://127.0.0.1:4242", shellQuote("http://127.0.0.1:4242"))
	assert.Equal(t, `'it'\''s'`, shellQuote("it's"))
	assert.Equal(t, "''", shellQuote(""))
	assert.Equal(t, "'a b'", shellQuote("a b"))
}

func TestVersionString(t *testing.T) {
	assert.True(t, strings.HasPrefix(versionString(), "batchctl "), versionString())
	version = "v9.9.9"
	defer func() { version = "" }()
	assert.True(t, strings.HasPrefix(versionString(), "batchctl v9.9.9"), versionString())
}

func TestLinesList(t *testing.T) {
	assert.Equal(t, "(line 3)", linesList([]int{3}))
	assert.Equal(t, "(lines 1, 2, 3, 4, 5 and 2 more)", linesList([]int{1, 2, 3, 4, 5, 6, 7}))
}
