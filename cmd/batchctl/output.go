package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/batchkit/batchkit/batch"
)

// outcomeHeader is the first line of an outcome file: which command wrote
// it, for which input. --resume refuses a file whose command or input
// fingerprint differ from the run's.
type outcomeHeader struct {
	// Batchctl is the version of batchctl that wrote the file.
	Batchctl string `json:"batchctl"`
	// Command and Operation are the subcommand and the API operation.
	Command   string `json:"command"`
	Operation string `json:"operation"`
	// Input is the input file as given (- for standard input).
	Input string `json:"input"`
	// InputRows and InputSHA256 fingerprint the input: its number of
	// records and the SHA-256 of its bytes. For standard input they are
	// unknown when the run starts, and a last line carries them once the
	// input has been read to its end.
	InputRows   *int   `json:"input_rows,omitempty"`
	InputSHA256 string `json:"input_sha256,omitempty"`
}

// fingerprint identifies an input: its records and the hash of its bytes.
type fingerprint struct {
	rows   int
	sha256 string
}

func (f fingerprint) String() string {
	return fmt.Sprintf("%s, sha256 %.12s", plural(int64(f.rows), "row"), f.sha256)
}

// hashingReader hashes what is read through it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
}

func newHashingReader(r io.Reader) *hashingReader { return &hashingReader{r: r, h: sha256.New()} }

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	return n, err
}

func (hr *hashingReader) sum() string { return hex.EncodeToString(hr.h.Sum(nil)) }

// outcomeRecord is one line of the outcome file: the outcome of one input
// record. It never holds input values: no user names, first or last names,
// invite codes, ARNs or IDs, only positions, codes and the library's
// messages (which leave out whatever the service marks sensitive). The one
// value it may hold is the result an operation was run for: the user name
// a lookup-unames item resolved to (Username), which batchctl writes
// nowhere else.
type outcomeRecord struct {
	// Index is the record's position in the input, from 0, not counting the
	// CSV header and blank lines. --resume matches on it.
	Index int `json:"index"`
	// Line is the line the record starts on, from 1.
	Line int `json:"line,omitempty"`
	// Operation is the API operation, for example BatchAssociateUserStack.
	Operation string `json:"operation"`
	// Status is Succeeded, Failed or Canceled.
	Status string `json:"status"`
	// Username is the user name a lookup-unames item resolved to, set when
	// it succeeded (and on its resumed line, from the resume file). It is
	// personal data, often an email address, and the result the operator
	// asked for: the outcome file holds it, and nothing else batchctl
	// writes does.
	Username *string `json:"username,omitempty"`
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
func newOutcomeRecord(op string, index, line int, status batch.Status, err *batch.Error, attempts int) outcomeRecord {
	rec := outcomeRecord{Index: index, Line: line, Operation: op, Status: status.String(), Attempts: attempts}
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

// write encodes v (an outcomeRecord, or the header or last line) as one
// line.
func (ow *outcomeWriter) write(v any) {
	if ow == nil || ow.err != nil {
		return
	}
	if err := ow.enc.Encode(v); err != nil {
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

// defaultOutputName is the outcome file of a run without --output, in the
// current directory: batchctl-associate-20260102-150405.jsonl.
func defaultOutputName(command string, now time.Time) string {
	return fmt.Sprintf("batchctl-%s-%s.jsonl", command, now.Format("20060102-150405"))
}

// createNew creates a file that must not exist yet, adding -2, -3, ... to
// its name until one is free. It returns the name used.
func createNew(name string) (*os.File, string, error) {
	ext := filepath.Ext(name)
	base := name[:len(name)-len(ext)]
	for i := 1; ; i++ {
		try := name
		if i > 1 {
			try = fmt.Sprintf("%s-%d%s", base, i, ext)
		}
		f, err := os.OpenFile(try, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil || !errors.Is(err, os.ErrExist) || i == 100 {
			return f, try, err
		}
	}
}

// resumeSet holds the indexes that succeeded in an earlier outcome file,
// with the file's header and input fingerprint.
type resumeSet struct {
	header outcomeHeader
	// input is the fingerprint recorded by the file, from its header or
	// its last line; nil when it has none.
	input *fingerprint
	// done holds, for each index that succeeded, the result its line
	// carried (a lookup-unames user name), written again on its resumed
	// line so that resuming into the same file loses none.
	done map[int]resumedResult
}

// resumedResult is what the line of an item that succeeded carried besides
// its status.
type resumedResult struct {
	username *string
}

func (rs *resumeSet) has(index int) bool {
	if rs == nil {
		return false
	}
	_, ok := rs.done[index]
	return ok
}

// result returns what the line of index carried.
func (rs *resumeSet) result(index int) resumedResult {
	if rs == nil {
		return resumedResult{}
	}
	return rs.done[index]
}

// readResume reads an outcome file written by batchctl: its header, and the
// indexes whose status is Succeeded. A last line without a newline that
// does not parse is ignored: it is what a killed run leaves behind.
func readResume(r io.Reader) (*resumeSet, error) {
	rs := &resumeSet{done: make(map[int]resumedResult)}
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	seenHeader := false
	for line := 1; ; line++ {
		text, tooLong, err := readLine(br, buf[:0])
		buf = text
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("reading the resume file: %w", err)
		}
		eof := err != nil
		text = bytes.TrimSpace(text)
		if tooLong {
			return nil, fmt.Errorf("line %d is longer than %d bytes: not an outcome file", line, maxLine)
		}
		if len(text) > 0 {
			var rec struct {
				outcomeHeader
				Index    *int    `json:"index"`
				Status   string  `json:"status"`
				Username *string `json:"username"`
			}
			err := json.Unmarshal(text, &rec)
			switch {
			case err != nil && eof:
				// A partial last line.
			case err != nil:
				return nil, fmt.Errorf("line %d is not JSON: not an outcome file", line)
			case !seenHeader:
				if rec.Command == "" || rec.Index != nil {
					return nil, errors.New("the first line is not the header batchctl writes (with \"command\" and \"input_sha256\"): not an outcome file of this batchctl")
				}
				seenHeader = true
				rs.header = rec.outcomeHeader
				if rec.InputRows != nil && rec.InputSHA256 != "" {
					rs.input = &fingerprint{rows: *rec.InputRows, sha256: rec.InputSHA256}
				}
			case rec.Index != nil:
				if *rec.Index < 0 || rec.Status == "" {
					return nil, fmt.Errorf("line %d is not an outcome record (want {\"index\":N,\"status\":...})", line)
				}
				if rec.Status == batch.StatusSucceeded.String() {
					rs.done[*rec.Index] = resumedResult{username: rec.Username}
				}
			case rec.InputRows != nil && rec.InputSHA256 != "":
				// The last line of a run that read standard input.
				rs.input = &fingerprint{rows: *rec.InputRows, sha256: rec.InputSHA256}
			default:
				return nil, fmt.Errorf("line %d is not an outcome record (want {\"index\":N,\"status\":...})", line)
			}
		}
		if eof {
			break
		}
	}
	if !seenHeader {
		return nil, errors.New("the file is empty: not an outcome file")
	}
	return rs, nil
}

// check reports why rs cannot be used to resume command on an input with
// fingerprint in, if it cannot.
func (rs *resumeSet) check(command, input string, in fingerprint) error {
	h := rs.header
	if h.Command != command {
		return fmt.Errorf("it holds the outcomes of %s (%s), not of %s: resume with the command that wrote it", h.Command, h.Operation, command)
	}
	if rs.input == nil {
		return fmt.Errorf("it does not record which input it was written for (its run read standard input and did not reach the end), so it cannot be checked against %s", input)
	}
	if *rs.input != in {
		return fmt.Errorf("it was written for another input (%s, %v), not %s (%v): resume needs the same, unchanged input file", h.Input, *rs.input, input, in)
	}
	return nil
}

// rowWriter writes failed input rows, in the input's own format, to a file
// that can be fixed and run again.
type rowWriter struct {
	w       *bufio.Writer
	rows    int
	missing []int // lines too long to have been kept
	err     error
}

func newRowWriter(w io.Writer, header []byte) *rowWriter {
	rw := &rowWriter{w: bufio.NewWriterSize(w, 64<<10)}
	rw.put(header)
	return rw
}

func (rw *rowWriter) put(raw []byte) {
	if rw.err != nil || len(raw) == 0 {
		return
	}
	_, rw.err = rw.w.Write(raw)
	if rw.err == nil && raw[len(raw)-1] != '\n' {
		rw.err = rw.w.WriteByte('\n')
	}
}

// add writes the raw text of a record that did not succeed.
func (rw *rowWriter) add(raw []byte, line int) {
	if rw == nil {
		return
	}
	if raw == nil {
		rw.missing = append(rw.missing, line)
		return
	}
	rw.rows++
	rw.put(raw)
}

func (rw *rowWriter) close() error {
	if rw == nil {
		return nil
	}
	if rw.err == nil {
		rw.err = rw.w.Flush()
	}
	return rw.err
}
