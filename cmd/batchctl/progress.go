package main

import (
	"sync/atomic"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/progress"
)

// counters are the live numbers of a run, written from the goroutine
// running it and read by the progress display.
type counters struct {
	total     int64 // records in the input; 0 when unknown
	succeeded atomic.Int64
	failed    atomic.Int64
	canceled  atomic.Int64
	skipped   atomic.Int64 // succeeded in the --resume file
	calls     atomic.Int64
	retries   atomic.Int64
	throttled atomic.Int64
}

// hooks returns the engine hooks that count calls, retries and throttled
// calls; onCall, when not nil, also receives every call.
func (c *counters) hooks(onCall func(batch.CallInfo)) batch.Hooks {
	return batch.Hooks{
		OnCall: func(ci batch.CallInfo) {
			switch {
			case !ci.Done:
				c.calls.Add(1)
			case ci.Throttled:
				c.throttled.Add(1)
			}
			if onCall != nil {
				onCall(ci)
			}
		},
		OnRetry: func(batch.RetryInfo) { c.retries.Add(1) },
	}
}

func (c *counters) skip() { c.skipped.Add(1) }

// record counts an outcome. Canceled items are counted apart from failed
// ones: they were not answered, and the display must not show them as done.
func (c *counters) record(s batch.Status) {
	switch s {
	case batch.StatusSucceeded:
		c.succeeded.Add(1)
	case batch.StatusFailed:
		c.failed.Add(1)
	default:
		c.canceled.Add(1)
	}
}

func (c *counters) snapshot() progress.Counts {
	return progress.Counts{
		Total: c.total, Succeeded: c.succeeded.Load(), Failed: c.failed.Load(), Canceled: c.canceled.Load(), Skipped: c.skipped.Load(),
		Calls: c.calls.Load(), Retries: c.retries.Load(), Throttled: c.throttled.Load(),
	}
}
