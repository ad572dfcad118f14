package batch

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batchkit/batchkit/internal/eventq"
	"github.com/batchkit/batchkit/internal/quota"
)

// The simulation drives the real adaptive rate (the same try, unpark and
// Done that Wait and the engine use) in simulated time against a simulated
// service: a token-bucket quota with a burst, whose rate may change at given
// times, and latency with jitter. A call is up to simSDKAttempts HTTP attempts,
// as the SDK's standard retryer makes them in the test kits (a throttled
// attempt is retried after a fixed 20 ms, and then waits for the rate, as
// PaceRetry makes it); the first throttled attempt is reported in flight, as
// SignalThrottle does, and the call's outcome when it ends. MaxInFlight workers each wait for the rate, then run one call, then
// start over while work remains: a call throttled on every attempt goes
// back to the work. Everything is deterministic for a seed.

// simTrace names a run to trace, as scenario/seed: every second's sends,
// accepted calls, throttled attempts and rate, and every cut.
var simTrace = flag.String("simtrace", "", "trace one simulated run, `scenario/seed`")

// simScenario is one set of service conditions and the targets of issue 9.
type simScenario struct {
	name     string
	quota    []quotaStep   // the quota from each step's time on; none before the first
	burst    float64       // bucket capacity in calls; 0: one second of quota, at least 1
	spent    bool          // the bucket starts empty: an earlier run spent it
	latency  time.Duration // mean call latency
	jitter   float64       // latency varies uniformly within ± this share; 0: simJitter
	inFlight int           // MaxInFlight
	calls    int           // calls the service must accept to end the run
	until    time.Duration // when set, the run ends then instead, with work left
	opts     func(*Options)

	// Targets. goodput: accepted calls in [goodFrom, goodTo) over what the
	// quota allows there (or, with no quota, over inFlight / latency).
	goodFrom, goodTo time.Duration
	goodShare        float64
	maxThrottled     float64 // share of HTTP attempts throttled over the run; 0: no check
	// Where the run is too short for the start-up's throttles to fit in
	// maxThrottled (issue 9 misses there): the share after the first 3 s,
	// and the throttled attempts in the first 3 s.
	maxThrottledLate float64
	maxEarly         int
	maxStartupPeak   float64 // before the first throttle, sends in a second over the quota; 0: no check
	noCollapse       bool    // after 2 s, sends per second stay ≥ quota / 2
	maxSpread        float64 // slowest run over the median run; 0: no check
}

// quotaStep sets the quota, in calls per second, from at on; 0 is none.
type quotaStep struct {
	at        time.Duration
	perSecond float64
}

// Defaults of the simulated runs: the kits' defaults in examples/bench.
const (
	simLatency     = 20 * time.Millisecond
	simJitter      = 0.25
	simInFlight    = 8
	simSDKAttempts = 3
	simSDKBackoff  = 20 * time.Millisecond
	simSeeds       = 20
)

var simScenarios = []simScenario{
	{
		// examples/bench's quota scenario, run longer.
		name: "steady", quota: []quotaStep{{0, 100}}, burst: 8, calls: 3000,
		goodFrom: 5 * time.Second, goodTo: 28 * time.Second, goodShare: 0.97,
		maxThrottled: 0.03, maxStartupPeak: 2, noCollapse: true, maxSpread: 1.25,
	},
	{
		// An independent fake at 20 calls/s, with a bucket of a second.
		name: "steady-20", quota: []quotaStep{{0, 20}}, calls: 1200,
		goodFrom: 5 * time.Second, goodTo: 58 * time.Second, goodShare: 0.97,
		maxThrottled: 0.03, maxEarly: 30, maxStartupPeak: 2, noCollapse: true, maxSpread: 1.25,
	},
	{
		// The quickstart's Wickr lane: 8 calls/s, a bucket of a second, about
		// 120 calls. A run this short is mostly start-up: the dozen or so
		// attempts throttled while slow start finds the quota are 10% of
		// it, so only their number is bounded.
		name: "wickr", quota: []quotaStep{{0, 8}}, calls: 120, inFlight: 8,
		goodFrom: 2 * time.Second, goodTo: 14 * time.Second, goodShare: 0.9,
		maxThrottledLate: 0.03, maxEarly: 20, maxStartupPeak: 2, noCollapse: true, maxSpread: 1.25,
	},
	{
		// The quickstart's Wickr lifecycle runs: each follows another run
		// on the same quota, whose last calls spent the bucket, so the
		// first call is throttled before anything was accepted.
		name: "spent", quota: []quotaStep{{0, 8}}, spent: true, calls: 40, inFlight: 8,
		goodFrom: 2 * time.Second, goodTo: 5 * time.Second, goodShare: 0.9,
		maxEarly: 20, noCollapse: true, maxSpread: 1.25,
	},
	{
		// A quota below what one call in flight sends (50 calls/s). Before
		// the first throttle a bucket of a second's quota accepts twice the
		// quota in a second by itself, and the calls sent in the round trip
		// before the throttle's answer come on top: 11 or 12 calls in a
		// second against 10, up to 2.4 times the quota, with any start-up
		// that reaches the quota in less than a few seconds (issue 9 misses
		// 2.0 there).
		name: "quota-low", quota: []quotaStep{{0, 5}}, calls: 600,
		goodFrom: 5 * time.Second, goodTo: 118 * time.Second, goodShare: 0.97,
		maxThrottled: 0.03, maxEarly: 20, maxStartupPeak: 2.5, noCollapse: true, maxSpread: 1.25,
	},
	{
		name: "quota-halves", quota: []quotaStep{{0, 100}, {15 * time.Second, 50}}, burst: 8, calls: 2500,
		goodFrom: 20 * time.Second, goodTo: 38 * time.Second, goodShare: 0.95,
		maxThrottled: 0.05, maxStartupPeak: 2, noCollapse: true, maxSpread: 1.25,
	},
	{
		name: "quota-doubles", quota: []quotaStep{{0, 100}, {10 * time.Second, 200}}, burst: 8, calls: 5000,
		goodFrom: 20 * time.Second, goodTo: 28 * time.Second, goodShare: 0.9,
		maxThrottled: 0.03, maxStartupPeak: 2, noCollapse: true, maxSpread: 1.25,
	},
	{
		// No quota: the run is bound by MaxInFlight / latency.
		name: "no-quota", calls: 8000,
		goodFrom: time.Second, goodTo: 19 * time.Second, goodShare: 0.97,
		maxThrottled: 1e-9, maxSpread: 1.25,
	},
}

// simResult is what one simulated run measured.
type simResult struct {
	seed          uint64
	elapsed       time.Duration // until the last call was accepted
	goodput       float64       // share of the quota accepted in the goodput window
	sent          int           // calls the rate let go
	sendTimes     []time.Time   // when
	accepted      int
	lowestRate    float64 // the lowest send rate after the first throttle
	attempts      int
	throttled     int     // throttled HTTP attempts
	early         int     // throttled HTTP attempts in the first 3 s
	startupPeak   float64 // most sends in a second before the first throttle signal, over the quota then
	minRate       float64 // fewest sends in a second after the first 2 s, over the quota then
	firstThrottle time.Duration
	cuts          int
}

func (r simResult) throttledShare() float64 {
	if r.attempts == 0 {
		return 0
	}
	return float64(r.throttled) / float64(r.attempts)
}

// simEvent is something that happens at a time in the simulation.
type simEvent struct {
	kind int
	w    *simWorker
}

const (
	evReady   = iota // the worker looks for work and waits for the rate
	evWake           // the worker's wait for the rate is over
	evAttempt        // an HTTP attempt reaches the service
	evAnswer         // the attempt's answer reaches the worker
	evRetry          // the SDK's backoff is over: the retry waits for the rate
)

// simWorker is one of the MaxInFlight slots and the call it runs.
type simWorker struct {
	parked    int       // the wake event that counts, or 0 when not waiting
	retrying  bool      // the wait is for a retry of a throttled attempt
	sent      time.Time // when the rate let the current attempt go
	attempt   int       // current HTTP attempt, from 1
	throttled bool      // the current attempt was throttled
	accepted  bool      // the current attempt was accepted
}

// simClock is the limiter's clock: the simulation sets the time.
type simClock struct{ now time.Time }

func (c *simClock) Now() time.Time { return c.now }
func (c *simClock) After(time.Duration) (<-chan time.Time, func()) {
	panic("the simulation does not wait")
}

// quotaAt is the scenario's quota at d; 0 is none.
func (sc *simScenario) quotaAt(d time.Duration) float64 {
	q := 0.0
	for _, s := range sc.quota {
		if d >= s.at {
			q = s.perSecond
		}
	}
	return q
}

// simulate runs sc once with seed.
func simulate(t testing.TB, sc *simScenario, seed uint64) simResult {
	t.Helper()
	latency := orDefault(sc.latency, simLatency)
	inFlight := orDefault(sc.inFlight, simInFlight)
	o := Options{MaxInFlight: inFlight}
	if sc.opts != nil {
		sc.opts(&o)
	}
	t0 := time.Unix(1_000_000, 0)
	clock := &simClock{now: t0}
	o.Clock = clock
	set, err := newSettings(o, 25)
	if err != nil {
		t.Fatal(err)
	}
	a := newAdaptiveRate(&set)
	rng := rand.New(rand.NewPCG(seed, 0x51))

	var q eventq.Queue[simEvent]
	seq := 0 // of the latest event pushed
	push := func(at time.Time, kind int, w *simWorker) {
		seq = q.Push(at, simEvent{kind: kind, w: w})
	}
	var bucket quota.Bucket
	nextStep := 0
	pending := sc.calls // calls not yet accepted nor in flight
	left := sc.calls    // calls not yet accepted
	var sends, accepts []time.Time
	res := simResult{seed: seed, firstThrottle: -1, lowestRate: math.Inf(1)}
	if sc.until > 0 {
		pending = math.MaxInt / 2
		left = math.MaxInt / 2
	}
	workers := make([]*simWorker, inFlight)
	for i := range workers {
		workers[i] = &simWorker{}
		push(t0, evReady, workers[i])
	}
	raises := a.raises
	// rewake wakes the waiting workers when the rate rose, as Wait does.
	rewake := func(now time.Time) {
		if a.raises == raises {
			return
		}
		raises = a.raises
		for _, w := range workers {
			if w.parked != 0 {
				push(now, evWake, w)
				w.parked = seq
			}
		}
	}
	lat := func() time.Duration {
		f := 1 + orDefault(sc.jitter, simJitter)*(2*rng.Float64()-1)
		return time.Duration(float64(latency) * f)
	}
	tracing := *simTrace == fmt.Sprintf("%s/%d", sc.name, seed)
	tracef := func(format string, args ...any) {
		if tracing {
			t.Logf(format, args...)
		}
	}
	var secSends, secAccepts, secThrottled int
	nextSec := t0.Add(time.Second)
	report := func(now time.Time, w *simWorker, r CallResult) {
		if r.Throttled > 0 && res.firstThrottle < 0 {
			res.firstThrottle = now.Sub(t0)
		}
		defer rewake(now)
		before := a.cur
		rate, cut := a.Done(r)
		if res.firstThrottle >= 0 {
			res.lowestRate = min(res.lowestRate, rate)
		}
		if cut {
			res.cuts++
			tracef("%8.3fs cut %.1f -> %.1f base %.1f (sent %.3fs, in flight %v)", now.Sub(t0).Seconds(), before, rate, a.base, r.Sent.Sub(t0).Seconds(), r.InFlight)
		}
	}
	limit := t0.Add(30 * time.Minute) // a watchdog: no scenario takes this long
	for left > 0 && q.Len() > 0 {
		now, evSeq, ev := q.Pop()
		if sc.until > 0 && now.Sub(t0) >= sc.until {
			break
		}
		if now.After(limit) {
			t.Fatalf("%s seed %d: the run did not end within %v: %d calls left", sc.name, seed, limit.Sub(t0), left)
		}
		clock.now = now
		for tracing && !now.Before(nextSec) {
			tracef("%8.3fs second: sent %d accepted %d throttled %d; rate %.1f base %.1f startup %v quota %g", nextSec.Sub(t0).Seconds(), secSends, secAccepts, secThrottled, a.cur, a.base, a.startup, sc.quotaAt(nextSec.Sub(t0)-1))
			secSends, secAccepts, secThrottled = 0, 0, 0
			nextSec = nextSec.Add(time.Second)
		}
		for nextStep < len(sc.quota) && !t0.Add(sc.quota[nextStep].at).After(now) {
			bucket.Set(sc.quota[nextStep].perSecond, sc.burst, t0.Add(sc.quota[nextStep].at))
			if nextStep == 0 && sc.spent {
				bucket.Empty(t0.Add(sc.quota[nextStep].at))
			}
			nextStep++
		}
		w := ev.w
		switch ev.kind {
		case evReady, evWake, evRetry:
			if ev.kind == evReady && pending == 0 {
				continue // no work left for this worker
			}
			if ev.kind == evWake && evSeq != w.parked {
				continue // superseded by an earlier wake
			}
			d, _, ok := a.try(now, ev.kind == evWake)
			if !ok {
				push(now.Add(d), evWake, w)
				w.parked = seq
				continue
			}
			w.parked = 0
			sends = append(sends, now)
			secSends++
			if ev.kind == evRetry || w.retrying {
				// The retry is a send of its own, as PaceRetry makes it.
				w.retrying, w.sent, w.throttled = false, now, false
				push(now, evAttempt, w)
				continue
			}
			pending--
			*w = simWorker{sent: now, attempt: 1}
			push(now, evAttempt, w)
		case evAttempt:
			res.attempts++
			w.accepted = bucket.Take(now)
			if !w.accepted {
				res.throttled++
				secThrottled++
				if now.Sub(t0) < 3*time.Second {
					res.early++
				}
			}
			push(now.Add(lat()), evAnswer, w)
		case evAnswer:
			switch {
			case w.accepted:
				report(now, w, CallResult{Sent: w.sent})
				accepts = append(accepts, now)
				secAccepts++
				left--
				push(now, evReady, w)
			default:
				if !w.throttled {
					w.throttled = true
					report(now, w, CallResult{Sent: w.sent, Throttled: 1, InFlight: true})
				}
				if w.attempt < simSDKAttempts {
					w.attempt++
					w.retrying = true
					push(now.Add(simSDKBackoff), evRetry, w)
					continue
				}
				report(now, w, CallResult{Sent: w.sent, Throttled: 1})
				pending++ // the engine sends the items again
				push(now, evReady, w)
			}
		}
	}
	res.sent, res.accepted, res.sendTimes = len(sends), len(accepts), sends
	if sc.until > 0 {
		return res
	}
	if left > 0 {
		t.Fatalf("%s seed %d: the simulation ran out of events with %d calls left", sc.name, seed, left)
	}
	res.elapsed = accepts[len(accepts)-1].Sub(t0)

	// Goodput in the window, against the quota there.
	from, to := t0.Add(sc.goodFrom), t0.Add(min(sc.goodTo, res.elapsed))
	n := 0
	for _, at := range accepts {
		if !at.Before(from) && at.Before(to) {
			n++
		}
	}
	allowed := 0.0
	for d := sc.goodFrom; d < to.Sub(t0); d += time.Millisecond {
		q := sc.quotaAt(d)
		if q == 0 {
			q = float64(inFlight) / latency.Seconds()
		}
		allowed += q / 1000
	}
	if allowed > 0 {
		res.goodput = float64(n) / allowed
	}

	// Sends per one-second window, sliding by 10 ms.
	perSecond := func(end time.Time) int {
		lo, _ := slices.BinarySearchFunc(sends, end.Add(-time.Second), func(s, t time.Time) int { return s.Compare(t) })
		hi, _ := slices.BinarySearchFunc(sends, end, func(s, t time.Time) int { return s.Compare(t) })
		return hi - lo
	}
	if q0 := sc.quotaAt(0); q0 > 0 {
		end := res.elapsed
		if res.firstThrottle >= 0 {
			end = res.firstThrottle
		}
		for d := time.Duration(0); d <= end; d += 10 * time.Millisecond {
			res.startupPeak = max(res.startupPeak, float64(perSecond(t0.Add(d)))/q0)
		}
		if end%(10*time.Millisecond) != 0 {
			res.startupPeak = max(res.startupPeak, float64(perSecond(t0.Add(end)))/q0)
		}
		// After 2 s, while work is plentiful (until the last send), against
		// the lowest quota of the last 10 s: a quota that rose is to be
		// found within 10 s.
		res.minRate = math.Inf(1)
		last := sends[len(sends)-1].Sub(t0)
		for d := 3 * time.Second; d <= last; d += 10 * time.Millisecond {
			q := sc.quotaAt(d)
			for back := time.Duration(0); back <= 10*time.Second && back <= d; back += 100 * time.Millisecond {
				q = math.Min(q, sc.quotaAt(d-back))
			}
			res.minRate = math.Min(res.minRate, float64(perSecond(t0.Add(d)))/q)
		}
	}
	return res
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// TestRateSimulation checks the targets of issue 9 for every scenario over
// simSeeds seeds, and prints the figures with -v. A failure names the
// scenario and seed; rerun one with
//
//	go test ./batch -run 'TestRateSimulation/<scenario>' -v -args -simtrace <scenario>/<seed>
func TestRateSimulation(t *testing.T) {
	for i := range simScenarios {
		sc := &simScenarios[i]
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			var runs []simResult
			for seed := range uint64(simSeeds) {
				runs = append(runs, simulate(t, sc, seed+1))
			}
			checkSim(t, sc, runs)
		})
	}
}

// checkSim checks the targets over runs and logs the figures.
func checkSim(t *testing.T, sc *simScenario, runs []simResult) {
	t.Helper()
	worst := func(f func(simResult) float64, lowest bool) (float64, uint64) {
		v, seed := f(runs[0]), runs[0].seed
		for _, r := range runs[1:] {
			if x := f(r); lowest && x < v || !lowest && x > v {
				v, seed = x, r.seed
			}
		}
		return v, seed
	}
	elapsed := make([]float64, len(runs))
	for i, r := range runs {
		elapsed[i] = r.elapsed.Seconds()
	}
	slices.Sort(elapsed)
	median := elapsed[len(elapsed)/2]
	spread := elapsed[len(elapsed)-1] / median

	good, goodSeed := worst(func(r simResult) float64 { return r.goodput }, true)
	thr, thrSeed := worst(simResult.throttledShare, false)
	late, lateSeed := worst(func(r simResult) float64 { return float64(r.throttled-r.early) / float64(r.attempts) }, false)
	early, earlySeed := worst(func(r simResult) float64 { return float64(r.early) }, false)
	peak, peakSeed := worst(func(r simResult) float64 { return r.startupPeak }, false)
	low, lowSeed := worst(func(r simResult) float64 { return r.minRate }, true)
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %d seeds, worst of each: goodput %.3f of the quota; throttled %.2f%% of attempts (%.2f%% after 3 s, %.0f in the first 3 s); run time median %.1fs, slowest %.2f × median",
		sc.name, len(runs), good, 100*thr, 100*late, early, median, spread)
	if sc.quotaAt(0) > 0 {
		fmt.Fprintf(&b, "; before the first throttle %.2f × quota in a second; after 2 s at least %.2f × quota in a second", peak, low)
	}
	t.Log(b.String())

	if good < sc.goodShare {
		t.Errorf("%s seed %d: goodput %.3f of the quota in [%v, %v), want at least %.2f", sc.name, goodSeed, good, sc.goodFrom, sc.goodTo, sc.goodShare)
	}
	if sc.maxThrottled > 0 && thr > sc.maxThrottled {
		t.Errorf("%s seed %d: %.2f%% of attempts throttled, want at most %.0f%%", sc.name, thrSeed, 100*thr, 100*sc.maxThrottled)
	}
	if sc.maxThrottledLate > 0 && late > sc.maxThrottledLate {
		t.Errorf("%s seed %d: %.2f%% of attempts throttled after the first 3 s, want at most %.0f%%", sc.name, lateSeed, 100*late, 100*sc.maxThrottledLate)
	}
	if sc.maxEarly > 0 && early > float64(sc.maxEarly) {
		t.Errorf("%s seed %d: %.0f attempts throttled in the first 3 s, want at most %d", sc.name, earlySeed, early, sc.maxEarly)
	}
	if sc.maxStartupPeak > 0 && peak > sc.maxStartupPeak {
		t.Errorf("%s seed %d: %.2f × the quota sent in a second before the first throttle, want at most %.1f", sc.name, peakSeed, peak, sc.maxStartupPeak)
	}
	if sc.noCollapse && low < 0.5 {
		t.Errorf("%s seed %d: %.2f × the quota sent in a second after the first 2 s, want at least 0.5", sc.name, lowSeed, low)
	}
	if sc.maxSpread > 0 && spread > sc.maxSpread {
		t.Errorf("%s: the slowest run took %.2f × the median (%.1fs), want at most %.2f", sc.name, spread, median, sc.maxSpread)
	}
}
