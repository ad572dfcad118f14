package otelbatch

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/batchkit/batchkit/batch"
)

// RunObserver records one run: its span, the spans of its calls, and the
// metrics of the [Observer] that started it. Get one from [Observer.Start],
// give its [RunObserver.Hooks] to the Runner of the run, and call
// [RunObserver.End] once the run has returned.
//
// A RunObserver is safe for concurrent use: a mutex guards its state, so
// hooks shared by several runs at once and an End from another goroutine do
// no harm, though the calls of runs sharing one RunObserver all go under its
// one run span. Its hooks hold the mutex while they start and end spans,
// which the span processors see synchronously.
type RunObserver struct {
	o    *Observer
	span trace.Span

	mu sync.Mutex // guards every field below
	// open holds the spans of calls in flight, in send order, by the
	// fields the two reports of a call share; see the package
	// documentation on matching. Empty queues are deleted, so its size is
	// bounded by the calls in flight.
	open                        map[openKey][]openCall
	succeeded, failed, canceled int64
	calls, retries, throttles   int64
	ended                       bool
}

// openKey finds the span of a call in flight: by its CallID, or, for
// reports without one, by what the start and the end of a call share.
type openKey struct {
	id  uint64
	sig callSig
}

// callSig is what the start and the end of a call both report about it.
type callSig struct {
	op, key string
	items   int
	test    bool
}

// openCall is the span of a call in flight and when it was sent.
type openCall struct {
	span  trace.Span
	start time.Time
}

// Start begins the observation of one run of operation (the Runner's
// Operation()). It starts the run span as a child of the span in ctx (a
// root span when ctx holds none; nil means context.Background) and returns a
// context holding it: pass that context to Run or Stream, so that spans made
// below the adapter (an instrumented SDK client) nest under the run. The
// returned [RunObserver]'s hooks must watch that run only, which means a
// Runner built for it (see the package documentation); End must follow.
func (o *Observer) Start(ctx context.Context, operation string) (context.Context, *RunObserver) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, span := o.tracer.Start(ctx, SpanRun+" "+operation,
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithTimestamp(o.now()),
		trace.WithAttributes(attribute.String(AttrOperation, operation)))
	return ctx, &RunObserver{o: o, span: span, open: make(map[openKey][]openCall)}
}

// Hooks returns hooks that record the run's metrics (as [Observer.Hooks]
// does) and its call spans. Combine them with other hooks through
// [batch.JoinHooks], but not with the Observer's own Hooks, or the metrics
// count twice. Reports that arrive after End record metrics only.
func (r *RunObserver) Hooks() batch.Hooks {
	return batch.JoinHooks(r.o.Hooks(), batch.Hooks{
		OnCall:     r.onCall,
		OnRetry:    r.onRetry,
		OnThrottle: r.onThrottle,
		OnOutcome:  r.onOutcome,
	})
}

// End ends the run span, with the run's items by status, calls, retries
// and throttles as attributes. err is the error Run returned (or the one
// Stream yielded): when it is not nil, the span gets the error status,
// described by the normalized code of err ([batch.CodeUnknown] for an
// error that is not a [*batch.Error] nor a context's), never by its message,
// which may quote the service. Items that failed in a run that returned no
// error leave the status unset: they are counted, the run did not fail. Calls
// still in flight, which a run that has returned cannot have, get their
// spans ended with outcome unfinished. Calls after the first do nothing.
func (r *RunObserver) End(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.ended = true
	now := r.o.now()
	for _, q := range r.open {
		for _, oc := range q {
			oc.span.SetAttributes(attribute.String(AttrOutcome, OutcomeUnfinished))
			oc.span.End(trace.WithTimestamp(now))
		}
	}
	clear(r.open)
	r.span.SetAttributes(
		attribute.Int64(AttrRunSucceeded, r.succeeded),
		attribute.Int64(AttrRunFailed, r.failed),
		attribute.Int64(AttrRunCanceled, r.canceled),
		attribute.Int64(AttrRunCalls, r.calls),
		attribute.Int64(AttrRunRetries, r.retries),
		attribute.Int64(AttrRunThrottles, r.throttles),
	)
	if err != nil {
		code := runCode(err)
		r.span.SetAttributes(attribute.String(AttrErrorCode, code))
		r.span.SetStatus(codes.Error, code)
	}
	r.span.End(trace.WithTimestamp(now))
}

// runCode returns the normalized code of a run's error.
func runCode(err error) string {
	var be *batch.Error
	switch {
	case errors.As(err, &be):
		return codeOf(be)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return string(batch.CodeCanceled)
	}
	return string(batch.CodeUnknown)
}

func (r *RunObserver) onCall(ci batch.CallInfo) {
	now := r.o.now()
	sig := openKey{id: ci.CallID}
	if ci.CallID == 0 {
		sig.sig = callSig{op: ci.Operation, key: ci.Key, items: ci.Items, test: ci.Bisect}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	if !ci.Done {
		r.open[sig] = append(r.open[sig], openCall{span: r.startCall(ci, now), start: now})
		return
	}
	r.calls++
	var span trace.Span
	if q := r.open[sig]; len(q) > 0 {
		i := pick(q, now.Add(-ci.Elapsed))
		span = q[i].span
		if q = slices.Delete(q, i, i+1); len(q) == 0 {
			delete(r.open, sig)
		} else {
			r.open[sig] = q
		}
	} else {
		// The start was not seen: the hooks were given to a run already
		// under way. The span starts when the call's duration says.
		span = r.startCall(ci, now.Add(-ci.Elapsed))
	}
	outcome := outcomeOf(ci)
	span.SetAttributes(attribute.String(AttrOutcome, outcome))
	if ci.Err != nil {
		code := codeOf(ci.Err)
		span.SetAttributes(attribute.String(AttrErrorCode, code))
		// Failed as a whole, throttled included: its items were not
		// answered by this call.
		span.SetStatus(codes.Error, code)
	}
	span.End(trace.WithTimestamp(now))
}

// startCall starts the span of a call sent at start, as a child of the run
// span. r.mu must be held.
func (r *RunObserver) startCall(ci batch.CallInfo, start time.Time) trace.Span {
	attrs := []attribute.KeyValue{
		attribute.String(AttrOperation, ci.Operation),
		attribute.Int(AttrCallItems, ci.Items),
		attribute.Bool(AttrCallTest, ci.Bisect),
	}
	if r.o.recordKeys {
		attrs = append(attrs, attribute.String(AttrCallKey, ci.Key))
	}
	// The parent comes from the run span itself, not from a context kept
	// from Start: contexts are not kept in structs, and the span is all a
	// parent needs.
	_, span := r.o.tracer.Start(trace.ContextWithSpan(context.Background(), r.span), SpanCall+" "+ci.Operation,
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithTimestamp(start),
		trace.WithAttributes(attrs...))
	return span
}

// pick returns the index in q (calls in send order) of the call most likely
// to be the one sent at sent: the one whose start is closest to it, the
// earliest of equals, so that with no information (all starts equally
// far) matching is first in, first out.
func pick(q []openCall, sent time.Time) int {
	best, bestD := 0, time.Duration(-1)
	for i, oc := range q {
		d := oc.start.Sub(sent)
		if d < 0 {
			d = -d
		}
		if bestD < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

func (r *RunObserver) onRetry(batch.RetryInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retries++
}

func (r *RunObserver) onThrottle(ti batch.ThrottleInfo) {
	now := r.o.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.throttles++
	if !r.ended {
		r.span.AddEvent(EventThrottle, trace.WithTimestamp(now),
			trace.WithAttributes(attribute.Float64(AttrSendRate, ti.Rate)))
	}
}

func (r *RunObserver) onOutcome(oi batch.OutcomeInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch oi.Status {
	case batch.StatusSucceeded:
		r.succeeded++
	case batch.StatusFailed:
		r.failed++
	case batch.StatusCanceled:
		r.canceled++
	}
}
