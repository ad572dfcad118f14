package batch

import (
	"fmt"
	"log/slog"
)

// complete turns a finished call into outcomes, retries or splits.
func (rn *run[T, R]) complete(c *call[T, R]) {
	rn.inFlight--
	if c.tests != nil {
		c.tests.testing--
	}
	for _, e := range c.entries {
		e.inFlight = false
	}
	now := rn.set.Clock.Now()
	throttled := c.throttled.Load()
	throttledItems := 0
	var callErr *Error
	switch {
	case c.notSent:
		for _, e := range c.entries {
			e.sends--
			rn.finish(e, StatusCanceled, rn.canceledFor(e))
		}
	case c.panicked != nil:
		callErr = &Error{Code: CodeInternal, Operation: rn.op, Message: fmt.Sprintf("adapter panicked during the call (its answer may have been applied): %v", c.panicked)}
		for _, e := range c.entries {
			rn.finish(e, StatusFailed, callErr)
		}
	case c.err != nil && rn.ctx.Err() != nil:
		for _, e := range c.entries {
			rn.finish(e, StatusCanceled, rn.canceledInCall)
		}
	case c.err != nil:
		var scope Scope
		callErr, scope = rn.classify(c.err)
		if callErr.Code == CodeThrottled {
			throttled = true
		}
		rn.failCall(c, callErr, scope)
	case len(c.results) != len(c.entries):
		callErr = &Error{Code: CodeUnmatched, Operation: rn.op, Message: fmt.Sprintf("adapter returned %d results for a call of %d items", len(c.results), len(c.entries))}
		for _, e := range c.entries {
			rn.finish(e, StatusFailed, callErr)
		}
	default:
		for i, e := range c.entries {
			rn.clearItem(e)
			res := &c.results[i]
			if res.Err == nil {
				rn.bud.earn()
				rn.succeed(e, res.Value)
				continue
			}
			err := res.Err
			if err.Operation == "" {
				err.Operation = rn.op
			}
			if err.Code == "" {
				err.Code = CodeUnknown
			}
			if err.Code == CodeThrottled {
				throttledItems++
			}
			rn.retryOrFail(e, err, now, true)
		}
	}
	// The outcome's weight for the send rate: a throttle the SDK retried
	// successfully was reported in flight, and the call was accepted.
	weight := 0.0
	switch {
	case callErr != nil && callErr.Code == CodeThrottled:
		weight = 1
	case throttledItems > 0:
		weight = float64(throttledItems) / float64(len(c.entries))
	}
	if throttled || throttledItems > 0 {
		throttled = true
		rn.stats.ThrottledCalls++
	}
	if !c.notSent && c.ctx.Err() == nil {
		r, cut := rn.rate.Done(CallResult{Sent: c.sent, Throttled: weight})
		if c.cut.Load() {
			// The cut happened in flight; r is the rate as it is now.
			cut = true
		}
		if cut {
			if h := rn.set.Hooks.OnThrottle; h != nil {
				h(ThrottleInfo{Operation: rn.op, Key: c.ks.key, Rate: r})
			}
			if l := rn.set.Logger; l != nil {
				l.LogAttrs(rn.ctx, slog.LevelWarn, "batch: throttled; lowering send rate",
					slog.String("operation", rn.op), slog.String("key", c.ks.key), slog.Float64("rate", r))
			}
		}
	}
	if h := rn.set.Hooks.OnCall; h != nil {
		h(CallInfo{CallID: c.id.Load(), Operation: rn.op, Key: c.ks.key, Items: len(c.entries), Bisect: c.test,
			Done: true, Elapsed: c.elapsed, Err: callErr, Throttled: throttled})
	}
	rn.freeCall(c)
}

// classify asks the adapter what a call-level error means. A panic or a nil
// answer from the adapter is treated as an unknown, permanent failure of the
// call.
func (rn *run[T, R]) classify(err error) (e *Error, scope Scope) {
	defer func() {
		if p := recover(); p != nil {
			e = &Error{Code: CodeInternal, Operation: rn.op, Err: err, Message: fmt.Sprintf("adapter panicked while classifying an error: %v", p)}
			scope = ScopeCall
		}
	}()
	e, scope = rn.a.Classify(err)
	if e == nil {
		e = &Error{Code: CodeUnknown, Err: err}
	}
	if e.Operation == "" {
		e.Operation = rn.op
	}
	if e.Code == "" {
		e.Code = CodeUnknown
	}
	return e, scope
}
