package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	_, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	var usage *usageError
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// usageError is a bad command line.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// config is the parsed command line.
type config struct {
	service     string
	scenarios   []string
	strategies  []string
	items       int // 0: each scenario's default
	latency     time.Duration
	quota       float64
	burst       int
	concurrency int
	seed        int64
	quick       bool
	trace       bool
	keepLog     bool // keep the kit's request log and check the counters against it
	// redisAddr is BATCHKIT_REDIS_ADDR, the Redis server of the
	// runner-shared strategy.
	redisAddr string
}

// runs returns the strategies to run on sc: those named on the command line
// that sc runs, in the order named, or all of sc's when none were named.
func (cfg *config) runs(sc scenario) []string {
	if len(cfg.strategies) == 0 {
		return sc.strategies()
	}
	var out []string
	for _, s := range cfg.strategies {
		if slices.Contains(sc.strategies(), s) {
			out = append(out, s)
		}
	}
	return out
}

// Defaults of the full run and of --quick.
const (
	defaultLatency     = 20 * time.Millisecond
	defaultQuota       = 100
	defaultConcurrency = 8
	quickItems         = 1000
	quickLatency       = 5 * time.Millisecond
	quickQuota         = 200
)

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := &config{}
	var scen, one, strat string
	fs.StringVar(&cfg.service, "service", "appstream", "test kit and operation: appstream (BatchAssociateUserStack, 25 items per call) or chime (BatchUpdateUser, 20 per call)")
	fs.StringVar(&scen, "scenarios", strings.Join(defaultScenarioNames(), ","), "comma-separated scenarios to run (shared-quota runs only when named)")
	fs.StringVar(&one, "scenario", "", "run this one scenario (instead of --scenarios)")
	fs.StringVar(&strat, "strategies", "", fmt.Sprintf("comma-separated strategies to run, of %s, or of %s for shared-quota (empty: all of each scenario's)",
		strings.Join(allStrategies, ", "), strings.Join(sharedStrategies, ", ")))
	fs.IntVar(&cfg.items, "items", 0, "items per run (0: each scenario's default; sequential runs items/concurrency)")
	fs.DurationVar(&cfg.latency, "latency", defaultLatency, "latency the kit adds to every call")
	fs.Float64Var(&cfg.quota, "quota", defaultQuota, "service quota in calls per second, for the quota scenarios")
	fs.IntVar(&cfg.burst, "burst", 0, "capacity of the quota's token bucket, in calls (0: the concurrency; a small bucket keeps the ideal honest from the first second)")
	fs.IntVar(&cfg.concurrency, "concurrency", defaultConcurrency, "calls in flight at once (errgroup limit and runner MaxInFlight)")
	fs.Int64Var(&cfg.seed, "seed", 1, "seed of the fault plans and of the choice of poison items")
	fs.BoolVar(&cfg.quick, "quick", false, fmt.Sprintf("small runs for tests: %d items, %v latency, quota %d/s, unless set explicitly; keeps the request log and checks the counters against it", quickItems, quickLatency, quickQuota))
	fs.BoolVar(&cfg.trace, "trace", false, "write the runner's send rate at each throttle signal, quota changes, and request rates to standard error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, &usageError{err}
	}
	if fs.NArg() > 0 {
		return nil, &usageError{fmt.Errorf("unexpected arguments: %q", fs.Args())}
	}
	if cfg.quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["items"] {
			cfg.items = quickItems
		}
		if !set["latency"] {
			cfg.latency = quickLatency
		}
		if !set["quota"] {
			cfg.quota = quickQuota
		}
		cfg.keepLog = true
	}
	var errs []error
	cfg.scenarios = splitList(scen)
	if one != "" {
		cfg.scenarios = []string{strings.TrimSpace(one)}
	}
	for _, s := range cfg.scenarios {
		if _, ok := findScenario(s); !ok {
			errs = append(errs, fmt.Errorf("unknown scenario %q; known: %s", s, strings.Join(scenarioNames(), ", ")))
		}
	}
	cfg.strategies = splitList(strat)
	known := append(slices.Clone(allStrategies), sharedStrategies...)
	for _, s := range cfg.strategies {
		if !slices.Contains(known, s) {
			errs = append(errs, fmt.Errorf("unknown strategy %q; known: %s", s, strings.Join(known, ", ")))
		}
	}
	if len(cfg.scenarios) == 0 || (strat != "" && len(cfg.strategies) == 0) {
		errs = append(errs, errors.New("no scenario or no strategy to run"))
	}
	for _, s := range cfg.scenarios {
		sc, ok := findScenario(s)
		if !ok {
			continue
		}
		if len(cfg.strategies) > 0 && len(cfg.runs(sc)) == 0 {
			errs = append(errs, fmt.Errorf("scenario %s runs none of the strategies named; its strategies: %s", s, strings.Join(sc.strategies(), ", ")))
		}
		if sc.runners > 0 && cfg.service != "appstream" {
			errs = append(errs, fmt.Errorf("scenario %s runs on the appstream kit only", s))
		}
	}
	if cfg.service != "appstream" && cfg.service != "chime" {
		errs = append(errs, fmt.Errorf("unknown service %q; known: appstream, chime", cfg.service))
	}
	if cfg.items < 0 {
		errs = append(errs, fmt.Errorf("--items must not be negative, got %d", cfg.items))
	}
	if cfg.latency < 0 {
		errs = append(errs, fmt.Errorf("--latency must not be negative, got %v", cfg.latency))
	}
	if cfg.quota <= 0 || math.IsInf(cfg.quota, 0) || math.IsNaN(cfg.quota) {
		errs = append(errs, fmt.Errorf("--quota must be a positive number of calls per second, got %v", cfg.quota))
	}
	if cfg.burst < 0 {
		errs = append(errs, fmt.Errorf("--burst must not be negative, got %d", cfg.burst))
	}
	if cfg.concurrency < 1 {
		errs = append(errs, fmt.Errorf("--concurrency must be at least 1, got %d", cfg.concurrency))
	}
	if cfg.burst == 0 {
		cfg.burst = cfg.concurrency
	}
	if err := errors.Join(errs...); err != nil {
		return nil, &usageError{err}
	}
	cfg.redisAddr = os.Getenv(redisAddrEnv)
	return cfg, nil
}

// splitList splits a comma-separated list, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// result is the measurement of one strategy on one scenario.
type result struct {
	scenario, strategy string
	items              int
	perCall            int
	elapsed            time.Duration
	succeeded          int
	failed             int // failed for good
	lost               int
	ideal              float64       // items per second
	calls              int64         // adapter calls
	meanCall           time.Duration // mean duration of an adapter call
	throttledCalls     int64         // calls with a throttled HTTP request
	requests           int64         // HTTP requests
	throttled          int64         // HTTP requests answered with a throttling error
	applied            int           // items the kit applied
	logRequests        int           // request log entries, when kept (-1 otherwise)
	poison             []int         // indexes of the poison items
	runner             *runnerStats
	runners            int      // runner processes, for a scenario of several runners
	warnings           int64    // warnings of their limiters: Redis not answering
	problems           []string // accounting checks that failed
}

func (r *result) itemsPerSecond() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.succeeded) / r.elapsed.Seconds()
}

func (r *result) ratio() float64 {
	if r.ideal <= 0 || math.IsInf(r.ideal, 0) {
		return 0
	}
	return r.itemsPerSecond() / r.ideal
}

// line is the machine-readable line of r.
func (r *result) line() string {
	return fmt.Sprintf("bench %s %s items_per_s=%d ratio=%.2f throttled=%d lost=%d calls=%d",
		r.scenario, r.strategy, int64(math.Round(r.itemsPerSecond())), r.ratio(), r.throttled, r.lost, r.requests)
}

func percent(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// human is the human-readable summary of r.
func (r *result) human() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s %s: %d items in %.2fs: %.0f items/s, ideal %.0f, ratio %.3f; succeeded %d, failed %d, lost %d",
		r.scenario, r.strategy, r.items, r.elapsed.Seconds(), r.itemsPerSecond(), r.ideal, r.ratio(), r.succeeded, r.failed, r.lost)
	mean := ""
	if r.meanCall > 0 {
		mean = fmt.Sprintf(", mean %.1fms", r.meanCall.Seconds()*1000)
	}
	fmt.Fprintf(&b, "; calls %d (at least %d%s), requests %d, throttled requests %d (%.1f%%), throttled calls %d (%.1f%%)",
		r.calls, (r.items+r.perCall-1)/r.perCall, mean, r.requests, r.throttled, percent(r.throttled, r.requests),
		r.throttledCalls, percent(r.throttledCalls, r.calls))
	if r.runners > 0 {
		fmt.Fprintf(&b, "; %d runner processes, limiter warnings %d", r.runners, r.warnings)
	}
	if rs := r.runner; rs != nil {
		s := rs.stats
		fmt.Fprintf(&b, "; runner stats: calls %d, retries %d, throttled calls %d, bisections %d",
			s.Calls, s.Retries, s.ThrottledCalls, s.Bisections)
		if rs.err != nil {
			fmt.Fprintf(&b, "; run error: %v", rs.err)
		}
	}
	return b.String()
}

// run runs the benchmark described by args, writing lines to stdout and
// human-readable notes to stderr. It returns the results and an error when
// the arguments are bad, the run was interrupted, or an accounting check
// failed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) ([]*result, error) {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "# service=%s latency=%v quota=%g/s burst=%d concurrency=%d seed=%d items=%s\n",
		cfg.service, cfg.latency, cfg.quota, cfg.burst, cfg.concurrency, cfg.seed, itemsNote(cfg))
	switch cfg.service {
	case "chime":
		return runAll(ctx, cfg, newChimeKit, stdout, stderr)
	default:
		return runAll(ctx, cfg, newAppStreamKit, stdout, stderr)
	}
}

func itemsNote(cfg *config) string {
	if cfg.items > 0 {
		return fmt.Sprint(cfg.items)
	}
	return "per scenario"
}

func runAll[T, R any](ctx context.Context, cfg *config, newKit newKitFunc[T, R], stdout, stderr io.Writer) ([]*result, error) {
	var results []*result
	var failed []string
	if err := checkShared(cfg); err != nil {
		return nil, err
	}
	var workers *workerProgram
	for _, name := range cfg.scenarios {
		if sc, _ := findScenario(name); sc.runners > 0 && workers == nil {
			var err error
			if workers, err = buildWorker(ctx, stderr); err != nil {
				return nil, fmt.Errorf("scenario %s: %w", name, err)
			}
			defer workers.remove()
		}
	}
	for _, name := range cfg.scenarios {
		sc, _ := findScenario(name)
		for _, strat := range cfg.runs(sc) {
			if err := ctx.Err(); err != nil {
				return results, err
			}
			var r *result
			if sc.runners > 0 {
				r = runShared(ctx, cfg, sc, strat, workers, stderr)
			} else {
				r = runOne(ctx, cfg, sc, strat, newKit, stderr)
			}
			results = append(results, r)
			fmt.Fprintln(stdout, r.line())
			fmt.Fprintln(stderr, r.human())
			for _, p := range r.problems {
				fmt.Fprintf(stderr, "# CHECK FAILED %s %s: %s\n", r.scenario, r.strategy, p)
				failed = append(failed, r.scenario+" "+r.strategy+": "+p)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return results, err
	}
	if len(failed) > 0 {
		return results, fmt.Errorf("%d accounting checks failed: %s", len(failed), strings.Join(failed, "; "))
	}
	return results, nil
}

// runOne runs one strategy on one scenario, on a fresh kit.
func runOne[T, R any](ctx context.Context, cfg *config, sc scenario, strat string, newKit newKitFunc[T, R], stderr io.Writer) *result {
	n := sc.items
	if cfg.items > 0 {
		n = cfg.items
	}
	if strat == stratSequential {
		n = max(n/cfg.concurrency, min(n, 100))
	}
	spec := kitSpec{items: n, keepLog: cfg.keepLog, poison: poisonIndexes(n, sc.poisonRate, cfg.seed)}
	spec.faults.Seed = cfg.seed
	spec.faults.Latency = cfg.latency
	spec.faults.ItemFailureRate = sc.itemFailureRate
	if q := sc.quotaOf(cfg); q > 0 {
		spec.faults.Quota = q
		spec.faults.QuotaBurst = cfg.burst
	}
	k := newKit(spec)
	defer k.close()

	r := &result{scenario: sc.name, strategy: strat, items: n, perCall: k.adapter.MaxItems(), poison: spec.poison, logRequests: -1}
	r.ideal = sc.ideal(cfg, r.perCall)

	start := time.Now()
	since := func() float64 { return time.Since(start).Seconds() }
	tr := newTracer(cfg.trace, stderr, sc.name, strat, k.meter.counts, start)

	// The quota changes once half of the items have their fate, whatever
	// the strategy's speed, so every strategy does half its work at each
	// quota.
	var finished atomic.Int64
	var changeOnce sync.Once
	sr := strategyRun{
		concurrency: cfg.concurrency,
		done: func(d int) {
			if f := finished.Add(int64(d)); f >= int64(n+1)/2 && sc.change != 0 && sc.quota {
				changeOnce.Do(func() {
					q := sc.quotaOf(cfg) * sc.change
					k.setQuota(q)
					tr.printf("quota=%g/s after %d items", q, f)
				})
			}
		},
	}
	if cfg.trace && strat == stratRunner {
		sr.onThrottle = func(rate float64) { tr.printf("rate=%.1f", rate) }
	}

	var fates []fate
	var err error
	switch strat {
	case stratSequential:
		fates, err = runSequential(ctx, k.adapter, k.items, sr)
	case stratErrgroup:
		fates, err = runErrgroup(ctx, k.adapter, k.items, sr)
	default:
		var rs runnerStats
		var problems []string
		fates, rs, problems = runRunner(ctx, k.adapter, k.items, sr)
		r.runner = &rs
		r.problems = append(r.problems, problems...)
	}
	r.elapsed = time.Since(start)
	tr.stop()
	if err != nil {
		r.problems = append(r.problems, fmt.Sprintf("the run ended early after %.2fs: %v", since(), err))
	}

	for _, f := range fates {
		switch f {
		case fateSucceeded:
			r.succeeded++
		case fateFailed:
			r.failed++
		default:
			r.lost++
		}
	}
	m := k.meter
	r.calls, r.throttledCalls = m.calls.Load(), m.throttledCalls.Load()
	if r.calls > 0 {
		r.meanCall = time.Duration(m.callNanos.Load() / r.calls)
	}
	r.requests, r.throttled = m.requests.Load(), m.throttled.Load()
	r.problems = append(r.problems, check(r, k, len(fates))...)
	return r
}

// check compares the accounting of a finished run with the kit's own view.
// It closes the kit, so that every request is in its log.
func check[T, R any](r *result, k *kit[T, R], fates int) []string {
	var problems []string
	if fates != r.items {
		problems = append(problems, fmt.Sprintf("%d fates for %d items", fates, r.items))
	}
	applied, twice := k.applied()
	r.applied = applied
	if applied != r.succeeded {
		problems = append(problems, fmt.Sprintf("the service applied %d items, %d were reported succeeded", applied, r.succeeded))
	}
	if twice > 0 {
		problems = append(problems, fmt.Sprintf("the service applied %d items more than once", twice))
	}
	k.close()
	if log := k.requests(); len(log) > 0 {
		r.logRequests = len(log)
		throttled := 0
		for i := range log {
			if log[i].Fault == "throttle" {
				throttled++
			}
		}
		if int64(len(log)) != r.requests {
			problems = append(problems, fmt.Sprintf("the client counted %d requests, the service logged %d", r.requests, len(log)))
		}
		if int64(throttled) != r.throttled {
			problems = append(problems, fmt.Sprintf("the client counted %d throttled requests, the service logged %d", r.throttled, throttled))
		}
	}
	return problems
}

// tracer writes trace lines for one run, and every half second the request
// and throttle rates since the last tick.
type tracer struct {
	on       bool
	w        io.Writer
	prefix   string
	start    time.Time
	mu       sync.Mutex // serializes writes
	quit     chan struct{}
	finished sync.WaitGroup
}

// tally is what a tracer samples: calls (adapter calls, -1 when not
// known), HTTP requests and throttled requests so far.
type tally struct{ calls, requests, throttled int64 }

func newTracer(on bool, w io.Writer, scen, strat string, sample func() tally, start time.Time) *tracer {
	t := &tracer{on: on, w: w, prefix: "trace " + scen + " " + strat, start: start, quit: make(chan struct{})}
	if !on {
		return t
	}
	const every = 500 * time.Millisecond
	t.finished.Add(1)
	go func() {
		defer t.finished.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		var last tally
		for {
			select {
			case <-t.quit:
				return
			case <-tick.C:
				now := sample()
				s := every.Seconds()
				calls := ""
				if now.calls >= 0 {
					calls = fmt.Sprintf("calls/s=%.0f ", float64(now.calls-last.calls)/s)
				}
				t.printf("%srequests/s=%.0f throttled/s=%.0f", calls, float64(now.requests-last.requests)/s, float64(now.throttled-last.throttled)/s)
				last = now
			}
		}
	}()
	return t
}

func (t *tracer) printf(format string, args ...any) {
	if !t.on {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "%s t=%.3fs %s\n", t.prefix, time.Since(t.start).Seconds(), fmt.Sprintf(format, args...))
}

// stop ends the ticker and waits for it.
func (t *tracer) stop() {
	if t.on {
		close(t.quit)
		t.finished.Wait()
	}
}
