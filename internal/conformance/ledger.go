package conformance

import (
	"testing"

	"github.com/batchkit/batchkit/batch"
)

// CheckReport fails t with what is wrong with the report of a Run of items:
// one outcome per item, in input order, each consistent with its status
// (an error exactly when it did not succeed, CodeCanceled when canceled),
// and counters that add up. It reports whether the report was sound. An
// adapter's own run tests call it before their service-specific checks, so
// that the ledger is checked one way everywhere.
func CheckReport[T, R any](t *testing.T, rep *batch.Report[T, R], items []T) bool {
	t.Helper()
	p := checkReport(rep, items)
	report(t, "report", p)
	return len(p) == 0
}
