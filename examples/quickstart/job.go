package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/progress"
)

// config is what one quickstart run does.
type config struct {
	// Items is the number of items per operation.
	Items int
	// Seed seeds the fault plans.
	Seed int64
	// Out receives the progress display and the table.
	Out io.Writer
	// Width, when not nil, is the width of the terminal Out writes to, and
	// selects the redrawn progress bar instead of plain lines.
	Width func() int
	// ProgressEvery is the interval between plain progress lines.
	ProgressEvery time.Duration
	// QuotaScale multiplies every fake's request quota; zero means 1. Tests
	// raise it to run small jobs quickly.
	QuotaScale float64
}

// quota returns a fake's quota in requests per second, scaled.
func (c config) quota(perSecond float64) float64 {
	if c.QuotaScale > 0 {
		return perSecond * c.QuotaScale
	}
	return perSecond
}

// task is one operation of the job: its live counters and a function that
// runs it and accounts for its outcomes.
type task struct {
	name string
	live *counters
	run  func(ctx context.Context) opReport
}

// lane is a sequence of tasks run one after another against one service.
// Lanes run at the same time.
type lane struct {
	service string
	tasks   []*task
	close   func()
}

// newTask prepares an operation: newRunner builds the runner with the
// option function it is given (see runOptions), items are its input, check verifies one outcome against the
// fake's state afterwards, and final (when not nil) checks the fake's totals
// against the counts.
func newTask[T, R any](name string, items []T, newRunner func(func(*batch.Options)) (*batch.Runner[T, R], error),
	check func(*batch.Outcome[T, R]) error, final func(*opReport) error) *task {
	return newLazyTask(name, len(items), func() []T { return items }, newRunner, check, final)
}

// newLazyTask is newTask for an operation whose items depend on the tasks
// before it in its lane (the user IDs a creation gave): items builds them
// when the task starts, and must return exactly total of them, so that
// the progress display knows the job's size from the start.
func newLazyTask[T, R any](name string, total int, items func() []T, newRunner func(func(*batch.Options)) (*batch.Runner[T, R], error),
	check func(*batch.Outcome[T, R]) error, final func(*opReport) error) *task {
	t := &task{name: name, live: &counters{total: int64(total)}}
	t.run = func(ctx context.Context) opReport {
		items := items()
		if len(items) != total {
			return opReport{Operation: name, Items: total, Problems: []string{fmt.Sprintf("built %d items, announced %d", len(items), total)}}
		}
		hooked := make([]int, len(items))
		r, err := newRunner(runOptions(t.live.hooks(hooked)))
		if err != nil {
			return opReport{Operation: name, Items: len(items), Problems: []string{"building the runner: " + err.Error()}}
		}
		rep, err := r.Run(ctx, items)
		or := account(len(items), rep, hooked, check)
		if or.Operation == "" {
			or.Operation = name
		}
		if err != nil {
			or.Problems = append(or.Problems, "the run ended early: "+err.Error())
		}
		if final != nil {
			if err := final(&or); err != nil {
				or.Problems = append(or.Problems, err.Error())
			}
		}
		return or
	}
	return t
}

// runOptions returns the engine options of every operation: the progress
// hooks, and a retry budget scaled to the job.
func runOptions(h batch.Hooks) func(*batch.Options) {
	return func(o *batch.Options) {
		o.Hooks = h
		o.RetryBudget = retryBudget
	}
}

// retryBudget is the engine's retry budget for each operation. The default,
// batch.DefaultRetryBudget (1000), is counted in items: one throttled call
// of 100 channel members spends 100, so a handful of throttled calls at
// the start of a run, before the adaptive rate has found the quota, would
// spend it and turn every later throttle into a final failure.
const retryBudget = 100_000

// result is the outcome of the whole job.
type result struct {
	Reports []opReport
	Elapsed time.Duration
}

// ok reports whether every item of every operation was accounted for.
func (r *result) ok() bool {
	for _, op := range r.Reports {
		if len(op.Problems) > 0 {
			return false
		}
	}
	return len(r.Reports) > 0
}

// run starts the fakes, runs every operation, prints the table and returns
// what happened. It has stopped every fake and goroutine it started when it
// returns.
func run(ctx context.Context, cfg config) (*result, error) {
	if cfg.Items < 1 {
		return nil, fmt.Errorf("items must be at least 1, got %d", cfg.Items)
	}
	var lanes []*lane
	defer func() {
		for _, l := range lanes {
			l.close()
		}
	}()
	for _, build := range []func(config) (*lane, error){appStreamLane, chimeLane, wickrLane, messagingLane} {
		l, err := build(cfg)
		if err != nil {
			return nil, err
		}
		if l != nil {
			lanes = append(lanes, l)
		}
	}

	var all []*counters
	for _, l := range lanes {
		fmt.Fprintf(cfg.Out, "%-10s", l.service)
		for i, t := range l.tasks {
			if i > 0 {
				fmt.Fprint(cfg.Out, ", then ")
			}
			fmt.Fprintf(cfg.Out, "%s (%d items)", t.name, t.live.total)
			all = append(all, t.live)
		}
		fmt.Fprintln(cfg.Out)
	}
	fmt.Fprintln(cfg.Out)

	start := time.Now()
	p := progress.Start(cfg.Out, progress.Options{Width: cfg.Width, LineEvery: cfg.ProgressEvery}, func() progress.Counts { return sum(all) })
	reports := make([][]opReport, len(lanes))
	var wg sync.WaitGroup
	for i, l := range lanes {
		wg.Go(func() {
			for _, t := range l.tasks {
				reports[i] = append(reports[i], t.run(ctx))
			}
		})
	}
	wg.Wait()
	p.Stop()

	res := &result{Elapsed: time.Since(start)}
	for _, rs := range reports {
		res.Reports = append(res.Reports, rs...)
	}
	fmt.Fprintln(cfg.Out)
	if err := writeTable(cfg.Out, res.Reports); err != nil {
		return res, err
	}
	fmt.Fprintln(cfg.Out)
	items := 0
	for _, op := range res.Reports {
		items += op.Items
		for _, pr := range op.Problems {
			fmt.Fprintf(cfg.Out, "PROBLEM %s: %s\n", op.Operation, pr)
		}
	}
	if res.ok() {
		fmt.Fprintf(cfg.Out, "%d operations, %d items in %s: every item has exactly one outcome.\n",
			len(res.Reports), items, res.Elapsed.Round(10*time.Millisecond))
	} else {
		fmt.Fprintf(cfg.Out, "%d operations, %d items in %s: the accounting does not add up, see the problems above.\n",
			len(res.Reports), items, res.Elapsed.Round(10*time.Millisecond))
	}
	return res, nil
}

// spread returns k distinct indexes spread evenly over [0, n), offset by
// off, for placing the deliberately bad items. It returns fewer when n is
// small.
func spread(n, k, off int) []int {
	if k <= 0 || n <= 0 {
		return nil
	}
	out := make([]int, 0, k)
	used := make(map[int]bool)
	for j := range k {
		i := (off + j*n/k + n/(2*k)) % n
		for used[i] && len(used) < n {
			i = (i + 1) % n
		}
		if used[i] {
			break
		}
		used[i] = true
		out = append(out, i)
	}
	return out
}

// kind marks the items the quickstart makes fail on purpose.
type kind uint8

const (
	normal  kind = iota
	invalid      // fails validation and is never sent
	poison       // makes any call carrying it fail validation as a whole
	missing      // names something the fake does not have
)

// badItems is how many items of each operation are made bad on purpose,
// spread over the input and shared out between invalid, poison and missing.
const badItems = 9

// kinds returns the kind of each of n items.
func kinds(n int) []kind {
	ks := make([]kind, n)
	for j, i := range spread(n, badItems, 0) {
		ks[i] = kind(1 + j%3)
	}
	return ks
}
