package main

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/progress"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestJobAccountsForEveryItem runs the whole job with small counts and
// checks the accounting and the table it prints.
func TestJobAccountsForEveryItem(t *testing.T) {
	const items = 150
	var out bytes.Buffer
	res, err := run(context.Background(), config{Items: items, Seed: 7, Out: &out, ProgressEvery: time.Hour, QuotaScale: 10})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, &out)
	}
	if !res.ok() {
		t.Fatalf("accounting problems:\n%s", &out)
	}
	lifecycleOps := []string{"BatchLookupUserUname", "BatchToggleUserSuspendStatus", "BatchReinviteUser", "BatchResetDevicesForUser", "BatchDeleteUser"}
	wantOps := slices.Concat([]string{"BatchAssociateUserStack", "BatchDisassociateUserStack", "BatchUpdateUser", "BatchCreateUser"},
		lifecycleOps, []string{"BatchCreateChannelMembership"})
	var gotOps []string
	for _, r := range res.Reports {
		gotOps = append(gotOps, r.Operation)
	}
	for _, op := range wantOps {
		if !slices.Contains(gotOps, op) {
			t.Errorf("operations = %v, missing %s", gotOps, op)
		}
	}
	// The Wickr lifecycle works on a tenth of the users created, with one
	// invalid item and two missing ones; two users cannot be invited again.
	subjects := len(lifecycleSubjects(kinds(items)))
	for _, r := range res.Reports {
		if !slices.Contains(lifecycleOps, r.Operation) {
			continue
		}
		want := map[batch.Code]int{batch.CodeInvalidInput: 1, batch.CodeNotFound: 2}
		if r.Operation == "BatchReinviteUser" {
			want[batch.CodeConflict] = reinviteActive(subjects)
		}
		failed := 0
		for _, n := range want {
			failed += n
		}
		n := subjects + lifecycleBad
		if r.Operation == "BatchResetDevicesForUser" {
			n = min(subjects, resetUsers)*devicesPerUser + lifecycleBad
		}
		if subjects != items/10 || r.Items != n || r.Succeeded != n-failed || !mapsEqual(r.ByCode, want) || r.Calls < 1 {
			t.Errorf("%s: items %d, succeeded %d, by code %v, calls %d; want %d, %d, %v, at least 1",
				r.Operation, r.Items, r.Succeeded, r.ByCode, r.Calls, n, n-failed, want)
		}
	}
	for _, r := range res.Reports {
		if slices.Contains(lifecycleOps, r.Operation) {
			continue // checked above
		}
		// Three invalid and three poison items fail with InvalidInput and
		// three missing ones with NotFound; retryable failures are retried
		// until they succeed.
		want := map[batch.Code]int{batch.CodeInvalidInput: 6, batch.CodeNotFound: 3}
		if r.Items != items || r.Succeeded != items-badItems || !mapsEqual(r.ByCode, want) {
			t.Errorf("%s: items %d, succeeded %d, by code %v; want %d, %d, %v",
				r.Operation, r.Items, r.Succeeded, r.ByCode, items, items-badItems, want)
		}
		// Every operation spreads its items over at least four keys or
		// calls, and bisects three poison items.
		if r.Calls < 4 || r.Elapsed <= 0 {
			t.Errorf("%s: %d calls in %v, want at least 4 calls and a positive duration", r.Operation, r.Calls, r.Elapsed)
		}
	}

	rows := tableRows(t, out.String())
	if len(res.Reports) != len(wantOps) || len(rows) != len(res.Reports) {
		t.Fatalf("%d reports and %d table rows, want %d:\n%s", len(res.Reports), len(rows), len(wantOps), &out)
	}
	for i, r := range res.Reports {
		row := rows[i]
		want := []string{r.Operation, strconv.Itoa(r.Items), strconv.Itoa(r.Succeeded), failedByCode(r.ByCode),
			strconv.Itoa(r.Calls), strconv.Itoa(r.Retries), strconv.Itoa(r.Throttled)}
		if got := row[:7]; !slices.Equal(got, want) {
			t.Errorf("row %d = %q, want %q", i, got, want)
		}
		if ips, err := strconv.ParseFloat(row[8], 64); err != nil || ips <= 0 {
			t.Errorf("row %d: items/s %q, want a positive number", i, row[8])
		}
	}
	if !strings.Contains(out.String(), "every item has exactly one outcome") {
		t.Errorf("output lacks the verdict:\n%s", &out)
	}
	if !strings.Contains(out.String(), "progress: ") || strings.Contains(out.String(), "\r") {
		t.Errorf("output to a non-terminal should hold plain progress lines and no carriage returns:\n%s", &out)
	}
}

// tableRows parses the rows of the table after its header into nine cells
// each, the failed-by-code cell holding spaces.
func tableRows(t *testing.T, out string) [][]string {
	t.Helper()
	lines := strings.Split(out, "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "operation ") })
	if start < 0 {
		t.Fatalf("no table header in:\n%s", out)
	}
	var rows [][]string
	for _, l := range lines[start+1:] {
		f := strings.Fields(l)
		if len(f) < 9 {
			break
		}
		n := len(f)
		row := append(f[:3:3], strings.Join(f[3:n-5], " "))
		rows = append(rows, append(row, f[n-5:]...))
	}
	return rows
}

func mapsEqual(got, want map[batch.Code]int) bool {
	for c, n := range got {
		if want[c] != n {
			return false
		}
	}
	for c, n := range want {
		if got[c] != n {
			return false
		}
	}
	return true
}

func TestMainExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"-items", "0"}, 2},
		{[]string{"-nosuchflag"}, 2},
		{[]string{"extra"}, 2},
		{[]string{"-items", "12", "-seed", "3"}, 0},
	} {
		var out, errOut bytes.Buffer
		if got := mainWith(context.Background(), tc.args, &out, &errOut, nil); got != tc.want {
			t.Errorf("mainWith(%q) = %d, want %d\nstdout:\n%s\nstderr:\n%s", tc.args, got, tc.want, &out, &errOut)
		}
	}
}

// TestMainCanceledFails checks that an interrupted job does not exit 0: the
// items it never sent are accounted for, but the run ended early.
func TestMainCanceledFails(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	if got := mainWith(ctx, []string{"-items", "30"}, &out, &errOut, nil); got != 1 {
		t.Errorf("mainWith on a canceled context = %d, want 1\n%s", got, &out)
	}
	if !strings.Contains(out.String(), "the run ended early") {
		t.Errorf("output does not say the runs ended early:\n%s", &out)
	}
}

type item struct{}

func outcomes(statuses ...batch.Status) []batch.Outcome[item, struct{}] {
	out := make([]batch.Outcome[item, struct{}], len(statuses))
	for i, s := range statuses {
		out[i] = batch.Outcome[item, struct{}]{Index: i, Status: s}
		if s != batch.StatusSucceeded {
			out[i].Err = &batch.Error{Code: batch.CodeNotFound}
		}
	}
	return out
}

func TestAccountFindsProblems(t *testing.T) {
	ok, failed := batch.StatusSucceeded, batch.StatusFailed
	tests := []struct {
		name   string
		n      int
		rep    *batch.Report[item, struct{}]
		hooked []int
		want   string // a substring of some problem; "" for none
	}{
		{"clean", 3, &batch.Report[item, struct{}]{Outcomes: outcomes(ok, failed, ok), Succeeded: 2, Failed: 1}, []int{1, 1, 1}, ""},
		{"missing outcome", 3, &batch.Report[item, struct{}]{Outcomes: outcomes(ok, ok), Succeeded: 2}, []int{1, 1, 0}, "item 2 has 0 outcomes in the report"},
		{"duplicate index", 2, &batch.Report[item, struct{}]{Outcomes: []batch.Outcome[item, struct{}]{
			{Index: 0, Status: ok}, {Index: 0, Status: ok}}, Succeeded: 2}, []int{1, 1}, "item 0 has 2 outcomes in the report"},
		{"index out of range", 1, &batch.Report[item, struct{}]{Outcomes: []batch.Outcome[item, struct{}]{
			{Index: 5, Status: ok}}, Succeeded: 1}, []int{1}, "outside the input"},
		{"hook twice", 2, &batch.Report[item, struct{}]{Outcomes: outcomes(ok, ok), Succeeded: 2}, []int{2, 1}, "item 0 has 2 OnOutcome calls"},
		{"success with error", 1, &batch.Report[item, struct{}]{Outcomes: []batch.Outcome[item, struct{}]{
			{Index: 0, Status: ok, Err: &batch.Error{Code: batch.CodeInternal}}}, Succeeded: 1}, []int{1}, "succeeded with an error"},
		{"failure without error", 1, &batch.Report[item, struct{}]{Outcomes: []batch.Outcome[item, struct{}]{
			{Index: 0, Status: failed}}, Failed: 1}, []int{1}, "without an error"},
		{"no status", 1, &batch.Report[item, struct{}]{Outcomes: []batch.Outcome[item, struct{}]{{Index: 0}}}, []int{1}, "no terminal status"},
		{"report totals disagree", 2, &batch.Report[item, struct{}]{Outcomes: outcomes(ok, failed), Succeeded: 2}, []int{1, 1}, "the report counts 2 succeeded"},
		{"no report", 1, nil, nil, "no report"},
	}
	for _, tc := range tests {
		r := account(tc.n, tc.rep, tc.hooked, nil)
		got := strings.Join(r.Problems, "\n")
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%s: problems:\n%s\nwant one containing %q", tc.name, got, tc.want)
		}
	}
}

func TestAccountRunsCheck(t *testing.T) {
	rep := &batch.Report[item, struct{}]{Outcomes: outcomes(batch.StatusSucceeded, batch.StatusSucceeded), Succeeded: 2}
	r := account(2, rep, nil, func(o *batch.Outcome[item, struct{}]) error {
		if o.Index == 1 {
			return errString("not in the fake")
		}
		return nil
	})
	if len(r.Problems) != 1 || r.Problems[0] != "item 1: not in the fake" {
		t.Errorf("problems = %q, want [\"item 1: not in the fake\"]", r.Problems)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestKindsSpreadsBadItems(t *testing.T) {
	for _, n := range []int{1, 5, 9, 10, 150, 4000} {
		ks := kinds(n)
		count := map[kind]int{}
		for _, k := range ks {
			count[k]++
		}
		bad := min(n, badItems)
		if got := n - count[normal]; got != bad {
			t.Errorf("kinds(%d) has %d bad items, want %d", n, got, bad)
		}
		if n >= badItems && (count[invalid] != 3 || count[poison] != 3 || count[missing] != 3) {
			t.Errorf("kinds(%d) = %v, want 3 of each bad kind", n, count)
		}
	}
}

func TestFailedByCode(t *testing.T) {
	for _, tc := range []struct {
		in   map[batch.Code]int
		want string
	}{
		{nil, "-"},
		{map[batch.Code]int{batch.CodeNotFound: 0}, "-"},
		{map[batch.Code]int{batch.CodeNotFound: 3, batch.CodeInvalidInput: 6}, "InvalidInput:6 NotFound:3"},
		{map[batch.Code]int{batch.CodeNotFound: 2, batch.CodeConflict: 2}, "Conflict:2 NotFound:2"},
	} {
		if got := failedByCode(tc.in); got != tc.want {
			t.Errorf("failedByCode(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestProgressLines(t *testing.T) {
	c := &counters{total: 10}
	c.succeeded.Store(3)
	c.failed.Store(1)
	c.calls.Store(2)
	read := func() progress.Counts { return sum([]*counters{c}) }

	var plain bytes.Buffer
	progress.Start(&plain, progress.Options{LineEvery: time.Hour}, read).Stop()
	if got, want := plain.String(), "progress: 4/10 items (40%), 3 succeeded, 1 failed, 2 calls, 0 retries, 0 throttled, "; !strings.HasPrefix(got, want) || strings.Count(got, "\n") != 1 {
		t.Errorf("plain progress = %q, want one line starting with %q", got, want)
	}

	var term bytes.Buffer
	progress.Start(&term, progress.Options{Width: func() int { return 80 }, BarEvery: time.Hour}, read).Stop()
	got := term.String()
	if !strings.HasPrefix(got, "\r[") || !strings.Contains(got, "]  40% 4/10  ok 3  failed 1") || !strings.HasSuffix(got, "\n") || len(got) > 80+2 {
		t.Errorf("terminal progress = %q, want a bar of at most 79 columns redrawn with \\r ending in a newline", got)
	}
}
