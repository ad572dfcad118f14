package otelbatch

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/batchkit/batchkit/batch"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func ms(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

func TestPick(t *testing.T) {
	for _, tc := range []struct {
		name   string
		starts []int // ms after t0, in send order
		sent   int   // completion time less Elapsed
		want   int
	}{
		{"one", []int{0}, 50, 0},
		{"exact", []int{0, 10, 20}, 10, 1},
		{"closest", []int{0, 10, 20}, 14, 1},
		{"closest later", []int{0, 10, 20}, 16, 2},
		{"after all", []int{0, 10, 20}, 90, 2},
		{"before all", []int{5, 10, 20}, 0, 0},
		{"ties go to the earliest", []int{0, 0, 0}, 0, 0},
		{"equally far", []int{0, 20}, 10, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := make([]openCall, len(tc.starts))
			for i, s := range tc.starts {
				q[i].start = ms(s)
			}
			assert.Equal(t, tc.want, pick(q, ms(tc.sent)), "got, want")
		})
	}
}

// TestMatchByElapsed drives the hooks with a clock of its own: of two
// look-alike calls in flight, the one sent second completes first, and its
// Elapsed says so; each span must get its own call's times and outcome.
func TestMatchByElapsed(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	t.Cleanup(func() { assert.NoError(t, tp.Shutdown(context.Background())) })
	o, err := New(func(o *Options) { o.TracerProvider = tp })
	require.NoError(t, err)
	now := ms(0)
	o.now = func() time.Time { return now }
	_, ro := o.Start(context.Background(), "BatchGreet")
	h := ro.Hooks()
	call := batch.CallInfo{Operation: "BatchGreet", Key: "en", Items: 3}

	h.OnCall(call) // A, at 0
	now = ms(10)
	h.OnCall(call) // B, at 10
	now = ms(15)
	done := call
	done.Done, done.Elapsed, done.Throttled = true, 5*time.Millisecond, true
	h.OnCall(done) // B completes, throttled
	now = ms(40)
	done.Elapsed, done.Throttled = 40*time.Millisecond, false
	h.OnCall(done) // A completes
	now = ms(50)
	ro.End(nil)

	spans := sr.Ended()
	require.Len(t, spans, 3)
	b, a := spans[0], spans[1]
	assert.Equal(t, [2]time.Time{ms(10), ms(15)}, [2]time.Time{b.StartTime(), b.EndTime()})
	assert.Equal(t, [2]time.Time{ms(0), ms(40)}, [2]time.Time{a.StartTime(), a.EndTime()})
	outcome := func(s sdktrace.ReadOnlySpan) string {
		for _, kv := range s.Attributes() {
			if kv.Key == AttrOutcome {
				return kv.Value.AsString()
			}
		}
		return ""
	}
	assert.Equal(t, OutcomeThrottled, outcome(b))
	assert.Equal(t, OutcomeOK, outcome(a))
	assert.Empty(t, ro.open, "no span left open")
}

// TestMatchByCallID: two look-alike calls in flight complete in the
// opposite order, with Elapsed saying nothing useful; their CallIDs still
// end each span with its own call's times and outcome.
func TestMatchByCallID(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	t.Cleanup(func() { assert.NoError(t, tp.Shutdown(context.Background())) })
	o, err := New(func(o *Options) { o.TracerProvider = tp })
	require.NoError(t, err)
	now := ms(0)
	o.now = func() time.Time { return now }
	_, ro := o.Start(context.Background(), "BatchGreet")
	h := ro.Hooks()
	a := batch.CallInfo{CallID: 7, Operation: "BatchGreet", Key: "en", Items: 3}
	b := a
	b.CallID = 8
	h.OnCall(a)
	now = ms(10)
	h.OnCall(b)
	now = ms(15)
	done := a
	done.Done, done.Throttled = true, true
	h.OnCall(done) // A completes first, throttled; no Elapsed to go by
	now = ms(40)
	done = b
	done.Done = true
	h.OnCall(done)
	ro.End(nil)
	spans := sr.Ended()
	require.Len(t, spans, 3)
	assert.Equal(t, [2]time.Time{ms(0), ms(15)}, [2]time.Time{spans[0].StartTime(), spans[0].EndTime()})
	assert.Equal(t, [2]time.Time{ms(10), ms(40)}, [2]time.Time{spans[1].StartTime(), spans[1].EndTime()})
	assert.Empty(t, ro.open, "no span left open")
}

// TestDoneWithoutStart covers hooks given to a run already under way: a
// completion with no start seen gets a span that starts Elapsed before.
func TestDoneWithoutStart(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	t.Cleanup(func() { assert.NoError(t, tp.Shutdown(context.Background())) })
	o, err := New(func(o *Options) { o.TracerProvider = tp })
	require.NoError(t, err)
	o.now = func() time.Time { return ms(100) }
	_, ro := o.Start(context.Background(), "BatchGreet")
	ro.Hooks().OnCall(batch.CallInfo{Operation: "BatchGreet", Items: 1, Done: true, Elapsed: 30 * time.Millisecond})
	spans := sr.Ended()
	require.Len(t, spans, 1)
	assert.Equal(t, [2]time.Time{ms(70), ms(100)}, [2]time.Time{spans[0].StartTime(), spans[0].EndTime()})
}

func TestOutcomeOf(t *testing.T) {
	for _, tc := range []struct {
		ci   batch.CallInfo
		want string
	}{
		{batch.CallInfo{Done: true}, OutcomeOK},
		{batch.CallInfo{Done: true, Throttled: true}, OutcomeThrottled},
		{batch.CallInfo{Done: true, Throttled: true, Err: &batch.Error{Code: batch.CodeThrottled}}, OutcomeThrottled},
		{batch.CallInfo{Done: true, Err: &batch.Error{Code: batch.CodeThrottled}}, OutcomeThrottled},
		{batch.CallInfo{Done: true, Throttled: true, Err: &batch.Error{Code: batch.CodeUnavailable}}, OutcomeFailed},
		{batch.CallInfo{Done: true, Err: &batch.Error{Code: batch.CodeInvalidInput}}, OutcomeFailed},
	} {
		assert.Equal(t, tc.want, outcomeOf(tc.ci), "got, want for %+v", tc.ci)
	}
}
