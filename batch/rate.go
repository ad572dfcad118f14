package batch

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter is the engine's view of a [Limiter]: Done also returns the send
// rate after the report, in calls per second (0 for no limit), and whether
// the report set it: a throttle that cut it, even to where it was (at
// MinRate). The contract is Limiter's. (Issue 9 shaped it; issue 11
// exported Limiter.)
type limiter interface {
	Wait(ctx context.Context) error
	Done(r CallResult) (rate float64, cut bool)
}

// The constants of the adaptive rate. Each says why it has its value; the
// simulation in rate_sim_test.go checks the targets of issue 9 against them
// (go test ./batch -run TestRateSimulation -v prints the figures).
const (
	// rateDip is how far below the measured rate a throttle sends the
	// rate. After a throttle the service's bucket is empty, and until it
	// holds a token again every call that arrives just before the next
	// token is throttled, and its retry (paced by the rate, PaceRetry)
	// takes a later token: at a dip d that lasts about 1/d calls. 8% keeps
	// it to about a dozen calls while the climb back, which averages the
	// measured rate over a cycle, loses no goodput to it.
	rateDip = 0.08

	// startDip is the dip after the first throttle of a slow start. What
	// the service accepted during the start-up includes the bucket's burst
	// (a second's worth of quota at a fake's defaults), so that measurement
	// can be several times the quota: the rate drops to a quarter of it and
	// climbs back fast, and the next throttle measures the quota itself.
	startDip = 0.75

	// probeRise is how far above the measured rate the climb is one probe
	// cycle after it passed it: 4%, and 32% a cycle later. Gentle first,
	// so the rate meets the quota by little and few calls are throttled;
	// then faster, so a quota that doubled is found within a few cycles.
	probeRise = 0.04

	// probeCalls sets the probe cycle: the climb is back at the measured
	// rate after probeCalls calls' worth of time and meets the quota again
	// about as many later. One episode of throttles (a call or two, with
	// their retries a few more requests) per 200 calls is 1-2% of
	// requests; a shorter cycle finds a raised quota sooner and throttles
	// more often.
	probeCalls = 100

	// minProbeRTTs bounds the probe cycle below in round trips, so each
	// step of the climb is seen before the next: at high quotas probeCalls
	// calls take only a few round trips.
	minProbeRTTs = 4

	// maxProbe bounds the probe cycle above: at 5 calls per second,
	// probeCalls calls take 20 s, and a low first measurement would keep
	// the rate low that long. It also bounds how long a rate cut low (an
	// outage that throttled every call) takes to climb back, and a pause
	// longer than maxProbe starts the measurements over: what the service
	// accepted before it is stale, and the gap is not a low rate.
	maxProbe = 10 * time.Second

	// restartProbe is where, in probe cycles, the climb gives up on the
	// measurement and returns to slow start: the rate is then twice what
	// the service accepted at the last throttle and no throttle came, so
	// the quota rose (or the measurement was low) and the rate doubles every
	// round trip until the next throttle.
	restartProbe = 4

	// spanCalls is the fewest accepted calls a measurement spans when it
	// can: counting one call more or less is then at most a 3% error.
	spanCalls = 30

	// throttlePoints is how many recent throttles the rate remembers to
	// measure from: enough to span spanCalls calls through a storm of
	// throttles.
	throttlePoints = 64

	// wakeRise is how much the rate must rise for callers waiting at the
	// old rate to try again at once: at the start of a run they wait a
	// second at MinRate while slow start doubles the rate every round trip.
	wakeRise = 1.25
)

// throttlePoint is a throttle signal: when it came and how many accepted
// calls had completed by then.
type throttlePoint struct {
	at       time.Time
	accepted int64
}

// adaptiveRate is the run's default limiter, the adaptive send rate
// described in the package documentation under "Send rate".
//
// A service quota is a token bucket: a call is throttled when the bucket is
// empty, and while it stays empty the calls it accepts come at its refill
// rate, the quota. So the calls accepted between two throttles, over the
// time between them, measure the quota whatever the bucket's size, and the
// calls accepted since a throttle measure it while throttles go on.
// adaptiveRate keeps the measurement (base), drops rateDip below it on a
// throttle, and climbs back along a cubic curve: fast at first, flat near
// base after one probe cycle, then above it, slowly and then faster, until
// the service throttles again and the measurement is renewed.
type adaptiveRate struct {
	clock   Clock
	fixed   bool
	minRate float64
	maxRate float64 // +Inf for none

	mu      sync.Mutex
	lim     *rate.Limiter // paces sends at cur, a round trip's worth at once
	limAt   time.Time     // the latest time lim was given
	cur     float64       // calls per second; +Inf for no limit
	waiting int           // callers blocked in Wait
	tick    time.Time     // when the probe clock last advanced

	// raised is closed, and replaced, when the rate rises by wakeRise
	// since it was made, so that callers waiting at the old rate try again.
	raised   chan struct{}
	raisedAt float64 // the rate when raised was made
	raises   int     // times raised was closed

	latency time.Duration // moving average of accepted calls' durations

	// startup is slow start: before the first throttle, and after a climb
	// that went restartProbe cycles without one.
	startup bool

	// The measurement and the climb back.
	base    float64       // calls per second the service accepts, as last measured; 0 before
	from    float64       // the rate the last cut set
	probe   time.Duration // time calls waited for the rate since the last cut
	lastCut time.Time

	// The accepted calls, the throttles they are counted between, and when
	// the last few completed.
	from0    time.Time // when measurements began: the first send, or after a pause
	accepted int64
	points   [throttlePoints]throttlePoint
	pointN   int
	recent   [spanCalls]time.Time

	// The episode: the throttles since the first one after a completed
	// climb. While throttles go on, the calls accepted since the episode
	// began measure the quota.
	epAt       time.Time // the episode's first throttle signal
	epAccepted int64     // accepted calls by then
}

var _ limiter = (*adaptiveRate)(nil)

func newAdaptiveRate(s *settings) *adaptiveRate {
	a := &adaptiveRate{
		clock:   s.Clock,
		fixed:   s.FixedRate,
		minRate: s.MinRate,
		maxRate: math.Inf(1),
		startup: !s.FixedRate,
	}
	if s.MaxRate > 0 {
		a.maxRate = s.MaxRate
	}
	switch {
	case s.FixedRate && s.Rate == 0:
		a.cur = math.Inf(1)
	case s.FixedRate:
		a.cur = s.Rate
	default:
		// Slow start from Rate, or from MinRate: the first call goes at
		// once, and each accepted call adds a call per round trip.
		a.cur = max(s.Rate, s.MinRate)
	}
	a.cur = a.clamp(a.cur)
	a.lim = rate.NewLimiter(limitOf(a.cur), 1)
	a.raised, a.raisedAt = make(chan struct{}), a.cur
	return a
}

func limitOf(r float64) rate.Limit {
	if math.IsInf(r, 1) {
		return rate.Inf
	}
	return rate.Limit(r)
}

// clamp keeps r within MinRate and MaxRate. A fixed rate is only capped.
func (a *adaptiveRate) clamp(r float64) float64 {
	if !a.fixed {
		r = max(r, a.minRate)
	}
	return min(r, a.maxRate)
}

// Wait blocks until one call may be sent or ctx is done. See [limiter].
func (a *adaptiveRate) Wait(ctx context.Context) error {
	parked := false
	for {
		d, raised, ok := a.try(a.clock.Now(), parked)
		if ok {
			return nil
		}
		parked = true
		ch, stop := a.clock.After(d)
		select {
		case <-ch:
		case <-raised:
			stop()
		case <-ctx.Done():
			stop()
			a.unpark(a.clock.Now())
			return ctx.Err()
		}
	}
}

// try lets one call go at now if the rate allows, or returns how long to
// wait before trying again, and a channel closed if the rate rises enough
// to try earlier. parked says the caller is already counted as waiting; try
// counts it in when it must wait and out when it goes.
func (a *adaptiveRate) try(now time.Time, parked bool) (time.Duration, <-chan struct{}, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.advance(now)
	if now.Before(a.limAt) {
		// The clock went back. The limiter would count no time until it
		// caught up with its last event: start it afresh, with one call's
		// worth to send.
		a.lim = rate.NewLimiter(limitOf(a.cur), 1)
	}
	a.limAt = now
	if a.lim.AllowN(now, 1) {
		if a.from0.IsZero() {
			a.from0 = now
		}
		if parked {
			a.waiting--
		}
		return 0, nil, true
	}
	if !parked {
		a.waiting++
	}
	// The limiter holds at most one token: the wait is the time to earn
	// what is missing of it. A wait rounded down to nothing would spin.
	missing := 1 - a.lim.TokensAt(now)
	d := time.Duration(missing / a.cur * float64(time.Second))
	return max(d, time.Microsecond), a.raised, false
}

// unpark counts out a caller that stopped waiting without sending.
func (a *adaptiveRate) unpark(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.advance(now)
	a.waiting--
}

// advance runs the probe clock up to now: it counts only time during which
// calls waited for the rate (the rate is what holds sends back), and at most
// a quarter of a probe cycle at once, so an idle spell or a clock that jumps
// forward does not read as a climb; a clock that jumps back counts as no
// time. a.mu must be held.
func (a *adaptiveRate) advance(now time.Time) {
	dt := now.Sub(a.tick)
	if a.tick.IsZero() || dt < 0 {
		dt = 0
	}
	a.tick = now
	if a.fixed || a.startup || a.base == 0 {
		return
	}
	if a.waiting > 0 {
		a.probe += min(dt, a.cycle()/4)
	}
	x := a.probe.Seconds() / a.cycle().Seconds()
	switch {
	case x >= restartProbe:
		a.startup = true
	case x < 1:
		// Back from the cut to base, fast at first, flat at the end.
		a.setRate(now, a.base+(a.from-a.base)*(1-x)*(1-x)*(1-x))
	default:
		// Above base, slowly at first.
		a.setRate(now, a.base*(1+probeRise*(x-1)*(x-1)*(x-1)))
	}
}

// cycle is the probe cycle: probeCalls calls at the measured rate, within
// minProbeRTTs round trips and maxProbe. a.mu must be held.
func (a *adaptiveRate) cycle() time.Duration {
	d := time.Duration(probeCalls / a.base * float64(time.Second))
	return min(max(d, minProbeRTTs*a.latency), maxProbe)
}

// setRate changes the send rate at now, within MinRate and MaxRate. a.mu
// must be held.
func (a *adaptiveRate) setRate(now time.Time, r float64) {
	r = a.clamp(r)
	if r == a.cur {
		return
	}
	a.cur = r
	a.lim.SetLimitAt(now, limitOf(r))
	// Calls that complete together go again together, up to a round trip's
	// worth: pacing them one by one would slow a run that MaxInFlight
	// holds back, whose calls come back in clumps.
	a.lim.SetBurstAt(now, max(1, int(r*a.latency.Seconds())))
	if now.After(a.limAt) {
		a.limAt = now
	}
	switch {
	case r < a.raisedAt:
		a.raisedAt = r
	case r > wakeRise*a.raisedAt:
		close(a.raised)
		a.raised, a.raisedAt = make(chan struct{}), r
		a.raises++
	}
}

// Done takes one report about a call. See [limiter].
func (a *adaptiveRate) Done(res CallResult) (float64, bool) {
	now := a.clock.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.advance(now)
	w := min(max(res.Throttled, 0), 1)
	if !res.InFlight && w < 1 {
		a.accept(now, res.Sent)
	}
	cut := false
	if w > 0 && !a.fixed {
		cut = a.throttle(now, res.Sent, w)
	}
	return a.reported(), cut
}

// reported is the rate as hooks see it: 0 for no limit. a.mu must be held.
func (a *adaptiveRate) reported() float64 {
	if math.IsInf(a.cur, 1) {
		return 0
	}
	return a.cur
}

// accept counts a call the service accepted, sent at sent. a.mu must be held.
func (a *adaptiveRate) accept(now, sent time.Time) {
	if a.accepted > 0 && now.Sub(a.recent[(a.accepted-1)%spanCalls]) > maxProbe {
		// A pause, or a clock that jumped forward: start over.
		a.from0, a.pointN = now, 0
	}
	a.recent[a.accepted%spanCalls] = now
	a.accepted++
	// An adapter that answers at once still takes a round trip of some
	// length: a microsecond.
	d := max(now.Sub(sent), time.Microsecond)
	if a.latency == 0 {
		a.latency = d
	} else {
		a.latency += (d - a.latency) / 8
	}
	// Slow start adds a call per round trip for every accepted call, which
	// doubles the rate every round trip, while the rate holds sends back:
	// calls wait for it, or it is below twice what the service accepts
	// (the next caller may not be waiting yet). Otherwise the rate would
	// climb without bound while MaxInFlight holds the run back.
	if a.startup && !a.fixed {
		if r := a.recentRate(now); a.waiting > 0 || a.cur < 2*r || r == 0 {
			a.setRate(now, a.cur+1/a.latency.Seconds())
		}
	}
}

// throttle acts on a throttle signal of weight w for a call sent at sent, and
// reports whether it lowered the rate. a.mu must be held.
func (a *adaptiveRate) throttle(now, sent time.Time, w float64) bool {
	if w >= 1 {
		// The bucket was empty: measure from here next time. Recorded
		// after this signal's own measurement, which ends here.
		defer a.addPoint(now)
	}
	// An attempt sent before the last cut went out at the old rate: its
	// throttle says nothing the cut did not already act on.
	if sent.Before(a.lastCut) {
		return false
	}
	if !a.startup && a.base > 0 && a.probe < a.cycle() {
		return a.recut(now, w)
	}
	if a.base == 0 && a.accepted == 0 {
		// Nothing accepted yet, so nothing measured: the bucket was empty
		// when the run began (another client, or an earlier run, spent
		// it), which says nothing of the quota. The rate dips and stays in
		// slow start, which grows it again from the first accepted call;
		// leaving slow start here would hold the rate at a guess, MinRate
		// at worst, for several probe cycles.
		if math.IsInf(a.cur, 1) {
			return false
		}
		a.lastCut = now
		a.setRate(now, a.cur*(1-w*startDip))
		return true
	}
	// A new episode: the climb went above what the service accepts. The
	// rate returns to what it accepted: between throttles, which never
	// measures above the quota, or over the last calls, which is up to date
	// after a climb that began too low; the higher of the two, and no more
	// than the rate itself.
	a.epAt, a.epAccepted = now, a.accepted
	b := a.cur
	if est := max(a.spanRate(now), a.recentRate(now)); est > 0 && est < b {
		b = est
	}
	if math.IsInf(b, 1) {
		return false // no limit and nothing measured: nothing to cut from
	}
	dip := rateDip
	if a.startup {
		dip = startDip
	}
	return a.cut(now, b-w*dip*b, b)
}

// recut acts on a throttle during the climb back after a cut, of a call
// sent after it: the cut did not end the throttles. Either the measurement
// was high (the quota fell, or the episode began a run and the start-up
// burst inflated it) or the bucket is still empty because the retries
// of throttled calls take its tokens. a.mu must be held.
func (a *adaptiveRate) recut(now time.Time, w float64) bool {
	d := now.Sub(a.epAt).Seconds()
	if d <= 0 {
		return false
	}
	// While throttles go on the bucket is empty, so the calls accepted since
	// the episode began, and the last calls accepted (which follow a quota
	// that fell after it began), measure the quota. Counting one call more
	// measures high rather than low, for the level the rate dips from; the
	// climb returns to no more than the count itself.
	n := float64(a.accepted - a.epAccepted)
	hi, lo := (n+1)/d, n/d
	if r := a.recentRate(now); r > 0 {
		hi, lo = min(hi, r*(1+1.0/spanCalls)), min(lo, r)
	}
	b := min(a.base, hi)
	base := min(b, max(lo, (1-rateDip)*b))
	if w < 1 {
		// Throttle codes for some items of an accepted call: the call went
		// through, so the measurement stands and the rate dips by the
		// share of items.
		b, base = a.base, a.base
	}
	// The dip deepens from the rate, once per throttle of an attempt sent
	// after the last change, so an empty bucket gets tokens ahead. While
	// the retries of throttled calls keep the bucket empty that can take
	// the rate a few dips below the quota; the climb brings it back.
	next := min(a.cur, b) * (1 - w*rateDip)
	if next >= a.cur {
		return false // the rate is below that already
	}
	return a.cut(now, next, base)
}

// cut sets the rate to next, within MinRate and MaxRate, and starts the
// climb back to base. It reports true: the signal set the rate. a.mu must be
// held.
func (a *adaptiveRate) cut(now time.Time, next, base float64) bool {
	a.startup = false
	a.from, a.base = a.clamp(next), a.clamp(base)
	a.probe = 0
	a.lastCut = now
	a.setRate(now, next)
	return true
}

// addPoint records a throttle at now. a.mu must be held.
func (a *adaptiveRate) addPoint(now time.Time) {
	a.points[a.pointN%throttlePoints] = throttlePoint{at: now, accepted: a.accepted}
	a.pointN++
}

// spanRate is the rate of accepted calls since the latest throttle after
// which at least spanCalls calls were accepted, or since the oldest throttle
// remembered; the first throttle of a run (or after a pause) measures from
// the first send. It is 0 when nothing can be measured. a.mu must be held.
func (a *adaptiveRate) spanRate(now time.Time) float64 {
	n := min(a.pointN, throttlePoints)
	from := throttlePoint{at: a.from0}
	for i := 1; i <= n; i++ {
		p := a.points[(a.pointN-i)%throttlePoints]
		from = p
		if a.accepted-p.accepted >= spanCalls {
			break
		}
	}
	d := now.Sub(from.at).Seconds()
	if from.at.IsZero() || d <= 0 {
		return 0
	}
	return float64(a.accepted-from.accepted) / d
}

// recentRate is the rate of the last spanCalls accepted calls, up to now,
// counting none from before a pause; 0 before two. a.mu must be held.
func (a *adaptiveRate) recentRate(now time.Time) float64 {
	n := min(a.accepted, spanCalls)
	for n > 0 && a.recent[(a.accepted-n)%spanCalls].Before(a.from0) {
		n-- // before a pause
	}
	if n < 2 {
		return 0
	}
	oldest := a.recent[(a.accepted-n)%spanCalls]
	d := now.Sub(oldest).Seconds()
	if d <= 0 {
		return 0
	}
	return float64(n-1) / d
}

// checkRates validates the rate fields of opts.
func checkRates(opts *Options) []error {
	var errs []error
	for _, f := range []struct {
		name string
		v    float64
	}{{"Rate", opts.Rate}, {"MinRate", opts.MinRate}, {"MaxRate", opts.MaxRate}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			errs = append(errs, fmt.Errorf("batch: Options.%s must be a finite number of calls per second, not negative, got %v", f.name, f.v))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	minRate := minRateOf(opts)
	if opts.MaxRate > 0 && opts.Rate > opts.MaxRate {
		errs = append(errs, fmt.Errorf("batch: Options.Rate (%v) must not be above Options.MaxRate (%v)", opts.Rate, opts.MaxRate))
	}
	if opts.FixedRate {
		return errs
	}
	if opts.MaxRate > 0 && minRate > opts.MaxRate {
		errs = append(errs, fmt.Errorf("batch: Options.MinRate (%v) must not be above Options.MaxRate (%v)", minRate, opts.MaxRate))
	}
	if opts.Rate > 0 && minRate > opts.Rate {
		errs = append(errs, fmt.Errorf("batch: Options.MinRate (%v) must not be above Options.Rate (%v)", minRate, opts.Rate))
	}
	return errs
}

// minRateOf is the MinRate of opts with its default applied: DefaultMinRate,
// or Rate or MaxRate when they are lower.
func minRateOf(opts *Options) float64 {
	if opts.MinRate > 0 {
		return opts.MinRate
	}
	m := DefaultMinRate
	if opts.Rate > 0 {
		m = min(m, opts.Rate)
	}
	if opts.MaxRate > 0 {
		m = min(m, opts.MaxRate)
	}
	return m
}
