package batch

import (
	"time"

	"golang.org/x/time/rate"
)

// rateIncrease is the growth of the send rate after each call completed
// without a throttle signal while the rate was limiting sends: slow enough
// that a run under a quota spends most calls below it, about one throttle
// signal every fifty calls.
const rateIncrease = 0.002

// sampleSize is how many recent sends and unthrottled completions the rate
// control remembers to measure rates.
const sampleSize = 32

// adaptiveRate is the run's client-side send rate: it drops multiplicatively
// on throttle signals, from the rate the service was accepting, and climbs
// back slowly while calls succeed. Only the run's own goroutine changes it;
// calls reserve from the limiter concurrently.
type adaptiveRate struct {
	lim      *rate.Limiter
	fixed    bool
	min      float64
	decrease float64
	cur      float64 // calls per second; 0 means unlimited
	inFlight int     // the run's MaxInFlight

	cutSeq  int           // sends made before the last cut
	latency time.Duration // moving average of call durations

	sends []time.Time // ring of recent send times
	oks   []time.Time // ring of recent unthrottled completion times
	sendN int
	okN   int
}

func newAdaptiveRate(s *settings) *adaptiveRate {
	a := &adaptiveRate{
		fixed:    s.FixedRate,
		min:      s.MinRate,
		decrease: s.RateDecrease,
		cur:      s.Rate,
		inFlight: s.MaxInFlight,
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

// delay reserves a send at now and returns how long to wait for it. Safe for
// concurrent use.
func (a *adaptiveRate) delay(now time.Time) time.Duration {
	return a.lim.ReserveN(now, 1).DelayFrom(now)
}

// noteSend records a send and returns its sequence number.
func (a *adaptiveRate) noteSend(now time.Time) int {
	a.sends[a.sendN%sampleSize] = now
	a.sendN++
	return a.sendN - 1
}

// measured returns the events per second over the samples in ring, or 0
// when there are too few.
func measured(ring []time.Time, n int) float64 {
	if n < 4 {
		return 0
	}
	k := min(n, len(ring))
	newest := ring[(n-1)%len(ring)]
	oldest := ring[(n-k)%len(ring)]
	span := newest.Sub(oldest).Seconds()
	if span <= 0 {
		return 0
	}
	return float64(k-1) / span
}

// completed records a finished call. It returns the new rate and true when a
// throttle signal changed the rate.
//
// seq is the call's send sequence number, from seq.
func (a *adaptiveRate) completed(now time.Time, seq int, elapsed time.Duration, throttled bool) (float64, bool) {
	if a.latency == 0 {
		a.latency = elapsed
	} else {
		a.latency = (a.latency*7 + elapsed) / 8
	}
	if !throttled {
		a.oks[a.okN%sampleSize] = now
		a.okN++
		if a.fixed || a.cur == 0 {
			return a.cur, false
		}
		// Grow only while the limit is what holds sends back; otherwise the
		// rate would climb without bound while concurrency limits the run.
		if sent := measured(a.sends, a.sendN); sent >= 0.8*a.cur {
			a.cur *= 1 + rateIncrease
			a.lim.SetLimitAt(now, rate.Limit(a.cur))
		}
		return a.cur, false
	}
	if a.fixed {
		return a.cur, false
	}
	// One cut per round trip: calls sent before the last cut went out at the
	// old rate, so their throttles say nothing new.
	if seq < a.cutSeq {
		return a.cur, false
	}
	base := a.cur
	if ok := measured(a.oks, a.okN); ok > 0 && (base == 0 || ok < base) {
		base = ok
	}
	if base == 0 {
		base = measured(a.sends, a.sendN)
	}
	if base == 0 && a.latency > 0 {
		// Too few samples to measure: assume what the concurrency sends.
		base = float64(a.inFlight) / a.latency.Seconds()
	}
	if base == 0 {
		base = a.min / a.decrease
	}
	a.cur = max(a.min, base*a.decrease)
	a.cutSeq = a.sendN
	a.lim.SetLimitAt(now, rate.Limit(a.cur))
	return a.cur, true
}

// budget is the run's retry budget, a token bucket counted in tenths of a
// retry: a retry costs ten tenths and each success earns one back.
type budget struct {
	tenths, max int
}

func newBudget(retries int) budget { return budget{tenths: retries * 10, max: retries * 10} }

func (b *budget) take() bool {
	if b.tenths < 10 {
		return false
	}
	b.tenths -= 10
	return true
}

func (b *budget) earn() {
	if b.tenths < b.max {
		b.tenths++
	}
}
