package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func mustRunner(t *testing.T, a Adapter[item, string], opts ...func(*Options)) *Runner[item, string] {
	t.Helper()
	r, err := New(a, append([]func(*Options){fastOpts}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkLedger asserts every input item has exactly one terminal outcome at
// its own index, and that the report's counts agree.
func checkLedger(t *testing.T, in []item, rep *Report[item, string]) {
	t.Helper()
	if len(rep.Outcomes) != len(in) {
		t.Fatalf("got %d outcomes, want %d", len(rep.Outcomes), len(in))
	}
	var s, f, c int
	for i, o := range rep.Outcomes {
		if o.Index != i || o.Item.ID != in[i].ID {
			t.Fatalf("outcome %d is for index %d item %q", i, o.Index, o.Item.ID)
		}
		switch o.Status {
		case StatusSucceeded:
			s++
			if o.Err != nil {
				t.Fatalf("item %d succeeded with error %v", i, o.Err)
			}
		case StatusFailed:
			f++
			if o.Err == nil {
				t.Fatalf("item %d failed without error", i)
			}
		case StatusCanceled:
			c++
			if o.Err == nil || o.Err.Code != CodeCanceled && o.Err.Code != CodeUnauthorized {
				t.Fatalf("item %d canceled with error %v", i, o.Err)
			}
		default:
			t.Fatalf("item %d has no outcome", i)
		}
	}
	if s != rep.Succeeded || f != rep.Failed || c != rep.Canceled {
		t.Fatalf("counts %d/%d/%d, report says %d/%d/%d", s, f, c, rep.Succeeded, rep.Failed, rep.Canceled)
	}
}

func TestRunAllSucceed(t *testing.T) {
	a := newScripted(25)
	var outcomes atomic.Int64
	r := mustRunner(t, a, func(o *Options) { o.Hooks.OnOutcome = func(OutcomeInfo) { outcomes.Add(1) } })
	in := items(1000, 3)
	rep, err := r.Run(context.Background(), in)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkLedger(t, in, rep)
	if rep.Succeeded != 1000 || rep.Err() != nil {
		t.Fatalf("got %d succeeded, err %v; want 1000, nil", rep.Succeeded, rep.Err())
	}
	for i, o := range rep.Outcomes {
		if o.Value != "ok:"+in[i].ID || o.Attempts != 1 {
			t.Fatalf("outcome %d = %+v", i, o)
		}
	}
	if outcomes.Load() != 1000 {
		t.Errorf("OnOutcome called %d times, want 1000", outcomes.Load())
	}
	// 334, 333 and 333 items in three keys: 14 calls each at most.
	if got := rep.Stats.Calls; got > 42 {
		t.Errorf("calls = %d, want at most 42", got)
	}
	for _, c := range a.callLog() {
		if len(c.IDs) > 25 {
			t.Fatalf("call of %d items", len(c.IDs))
		}
	}
}

// TestRandomFaults drives many seeds of random fault schedules and checks
// the ledger against what each item's script says must happen.
func TestRandomFaults(t *testing.T) {
	codes := []Code{"", "", "", CodeThrottled, CodeInternal, CodeUnavailable, CodeNotFound, CodeConflict}
	for seed := range uint64(40) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			n := 50 + rng.IntN(400)
			in := items(n, 1+rng.IntN(4))
			for i := range in {
				for range rng.IntN(4) {
					in[i].Fail = append(in[i].Fail, codes[rng.IntN(len(codes))])
				}
				in[i].Invalid = rng.IntN(50) == 0
				in[i].Poison = rng.IntN(80) == 0
			}
			maxAttempts := 1 + rng.IntN(4)
			a := newScripted(1 + rng.IntN(25))
			r := mustRunner(t, a, func(o *Options) {
				o.MaxAttempts = maxAttempts
				o.MaxInFlight = 1 + rng.IntN(6)
				o.MaxBuffered = 1 + rng.IntN(200)
				o.RetryBudget = 1 << 20
			})
			rep, err := r.Run(context.Background(), in)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			checkLedger(t, in, rep)
			for i, o := range rep.Outcomes {
				it := in[i]
				want, wantCode, wantSends := expectOutcome(it, maxAttempts)
				if o.Status != want {
					t.Fatalf("item %d (%+v): status %v err %v, want %v", i, it, o.Status, o.Err, want)
				}
				if want == StatusFailed && o.Err.Code != wantCode {
					t.Fatalf("item %d (%+v): code %v, want %v", i, it, o.Err.Code, wantCode)
				}
				// Calls rejected as a whole (bisection) carry items without
				// answering them, so compare answered attempts.
				if answered := a.answered(it); !it.Poison && (answered != wantSends || o.Attempts < answered) {
					t.Fatalf("item %d (%+v): answered %d times in %d calls, want %d", i, it, answered, o.Attempts, wantSends)
				}
			}
			for _, c := range a.callLog() {
				seen := map[string]bool{}
				for _, id := range c.IDs {
					if seen[id] {
						t.Fatalf("identity %s twice in one call", id)
					}
					seen[id] = true
				}
			}
		})
	}
}

// expectOutcome replays an item's script: only retryable codes are retried,
// up to maxAttempts sends after failures and four times that after
// throttles.
func expectOutcome(it item, maxAttempts int) (Status, Code, int) {
	if it.Invalid {
		return StatusFailed, CodeInvalidInput, 0
	}
	if it.Poison {
		return StatusFailed, CodeInvalidInput, 0
	}
	retries, throttles := 0, 0
	for a := 0; ; a++ {
		if a >= len(it.Fail) || it.Fail[a] == "" {
			return StatusSucceeded, "", a + 1
		}
		c := it.Fail[a]
		switch {
		case c == CodeThrottled:
			if throttles+1 >= 4*maxAttempts {
				return StatusFailed, c, a + 1
			}
			throttles++
		case c == CodeInternal || c == CodeUnavailable:
			if retries+1 >= maxAttempts {
				return StatusFailed, c, a + 1
			}
			retries++
		default:
			return StatusFailed, c, a + 1
		}
	}
}

func TestRetryBudgetEndsOutage(t *testing.T) {
	a := newScripted(10)
	in := items(1000, 1)
	for i := range in {
		in[i].Fail = []Code{CodeUnavailable, CodeUnavailable, CodeUnavailable, CodeUnavailable}
	}
	r := mustRunner(t, a, func(o *Options) { o.RetryBudget = 30; o.MaxAttempts = 5 })
	rep, err := r.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkLedger(t, in, rep)
	if rep.Stats.Retries > 30 {
		t.Errorf("retries = %d, want at most the budget of 30", rep.Stats.Retries)
	}
	if rep.Failed != 1000-rep.Succeeded || rep.ByCode[CodeUnavailable] != rep.Failed {
		t.Errorf("failed %d by code %v", rep.Failed, rep.ByCode)
	}
	if !errors.Is(rep.Err(), ErrUnavailable) {
		t.Errorf("Report.Err() = %v, want ErrUnavailable inside", rep.Err())
	}
	// Without the budget every item would be sent 5 times.
	if rep.Stats.Calls > 100+3+5 {
		t.Errorf("calls = %d, want about 100 + retries", rep.Stats.Calls)
	}
}

func TestBisectIsolatesPoison(t *testing.T) {
	for seed := range uint64(30) {
		rng := rand.New(rand.NewPCG(seed, 1))
		k := 1 + rng.IntN(4)
		in := items(25, 1)
		poison := map[int]bool{}
		for len(poison) < k {
			p := rng.IntN(25)
			poison[p] = true
			in[p].Poison = true
		}
		a := newScripted(25)
		r := mustRunner(t, a, func(o *Options) { o.MaxInFlight = 1 })
		rep, err := r.Run(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		checkLedger(t, in, rep)
		for i, o := range rep.Outcomes {
			if poison[i] {
				if o.Status != StatusFailed || o.Err.ServiceCode != "ValidationException" {
					t.Fatalf("seed %d: poison item %d: %v %v", seed, i, o.Status, o.Err)
				}
			} else if o.Status != StatusSucceeded {
				t.Fatalf("seed %d: clean item %d: %v %v", seed, i, o.Status, o.Err)
			}
		}
		// 2·k·log2(25) ≈ 9.3k extra calls at most.
		extra := rep.Stats.Calls - 1
		if limit := 2 * k * 5; extra > limit {
			t.Errorf("seed %d: %d poison items took %d extra calls, want at most %d", seed, k, extra, limit)
		}
	}
}

var errNoAccount = errors.New("no such account")

func TestKeyFatalStopsSendsForKey(t *testing.T) {
	a := newScripted(5)
	var condemned atomic.Bool
	var afterCondemned atomic.Int64
	a.onCall = func(ctx context.Context, key string, items []item) error {
		if key == "bad" {
			return errNoAccount
		}
		return nil
	}
	a.scope = func(err error) (*Error, Scope) {
		if errors.Is(err, errNoAccount) {
			condemned.Store(true)
			return &Error{Code: CodeNotFound, ServiceCode: "NotFoundException", Err: err}, ScopeKey
		}
		return &Error{Code: CodeUnknown, Err: err}, ScopeCall
	}
	in := items(200, 1)
	for i := range in {
		if i%4 == 0 {
			in[i].Key = "bad"
		}
	}
	// OnCall runs on the run's goroutine, like Classify: a call for the key
	// sent after the error was classified is counted here.
	r := mustRunner(t, a, func(o *Options) {
		o.MaxInFlight = 3
		o.Hooks.OnCall = func(ci CallInfo) {
			if ci.Key == "bad" && !ci.Done && condemned.Load() {
				afterCondemned.Add(1)
			}
		}
	})
	rep, err := r.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkLedger(t, in, rep)
	for i, o := range rep.Outcomes {
		if in[i].Key == "bad" && (o.Status != StatusFailed || o.Err.Code != CodeNotFound) {
			t.Fatalf("item %d of the bad key: %v %v", i, o.Status, o.Err)
		}
		if in[i].Key != "bad" && o.Status != StatusSucceeded {
			t.Fatalf("item %d of a good key: %v %v", i, o.Status, o.Err)
		}
	}
	if n := afterCondemned.Load(); n != 0 {
		t.Errorf("%d calls for the condemned key after its error was classified", n)
	}
}

var errBadSignature = errors.New("signature does not match")

func TestRunFatalEndsRun(t *testing.T) {
	a := newScripted(10)
	var calls atomic.Int64
	a.onCall = func(ctx context.Context, key string, items []item) error {
		if calls.Add(1) == 3 {
			return errBadSignature
		}
		return nil
	}
	a.scope = func(err error) (*Error, Scope) {
		return &Error{Code: CodeUnauthorized, ServiceCode: "InvalidSignatureException", Err: err}, ScopeRun
	}
	in := items(500, 1)
	r := mustRunner(t, a, func(o *Options) { o.MaxInFlight = 1 })
	rep, err := r.Run(context.Background(), in)
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("Run error = %v, want ErrUnauthorized", err)
	}
	checkLedger(t, in, rep)
	if rep.Succeeded != 20 || rep.Failed != 480 {
		t.Errorf("succeeded %d failed %d, want 20 and 480", rep.Succeeded, rep.Failed)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("calls = %d, want 3: the run must stop at the fatal error", n)
	}
}

func TestCancelMidRun(t *testing.T) {
	a := newScripted(10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{}, 100)
	var n atomic.Int64
	a.onCall = func(cctx context.Context, key string, items []item) error {
		if n.Add(1) <= 2 {
			return nil // the first two calls succeed
		}
		started <- struct{}{}
		<-cctx.Done() // the rest hang until canceled
		return cctx.Err()
	}
	go func() {
		for range 3 {
			<-started
		}
		cancel()
	}()
	in := items(1000, 1)
	r := mustRunner(t, a, func(o *Options) { o.MaxInFlight = 3 })
	rep, err := r.Run(ctx, in)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run error = %v, want context.Canceled", err)
	}
	checkLedger(t, in, rep)
	var lost, unsent int
	for _, o := range rep.Outcomes {
		if o.Status == StatusCanceled {
			if o.Attempts > 0 {
				lost++
				if !strings.Contains(o.Err.Message, "in flight") {
					t.Fatalf("in-flight item canceled with %q", o.Err.Message)
				}
			} else {
				unsent++
			}
		}
	}
	if rep.Succeeded != 20 || lost != 30 || unsent != 950 {
		t.Errorf("succeeded %d, lost in flight %d, never sent %d; want 20, 30, 950", rep.Succeeded, lost, unsent)
	}
	if !errors.Is(rep.Err(), ErrCanceled) {
		t.Errorf("Report.Err() = %v, want ErrCanceled inside", rep.Err())
	}
}

func TestConcurrencyCapReachedNeverExceeded(t *testing.T) {
	a := newScripted(5)
	const limit = 4
	var arrived atomic.Int64
	release := make(chan struct{})
	a.onCall = func(ctx context.Context, key string, items []item) error {
		if arrived.Add(1) == limit {
			close(release)
		}
		<-release
		return nil
	}
	in := items(200, 2)
	r := mustRunner(t, a, func(o *Options) { o.MaxInFlight = limit })
	rep, err := r.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkLedger(t, in, rep)
	if p := a.peak.Load(); p != limit {
		t.Errorf("peak in flight = %d, want %d", p, limit)
	}
}

func TestBadAdapterAnswers(t *testing.T) {
	t.Run("wrong result length", func(t *testing.T) {
		a := newScripted(10)
		a.results = func(items []item) ([]Result[string], error) {
			if items[0].Key == "short" {
				return make([]Result[string], len(items)-1), nil
			}
			return make([]Result[string], len(items)), nil
		}
		in := items(40, 1)
		for i := range 10 {
			in[i].Key = "short"
		}
		rep, err := mustRunner(t, a).Run(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		checkLedger(t, in, rep)
		if rep.ByCode[CodeUnmatched] != 10 || rep.Succeeded != 30 {
			t.Errorf("unmatched %d succeeded %d, want 10 and 30", rep.ByCode[CodeUnmatched], rep.Succeeded)
		}
	})
	t.Run("panic in call", func(t *testing.T) {
		a := newScripted(10)
		a.results = func(items []item) ([]Result[string], error) {
			if items[0].Key == "boom" {
				panic("malformed answer")
			}
			return make([]Result[string], len(items)), nil
		}
		in := items(40, 1)
		for i := range 10 {
			in[i].Key = "boom"
		}
		rep, err := mustRunner(t, a).Run(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		checkLedger(t, in, rep)
		if rep.ByCode[CodeInternal] != 10 || rep.Succeeded != 30 {
			t.Errorf("internal %d succeeded %d, want 10 and 30", rep.ByCode[CodeInternal], rep.Succeeded)
		}
		if msg := rep.Outcomes[0].Err.Error(); !strings.Contains(msg, "panicked") {
			t.Errorf("error %q does not say the adapter panicked", msg)
		}
	})
}

func TestBadInput(t *testing.T) {
	if _, err := New[item, string](nil); err == nil || !strings.Contains(err.Error(), "adapter is nil") {
		t.Errorf("New(nil) error = %v", err)
	}
	if _, err := New[item, string](newScripted(0)); err == nil || !strings.Contains(err.Error(), "MaxItems") {
		t.Errorf("New with MaxItems 0: error = %v", err)
	}
	_, err := New[item, string](newScripted(5), func(o *Options) { o.MaxInFlight = -1; o.RateDecrease = 2 })
	if err == nil || !strings.Contains(err.Error(), "MaxInFlight") || !strings.Contains(err.Error(), "RateDecrease") {
		t.Errorf("negative options: error = %v, want both fields named", err)
	}
	r := mustRunner(t, newScripted(5))
	//lint:ignore SA1012 a nil context is the bad input under test
	if _, err := r.Run(nil, items(3, 1)); err == nil || !strings.Contains(err.Error(), "nil Context") {
		t.Errorf("Run(nil ctx) error = %v", err)
	}
	if _, err := r.Run(context.Background(), nil); !errors.Is(err, ErrNoItems) {
		t.Errorf("Run(no items) error = %v, want ErrNoItems", err)
	}
	in := items(10, 1)
	in[3].Invalid = true
	rep, err := r.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkLedger(t, in, rep)
	o := rep.Outcomes[3]
	if o.Status != StatusFailed || o.Err.Code != CodeInvalidInput || o.Err.Field != "ID" || o.Attempts != 0 {
		t.Errorf("invalid item outcome = %+v", o)
	}
	if rep.Succeeded != 9 {
		t.Errorf("succeeded = %d, want 9", rep.Succeeded)
	}
	var re *RunError
	if !errors.As(rep.Err(), &re) || len(re.Failures) != 1 || re.Failures[0].Index != 3 {
		t.Errorf("Report.Err() = %v, want one failure at index 3", rep.Err())
	}
}

func TestStreamBoundedMemory(t *testing.T) {
	const n, buffered = 20000, 64
	var read, yielded, peak int
	seq := func(yield func(item) bool) {
		for i := range n {
			read++
			peak = max(peak, read-yielded)
			if !yield(item{ID: fmt.Sprint(i)}) {
				return
			}
		}
	}
	r := mustRunner(t, newScripted(10), func(o *Options) { o.MaxBuffered = buffered })
	seen := make([]bool, n)
	for o, err := range r.Stream(context.Background(), seq) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[o.Index] || o.Status != StatusSucceeded {
			t.Fatalf("outcome %+v repeated or failed", o)
		}
		seen[o.Index] = true
		yielded++
	}
	if yielded != n {
		t.Fatalf("yielded %d outcomes, want %d", yielded, n)
	}
	// peak counts the item being read, so it may exceed the buffer by one.
	if peak > buffered+1 {
		t.Errorf("held up to %d items, want at most %d", peak, buffered+1)
	}
}

func TestStreamBreakStopsRun(t *testing.T) {
	a := newScripted(10)
	r := mustRunner(t, a, func(o *Options) { o.MaxBuffered = 100 })
	var read atomic.Int64
	seq := func(yield func(item) bool) {
		for i := 0; ; i++ {
			read.Add(1)
			if !yield(item{ID: fmt.Sprint(i)}) {
				return
			}
		}
	}
	got := 0
	for _, err := range r.Stream(context.Background(), seq) {
		if err != nil {
			t.Fatal(err)
		}
		got++
		if got == 50 {
			break
		}
	}
	if got != 50 || read.Load() > 200 {
		t.Errorf("got %d outcomes after reading %d items", got, read.Load())
	}
}

func TestStreamErrors(t *testing.T) {
	r := mustRunner(t, newScripted(5))
	empty := func(func(item) bool) {}
	for _, err := range r.Stream(context.Background(), empty) {
		if !errors.Is(err, ErrNoItems) {
			t.Errorf("empty stream error = %v, want ErrNoItems", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var last error
	n := 0
	for o, err := range r.Stream(ctx, iter.Seq[item](func(yield func(item) bool) {
		for i := range 10 {
			if !yield(item{ID: fmt.Sprint(i)}) {
				return
			}
		}
	})) {
		if err == nil && o.Status != StatusCanceled {
			t.Errorf("outcome of a canceled stream: %+v", o)
		}
		n++
		last = err
	}
	if !errors.Is(last, context.Canceled) {
		t.Errorf("canceled stream ended with %v (after %d pairs), want context.Canceled", last, n)
	}
}

func TestThrottleInAnswerLowersRate(t *testing.T) {
	a := newScripted(5)
	in := items(100, 1)
	for i := range in {
		if i%5 == 0 {
			in[i].Fail = []Code{CodeThrottled}
		}
	}
	var rates throttleRates
	r := mustRunner(t, a, func(o *Options) {
		o.Rate = 100000
		o.Hooks.OnThrottle = rates.hook
	})
	rep, err := r.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkLedger(t, in, rep)
	if rep.Succeeded != 100 {
		t.Errorf("succeeded %d, want 100", rep.Succeeded)
	}
	if rep.Stats.ThrottledCalls == 0 || len(rates.all) == 0 || rates.all[0] >= 100000 {
		t.Errorf("throttled calls %d, rates %v: want the rate cut below 100000", rep.Stats.ThrottledCalls, rates.all)
	}
}

func TestSignalThrottleFromAdapter(t *testing.T) {
	a := newScripted(5)
	a.onCall = func(ctx context.Context, key string, items []item) error {
		SignalThrottle(ctx)
		return nil
	}
	r := mustRunner(t, a)
	rep, err := r.Run(context.Background(), items(20, 1))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stats.ThrottledCalls != rep.Stats.Calls {
		t.Errorf("throttled calls %d of %d, want all", rep.Stats.ThrottledCalls, rep.Stats.Calls)
	}
	SignalThrottle(context.Background()) // outside a run: no effect, no panic
}

func TestLogsNeverHoldIdentities(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := newScripted(5)
	in := items(50, 2)
	for i := range in {
		in[i].ID = fmt.Sprintf("SECRET-%d", i)
		if i%3 == 0 {
			in[i].Fail = []Code{CodeThrottled}
		}
	}
	rep, err := mustRunner(t, a, func(o *Options) { o.Logger = logger }).Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkLedger(t, in, rep)
	if !strings.Contains(buf.String(), "sending call") || !strings.Contains(buf.String(), "retrying item") {
		t.Fatalf("log lacks call and retry records:\n%s", buf.String())
	}
	if strings.Contains(buf.String(), "SECRET") {
		t.Errorf("log holds an identity:\n%s", buf.String())
	}
}

func TestErrorsIsSentinels(t *testing.T) {
	e := &Error{Code: CodeThrottled, ServiceCode: "ThrottledClientException", Operation: "BatchUpdateUser", Message: "slow down", RequestID: "r1"}
	if !errors.Is(e, ErrThrottled) || errors.Is(e, ErrNotFound) {
		t.Errorf("errors.Is on %v gives wrong answers", e)
	}
	want := "batch: BatchUpdateUser: throttled (ThrottledClientException): slow down (request id r1)"
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
	re := &RunError{Total: 3, Failures: []*ItemError{{Index: 2, Err: e}}}
	if !errors.Is(re, ErrThrottled) || !strings.Contains(re.Error(), "item 2: ") {
		t.Errorf("RunError %q does not expose its failure", re)
	}
	var got *Error
	if !errors.As(re, &got) || got != e {
		t.Errorf("errors.As through RunError = %v", got)
	}
}

func TestBackoffFullJitterBounded(t *testing.T) {
	rn := &run[item, string]{set: &settings{Options: Options{BackoffBase: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond}}, rng: rand.New(rand.NewPCG(3, 4))}
	for retry := 1; retry <= 8; retry++ {
		ceil := min(10*time.Millisecond<<(retry-1), 50*time.Millisecond)
		for range 200 {
			if d := rn.backoff(retry); d < 0 || d >= ceil {
				t.Fatalf("backoff(%d) = %v, want in [0, %v)", retry, d, ceil)
			}
		}
	}
}

var errConnReset = errors.New("connection reset after the request was sent")

// TestCallFailureResendsSameCall checks that the items of a call that failed
// as a whole, retryably, are sent again together as the same call: an
// operation whose client token derives from the call's items then replays
// the call instead of applying it twice.
func TestCallFailureResendsSameCall(t *testing.T) {
	a := newScripted(5)
	var n atomic.Int64
	a.onCall = func(ctx context.Context, key string, items []item) error {
		if n.Add(1)%3 == 1 { // every third call loses its answer
			return errConnReset
		}
		return nil
	}
	a.scope = func(err error) (*Error, Scope) {
		return &Error{Code: CodeUnavailable, Retryable: true, Err: err}, ScopeCall
	}
	in := items(40, 2)
	rep, err := mustRunner(t, a, func(o *Options) { o.MaxInFlight = 1 }).Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkLedger(t, in, rep)
	if rep.Succeeded != 40 {
		t.Fatalf("succeeded %d, want 40", rep.Succeeded)
	}
	// The next call carrying an item of a lost call must be that call again.
	calls := a.callLog()
	resent := 0
	for i := 0; i < len(calls); i += 3 {
		for j := i + 1; j < len(calls); j++ {
			if slices.Contains(calls[j].IDs, calls[i].IDs[0]) {
				if fmt.Sprint(calls[j]) != fmt.Sprint(calls[i]) {
					t.Fatalf("call %d %v lost its answer; its items came back as call %d %v, want the same call", i, calls[i], j, calls[j])
				}
				resent++
				break
			}
		}
	}
	if resent == 0 {
		t.Fatal("no lost call was sent again")
	}
}
