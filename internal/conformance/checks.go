package conformance

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/batchkit/batchkit/batch"
)

// maxReported bounds how many problems one check reports, so that a broken
// adapter does not flood the test output.
const maxReported = 10

// report fails t with each problem, up to maxReported of them.
func report(t *testing.T, what string, problems []string) {
	t.Helper()
	for i, p := range problems {
		if i == maxReported {
			t.Errorf("%s: and %d more problems", what, len(problems)-maxReported)
			return
		}
		t.Errorf("%s: %s", what, p)
	}
}

// checkOutcome returns what is wrong with one outcome on its own: its
// status, and whether its error matches it.
func checkOutcome[T, R any](o *batch.Outcome[T, R]) []string {
	var p []string
	switch o.Status {
	case batch.StatusSucceeded:
		if o.Err != nil {
			p = append(p, fmt.Sprintf("item %d: succeeded with error %v", o.Index, o.Err))
		}
	case batch.StatusFailed:
		if o.Err == nil {
			p = append(p, fmt.Sprintf("item %d: failed without an error", o.Index))
		} else if o.Err.Code == "" {
			p = append(p, fmt.Sprintf("item %d: failed with an error without a code: %v", o.Index, o.Err))
		}
	case batch.StatusCanceled:
		if o.Err == nil || o.Err.Code != batch.CodeCanceled {
			p = append(p, fmt.Sprintf("item %d: canceled with error %v, want code %s", o.Index, o.Err, batch.CodeCanceled))
		}
	default:
		p = append(p, fmt.Sprintf("item %d: status %d, want Succeeded, Failed or Canceled", o.Index, o.Status))
	}
	if o.Attempts < 0 {
		p = append(p, fmt.Sprintf("item %d: %d attempts", o.Index, o.Attempts))
	}
	return p
}

// checkReport returns what is wrong with the report of a Run of items: one
// outcome per item, in input order, each consistent, and counters that add
// up.
func checkReport[T, R any](rep *batch.Report[T, R], items []T) []string {
	if rep == nil {
		return []string{"Run returned a nil report"}
	}
	var p []string
	if got, want := len(rep.Outcomes), len(items); got != want {
		return []string{fmt.Sprintf("got %d outcomes, want %d", got, want)}
	}
	var ok, failed, canceled int
	byCode := make(map[batch.Code]int)
	for i := range rep.Outcomes {
		o := &rep.Outcomes[i]
		if o.Index != i {
			p = append(p, fmt.Sprintf("outcome %d: got index %d, want %d", i, o.Index, i))
		}
		if !reflect.DeepEqual(o.Item, items[i]) {
			p = append(p, fmt.Sprintf("outcome %d: item is not input item %d", i, i))
		}
		p = append(p, checkOutcome(o)...)
		switch o.Status {
		case batch.StatusSucceeded:
			ok++
		case batch.StatusFailed:
			failed++
		case batch.StatusCanceled:
			canceled++
		}
		if o.Status != batch.StatusSucceeded && o.Err != nil {
			byCode[o.Err.Code]++
		}
	}
	if rep.Succeeded != ok || rep.Failed != failed || rep.Canceled != canceled {
		p = append(p, fmt.Sprintf("counters: got %d succeeded, %d failed, %d canceled; outcomes hold %d, %d, %d",
			rep.Succeeded, rep.Failed, rep.Canceled, ok, failed, canceled))
	}
	if !mapsEqual(rep.ByCode, byCode) {
		p = append(p, fmt.Sprintf("ByCode: got %v, outcomes hold %v", rep.ByCode, byCode))
	}
	return p
}

// checkStream returns what is wrong with the outcomes a Stream of items
// yielded: each index exactly once, each outcome consistent and carrying its
// input item. When complete is true every index must be present; otherwise
// the indexes must be a prefix of the input (a canceled stream stops
// reading).
func checkStream[T, R any](outs []batch.Outcome[T, R], items []T, complete bool) []string {
	var p []string
	seen := make([]int, len(items))
	top := -1
	for i := range outs {
		o := &outs[i]
		if o.Index < 0 || o.Index >= len(items) {
			p = append(p, fmt.Sprintf("yield %d: index %d out of range [0, %d)", i, o.Index, len(items)))
			continue
		}
		seen[o.Index]++
		top = max(top, o.Index)
		if !reflect.DeepEqual(o.Item, items[o.Index]) {
			p = append(p, fmt.Sprintf("yield %d: item is not input item %d", i, o.Index))
		}
		p = append(p, checkOutcome(o)...)
	}
	end := len(items)
	if !complete {
		end = top + 1
	}
	for i, n := range seen {
		switch {
		case n > 1:
			p = append(p, fmt.Sprintf("index %d yielded %d times", i, n))
		case n == 0 && i < end:
			p = append(p, fmt.Sprintf("index %d never yielded", i))
		}
	}
	return p
}

func mapsEqual[K comparable](a, b map[K]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// codeIn reports whether e's code is one of codes.
func codeIn(e *batch.Error, codes ...[]batch.Code) bool {
	if e == nil {
		return false
	}
	for _, cs := range codes {
		if slices.Contains(cs, e.Code) {
			return true
		}
	}
	return false
}

// describe formats an outcome for a failure message, without the item
// (which may hold sensitive fields).
func describe[T, R any](o *batch.Outcome[T, R]) string {
	if o.Err == nil {
		return fmt.Sprintf("%v after %d attempts", o.Status, o.Attempts)
	}
	return fmt.Sprintf("%v after %d attempts (%s, retryable %v: %v)", o.Status, o.Attempts, o.Err.Code, o.Err.Retryable, o.Err)
}

// logReport logs what a run did, for -v output.
func logReport[T, R any](t *testing.T, what string, rep *batch.Report[T, R]) {
	t.Helper()
	if rep == nil {
		return
	}
	t.Logf("%s: %d succeeded, %d failed, %d canceled %v; %d calls, %d retries, %d bisections, %d throttled calls",
		what, rep.Succeeded, rep.Failed, rep.Canceled, rep.ByCode, rep.Stats.Calls, rep.Stats.Retries, rep.Stats.Bisections, rep.Stats.ThrottledCalls)
}
