package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// TestSharedQuotaNeedsRedis: without BATCHKIT_REDIS_ADDR the shared-quota
// scenario fails before it runs anything, saying how to start a server.
func TestSharedQuotaNeedsRedis(t *testing.T) {
	t.Setenv(redisAddrEnv, "")
	var stdout, stderr bytes.Buffer
	_, err := run(context.Background(), []string{"--quick", "--scenario", "shared-quota"}, &stdout, &stderr)
	if err == nil {
		t.Fatal("run succeeded without a Redis server")
	}
	for _, want := range []string{redisAddrEnv + " is not set", "redis-server --port 6390", redisAddrEnv + "=127.0.0.1:6390"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	expect(t, "lines written", stdout.String(), "")

	// runner-local alone needs no Redis: the check passes.
	cfg, err := parseFlags([]string{"--scenario", "shared-quota", "--strategies", "runner-local"}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkShared(cfg); err != nil {
		t.Errorf("checkShared without runner-shared: %v", err)
	}
}

// TestSharedQuota runs the shared-quota scenario in --quick mode: 4 runner
// processes per strategy against one kit, then checks the lines and the
// accounting. It needs a Redis server (BATCHKIT_REDIS_ADDR), like
// redislimit's tests: skipped without one, except in CI (CI=true), where
// that fails. The figures themselves depend on timing and are not checked.
func TestSharedQuota(t *testing.T) {
	if os.Getenv(redisAddrEnv) == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(redisAddrEnv + " is not set: CI must run a Redis server for the shared-quota scenario (see .ci/run)")
		}
		t.Skip(redisAddrEnv + " is not set: " + redisHelp)
	}
	var stdout, stderr bytes.Buffer
	results, err := run(context.Background(), []string{"--quick", "--scenario", "shared-quota"}, &stdout, &stderr)
	t.Log("\n" + stdout.String() + stderr.String())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	lines := parseLines(t, stdout.String())
	if len(results) != 2 || len(lines) != 2 {
		t.Fatalf("got %d results and %d lines, want 2 of each", len(results), len(lines))
	}
	for i, r := range results {
		name := "shared-quota " + sharedStrategies[i]
		l := lines[i]
		expect(t, "line scenario and strategy", l.scenario+" "+l.strategy, name)
		expect(t, name+": lost in the line", l.lost, int64(r.lost))
		expect(t, name+": throttled in the line", l.throttled, r.throttled)
		expect(t, name+": calls in the line", l.calls, r.requests)
		expect(t, name+": runners", r.runners, 4)
		expect(t, name+": succeeded", r.succeeded, r.items)
		expect(t, name+": lost", r.lost, 0)
		expect(t, name+": items applied by the service", r.applied, r.succeeded)
		expect(t, name+": requests in the kit's log", int64(r.logRequests), r.requests)
		if len(r.problems) > 0 {
			t.Errorf("%s: problems %q", name, r.problems)
		}
		if r.runner == nil || r.runner.err != nil {
			t.Errorf("%s: runner stats %+v", name, r.runner)
		}
		// Each of the 4 runners sends its share in calls of up to 25.
		if min := int64(4 * ((r.items/4 + r.perCall - 1) / r.perCall)); r.calls < min || r.requests < r.calls {
			t.Errorf("%s: %d calls and %d requests, want at least %d calls and no fewer requests", name, r.calls, r.requests, min)
		}
		if r.throttled > r.requests || r.elapsed <= 0 {
			t.Errorf("%s: %d of %d requests throttled in %v", name, r.throttled, r.requests, r.elapsed)
		}
	}
}
