package batch

// TestStress runs the engine through randomized schedules: each seed draws
// the options (at their edges too: MaxInFlight 1, a buffer of one call,
// thousands of keys), the input (duplicate identities, invalid and poison
// items), a fault schedule for every call and every item, a cancellation at
// a random moment, and Run or Stream with a consumer that may stop early.
// It then checks the engine's promises on what happened. A failing seed
// prints the command that replays it alone.
//
//	go test ./batch -run 'TestStress$' -stress.seed=N -v     # replay one seed
//	go test ./batch -run 'TestStress$' -stress.seeds=100000  # a long hunt

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"iter"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var (
	stressSeeds = flag.Int("stress.seeds", 2000, "how many seeds TestStress runs")
	stressSeed  = flag.Uint64("stress.seed", 0, "run only this seed of TestStress (replays a failure)")
)

// stressWatchdog bounds one seed's run in real time. Runs take milliseconds
// (every wait is on the instant clock); the bound only catches runs that
// never end, with room for a loaded machine under -race.
const stressWatchdog = 60 * time.Second

func TestStress(t *testing.T) {
	first, n := uint64(1), uint64(*stressSeeds)
	if *stressSeed != 0 {
		first, n = *stressSeed, 1
	}
	if testing.Short() {
		n = min(n, 200)
	}
	base := runtime.NumGoroutine()
	for seed := first; seed < first+n; seed++ {
		if failure := runStressSeed(seed, base); failure != "" {
			t.Fatalf("seed %d: %s\nreplay: go test ./batch -run 'TestStress$' -stress.seed=%d -v", seed, failure, seed)
		}
	}
	onOneProcessor(func() {
		for seed := first; seed < first+min(n, oneProcessorSeeds); seed++ {
			if failure := runStressSeed(seed, base); failure != "" {
				t.Fatalf("seed %d on one processor: %s\nreplay: go test ./batch -run 'TestStress$' -stress.seed=%d -cpu 1 -v", seed, failure, seed)
			}
		}
	})
}

// oneProcessorSeeds is how many seeds the stress tests run again with
// GOMAXPROCS 1, a schedule of its own: the run's loop, its workers and the
// callers share one processor, so a loop that turns without blocking starves
// the goroutines it waits for. TestStressBatcher hung so at seed 143
// (TestRegressionBatcherSpunWhileACallWaitedForTheRate); 500 seeds take a
// few seconds.
const oneProcessorSeeds = 500

// onOneProcessor runs fn with GOMAXPROCS 1, unless it is 1 already (go test
// -cpu 1), when the seeds have just run so.
func onOneProcessor(fn func()) {
	if runtime.GOMAXPROCS(0) == 1 {
		return
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	fn()
}

// stressCase is everything a seed draws before the run starts.
type stressCase struct {
	seed         uint64
	opts         Options
	adapterMax   int
	limit        int // items per call: adapterMax lowered by MaxItemsPerCall
	items        []sitem
	stream       bool
	breakAfter   int // Stream: the consumer stops after this many outcomes; 0 never
	cancelAtCall int // cancel when this call starts; 0 never
	cancelAtOut  int // cancel at this outcome; 0 never
	faults       faultMix
	deadKeys     map[string]int // key → calls after which the key is gone
	fatalAtCall  int            // the call that fails the run as a whole; 0 never
}

// faultMix holds per-call and per-item fault probabilities.
type faultMix struct {
	callRetryable, callPermanent, callThrottle, callReject float64
	wrongLength, panics, signal                            float64
	itemRetryable, itemThrottle, itemPermanent, unmatched  float64
}

// sitem is an item of the stress adapter.
type sitem struct {
	Idx     int
	Key, ID string
	Invalid bool
	Poison  bool
}

func drawCase(seed uint64) *stressCase {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	c := &stressCase{seed: seed, deadKeys: make(map[string]int)}
	pick := func(vals ...int) int { return vals[r.IntN(len(vals))] }
	prob := func(p float64) bool { return r.Float64() < p }

	c.adapterMax = pick(1, 2, 3, 5, 10, 20, 25, 50, 100)
	o := &c.opts
	o.MaxInFlight = pick(1, 1, 2, 3, 4, 8, 16, 1+r.IntN(16))
	if prob(0.3) {
		o.MaxItemsPerCall = 1 + r.IntN(c.adapterMax)
	}
	c.limit = c.adapterMax
	if o.MaxItemsPerCall > 0 && o.MaxItemsPerCall < c.limit {
		c.limit = o.MaxItemsPerCall
	}
	switch r.IntN(3) {
	case 0: // a buffer of one call: the tightest the engine allows
		o.MaxBuffered = c.limit
	case 1:
		o.MaxBuffered = c.limit * (1 + r.IntN(4))
	}
	o.MaxAttempts = 1 + r.IntN(6)
	if prob(0.5) {
		o.RetryBudget = 1 + r.IntN(10)
	}
	o.BackoffBase = time.Duration(1+r.IntN(100)) * time.Millisecond
	o.BackoffMax = o.BackoffBase * time.Duration(1+r.IntN(100))
	if prob(0.3) {
		o.FixedRate = true
		o.Rate = float64(1 + r.IntN(1000))
	} else if prob(0.3) {
		o.Rate = float64(1 + r.IntN(100))
	}
	o.Rand = rand.NewPCG(seed, 1)

	// Input: one key or many, thousands now and then.
	n := 1 + r.IntN(200)
	keys := pick(1, 1, 2, 5, 50)
	if prob(0.1) {
		n = 500 + r.IntN(2500)
		keys = pick(1, n/2, n/3, 20)
	}
	c.items = make([]sitem, n)
	for i := range c.items {
		it := &c.items[i]
		it.Idx = i
		it.Key = fmt.Sprintf("k%d", r.IntN(max(keys, 1)))
		it.ID = fmt.Sprintf("id%d", i)
		switch {
		case i > 0 && prob(0.05): // a duplicate identity of an earlier item
			prev := c.items[r.IntN(i)]
			it.Key, it.ID = prev.Key, prev.ID
		case prob(0.03):
			it.Invalid = true
		case prob(0.02):
			it.Poison = true
		}
	}

	// Faults: a calm run, a stormy one, or something in between.
	storm := r.Float64()
	f := &c.faults
	f.callRetryable = storm * 0.1 * r.Float64()
	f.callPermanent = storm * 0.03 * r.Float64()
	f.callThrottle = storm * 0.1 * r.Float64()
	f.callReject = storm * 0.05 * r.Float64()
	f.wrongLength = storm * 0.02 * r.Float64()
	f.panics = storm * 0.02 * r.Float64()
	f.signal = storm * 0.1 * r.Float64()
	f.itemRetryable = storm * 0.2 * r.Float64()
	f.itemThrottle = storm * 0.2 * r.Float64()
	f.itemPermanent = storm * 0.05 * r.Float64()
	f.unmatched = storm * 0.05 * r.Float64()
	if prob(0.2) {
		for range 1 + r.IntN(3) {
			c.deadKeys[fmt.Sprintf("k%d", r.IntN(max(keys, 1)))] = r.IntN(3)
		}
	}
	if prob(0.05) {
		c.fatalAtCall = 1 + r.IntN(20)
	}

	c.stream = prob(0.5)
	if c.stream && prob(0.15) {
		c.breakAfter = 1 + r.IntN(n)
	}
	switch {
	case prob(0.1):
		c.cancelAtCall = 1 + r.IntN(1+n/c.limit)
	case prob(0.1):
		c.cancelAtOut = 1 + r.IntN(n)
	}
	return c
}

// stressClock is a clock on which every wait ends at once: After moves
// virtual time forward by d and fires. Backoff and send-rate waits then cost
// nothing, and runs take milliseconds whatever their schedule.
type stressClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stressClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stressClock) After(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	c.now = c.now.Add(max(d, 0))
	now := c.now
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- now
	return ch, func() {}
}

// stressLog records what the adapter and the hooks saw, with one sequence
// counter over calls starting and ending and outcomes being reported, so
// the checks can order them.
type stressLog struct {
	seq atomic.Int64

	mu       sync.Mutex
	calls    []*stressCall
	answered map[int]bool // items some answer reported as succeeded
	outcomes map[int][]stressOutcome
	retries  map[int][2]int // item → retries after failures, after throttles
	content  map[uint64]int // occurrences of each call content
	sent     []sentCall     // calls as the run sent them (OnCall), in order
	started  atomic.Int64
}

type stressCall struct {
	key        string
	idx        []int
	ids        []string
	start, end int64
}

// sentCall is a call as the run's goroutine sent it: its worker may reach
// the adapter much later.
type sentCall struct {
	key string
	seq int64
}

type stressOutcome struct {
	info OutcomeInfo
	seq  int64
}

type stressAdapter struct {
	c   *stressCase
	log *stressLog
	// cancel cancels the run; called from Call at c.cancelAtCall.
	cancel context.CancelFunc
}

var (
	errStressTransient = errors.New("stress: transient failure")
	errStressDenied    = errors.New("stress: denied")
	errStressThrottle  = errors.New("stress: throttled")
	errStressReject    = errors.New("stress: call rejected for bad input")
	errStressPoison    = errors.New("stress: poison item in call")
	errStressKeyGone   = errors.New("stress: key gone")
	errStressFatal     = errors.New("stress: credentials refused")
)

func (a *stressAdapter) Operation() string        { return "Stress" }
func (a *stressAdapter) MaxItems() int            { return a.c.adapterMax }
func (a *stressAdapter) Key(it sitem) string      { return it.Key }
func (a *stressAdapter) Identity(it sitem) string { return it.ID }

func (a *stressAdapter) Validate(it sitem) error {
	if it.Invalid {
		return InvalidInput("ID", "item marked invalid")
	}
	return nil
}

// draw returns a deterministic random source for one call: the same call
// content gets the same faults on its nth occurrence, whatever the
// interleaving of calls.
func (a *stressAdapter) draw(key string, items []sitem) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprint(h, key)
	for _, it := range items {
		fmt.Fprint(h, "|", it.Idx)
	}
	sum := h.Sum64()
	a.log.mu.Lock()
	occ := a.log.content[sum]
	a.log.content[sum]++
	a.log.mu.Unlock()
	return rand.New(rand.NewPCG(a.c.seed^sum, uint64(occ)))
}

func (a *stressAdapter) Call(ctx context.Context, key string, items []sitem) (_ []Result[string], err error) {
	l := a.log
	rec := &stressCall{key: key, start: l.seq.Add(1)}
	for _, it := range items {
		rec.idx = append(rec.idx, it.Idx)
		rec.ids = append(rec.ids, it.ID)
	}
	l.mu.Lock()
	l.calls = append(l.calls, rec)
	l.mu.Unlock()
	defer func() { rec.end = l.seq.Add(1) }()
	n := int(l.started.Add(1))
	if n == a.c.cancelAtCall {
		a.cancel()
	}
	r := a.draw(key, items)
	if r.IntN(4) == 0 {
		runtime.Gosched() // shuffle the order in which calls complete
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f := a.c.faults
	if n == a.c.fatalAtCall {
		return nil, errStressFatal
	}
	if after, ok := a.c.deadKeys[key]; ok && n > after {
		return nil, errStressKeyGone
	}
	for _, it := range items {
		if it.Poison {
			return nil, errStressPoison
		}
	}
	if r.Float64() < f.signal {
		// The SDK saw a throttled attempt and retries it at the run's
		// rate.
		SignalThrottle(ctx)
		if err := PaceRetry(ctx); err != nil {
			return nil, err
		}
	}
	switch x := r.Float64(); {
	case x < f.callRetryable:
		return nil, errStressTransient
	case x < f.callRetryable+f.callPermanent:
		return nil, errStressDenied
	case x < f.callRetryable+f.callPermanent+f.callThrottle:
		return nil, errStressThrottle
	case x < f.callRetryable+f.callPermanent+f.callThrottle+f.callReject:
		return nil, errStressReject
	}
	if r.Float64() < f.panics {
		panic("stress: adapter panic")
	}
	out := make([]Result[string], len(items))
	if r.Float64() < f.wrongLength {
		out = out[:r.IntN(len(items))]
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range out {
		it := items[i]
		switch x := r.Float64(); {
		case x < f.itemRetryable:
			out[i].Err = &Error{Code: CodeInternal, ServiceCode: "ItemInternal", Retryable: true}
		case x < f.itemRetryable+f.itemThrottle:
			out[i].Err = &Error{Code: CodeThrottled, ServiceCode: "ItemThrottled", Retryable: true}
		case x < f.itemRetryable+f.itemThrottle+f.itemPermanent:
			out[i].Err = &Error{Code: CodeNotFound, ServiceCode: "ItemNotFound"}
		case x < f.itemRetryable+f.itemThrottle+f.itemPermanent+f.unmatched:
			out[i].Err = &Error{Code: CodeUnmatched, ServiceCode: "", Retryable: r.IntN(2) == 0}
		default:
			out[i].Value = "ok:" + it.ID
			if len(out) == len(items) {
				l.answered[it.Idx] = true
			}
		}
	}
	return out, nil
}

func (a *stressAdapter) Classify(err error) (*Error, Scope) {
	switch {
	case errors.Is(err, errStressTransient):
		return &Error{Code: CodeUnavailable, ServiceCode: "Transient", Retryable: true, Err: err}, ScopeCall
	case errors.Is(err, errStressDenied):
		return &Error{Code: CodeForbidden, ServiceCode: "Denied", Err: err}, ScopeCall
	case errors.Is(err, errStressThrottle):
		return &Error{Code: CodeThrottled, ServiceCode: "Throttled", Retryable: true, Err: err}, ScopeCall
	case errors.Is(err, errStressReject):
		return &Error{Code: CodeInvalidInput, ServiceCode: "Rejected", Err: err}, ScopeItems
	case errors.Is(err, errStressPoison):
		return &Error{Code: CodeInvalidInput, ServiceCode: "Poison", Err: err}, ScopeItems
	case errors.Is(err, errStressKeyGone):
		return &Error{Code: CodeNotFound, ServiceCode: "KeyGone", Err: err}, ScopeKey
	case errors.Is(err, errStressFatal):
		return &Error{Code: CodeUnauthorized, ServiceCode: "Fatal", Err: err}, ScopeRun
	}
	// Context errors of a call whose answer the run still wants: the run's
	// own cancellation never reaches Classify.
	return &Error{Code: CodeUnknown, Err: err}, ScopeCall
}

// runStressSeed runs one seed and returns what went wrong, or "".
func runStressSeed(seed uint64, baseGoroutines int) string {
	c := drawCase(seed)
	l := &stressLog{
		answered: make(map[int]bool),
		outcomes: make(map[int][]stressOutcome),
		retries:  make(map[int][2]int),
		content:  make(map[uint64]int),
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := &stressAdapter{c: c, log: l, cancel: cancel}
	opts := c.opts
	opts.Clock = &stressClock{now: time.Unix(1e9, 0)}
	nOut := 0
	opts.Hooks = Hooks{
		OnOutcome: func(oi OutcomeInfo) {
			l.mu.Lock()
			l.outcomes[oi.Index] = append(l.outcomes[oi.Index], stressOutcome{info: oi, seq: l.seq.Add(1)})
			l.mu.Unlock()
			if nOut++; nOut == c.cancelAtOut {
				cancel()
			}
		},
		OnCall: func(ci CallInfo) {
			if !ci.Done {
				l.mu.Lock()
				l.sent = append(l.sent, sentCall{key: ci.Key, seq: l.seq.Add(1)})
				l.mu.Unlock()
			}
		},
		OnRetry: func(ri RetryInfo) {
			l.mu.Lock()
			rc := l.retries[ri.Index]
			if ri.Err.Code == CodeThrottled {
				rc[1]++
			} else {
				rc[0]++
			}
			l.retries[ri.Index] = rc
			l.mu.Unlock()
		},
	}
	runner, err := New[sitem, string](a, func(o *Options) { *o = opts })
	if err != nil {
		return fmt.Sprintf("New: %v", err)
	}

	type result struct {
		rep     *Report[sitem, string]
		yielded []Outcome[sitem, string]
		read    int
		ended   bool // Stream: the sequence reported its end
		err     error
		final   bool // Stream yielded a final error pair
	}
	done := make(chan result, 1)
	go func() {
		var res result
		if !c.stream {
			res.rep, res.err = runner.Run(ctx, c.items)
			done <- res
			return
		}
		var seq iter.Seq[sitem] = func(yield func(sitem) bool) {
			for _, it := range c.items {
				res.read++
				if !yield(it) {
					return
				}
			}
			res.ended = true
		}
		for o, err := range runner.Stream(ctx, seq) {
			if err != nil {
				res.err, res.final = err, true
				continue
			}
			res.yielded = append(res.yielded, o)
			if len(res.yielded) == c.breakAfter {
				break
			}
		}
		done <- res
	}()
	var res result
	select {
	case res = <-done:
	case <-time.After(stressWatchdog):
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		return fmt.Sprintf("the run did not end within %v (%s)\n%s", stressWatchdog, c.describe(), buf)
	}
	if leaked := waitGoroutines(baseGoroutines); leaked > 0 {
		return fmt.Sprintf("%d goroutines left after the run (%s)", leaked, c.describe())
	}
	var v violations
	checkStress(&v, c, l, res.rep, res.yielded, res.read, res.ended || !c.stream, res.err, res.final, ctx.Err() != nil)
	if len(v) > 0 {
		return fmt.Sprintf("%s\n  %s", c.describe(), strings.Join(v, "\n  "))
	}
	return ""
}

// waitGoroutines returns how many goroutines exceed base once the ones
// just finishing have exited. Run waits for its goroutines, so this allows
// only for goroutines between their last statement and their exit.
func waitGoroutines(base int) int {
	for range 1000 {
		if runtime.NumGoroutine() <= base {
			return 0
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	return runtime.NumGoroutine() - base
}

func (c *stressCase) describe() string {
	o := c.opts
	return fmt.Sprintf("items=%d limit=%d MaxInFlight=%d MaxBuffered=%d MaxAttempts=%d RetryBudget=%d Rate=%v Fixed=%v stream=%v break=%d cancelAtCall=%d cancelAtOut=%d deadKeys=%v fatalAtCall=%d",
		len(c.items), c.limit, o.MaxInFlight, o.MaxBuffered, o.MaxAttempts, o.RetryBudget, o.Rate, o.FixedRate,
		c.stream, c.breakAfter, c.cancelAtCall, c.cancelAtOut, c.deadKeys, c.fatalAtCall)
}

type violations []string

func (v *violations) add(format string, args ...any) {
	if len(*v) < 10 {
		*v = append(*v, fmt.Sprintf(format, args...))
	}
}

// checkStress checks the engine's promises on one run.
func checkStress(v *violations, c *stressCase, l *stressLog, rep *Report[sitem, string], yielded []Outcome[sitem, string], read int, ended bool, runErr error, final, canceled bool) {
	n := len(c.items)
	if !c.stream {
		read = n
	}
	broke := c.stream && c.breakAfter > 0 && len(yielded) == c.breakAfter

	// Promise 1: exactly one outcome per item read, through the hook, and
	// the same one in the report or the stream.
	final1 := make(map[int]OutcomeInfo, read)
	for i := range read {
		outs := l.outcomes[i]
		if len(outs) != 1 {
			v.add("item %d: %d OnOutcome calls, want 1", i, len(outs))
			continue
		}
		final1[i] = outs[0].info
	}
	for idx := range l.outcomes {
		if idx < 0 || idx >= read {
			v.add("OnOutcome for index %d, but %d items were read", idx, read)
		}
	}
	if rep != nil {
		if len(rep.Outcomes) != n {
			v.add("report holds %d outcomes for %d items", len(rep.Outcomes), n)
			return
		}
		for i, o := range rep.Outcomes {
			h, ok := final1[i]
			if o.Index != i || o.Item.Idx != i || !ok || o.Status != h.Status || o.Err != h.Err {
				v.add("item %d: report outcome %v (index %d) differs from the hook's %v", i, o.Status, o.Index, h.Status)
			}
		}
	}
	seen := make(map[int]bool)
	for _, o := range yielded {
		h, ok := final1[o.Index]
		if seen[o.Index] || !ok || o.Status != h.Status || o.Item.Idx != o.Index {
			v.add("stream yielded item %d twice or unlike its hook outcome", o.Index)
		}
		seen[o.Index] = true
	}
	if c.stream && !broke && len(yielded) != read {
		v.add("stream yielded %d outcomes for %d items read", len(yielded), read)
	}
	if c.stream && !broke && !final && read < n {
		v.add("stream read %d of %d items and ended without an error", read, n)
	}

	// Promise 3 and the call log: limits, keys, identities; no item sent
	// after its outcome, nor reported while a call carrying it was in flight.
	sends := make(map[int]int)
	lastOutSeq := func(idx int) (int64, bool) {
		outs := l.outcomes[idx]
		if len(outs) == 0 {
			return 0, false
		}
		return outs[0].seq, true
	}
	var fatalSeq int64
	keyGoneSeq := make(map[string]int64)
	for idx, outs := range l.outcomes {
		for _, o := range outs {
			if o.info.Err == nil {
				continue
			}
			switch o.info.Err.ServiceCode {
			case "Fatal":
				if fatalSeq == 0 || o.seq < fatalSeq {
					fatalSeq = o.seq
				}
			case "KeyGone":
				k := c.items[idx].Key
				if s, ok := keyGoneSeq[k]; !ok || o.seq < s {
					keyGoneSeq[k] = o.seq
				}
			}
		}
	}
	for _, call := range l.calls {
		if len(call.idx) == 0 || len(call.idx) > c.limit {
			v.add("a call of %d items, limit %d", len(call.idx), c.limit)
		}
		ids := make(map[string]bool)
		for j, idx := range call.idx {
			it := c.items[idx]
			sends[idx]++
			if it.Key != call.key {
				v.add("item %d of key %s in a call for key %s", idx, it.Key, call.key)
			}
			if ids[call.ids[j]] {
				v.add("identity %s twice in one call", call.ids[j])
			}
			ids[call.ids[j]] = true
			if it.Invalid {
				v.add("invalid item %d was sent", idx)
			}
			if s, ok := lastOutSeq(idx); ok && (call.start > s || call.end > s) {
				v.add("item %d reported (seq %d) before a call carrying it ended (seq %d-%d)", idx, s, call.start, call.end)
			}
		}
	}
	for _, sc := range l.sent {
		if fatalSeq > 0 && sc.seq > fatalSeq {
			v.add("a call was sent after the run-ending error was reported")
		}
		if s, ok := keyGoneSeq[sc.key]; ok && sc.seq > s {
			v.add("a call for condemned key %s was sent after its error was reported", sc.key)
		}
	}

	// Outcomes: success only when an answer said so; convictions only of
	// the guilty; attempts counted right and within their bounds.
	codes := make(map[Code]bool)
	successes, failRetries := 0, 0
	for i, h := range final1 {
		it := c.items[i]
		if h.Err != nil {
			codes[h.Err.Code] = true
			if h.Err.Message == errStalled {
				v.add("item %d: the engine stalled", i)
			}
		}
		switch h.Status {
		case StatusSucceeded:
			successes++
			if !l.answered[i] {
				v.add("item %d succeeded, but no answer said so", i)
			}
		case StatusFailed:
			if h.Err == nil {
				v.add("item %d failed without an error", i)
				break
			}
			if h.Err.ServiceCode == "Poison" && !it.Poison {
				v.add("item %d convicted as poison, but it is not", i)
			}
		case StatusCanceled:
			if !canceled && !broke {
				v.add("item %d canceled, but the run was not", i)
			}
		default:
			v.add("item %d: status %v", i, h.Status)
		}
		// Items the run never read end with its cancellation or its fatal
		// error, without validation.
		unread := h.Attempts == 0 && h.Err != nil && (h.Err.Code == CodeCanceled || h.Err.ServiceCode == "Fatal")
		if it.Invalid && !unread && (h.Status != StatusFailed || h.Err.Code != CodeInvalidInput || h.Attempts != 0) {
			v.add("invalid item %d: %v %v after %d attempts", i, h.Status, h.Err, h.Attempts)
		}
		if h.Attempts != sends[i] {
			v.add("item %d: Attempts %d, but %d calls carried it", i, h.Attempts, sends[i])
		}
		rc := l.retries[i]
		failRetries += rc[0]
		if rc[0] > c.opts.MaxAttempts-1 || rc[1] > throttleAttemptsFactor*c.opts.MaxAttempts-1 {
			v.add("item %d: %d retries after failures and %d after throttles, MaxAttempts %d", i, rc[0], rc[1], c.opts.MaxAttempts)
		}
	}
	budget := c.opts.RetryBudget
	if budget == 0 {
		budget = DefaultRetryBudget
	}
	if failRetries > budget+successes/10+1 {
		v.add("%d retries after failures, budget %d and %d successes", failRetries, budget, successes)
	}

	// Errors agree with outcomes.
	if rep != nil {
		for _, code := range allCodes {
			if got := errors.Is(rep.Err(), sentinel(code)); got != codes[code] {
				v.add("errors.Is(report.Err(), %s) = %v, outcomes say %v", code, got, codes[code])
			}
		}
	}
	if runErr != nil && !errors.Is(runErr, ErrNoItems) {
		var e *Error
		switch {
		case !errors.As(runErr, &e):
			v.add("run error %v is no *Error", runErr)
		case !codes[e.Code] && !(e.Code == CodeCanceled && !ended):
			v.add("run error has code %s, which no outcome has", e.Code)
		}
	}
	if rep != nil && rep.Stats.Calls < len(l.calls) {
		v.add("Stats.Calls %d, adapter saw %d", rep.Stats.Calls, len(l.calls))
	}
}

var allCodes = []Code{CodeInvalidInput, CodeNotFound, CodeConflict, CodeForbidden, CodeUnauthorized,
	CodeLimitExceeded, CodeThrottled, CodeUnavailable, CodeInternal, CodeUnmatched, CodeCanceled, CodeUnknown}
