package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/appstream/appstreamtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var lineRE = regexp.MustCompile(`^bench (\S+) (\S+) items_per_s=(\d+) ratio=(\d+\.\d\d) throttled=(\d+) lost=(\d+) calls=(\d+)$`)

// parsed is one machine-readable line.
type parsed struct {
	scenario, strategy     string
	throttled, lost, calls int64
}

// parseLines checks every stdout line against the documented format.
func parseLines(t *testing.T, out string) []parsed {
	t.Helper()
	var lines []parsed
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		m := lineRE.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %q does not match the format %s", l, lineRE)
		}
		thr, err1 := strconv.ParseInt(m[5], 10, 64)
		lost, err2 := strconv.ParseInt(m[6], 10, 64)
		calls, err3 := strconv.ParseInt(m[7], 10, 64)
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		lines = append(lines, parsed{scenario: m[1], strategy: m[2], throttled: thr, lost: lost, calls: calls})
	}
	return lines
}

// collateral counts the items a hand-rolled loop fails in the poison
// scenario: every item of a chunk holding a poison item.
func collateral(items, perCall int, poison []int) int {
	n := 0
	for lo := 0; lo < items; lo += perCall {
		hi := min(lo+perCall, items)
		if slices.ContainsFunc(poison, func(i int) bool { return i >= lo && i < hi }) {
			n += hi - lo
		}
	}
	return n
}

// expect reports a mismatch, got before want.
func expect[V comparable](t *testing.T, what string, got, want V) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// testQuick runs every scenario and strategy in --quick mode and checks
// the output format and the accounting of each run.
func testQuick(t *testing.T, args ...string) {
	var stdout, stderr bytes.Buffer
	results, err := run(context.Background(), append([]string{"--quick"}, args...), &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	t.Log("\n" + stdout.String() + stderr.String())

	lines := parseLines(t, stdout.String())
	names := defaultScenarioNames()
	want := len(names) * len(allStrategies)
	if len(results) != want || len(lines) != want {
		t.Fatalf("got %d results and %d lines, want %d of each", len(results), len(lines), want)
	}
	for i, r := range results {
		sc, _ := findScenario(names[i/len(allStrategies)])
		strat := allStrategies[i%len(allStrategies)]
		name := sc.name + " " + strat
		l := lines[i]
		expect(t, fmt.Sprintf("line %d scenario and strategy", i), l.scenario+" "+l.strategy, name)
		expect(t, name+": lost in the line", l.lost, int64(r.lost))
		expect(t, name+": throttled in the line", l.throttled, r.throttled)
		expect(t, name+": calls (requests sent) in the line", l.calls, r.requests)

		expect(t, name+": succeeded+failed+lost", r.succeeded+r.failed+r.lost, r.items)
		expect(t, name+": items applied by the service", r.applied, r.succeeded)
		expect(t, name+": requests in the kit's log", int64(r.logRequests), r.requests)
		if r.logRequests <= 0 {
			t.Errorf("%s: the request log was not checked (%d entries)", name, r.logRequests)
		}
		if len(r.problems) > 0 {
			t.Errorf("%s: problems %q", name, r.problems)
		}
		if r.throttledCalls > r.calls || r.throttled > r.requests {
			t.Errorf("%s: %d of %d calls and %d of %d requests throttled", name, r.throttledCalls, r.calls, r.throttled, r.requests)
		}
		if !sc.quota {
			expect(t, name+": throttled requests without a quota", r.throttled, 0)
		}
		if got := len(r.poison) > 0; got != (sc.poisonRate > 0) {
			t.Errorf("%s: %d poison items", name, len(r.poison))
		}

		switch {
		case strat == stratRunner:
			expect(t, name+": lost", r.lost, 0)
			expect(t, name+": failed (only the poison items may fail)", r.failed, len(r.poison))
			if r.runner == nil {
				t.Fatalf("%s: no runner stats", name)
			}
			if r.runner.err != nil {
				t.Errorf("%s: run error %v", name, r.runner.err)
			}
			expect(t, name+": calls made", r.calls, int64(r.runner.stats.Calls))
		case sc.poisonRate > 0:
			// Without bisection a poison item fails its whole chunk, for good.
			expect(t, name+": failed", r.failed, collateral(r.items, r.perCall, r.poison))
			expect(t, name+": lost", r.lost, 0)
		case sc.itemFailureRate > 0:
			// Each item is sent once and draws once from the seeded plan,
			// so the failures are the same from run to run.
			if r.lost == 0 {
				t.Errorf("%s: no item lost", name)
			}
			expect(t, name+": failed", r.failed, 0)
		}
		if strat != stratRunner {
			expect(t, name+": calls", r.calls, int64((r.items+r.perCall-1)/r.perCall))
		}
	}
}

func TestQuickAppStream(t *testing.T) {
	t.Parallel()
	testQuick(t)
}

func TestQuickChime(t *testing.T) {
	t.Parallel()
	testQuick(t, "--service", "chime")
}

func TestTrace(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	_, err := run(context.Background(), []string{"--quick", "--trace", "--scenarios", "quota-halves", "--strategies", "runner,errgroup"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	lines := parseLines(t, stdout.String())
	if len(lines) != 2 || lines[0].strategy != "runner" || lines[1].strategy != "errgroup" {
		t.Fatalf("lines %+v, want runner then errgroup", lines)
	}
	// The quota halves once per run, whatever the timing.
	expect(t, "quota changes traced", strings.Count(stderr.String(), "quota=100/s after"), 2)
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if !strings.HasPrefix(l, "# ") && !strings.HasPrefix(l, "trace quota-halves ") {
			t.Errorf("stderr line %q is neither a note nor a trace", l)
		}
	}
}

func TestFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string // in the error
	}{
		{args: []string{"--scenarios", "nope"}, want: `unknown scenario "nope"`},
		{args: []string{"--scenario", "nope"}, want: `unknown scenario "nope"`},
		{args: []string{"--strategies", "pool"}, want: `unknown strategy "pool"`},
		{args: []string{"--scenarios", ","}, want: "no scenario"},
		{args: []string{"--service", "wickr"}, want: `unknown service "wickr"`},
		{args: []string{"--concurrency", "0"}, want: "--concurrency"},
		{args: []string{"--quota", "0"}, want: "--quota"},
		{args: []string{"--items", "-1"}, want: "--items"},
		{args: []string{"--latency", "-1s"}, want: "--latency"},
		{args: []string{"--burst", "-1"}, want: "--burst"},
		{args: []string{"extra"}, want: "unexpected arguments"},
		{args: []string{"--scenario", "quota", "--strategies", "runner-shared"}, want: "scenario quota runs none of the strategies named"},
		{args: []string{"--scenario", "shared-quota", "--strategies", "runner"}, want: "scenario shared-quota runs none of the strategies named"},
		{args: []string{"--scenario", "shared-quota", "--service", "chime"}, want: "appstream kit only"},
		{args: []string{"--bogus"}, want: "bogus"},
	} {
		_, err := parseFlags(tt.args, io.Discard)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseFlags(%q) = %v, want a usage error containing %q", tt.args, err, tt.want)
		}
	}

	if _, err := parseFlags([]string{"--help"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("parseFlags(--help) = %v, want flag.ErrHelp", err)
	}

	cfg, err := parseFlags([]string{"--quick", "--quota", "50", "--scenarios", " quota , poison"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "scenarios", strings.Join(cfg.scenarios, ","), "quota,poison")
	expect(t, "strategies (none named: each scenario's own)", strings.Join(cfg.strategies, ","), "")
	expect(t, "quota (an explicit flag beats --quick)", cfg.quota, 50.0)
	expect(t, "items", cfg.items, quickItems)
	expect(t, "latency", cfg.latency, quickLatency)
	expect(t, "burst (defaults to the concurrency)", cfg.burst, cfg.concurrency)
	expect(t, "keepLog with --quick", cfg.keepLog, true)

	cfg, err = parseFlags([]string{"--scenario", "quota-low"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "--scenario", strings.Join(cfg.scenarios, ","), "quota-low")

	cfg, err = parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "default scenarios", strings.Join(cfg.scenarios, ","), strings.Join(defaultScenarioNames(), ","))
	if slices.Contains(cfg.scenarios, "shared-quota") {
		t.Errorf("shared-quota runs by default; it needs Redis and runs only when named")
	}
	sq, _ := findScenario("shared-quota")
	expect(t, "shared-quota's strategies", strings.Join(cfg.runs(sq), ","), strings.Join(sharedStrategies, ","))
	q, _ := findScenario("quota")
	expect(t, "quota's strategies", strings.Join(cfg.runs(q), ","), strings.Join(allStrategies, ","))
	expect(t, "keepLog in a full run", cfg.keepLog, false)
}

func TestIdeal(t *testing.T) {
	cfg := &config{concurrency: 8, latency: 20 * time.Millisecond, quota: 100}
	for _, tt := range []struct {
		quota float64
		sc    scenario
		want  float64
	}{
		{100, scenario{}, 8 / 0.02 * 25},                                  // no quota: concurrency-bound
		{100, scenario{quota: true}, 100 * 25},                            // quota below 400 calls/s
		{100, scenario{quota: true, change: 0.5}, 2500 / 1.5},             // half the items at 100, half at 50
		{100, scenario{quota: true, change: 2}, 25 / (0.5/100 + 0.5/200)}, // half at 100, half at 200
		{100, scenario{quota: true, quotaShare: 0.05}, 5 * 25},            // a twentieth of the quota
		{100, scenario{quota: true, change: 8}, 25 / (0.5/100 + 0.5/400)}, // half at 100, half bound by concurrency
		{1000, scenario{quota: true}, 8 / 0.02 * 25},                      // quota above what the concurrency sends
		{1000, scenario{quota: true, runners: 4}, 1000 * 25},              // 4 runners of 8 send 1,600 calls/s
	} {
		cfg.quota = tt.quota
		if got := tt.sc.ideal(cfg, 25); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("ideal(%+v, quota %v) = %v, want %v", tt.sc, tt.quota, got, tt.want)
		}
	}
}

func TestPoisonIndexes(t *testing.T) {
	got := poisonIndexes(1000, 0.005, 7)
	if len(got) != 5 || !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != 5 {
		t.Errorf("poisonIndexes(1000, 0.005, 7) = %v, want 5 distinct sorted indexes", got)
	}
	if again := poisonIndexes(1000, 0.005, 7); !slices.Equal(again, got) {
		t.Errorf("poisonIndexes is not deterministic: %v, then %v", got, again)
	}
	expect(t, "poison items at a tiny rate", len(poisonIndexes(10, 0.001, 1)), 1)
	expect(t, "poison items at rate 0", len(poisonIndexes(10, 0, 1)), 0)
}

func TestChunks(t *testing.T) {
	a := appstream.New(nil, appstream.Associate)
	var got []string
	for _, c := range chunks(a, make([]appstream.Association, 60)) {
		got = append(got, fmt.Sprintf("%q[%d:%d]", c.key, c.lo, c.hi))
	}
	expect(t, "chunks", strings.Join(got, " "), `""[0:25] ""[25:50] ""[50:60]`)
}

func TestIsThrottle(t *testing.T) {
	for _, tt := range []struct {
		status int
		header string
		body   string
		want   bool
	}{
		{429, "ThrottledClientException", `{"Code":"Throttled"}`, true},
		{429, "", "", true},
		{400, "", `{"__type":"ThrottlingException","message":"rate exceeded"}`, true},
		{400, "", `{"__type":"com.amazonaws.appstream#ThrottlingException"}`, true},
		{400, "ThrottlingException:http://internal.amazon.com/", "{}", true},
		{400, "", `{"__type":"InvalidParameterCombinationException"}`, false},
		{400, "BadRequestException", `{"__type":"ThrottlingException"}`, false},
		{400, "", `not json`, false},
		{500, "", `{"__type":"ThrottlingException"}`, false},
		{200, "", `{"__type":"ThrottlingException"}`, false},
	} {
		resp := &http.Response{StatusCode: tt.status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(tt.body))}
		if tt.header != "" {
			resp.Header.Set("X-Amzn-ErrorType", tt.header)
		}
		if got := isThrottle(resp); got != tt.want {
			t.Errorf("isThrottle(%d, %q, %q) = %v, want %v", tt.status, tt.header, tt.body, got, tt.want)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil || string(body) != tt.body {
			t.Errorf("after isThrottle(%d, %q, %q) the body reads %q, %v", tt.status, tt.header, tt.body, body, err)
		}
	}
}

// TestCountersMatchLog checks the client-side counters against the kit's
// request log when all but the first request are throttled, so the throttle
// path is covered whatever the timing.
func TestCountersMatchLog(t *testing.T) {
	k := newAppStreamKit(kitSpec{items: 50, keepLog: true, faults: appstreamtest.Faults{Quota: 1e-9, QuotaBurst: 1}})
	defer k.close()
	fates, err := runErrgroup(context.Background(), k.adapter, k.items, strategyRun{concurrency: 2, done: func(int) {}})
	if err != nil {
		t.Fatal(err)
	}
	// The bucket holds one token: one call goes through, the other is
	// throttled on every attempt and its items are lost.
	expect(t, "succeeded", count(fates, fateSucceeded), 25)
	expect(t, "lost", count(fates, fateLost), 25)
	r := &result{items: len(k.items), succeeded: 25, requests: k.meter.requests.Load(), throttled: k.meter.throttled.Load()}
	if p := check(r, k, len(fates)); len(p) > 0 {
		t.Errorf("check: %q", p)
	}
	expect(t, "calls", k.meter.calls.Load(), 2)
	expect(t, "throttled calls", k.meter.throttledCalls.Load(), 1)
	expect(t, "throttled requests", r.throttled, r.requests-1)
	if r.throttled < 2 {
		t.Errorf("throttled requests = %d, want the SDK to retry the throttled call", r.throttled)
	}
}

func count(fates []fate, f fate) int {
	n := 0
	for _, x := range fates {
		if x == f {
			n++
		}
	}
	return n
}
