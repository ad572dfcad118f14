package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/batch"
)

// Exit statuses.
const (
	exitOK     = 0 // every item succeeded (or had succeeded in the --resume file)
	exitFailed = 1 // some item failed or was canceled, or the run could not finish
	exitUsage  = 2 // bad flags, unreadable input, output or resume file; nothing was sent
)

// defaultRetryBudget is batchctl's retry budget, far above the engine's
// default (batch.DefaultRetryBudget, 1000): the budget counts items, and
// one throttled call of add-members carries 100 of them, so a few throttled
// calls before the adaptive rate has found the service's quota would spend
// the engine's default and fail every later throttled item.
const defaultRetryBudget = 100_000

// options are a subcommand's flags.
type options struct {
	input       string
	format      string
	output      string
	resume      string
	dryRun      bool
	concurrency int
	rate        float64
	maxAttempts int
	retryBudget int
	endpoint    string
	region      string
	progress    string

	// clientTokenPrefix is create-users only.
	clientTokenPrefix string
}

func (s *spec[T, R]) flagSet(e *env, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("batchctl "+s.name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&o.input, "input", "", "read items from `FILE` (- for standard input); required")
	fs.StringVar(&o.format, "format", "", "input format, csv or jsonl; by default from the file extension (.csv, .jsonl, .ndjson)")
	fs.StringVar(&o.output, "output", "", "write one JSONL outcome per input item to `FILE` (- for standard output)")
	fs.StringVar(&o.resume, "resume", "", "skip the items that succeeded in the outcome `FILE` of an earlier run of the same input")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the calls that would be made, and send nothing")
	fs.IntVar(&o.concurrency, "concurrency", 0, "most calls in flight at once (0: "+strconv.Itoa(batch.DefaultMaxInFlight)+")")
	fs.Float64Var(&o.rate, "rate", 0, "starting send rate in calls per second, adapted to throttling (0: no limit until the service throttles)")
	fs.IntVar(&o.maxAttempts, "max-attempts", 0, "most calls that may carry one item (0: "+strconv.Itoa(batch.DefaultMaxAttempts)+"; 1: no retries)")
	fs.IntVar(&o.retryBudget, "retry-budget", defaultRetryBudget, "most item retries of the run; each retried item spends one, every ten successes earn one back")
	fs.StringVar(&o.endpoint, "endpoint", "", "send to `URL` instead of AWS, for example a test kit")
	fs.StringVar(&o.region, "region", "", "AWS region (default from the environment; us-east-1 with --endpoint)")
	fs.StringVar(&o.progress, "progress", "auto", "progress display: auto (a bar on a terminal, lines otherwise), bar, lines or none")
	if s.name == "create-users" {
		fs.StringVar(&o.clientTokenPrefix, "client-token-prefix", "", "stable `PREFIX` of the call client tokens, one per job, so that a rerun after a crash reuses them (default random)")
	}
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: batchctl %s --input FILE [flags]\n\n%s (%s).\n\n", s.name, capitalize(s.about), s.service)
		fmt.Fprintf(e.stderr, "Input columns (CSV header or JSONL keys; case, '_' and '-' do not matter):\n  %s\n\nFlags:\n", newFieldSet(s.fields).names())
		fs.PrintDefaults()
	}
	return fs
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// runSpec runs one subcommand and returns the exit status.
func runSpec[T, R any](ctx context.Context, e *env, s *spec[T, R], args []string) int {
	var o options
	fs := s.flagSet(e, &o)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usage := func(format string, args ...any) int {
		fmt.Fprintf(e.stderr, "batchctl %s: %s\n", s.name, fmt.Sprintf(format, args...))
		fmt.Fprintf(e.stderr, "Run 'batchctl %s -h' for help.\n", s.name)
		return exitUsage
	}
	switch {
	case fs.NArg() > 0:
		return usage("unexpected argument %q", fs.Arg(0))
	case o.input == "":
		return usage("--input is required")
	case o.concurrency < 0, o.rate < 0, o.maxAttempts < 0, o.retryBudget < 0:
		return usage("--concurrency, --rate, --max-attempts and --retry-budget must not be negative")
	case !slices.Contains([]string{"auto", "bar", "lines", "none"}, o.progress):
		return usage("--progress must be auto, bar, lines or none")
	}
	format, err := inputFormat(o.input, o.format)
	if err != nil {
		return usage("%v", err)
	}
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "batchctl %s: %v\n", s.name, err)
		return exitUsage
	}

	var resumed *resumeSet
	if o.resume != "" {
		f, err := os.Open(o.resume)
		if err != nil {
			return fail(err)
		}
		resumed, err = readResume(f)
		f.Close()
		if err != nil {
			return fail(fmt.Errorf("%s: %w", o.resume, err))
		}
	}

	in, closeIn, err := openInput(e, o.input)
	if err != nil {
		return fail(err)
	}
	defer closeIn()
	fields := newFieldSet(s.fields)
	var src source[T]
	if format == "csv" {
		cs, err := newCSVSource(in, fields)
		if err != nil {
			return fail(fmt.Errorf("%s: %w", o.input, err))
		}
		src = cs
	} else {
		src = newJSONLSource(in, fields)
	}

	if o.dryRun {
		return dryRun(e, s, &o, src, resumed)
	}

	cfg, err := awsConfig(ctx, &o)
	if err != nil {
		if ctx.Err() != nil {
			// Interrupted while looking for credentials: not a usage error.
			fmt.Fprintf(e.stderr, "batchctl %s: %v\n", s.name, err)
			return exitFailed
		}
		return fail(err)
	}

	var ow *outcomeWriter
	if o.output != "" {
		out, closeOut, err := openOutput(e, o.output)
		if err != nil {
			return fail(err)
		}
		ow = newOutcomeWriter(out)
		defer func() {
			if err := closeOut(); err != nil {
				fmt.Fprintf(e.stderr, "batchctl %s: closing %s: %v\n", s.name, o.output, err)
			}
		}()
	}

	live := &counters{total: countRecords(o.input, format)}
	runner, err := batch.New[record[T], R](recordAdapter[T, R]{s.newAdapter(cfg, &o)}, func(bo *batch.Options) {
		bo.MaxInFlight = o.concurrency
		bo.Rate = o.rate
		bo.MaxAttempts = o.maxAttempts
		bo.RetryBudget = o.retryBudget
		bo.Hooks = live.hooks()
	})
	if err != nil {
		return fail(err)
	}

	var (
		recs    = src.records()
		skipped int
		codes   = make(map[batch.Code]int)
	)
	if resumed != nil {
		recs = skipResumed(recs, resumed, func(r record[T]) {
			skipped++
			live.skip()
			ow.write(outcomeRecord{Index: r.index, Line: r.line, Status: batch.StatusSucceeded.String(), Resumed: true})
		})
	}

	mode := o.progress
	if mode == "auto" {
		mode = "lines"
		if e.terminal {
			mode = "bar"
		}
	}
	var p *progress
	if mode != "none" {
		p = startProgress(e.stderr, mode == "bar", e.progressEvery, live)
	}

	start := time.Now()
	var runErr error
	var succeeded, failed, canceled, seen int
	for out, err := range runner.Stream(ctx, recs) {
		if err != nil {
			runErr = err
			continue
		}
		seen++
		rec := out.Item
		ow.write(newOutcomeRecord(rec.index, rec.line, out.Status, out.Err, out.Attempts))
		switch out.Status {
		case batch.StatusSucceeded:
			succeeded++
		case batch.StatusFailed:
			failed++
			codes[out.Err.Code]++
		default:
			canceled++
			if out.Err != nil {
				codes[out.Err.Code]++
			}
		}
		live.record(out.Status)
	}
	elapsed := time.Since(start)
	if p != nil {
		p.stop()
	}
	if errors.Is(runErr, batch.ErrNoItems) && seen == 0 {
		runErr = nil // nothing to send: an empty input, or every item resumed
	}
	werr := ow.close()

	op := runner.Operation()
	total := seen + skipped
	fmt.Fprintf(e.stderr, "%s: %d items: %d succeeded", op, total, succeeded+skipped)
	if skipped > 0 {
		fmt.Fprintf(e.stderr, " (%d of them in %s)", skipped, o.resume)
	}
	fmt.Fprintf(e.stderr, ", %d failed, %d canceled", failed, canceled)
	if len(codes) > 0 {
		fmt.Fprintf(e.stderr, " (%s)", byCode(codes))
	}
	c := live.snapshot()
	fmt.Fprintf(e.stderr, "; %s, %s, %d throttled; %s", plural(c.calls, "call"), plural(c.retries, "retry"), c.throttled, elapsed.Round(10*time.Millisecond))
	if seen > 0 && elapsed > 0 {
		fmt.Fprintf(e.stderr, ", %.0f items/s", float64(seen)/elapsed.Seconds())
	}
	fmt.Fprintln(e.stderr)

	status := exitOK
	if failed+canceled > 0 {
		status = exitFailed
	}
	if runErr != nil {
		fmt.Fprintf(e.stderr, "batchctl %s: the run ended early: %v\n", s.name, runErr)
		status = exitFailed
	}
	if err := src.Err(); err != nil {
		fmt.Fprintf(e.stderr, "batchctl %s: reading %s stopped after %d items: %v\n", s.name, o.input, total, err)
		status = exitFailed
	}
	if u := src.unclosed(); u != nil {
		fmt.Fprintf(e.stderr, "batchctl %s: %s: %v\n", s.name, o.input, u)
		status = exitFailed
	}
	if werr != nil {
		fmt.Fprintf(e.stderr, "batchctl %s: writing %s: %v\n", s.name, o.output, werr)
		status = exitFailed
	}
	if resumed != nil && resumed.max >= total && src.Err() == nil {
		fmt.Fprintf(e.stderr, "batchctl %s: warning: %s names index %d but the input has %d items; was it written for another input?\n",
			s.name, o.resume, resumed.max, total)
	}
	return status
}

// skipResumed passes on the records whose index did not succeed in the
// resume file, and hands the others to skip.
func skipResumed[T any](recs iter.Seq[record[T]], rs *resumeSet, skip func(record[T])) iter.Seq[record[T]] {
	return func(yield func(record[T]) bool) {
		for r := range recs {
			if rs.has(r.index) {
				skip(r)
				continue
			}
			if !yield(r) {
				return
			}
		}
	}
}

// awsConfig returns the configuration for the calls: the default chain,
// pointed at --endpoint when it is set.
func awsConfig(ctx context.Context, o *options) (aws.Config, error) {
	region := o.region
	if o.endpoint != "" && region == "" {
		region = "us-east-1"
	}
	cfg, err := loadAWSConfig(ctx, region)
	if err != nil {
		return aws.Config{}, err
	}
	if o.endpoint != "" {
		cfg.BaseEndpoint = aws.String(o.endpoint)
	}
	return cfg, nil
}

func inputFormat(path, format string) (string, error) {
	switch strings.ToLower(format) {
	case "csv":
		return "csv", nil
	case "jsonl", "ndjson":
		return "jsonl", nil
	case "":
	default:
		return "", fmt.Errorf("--format must be csv or jsonl, got %q", format)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return "csv", nil
	case ".jsonl", ".ndjson":
		return "jsonl", nil
	}
	if path == "-" {
		return "", errors.New("reading standard input needs --format csv or --format jsonl")
	}
	return "", fmt.Errorf("cannot tell the format of %s from its extension; use --format csv or --format jsonl", path)
}

func openInput(e *env, path string) (io.Reader, func(), error) {
	if path == "-" {
		return e.stdin, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

func openOutput(e *env, path string) (io.Writer, func() error, error) {
	if path == "-" {
		return e.stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

// countRecords estimates the records of an input file for the progress
// display: its non-blank lines, less the CSV header. It returns 0 (unknown)
// for standard input and on any error. It reads the file once, in 64 KiB
// pieces.
func countRecords(path, format string) int64 {
	if path == "-" {
		return 0
	}
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	var n int64
	buf := make([]byte, 64<<10)
	blank := true
	for {
		k, err := f.Read(buf)
		for _, b := range buf[:k] {
			switch b {
			case '\n':
				if !blank {
					n++
				}
				blank = true
			case ' ', '\t', '\r':
			default:
				blank = false
			}
		}
		if err != nil {
			break
		}
	}
	if !blank {
		n++
	}
	if format == "csv" && n > 0 {
		n--
	}
	return n
}

// plural returns "1 call", "2 calls", "0 retries".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return strconv.FormatInt(n, 10) + " " + strings.TrimSuffix(noun, "y") + "ies"
	}
	return strconv.FormatInt(n, 10) + " " + noun + "s"
}

// byCode renders counts by code as "InvalidInput:3 NotFound:2", most
// frequent first.
func byCode(m map[batch.Code]int) string {
	codes := make([]batch.Code, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	slices.SortFunc(codes, func(a, b batch.Code) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(string(a), string(b))
	})
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = string(c) + ":" + strconv.Itoa(m[c])
	}
	return strings.Join(parts, " ")
}
