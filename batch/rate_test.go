package batch

import (
	"context"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/batchkit/batchkit/internal/quota"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// manualClock is a Clock that moves only when told to. After registers a
// timer and announces it on armed, so a test can wait for a goroutine to
// block on the clock without sleeping.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
	armed  chan time.Duration
}

type manualTimer struct {
	at time.Time
	ch chan time.Time
}

func newManualClock() *manualClock {
	return &manualClock{now: time.Unix(1_000_000, 0), armed: make(chan time.Duration, 100)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) After(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTimer{at: c.now.Add(d), ch: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	select {
	case c.armed <- d:
	default: // nobody reads the announcements of this clock (Batcher tests)
	}
	return t.ch, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, x := range c.timers {
			if x == t {
				c.timers = append(c.timers[:i], c.timers[i+1:]...)
				return
			}
		}
	}
}

// set moves the clock to t, forward or back, firing the timers due.
func (c *manualClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.timers[:0]
	for _, x := range c.timers {
		if x.at.After(t) {
			kept = append(kept, x)
			continue
		}
		x.ch <- t
	}
	c.timers = kept
}

func (c *manualClock) advance(d time.Duration) { c.set(c.Now().Add(d)) }

// waiters returns how many timers are pending.
func (c *manualClock) waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// newTestRate returns the adaptive rate of a run with opts on clock.
func newTestRate(t *testing.T, clock Clock, o Options) *adaptiveRate {
	t.Helper()
	o.Clock = clock
	s, err := newSettings(o, 25)
	require.NoError(t, err)
	return newAdaptiveRate(&s)
}

// rateDriver sends and completes calls against an adaptiveRate in simulated
// time, as the simulation does, without goroutines.
type rateDriver struct {
	a     *adaptiveRate
	clock *manualClock
}

// send lets one call go at the earliest time the rate allows, moving the
// clock there, and returns when it went. waiting is how many callers wait
// for the rate meanwhile, as MaxInFlight workers would, and after.
func (d rateDriver) send(waiting int) time.Time {
	defer d.setWaiting(waiting)
	for {
		d.setWaiting(waiting + 1)
		now := d.clock.Now()
		wait, _, ok := d.a.try(now, true)
		if ok {
			return now
		}
		d.clock.advance(wait)
	}
}

func (d rateDriver) setWaiting(n int) {
	d.a.mu.Lock()
	d.a.waiting = n
	d.a.mu.Unlock()
}

// done reports a call sent at sent that took latency, throttled with weight
// w, moving the clock to its end if that is later.
func (d rateDriver) done(sent time.Time, latency time.Duration, w float64) (float64, bool) {
	if now := sent.Add(latency); now.After(d.clock.Now()) {
		d.clock.set(now)
	}
	return d.a.Done(CallResult{Sent: sent, Throttled: w})
}

// steady sends n calls, each answered after latency with weight w, while
// another caller waits for the rate: a new call goes as soon as the rate
// allows, and answers come back in order, so at most about rate × latency
// calls are in flight.
func (d rateDriver) steady(n int, latency time.Duration, w float64) {
	var inFlight []time.Time
	for range n {
		sent := d.send(1)
		inFlight = append(inFlight, sent)
		for len(inFlight) > 0 && !inFlight[0].Add(latency).After(d.clock.Now()) {
			d.a.Done(CallResult{Sent: inFlight[0], Throttled: w})
			inFlight = inFlight[1:]
		}
	}
	for _, s := range inFlight {
		d.done(s, latency, w)
	}
}

func TestRateWaitPacesAndCancels(t *testing.T) {
	clock := newManualClock()
	a := newTestRate(t, clock, Options{Rate: 10, FixedRate: true})
	ctx := context.Background()
	require.NoError(t, a.Wait(ctx), "the first call goes at once")

	went := make(chan error, 1)
	go func() { went <- a.Wait(ctx) }()
	d := <-clock.armed
	assert.InDelta(t, 100*time.Millisecond, d, float64(time.Millisecond), "the second call waits a tenth of a second at 10 calls/s")
	clock.advance(99 * time.Millisecond)
	select {
	case err := <-went:
		t.Fatalf("Wait returned %v before its time", err)
	default:
	}
	clock.advance(time.Millisecond)
	require.NoError(t, <-went)

	// Canceled while waiting: the call does not go, and the caller is no
	// longer counted as waiting.
	cctx, cancel := context.WithCancel(ctx)
	go func() { went <- a.Wait(cctx) }()
	<-clock.armed
	cancel()
	require.ErrorIs(t, <-went, context.Canceled)
	a.mu.Lock()
	assert.Zero(t, a.waiting, "callers counted as waiting after a cancel")
	a.mu.Unlock()
	// The canceled Wait let no call go: the next goes on time.
	clock.advance(100 * time.Millisecond)
	require.NoError(t, a.Wait(ctx))
}

// TestRateWaitersWakeWhenTheRateRises checks that callers waiting at the
// start of a run, at MinRate, go as soon as slow start raises the rate,
// instead of a second later.
func TestRateWaitersWakeWhenTheRateRises(t *testing.T) {
	clock := newManualClock()
	a := newTestRate(t, clock, Options{})
	ctx := context.Background()
	require.NoError(t, a.Wait(ctx))
	sent := clock.Now()

	went := make(chan error, 1)
	go func() { went <- a.Wait(ctx) }()
	assert.Equal(t, time.Second, <-clock.armed, "at MinRate the second call would wait a second")
	clock.advance(20 * time.Millisecond)
	a.Done(CallResult{Sent: sent}) // accepted after 20 ms: the rate is now about 50 calls/s
	d := <-clock.armed             // the waiter tried again and waits for what is left
	assert.Less(t, d, 20*time.Millisecond)
	clock.advance(d)
	require.NoError(t, <-went)
}

// TestRateSlowStartGrowsByRoundTrips: each accepted call adds a call per
// round trip, and the calls of a round trip are answered one round trip
// later, so the rate grows by e^W(1) ≈ 1.76 per round trip until
// MaxInFlight holds it.
func TestRateSlowStartGrowsByRoundTrips(t *testing.T) {
	const rtt = 20 * time.Millisecond
	sc := simScenario{name: "slow-start", latency: rtt, jitter: 0.01, inFlight: 256, calls: 1, until: 400 * time.Millisecond}
	res := simulate(t, &sc, 1)
	t0 := res.sendTimes[0]
	perRound := make([]int, 16)
	for _, s := range res.sendTimes {
		if i := int(s.Sub(t0) / rtt); i < len(perRound) {
			perRound[i]++
		}
	}
	t.Logf("calls sent per round trip: %v", perRound)
	for i := 6; i < 12; i++ {
		ratio := float64(perRound[i]) / float64(perRound[i-1])
		assert.InDelta(t, 1.76, ratio, 0.4, "round trip %d sent %d calls after %d", i, perRound[i], perRound[i-1])
	}
	assert.InDelta(t, 256, perRound[15], 16, "MaxInFlight calls per round trip within 15 round trips")
}

// startAndThrottle runs slow start against a service that accepts every
// call until the first throttle, then reports that throttle.
func startAndThrottle(t *testing.T, o Options, calls int) (rateDriver, float64) {
	t.Helper()
	clock := newManualClock()
	d := rateDriver{newTestRate(t, clock, o), clock}
	var last time.Time
	for range calls {
		last = d.send(1)
		d.done(last, 20*time.Millisecond, 0)
	}
	before := d.a.cur
	r, cut := d.done(d.send(1), 20*time.Millisecond, 1)
	require.True(t, cut, "the first throttle cuts")
	t.Logf("slow start reached %.0f calls/s; the first throttle cut it to %.1f", before, r)
	return d, r
}

// TestRateFirstThrottleDropsBelowTheStartupBurst: what the service accepted
// during the start-up may include a bucket's burst, so the first cut goes to
// a quarter of it, not to a fixed floor.
func TestRateFirstThrottleDropsBelowTheStartupBurst(t *testing.T) {
	d, r := startAndThrottle(t, Options{}, 200)
	accepted := d.a.recentRate(d.clock.Now())
	assert.InDelta(t, (1-startDip)*accepted, r, 0.05*accepted, "first cut, from an accepted rate of %.0f", accepted)
	assert.Greater(t, r, DefaultMinRate)
}

// TestRateReturnsToWhatTheServiceAccepts drives the rate, one call at a
// time, against a quota of 20 calls/s with a bucket of a second: after the
// start-up every cut goes to just below what the service accepts, never to a
// floor, and the rate climbs back to it.
func TestRateReturnsToWhatTheServiceAccepts(t *testing.T) {
	clock := newManualClock()
	d := rateDriver{newTestRate(t, clock, Options{}), clock}
	var bucket quota.Bucket
	bucket.Set(20, 0, clock.Now())
	start := clock.Now()
	var cuts []float64
	lowest := math.Inf(1)
	for clock.Now().Sub(start) < 120*time.Second {
		sent := d.send(1)
		w := 0.0
		if !bucket.Take(sent) {
			w = 1
		}
		r, cut := d.done(sent, 20*time.Millisecond, w)
		if clock.Now().Sub(start) > 5*time.Second {
			lowest = min(lowest, r)
			if cut {
				cuts = append(cuts, r)
			}
		}
	}
	t.Logf("after the start-up: cuts to %.1f; lowest rate %.1f; measured rate %.1f", cuts, lowest, d.a.base)
	require.NotEmpty(t, cuts, "the climb meets the quota now and then")
	assert.Less(t, len(cuts), 20, "about one cut per 200 calls")
	assert.Greater(t, lowest, (1-2*rateDip)*0.95*20, "never below two dips under the quota")
	assert.InDelta(t, 20, d.a.base, 1, "the measurement is the quota")
}

func TestRateOneCutPerRoundTrip(t *testing.T) {
	d, r := startAndThrottle(t, Options{}, 100)
	// Calls sent before the cut come back throttled too: old news.
	before := d.clock.Now().Add(-10 * time.Millisecond)
	for range 5 {
		r2, cut := d.a.Done(CallResult{Sent: before, Throttled: 1})
		assert.False(t, cut)
		assert.Equal(t, r, r2)
	}
	// A call sent after the cut and throttled: the cut was not enough.
	d.clock.advance(50 * time.Millisecond)
	_, cut := d.done(d.send(1), 20*time.Millisecond, 1)
	assert.True(t, cut, "a throttle of a call sent after the cut cuts again")
}

func TestRateItemThrottlesWeighted(t *testing.T) {
	clock := newManualClock()
	d := rateDriver{newTestRate(t, clock, Options{Rate: 100, MaxRate: 100}), clock}
	d.steady(300, 20*time.Millisecond, 0)
	require.Equal(t, 100.0, d.a.cur)
	r, cut := d.done(d.send(1), 20*time.Millisecond, 0.05)
	require.True(t, cut)
	assert.InDelta(t, 100*(1-0.05*startDip), r, 1.5, "one throttled item in twenty cuts by about a twentieth of a dip")
	// Item throttles on every tenth call, whatever the rate, must not drive
	// the rate down.
	for range 100 {
		d.steady(9, 20*time.Millisecond, 0)
		d.steady(1, 20*time.Millisecond, 0.05)
	}
	assert.Greater(t, d.a.cur, 90.0, "after 1000 calls with sparse item throttles")
}

func TestRateMaxRateIsNeverExceeded(t *testing.T) {
	clock := newManualClock()
	d := rateDriver{newTestRate(t, clock, Options{MaxRate: 30}), clock}
	for range 500 {
		d.steady(1, 5*time.Millisecond, 0)
		require.LessOrEqual(t, d.a.cur, 30.0)
	}
	assert.Equal(t, 30.0, d.a.cur, "slow start stops at MaxRate")
	start := clock.Now()
	d.steady(300, 5*time.Millisecond, 0)
	assert.InDelta(t, 10*time.Second, clock.Now().Sub(start), float64(100*time.Millisecond), "300 calls at 30 calls/s")
}

func TestRateFixed(t *testing.T) {
	clock := newManualClock()
	d := rateDriver{newTestRate(t, clock, Options{Rate: 50, FixedRate: true}), clock}
	r, cut := d.done(d.send(1), time.Millisecond, 1)
	assert.False(t, cut)
	assert.Equal(t, 50.0, r)
	d.steady(100, time.Millisecond, 0)
	assert.Equal(t, 50.0, d.a.cur, "a fixed rate does not grow")

	unlimited := newTestRate(t, clock, Options{FixedRate: true})
	r, cut = unlimited.Done(CallResult{Sent: clock.Now(), Throttled: 1})
	assert.False(t, cut)
	assert.Zero(t, r, "a fixed rate of zero is no limit")

	capped := newTestRate(t, clock, Options{FixedRate: true, MaxRate: 5})
	assert.Equal(t, 5.0, capped.cur, "MaxRate caps a fixed rate of no limit")
}

// TestRateThrottleEverything: against a service that throttles every call
// the rate falls to MinRate, not below, and calls keep going at that rate:
// the run ends by its items' attempt bounds.
func TestRateThrottleEverything(t *testing.T) {
	sc := simScenario{name: "throttle-everything", quota: []quotaStep{{0, 1e-9}}, burst: 1, calls: 1, until: 60 * time.Second}
	res := simulate(t, &sc, 1)
	t.Logf("in 60 s: %d calls sent, lowest rate %.2f calls/s", res.sent, res.lowestRate)
	assert.InDelta(t, DefaultMinRate, res.lowestRate, 1e-9, "the rate rests at MinRate")
	assert.Greater(t, res.sent, 50, "calls go on at MinRate: the items use up their attempts")
	assert.Less(t, res.sent, 200, "no spin")
}

// TestRateQuotaBelowOneCallPerSecond checks the documented behaviour for a
// quota of 0.5 calls/s: at the default MinRate the rate rests at 1 call/s and
// half the calls are throttled; with MinRate lowered it follows the quota
// roughly (the measurements span few calls); with MaxRate at the quota
// nothing is throttled.
func TestRateQuotaBelowOneCallPerSecond(t *testing.T) {
	sc := simScenario{name: "quota-0.5", quota: []quotaStep{{0, 0.5}}, calls: 1, until: 600 * time.Second}
	run := func(opts func(*Options)) simResult {
		sc.opts = opts
		res := simulate(t, &sc, 1)
		t.Logf("%d calls sent in 600 s, %d accepted, %.0f%% of attempts throttled, rate at least %.2f",
			res.sent, res.accepted, 100*res.throttledShare(), res.lowestRate)
		return res
	}
	res := run(nil)
	assert.Equal(t, DefaultMinRate, res.lowestRate)
	assert.InDelta(t, 300, res.accepted, 10, "the service accepts its quota")

	res = run(func(o *Options) { o.MinRate = 0.05 })
	assert.Greater(t, res.accepted, 150, "at least half the quota")
	assert.Less(t, res.throttledShare(), 0.4)

	res = run(func(o *Options) { o.MaxRate = 0.5 })
	assert.InDelta(t, 300, res.accepted, 10)
	assert.Zero(t, res.throttled)
}

func TestRateClockJumps(t *testing.T) {
	clock := newManualClock()
	d := rateDriver{newTestRate(t, clock, Options{Rate: 40, MaxRate: 40}), clock}
	d.steady(100, 10*time.Millisecond, 0)

	// Back an hour: a call waits no longer than one interval of the rate.
	clock.set(clock.Now().Add(-time.Hour))
	back := clock.Now()
	d.send(0)
	d.send(0)
	assert.LessOrEqual(t, clock.Now().Sub(back), 25*time.Millisecond, "two calls at 40 calls/s after the clock went back")

	// Forward an hour: one call goes at once and the next waits its turn.
	clock.advance(time.Hour)
	jumped := clock.Now()
	first := d.send(0)
	second := d.send(0)
	assert.Equal(t, jumped, first, "the first call after the jump goes at once")
	assert.InDelta(t, 25*time.Millisecond, second.Sub(first), float64(time.Millisecond), "no burst after the jump")
}

// TestRatePauseIsNotALowRate: a throttle after a long pause (or a clock that
// jumped forward) cuts as it would without the pause.
func TestRatePauseIsNotALowRate(t *testing.T) {
	cutAfter := func(pause time.Duration) float64 {
		clock := newManualClock()
		d := rateDriver{newTestRate(t, clock, Options{Rate: 40, MaxRate: 40}), clock}
		d.steady(100, 10*time.Millisecond, 0)
		clock.advance(pause)
		d.steady(100, 10*time.Millisecond, 0)
		r, cut := d.done(d.send(1), 10*time.Millisecond, 1)
		require.True(t, cut)
		return r
	}
	without, with := cutAfter(0), cutAfter(time.Hour)
	t.Logf("first cut without a pause %.1f, after an hour's pause %.1f", without, with)
	assert.InDelta(t, without, with, 0.05*without)
}

func TestRateOptions(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    Options
		want string // in the error; empty for none
	}{
		{"MinRate above Rate", Options{Rate: 5, MinRate: 10}, "MinRate (10) must not be above Options.Rate (5)"},
		{"MinRate above MaxRate", Options{MaxRate: 5, MinRate: 10}, "MinRate (10) must not be above Options.MaxRate (5)"},
		{"Rate above MaxRate", Options{Rate: 50, MaxRate: 10}, "Rate (50) must not be above Options.MaxRate (10)"},
		{"MaxRate NaN", Options{MaxRate: math.NaN()}, "MaxRate must be a finite number"},
		{"MaxRate infinite", Options{MaxRate: math.Inf(1)}, "MaxRate must be a finite number"},
		{"MaxRate negative", Options{MaxRate: -1}, "MaxRate must be a finite number of calls per second, not negative"},
		{"Rate NaN", Options{Rate: math.NaN()}, "Rate must be a finite number"},
		{"MinRate NaN", Options{MinRate: math.NaN()}, "MinRate must be a finite number"},
		{"MaxRate zero is no ceiling", Options{MaxRate: 0, Rate: 1e6}, ""},
		{"a Rate below the default MinRate lowers it", Options{Rate: 0.5}, ""},
		{"a MaxRate below the default MinRate lowers it", Options{MaxRate: 0.2}, ""},
		{"FixedRate with MinRate above Rate", Options{Rate: 5, MinRate: 10, FixedRate: true}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := newSettings(tt.o, 25)
			if tt.want == "" {
				require.NoError(t, err)
				assert.LessOrEqual(t, s.MinRate, max(tt.o.MinRate, DefaultMinRate))
				if tt.o.MaxRate > 0 && !tt.o.FixedRate {
					assert.LessOrEqual(t, s.MinRate, tt.o.MaxRate)
				}
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "batch: ")
		})
	}
}

func TestBudget(t *testing.T) {
	b := newBudget(2)
	first, second, third := b.take(), b.take(), b.take()
	if !first || !second || third {
		t.Fatalf("takes from a budget of 2: %v %v %v, want true true false", first, second, third)
	}
	for range 9 {
		b.earn()
	}
	if b.take() {
		t.Fatal("nine successes earned a retry, want ten")
	}
	b.earn()
	if !b.take() {
		t.Fatal("ten successes must earn one retry")
	}
}

// TestRunServiceThrottlesEveryCall: the run ends by its items' attempt
// bounds and reports every item as throttled, and the rate never falls
// below MinRate.
func TestRunServiceThrottlesEveryCall(t *testing.T) {
	a := newScripted(5)
	a.onCall = func(ctx context.Context, key string, items []item) error {
		SignalThrottle(ctx) // the SDK saw a throttled attempt
		return &Error{Code: CodeThrottled, ServiceCode: "ThrottlingException", Retryable: true}
	}
	var rates throttleRates
	in := items(50, 2)
	r := mustRunner(t, a, func(o *Options) {
		o.MaxAttempts = 2
		o.Hooks.OnThrottle = rates.hook
	})
	rep, err := r.Run(context.Background(), in)
	require.NoError(t, err)
	checkLedger(t, in, rep)
	assert.Equal(t, len(in), rep.Failed)
	for _, o := range rep.Outcomes {
		require.NotNil(t, o.Err)
		assert.Equal(t, CodeThrottled, o.Err.Code)
		assert.LessOrEqual(t, o.Attempts, throttleAttemptsFactor*2)
	}
	calls := len(a.callLog())
	assert.LessOrEqual(t, calls, 10*throttleAttemptsFactor*2, "10 calls' worth of items, each sent at most 8 times")
	require.NotEmpty(t, rates.all)
	assert.GreaterOrEqual(t, slices.Min(rates.all), 20000.0, "MinRate (20000 in these tests) is the floor")
}
