package otelbatch

import "github.com/batchkit/batchkit/batch"

// ScopeName is the instrumentation scope of the Meter and Tracer an
// [Observer] uses: the import path of this package, as OpenTelemetry asks.
const ScopeName = "github.com/batchkit/batchkit/otelbatch"

// Metric names, in OpenTelemetry's style: dot-separated, lower case, under
// one batchkit namespace, with the unit in the instrument's unit rather than
// in the name.
const (
	MetricItems        = "batchkit.items"         // counter, {item}
	MetricCalls        = "batchkit.calls"         // counter, {call}
	MetricCallDuration = "batchkit.call.duration" // histogram, s
	MetricCallsActive  = "batchkit.calls.active"  // up-down counter, {call}
	MetricRetries      = "batchkit.retries"       // counter, {retry}
	MetricThrottles    = "batchkit.throttles"     // counter, {throttle}
	MetricSendRate     = "batchkit.send_rate"     // gauge, {call}/s
)

// Span names are these prefixes followed by a space and the operation
// ("batchkit.call BatchCreateUser"): a small, fixed set of names, as
// OpenTelemetry asks, that still tells operations apart in trace lists.
const (
	SpanRun  = "batchkit.run"
	SpanCall = "batchkit.call"
)

// Attribute keys. None of them ever holds an item, an identity or an error
// message; see the package documentation.
const (
	AttrOperation  = "batchkit.operation"   // the adapter's operation name
	AttrItemStatus = "batchkit.item.status" // succeeded, failed, canceled
	AttrErrorCode  = "batchkit.error.code"  // a normalized batch.Code
	AttrOutcome    = "batchkit.call.outcome"
	AttrCallItems  = "batchkit.call.items" // items in the call
	AttrCallTest   = "batchkit.call.test"  // CallInfo.Bisect
	AttrCallKey    = "batchkit.call.key"   // only with Options.RecordKeys
	AttrSendRate   = "batchkit.send_rate"  // on throttle events, calls per second

	AttrRunSucceeded = "batchkit.run.items.succeeded"
	AttrRunFailed    = "batchkit.run.items.failed"
	AttrRunCanceled  = "batchkit.run.items.canceled"
	AttrRunCalls     = "batchkit.run.calls"
	AttrRunRetries   = "batchkit.run.retries"
	AttrRunThrottles = "batchkit.run.throttles"
)

// EventThrottle is the name of the run span's event for a throttle signal.
const EventThrottle = "batchkit.throttle"

// Values of [AttrOutcome]. A call has one outcome, the first that applies:
// failed when it failed as a whole for a reason other than a throttle,
// throttled when it was throttled as a whole, inside its answer or in an HTTP
// attempt the SDK retried, ok otherwise (items may still have failed inside
// the answer; batchkit.items counts them). A call whose answer was lost to
// cancellation, or that was canceled before it went out, reports ok: its
// [batch.CallInfo] holds no error.
const (
	OutcomeOK        = "ok"
	OutcomeFailed    = "failed"
	OutcomeThrottled = "throttled"
	// OutcomeUnfinished marks a call span ended by [RunObserver.End] before
	// its call completed; it is never a metric value.
	OutcomeUnfinished = "unfinished"
)

// outcomeOf returns the outcome of a completed call.
func outcomeOf(ci batch.CallInfo) string {
	switch {
	case ci.Err != nil && ci.Err.Code != batch.CodeThrottled:
		return OutcomeFailed
	case ci.Throttled || ci.Err != nil:
		return OutcomeThrottled
	}
	return OutcomeOK
}

// statusOf returns the value of [AttrItemStatus] for s: the lower-case name
// of the status.
func statusOf(s batch.Status) string {
	switch s {
	case batch.StatusSucceeded:
		return "succeeded"
	case batch.StatusFailed:
		return "failed"
	case batch.StatusCanceled:
		return "canceled"
	}
	return "unknown"
}

// codeOf returns the value of [AttrErrorCode] for e, "" for nil. Codes
// outside the normalized set of package batch (an adapter may set any
// string) are reported as Unknown: a code is a closed set, so metrics stay
// bounded, and a custom code cannot carry input.
func codeOf(e *batch.Error) string {
	if e == nil {
		return ""
	}
	switch e.Code {
	case batch.CodeInvalidInput, batch.CodeNotFound, batch.CodeConflict, batch.CodeForbidden,
		batch.CodeUnauthorized, batch.CodeLimitExceeded, batch.CodeThrottled, batch.CodeUnavailable,
		batch.CodeInternal, batch.CodeUnmatched, batch.CodeCanceled, batch.CodeUnknown:
		return string(e.Code)
	}
	return string(batch.CodeUnknown)
}
