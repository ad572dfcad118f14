package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/batch"
)

// maxListed bounds the keys and invalid items a dry run lists.
const maxListed = 20

// dryRun reads the whole input, asks the runner for its plan and prints it.
// Nothing is sent, and no credentials are needed: the adapter gets a client
// that is never called. Unlike a run, a dry run holds every item in memory.
// It returns exitOK when every item would be sent, exitFailed when some are
// invalid.
func dryRun[T, R any](e *env, s *spec[T, R], o *options, src source[T], resumed *resumeSet) int {
	var recs []record[T]
	skipped := 0
	for r := range src.records() {
		if resumed.has(r.index) {
			skipped++
			continue
		}
		recs = append(recs, r)
	}
	if err := src.Err(); err != nil {
		fmt.Fprintf(e.stderr, "batchctl %s: reading %s: %v\n", s.name, o.input, err)
		return exitUsage
	}
	if u := src.unclosed(); u != nil {
		fmt.Fprintf(e.stderr, "batchctl %s: %s: %v\n", s.name, o.input, u)
		return exitUsage
	}
	cfg := aws.Config{Region: "us-east-1"}
	if o.endpoint != "" {
		cfg.BaseEndpoint = aws.String(o.endpoint)
	}
	ad := recordAdapter[T, R]{inner: s.newAdapter(cfg, o)}
	runner, err := batch.New[record[T], R](ad)
	if err != nil {
		fmt.Fprintf(e.stderr, "batchctl %s: %v\n", s.name, err)
		return exitUsage
	}
	w := e.stdout
	fmt.Fprintf(w, "dry run of %s: nothing is sent\n", runner.Operation())
	if skipped > 0 {
		fmt.Fprintf(w, "resumed:  %d items succeeded in %s and are skipped\n", skipped, o.resume)
	}
	if len(recs) == 0 {
		fmt.Fprintln(w, "items:    0, nothing to send")
		return exitOK
	}
	plan, err := runner.Plan(recs)
	if err != nil {
		fmt.Fprintf(e.stderr, "batchctl %s: %v\n", s.name, err)
		return exitUsage
	}
	valid := 0
	type keyRow struct {
		key          string // readable, from describeKey
		calls, items int
	}
	var rows []*keyRow
	byKey := make(map[string]*keyRow)
	for _, c := range plan.Calls {
		r := byKey[c.Key]
		if r == nil {
			r = &keyRow{key: "(none)"}
			if s.describeKey != nil && len(c.Indexes) > 0 {
				r.key = s.describeKey(recs[c.Indexes[0]].item)
			}
			byKey[c.Key] = r
			rows = append(rows, r)
		}
		r.calls++
		r.items += len(c.Indexes)
		valid += len(c.Indexes)
	}
	fmt.Fprintf(w, "items:    %d (%d valid, %d invalid)\n", plan.Items, valid, len(plan.Invalid))
	fmt.Fprintf(w, "calls:    %d, at most %d items each\n", len(plan.Calls), ad.MaxItems())
	if len(rows) > 0 {
		fmt.Fprintf(w, "keys:     %d (items that differ in these fields never share a call)\n\n", len(rows))
		fmt.Fprintf(w, "  %6s  %7s  %s\n", "calls", "items", "key")
		for _, r := range rows[:min(len(rows), maxListed)] {
			fmt.Fprintf(w, "  %6d  %7d  %s\n", r.calls, r.items, r.key)
		}
		if len(rows) > maxListed {
			fmt.Fprintf(w, "  and %d more keys\n", len(rows)-maxListed)
		}
	}
	if len(plan.Invalid) == 0 {
		return exitOK
	}
	fmt.Fprintf(w, "\ninvalid items, never sent:\n")
	for _, ie := range plan.Invalid[:min(len(plan.Invalid), maxListed)] {
		r := recs[ie.Index]
		rec := newOutcomeRecord(plan.Operation, r.index, r.line, batch.StatusFailed, batch.AsError(ie.Err), 0)
		where := ""
		if rec.Field != "" {
			where = " in field " + rec.Field
		}
		// Malformed lines' messages name the line and field already.
		msg := strings.TrimPrefix(rec.Message, fmt.Sprintf("line %d: ", rec.Line))
		msg = strings.TrimPrefix(msg, "field "+rec.Field+": ")
		fmt.Fprintf(w, "  index %d, line %d: %s%s: %s\n", rec.Index, rec.Line, rec.Code, where, msg)
	}
	if len(plan.Invalid) > maxListed {
		fmt.Fprintf(w, "  and %d more\n", len(plan.Invalid)-maxListed)
	}
	return exitFailed
}

// keyValue renders one field of a call key for a dry run: name=value, the
// value quoted when it is empty or holds spaces or characters that do not
// print.
func keyValue(name, v string) string {
	if v == "" || strings.ContainsFunc(v, func(r rune) bool { return r == ' ' || !strconv.IsPrint(r) }) {
		v = strconv.QuoteToASCII(v)
	}
	return name + "=" + v
}
