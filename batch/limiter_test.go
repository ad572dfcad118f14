package batch

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingLimiter is a Limiter that lets every call go, or refuses them
// all with refuse, and records its reports.
type recordingLimiter struct {
	refuse error
	rate   float64

	mu      sync.Mutex
	waits   int
	reports []CallResult
}

func (l *recordingLimiter) Wait(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waits++
	return l.refuse
}

func (l *recordingLimiter) Done(r CallResult) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reports = append(l.reports, r)
}

// ratedLimiter also reports a rate.
type ratedLimiter struct{ recordingLimiter }

func (l *ratedLimiter) Rate() float64 { return l.rate }

func TestLimiterOptionPacesEveryCall(t *testing.T) {
	a := newScripted(5)
	in := items(100, 2)
	for i := range in {
		if i%10 == 0 {
			in[i].Fail = []Code{CodeThrottled}
		}
	}
	lim := &ratedLimiter{recordingLimiter{rate: 42}}
	var rates throttleRates
	r := mustRunner(t, a, func(o *Options) {
		o.Limiter = lim
		o.Hooks.OnThrottle = rates.hook
	})
	rep, err := r.Run(context.Background(), in)
	require.NoError(t, err)
	checkLedger(t, in, rep)
	assert.Equal(t, 100, rep.Succeeded)
	calls := len(a.callLog())
	assert.Equal(t, calls, lim.waits, "one Wait per call sent")
	assert.Len(t, lim.reports, calls, "one report per call")
	throttled := 0
	for _, res := range lim.reports {
		assert.False(t, res.Sent.IsZero())
		if res.Throttled > 0 {
			throttled++
		}
	}
	assert.Equal(t, int(rep.Stats.ThrottledCalls), throttled)
	assert.Len(t, rates.all, throttled, "OnThrottle on every throttle signal")
	for _, got := range rates.all {
		assert.Equal(t, 42.0, got, "OnThrottle reports the Limiter's Rate")
	}
}

// TestRegressionLimiterRateAfterThrottleInFlight: a call throttled in
// flight and then accepted reached OnThrottle with a rate of 0 instead of
// the Limiter's, because the rate came from the accepted outcome's report.
func TestRegressionLimiterRateAfterThrottleInFlight(t *testing.T) {
	a := newScripted(5)
	a.onCall = func(ctx context.Context, _ string, _ []item) error {
		SignalThrottle(ctx) // the SDK retried a throttled attempt
		return nil
	}
	lim := &ratedLimiter{recordingLimiter{rate: 42}}
	var rates throttleRates
	r := mustRunner(t, a, func(o *Options) {
		o.Limiter = lim
		o.Hooks.OnThrottle = rates.hook
	})
	rep, err := r.Run(context.Background(), items(10, 1))
	require.NoError(t, err)
	assert.Equal(t, 10, rep.Succeeded)
	require.NotEmpty(t, rates.all)
	for _, got := range rates.all {
		assert.Equal(t, 42.0, got, "OnThrottle reports the Limiter's Rate")
	}
}

func TestLimiterWithoutRateReportsZero(t *testing.T) {
	a := newScripted(5)
	in := items(10, 1)
	in[0].Fail = []Code{CodeThrottled}
	var rates throttleRates
	r := mustRunner(t, a, func(o *Options) {
		o.Limiter = &recordingLimiter{}
		o.Hooks.OnThrottle = rates.hook
	})
	rep, err := r.Run(context.Background(), in)
	require.NoError(t, err)
	checkLedger(t, in, rep)
	assert.Equal(t, []float64{0}, rates.all)
}

func TestLimiterWaitErrorSendsNothing(t *testing.T) {
	a := newScripted(5)
	in := items(20, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	lim := &recordingLimiter{refuse: context.Canceled}
	r := mustRunner(t, a, func(o *Options) { o.Limiter = lim })
	rep, err := r.Run(ctx, in)
	require.ErrorIs(t, err, context.Canceled)
	checkLedger(t, in, rep)
	assert.Empty(t, a.callLog(), "calls sent after a refused Wait")
	assert.Empty(t, lim.reports, "reports for calls never sent")
}

func TestAdaptiveLimiterSharedByRuns(t *testing.T) {
	// MaxRate holds slow start at the starting rate, so that a cut shows
	// whatever the calls' timing.
	lim, err := NewAdaptiveLimiter(Options{Rate: 100000, MaxRate: 100000})
	require.NoError(t, err)
	assert.Equal(t, 100000.0, lim.Rate())
	in := items(50, 1)
	in[0].Fail = []Code{CodeThrottled}
	var cuts []float64
	r := mustRunner(t, newScripted(5), func(o *Options) {
		o.Limiter = lim
		o.Hooks.OnThrottle = func(ti ThrottleInfo) { cuts = append(cuts, ti.Rate) }
	})
	rep, err := r.Run(context.Background(), in)
	require.NoError(t, err)
	checkLedger(t, in, rep)
	require.NotEmpty(t, cuts)
	assert.Less(t, cuts[0], 100000.0, "the run's throttle cut the shared rate")
	assert.Less(t, lim.Rate(), 100000.0)

	// A second run shares the rate the first one left.
	rep, err = mustRunner(t, newScripted(5), func(o *Options) { o.Limiter = lim }).Run(context.Background(), items(5, 1))
	require.NoError(t, err)
	assert.Equal(t, 5, rep.Succeeded)
}

func TestNewAdaptiveLimiterChecksOptions(t *testing.T) {
	_, err := NewAdaptiveLimiter(Options{MinRate: 10, MaxRate: 5})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "batch: Options.MinRate")
	_, err = NewAdaptiveLimiter(Options{Rate: -1})
	assert.True(t, err != nil && !errors.Is(err, context.Canceled))
}
