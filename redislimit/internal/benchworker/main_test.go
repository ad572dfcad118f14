package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/appstream/appstreamtest"
	"github.com/batchkit/batchkit/internal/benchjob"
)

// testJob returns a job for n items against a fresh kit, and the kit.
func testJob(t *testing.T, n int, limiter string) (benchjob.Job, *appstreamtest.Server) {
	t.Helper()
	srv := appstreamtest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddStack("stack")
	j := benchjob.Job{
		URL: srv.URL(), Region: appstreamtest.Region,
		AccessKeyID: appstreamtest.AccessKeyID, SecretAccessKey: appstreamtest.SecretAccessKey,
		Limiter: limiter, Concurrency: 4, TTL: time.Minute,
	}
	for i := range n {
		a := appstream.Association{StackName: "stack", UserName: fmt.Sprintf("user%d@example.com", i), AuthenticationType: appstreamtypes.AuthenticationTypeUserpool}
		srv.AddUser(a.UserName, a.AuthenticationType)
		j.Items = append(j.Items, a)
	}
	return j, srv
}

// runJob runs the worker on j as the bench does and returns its report.
func runJob(t *testing.T, j benchjob.Job) benchjob.Report {
	t.Helper()
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	stdin := io.MultiReader(bytes.NewReader(append(b, '\n')), strings.NewReader("go\n"))
	var stdout, stderr bytes.Buffer
	if err := work(context.Background(), stdin, &stdout, &stderr); err != nil {
		t.Fatalf("work: %v\nstderr:\n%s", err, stderr.String())
	}
	out := bufio.NewReader(&stdout)
	if line, _ := out.ReadString('\n'); line != "ready\n" {
		t.Fatalf("first line %q, want ready", line)
	}
	var r benchjob.Report
	if err := json.NewDecoder(out).Decode(&r); err != nil {
		t.Fatalf("decoding the report: %v", err)
	}
	return r
}

func checkReport(t *testing.T, r benchjob.Report, n int) {
	t.Helper()
	if r.Succeeded != n || r.Failed != 0 || r.Lost != 0 || len(r.Problems) > 0 || r.Err != "" {
		t.Errorf("report %+v, want %d items succeeded and nothing else", r, n)
	}
	if r.Stats.Calls < (n+24)/25 || !r.End.After(r.Start) {
		t.Errorf("report %+v: too few calls, or no time", r)
	}
}

func TestWorkLocal(t *testing.T) {
	j, srv := testJob(t, 60, benchjob.LimiterLocal)
	checkReport(t, runJob(t, j), 60)
	if got := len(srv.Associations()); got != 60 {
		t.Errorf("the kit holds %d associations, want 60", got)
	}
}

// TestWorkShared needs a Redis server (BATCHKIT_REDIS_ADDR), like the
// module's other tests.
func TestWorkShared(t *testing.T) {
	addr := os.Getenv("BATCHKIT_REDIS_ADDR")
	if addr == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("BATCHKIT_REDIS_ADDR is not set: CI must run a Redis server for redislimit (see .ci/run)")
		}
		t.Skip("BATCHKIT_REDIS_ADDR is not set: start a server, e.g. redis-server --port 6390 --save '' --appendonly no --daemonize yes, and set BATCHKIT_REDIS_ADDR=127.0.0.1:6390")
	}
	j, _ := testJob(t, 60, benchjob.LimiterShared)
	j.RedisAddr, j.Key = addr, "batchkit:test:benchworker:"+strconv.FormatInt(time.Now().UnixNano(), 36)
	checkReport(t, runJob(t, j), 60)
}

func TestWorkBadJob(t *testing.T) {
	for _, tt := range []struct {
		stdin, want string
	}{
		{"", "reading the job"},
		{"{not json\n", "decoding the job"},
		{`{"Limiter":"nope"}` + "\n", `unknown limiter "nope"`},
	} {
		err := work(context.Background(), strings.NewReader(tt.stdin), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("work(%q) = %v, want an error containing %q", tt.stdin, err, tt.want)
		}
	}
}
