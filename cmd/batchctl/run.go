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
	"github.com/batchkit/batchkit/internal/progress"
)

// Exit statuses.
const (
	exitOK          = 0   // every item succeeded (or had succeeded in the --resume file)
	exitFailed      = 1   // some item failed or was canceled, or the run could not finish
	exitUsage       = 2   // bad flags, unreadable input, output or resume file; nothing was sent
	exitInterrupted = 130 // interrupted by SIGINT or SIGTERM; every item read has its outcome
)

// options are a subcommand's flags.
type options struct {
	input       string
	format      string
	output      string
	resume      string
	failedRows  string
	summaryJSON string
	dryRun      bool
	concurrency int
	rate        float64
	maxRate     float64
	fixedRate   bool
	maxAttempts int
	retryBudget int
	endpoint    string
	region      string
	profile     string
	progress    string

	// clientTokenPrefix is for the commands whose operation takes client
	// tokens (spec.clientTokens).
	clientTokenPrefix string
}

func (s *spec[T, R]) flagSet(e *env, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("batchctl "+s.name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&o.input, "input", "", "read items from `FILE` (- for standard input); required")
	fs.StringVar(&o.format, "format", "", "input format, csv or jsonl; by default from the file extension (.csv, .jsonl, .ndjson)")
	fs.StringVar(&o.output, "output", "", "write one JSONL outcome per input item to `FILE` (- for standard output; default batchctl-COMMAND-TIME.jsonl in the current directory)")
	fs.StringVar(&o.resume, "resume", "", "skip the items that succeeded in the outcome `FILE` of an earlier run of the same command on the same input")
	fs.StringVar(&o.failedRows, "failed-rows", "", "write the input rows that did not succeed to `FILE`, in the input's format, to fix and run again")
	fs.StringVar(&o.summaryJSON, "summary-json", "", "write the run's summary as JSON to `FILE` (- for standard output)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the calls that would be made, and send nothing")
	fs.IntVar(&o.concurrency, "concurrency", 0, "most calls in flight at once (0: "+strconv.Itoa(batch.DefaultMaxInFlight)+")")
	fs.Float64Var(&o.rate, "rate", 0, "starting send rate in calls per second, adapted to throttling (0: no limit until the service throttles)")
	fs.Float64Var(&o.maxRate, "max-rate", 0, "most calls per second, whatever the service accepts (0: no ceiling)")
	fs.BoolVar(&o.fixedRate, "fixed-rate", false, "send at --max-rate without adapting to throttling")
	fs.IntVar(&o.maxAttempts, "max-attempts", 0, "most calls that may carry one item (0: "+strconv.Itoa(batch.DefaultMaxAttempts)+"; 1: no retries)")
	fs.IntVar(&o.retryBudget, "retry-budget", 0, "most item retries of the run after errors (throttles are free); every ten successes earn one back (0: the library's "+strconv.Itoa(batch.DefaultRetryBudget)+")")
	fs.StringVar(&o.endpoint, "endpoint", "", "send to `URL` instead of AWS, for example a test kit (or set AWS_ENDPOINT_URL_<SERVICE>)")
	fs.StringVar(&o.region, "region", "", "AWS `REGION` (default from AWS_REGION or the profile; us-east-1 with --endpoint)")
	fs.StringVar(&o.profile, "profile", "", "use `NAME` from the shared config and credentials files (default AWS_PROFILE, or default)")
	fs.StringVar(&o.progress, "progress", "auto", "progress display: auto (a bar on a terminal, lines otherwise), bar, lines or none")
	if s.clientTokens {
		fs.StringVar(&o.clientTokenPrefix, "client-token-prefix", "", "stable `PREFIX` of the call client tokens, one per job, so that a rerun after a crash reuses them (default random)")
	}
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: batchctl %s --input FILE [flags]\n\n%s (%s).\n\n", s.name, capitalize(s.about), s.service)
		fmt.Fprintf(e.stderr, "Input columns (CSV header or JSONL keys; case, '_' and '-' do not matter):\n  %s\n\n", newFieldSet(s.fields).names())
		if s.help != "" {
			fmt.Fprintf(e.stderr, "%s\n\n", s.help)
		}
		fmt.Fprintf(e.stderr, "Flags:\n")
		fs.PrintDefaults()
	}
	return fs
}

// check returns the first flag error, naming the flag.
func (o *options) check() error {
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"--concurrency", float64(o.concurrency)}, {"--rate", o.rate}, {"--max-rate", o.maxRate},
		{"--max-attempts", float64(o.maxAttempts)}, {"--retry-budget", float64(o.retryBudget)},
	} {
		if f.v < 0 {
			return fmt.Errorf("%s must not be negative, got %v", f.name, f.v)
		}
	}
	switch {
	case o.input == "":
		return errors.New("--input is required")
	case !slices.Contains([]string{"auto", "bar", "lines", "none"}, o.progress):
		return fmt.Errorf("--progress must be auto, bar, lines or none, got %q", o.progress)
	case o.fixedRate && o.maxRate == 0:
		return errors.New("--fixed-rate needs --max-rate, the rate to send at")
	case o.fixedRate && o.rate != 0:
		return errors.New("--rate cannot be used with --fixed-rate, which sends at --max-rate")
	case o.maxRate > 0 && o.rate > o.maxRate:
		return fmt.Errorf("--rate (%v) must not exceed --max-rate (%v)", o.rate, o.maxRate)
	case o.resume != "" && o.input == "-":
		return errors.New("--resume needs --input FILE: standard input cannot be checked against the outcome file before anything is sent")
	case o.output == "-" && o.summaryJSON == "-":
		return errors.New("--output and --summary-json cannot both be standard output")
	case o.failedRows != "" && o.failedRows == o.input:
		return errors.New("--failed-rows must not name the input file")
	case o.output != "" && o.output != "-" && o.output == o.input:
		return errors.New("--output must not name the input file")
	case o.failedRows != "" && (o.failedRows == o.output || o.failedRows == o.summaryJSON):
		return errors.New("--failed-rows must name a file of its own")
	case o.summaryJSON != "" && o.summaryJSON != "-" && (o.summaryJSON == o.output || o.summaryJSON == o.input || o.summaryJSON == o.resume):
		return errors.New("--summary-json must name a file of its own")
	}
	return nil
}

// setBatchOptions applies the flags to the engine's options: --max-rate is
// the send rate's ceiling (batch.Options.MaxRate), and with --fixed-rate
// and no --rate the rate it keeps to.
func setBatchOptions(bo *batch.Options, o *options) {
	bo.MaxInFlight = o.concurrency
	bo.MaxAttempts = o.maxAttempts
	bo.RetryBudget = o.retryBudget
	bo.Rate = o.rate
	bo.FixedRate = o.fixedRate
	bo.MaxRate = o.maxRate
	if o.maxRate > 0 && o.fixedRate && bo.Rate == 0 {
		bo.Rate = o.maxRate
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// job is one run of a subcommand: its flags, files and numbers.
type job[T, R any] struct {
	e  *env
	s  *spec[T, R]
	o  *options
	op string

	src     source[T]
	in      *fingerprint   // the input's, when it is a file
	hashed  *hashingReader // standard input, hashed as it is read
	resumed *resumeSet     // nil without --resume
	out     *outcomeWriter // never nil in a run
	outName string         // the outcome file, as named in the summary
	rows    *rowWriter     // nil without --failed-rows
	live    *counters      // for the progress display
	sum     summary        // the totals
	closers []func() error // output files, closed in order
	closeIn func()         // the input file
	warn    func(string, ...any)
}

// runSpec runs one subcommand and returns the exit status.
func runSpec[T, R any](ctx context.Context, e *env, s *spec[T, R], args []string) int {
	o := &options{}
	fs := s.flagSet(e, o)
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
	if fs.NArg() > 0 {
		return usage("unexpected argument %q", fs.Arg(0))
	}
	if err := o.check(); err != nil {
		return usage("%v", err)
	}
	format, err := inputFormat(o.input, o.format)
	if err != nil {
		return usage("%v", err)
	}
	j := &job[T, R]{e: e, s: s, o: o}
	j.warn = func(format string, args ...any) {
		fmt.Fprintf(e.stderr, "batchctl %s: %s\n", s.name, fmt.Sprintf(format, args...))
	}
	fail := func(err error) int {
		j.warn("%v", err)
		return exitUsage
	}
	defer func() {
		if j.closeIn != nil {
			j.closeIn()
		}
	}()
	if err := j.openInput(format); err != nil {
		return fail(err)
	}
	if o.resume != "" {
		if err := j.readResume(); err != nil {
			return fail(fmt.Errorf("--resume %s: %w", o.resume, err))
		}
	}
	if o.dryRun {
		return dryRun(e, s, o, j.src, j.resumed)
	}

	cfg, err := awsConfig(ctx, o, s.envEndpoint)
	if err != nil {
		if ctx.Err() != nil {
			// Interrupted while looking for credentials: not a usage error.
			j.warn("%v", err)
			return exitInterrupted
		}
		return fail(err)
	}
	var bo batch.Options
	setBatchOptions(&bo, o)
	ad := recordAdapter[T, R]{inner: s.newAdapter(cfg, o)}
	j.op = ad.Operation()
	j.live = &counters{}
	if j.in != nil {
		j.live.total = int64(j.in.rows)
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watch := &connWatch{cancel: cancel}
	bo.Hooks = j.live.hooks(watch.onCall)
	runner, err := batch.New[record[T], R](ad, func(opts *batch.Options) { *opts = bo })
	if err != nil {
		return fail(err)
	}
	if err := j.openOutputs(); err != nil {
		j.closeOutputs()
		return fail(err)
	}
	status := j.run(ctx, runCtx, runner)
	return status
}

// openInput opens the input and, for a file, reads it once first to count
// its records, fingerprint it and find a quote that is never closed, which
// would otherwise be found only after the rows before it were sent.
func (j *job[T, R]) openInput(format string) error {
	fields := newFieldSet(j.s.fields)
	if j.o.input == "-" {
		j.hashed = newHashingReader(j.e.stdin)
		src, err := newSource(j.hashed, format, fields)
		if err != nil {
			return fmt.Errorf("standard input: %w", err)
		}
		j.src = src
		return nil
	}
	f, err := os.Open(j.o.input)
	if err != nil {
		return err
	}
	j.closeIn = func() { f.Close() }
	hr := newHashingReader(f)
	scan, err := newSource(hr, format, fields)
	if err != nil {
		return fmt.Errorf("%s: %w", j.o.input, err)
	}
	rows := 0
	for range scan.records() {
		rows++
	}
	if err := scan.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", j.o.input, err)
	}
	if u := scan.unclosed(); u != nil {
		return fmt.Errorf("%s: %v. Nothing was sent: close the quote (or remove it) and run again", j.o.input, u)
	}
	j.in = &fingerprint{rows: rows, sha256: hr.sum()}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("reading %s again: %w", j.o.input, err)
	}
	j.src, err = newSource(f, format, fields)
	if err != nil {
		return fmt.Errorf("%s: %w", j.o.input, err)
	}
	return nil
}

func (j *job[T, R]) readResume() error {
	f, err := os.Open(j.o.resume)
	if err != nil {
		return err
	}
	defer f.Close()
	rs, err := readResume(f)
	if err != nil {
		return err
	}
	if err := rs.check(j.s.name, j.o.input, *j.in); err != nil {
		return err
	}
	j.resumed = rs
	return nil
}

// openOutputs creates the outcome file (a new one in the current directory
// without --output), the failed-rows file and the summary file, before
// anything is sent, and writes the outcome file's header.
func (j *job[T, R]) openOutputs() error {
	create := func(path string) (io.Writer, error) {
		if path == "-" {
			return j.e.stdout, nil
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, err
		}
		j.closers = append(j.closers, f.Close)
		return f, nil
	}
	var w io.Writer
	switch j.o.output {
	case "":
		f, name, err := createNew(defaultOutputName(j.s.name, time.Now()))
		if err != nil {
			return fmt.Errorf("creating the outcome file (choose one with --output): %w", err)
		}
		j.closers = append(j.closers, f.Close)
		w, j.outName = f, name
	case "-":
		w, j.outName = j.e.stdout, "standard output"
	default:
		var err error
		if w, err = create(j.o.output); err != nil {
			return err
		}
		j.outName = j.o.output
	}
	j.out = newOutcomeWriter(w)
	h := outcomeHeader{Batchctl: versionString(), Command: j.s.name, Operation: j.op, Input: j.o.input}
	if j.in != nil {
		h.InputRows, h.InputSHA256 = &j.in.rows, j.in.sha256
	}
	j.out.write(h)
	if j.o.failedRows != "" {
		w, err := create(j.o.failedRows)
		if err != nil {
			return err
		}
		j.rows = newRowWriter(w, j.src.header())
	}
	if j.o.summaryJSON != "" && j.o.summaryJSON != "-" {
		// Checked now, written at the end.
		f, err := os.OpenFile(j.o.summaryJSON, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		f.Close()
	}
	return nil
}

// closeOutputs closes the output files and returns the first error.
func (j *job[T, R]) closeOutputs() error {
	var errs []error
	for _, c := range j.closers {
		errs = append(errs, c())
	}
	j.closers = nil
	return errors.Join(errs...)
}

// run sends the items and writes their outcomes. ctx is the command's
// (canceled by an interrupt), runCtx the run's (also canceled when no call
// can connect).
func (j *job[T, R]) run(ctx, runCtx context.Context, runner *batch.Runner[record[T], R]) int {
	e, o := j.e, j.o
	recs := j.src.records()
	if j.resumed != nil {
		recs = skipResumed(recs, j.resumed, func(r record[T]) {
			j.sum.resumed++
			j.live.skip()
			j.out.write(outcomeRecord{Index: r.index, Line: r.line, Operation: j.op, Status: batch.StatusSucceeded.String(),
				Username: j.resumed.result(r.index).username, Resumed: true})
		})
	}
	var display *progress.Display
	if mode := j.progressMode(); mode != "none" {
		popts := progress.Options{LineEvery: e.progressEvery}
		if mode == "bar" {
			popts.Width = e.width
			if popts.Width == nil {
				popts.Width = func() int { return 80 }
			}
		}
		display = progress.Start(e.stderr, popts, j.live.snapshot)
	}

	start := time.Now()
	var runErr error
	for out, err := range runner.Stream(runCtx, recs) {
		if err != nil {
			runErr = err
			continue
		}
		j.record(out.Item, out.Status, out.Err, out.Attempts, &out.Value)
	}
	if errors.Is(runErr, batch.ErrNoItems) && j.sum.items() == j.sum.resumed {
		runErr = nil // nothing to send: an empty input, or every item resumed
	}
	// A run that ended early did not read the whole input. Every row of an
	// input file still gets its outcome, so the outcome and failed-rows
	// files account for all of it; standard input is left as it is.
	unread := 0
	if runErr != nil && j.hashed == nil && j.src.Err() == nil {
		for r := range j.src.records() {
			unread++
			j.record(r, batch.StatusCanceled, &batch.Error{Code: batch.CodeCanceled, Operation: j.op,
				Message: "not sent: the run ended before this row was read"}, 0, nil)
		}
	}
	j.sum.elapsed = time.Since(start)
	if display != nil {
		display.Stop()
	}
	c := j.live.snapshot()
	j.sum.calls, j.sum.retries, j.sum.throttled = c.Calls, c.Retries, c.Throttled
	if j.hashed != nil && j.src.Err() == nil && runErr == nil {
		// The whole of standard input was read: record its fingerprint, so
		// the file can be resumed from with the same input saved to a file.
		j.out.write(struct {
			InputRows   int    `json:"input_rows"`
			InputSHA256 string `json:"input_sha256"`
		}{j.sum.items(), j.hashed.sum()})
	}

	// Why the run ended, in the order an operator needs it.
	status := exitOK
	if j.sum.failed+j.sum.canceled > 0 {
		status = exitFailed
	}
	var notes []string
	switch cause := context.Cause(runCtx); {
	case ctx.Err() != nil && (runErr != nil || j.sum.canceled > 0):
		status = exitInterrupted
		var sig interrupted
		if errors.As(context.Cause(ctx), &sig) {
			notes = append(notes, fmt.Sprintf("interrupted by %s: stopped sending; every item has its outcome", sig.name))
		} else {
			notes = append(notes, "interrupted: stopped sending; every item has its outcome")
		}
		runErr = nil
	case errors.As(cause, new(*noConnectionError)):
		notes = append(notes, cause.Error())
		runErr = nil
		status = exitFailed
	}
	if runErr != nil {
		notes = append(notes, fmt.Sprintf("the run ended early: %v", runErr))
		status = exitFailed
	}
	if unread > 0 {
		notes = append(notes, fmt.Sprintf("%s not read before the run ended are in the outcomes as canceled", plural(int64(unread), "row")))
	}
	if err := j.src.Err(); err != nil {
		notes = append(notes, fmt.Sprintf("reading %s stopped after %s: %v; the rest was not read", o.input, plural(int64(j.sum.items()), "item"), err))
		status = max(status, exitFailed)
	}
	if u := j.src.unclosed(); u != nil {
		notes = append(notes, fmt.Sprintf("%s: %v", o.input, u))
		status = max(status, exitFailed)
	}
	if j.rows != nil && len(j.rows.missing) > 0 {
		notes = append(notes, fmt.Sprintf("%s %s not in %s: longer than %d bytes, they were not kept",
			plural(int64(len(j.rows.missing)), "row"), linesList(j.rows.missing), o.failedRows, maxLine))
	}
	if err := j.out.close(); err != nil {
		notes = append(notes, fmt.Sprintf("writing %s: %v", j.outName, err))
		status = max(status, exitFailed)
	}
	if err := j.rows.close(); err != nil {
		notes = append(notes, fmt.Sprintf("writing %s: %v", o.failedRows, err))
		status = max(status, exitFailed)
	}
	if err := j.closeOutputs(); err != nil {
		notes = append(notes, fmt.Sprintf("closing the outputs: %v", err))
		status = max(status, exitFailed)
	}
	j.sum.notes = notes
	j.sum.status = status
	j.printSummary()
	if o.summaryJSON != "" {
		if err := j.writeSummaryJSON(); err != nil {
			j.warn("writing %s: %v", o.summaryJSON, err)
			status = max(status, exitFailed)
		}
	}
	return status
}

// record counts and writes the outcome of one record. value, when not nil,
// is the adapter's result; the spec's result puts what the operator asked
// for of it in the outcome line of an item that succeeded.
func (j *job[T, R]) record(rec record[T], status batch.Status, err *batch.Error, attempts int, value *R) {
	line := newOutcomeRecord(j.op, rec.index, rec.line, status, err, attempts)
	if status == batch.StatusSucceeded && value != nil && j.s.result != nil {
		j.s.result(*value, &line)
	}
	j.out.write(line)
	j.live.record(status)
	switch status {
	case batch.StatusSucceeded:
		j.sum.succeeded++
		return
	case batch.StatusFailed:
		j.sum.failed++
	default:
		j.sum.canceled++
	}
	if err != nil {
		j.sum.count(err.Code)
	}
	j.rows.add(rec.raw, rec.line)
}

func (j *job[T, R]) progressMode() string {
	if j.o.progress != "auto" {
		return j.o.progress
	}
	if j.e.terminal {
		return "bar"
	}
	return "lines"
}

// linesList renders "(lines 3, 9 and 12)", or the first few of many.
func linesList(lines []int) string {
	const most = 5
	parts := make([]string, 0, most)
	for _, l := range lines[:min(len(lines), most)] {
		parts = append(parts, strconv.Itoa(l))
	}
	s := strings.Join(parts, ", ")
	if len(lines) > most {
		s += fmt.Sprintf(" and %d more", len(lines)-most)
	}
	if len(lines) == 1 {
		return "(line " + s + ")"
	}
	return "(lines " + s + ")"
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

// awsConfig returns the configuration for the calls: the default chain
// with --profile and --region, pointed at --endpoint when it is set.
// envEndpoint is the variable naming the service's endpoint
// (AWS_ENDPOINT_URL_APPSTREAM), which the SDK reads itself.
func awsConfig(ctx context.Context, o *options, envEndpoint string) (aws.Config, error) {
	cfg, err := loadAWSConfig(ctx, o.profile, o.region, o.endpoint != "" || os.Getenv(envEndpoint) != "")
	if err != nil {
		return aws.Config{}, err
	}
	return cfg, nil
}

// endpoint returns --endpoint when it is set, and resolved otherwise. The
// adapters' clients take it as an option, applied after the SDK has
// resolved its own: an AWS_ENDPOINT_URL_<SERVICE> variable would otherwise
// win over the flag.
func endpoint(o *options, resolved *string) *string {
	if o.endpoint != "" {
		return aws.String(o.endpoint)
	}
	return resolved
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
