package conformance

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/awsfake"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type outcome = batch.Outcome[string, int]

// assertProblems checks the problems a check returned: none when want is
// empty, else at least one, the first containing want.
func assertProblems(t *testing.T, p []string, want string) {
	t.Helper()
	if want == "" {
		assert.Empty(t, p, "problems")
		return
	}
	require.NotEmpty(t, p, "problems: want one containing %q", want)
	assert.Contains(t, p[0], want, "the first problem")
}

var failed = &batch.Error{Code: batch.CodeInternal}

// goodReport is a consistent report of the items a, b and c.
func goodReport() *batch.Report[string, int] {
	return &batch.Report[string, int]{
		Outcomes: []outcome{
			{Index: 0, Item: "a", Status: batch.StatusSucceeded, Attempts: 1},
			{Index: 1, Item: "b", Status: batch.StatusFailed, Err: failed, Attempts: 2},
			{Index: 2, Item: "c", Status: batch.StatusCanceled, Err: &batch.Error{Code: batch.CodeCanceled}},
		},
		Succeeded: 1, Failed: 1, Canceled: 1,
		ByCode: map[batch.Code]int{batch.CodeInternal: 1, batch.CodeCanceled: 1},
	}
}

// TestCheckReport checks that every way a report can break the ledger is
// reported, and that a consistent report passes.
func TestCheckReport(t *testing.T) {
	items := []string{"a", "b", "c"}
	tests := []struct {
		name   string
		mutate func(*batch.Report[string, int])
		want   string // a substring of the first problem; "" for none
	}{
		{"consistent", func(*batch.Report[string, int]) {}, ""},
		{"missing outcome", func(r *batch.Report[string, int]) { r.Outcomes = r.Outcomes[:2] }, "got 2 outcomes, want 3"},
		{"duplicate index", func(r *batch.Report[string, int]) { r.Outcomes[2].Index = 1 }, "got index 1, want 2"},
		{"wrong item", func(r *batch.Report[string, int]) { r.Outcomes[0].Item = "x" }, "item is not input item 0"},
		{"zero status", func(r *batch.Report[string, int]) { r.Outcomes[0].Status = 0 }, "status 0"},
		{"success with error", func(r *batch.Report[string, int]) { r.Outcomes[0].Err = failed }, "succeeded with error"},
		{"failure without error", func(r *batch.Report[string, int]) { r.Outcomes[1].Err = nil }, "failed without an error"},
		{"canceled with another code", func(r *batch.Report[string, int]) { r.Outcomes[2].Err = failed }, "want code Canceled"},
		{"counters", func(r *batch.Report[string, int]) { r.Succeeded = 2 }, "counters"},
		{"ByCode", func(r *batch.Report[string, int]) { r.ByCode[batch.CodeInternal] = 3 }, "ByCode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := goodReport()
			tt.mutate(rep)
			assertProblems(t, checkReport(rep, items), tt.want)
		})
	}
	assert.Len(t, checkReport[string, int](nil, items), 1, "problems of a nil report")
}

func TestCheckStream(t *testing.T) {
	items := []string{"a", "b", "c"}
	ok := func(i int) outcome {
		return outcome{Index: i, Item: items[i], Status: batch.StatusSucceeded, Attempts: 1}
	}
	tests := []struct {
		name     string
		outs     []outcome
		complete bool
		want     string
	}{
		{"all, out of order", []outcome{ok(2), ok(0), ok(1)}, true, ""},
		{"missing", []outcome{ok(2), ok(0)}, true, "index 1 never yielded"},
		{"duplicate", []outcome{ok(0), ok(1), ok(1), ok(2)}, true, "index 1 yielded 2 times"},
		{"out of range", []outcome{ok(0), ok(1), ok(2), {Index: 3, Status: batch.StatusSucceeded}}, true, "out of range"},
		{"prefix of a canceled stream", []outcome{ok(1), ok(0)}, false, ""},
		{"hole in a canceled stream", []outcome{ok(2), ok(0)}, false, "index 1 never yielded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertProblems(t, checkStream(tt.outs, items, tt.complete), tt.want)
		})
	}
}

func TestSentAfterFinal(t *testing.T) {
	req := func(seq uint64, status int, fault string) awsfake.Request {
		return awsfake.Request{Seq: seq, Status: status, Fault: fault}
	}
	alone := func(tags []string) bool { return len(tags) == 1 }
	tests := []struct {
		name     string
		log      sentLog
		mustHave bool
		want     string
	}{
		{
			name: "retried after server faults, then final",
			log: sentLog{
				reqs: []awsfake.Request{req(1, 500, "internal"), req(2, 0, awsfake.FaultDrop), req(3, 400, "poison")},
				tags: [][]string{{"p"}, {"p"}, {"p"}},
			},
			mustHave: true,
		},
		{
			name: "sent again after the final answer",
			log: sentLog{
				reqs: []awsfake.Request{req(1, 400, "poison"), req(2, 400, "poison")},
				tags: [][]string{{"p"}, {"p"}},
			},
			want: "sent again in request 2 after request 1",
		},
		{
			name: "answers that were not final",
			log: sentLog{
				reqs: []awsfake.Request{req(1, 400, "poison"), req(2, 400, "poison")},
				tags: [][]string{{"p", "x"}, {"p"}},
			},
			mustHave: true,
		},
		{
			name: "no final answer",
			log: sentLog{
				reqs: []awsfake.Request{req(1, 400, "poison"), req(2, 200, awsfake.FaultMalformed)},
				tags: [][]string{{"p", "x"}, {"p"}},
			},
			mustHave: true,
			want:     "no request the kit answered",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertProblems(t, sentAfterFinal(&tt.log, "p", 0, "poison", alone, tt.mustHave), tt.want)
		})
	}
}

func TestCheckInvalid(t *testing.T) {
	bad := batch.InvalidInput("UserName", "must not be empty")
	tests := []struct {
		name  string
		o     outcome
		field string
		want  string
	}{
		{"ok", outcome{Status: batch.StatusFailed, Err: bad}, "UserName", ""},
		{"any field", outcome{Status: batch.StatusFailed, Err: bad}, "", ""},
		{"succeeded", outcome{Status: batch.StatusSucceeded, Attempts: 1}, "UserName", "want Failed"},
		{"other code", outcome{Status: batch.StatusFailed, Err: failed}, "UserName", "want code InvalidInput"},
		{"other field", outcome{Status: batch.StatusFailed, Err: bad}, "StackName", `want "StackName"`},
		{"no field", outcome{Status: batch.StatusFailed, Err: batch.InvalidInput("", "bad")}, "", "names no field"},
		{"sent", outcome{Status: batch.StatusFailed, Err: bad, Attempts: 1}, "UserName", "1 attempts, want 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertProblems(t, checkInvalid(&tt.o, tt.field), tt.want)
		})
	}
}
