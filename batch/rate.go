package batch

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// rateIncrease is the growth of the send rate after each call completed
// without a throttle signal while the rate was limiting sends: slow enough
// that a run under a quota stays just below it most of the time.
const rateIncrease = 0.004

// rateRecovery is the faster growth while the rate is below recoveryShare of
// the rate at which the last throttle hit: the service took that rate until
// just before, so the run returns to near it quickly and then probes slowly.
const (
	rateRecovery  = 0.02
	recoveryShare = 0.85
)

// maxStreak bounds how far cuts in consecutive round trips compound.
const maxStreak = 3

// sampleSize is how many recent sends and unthrottled completions the rate
// control remembers to measure rates.
const sampleSize = 32

// adaptiveRate is the run's client-side send rate. It drops multiplicatively
// on a throttle signal, from the rate the service was accepting, at most
// once per round trip, and climbs back slowly while calls succeed. Workers
// signal throttles as they see them, so it is safe for concurrent use.
type adaptiveRate struct {
	lim      *rate.Limiter
	fixed    bool
	min      float64
	decrease float64
	inFlight int // the run's MaxInFlight

	mu      sync.Mutex
	cur     float64       // calls per second; 0 means unlimited
	cutSeq  int           // sends made before the last cut
	lastCut time.Time     // when the last cut happened
	hit     float64       // the rate at which the last cut's throttle hit
	streak  int           // cuts in consecutive round trips, less one
	settled bool          // the rate grew after a cut: it found the service's level
	latency time.Duration // moving average of call durations
	sends   []time.Time   // ring of recent send times
	oks     []time.Time   // ring of recent unthrottled completion times
	sendN   int
	okN     int
}

func newAdaptiveRate(s *settings) *adaptiveRate {
	a := &adaptiveRate{
		fixed:    s.FixedRate,
		min:      s.MinRate,
		decrease: s.RateDecrease,
		inFlight: s.MaxInFlight,
		cur:      s.Rate,
		sends:    make([]time.Time, sampleSize),
		oks:      make([]time.Time, sampleSize),
	}
	limit := rate.Inf
	if a.cur > 0 {
		limit = rate.Limit(a.cur)
	}
	a.lim = rate.NewLimiter(limit, 1)
	return a
}

// delay reserves a send at now and returns how long to wait for it.
func (a *adaptiveRate) delay(now time.Time) time.Duration {
	return a.lim.ReserveN(now, 1).DelayFrom(now)
}

// noteSend records a send and returns its sequence number.
func (a *adaptiveRate) noteSend(now time.Time) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sends[a.sendN%sampleSize] = now
	a.sendN++
	return a.sendN - 1
}

// sampleWindow bounds how old a sample may be to count in a measurement, so
// an idle spell does not read as a low rate.
const sampleWindow = time.Second

// measured returns the events per second over the samples in ring no older
// than sampleWindow before now, or 0 when there are too few.
func measured(ring []time.Time, n int, now time.Time) float64 {
	k := min(n, len(ring))
	newest := ring[(n-1+len(ring))%len(ring)]
	var oldest time.Time
	used := 0
	for i := 1; i <= k; i++ {
		t := ring[(n-i+len(ring))%len(ring)]
		if now.Sub(t) > sampleWindow {
			break
		}
		oldest = t
		used++
	}
	if used < 4 {
		return 0
	}
	span := newest.Sub(oldest).Seconds()
	if span <= 0 {
		return 0
	}
	return float64(used-1) / span
}

// completed records a finished call that was sent as number seq. It grows the
// rate after an unthrottled call, and cuts it after a throttled one unless a
// signal from the same round trip already did.
//
// weight in [0, 1] is how strong the throttle signal is: 1 for a call
// throttled as a whole, the share of throttled items for throttle codes
// inside an answer, 0 for no throttle.
//
// limited reports that the call waited for the send rate before it went out:
// only then does the rate hold sends back, and only then may it grow.
func (a *adaptiveRate) completed(now time.Time, seq int, elapsed time.Duration, weight float64, limited bool) (float64, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.latency == 0 {
		a.latency = elapsed
	} else {
		a.latency = (a.latency*7 + elapsed) / 8
	}
	if weight > 0 {
		return a.cutLocked(now, seq, weight)
	}
	a.oks[a.okN%sampleSize] = now
	a.okN++
	if a.fixed || a.cur == 0 {
		return a.cur, false
	}
	// Grow only while the limit is what holds sends back; otherwise the rate
	// would climb without bound while concurrency limits the run.
	if limited {
		// Settled: growing, three round trips after the last cut.
		a.settled = a.settled || a.hit > 0 && now.Sub(a.lastCut) > 3*a.latency
		if a.cur < recoveryShare*a.hit {
			a.cur = min(a.cur*(1+rateRecovery), recoveryShare*a.hit)
		} else {
			a.cur *= 1 + rateIncrease
		}
		a.lim.SetLimitAt(now, rate.Limit(a.cur))
	}
	return a.cur, false
}

// throttle cuts the rate for a throttle seen by call number seq while the
// call is still running (an HTTP attempt the SDK will retry). It returns the
// rate and whether it changed.
func (a *adaptiveRate) throttle(now time.Time, seq int) (float64, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cutLocked(now, seq, 1)
}

// cutLocked lowers the rate by the decrease factor, scaled by weight: a call
// with one throttled item out of twenty is a weak signal, and random item
// throttles must not drive the rate to its floor. a.mu must be held.
func (a *adaptiveRate) cutLocked(now time.Time, seq int, weight float64) (float64, bool) {
	// One cut per round trip: calls sent before the last cut went out at the
	// old rate, so their throttles say nothing new; and for a round trip
	// after a cut the service is still draining the excess (the SDK retries
	// throttled attempts outside the send rate), so its throttles are the
	// same episode. Measured with examples/bench under a quota, waiting two
	// round trips raised throttled requests from about 7% to 15%.
	if a.fixed || seq < a.cutSeq || !a.lastCut.IsZero() && now.Sub(a.lastCut) < a.latency {
		return a.cur, false
	}
	// Start from the current rate. (Measured rates make poor bases: calls
	// the SDK retried after a throttle used the quota but do not count as
	// accepted, and measurements lag the rate, so cutting from them
	// over-cuts: examples/bench fell from 0.9 to 0.5-0.8 of the ideal under a
	// quota.) Before the first cut there is no rate: start from the lowest of
	// what was sent, what was accepted and what the concurrency allows.
	base := a.cur
	if base > 0 {
		a.hit = base
		// Before the rate has settled, where a throttle hit says little about
		// the quota (the first measurement may be a hundred times it); what
		// the service accepted in the last second says more, so the fast
		// return after the start-up cuts does not overshoot.
		if ok := measured(a.oks, a.okN, now); !a.settled && ok > 0 && ok < a.hit {
			a.hit = ok
		}
	}
	if base == 0 {
		for _, r := range []float64{
			measured(a.sends, a.sendN, now),
			measured(a.oks, a.okN, now),
			a.concurrencyRate(),
		} {
			if r > 0 && (base == 0 || r < base) {
				base = r
			}
		}
	}
	if base == 0 {
		base = a.min
	}
	// Until the rate has found the service's level (it grew once after a
	// cut), cuts in consecutive round trips compound (decrease, its square,
	// its fourth power...): at the start of a run the first measurement may
	// be a hundred times the quota. Afterwards each cut is the decrease: in
	// examples/bench, compounding there too lost a fifth of the throughput
	// when the quota halved mid-run.
	factor := a.decrease
	if !a.settled && !a.lastCut.IsZero() && now.Sub(a.lastCut) < 3*a.latency {
		a.streak = min(a.streak+1, maxStreak)
		for range a.streak {
			factor *= factor
		}
	} else {
		a.streak = 0
	}
	next := base * (1 - (1-factor)*min(weight, 1))
	if a.streak > 0 {
		// A compounded cut stops at the decrease of what the service
		// accepted in the last second: overshooting below it costs many
		// calls' worth of climbing at a low rate (the quickstart's 8 calls/s
		// quota took three times as long).
		if ok := measured(a.oks, a.okN, now); ok > 0 {
			next = max(next, ok*a.decrease)
		}
	}
	a.cur = max(a.min, next)
	a.cutSeq = a.sendN
	a.lastCut = now
	a.lim.SetLimitAt(now, rate.Limit(a.cur))
	return a.cur, true
}

// current returns the send rate in calls per second; 0 means unlimited.
func (a *adaptiveRate) current() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cur
}

// concurrencyRate is the rate MaxInFlight calls of the average latency
// reach, or 0 before any call completed.
func (a *adaptiveRate) concurrencyRate() float64 {
	if a.latency <= 0 {
		return 0
	}
	return float64(a.inFlight) / a.latency.Seconds()
}
