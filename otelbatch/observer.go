package otelbatch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/batchkit/batchkit/batch"
)

// DurationBuckets are the bucket boundaries, in seconds, of the
// batchkit.call.duration histogram: those OpenTelemetry's semantic
// conventions advise for HTTP client durations (5 ms to 10 s; AWS batch
// calls take tens to hundreds of milliseconds), plus 30 s and 60 s, because
// CallInfo.Elapsed also holds the SDK's retries inside one call (three
// attempts with backoff by default) and the wait for a send rate lowered
// by throttles, which reach tens of seconds. The SDK's default boundaries
// suit milliseconds and would put every call in the first buckets.
var DurationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60}

// Options configures an [Observer]. Every field's zero value selects the
// documented default. Options are copied by [New].
type Options struct {
	// MeterProvider supplies the Meter for the metrics. Nil means the global
	// provider (otel.GetMeterProvider), taken when New runs; the global
	// provider forwards to one installed later.
	MeterProvider metric.MeterProvider

	// TracerProvider supplies the Tracer for the spans. Nil means the global
	// provider (otel.GetTracerProvider), taken when New runs.
	TracerProvider trace.TracerProvider

	// RecordKeys puts each call's key on its span as batchkit.call.key. The
	// zero value leaves keys out: they are not sensitive by AWS's marking
	// but name the caller's accounts, networks and channels, and for Chime
	// SDK Messaging a user (the bearer). Keys never go on metrics.
	RecordKeys bool
}

// Observer turns the hooks of package batch into OpenTelemetry metrics and
// spans. Build it with [New]. An Observer is safe for concurrent use: any
// number of runs, Runners and Batchers may report to one at once. It holds
// no goroutine and nothing to close; the providers' owners flush and shut
// them down.
type Observer struct {
	tracer     trace.Tracer
	recordKeys bool

	items     metric.Int64Counter
	calls     metric.Int64Counter
	duration  metric.Float64Histogram
	active    metric.Int64UpDownCounter
	retries   metric.Int64Counter
	throttles metric.Int64Counter
	rate      metric.Float64Gauge

	// attrs caches attribute sets by attrKey (a measurement option per
	// combination of operation, instrument and values), so that the hooks,
	// called once per item, do not build and sort a set each time. Its size
	// is bounded by operations × statuses × codes.
	attrs sync.Map

	// now is the clock of span timestamps and of call matching; tests
	// replace it.
	now func() time.Time
}

// New returns an Observer. Option functions are applied in order to a zero
// [Options]. It creates the instruments at once and fails, with every
// provider error joined, when the meter provider refuses one.
func New(optFns ...func(*Options)) (*Observer, error) {
	var opts Options
	for _, fn := range optFns {
		fn(&opts)
	}
	mp, tp := opts.MeterProvider, opts.TracerProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	m := mp.Meter(ScopeName)
	o := &Observer{tracer: tp.Tracer(ScopeName), recordKeys: opts.RecordKeys, now: time.Now}
	var errs [7]error
	o.items, errs[0] = m.Int64Counter(MetricItems, metric.WithUnit("{item}"),
		metric.WithDescription("Items by final status: succeeded, failed or canceled."))
	o.calls, errs[1] = m.Int64Counter(MetricCalls, metric.WithUnit("{call}"),
		metric.WithDescription("Completed calls by outcome: ok, failed as a whole, or throttled."))
	o.duration, errs[2] = m.Float64Histogram(MetricCallDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of calls, the wait for the send rate and the SDK's retries included."),
		metric.WithExplicitBucketBoundaries(DurationBuckets...))
	o.active, errs[3] = m.Int64UpDownCounter(MetricCallsActive, metric.WithUnit("{call}"),
		metric.WithDescription("Calls sent and not yet completed."))
	o.retries, errs[4] = m.Int64Counter(MetricRetries, metric.WithUnit("{retry}"),
		metric.WithDescription("Items scheduled to be sent again, by the code of the failure."))
	o.throttles, errs[5] = m.Int64Counter(MetricThrottles, metric.WithUnit("{throttle}"),
		metric.WithDescription("Throttle signals that lowered the send rate."))
	o.rate, errs[6] = m.Float64Gauge(MetricSendRate, metric.WithUnit("{call}/s"),
		metric.WithDescription("Send rate set by the last throttle signal; 0 means unlimited."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("otelbatch: creating instruments: %w", err)
	}
	return o, nil
}

// Hooks returns hooks that record the metrics of every run they watch. They
// keep no state, so they may be shared by any number of Runners, runs and
// Batchers at once, and they record no spans: see [Observer.Start] for
// those. Combine them with other hooks through [batch.JoinHooks].
func (o *Observer) Hooks() batch.Hooks {
	return batch.Hooks{
		OnCall:     o.onCall,
		OnRetry:    o.onRetry,
		OnThrottle: o.onThrottle,
		OnOutcome:  o.onOutcome,
	}
}

// The hooks measure with context.Background: hooks carry no context, and
// measurements need none (exemplars would take a span from it, and the
// call spans are not in any context the hooks see).

func (o *Observer) onCall(ci batch.CallInfo) {
	ctx := context.Background()
	if !ci.Done {
		o.active.Add(ctx, 1, o.attrSet(attrKey{kind: kindOperation, op: ci.Operation}))
		return
	}
	outcome := outcomeOf(ci)
	o.active.Add(ctx, -1, o.attrSet(attrKey{kind: kindOperation, op: ci.Operation}))
	o.calls.Add(ctx, 1, o.attrSet(attrKey{kind: kindCalls, op: ci.Operation, a: outcome, b: codeOf(ci.Err)}))
	o.duration.Record(ctx, ci.Elapsed.Seconds(), o.attrSet(attrKey{kind: kindDuration, op: ci.Operation, a: outcome}))
}

func (o *Observer) onRetry(ri batch.RetryInfo) {
	o.retries.Add(context.Background(), 1, o.attrSet(attrKey{kind: kindRetries, op: ri.Operation, b: codeOf(ri.Err)}))
}

func (o *Observer) onThrottle(ti batch.ThrottleInfo) {
	ctx := context.Background()
	set := o.attrSet(attrKey{kind: kindOperation, op: ti.Operation})
	o.throttles.Add(ctx, 1, set)
	o.rate.Record(ctx, ti.Rate, set)
}

func (o *Observer) onOutcome(oi batch.OutcomeInfo) {
	o.items.Add(context.Background(), 1, o.attrSet(attrKey{kind: kindItems, op: oi.Operation, a: statusOf(oi.Status), b: codeOf(oi.Err)}))
}

// attrKind names which attributes an attrKey's a and b stand for.
type attrKind uint8

const (
	kindOperation attrKind = iota // operation only
	kindItems                     // a: status, b: code
	kindCalls                     // a: outcome, b: code
	kindDuration                  // a: outcome
	kindRetries                   // b: code
)

// attrKey identifies a cached attribute set. An empty b (a code) leaves the
// code attribute out: success has no code.
type attrKey struct {
	kind attrKind
	op   string
	a, b string
}

// attrSet returns the measurement option for k, building it on first use.
// Safe for concurrent use.
func (o *Observer) attrSet(k attrKey) metric.MeasurementOption {
	if v, ok := o.attrs.Load(k); ok {
		return v.(metric.MeasurementOption)
	}
	kvs := make([]attribute.KeyValue, 0, 3)
	kvs = append(kvs, attribute.String(AttrOperation, k.op))
	switch k.kind {
	case kindItems:
		kvs = append(kvs, attribute.String(AttrItemStatus, k.a))
	case kindCalls, kindDuration:
		kvs = append(kvs, attribute.String(AttrOutcome, k.a))
	}
	if k.b != "" {
		kvs = append(kvs, attribute.String(AttrErrorCode, k.b))
	}
	v, _ := o.attrs.LoadOrStore(k, metric.WithAttributeSet(attribute.NewSet(kvs...)))
	return v.(metric.MeasurementOption)
}
