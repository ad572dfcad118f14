package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/batchkit/batchkit/batch"
)

// summary is what a run did, printed at the end and, with --summary-json,
// written as JSON.
type summary struct {
	succeeded, failed, canceled, resumed int
	byCode                               map[batch.Code]int
	calls, retries, throttled            int64
	elapsed                              time.Duration
	notes                                []string
	status                               int
}

// items counts the records read, resumed ones included.
func (s *summary) items() int { return s.succeeded + s.failed + s.canceled + s.resumed }

func (s *summary) count(c batch.Code) {
	if s.byCode == nil {
		s.byCode = make(map[batch.Code]int)
	}
	s.byCode[c]++
}

// rate is the items answered per second: resumed and canceled items took
// no work.
func (s *summary) rate() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	return float64(s.succeeded+s.failed) / s.elapsed.Seconds()
}

// printSummary writes the summary to standard error in short lines (they
// fit a terminal of 80 columns unless paths are long): the counts, the
// outcome and failed-rows files, and why the run ended when it ended early.
func (j *job[T, R]) printSummary() {
	w, s := j.e.stderr, &j.sum
	fmt.Fprintf(w, "%s: %d items: %d succeeded, %d failed, %d canceled\n", j.op, s.items(), s.succeeded+s.resumed, s.failed, s.canceled)
	if s.resumed > 0 {
		fmt.Fprintf(w, "  resumed: %d succeeded in %s\n", s.resumed, j.o.resume)
	}
	if len(s.byCode) > 0 {
		fmt.Fprintf(w, "  by code: %s\n", byCode(s.byCode))
	}
	fmt.Fprintf(w, "  %s, %s, %d throttled in %s", plural(s.calls, "call"), plural(s.retries, "retry"), s.throttled, s.elapsed.Round(10*time.Millisecond))
	if r := s.rate(); r > 0 {
		fmt.Fprintf(w, ", %.0f items/s", r)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  outcomes: %s\n", j.outName)
	if j.rows != nil {
		fmt.Fprintf(w, "  failed rows: %s (%s)\n", j.o.failedRows, plural(int64(j.rows.rows), "row"))
	}
	for _, n := range s.notes {
		j.warn("%s", n)
	}
	if s.status == exitInterrupted && j.in != nil && j.o.output != "-" {
		fmt.Fprintf(w, "To go on: batchctl %s --input %s --resume %s\n", j.s.name, j.o.input, j.outName)
	}
}

// summaryJSON is the --summary-json document.
type summaryJSON struct {
	Batchctl  string `json:"batchctl"`
	Command   string `json:"command"`
	Operation string `json:"operation"`
	Input     string `json:"input"`
	InputRows *int   `json:"input_rows,omitempty"`
	// Items counts the records read; ByStatus splits them into Succeeded
	// (resumed included), Failed and Canceled, and ByCode the failed and
	// canceled ones by code.
	Items     int            `json:"items"`
	ByStatus  map[string]int `json:"by_status"`
	ByCode    map[string]int `json:"by_code"`
	Resumed   int            `json:"resumed"`
	Calls     int64          `json:"calls"`
	Retries   int64          `json:"retries"`
	Throttles int64          `json:"throttles"`
	Elapsed   float64        `json:"elapsed_seconds"`
	ItemsPerS float64        `json:"items_per_second"`
	Outcomes  string         `json:"outcomes"`
	Failed    string         `json:"failed_rows,omitempty"`
	Notes     []string       `json:"notes,omitempty"`
	Exit      int            `json:"exit_status"`
}

func (j *job[T, R]) writeSummaryJSON() error {
	s := &j.sum
	doc := summaryJSON{
		Batchctl: versionString(), Command: j.s.name, Operation: j.op, Input: j.o.input,
		Items: s.items(),
		ByStatus: map[string]int{
			batch.StatusSucceeded.String(): s.succeeded + s.resumed,
			batch.StatusFailed.String():    s.failed,
			batch.StatusCanceled.String():  s.canceled,
		},
		ByCode:  make(map[string]int),
		Resumed: s.resumed, Calls: s.calls, Retries: s.retries, Throttles: s.throttled,
		Elapsed:   s.elapsed.Seconds(),
		ItemsPerS: s.rate(),
		Outcomes:  j.outName,
		Failed:    j.o.failedRows,
		Notes:     s.notes,
		Exit:      s.status,
	}
	if j.in != nil {
		doc.InputRows = &j.in.rows
	}
	for c, n := range s.byCode {
		doc.ByCode[string(c)] = n
	}
	encode := func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	if j.o.summaryJSON == "-" {
		return encode(j.e.stdout)
	}
	f, err := os.Create(j.o.summaryJSON)
	if err != nil {
		return err
	}
	if err := encode(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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
