package batch

import (
	"container/heap"
	"log/slog"
	"time"
)

// resend schedules the items of a call that failed as a whole, retryably, to
// be sent again together, as the same call, after one backoff. The service
// may have applied the call before its answer was lost: an operation with a
// client token derived from the call's items (Wickr) then replays it instead
// of applying it twice. Items out of attempts or budget fail; the rest go
// together.
func (rn *run[T, R]) resend(c *call[T, R], err *Error, now time.Time) {
	h := rn.newCall(c.ks)
	h.test, h.tests = c.test, c.tests
	h.id.Store(c.id.Load())
	retries := 0
	for _, e := range c.entries {
		if rn.outOfAttempts(e, err) || !rn.spend(err) {
			rn.finish(e, StatusFailed, err)
			continue
		}
		rn.countRetry(e, err)
		retries = max(retries, e.retries+e.throttles)
		h.entries = append(h.entries, e)
	}
	if len(h.entries) == 0 {
		rn.freeCall(h)
		return
	}
	d := rn.backoff(retries)
	h.readyAt = now.Add(d)
	rn.resends = append(rn.resends, h)
	for _, e := range h.entries {
		rn.noteRetry(e, err, d)
	}
}

// healthyBackoffShare divides the backoff of an item that failed inside an
// answer with a retryable code other than a throttle. Its call was healthy:
// the service answered, so nothing is overloaded and a long wait protects
// no one; the item's failure is its own (a concurrent change, a replica
// catching up), and a short jittered pause, a tenth of the backoff of a
// failed call (10 ms by default, half a typical call), lets it ride in the
// next calls of its key instead of waiting a round trip or more after the
// input has ended. Throttles keep the full backoff: the send rate paces
// them.
const healthyBackoffShare = 10

// retryOrFail schedules a failed item to be sent again when its error is
// retryable and attempts and budget allow, and fails it otherwise.
// inAnswer says the item failed inside an answer rather than with its call.
func (rn *run[T, R]) retryOrFail(e *entry[T], err *Error, now time.Time, inAnswer bool) {
	switch {
	case rn.halted:
		if rn.haltStatus == StatusCanceled {
			// The item's last error is named, not wrapped: errors.Is on a
			// report must match only the codes of its outcomes (issue 8,
			// bug 10).
			rn.finish(e, StatusCanceled, &Error{Code: CodeCanceled, Operation: rn.op,
				Message: "the run was canceled before the item could be sent again; its last attempt failed: " + codeWords(err.Code)})
		} else {
			rn.finish(e, StatusFailed, rn.haltErr)
		}
		return
	case e.key.dead != nil:
		rn.finish(e, StatusFailed, e.key.dead)
		return
	case !err.Retryable, rn.outOfAttempts(e, err), !rn.spend(err):
		rn.finish(e, StatusFailed, err)
		return
	}
	rn.countRetry(e, err)
	d := rn.backoff(e.retries + e.throttles)
	if inAnswer && err.Code != CodeThrottled {
		d /= healthyBackoffShare
	}
	e.readyAt = now.Add(d)
	heap.Push(&rn.waiting, e)
	rn.noteRetry(e, err, d)
}

// throttleAttemptsFactor is how many more retries after throttles an item
// may have than MaxAttempts allows after other failures: a throttle is the
// service pacing the run, not the item failing, and under a small quota an
// item may be throttled several times before the send rate settles.
const throttleAttemptsFactor = 4

// outOfAttempts reports whether an item that just failed with err may not be
// sent again.
func (rn *run[T, R]) outOfAttempts(e *entry[T], err *Error) bool {
	if err.Code == CodeThrottled {
		return e.throttles+1 >= throttleAttemptsFactor*rn.set.MaxAttempts
	}
	return e.retries+1 >= rn.set.MaxAttempts
}

// countRetry counts a retry of e after err against the matching limit.
func (rn *run[T, R]) countRetry(e *entry[T], err *Error) {
	if err.Code == CodeThrottled {
		e.throttles++
	} else {
		e.retries++
	}
}

// spend draws one retry from the run's budget. Throttles are free: the send
// rate paces them and MaxAttempts bounds them, and a quota is not an outage.
func (rn *run[T, R]) spend(err *Error) bool {
	return err.Code == CodeThrottled || rn.bud.take()
}

// noteRetry counts a retry and tells hooks and the logger.
func (rn *run[T, R]) noteRetry(e *entry[T], err *Error, d time.Duration) {
	rn.stats.Retries++
	if h := rn.set.Hooks.OnRetry; h != nil {
		h(RetryInfo{Operation: rn.op, Index: e.index, Attempt: e.retries + e.throttles + 1, Delay: d, Err: err})
	}
	if l := rn.set.Logger; l != nil && l.Enabled(rn.ctx, slog.LevelDebug) {
		l.LogAttrs(rn.ctx, slog.LevelDebug, "batch: retrying item",
			slog.String("operation", rn.op), slog.Int("index", e.index), slog.Int("attempt", e.retries+e.throttles+1),
			slog.Duration("delay", d), slog.String("code", string(err.Code)))
	}
}

// backoff returns a full-jitter delay for the given retry.
func (rn *run[T, R]) backoff(retry int) time.Duration {
	ceil := rn.set.BackoffBase
	for i := 1; i < retry && ceil < rn.set.BackoffMax; i++ {
		ceil *= 2
	}
	ceil = min(ceil, rn.set.BackoffMax)
	if ceil <= 0 {
		return 0
	}
	return time.Duration(rn.rng.Int64N(int64(ceil)))
}

// retryHeap orders waiting retries by the time they are due.
type retryHeap[T any] []*entry[T]

func (h retryHeap[T]) Len() int           { return len(h) }
func (h retryHeap[T]) Less(i, j int) bool { return h[i].readyAt.Before(h[j].readyAt) }
func (h retryHeap[T]) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *retryHeap[T]) Push(x any)        { *h = append(*h, x.(*entry[T])) }
func (h *retryHeap[T]) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}

// budget is the run's retry budget, a token bucket counted in tenths of a
// retry: a retry costs ten tenths and each success earns one back.
type budget struct {
	tenths, max int
}

func newBudget(retries int) budget { return budget{tenths: retries * 10, max: retries * 10} }

func (b *budget) take() bool {
	if b.tenths < 10 {
		return false
	}
	b.tenths -= 10
	return true
}

func (b *budget) earn() {
	if b.tenths < b.max {
		b.tenths++
	}
}
