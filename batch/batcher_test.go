package batch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustBatcher(t *testing.T, a Adapter[item, string], opts ...func(*Options)) *Batcher[item, string] {
	t.Helper()
	b, err := NewBatcher(a, append([]func(*Options){fastOpts}, opts...)...)
	require.NoError(t, err)
	return b
}

func TestBatcherAddFromManyGoroutines(t *testing.T) {
	a := newScripted(25)
	b := mustBatcher(t, a, func(o *Options) { o.MaxInFlight = 4 })
	in := items(500, 3)
	in[7].Fail = []Code{CodeInternal} // retried inside the Batcher
	in[9].Invalid = true
	var wg sync.WaitGroup
	errs := make([]error, len(in))
	vals := make([]string, len(in))
	for i := range in {
		wg.Add(1)
		go func() {
			defer wg.Done()
			vals[i], errs[i] = b.Add(context.Background(), in[i])
		}()
	}
	wg.Wait()
	require.NoError(t, b.Close(context.Background()))
	for i := range in {
		if i == 9 {
			require.ErrorIs(t, errs[i], ErrInvalidInput)
			continue
		}
		require.NoError(t, errs[i], "item %d", i)
		assert.Equal(t, "ok:"+in[i].ID, vals[i])
	}
	for _, c := range a.callLog() {
		require.LessOrEqual(t, len(c.IDs), 25)
	}
	assert.Equal(t, 2, a.answered(in[7]))
}

func TestBatcherSendsPartialCallAfterMaxDelay(t *testing.T) {
	clock := newManualClock()
	a := newScripted(25)
	b := mustBatcher(t, a, func(o *Options) { o.Clock = clock; o.MaxDelay = 50 * time.Millisecond })
	var ps []*Pending[item, string]
	for _, it := range items(3, 1) {
		p, err := b.AddAsync(context.Background(), it)
		require.NoError(t, err)
		ps = append(ps, p)
	}
	// Wait until the run has read the items and armed the MaxDelay timer.
	require.Eventually(t, func() bool { return clock.waiters() > 0 }, 10*time.Second, time.Millisecond)
	assert.Empty(t, a.callLog(), "a partial call went out before MaxDelay")
	clock.advance(49 * time.Millisecond)
	assert.Empty(t, a.callLog(), "a partial call went out before MaxDelay")
	clock.advance(time.Millisecond)
	for _, p := range ps {
		<-p.Done()
		assert.Equal(t, StatusSucceeded, p.Outcome().Status)
	}
	require.Len(t, a.callLog(), 1)
	assert.Len(t, a.callLog()[0].IDs, 3)
	require.NoError(t, b.Close(context.Background()))
}

func TestBatcherFullCallGoesAtOnce(t *testing.T) {
	clock := newManualClock() // never advanced: only a full call can go
	a := newScripted(5)
	b := mustBatcher(t, a, func(o *Options) { o.Clock = clock })
	var ps []*Pending[item, string]
	for _, it := range items(5, 1) {
		p, err := b.AddAsync(context.Background(), it)
		require.NoError(t, err)
		ps = append(ps, p)
	}
	for _, p := range ps {
		<-p.Done()
	}
	require.Len(t, a.callLog(), 1)
	require.NoError(t, b.Close(context.Background()))
}

func TestBatcherCancelBeforeSendWithdrawsItem(t *testing.T) {
	clock := newManualClock()
	a := newScripted(25)
	b := mustBatcher(t, a, func(o *Options) { o.Clock = clock })
	ctx, cancel := context.WithCancel(context.Background())
	in := items(2, 1)
	gone, err := b.AddAsync(ctx, in[0])
	require.NoError(t, err)
	kept, err := b.AddAsync(context.Background(), in[1])
	require.NoError(t, err)
	cancel()
	_, err = gone.Wait(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, b.Close(context.Background())) // flushes the partial call
	assert.Equal(t, StatusCanceled, gone.Outcome().Status)
	assert.Equal(t, 0, gone.Outcome().Attempts)
	assert.Equal(t, StatusSucceeded, kept.Outcome().Status)
	require.Len(t, a.callLog(), 1)
	assert.Equal(t, []string{in[1].ID}, a.callLog()[0].IDs, "the withdrawn item was sent")
}

func TestBatcherCancelAfterSendStillDelivers(t *testing.T) {
	a := newScripted(1)
	release := make(chan struct{})
	sent := make(chan struct{}, 1)
	a.onCall = func(ctx context.Context, key string, items []item) error {
		sent <- struct{}{}
		<-release
		return nil
	}
	b := mustBatcher(t, a)
	ctx, cancel := context.WithCancel(context.Background())
	p, err := b.AddAsync(ctx, items(1, 1)[0])
	require.NoError(t, err)
	<-sent
	cancel()
	_, err = p.Wait(ctx)
	require.ErrorIs(t, err, context.Canceled)
	close(release)
	v, err := p.Wait(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "ok:id0", v)
	require.NoError(t, b.Close(context.Background()))
}

func TestBatcherBadUse(t *testing.T) {
	b := mustBatcher(t, newScripted(5))
	//lint:ignore SA1012 a nil context is what the test checks
	_, err := b.Add(nil, item{ID: "x"}) //nolint:staticcheck
	require.Error(t, err)
	require.NoError(t, b.Close(context.Background()))
	require.NoError(t, b.Close(context.Background()), "Close twice")
	_, err = b.Add(context.Background(), item{ID: "x"})
	require.ErrorIs(t, err, ErrClosed)
	_, err = b.AddAsync(context.Background(), item{ID: "x"})
	require.ErrorIs(t, err, ErrClosed)
	_, err = NewBatcher[item, string](nil)
	require.Error(t, err)
	_, err = NewBatcher[item, string](newScripted(5), func(o *Options) { o.MaxDelay = -1 })
	require.ErrorContains(t, err, "MaxDelay")
}

func TestBatcherRunEndingErrorReachesLaterAdds(t *testing.T) {
	a := newScripted(2)
	a.onCall = func(context.Context, string, []item) error { return errBadSignature }
	a.scope = func(err error) (*Error, Scope) { return &Error{Code: CodeUnauthorized, Err: err}, ScopeRun }
	b := mustBatcher(t, a)
	in := items(2, 1)
	p1, err := b.AddAsync(context.Background(), in[0])
	require.NoError(t, err)
	p2, err := b.AddAsync(context.Background(), in[1])
	require.NoError(t, err)
	_, err = p1.Wait(context.Background())
	require.ErrorIs(t, err, ErrUnauthorized)
	_, err = p2.Wait(context.Background())
	require.ErrorIs(t, err, ErrUnauthorized)
	require.Eventually(t, func() bool {
		_, err := b.Add(context.Background(), item{Key: "k0", ID: "late"})
		return errors.Is(err, ErrUnauthorized)
	}, 10*time.Second, time.Millisecond)
	require.ErrorIs(t, b.Close(context.Background()), ErrUnauthorized)
}

func TestBatcherCloseContextCancelsPending(t *testing.T) {
	a := newScripted(1)
	a.onCall = func(ctx context.Context, _ string, _ []item) error {
		<-ctx.Done()
		return ctx.Err()
	}
	b := mustBatcher(t, a, func(o *Options) { o.MaxInFlight = 1 })
	var ps []*Pending[item, string]
	for _, it := range items(3, 1) {
		p, err := b.AddAsync(context.Background(), it)
		require.NoError(t, err)
		ps = append(ps, p)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, b.Close(ctx), context.Canceled)
	for _, p := range ps {
		assert.Equal(t, StatusCanceled, p.Outcome().Status)
	}
}

// TestRegressionBatcherOnOutcomeForUnreadItems: items still waiting in
// the feed when a Batcher's run ended got their outcome but never reached
// Hooks.OnOutcome, which a Runner calls for every item, read or not.
func TestRegressionBatcherOnOutcomeForUnreadItems(t *testing.T) {
	a := newScripted(1)
	sent := make(chan struct{}, 1)
	a.onCall = func(ctx context.Context, _ string, _ []item) error {
		sent <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	}
	var mu sync.Mutex
	var hooked []OutcomeInfo
	b := mustBatcher(t, a, func(o *Options) {
		o.MaxInFlight, o.MaxBuffered = 1, 1
		o.Hooks.OnOutcome = func(oi OutcomeInfo) { mu.Lock(); hooked = append(hooked, oi); mu.Unlock() }
	})
	in := items(2, 1)
	p0, err := b.AddAsync(context.Background(), in[0])
	require.NoError(t, err)
	<-sent // item 0 is held and in flight: the run reads nothing more
	p1, err := b.AddAsync(context.Background(), in[1])
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, b.Close(ctx), context.Canceled)
	assert.Equal(t, StatusCanceled, p0.Outcome().Status)
	assert.Equal(t, StatusCanceled, p1.Outcome().Status)
	assert.Equal(t, -1, p1.Outcome().Index, "item 1 was never taken in")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, hooked, 2, "OnOutcome once per item added")
	indexes := []int{hooked[0].Index, hooked[1].Index}
	assert.ElementsMatch(t, []int{0, -1}, indexes)
}

// TestRegressionBatcherSpunWhileACallWaitedForTheRate: with its buffer
// full, a Batcher holds partial calls while a call waits for the send rate,
// yet a key whose oldest item had waited MaxDelay made its loop turn at once
// instead of blocking: a busy loop, which read no completion until the call
// left the rate. TestStressBatcher hung on it at GOMAXPROCS=1 (seed 143).
func TestRegressionBatcherSpunWhileACallWaitedForTheRate(t *testing.T) {
	clock := &countingClock{manualClock: newManualClock()}
	lim := &gateLimiter{entered: make(chan struct{}, 4), open: make(chan struct{})}
	a := newScripted(3)
	b := mustBatcher(t, a, func(o *Options) {
		o.Clock, o.Limiter = clock, lim
		o.MaxDelay = 50 * time.Millisecond
		o.MaxInFlight, o.MaxBuffered = 4, 4
	})
	// Key b's lone item first, so it is read before key a's full call.
	in := []item{{Key: "b", ID: "b0"}, {Key: "a", ID: "a0"}, {Key: "a", ID: "a1"}, {Key: "a", ID: "a2"}}
	var ps []*Pending[item, string]
	for _, it := range in {
		p, err := b.AddAsync(context.Background(), it)
		require.NoError(t, err)
		ps = append(ps, p)
	}
	<-lim.entered // key a's call waits for the rate; the buffer is full
	clock.advance(time.Second)
	turns := clock.nows.Load()
	assert.Never(t, func() bool { return clock.nows.Load() > turns+1000 }, 200*time.Millisecond, time.Millisecond,
		"the run's loop turns without blocking while a call waits for the rate")
	close(lim.open)
	for i, p := range ps {
		<-p.Done()
		assert.Equal(t, StatusSucceeded, p.Outcome().Status, in[i].ID)
	}
	require.NoError(t, b.Close(context.Background()))
	assert.Len(t, a.callLog(), 2)
}

// countingClock counts the calls to Now.
type countingClock struct {
	*manualClock
	nows atomic.Int64
}

func (c *countingClock) Now() time.Time {
	c.nows.Add(1)
	return c.manualClock.Now()
}

// gateLimiter holds every call in Wait, announcing it on entered, until
// open is closed.
type gateLimiter struct {
	entered chan struct{}
	open    chan struct{}
}

func (l *gateLimiter) Wait(ctx context.Context) error {
	l.entered <- struct{}{}
	select {
	case <-l.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *gateLimiter) Done(CallResult) {}

func TestBatcherFullBufferBlocksAdd(t *testing.T) {
	a := newScripted(1)
	release := make(chan struct{})
	sent := make(chan struct{}, 1)
	a.onCall = func(context.Context, string, []item) error {
		sent <- struct{}{}
		<-release
		return nil
	}
	b := mustBatcher(t, a, func(o *Options) { o.MaxInFlight = 1; o.MaxBuffered = 1 })
	in := items(3, 1)
	_, err := b.AddAsync(context.Background(), in[0])
	require.NoError(t, err)
	<-sent // item 0 is held and in flight: the run reads nothing more
	_, err = b.AddAsync(context.Background(), in[1])
	require.NoError(t, err, "one call's worth waits in the feed")
	// A canceled context makes Add give up at once if, and only if, it has
	// to wait for room.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = b.AddAsync(ctx, in[2])
	require.ErrorIs(t, err, context.Canceled, "Add did not block on a full Batcher")
	close(release)
	require.NoError(t, b.Close(context.Background()))
}

// TestStressBatcher runs the stress schedules through a Batcher: items are
// added from several goroutines, a share of them with a context canceled
// at a random moment, under the seed's faults; every item added gets exactly
// one outcome, calls keep their limits, and nothing succeeds without an
// answer saying so.
func TestStressBatcher(t *testing.T) {
	n := uint64(*stressSeeds / 4)
	first := uint64(1)
	if *stressSeed != 0 {
		first, n = *stressSeed, 1
	}
	for seed := first; seed < first+n; seed++ {
		if failure := runStressBatcherSeed(seed); failure != "" {
			t.Fatalf("seed %d: %s\nreplay: go test ./batch -run 'TestStressBatcher$' -stress.seed=%d -v", seed, failure, seed)
		}
	}
	onOneProcessor(func() {
		for seed := first; seed < first+min(n, oneProcessorSeeds); seed++ {
			if failure := runStressBatcherSeed(seed); failure != "" {
				t.Fatalf("seed %d on one processor: %s\nreplay: go test ./batch -run 'TestStressBatcher$' -stress.seed=%d -cpu 1 -v", seed, failure, seed)
			}
		}
	})
}

func runStressBatcherSeed(seed uint64) string {
	c := drawCase(seed)
	c.cancelAtCall, c.cancelAtOut, c.stream, c.breakAfter = 0, 0, false, 0
	l := &stressLog{
		answered: make(map[int]bool),
		outcomes: make(map[int][]stressOutcome),
		retries:  make(map[int][2]int),
		content:  make(map[uint64]int),
	}
	a := &stressAdapter{c: c, log: l, cancel: func() {}}
	opts := c.opts
	opts.Clock = &stressClock{now: time.Unix(1e9, 0)}
	var hooked atomic.Int64
	opts.Hooks.OnOutcome = func(OutcomeInfo) { hooked.Add(1) }
	b, err := NewBatcher[sitem, string](a, func(o *Options) { *o = opts })
	if err != nil {
		return fmt.Sprintf("NewBatcher: %v", err)
	}
	done := make(chan string, 1)
	go func() {
		workers := 1 + int(seed%8)
		pend := make([]*Pending[sitem, string], len(c.items))
		addErr := make([]error, len(c.items))
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(c.items); i += workers {
					ctx := context.Background()
					if (uint64(i)*2654435761+seed)%10 == 0 {
						var cancel context.CancelFunc
						ctx, cancel = context.WithCancel(ctx)
						if i%2 == 0 {
							cancel() // before it is even added
						} else {
							defer cancel()
							go cancel() // at some moment
						}
					}
					pend[i], addErr[i] = b.AddAsync(ctx, c.items[i])
				}
			}()
		}
		wg.Wait()
		closeErr := b.Close(context.Background())
		var v violations
		for i, p := range pend {
			if p == nil {
				if addErr[i] == nil {
					v.add("item %d: AddAsync returned neither a Pending nor an error", i)
				}
				continue
			}
			select {
			case <-p.Done():
			default:
				v.add("item %d has no outcome after Close", i)
				continue
			}
			o := p.Outcome()
			if o.Status == StatusSucceeded && (!l.answered[i] || o.Value != "ok:"+c.items[i].ID) {
				v.add("item %d succeeded, but no answer said so", i)
			}
			if o.Status == 0 || (o.Status != StatusSucceeded && o.Err == nil) {
				v.add("item %d: outcome %v without error", i, o.Status)
			}
		}
		added := 0
		for _, p := range pend {
			if p != nil {
				added++
			}
		}
		if n := hooked.Load(); n != int64(added) {
			v.add("%d OnOutcome calls for %d items added", n, added)
		}
		for _, call := range l.calls {
			if len(call.idx) == 0 || len(call.idx) > c.limit {
				v.add("a call of %d items, limit %d", len(call.idx), c.limit)
			}
			ids := map[string]bool{}
			for j, idx := range call.idx {
				if c.items[idx].Key != call.key {
					v.add("item %d of key %s in a call for key %s", idx, c.items[idx].Key, call.key)
				}
				if ids[call.ids[j]] {
					v.add("identity %s twice in one call", call.ids[j])
				}
				ids[call.ids[j]] = true
			}
		}
		if closeErr != nil && !slices.ContainsFunc(pend, func(p *Pending[sitem, string]) bool {
			return p != nil && errors.Is(closeErr, p.Outcome().Err)
		}) && c.fatalAtCall == 0 {
			v.add("Close: %v", closeErr)
		}
		if len(v) > 0 {
			done <- fmt.Sprintf("%s\n  %v", c.describe(), v)
			return
		}
		done <- ""
	}()
	select {
	case s := <-done:
		return s
	case <-time.After(stressWatchdog):
		return fmt.Sprintf("the Batcher did not finish within %v (%s)", stressWatchdog, c.describe())
	}
}
