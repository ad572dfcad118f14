package main

import (
	"sync/atomic"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/progress"
)

// counters are the live numbers of one operation, written by the run's hooks
// and read by the progress display from another goroutine.
type counters struct {
	total     int64
	succeeded atomic.Int64
	failed    atomic.Int64
	canceled  atomic.Int64
	calls     atomic.Int64
	retries   atomic.Int64
	throttled atomic.Int64
}

// hooks returns batch hooks that feed c. perIndex, when not nil, counts the
// OnOutcome calls of every input index; the engine calls hooks from the
// goroutine running the run, so it needs no lock.
func (c *counters) hooks(perIndex []int) batch.Hooks {
	return batch.Hooks{
		OnCall: func(ci batch.CallInfo) {
			if !ci.Done {
				c.calls.Add(1)
				return
			}
			if ci.Throttled {
				c.throttled.Add(1)
			}
		},
		OnRetry: func(batch.RetryInfo) { c.retries.Add(1) },
		OnOutcome: func(o batch.OutcomeInfo) {
			if o.Index >= 0 && o.Index < len(perIndex) {
				perIndex[o.Index]++
			}
			switch o.Status {
			case batch.StatusSucceeded:
				c.succeeded.Add(1)
			case batch.StatusFailed:
				c.failed.Add(1)
			default:
				c.canceled.Add(1)
			}
		},
	}
}

// sum adds up several operations' counters for the shared progress display
// (internal/progress, which batchctl draws too).
func sum(cs []*counters) progress.Counts {
	var s progress.Counts
	for _, c := range cs {
		s.Total += c.total
		s.Succeeded += c.succeeded.Load()
		s.Failed += c.failed.Load()
		s.Canceled += c.canceled.Load()
		s.Calls += c.calls.Load()
		s.Retries += c.retries.Load()
		s.Throttled += c.throttled.Load()
	}
	return s
}
