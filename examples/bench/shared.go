package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/batchkit/batchkit/appstream/appstreamtest"
	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/benchjob"
)

// The scenarios of several runners (shared-quota) run each runner in a
// process of its own, the program redislimit/internal/benchworker: the
// redislimit module holds it because the core module, this one, must not
// depend on a Redis client. The bench builds it with the go tool from the
// module's source, serves the kit and its one quota from its own process,
// and starts the runners together.

// redisAddrEnv names the Redis server of the runner-shared strategy.
const redisAddrEnv = "BATCHKIT_REDIS_ADDR"

// redisHelp says how to start a Redis server for the bench.
const redisHelp = "start one with: redis-server --port 6390 --bind 127.0.0.1 --save '' --appendonly no --daemonize yes; " +
	"then set " + redisAddrEnv + "=127.0.0.1:6390 (stop it with: redis-cli -p 6390 shutdown nosave)"

// redislimitModule is the module path of the runner program's module.
const redislimitModule = "github.com/batchkit/batchkit/redislimit"

// workerPackage is the runner program, relative to the redislimit module.
const workerPackage = "./internal/benchworker"

// sharedTTL is how long a run's shared rate outlives its last call in Redis:
// every run uses a key of its own, which then expires.
const sharedTTL = time.Minute

// workerProgram is the built runner program.
type workerProgram struct {
	path string
	tmp  string // the directory holding it, removed by remove
}

func (w *workerProgram) remove() { _ = os.RemoveAll(w.tmp) }

// checkShared checks, before anything runs, what the scenarios of several
// runners among cfg.scenarios need from the environment: a Redis server for
// runner-shared.
func checkShared(cfg *config) error {
	for _, name := range cfg.scenarios {
		sc, _ := findScenario(name)
		if sc.runners == 0 {
			continue
		}
		for _, s := range cfg.runs(sc) {
			if s == stratRunnerShared && cfg.redisAddr == "" {
				return fmt.Errorf("scenario %s: %s is not set: the %s strategy shares its rate through a Redis server; %s",
					name, redisAddrEnv, stratRunnerShared, redisHelp)
			}
		}
	}
	return nil
}

// buildWorker builds the runner program with the go tool, from the
// redislimit module next to this program's source or above the working
// directory.
func buildWorker(ctx context.Context, stderr io.Writer) (*workerProgram, error) {
	dir, err := redislimitDir()
	if err != nil {
		return nil, err
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("the runners are built from source with the go tool, which was not found: %w", err)
	}
	tmp, err := os.MkdirTemp("", "batchkit-bench-")
	if err != nil {
		return nil, err
	}
	w := &workerProgram{path: filepath.Join(tmp, "benchworker"), tmp: tmp}
	if runtime.GOOS == "windows" {
		w.path += ".exe"
	}
	start := time.Now()
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", w.path, workerPackage)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		w.remove()
		return nil, fmt.Errorf("building the runner program (go build %s in %s): %w\n%s", workerPackage, dir, err, out)
	}
	fmt.Fprintf(stderr, "# built the runner program from %s in %.1fs\n", dir, time.Since(start).Seconds())
	return w, nil
}

// redislimitDir finds the redislimit module's directory: next to this
// file's source (go run records its path), else in the working directory or
// one above it.
func redislimitDir() (string, error) {
	var tried []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		tried = append(tried, filepath.Join(filepath.Dir(file), "..", "..", "redislimit"))
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			tried = append(tried, filepath.Join(d, "redislimit"))
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	for _, d := range tried {
		if isModule(d, redislimitModule) {
			return filepath.Clean(d), nil
		}
	}
	return "", fmt.Errorf("the runners are built from the source of module %s, which is in none of %s: run the bench from a clone of the repository",
		redislimitModule, strings.Join(tried, ", "))
}

// isModule reports whether dir holds the go.mod of module path.
func isModule(dir, path string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(first) == "module "+path
}

// syncWriter serializes writes to w, one line per write, from the tracer
// and the runners' standard error.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// lineWriter passes whole lines on to w, each prefixed; trace lines ("t=")
// get the trace prefix.
type lineWriter struct {
	w             io.Writer
	prefix, trace string

	mu  sync.Mutex
	buf []byte
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.emit(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
}

// flush passes on what is left without a newline.
func (l *lineWriter) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.emit(string(l.buf))
		l.buf = nil
	}
}

func (l *lineWriter) emit(line string) {
	if strings.HasPrefix(line, "t=") {
		fmt.Fprintf(l.w, "%s %s\n", l.trace, line)
		return
	}
	fmt.Fprintf(l.w, "%s %s\n", l.prefix, line)
}

// runShared runs one strategy of a scenario of several runners on a fresh
// kit: each runner takes an equal share of the items, in a process of its
// own with its own client, and all start at once against the kit's one
// quota.
func runShared(ctx context.Context, cfg *config, sc scenario, strat string, w *workerProgram, stderr io.Writer) *result {
	n := sc.items
	if cfg.items > 0 {
		n = cfg.items
	}
	// The request log counts the requests of every runner.
	spec := kitSpec{items: n, keepLog: true}
	spec.faults.Seed = cfg.seed
	spec.faults.Latency = cfg.latency
	spec.faults.Quota = sc.quotaOf(cfg)
	spec.faults.QuotaBurst = cfg.burst
	k := newAppStreamKit(spec)
	defer k.close()

	r := &result{scenario: sc.name, strategy: strat, items: n, perCall: k.adapter.MaxItems(), logRequests: -1}
	r.ideal = sc.ideal(cfg, r.perCall)
	out := &syncWriter{w: stderr}

	limiter := benchjob.LimiterLocal
	if strat == stratRunnerShared {
		limiter = benchjob.LimiterShared
	}
	key := fmt.Sprintf("batchkit:bench:%s:%d:%d", sc.name, os.Getpid(), time.Now().UnixNano())
	jobs := make([]benchjob.Job, sc.runners)
	for i := range jobs {
		jobs[i] = benchjob.Job{
			URL: k.url, Region: appstreamtest.Region,
			AccessKeyID: appstreamtest.AccessKeyID, SecretAccessKey: appstreamtest.SecretAccessKey,
			Limiter: limiter, RedisAddr: cfg.redisAddr, Key: key, TTL: sharedTTL,
			Concurrency: cfg.concurrency, Items: k.items[i*n/sc.runners : (i+1)*n/sc.runners], Trace: cfg.trace,
		}
	}

	var tr *tracer
	reports, problems := runWorkers(ctx, w, jobs, out, "# "+sc.name+" "+strat, "trace "+sc.name+" "+strat, func() {
		tr = newTracer(cfg.trace, out, sc.name, strat, func() tally { return logTally(k.requests()) }, time.Now())
	})
	if tr != nil {
		tr.stop()
	}
	r.problems = append(r.problems, problems...)

	var first, last time.Time
	stats := batch.Stats{}
	var runErrs []error
	for i, rep := range reports {
		if rep == nil {
			r.lost += len(jobs[i].Items)
			continue
		}
		if first.IsZero() || rep.Start.Before(first) {
			first = rep.Start
		}
		if rep.End.After(last) {
			last = rep.End
		}
		r.succeeded += rep.Succeeded
		r.failed += rep.Failed
		r.lost += rep.Lost
		r.warnings += rep.Warnings
		stats.Calls += rep.Stats.Calls
		stats.Retries += rep.Stats.Retries
		stats.ThrottledCalls += rep.Stats.ThrottledCalls
		stats.Bisections += rep.Stats.Bisections
		for _, p := range rep.Problems {
			r.problems = append(r.problems, fmt.Sprintf("runner %d: %s", i, p))
		}
		if rep.Err != "" {
			runErrs = append(runErrs, fmt.Errorf("runner %d: %s", i, rep.Err))
		}
	}
	r.elapsed = last.Sub(first)
	r.calls, r.throttledCalls = int64(stats.Calls), int64(stats.ThrottledCalls)
	r.runner = &runnerStats{stats: stats, err: errors.Join(runErrs...)}
	r.runners = sc.runners

	if got := r.succeeded + r.failed + r.lost; got != n {
		r.problems = append(r.problems, fmt.Sprintf("%d outcomes for %d items", got, n))
	}
	applied, _ := k.applied()
	r.applied = applied
	if applied != r.succeeded {
		r.problems = append(r.problems, fmt.Sprintf("the service applied %d items, %d were reported succeeded", applied, r.succeeded))
	}
	k.close() // every request is in the log
	log := k.requests()
	t := logTally(log)
	r.logRequests, r.requests, r.throttled = len(log), t.requests, t.throttled
	return r
}

// logTally counts the requests of a request log and the throttled ones.
func logTally(log []appstreamtest.Request) tally {
	t := tally{calls: -1, requests: int64(len(log))}
	for i := range log {
		if log[i].Fault == appstreamtest.FaultThrottle {
			t.throttled++
		}
	}
	return t
}

// runWorkers runs one runner program per job, starts them together once
// all are ready, calling started then, and returns their reports (nil for a
// runner that failed) and what went wrong. Their standard error goes to
// stderr, each line prefixed with prefix and the runner's number (trace
// lines with trace).
func runWorkers(ctx context.Context, w *workerProgram, jobs []benchjob.Job, stderr io.Writer, prefix, trace string, started func()) ([]*benchjob.Report, []string) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type proc struct {
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		stdout *bufio.Reader
		errw   *lineWriter
		failed bool
	}
	procs := make([]*proc, len(jobs))
	reports := make([]*benchjob.Report, len(jobs))
	var problems []string
	fail := func(i int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("runner %d: ", i)+fmt.Sprintf(format, args...))
		procs[i].failed = true
		cancel() // stops every runner: the run's figures would mean nothing
	}
	defer func() {
		for i, p := range procs {
			if p == nil {
				continue
			}
			_ = p.stdin.Close()
			if err := p.cmd.Wait(); err != nil && !p.failed && ctx.Err() == nil {
				problems = append(problems, fmt.Sprintf("runner %d: %v", i, err))
			}
			p.errw.flush()
		}
	}()

	for i, j := range jobs {
		cmd := exec.CommandContext(ctx, w.path)
		cmd.WaitDelay = time.Second
		p := &proc{cmd: cmd, errw: &lineWriter{w: stderr, prefix: fmt.Sprintf("%s runner %d:", prefix, i), trace: fmt.Sprintf("%s runner=%d", trace, i)}}
		cmd.Stderr = p.errw
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return reports, append(problems, fmt.Sprintf("runner %d: %v", i, err))
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return reports, append(problems, fmt.Sprintf("runner %d: %v", i, err))
		}
		if err := cmd.Start(); err != nil {
			return reports, append(problems, fmt.Sprintf("runner %d: starting %s: %v", i, w.path, err))
		}
		p.stdin, p.stdout = stdin, bufio.NewReader(stdout)
		procs[i] = p
		b, err := json.Marshal(j)
		if err == nil {
			_, err = stdin.Write(append(b, '\n'))
		}
		if err != nil {
			fail(i, "sending the job: %v", err)
			return reports, problems
		}
	}
	for i, p := range procs {
		if line, err := p.stdout.ReadString('\n'); strings.TrimSpace(line) != "ready" {
			fail(i, "not ready: %q, %v (its standard error is above)", line, err)
			return reports, problems
		}
	}
	for i, p := range procs {
		if _, err := io.WriteString(p.stdin, "go\n"); err != nil {
			fail(i, "sending go: %v", err)
			return reports, problems
		}
	}
	started()
	for i, p := range procs {
		line, err := p.stdout.ReadBytes('\n')
		var rep benchjob.Report
		if err == nil {
			err = json.Unmarshal(line, &rep)
		}
		if err != nil {
			fail(i, "no report: %v (its standard error is above)", err)
			return reports, problems
		}
		reports[i] = &rep
	}
	return reports, problems
}
