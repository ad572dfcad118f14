package batch

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"time"
)

// Defaults selected by the zero value of each [Options] field.
const (
	DefaultMaxInFlight  = 8
	DefaultMaxAttempts  = 5
	DefaultBackoffBase  = 100 * time.Millisecond
	DefaultBackoffMax   = 10 * time.Second
	DefaultRetryBudget  = 1000
	DefaultMaxBuffered  = 4096
	DefaultMaxDelay     = 50 * time.Millisecond
	DefaultMinRate      = 1.0
	DefaultRateDecrease = 0.7
)

// Options configures a [Runner]. Every field's zero value selects the
// documented default. Options are copied when the Runner is built, so later
// changes to the value passed in do not affect it.
type Options struct {
	// MaxInFlight is the most calls in flight at once. Zero means
	// DefaultMaxInFlight.
	MaxInFlight int

	// MaxItemsPerCall lowers the number of items per call below the
	// adapter's limit. Zero, or a value above the limit, means the adapter's
	// limit.
	MaxItemsPerCall int

	// MaxAttempts bounds how often one item is sent: it is sent again after
	// at most MaxAttempts-1 failures. Throttles have a bound of their own,
	// four times MaxAttempts less one: a throttle is the service pacing the
	// run, not the item failing. Test calls that isolate bad items in a
	// call rejected as a whole count toward neither. Zero means DefaultMaxAttempts; 1
	// disables retries after failures. At most [MaxAttemptsLimit].
	MaxAttempts int

	// BackoffBase and BackoffMax bound the wait before a retried item is sent
	// again: full jitter, a random duration in [0, min(BackoffMax,
	// BackoffBase·2^(attempt-1))). An item that failed inside an answer with
	// a retryable code other than a throttle waits a tenth of that: its call
	// was healthy. Zero means DefaultBackoffBase and DefaultBackoffMax.
	BackoffBase time.Duration
	BackoffMax  time.Duration

	// RetryBudget caps the retries of a whole run: each retried item spends
	// one token and every ten items that succeed earn one back, up to
	// RetryBudget. When the budget is spent, retryable failures are final, so
	// an outage ends the run quickly. Retries after a throttle spend nothing:
	// the send rate paces them and MaxAttempts bounds them. Zero means
	// DefaultRetryBudget.
	RetryBudget int

	// Rate is the send rate a run starts at, in calls per second; the
	// adaptive rate grows from it by slow start until the first throttle
	// signal. Zero means MinRate: the first call goes at once and the rate
	// grows as calls come back (see "Send rate" in the package
	// documentation). With FixedRate, Rate is the rate for the whole run
	// and zero means no limit.
	Rate float64

	// MinRate is the floor of the adaptive rate in calls per second: a
	// service that throttles every call is sent at least this many calls
	// per second, until the items run out of attempts. A quota below
	// MinRate cannot be followed: lower MinRate for such a service. Zero
	// means DefaultMinRate, or Rate or MaxRate when they are lower. A MinRate
	// set above Rate or MaxRate is an error.
	MinRate float64

	// MaxRate is a ceiling the send rate never exceeds, in calls per second,
	// for callers who know their quota: set it to the quota and the run
	// never sends faster. Zero means none.
	MaxRate float64

	// RateDecrease is ignored.
	//
	// Deprecated: the adaptive rate no longer cuts by a fixed factor; it
	// returns to the rate the service accepted (see "Send rate" in the
	// package documentation). Values are still checked to be in [0, 1), and
	// DefaultRateDecrease is unused.
	RateDecrease float64

	// FixedRate keeps the send rate at Rate (or no limit when Rate is zero):
	// throttle signals do not change it. MaxRate still caps it. The zero
	// value adapts the rate.
	FixedRate bool

	// Limiter paces the run's calls in place of its own adaptive rate, for
	// example to share one rate between runs or processes; see [Limiter] for
	// its contract. It is not copied: runs given the same Limiter share it.
	// Rate, MinRate, MaxRate and FixedRate configure only the run's own rate
	// and are ignored with a Limiter (they are still checked). Nil means the
	// run's own adaptive rate, one per run.
	Limiter Limiter

	// MaxBuffered is the most items the run holds at once: read from the
	// input but not yet reported. It bounds memory whatever the input size.
	// Zero means the larger of DefaultMaxBuffered and four full calls per
	// call in flight.
	MaxBuffered int

	// MaxDelay bounds how long a [Batcher] holds an item waiting for more
	// items to fill its call: once the oldest item of a key has waited
	// MaxDelay, the key's items go out in a partial call. Zero means
	// DefaultMaxDelay, about two call latencies of the AWS batch APIs: a
	// longer wait costs each item more than the partial call costs the
	// service. Runners ignore it.
	MaxDelay time.Duration

	// Hooks receive calls, retries, throttles and outcomes as they happen.
	Hooks Hooks

	// Logger, when set, receives debug records for calls and retries and
	// warnings for throttles and run-ending errors. Records never hold item
	// identities or other sensitive fields.
	Logger *slog.Logger

	// Clock supplies time for backoff and the send rate. Nil means the real
	// clock. Tests inject one to make runs deterministic.
	Clock Clock

	// Rand seeds the randomness of backoff jitter. Each run draws its own
	// generator from it when it starts (under a lock held by the Runner), so
	// concurrent runs never share one, and a Rand seeded the same makes the
	// jitter of a sequence of runs repeat. Nil means a source seeded from the
	// runtime.
	Rand rand.Source
}

// Clock is the time source of a run.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has elapsed, and a
	// function that stops the timer.
	After(d time.Duration) (<-chan time.Time, func())
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) After(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

// Hooks are optional callbacks. They are called one at a time from the
// goroutine running the run and must not block: they are meant to drive
// progress bars and metrics.
type Hooks struct {
	// OnCall is called when a call is sent and again when it completes
	// (with Done set).
	OnCall func(CallInfo)
	// OnRetry is called when an item is scheduled to be sent again.
	OnRetry func(RetryInfo)
	// OnThrottle is called on every throttle signal that lowered the send
	// rate, with the new rate; with [Options.Limiter] set, on every throttle
	// signal, with the Limiter's rate if it reports one (see [Limiter]).
	OnThrottle func(ThrottleInfo)
	// OnOutcome is called once for every item when its outcome is final.
	OnOutcome func(OutcomeInfo)
}

// CallInfo describes one call. It never holds item identities.
type CallInfo struct {
	// CallID identifies the call within the process, as [CallID] does from
	// its context: the report of its completion carries the ID of the report
	// of its sending. A call sent again as a whole keeps its ID; it goes out
	// only after the call it repeats has completed.
	CallID    uint64
	Operation string
	Key       string
	Items     int
	// Bisect reports that the call tests suspects of a call rejected as a
	// whole (the name dates from when such calls split it in halves).
	Bisect bool
	// Done is false when the call is sent, true when it has completed.
	Done bool
	// Elapsed is the call's duration, including the wait for the send rate;
	// set when Done.
	Elapsed time.Duration
	// Err is the call-level error, set when Done and the call failed as a
	// whole.
	Err *Error
	// Throttled reports that the call was throttled, as a whole, inside the
	// answer, or in an HTTP attempt the SDK retried.
	Throttled bool
}

// RetryInfo describes an item scheduled to be sent again.
type RetryInfo struct {
	Operation string
	Index     int
	Attempt   int // the attempt about to be made, 2 or more
	Delay     time.Duration
	Err       *Error
}

// ThrottleInfo describes a throttle signal.
type ThrottleInfo struct {
	Operation string
	Key       string
	// Rate is the send rate in calls per second after the signal; 0 means
	// unlimited.
	Rate float64
}

// OutcomeInfo is the non-generic part of an [Outcome].
type OutcomeInfo struct {
	Operation string
	// Index is the item's index, or -1 for an item a [Batcher] never took
	// in (its run ended first).
	Index    int
	Status   Status
	Err      *Error
	Attempts int
}

// settings are Options with defaults applied and limits checked.
type settings struct {
	Options
	maxItems int
	// testFraction overrides the package's testFraction, for the
	// simulations that compare fractions.
	testFraction int
}

// Upper bounds of the integer options. Values above them are refused at
// [New]: they would overflow the arithmetic of a run (attempt bounds,
// buffer sizing, budget tokens) long before they could mean anything.
const (
	// MaxInFlightLimit bounds Options.MaxInFlight. Each call in flight is a
	// goroutine and an HTTP connection; 65,536 of them exceeds every AWS
	// quota a thousandfold.
	MaxInFlightLimit = 1 << 16
	// MaxAttemptsLimit bounds Options.MaxAttempts; throttles may use four
	// times as many attempts, which must still fit an int32.
	MaxAttemptsLimit = 1 << 20
	// RetryBudgetLimit bounds Options.RetryBudget, counted in tenths inside
	// the run: a trillion retries is unlimited in practice.
	RetryBudgetLimit = 1 << 40
	// MaxBufferedLimit bounds Options.MaxBuffered: a trillion items held at
	// once is more than any memory.
	MaxBufferedLimit = 1 << 40
	// MaxItemsLimit bounds an adapter's MaxItems. The AWS batch APIs take at
	// most a few hundred items per call; the bound keeps the packing
	// arithmetic far from overflow.
	MaxItemsLimit = 1 << 20
)

func newSettings(opts Options, adapterMax int) (settings, error) {
	var errs []error
	checkInt := func(name string, v, limit int64) {
		switch {
		case v < 0:
			errs = append(errs, fmt.Errorf("batch: Options.%s must not be negative, got %d", name, v))
		case v > limit:
			errs = append(errs, fmt.Errorf("batch: Options.%s must be at most %d, got %d", name, limit, v))
		}
	}
	checkInt("MaxInFlight", int64(opts.MaxInFlight), MaxInFlightLimit)
	checkInt("MaxItemsPerCall", int64(opts.MaxItemsPerCall), math.MaxInt64)
	checkInt("MaxAttempts", int64(opts.MaxAttempts), MaxAttemptsLimit)
	checkInt("BackoffBase", int64(opts.BackoffBase), math.MaxInt64)
	checkInt("BackoffMax", int64(opts.BackoffMax), math.MaxInt64)
	checkInt("RetryBudget", int64(opts.RetryBudget), RetryBudgetLimit)
	checkInt("MaxBuffered", int64(opts.MaxBuffered), MaxBufferedLimit)
	checkInt("MaxDelay", int64(opts.MaxDelay), math.MaxInt64)
	errs = append(errs, checkRates(&opts)...)
	if math.IsNaN(opts.RateDecrease) || opts.RateDecrease < 0 || opts.RateDecrease >= 1 {
		errs = append(errs, fmt.Errorf("batch: Options.RateDecrease must be in (0, 1), got %v", opts.RateDecrease))
	}
	if adapterMax <= 0 || adapterMax > MaxItemsLimit {
		errs = append(errs, fmt.Errorf("batch: adapter MaxItems must be in [1, %d], got %d", MaxItemsLimit, adapterMax))
	}
	if err := errors.Join(errs...); err != nil {
		return settings{}, err
	}
	s := settings{Options: opts, maxItems: adapterMax}
	if s.MaxItemsPerCall > 0 && s.MaxItemsPerCall < adapterMax {
		s.maxItems = s.MaxItemsPerCall
	}
	if s.MaxInFlight == 0 {
		s.MaxInFlight = DefaultMaxInFlight
	}
	if s.MaxAttempts == 0 {
		s.MaxAttempts = DefaultMaxAttempts
	}
	if s.BackoffBase == 0 {
		s.BackoffBase = DefaultBackoffBase
	}
	if s.BackoffMax == 0 {
		s.BackoffMax = DefaultBackoffMax
	}
	if s.RetryBudget == 0 {
		s.RetryBudget = DefaultRetryBudget
	}
	s.MinRate = minRateOf(&opts)
	if s.RateDecrease == 0 {
		s.RateDecrease = DefaultRateDecrease
	}
	if s.MaxDelay == 0 {
		s.MaxDelay = DefaultMaxDelay
	}
	if s.MaxBuffered == 0 {
		// Both factors are bounded above, so the product fits an int64.
		s.MaxBuffered = max(DefaultMaxBuffered, 4*s.MaxInFlight*s.maxItems)
	}
	if s.MaxBuffered < s.maxItems {
		// A full call must fit in the buffer, or calls would never fill.
		s.MaxBuffered = s.maxItems
	}
	if s.Clock == nil {
		s.Clock = realClock{}
	}
	return s, nil
}
