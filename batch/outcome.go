package batch

import (
	"maps"
	"slices"
	"time"
)

// Status is the terminal state of an item.
type Status uint8

const (
	// StatusSucceeded: the service applied the item.
	StatusSucceeded Status = iota + 1
	// StatusFailed: the item failed; Outcome.Err says why.
	StatusFailed
	// StatusCanceled: the run was canceled before the item got an answer.
	// Outcome.Attempts tells whether it was ever sent: 0 means never, more
	// means its last call's answer was lost to the cancellation and the
	// service may have applied it.
	StatusCanceled
)

func (s Status) String() string {
	switch s {
	case StatusSucceeded:
		return "Succeeded"
	case StatusFailed:
		return "Failed"
	case StatusCanceled:
		return "Canceled"
	}
	return "Unknown"
}

// Outcome is the terminal result of one input item. Every item of a run gets
// exactly one.
type Outcome[T, R any] struct {
	// Index is the item's position in the input, from 0.
	Index int
	// Item is the input item.
	Item T
	// Status is the terminal state.
	Status Status
	// Value is the adapter's per-item result when Status is StatusSucceeded.
	Value R
	// Err is why the item failed or was canceled; nil on success.
	Err *Error
	// Attempts counts the calls that carried the item.
	Attempts int
}

// Stats counts what a run did.
type Stats struct {
	// Calls is the number of calls sent.
	Calls int
	// Retries is the number of times an item was scheduled to be sent again.
	Retries int
	// ThrottledCalls is the number of calls throttled as a whole, carrying
	// throttled items, or retried by the SDK after a throttle.
	ThrottledCalls int
	// Bisections is the number of calls of more than one item that the
	// service rejected as a whole, making their items suspects.
	Bisections int
	// Elapsed is the run's wall-clock duration.
	Elapsed time.Duration
}

// Report is the result of [Runner.Run].
type Report[T, R any] struct {
	// Operation is the adapter's operation name.
	Operation string
	// Outcomes holds one outcome per input item, in input order.
	Outcomes []Outcome[T, R]
	// Succeeded, Failed and Canceled count outcomes by status.
	Succeeded, Failed, Canceled int
	// ByCode counts failed and canceled outcomes by error code.
	ByCode map[Code]int
	// Stats counts the calls, retries and throttles of the run.
	Stats Stats
}

// Err returns nil when every item succeeded, and otherwise a [*RunError]
// listing each failed or canceled item with its index.
func (r *Report[T, R]) Err() error {
	if r == nil || r.Failed+r.Canceled == 0 {
		return nil
	}
	re := &RunError{Total: len(r.Outcomes)}
	for i := range r.Outcomes {
		o := &r.Outcomes[i]
		if o.Status != StatusSucceeded {
			re.Failures = append(re.Failures, &ItemError{Index: o.Index, Err: o.Err})
		}
	}
	return re
}

// Codes returns the codes in ByCode, sorted.
func (r *Report[T, R]) Codes() []Code {
	return slices.Sorted(maps.Keys(r.ByCode))
}
