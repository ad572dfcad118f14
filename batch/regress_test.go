package batch

// Regression tests for the bugs of issue 8 and those found since, one per
// bug, named after it.
// Each failed on the engine before its fix.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// watchdog fails the test when run does not return within d, instead of
// hanging the suite. The bound is generous: it catches runs that never end,
// not slow ones.
func watchdog[V any](t *testing.T, d time.Duration, run func() V) V {
	t.Helper()
	done := make(chan V, 1)
	go func() { done <- run() }()
	select {
	case v := <-done:
		return v
	case <-time.After(d):
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("run did not end within %v; goroutines:\n%s", d, buf)
		panic("unreachable")
	}
}

var errKeyGone = errors.New("key does not exist")

// Bug 1: a key condemned while one of its bisect halves waited in the pinned
// queue, with many keys of few items and nothing in flight, left the run
// waiting on its context alone.
func TestRegressionHangCondemnedKeyWithPinnedHalf(t *testing.T) {
	for _, inFlight := range []int{1, 2} {
		t.Run(fmt.Sprint("MaxInFlight=", inFlight), func(t *testing.T) {
			a := newScripted(10)
			var rejected atomic.Bool
			a.onCall = func(ctx context.Context, key string, items []item) error {
				if key != "k0" {
					return nil
				}
				if rejected.CompareAndSwap(false, true) {
					return errPoison // the first call of k0 is rejected whole: bisect
				}
				return errKeyGone // its halves find the key gone
			}
			a.scope = func(err error) (*Error, Scope) {
				if errors.Is(err, errPoison) {
					return &Error{Code: CodeInvalidInput, Err: err}, ScopeItems
				}
				return &Error{Code: CodeNotFound, ServiceCode: "NotFound", Err: err}, ScopeKey
			}
			// k0 comes first with 8 items (one call, rejected whole), then
			// 50 keys of 4 items: no other key ever fills a call.
			in := items(8, 1)
			for i, it := range items(200, 50) {
				it.Key = fmt.Sprintf("k%d", 1+i%50)
				in = append(in, it)
			}
			r := mustRunner(t, a, func(o *Options) {
				o.MaxInFlight = inFlight
				o.MaxBuffered = 40
			})
			rep := watchdog(t, 30*time.Second, func() *Report[item, string] {
				rep, err := r.Run(context.Background(), in)
				require.NoError(t, err)
				return rep
			})
			checkLedger(t, in, rep)
			for i, o := range rep.Outcomes {
				if in[i].Key == "k0" {
					assert.Equal(t, CodeNotFound, o.Err.Code, "item %d", i)
				} else {
					assert.Equal(t, StatusSucceeded, o.Status, "item %d", i)
				}
			}
		})
	}
}

// Bug 3: concurrent runs of one Runner raced on its one random source (a
// data race under -race in backoff).
func TestRegressionConcurrentRunsShareNoRandom(t *testing.T) {
	a := newScripted(5)
	r := mustRunner(t, a, func(o *Options) { o.MaxInFlight = 4 })
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := items(100, 3)
			for i := range in {
				in[i].ID = fmt.Sprintf("g%d-%d", g, i)
				in[i].Fail = []Code{CodeInternal, CodeThrottled} // two retries each
			}
			rep, err := r.Run(context.Background(), in)
			assert.NoError(t, err)
			assert.Equal(t, len(in), rep.Succeeded)
		}()
	}
	wg.Wait()
}

// Bug 5: OnOutcome was not called for items Run never read.
func TestRegressionOnOutcomeForUnreadItems(t *testing.T) {
	t.Run("context canceled before Run", func(t *testing.T) {
		var calls []int
		r := mustRunner(t, newScripted(5), func(o *Options) {
			o.Hooks.OnOutcome = func(oi OutcomeInfo) {
				calls = append(calls, oi.Index)
				assert.Equal(t, StatusCanceled, oi.Status)
			}
		})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rep, err := r.Run(ctx, items(30, 1))
		require.ErrorIs(t, err, ErrCanceled)
		assert.Equal(t, 30, rep.Canceled)
		assert.Len(t, calls, 30)
	})
	t.Run("run ended by a call error", func(t *testing.T) {
		a := newScripted(5)
		a.onCall = func(context.Context, string, []item) error { return errBadSignature }
		a.scope = func(err error) (*Error, Scope) {
			return &Error{Code: CodeUnauthorized, Err: err}, ScopeRun
		}
		seen := make(map[int]int)
		r := mustRunner(t, a, func(o *Options) {
			o.MaxInFlight = 1
			o.MaxBuffered = 5
			o.Hooks.OnOutcome = func(oi OutcomeInfo) { seen[oi.Index]++ }
		})
		rep, err := r.Run(context.Background(), items(50, 1))
		require.ErrorIs(t, err, ErrUnauthorized)
		assert.Equal(t, 50, rep.Failed)
		require.Len(t, seen, 50)
		for i, n := range seen {
			assert.Equal(t, 1, n, "OnOutcome calls for item %d", i)
		}
	})
}

// Bug 6: options that overflow the run's arithmetic, or NaN rates, were
// accepted.
func TestRegressionOptionsOverflowAndNaN(t *testing.T) {
	for _, tc := range []struct {
		name  string
		field string
		set   func(*Options)
	}{
		{"RetryBudget MaxInt", "RetryBudget", func(o *Options) { o.RetryBudget = math.MaxInt }},
		{"MaxAttempts MaxInt", "MaxAttempts", func(o *Options) { o.MaxAttempts = math.MaxInt }},
		{"MaxInFlight MaxInt", "MaxInFlight", func(o *Options) { o.MaxInFlight = math.MaxInt }},
		{"MaxBuffered MaxInt", "MaxBuffered", func(o *Options) { o.MaxBuffered = math.MaxInt }},
		{"Rate NaN", "Rate", func(o *Options) { o.Rate = math.NaN() }},
		{"Rate Inf", "Rate", func(o *Options) { o.Rate = math.Inf(1) }},
		{"MinRate NaN", "MinRate", func(o *Options) { o.MinRate = math.NaN() }},
		{"RateDecrease NaN", "RateDecrease", func(o *Options) { o.RateDecrease = math.NaN() }},
		{"BackoffBase negative", "BackoffBase", func(o *Options) { o.BackoffBase = -1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New[item, string](newScripted(5), tc.set)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "Options."+tc.field)
		})
	}
	t.Run("adapter MaxItems MaxInt", func(t *testing.T) {
		_, err := New[item, string](newScripted(math.MaxInt))
		require.ErrorContains(t, err, "MaxItems")
	})
	t.Run("largest accepted values run", func(t *testing.T) {
		r, err := New[item, string](newScripted(MaxItemsLimit), func(o *Options) {
			o.MaxInFlight = MaxInFlightLimit
			o.MaxAttempts = MaxAttemptsLimit
			o.RetryBudget = RetryBudgetLimit
			o.BackoffBase = time.Duration(math.MaxInt64)
			o.BackoffMax = time.Duration(math.MaxInt64)
		})
		require.NoError(t, err)
		in := items(40, 2)
		in[3].Fail = []Code{CodeInternal}
		rn := &run[item, string]{set: &r.set, rng: rand.New(rand.NewPCG(1, 2))}
		for retry := range 70 {
			d := rn.backoff(retry)
			require.GreaterOrEqual(t, d, time.Duration(0), "backoff of retry %d", retry)
		}
		r.set.BackoffBase, r.set.BackoffMax = time.Microsecond, time.Microsecond
		rep, err := r.Run(context.Background(), in)
		require.NoError(t, err)
		assert.Equal(t, 40, rep.Succeeded)
	})
}

// Bug 7: the state of a condemned key was never released, so a stream over
// many condemned keys grew without bound.
func TestRegressionCondemnedKeysBoundedMemory(t *testing.T) {
	const n = 60000
	a := newScripted(5)
	a.onCall = func(context.Context, string, []item) error { return errKeyGone }
	a.scope = func(err error) (*Error, Scope) { return &Error{Code: CodeNotFound, Err: err}, ScopeKey }
	r := mustRunner(t, a, func(o *Options) { o.MaxBuffered = 64 })
	seq := func(yield func(item) bool) {
		for i := range n {
			if !yield(item{Key: fmt.Sprintf("key-%08d-with-a-long-name-like-an-arn", i), ID: "u"}) {
				return
			}
		}
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	got := 0
	for o, err := range r.Stream(context.Background(), seq) {
		require.NoError(t, err)
		require.Equal(t, CodeNotFound, o.Err.Code)
		got++
		if got%10000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	require.Equal(t, n, got)
	// Each remembered key costs under 200 bytes; 60,000 keys held for ever
	// took about 25 MB before the fix.
	grown := int64(peak) - int64(base)
	assert.Less(t, grown, int64(8<<20), "heap grew by %d bytes over %d condemned keys", grown, n)
}

// Bug 10: a canceled item kept its last retryable error as its cause, so
// errors.Is matched a code no outcome had; a run ended by its deadline did
// not match ErrCanceled.
func TestRegressionErrorsAgreeWithOutcomes(t *testing.T) {
	t.Run("canceled after a retryable answer", func(t *testing.T) {
		// The call's answer (a retryable failure) and the cancellation race
		// in the run's loop; whichever wins, no outcome is CodeInternal, so
		// errors.Is must not find it. Repeated to meet both orders.
		for range 50 {
			ctx, cancel := context.WithCancel(context.Background())
			a := &cancelingAdapter{scripted: newScripted(5), cancel: cancel}
			r := mustRunner(t, a)
			rep, err := r.Run(ctx, items(5, 1))
			cancel()
			require.ErrorIs(t, err, ErrCanceled)
			require.ErrorIs(t, err, context.Canceled)
			assert.Equal(t, 5, rep.Canceled)
			assert.ErrorIs(t, rep.Err(), ErrCanceled)
			require.NotErrorIs(t, rep.Err(), ErrInternal, "no outcome has CodeInternal")
		}
	})
	t.Run("deadline", func(t *testing.T) {
		a := newScripted(5)
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		a.onCall = func(ctx context.Context, _ string, _ []item) error {
			<-ctx.Done()
			return ctx.Err()
		}
		r := mustRunner(t, a)
		dctx, dcancel := context.WithDeadline(ctx, time.Now()) // already past
		defer dcancel()
		rep, err := r.Run(dctx, items(5, 1))
		require.ErrorIs(t, err, ErrCanceled)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 5, rep.Canceled)
	})
	t.Run("cancellation after every item finished is no error", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		n := 0
		r := mustRunner(t, newScripted(5), func(o *Options) {
			o.Hooks.OnOutcome = func(OutcomeInfo) {
				if n++; n == 10 {
					cancel()
				}
			}
		})
		rep, err := r.Run(ctx, items(10, 1))
		require.NoError(t, err)
		assert.Equal(t, 10, rep.Succeeded)
	})
}

// cancelingAdapter cancels the run from inside its first call, then answers
// every item with a retryable internal failure.
type cancelingAdapter struct {
	*scripted
	cancel context.CancelFunc
}

func (a *cancelingAdapter) Call(ctx context.Context, key string, items []item) ([]Result[string], error) {
	a.cancel()
	out := make([]Result[string], len(items))
	for i := range out {
		out[i].Err = &Error{Code: CodeInternal, Retryable: true}
	}
	return out, nil
}

// TestRegressionSpentBucketHeldRateAtMinRate: a run whose first call was
// throttled before any call had been accepted (an earlier run on the same
// quota had spent the bucket) left slow start with nothing measured, at
// MinRate, and crawled there for several probe cycles: the quickstart's
// Wickr lifecycle runs took 12 to 25 s instead of 2. The rate must dip and
// then grow by round trips again from the first accepted call.
func TestRegressionSpentBucketHeldRateAtMinRate(t *testing.T) {
	const rtt = 20 * time.Millisecond
	clock := newManualClock()
	d := rateDriver{a: newTestRate(t, clock, Options{MaxInFlight: 8}), clock: clock}
	sent := d.send(7)
	clock.advance(rtt)
	d.a.Done(CallResult{Sent: sent, Throttled: 1, InFlight: true})
	assert.True(t, d.a.startup, "a throttle with nothing accepted must not end slow start")
	retry := d.send(7) // the paced retry, accepted
	d.done(retry, rtt, 0)
	start := clock.Now()
	for clock.Now().Sub(start) < 10*rtt {
		d.done(d.send(7), rtt, 0)
	}
	assert.Greater(t, d.a.cur, 50.0, "the rate 10 round trips after the first accepted call, calls per second")

	// The same throttle after calls were accepted measures them and ends
	// slow start.
	clock = newManualClock()
	d = rateDriver{a: newTestRate(t, clock, Options{MaxInFlight: 8}), clock: clock}
	d.done(d.send(7), rtt, 0)
	sent = d.send(7)
	clock.advance(rtt)
	d.a.Done(CallResult{Sent: sent, Throttled: 1, InFlight: true})
	assert.False(t, d.a.startup)
}
