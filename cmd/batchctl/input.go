package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/batchkit/batchkit/batch"
)

// kind is the JSON type a field takes in JSONL input. CSV values are text
// and are converted by the field's set.
type kind int

const (
	kindString kind = iota
	kindBool        // JSON true or false; in CSV, true or false
	kindInt         // a JSON integer; in CSV, its digits
)

func (k kind) want() string {
	switch k {
	case kindBool:
		return "true or false"
	case kindInt:
		return "a whole number"
	}
	return "a string"
}

// field is one input column: how its value is stored into an item.
type field[T any] struct {
	// name is the canonical name, the SDK member's. aliases are other
	// accepted names. Names match after normalize.
	name    string
	aliases []string
	// required columns must be present in a CSV header and keys in every
	// JSONL object. An empty value is still passed to set: the adapter's
	// validation judges values.
	required bool
	// kind is the JSON type the field takes in JSONL.
	kind kind
	// list fields accept a JSON array of strings, or several values
	// separated by ';' in CSV.
	list bool
	// set stores v into item. Its error must not quote v: values may be
	// sensitive.
	set func(item *T, v string) error
	// def, when not empty, is the field's default: every item starts with
	// set(def), before the values given are stored, so that a field that
	// is not given (no such CSV column, a JSONL key missing or null) has
	// it. set must then leave item as it is for an empty CSV value.
	def string
}

// normalize folds a column name: case, '_', '-', '.' and spaces do not
// matter, so StackName, stack_name and stack-name are the same column.
func normalize(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch r {
		case '_', '-', ' ', '.':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fieldSet indexes fields by normalized name.
type fieldSet[T any] struct {
	fields []field[T]
	byName map[string]int
}

func newFieldSet[T any](fields []field[T]) *fieldSet[T] {
	fs := &fieldSet[T]{fields: fields, byName: make(map[string]int)}
	for i, f := range fields {
		fs.byName[normalize(f.name)] = i
		for _, a := range f.aliases {
			fs.byName[normalize(a)] = i
		}
	}
	return fs
}

func (fs *fieldSet[T]) lookup(name string) (int, bool) {
	i, ok := fs.byName[normalize(name)]
	return i, ok
}

// newItem returns an item holding the fields' defaults.
func (fs *fieldSet[T]) newItem() T {
	var item T
	for _, f := range fs.fields {
		if f.def != "" {
			if err := f.set(&item, f.def); err != nil {
				panic("batchctl: the default of field " + f.name + " is refused: " + err.Error())
			}
		}
	}
	return item
}

// names lists the canonical names, required ones first, with the
// optional ones' defaults.
func (fs *fieldSet[T]) names() string {
	var req, opt []string
	for _, f := range fs.fields {
		switch {
		case f.required:
			req = append(req, f.name)
		case f.def != "":
			opt = append(opt, f.name+" (default "+f.def+")")
		default:
			opt = append(opt, f.name)
		}
	}
	s := strings.Join(req, ", ")
	if len(opt) > 0 {
		s += " (optional: " + strings.Join(opt, ", ") + ")"
	}
	return s
}

// store checks one value and stores it. Values are taken exactly as
// written: a value with spaces at either end is rejected rather than
// trimmed or sent ("Sales " is not the stack "Sales"), and so is text that
// is not valid UTF-8, which would otherwise be changed on its way to the
// service.
func (f *field[T]) store(item *T, v string) error {
	if !utf8.ValidString(v) {
		return errors.New("the value is not valid UTF-8")
	}
	if strings.TrimSpace(v) != v {
		return errors.New("the value has spaces at its start or end; batchctl does not trim values: remove them")
	}
	return f.set(item, v)
}

// record is one input record: its position in the input, the line it starts
// on, and the item, or the reason the line could not be read as one.
type record[T any] struct {
	// index is the record's position in the input, from 0, not counting the
	// CSV header and blank lines. Outcome files and --resume use it.
	index int
	// line is the line number the record starts on, from 1.
	line int
	item T
	// bad is set when the line is malformed; the item is then never sent.
	bad *batch.Error
	// raw is the record's text as read, with its line end, for
	// --failed-rows.
	raw []byte
}

// source reads records lazily.
type source[T any] interface {
	records() iter.Seq[record[T]]
	// Err reports why reading stopped before the end of the input, if it
	// did.
	Err() error
	// header is the raw header row (CSV) written at the top of a
	// --failed-rows file, or nil.
	header() []byte
	// unclosed reports a quote that was never closed, so that every line
	// after it was read as part of one value (CSV only).
	unclosed() *unclosedQuote
}

// unclosedQuote is a quote opened on line and never closed: lines line+1
// to end were read as part of its value, not as rows.
type unclosedQuote struct {
	line, end int
}

func (u *unclosedQuote) Error() string {
	return fmt.Sprintf("line %d: a quote opened on this line is never closed, so the %s after it (to line %d, the end of the input) were read as part of one value and not as rows",
		u.line, plural(int64(u.end-u.line), "line"), u.end)
}

// newSource returns the reader of format ("csv" or "jsonl") over r. A CSV
// source reads its header first and fails when it is unusable.
func newSource[T any](r io.Reader, format string, fs *fieldSet[T]) (source[T], error) {
	if format == "csv" {
		return newCSVSource(r, fs)
	}
	return newJSONLSource(r, fs), nil
}

// maxLine bounds a JSONL line. Longer lines are reported as malformed and
// skipped without being held in memory.
const maxLine = 1 << 20

// malformed returns the error of a line that could not be read as an item.
// The message names the line and, when known, the field, and never quotes
// a value.
func malformed(line int, fieldName, format string, args ...any) *batch.Error {
	msg := fmt.Sprintf("line %d: ", line)
	if fieldName != "" {
		msg += "field " + fieldName + ": "
	}
	return &batch.Error{Code: batch.CodeInvalidInput, Field: fieldName, Message: msg + fmt.Sprintf(format, args...)}
}

// recorder keeps the bytes read through it that the CSV reader has not
// finished with, so that each record's raw text can be cut out when
// csv.Reader.InputOffset reports where it ends.
type recorder struct {
	r     io.Reader
	buf   []byte
	start int   // buf[start:] is still wanted
	base  int64 // input offset of buf[0]
}

func (rc *recorder) Read(p []byte) (int, error) {
	n, err := rc.r.Read(p)
	rc.buf = append(rc.buf, p[:n]...)
	return n, err
}

// cut returns a copy of the input from the last cut to offset end, and
// forgets it.
func (rc *recorder) cut(end int64) []byte {
	i := int(end - rc.base)
	raw := bytes.Clone(rc.buf[rc.start:i])
	rc.start = i
	if rc.start > 64<<10 && rc.start > len(rc.buf)/2 {
		rc.buf = rc.buf[:copy(rc.buf, rc.buf[rc.start:])]
		rc.base += int64(rc.start)
		rc.start = 0
	}
	return raw
}

// csvSource reads CSV with a header row naming the columns.
type csvSource[T any] struct {
	fs      *fieldSet[T]
	rec     *recorder
	r       *csv.Reader
	head    []byte
	columns []int // field index of each column
	open    *unclosedQuote
	next    int // index of the next record
	err     error
}

// newCSVSource reads the header. It fails when the header is missing, names
// an unknown or repeated column, or lacks a required one.
func newCSVSource[T any](r io.Reader, fs *fieldSet[T]) (*csvSource[T], error) {
	rec := &recorder{r: r}
	cr := csv.NewReader(rec)
	cr.FieldsPerRecord = -1 // checked per record, so a bad line does not stop the rest
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the CSV input is empty: it needs a header row naming the columns")
	}
	if err != nil {
		return nil, fmt.Errorf("reading the CSV header: %w", err)
	}
	s := &csvSource[T]{fs: fs, rec: rec, r: cr, head: rec.cut(cr.InputOffset())}
	seen := make(map[int]bool)
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF") // a byte order mark from spreadsheet exports
		}
		fi, ok := fs.lookup(strings.TrimSpace(h))
		if !ok {
			return nil, fmt.Errorf("the CSV header names an unknown column %q; the columns are %s", clip(h), fs.names())
		}
		if seen[fi] {
			return nil, fmt.Errorf("the CSV header names column %s twice", fs.fields[fi].name)
		}
		seen[fi] = true
		s.columns = append(s.columns, fi)
	}
	for i, f := range fs.fields {
		if f.required && !seen[i] {
			return nil, fmt.Errorf("the CSV header lacks the required column %s; the columns are %s", f.name, fs.names())
		}
	}
	return s, nil
}

func (s *csvSource[T]) Err() error               { return s.err }
func (s *csvSource[T]) header() []byte           { return s.head }
func (s *csvSource[T]) unclosed() *unclosedQuote { return s.open }

// records reads the records not read yet: a second call goes on where
// the first stopped.
func (s *csvSource[T]) records() iter.Seq[record[T]] {
	return func(yield func(record[T]) bool) {
		var openQuote *unclosedQuote // set when the last record broke off inside quotes
		for {
			row, err := s.r.Read()
			if errors.Is(err, io.EOF) {
				s.open = openQuote
				return
			}
			openQuote = nil
			var pe *csv.ParseError
			if err != nil && !errors.As(err, &pe) {
				s.err = err
				return
			}
			rec := record[T]{index: s.next, raw: trimBlankLines(s.rec.cut(s.r.InputOffset()))}
			s.next++
			if pe != nil {
				rec.line = pe.StartLine
			} else {
				rec.line, _ = s.r.FieldPos(0)
			}
			// A record may run over several lines inside quotes. No value of
			// these operations holds a line break, so a record that does is
			// a quote left open, and the lines it swallowed are named.
			end := rec.line + bytes.Count(bytes.TrimRight(rec.raw, "\r\n"), []byte("\n"))
			switch {
			case pe != nil && errors.Is(pe.Err, csv.ErrQuote) && end > rec.line:
				// Either the input ends inside the quotes (known at the next
				// read), or a later quote closed them with text after it.
				openQuote = &unclosedQuote{line: rec.line, end: end}
				rec.bad = malformed(rec.line, "", "not valid CSV: a quote opened on this line is not closed properly, so lines %d to %d were read as part of this row", rec.line+1, end)
			case pe != nil:
				rec.bad = malformed(rec.line, "", "not valid CSV: %v", pe.Err)
			case end > rec.line:
				rec.bad = malformed(rec.line, "", "a quoted value runs over lines %d to %d (a quote left open?): values cannot hold line breaks, and lines %d to %d were read as part of this row", rec.line, end, rec.line+1, end)
			default:
				rec.item, rec.bad = s.parse(row, rec.line)
			}
			if !yield(rec) {
				return
			}
		}
	}
}

// trimBlankLines drops the empty lines the CSV reader skipped before a
// record.
func trimBlankLines(raw []byte) []byte {
	for {
		switch {
		case bytes.HasPrefix(raw, []byte("\n")):
			raw = raw[1:]
		case bytes.HasPrefix(raw, []byte("\r\n")):
			raw = raw[2:]
		default:
			return raw
		}
	}
}

func (s *csvSource[T]) parse(row []string, line int) (T, *batch.Error) {
	item := s.fs.newItem()
	if len(row) != len(s.columns) {
		return item, malformed(line, "", "the record has %d fields, the header has %d", len(row), len(s.columns))
	}
	for i, v := range row {
		f := &s.fs.fields[s.columns[i]]
		if f.list {
			// A list column holds values separated by ';'. Each value is
			// stored in turn; set appends.
			for part := range strings.SplitSeq(v, ";") {
				if err := f.store(&item, part); err != nil {
					return item, malformed(line, f.name, "%v", err)
				}
			}
			continue
		}
		if err := f.store(&item, v); err != nil {
			return item, malformed(line, f.name, "%v", err)
		}
	}
	return item, nil
}

// jsonlSource reads one JSON object per line. Blank lines are skipped and
// are not records.
type jsonlSource[T any] struct {
	fs    *fieldSet[T]
	r     *bufio.Reader
	index int // of the next record
	line  int // the last line read
	err   error
}

func newJSONLSource[T any](r io.Reader, fs *fieldSet[T]) *jsonlSource[T] {
	return &jsonlSource[T]{fs: fs, r: bufio.NewReaderSize(r, 64<<10)}
}

func (s *jsonlSource[T]) Err() error               { return s.err }
func (s *jsonlSource[T]) header() []byte           { return nil }
func (s *jsonlSource[T]) unclosed() *unclosedQuote { return nil }

// records reads the records not read yet: a second call goes on where
// the first stopped.
func (s *jsonlSource[T]) records() iter.Seq[record[T]] {
	return func(yield func(record[T]) bool) {
		var buf []byte
		for {
			s.line++
			line := s.line
			text, tooLong, err := readLine(s.r, buf[:0])
			buf = text
			if err != nil && !errors.Is(err, io.EOF) {
				s.err = err
				return
			}
			eof := err != nil
			text = bytes.TrimSpace(text)
			if len(text) > 0 || tooLong {
				rec := record[T]{index: s.index, line: line}
				s.index++
				if tooLong {
					rec.bad = malformed(line, "", "the line is longer than %d bytes", maxLine)
				} else {
					rec.raw = append(bytes.Clone(text), '\n')
					rec.item, rec.bad = s.parse(text, line)
				}
				if !yield(rec) {
					return
				}
			}
			if eof {
				return
			}
		}
	}
}

// readLine reads one line into buf without its end of line. A line longer
// than maxLine is consumed but not kept: tooLong is set. err is io.EOF at
// the end of the input, returned with the last line's text when it had no
// newline.
func readLine(r *bufio.Reader, buf []byte) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > maxLine+2 {
				tooLong, buf = true, buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		return buf, tooLong, err
	}
}

// parse reads one JSON object. Keys are read in order with a tokenizer, so
// that a key given twice is an error rather than silently overwritten, and
// each value must have its field's JSON type: nothing is coerced.
func (s *jsonlSource[T]) parse(text []byte, line int) (T, *batch.Error) {
	item := s.fs.newItem()
	if !utf8.Valid(text) {
		return item, malformed(line, "", "not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	invalid := func(err error) *batch.Error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return malformed(line, "", "not valid JSON at byte %d: %v", se.Offset, se)
		}
		return malformed(line, "", "not valid JSON: the line ends inside the object")
	}
	tok, err := dec.Token()
	if err != nil {
		return item, invalid(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return item, malformed(line, "", "not a JSON object")
	}
	given := make([]string, len(s.fs.fields)) // the key each field was given as
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return item, invalid(err)
		}
		k, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return item, invalid(err)
		}
		fi, ok := s.fs.lookup(k)
		if !ok {
			return item, malformed(line, "", "unknown field %q; the fields are %s", clip(k), s.fs.names())
		}
		f := &s.fs.fields[fi]
		if prev := given[fi]; prev != "" {
			if prev == k {
				return item, malformed(line, f.name, "given twice")
			}
			return item, malformed(line, f.name, "given twice, as %q and %q", clip(prev), clip(k))
		}
		given[fi] = k
		values, err := jsonValues(raw, f.kind, f.list)
		if err != nil {
			return item, malformed(line, f.name, "%v", err)
		}
		if values == nil && f.required {
			return item, malformed(line, f.name, "null; want %s", f.kind.want())
		}
		for _, v := range values {
			if err := f.store(&item, v); err != nil {
				return item, malformed(line, f.name, "%v", err)
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return item, invalid(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return item, malformed(line, "", "not valid JSON: more text after the object")
	}
	for i, f := range s.fs.fields {
		if f.required && given[i] == "" {
			return item, malformed(line, f.name, "missing")
		}
	}
	return item, nil
}

// jsonType names the JSON type of a value for error messages.
func jsonType(raw []byte) string {
	switch raw[0] {
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '[':
		return "an array"
	case '{':
		return "an object"
	}
	return "a number"
}

// jsonValues turns a JSON value into the strings set receives, checking
// its type against the field's: a string field takes a JSON string, a
// boolean field true or false, an integer field a whole number, and a list
// field a string or an array of strings. null is nothing (nil, nil).
func jsonValues(raw json.RawMessage, k kind, list bool) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, errors.New("empty value")
	}
	if raw[0] == 'n' {
		return nil, nil
	}
	if list && raw[0] == '[' {
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return nil, errors.New("not a valid JSON array")
		}
		out := make([]string, 0, len(elems))
		for i, e := range elems {
			if len(e) == 0 || e[0] != '"' {
				return nil, fmt.Errorf("element %d: want a string, got %s", i, jsonType(e))
			}
			var s string
			if err := json.Unmarshal(e, &s); err != nil {
				return nil, fmt.Errorf("element %d: not a valid JSON string", i)
			}
			out = append(out, s)
		}
		return out, nil
	}
	want := k.want()
	if list {
		want = "a string or an array of strings"
	}
	switch k {
	case kindBool:
		if s := string(raw); s == "true" || s == "false" {
			return []string{s}, nil
		}
	case kindInt:
		if raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9' {
			if _, err := strconv.ParseInt(string(raw), 10, 64); err != nil {
				return nil, errors.New("want a whole number")
			}
			return []string{string(raw)}, nil
		}
	default:
		if raw[0] == '"' {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, errors.New("not a valid JSON string")
			}
			return []string{s}, nil
		}
	}
	return nil, fmt.Errorf("want %s, got %s", want, jsonType(raw))
}

// clip shortens names quoted in messages.
func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	for i := n; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "..."
		}
	}
	return "..."
}
