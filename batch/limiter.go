package batch

import (
	"context"
	"time"
)

// Limiter paces the calls of a run: the engine calls Wait before sending
// each call and before each retry of an HTTP attempt the service throttled
// ([PaceRetry]), and Done with every throttle signal and every call's
// outcome, so that the Limiter can learn the rate the service accepts. Set
// [Options.Limiter] to share one rate between several runs, or between
// processes through a store (package github.com/batchkit/batchkit/redislimit
// keeps it in Redis). A nil Options.Limiter gives each run its own adaptive
// rate, described in the package documentation under "Send rate"; see
// [NewAdaptiveLimiter] for that rate as a value of its own.
//
// Contract: a Limiter is safe for concurrent use by up to MaxInFlight calls
// of each run using it, and may be shared by several runs, goroutines and
// processes. Wait blocks until one HTTP attempt may be sent (a call, or the
// retry of a throttled attempt), or until ctx is done: it then returns ctx's
// error (or one wrapping it) and the engine ends that call without sending
// the attempt. A canceled Wait lets nothing go. Done never blocks: it is
// called on the run's own goroutine and on the SDK's. For each attempt that
// Wait let go, Done receives at most one report with InFlight set (the
// service throttled it and the SDK will retry it); for each call, at most
// one without (its outcome, whose Sent is when its last attempt went). A
// call canceled in flight may get no report.
//
// A Limiter that also has a method Rate() float64 reports its send rate, in
// calls per second (0 for no limit), to [Hooks.OnThrottle] and the log after
// each throttle signal; without it they see a rate of 0. With a Limiter of
// its own a run calls OnThrottle on every throttle signal it reports to Done,
// since it cannot tell which of them lowered the rate.
type Limiter interface {
	Wait(ctx context.Context) error
	Done(r CallResult)
}

// CallResult is what the engine tells a [Limiter] about one call.
type CallResult struct {
	// Sent is when Wait let the attempt go, by the run's [Options.Clock]:
	// for an outcome, the call's last attempt.
	Sent time.Time
	// Throttled is the share of the call the service refused for its rate:
	// 1 for a call throttled as a whole, or for an HTTP attempt the SDK
	// retried after a throttle; the share of the call's items answered with a
	// throttle code inside a 200; 0 for an accepted call.
	Throttled float64
	// InFlight marks the report of a throttled HTTP attempt of a call that is
	// still running: the SDK retries it, and the call's outcome follows.
	InFlight bool
}

// AdaptiveLimiter is the adaptive send rate a run uses when
// [Options.Limiter] is nil ("Send rate" in the package documentation), as a
// [Limiter] of its own: to share one in-process rate between runs, or as the
// local fallback of a shared Limiter. It is safe for concurrent use and
// starts no goroutines.
type AdaptiveLimiter struct {
	a *adaptiveRate
}

var _ Limiter = (*AdaptiveLimiter)(nil)

// NewAdaptiveLimiter returns an adaptive Limiter configured by the rate
// fields of opts (Rate, MinRate, MaxRate, FixedRate) and its Clock, with the
// defaults and checks of a [Runner]; other fields are ignored. The error
// joins every invalid field.
func NewAdaptiveLimiter(opts Options) (*AdaptiveLimiter, error) {
	s, err := newSettings(Options{
		Rate: opts.Rate, MinRate: opts.MinRate, MaxRate: opts.MaxRate,
		FixedRate: opts.FixedRate, Clock: opts.Clock,
	}, 1)
	if err != nil {
		return nil, err
	}
	return &AdaptiveLimiter{a: newAdaptiveRate(&s)}, nil
}

// Wait blocks until one call may be sent or ctx is done; see [Limiter].
func (l *AdaptiveLimiter) Wait(ctx context.Context) error { return l.a.Wait(ctx) }

// Done takes one report about a call and never blocks; see [Limiter].
func (l *AdaptiveLimiter) Done(r CallResult) { l.a.Done(r) }

// Rate is the send rate in calls per second, 0 for no limit.
func (l *AdaptiveLimiter) Rate() float64 {
	l.a.mu.Lock()
	defer l.a.mu.Unlock()
	return l.a.reported()
}

// newLimiter is the limiter of one run: its own adaptive rate, or the one
// the caller set.
func newLimiter(s *settings) limiter {
	switch l := s.Limiter.(type) {
	case nil:
		return newAdaptiveRate(s)
	case *AdaptiveLimiter:
		return l.a // it knows which throttles cut the rate
	default:
		return userLimiter{l}
	}
}

// userLimiter adapts a caller's Limiter to the engine's limiter.
type userLimiter struct{ l Limiter }

func (u userLimiter) Wait(ctx context.Context) error { return u.l.Wait(ctx) }

// Done reports every throttle signal as a cut: the Limiter does not say
// which ones lowered its rate.
func (u userLimiter) Done(r CallResult) (float64, bool) {
	u.l.Done(r)
	rate := 0.0
	if rr, ok := u.l.(interface{ Rate() float64 }); ok {
		// Also after an accepted call: a throttle signalled in flight
		// is told to hooks when the call completes, with the rate then.
		rate = rr.Rate()
	}
	return rate, r.Throttled > 0
}
