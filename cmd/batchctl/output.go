package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/batchkit/batchkit/batch"
)

// outcomeRecord is one line of the --output file: the outcome of one input
// record. It never holds input values: no user names, first or last names,
// invite codes, ARNs or IDs, only positions, codes and the library's
// messages (which leave out whatever the service marks sensitive).
type outcomeRecord struct {
	// Index is the record's position in the input, from 0, not counting the
	// CSV header and blank lines. --resume matches on it.
	Index int `json:"index"`
	// Line is the line the record starts on, from 1.
	Line int `json:"line,omitempty"`
	// Status is Succeeded, Failed or Canceled.
	Status string `json:"status"`
	// Code is the normalized error code (batch.Code), empty on success.
	Code string `json:"code,omitempty"`
	// ServiceCode is the service's own error code, when the service gave one.
	ServiceCode string `json:"service_code,omitempty"`
	// Message says what went wrong.
	Message string `json:"message,omitempty"`
	// Field names the input field at fault, when known.
	Field string `json:"field,omitempty"`
	// Attempts counts the calls that carried the record; 0 for records never
	// sent (invalid, canceled before sending, or resumed).
	Attempts int `json:"attempts"`
	// RequestID is the AWS request ID of the failed call, when known.
	RequestID string `json:"request_id,omitempty"`
	// Resumed marks a record skipped because it succeeded in the --resume
	// file; its Status is Succeeded.
	Resumed bool `json:"resumed,omitempty"`
}

// newOutcomeRecord builds the record of an outcome.
func newOutcomeRecord(index, line int, status batch.Status, err *batch.Error, attempts int) outcomeRecord {
	rec := outcomeRecord{Index: index, Line: line, Status: status.String(), Attempts: attempts}
	if err != nil {
		rec.Code = string(err.Code)
		rec.ServiceCode = err.ServiceCode
		rec.Field = err.Field
		rec.RequestID = err.RequestID
		// Only the library's message: the wrapped error may carry the raw
		// service message, which can quote sensitive input.
		rec.Message = err.Message
		if rec.Message == "" {
			rec.Message = fallbackMessage(err.Code)
		}
	}
	return rec
}

func fallbackMessage(c batch.Code) string {
	switch c {
	case batch.CodeCanceled:
		return "the run was canceled before the item got an answer"
	case batch.CodeUnmatched:
		return "the service's answer could not be attributed to the item"
	}
	return "the item failed with " + string(c)
}

// outcomeWriter writes outcome records as JSONL, buffered and flushed at
// least every flushEvery, so an interrupted run leaves a usable file for
// --resume.
type outcomeWriter struct {
	w         *bufio.Writer
	enc       *json.Encoder
	lastFlush time.Time
	err       error
}

const flushEvery = time.Second

func newOutcomeWriter(w io.Writer) *outcomeWriter {
	bw := bufio.NewWriterSize(w, 64<<10)
	return &outcomeWriter{w: bw, enc: json.NewEncoder(bw), lastFlush: time.Now()}
}

func (ow *outcomeWriter) write(rec outcomeRecord) {
	if ow == nil || ow.err != nil {
		return
	}
	if err := ow.enc.Encode(rec); err != nil {
		ow.err = err
		return
	}
	if time.Since(ow.lastFlush) >= flushEvery {
		ow.err = ow.w.Flush()
		ow.lastFlush = time.Now()
	}
}

// close flushes and returns the first error met.
func (ow *outcomeWriter) close() error {
	if ow == nil {
		return nil
	}
	if ow.err == nil {
		ow.err = ow.w.Flush()
	}
	return ow.err
}

// resumeSet holds the indexes that succeeded in an earlier outcome file.
type resumeSet struct {
	done map[int]struct{}
	max  int // the largest index seen, -1 when none
}

func (rs *resumeSet) has(index int) bool {
	if rs == nil {
		return false
	}
	_, ok := rs.done[index]
	return ok
}

// readResume reads an outcome file written by --output and keeps the
// indexes whose status is Succeeded. A last line without a newline that
// does not parse is ignored: it is what an interrupted run leaves behind.
func readResume(r io.Reader) (*resumeSet, error) {
	rs := &resumeSet{done: make(map[int]struct{}), max: -1}
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	for line := 1; ; line++ {
		text, tooLong, err := readLine(br, buf[:0])
		buf = text
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("reading the resume file: %w", err)
		}
		eof := err != nil
		text = bytes.TrimSpace(text)
		if tooLong {
			return nil, fmt.Errorf("resume file line %d is longer than %d bytes: not an outcome file", line, maxLine)
		}
		if len(text) > 0 {
			var rec struct {
				Index  *int   `json:"index"`
				Status string `json:"status"`
			}
			if err := json.Unmarshal(text, &rec); err != nil || rec.Index == nil || *rec.Index < 0 || rec.Status == "" {
				if eof {
					break // a partial last line
				}
				return nil, fmt.Errorf("resume file line %d is not an outcome record (want {\"index\":N,\"status\":...})", line)
			}
			if rec.Status == batch.StatusSucceeded.String() {
				rs.done[*rec.Index] = struct{}{}
			}
			rs.max = max(rs.max, *rec.Index)
		}
		if eof {
			break
		}
	}
	return rs, nil
}
