package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/batchkit/batchkit/batch"
)

// opReport is what the table shows for one operation, counted by the
// quickstart from the run's outcomes rather than taken from the report's
// totals.
type opReport struct {
	Operation string
	Items     int
	Succeeded int
	Failed    int // failed or canceled
	ByCode    map[batch.Code]int
	Calls     int
	Retries   int
	Throttled int
	Elapsed   time.Duration
	// Problems lists every way the run's accounting did not add up; empty
	// when every item had exactly one outcome.
	Problems []string
}

// maxProblems bounds how many problems of one kind are listed.
const maxProblems = 10

// account checks a run of n items: every index from 0 to n-1 has exactly
// one outcome in the report and exactly one OnOutcome hook call (hooked,
// indexed by input index), outcomes are in input order, a success carries
// no error and a failure carries one, the report's own counts agree with
// ours, and check (when not nil) accepts every outcome. It returns the
// counts and every problem found.
func account[T, R any](n int, rep *batch.Report[T, R], hooked []int, check func(*batch.Outcome[T, R]) error) opReport {
	r := opReport{Items: n, ByCode: make(map[batch.Code]int)}
	problem := func(format string, args ...any) {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
	if rep == nil {
		problem("no report")
		return r
	}
	r.Operation = rep.Operation
	r.Calls, r.Retries, r.Throttled, r.Elapsed = rep.Stats.Calls, rep.Stats.Retries, rep.Stats.ThrottledCalls, rep.Stats.Elapsed

	seen := make([]int, n)
	var checkFailures int
	for i := range rep.Outcomes {
		o := &rep.Outcomes[i]
		if o.Index < 0 || o.Index >= n {
			problem("outcome %d has index %d, outside the input", i, o.Index)
			continue
		}
		seen[o.Index]++
		if o.Index != i {
			problem("outcome %d has index %d: the report is not in input order", i, o.Index)
		}
		switch o.Status {
		case batch.StatusSucceeded:
			if o.Err != nil {
				problem("item %d succeeded with an error: %v", o.Index, o.Err)
			}
			r.Succeeded++
		case batch.StatusFailed, batch.StatusCanceled:
			if o.Err == nil {
				problem("item %d is %s without an error", o.Index, o.Status)
				r.ByCode[batch.CodeUnknown]++
			} else {
				r.ByCode[o.Err.Code]++
			}
			r.Failed++
		default:
			problem("item %d has no terminal status (%d)", o.Index, o.Status)
		}
		if check != nil {
			if err := check(o); err != nil {
				if checkFailures < maxProblems {
					problem("item %d: %v", o.Index, err)
				}
				checkFailures++
			}
		}
	}
	if checkFailures > maxProblems {
		problem("and %d more items whose state does not match their outcome", checkFailures-maxProblems)
	}
	countIndexes(n, seen, "outcomes in the report", problem)
	if hooked != nil {
		countIndexes(n, hooked, "OnOutcome calls", problem)
	}
	if r.Succeeded+r.Failed != n {
		problem("%d succeeded + %d failed = %d outcomes for %d items", r.Succeeded, r.Failed, r.Succeeded+r.Failed, n)
	}
	if rep.Succeeded != r.Succeeded || rep.Failed+rep.Canceled != r.Failed {
		problem("the report counts %d succeeded, %d failed and %d canceled; the outcomes say %d succeeded and %d failed or canceled",
			rep.Succeeded, rep.Failed, rep.Canceled, r.Succeeded, r.Failed)
	}
	return r
}

// countIndexes reports every index whose count is not exactly one.
func countIndexes(n int, counts []int, what string, problem func(string, ...any)) {
	if len(counts) != n {
		problem("%d counters of %s for %d items", len(counts), what, n)
		return
	}
	bad := 0
	for i, c := range counts {
		if c != 1 {
			if bad < maxProblems {
				problem("item %d has %d %s, want 1", i, c, what)
			}
			bad++
		}
	}
	if bad > maxProblems {
		problem("and %d more items without exactly one of the %s", bad-maxProblems, what)
	}
}

// failedByCode renders counts by code, most frequent first, as
// "InvalidInput:3 NotFound:2", or "-" when there are none.
func failedByCode(byCode map[batch.Code]int) string {
	codes := make([]batch.Code, 0, len(byCode))
	for c, n := range byCode {
		if n > 0 {
			codes = append(codes, c)
		}
	}
	if len(codes) == 0 {
		return "-"
	}
	slices.SortFunc(codes, func(a, b batch.Code) int {
		if byCode[a] != byCode[b] {
			return byCode[b] - byCode[a]
		}
		return strings.Compare(string(a), string(b))
	})
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%s:%d", c, byCode[c])
	}
	return strings.Join(parts, " ")
}

// writeTable prints one row per operation: the operation name left-aligned,
// the rest right-aligned.
func writeTable(w io.Writer, reps []opReport) error {
	rows := [][]string{{"operation", "items", "succeeded", "failed by code", "calls", "retries", "throttled", "elapsed", "items/s"}}
	for _, r := range reps {
		rows = append(rows, []string{
			r.Operation,
			strconv.Itoa(r.Items),
			strconv.Itoa(r.Succeeded),
			failedByCode(r.ByCode),
			strconv.Itoa(r.Calls),
			strconv.Itoa(r.Retries),
			strconv.Itoa(r.Throttled),
			r.Elapsed.Round(10 * time.Millisecond).String(),
			strconv.FormatFloat(perSecond(r.Items, r.Elapsed), 'f', 0, 64),
		})
	}
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, cell := range row {
			switch {
			case i == 0:
				fmt.Fprintf(&b, "%-*s", widths[i], cell)
			case i == 3:
				// failed by code is text: left-aligned.
				fmt.Fprintf(&b, "  %-*s", widths[i], cell)
			default:
				fmt.Fprintf(&b, "  %*s", widths[i], cell)
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
