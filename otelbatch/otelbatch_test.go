package otelbatch_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/otelbatch"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// env is an Observer wired to the SDK's in-memory metric reader and span
// recorder.
type env struct {
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	obs    *otelbatch.Observer
}

func newEnv(t testing.TB, optFns ...func(*otelbatch.Options)) *env {
	t.Helper()
	e := &env{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	e.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.spans))
	t.Cleanup(func() {
		assert.NoError(t, mp.Shutdown(context.Background()))
		assert.NoError(t, e.tp.Shutdown(context.Background()))
	})
	obs, err := otelbatch.New(append([]func(*otelbatch.Options){func(o *otelbatch.Options) {
		o.MeterProvider = mp
		o.TracerProvider = e.tp
	}}, optFns...)...)
	require.NoError(t, err)
	e.obs = obs
	return e
}

// points returns the data points of the metric named name, keyed by their
// attributes without the operation ("batchkit.error.code=NotFound,
// batchkit.item.status=failed"); counters give their value, histograms
// their count, gauges their value.
func (e *env) points(t testing.TB, name string) map[string]float64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, e.reader.Collect(context.Background(), &rm))
	out := map[string]float64{}
	key := func(s attribute.Set) string {
		kvs := slices.DeleteFunc(s.ToSlice(), func(kv attribute.KeyValue) bool { return kv.Key == otelbatch.AttrOperation })
		v, ok := s.Value(otelbatch.AttrOperation)
		require.True(t, ok, "%s: a point without operation: %s", name, s.Encoded(attribute.DefaultEncoder()))
		require.Equal(t, "BatchGreet", v.AsString())
		set := attribute.NewSet(kvs...)
		return set.Encoded(attribute.DefaultEncoder())
	}
	for _, sm := range rm.ScopeMetrics {
		require.Equal(t, otelbatch.ScopeName, sm.Scope.Name)
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[key(p.Attributes)] += float64(p.Value)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out[key(p.Attributes)] += float64(p.Count)
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					out[key(p.Attributes)] = p.Value
				}
			default:
				t.Fatalf("%s: unexpected data %T", name, m.Data)
			}
		}
	}
	return out
}

// histSum returns the sum of the histogram named name.
func (e *env) histSum(t testing.TB, name string) float64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, e.reader.Collect(context.Background(), &rm))
	sum := 0.0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if h, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == name {
				for _, p := range h.DataPoints {
					sum += p.Sum
				}
			}
		}
	}
	return sum
}

// truth counts what the engine reported through hooks of its own, to check
// the Observer's records against.
type truth struct {
	mu        sync.Mutex
	calls     map[string]float64 // by "outcome[,code]" as the docs define it
	callSpans []string           // "items test outcome code" per completed call
	elapsed   float64            // seconds
	retries   map[string]float64
	throttles int
	rate      float64
}

func newTruth() *truth {
	return &truth{calls: map[string]float64{}, retries: map[string]float64{}}
}

func (tr *truth) hooks() batch.Hooks {
	return batch.Hooks{
		OnCall: func(ci batch.CallInfo) {
			if !ci.Done {
				return
			}
			tr.mu.Lock()
			defer tr.mu.Unlock()
			// The rule of otelbatch.OutcomeOK, restated.
			outcome, code := "ok", ""
			if ci.Err != nil {
				code = string(ci.Err.Code)
				outcome = "failed"
				if ci.Err.Code == batch.CodeThrottled {
					outcome = "throttled"
				}
			} else if ci.Throttled {
				outcome = "throttled"
			}
			k := "batchkit.call.outcome=" + outcome
			if code != "" {
				k += ",batchkit.error.code=" + code
			}
			tr.calls[k]++
			tr.callSpans = append(tr.callSpans, fmt.Sprint(ci.Items, ci.Bisect, outcome, code))
			tr.elapsed += ci.Elapsed.Seconds()
		},
		OnRetry: func(ri batch.RetryInfo) {
			tr.mu.Lock()
			defer tr.mu.Unlock()
			tr.retries["batchkit.error.code="+string(ri.Err.Code)]++
		},
		OnThrottle: func(ti batch.ThrottleInfo) {
			tr.mu.Lock()
			defer tr.mu.Unlock()
			tr.throttles++
			tr.rate = ti.Rate
		},
	}
}

// scripted is an input that exercises every kind of report: successes,
// permanent failures, an invalid item, item retries, throttles inside
// answers and from the SDK, and a call that fails as a whole. Every name
// holds "secret" so that a leak is easy to find.
func scripted() []greeting {
	var in []greeting
	for i, fate := range []string{"a", "x", "r", "t", "s", "b", "a", "r", "a", "x", "t", "a", "a", "b", "a", "r", "a", "a"} {
		lang := []string{"en", "fr"}[i%2]
		in = append(in, greeting{lang, fmt.Sprintf("%s-%d.secret", fate, i)})
	}
	return append(in, greeting{"en", ""}) // invalid: never sent
}

// itemPoints returns the batchkit.items points a report should produce.
func itemPoints(reps ...*batch.Report[greeting, string]) map[string]float64 {
	out := map[string]float64{}
	for _, rep := range reps {
		for _, o := range rep.Outcomes {
			k := "batchkit.item.status=" + strings.ToLower(o.Status.String())
			if o.Err != nil {
				k = "batchkit.error.code=" + string(o.Err.Code) + "," + k
			}
			out[k]++
		}
	}
	return out
}

func runOpts(h batch.Hooks, inFlight int) func(*batch.Options) {
	return func(o *batch.Options) {
		o.Hooks = h
		o.Clock = &stepClock{}
		o.MaxInFlight = inFlight
	}
}

func attrs(s sdktrace.ReadOnlySpan) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[string(kv.Key)] = kv.Value
	}
	return m
}

func TestRunRecordsMetricsAndSpans(t *testing.T) {
	e := newEnv(t)
	tr := newTruth()
	ctx, parent := e.tp.Tracer("test").Start(context.Background(), "caller")
	ctx, ro := e.obs.Start(ctx, "BatchGreet")
	r, err := batch.New[greeting, string](newGreeter(), runOpts(batch.JoinHooks(ro.Hooks(), tr.hooks()), 2))
	require.NoError(t, err)
	rep, err := r.Run(ctx, scripted())
	require.NoError(t, err)
	ro.End(err)
	parent.End()

	// The script did what it says, so the checks below check something.
	require.Equal(t, 2, rep.ByCode[batch.CodeNotFound])
	require.Equal(t, 1, rep.ByCode[batch.CodeInvalidInput])
	require.Equal(t, len(rep.Outcomes)-3, rep.Succeeded)
	require.Positive(t, tr.throttles)
	require.Positive(t, tr.retries["batchkit.error.code=Throttled"])
	require.Positive(t, tr.retries["batchkit.error.code=Unavailable"])
	require.Positive(t, tr.calls["batchkit.call.outcome=failed,batchkit.error.code=Unavailable"])
	require.Positive(t, tr.calls["batchkit.call.outcome=throttled"])
	require.Positive(t, tr.calls["batchkit.call.outcome=ok"])

	// Metrics.
	assert.Equal(t, itemPoints(rep), e.points(t, otelbatch.MetricItems))
	assert.Equal(t, tr.calls, e.points(t, otelbatch.MetricCalls))
	assert.Equal(t, tr.retries, e.points(t, otelbatch.MetricRetries))
	assert.Equal(t, map[string]float64{"": float64(tr.throttles)}, e.points(t, otelbatch.MetricThrottles))
	assert.Equal(t, map[string]float64{"": tr.rate}, e.points(t, otelbatch.MetricSendRate))
	assert.Equal(t, map[string]float64{"": 0}, e.points(t, otelbatch.MetricCallsActive))
	byOutcome := map[string]float64{}
	for k, v := range tr.calls {
		byOutcome[strings.Split(k, ",")[0]] += v
	}
	assert.Equal(t, byOutcome, e.points(t, otelbatch.MetricCallDuration))
	assert.InDelta(t, tr.elapsed, e.histSum(t, otelbatch.MetricCallDuration), 1e-9)
	sumCalls := 0.0
	for _, v := range tr.calls {
		sumCalls += v
	}
	assert.Equal(t, float64(rep.Stats.Calls), sumCalls)

	// Spans: the run span under the caller's, every call span under it.
	spans := e.spans.Ended()
	var run sdktrace.ReadOnlySpan
	var calls []string
	for _, s := range spans {
		switch s.Name() {
		case "batchkit.run BatchGreet":
			require.Nil(t, run, "two run spans")
			run = s
		case "batchkit.call BatchGreet":
			a := attrs(s)
			code := ""
			if v, ok := a[otelbatch.AttrErrorCode]; ok {
				code = v.AsString()
				assert.Equal(t, codes.Error, s.Status().Code)
				assert.Equal(t, code, s.Status().Description)
			} else {
				assert.Equal(t, codes.Unset, s.Status().Code)
			}
			calls = append(calls, fmt.Sprint(a[otelbatch.AttrCallItems].AsInt64(), a[otelbatch.AttrCallTest].AsBool(), a[otelbatch.AttrOutcome].AsString(), code))
			assert.Equal(t, "BatchGreet", a[otelbatch.AttrOperation].AsString())
			assert.NotContains(t, a, otelbatch.AttrCallKey, "keys are recorded only with RecordKeys")
			assert.Equal(t, trace.SpanKindInternal, s.SpanKind())
			assert.False(t, s.EndTime().Before(s.StartTime()))
		}
	}
	require.NotNil(t, run)
	assert.Equal(t, parent.SpanContext().SpanID(), run.Parent().SpanID())
	for _, s := range spans {
		if s.Name() == "batchkit.call BatchGreet" {
			assert.Equal(t, run.SpanContext().SpanID(), s.Parent().SpanID())
			assert.Equal(t, run.SpanContext().TraceID(), s.SpanContext().TraceID())
		}
	}
	// Pairing may swap the spans of look-alike calls, never what they
	// record: the spans' attributes are those of the completed calls.
	slices.Sort(calls)
	slices.Sort(tr.callSpans)
	assert.Equal(t, tr.callSpans, calls)

	a := attrs(run)
	assert.Equal(t, int64(rep.Succeeded), a[otelbatch.AttrRunSucceeded].AsInt64())
	assert.Equal(t, int64(rep.Failed), a[otelbatch.AttrRunFailed].AsInt64())
	assert.Equal(t, int64(0), a[otelbatch.AttrRunCanceled].AsInt64())
	assert.Equal(t, int64(rep.Stats.Calls), a[otelbatch.AttrRunCalls].AsInt64())
	assert.Equal(t, int64(rep.Stats.Retries), a[otelbatch.AttrRunRetries].AsInt64())
	assert.Equal(t, int64(tr.throttles), a[otelbatch.AttrRunThrottles].AsInt64())
	assert.Equal(t, codes.Unset, run.Status().Code, "failed items do not fail the run")
	require.Len(t, run.Events(), tr.throttles)
	for _, ev := range run.Events() {
		assert.Equal(t, otelbatch.EventThrottle, ev.Name)
	}

	assertNoLeaks(t, e)
}

// assertNoLeaks checks that no recorded value holds an item's name or
// words of the service's messages.
func assertNoLeaks(t *testing.T, e *env) {
	t.Helper()
	var values []string
	add := func(kvs []attribute.KeyValue) {
		for _, kv := range kvs {
			values = append(values, kv.Value.String())
		}
	}
	for _, s := range e.spans.Ended() {
		values = append(values, s.Name(), s.Status().Description)
		add(s.Attributes())
		for _, ev := range s.Events() {
			values = append(values, ev.Name)
			add(ev.Attributes)
		}
	}
	var rm metricdata.ResourceMetrics
	require.NoError(t, e.reader.Collect(context.Background(), &rm))
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					add(p.Attributes.ToSlice())
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					add(p.Attributes.ToSlice())
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					add(p.Attributes.ToSlice())
				}
			}
		}
	}
	require.NotEmpty(t, values)
	for _, v := range values {
		for _, secret := range []string{"secret", "no one", "busy", "too many", "NO_SUCH_NAME", "TRY_AGAIN", "SLOW_DOWN", "unavailable"} {
			assert.NotContains(t, v, secret)
		}
	}
}

func TestRecordKeys(t *testing.T) {
	e := newEnv(t, func(o *otelbatch.Options) { o.RecordKeys = true })
	ctx, ro := e.obs.Start(context.Background(), "BatchGreet")
	r, err := batch.New[greeting, string](newGreeter(), runOpts(ro.Hooks(), 2))
	require.NoError(t, err)
	_, err = r.Run(ctx, []greeting{{"en", "ada"}, {"fr", "blaise"}})
	require.NoError(t, err)
	ro.End(nil)
	var keys []string
	for _, s := range e.spans.Ended() {
		if s.Name() == "batchkit.call BatchGreet" {
			keys = append(keys, attrs(s)[otelbatch.AttrCallKey].AsString())
		}
	}
	slices.Sort(keys)
	assert.Equal(t, []string{"en", "fr"}, keys)
}

// TestConcurrentRuns runs two traced runs and two runs of one shared,
// metrics-only Runner at once on one Observer. Under -race it checks that
// an Observer may be shared; its records must add up per run.
func TestConcurrentRuns(t *testing.T) {
	e := newEnv(t)
	shared, err := batch.New[greeting, string](newGreeter(), runOpts(e.obs.Hooks(), 3))
	require.NoError(t, err)
	type result struct {
		traced, plain *batch.Report[greeting, string]
		runSpan       trace.SpanID
		err           error
	}
	results := make([]result, 2)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			res := &results[i]
			ctx, ro := e.obs.Start(context.Background(), "BatchGreet")
			res.runSpan = trace.SpanFromContext(ctx).SpanContext().SpanID()
			r, err := batch.New[greeting, string](newGreeter(), runOpts(ro.Hooks(), 3))
			if err != nil {
				res.err = err
				return
			}
			var plainErr error
			var inner sync.WaitGroup
			inner.Go(func() { res.plain, plainErr = shared.Run(context.Background(), scripted()) })
			res.traced, res.err = r.Run(ctx, scripted())
			ro.End(res.err)
			inner.Wait()
			res.err = errors.Join(res.err, plainErr)
		})
	}
	wg.Wait()

	var reps []*batch.Report[greeting, string]
	callsOf := map[trace.SpanID]int{}
	for _, res := range results {
		require.NoError(t, res.err)
		reps = append(reps, res.traced, res.plain)
		callsOf[res.runSpan] = res.traced.Stats.Calls
	}
	assert.Equal(t, itemPoints(reps...), e.points(t, otelbatch.MetricItems))
	assert.Equal(t, map[string]float64{"": 0}, e.points(t, otelbatch.MetricCallsActive))
	calls := 0.0
	for _, v := range e.points(t, otelbatch.MetricCalls) {
		calls += v
	}
	want := 0
	for _, rep := range reps {
		want += rep.Stats.Calls
	}
	assert.Equal(t, float64(want), calls)

	// Spans: only the traced runs have them, each call under its own run.
	got := map[trace.SpanID]int{}
	runs := 0
	for _, s := range e.spans.Ended() {
		switch s.Name() {
		case "batchkit.run BatchGreet":
			runs++
			assert.Equal(t, int64(callsOf[s.SpanContext().SpanID()]), attrs(s)[otelbatch.AttrRunCalls].AsInt64())
		case "batchkit.call BatchGreet":
			got[s.Parent().SpanID()]++
			assert.NotEqual(t, otelbatch.OutcomeUnfinished, attrs(s)[otelbatch.AttrOutcome].AsString())
		}
	}
	assert.Equal(t, 2, runs)
	assert.Equal(t, callsOf, got)
}

// TestSharedRunObserver gives one RunObserver's hooks to a Runner that runs
// twice at once: misuse the documentation warns of, which must stay safe
// and lose no span.
func TestSharedRunObserver(t *testing.T) {
	e := newEnv(t)
	ctx, ro := e.obs.Start(context.Background(), "BatchGreet")
	r, err := batch.New[greeting, string](newGreeter(), runOpts(ro.Hooks(), 3))
	require.NoError(t, err)
	reps := make([]*batch.Report[greeting, string], 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range reps {
		wg.Go(func() { reps[i], errs[i] = r.Run(ctx, scripted()) })
	}
	wg.Wait()
	ro.End(errors.Join(errs...))
	require.NoError(t, errors.Join(errs...))
	calls := 0
	for _, s := range e.spans.Ended() {
		if s.Name() == "batchkit.call BatchGreet" {
			calls++
			assert.NotEqual(t, otelbatch.OutcomeUnfinished, attrs(s)[otelbatch.AttrOutcome].AsString())
		}
	}
	assert.Equal(t, reps[0].Stats.Calls+reps[1].Stats.Calls, calls)
}

func TestEnd(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		code string // "" for no error status
	}{
		{"nil", nil, ""},
		{"batch error", fmt.Errorf("wrapped: %w", &batch.Error{Code: batch.CodeUnauthorized, Message: "secret token refused"}), "Unauthorized"},
		{"custom code", &batch.Error{Code: "secret code", Message: "secret"}, "Unknown"},
		{"context", context.DeadlineExceeded, "Canceled"},
		{"other", errors.New("secret"), "Unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			_, ro := e.obs.Start(context.Background(), "BatchGreet")
			h := ro.Hooks()
			// A call still in flight when End comes.
			h.OnCall(batch.CallInfo{Operation: "BatchGreet", Key: "en", Items: 2})
			ro.End(tc.err)
			ro.End(errors.New("second End is ignored"))
			// Reports after End: metrics only.
			h.OnCall(batch.CallInfo{Operation: "BatchGreet", Key: "en", Items: 2, Done: true})
			h.OnThrottle(batch.ThrottleInfo{Operation: "BatchGreet", Rate: 5})

			spans := e.spans.Ended()
			require.Len(t, spans, 2)
			call, run := spans[0], spans[1]
			assert.Equal(t, otelbatch.OutcomeUnfinished, attrs(call)[otelbatch.AttrOutcome].AsString())
			assert.Empty(t, run.Events())
			if tc.code == "" {
				assert.Equal(t, codes.Unset, run.Status().Code)
				assert.NotContains(t, attrs(run), otelbatch.AttrErrorCode)
			} else {
				assert.Equal(t, sdktrace.Status{Code: codes.Error, Description: tc.code}, run.Status())
				assert.Equal(t, tc.code, attrs(run)[otelbatch.AttrErrorCode].AsString())
			}
			assert.Equal(t, map[string]float64{"batchkit.call.outcome=ok": 1}, e.points(t, otelbatch.MetricCalls))
			assert.Equal(t, map[string]float64{"": 5}, e.points(t, otelbatch.MetricSendRate))
			assertNoLeaks(t, e)
		})
	}
}

// TestGlobalProviders checks that zero Options work: the global providers,
// no-ops until a program installs others.
func TestGlobalProviders(t *testing.T) {
	obs, err := otelbatch.New()
	require.NoError(t, err)
	ctx, ro := obs.Start(context.Background(), "BatchGreet")
	r, err := batch.New[greeting, string](newGreeter(), runOpts(ro.Hooks(), 1))
	require.NoError(t, err)
	rep, err := r.Run(ctx, []greeting{{"en", "ada"}})
	require.NoError(t, err)
	ro.End(err)
	assert.Equal(t, 1, rep.Succeeded)
}

// BenchmarkOutcomeHook measures the per-item cost of the metrics hooks, the
// hot path: one counter increment with a cached attribute set.
func BenchmarkOutcomeHook(b *testing.B) {
	e := newEnv(b)
	h := e.obs.Hooks().OnOutcome
	info := batch.OutcomeInfo{Operation: "BatchGreet", Status: batch.StatusFailed, Err: &batch.Error{Code: batch.CodeNotFound}}
	b.ReportAllocs()
	for b.Loop() {
		h(info)
	}
}
