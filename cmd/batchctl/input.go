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
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/batchkit/batchkit/batch"
)

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
	// list fields accept a JSON array of strings, or several values
	// separated by ';' in CSV.
	list bool
	// set stores v into item. Its error must not quote v: values may be
	// sensitive.
	set func(item *T, v string) error
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

// names lists the canonical names, required ones first.
func (fs *fieldSet[T]) names() string {
	var req, opt []string
	for _, f := range fs.fields {
		if f.required {
			req = append(req, f.name)
		} else {
			opt = append(opt, f.name)
		}
	}
	s := strings.Join(req, ", ")
	if len(opt) > 0 {
		s += " (optional: " + strings.Join(opt, ", ") + ")"
	}
	return s
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
}

// source reads records lazily. Err reports why reading stopped early, if
// it did.
type source[T any] interface {
	records() iter.Seq[record[T]]
	Err() error
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

// csvSource reads CSV with a header row naming the columns.
type csvSource[T any] struct {
	fs      *fieldSet[T]
	r       *csv.Reader
	columns []int // field index of each column
	err     error
}

// newCSVSource reads the header. It fails when the header is missing, names
// an unknown or repeated column, or lacks a required one.
func newCSVSource[T any](r io.Reader, fs *fieldSet[T]) (*csvSource[T], error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked per record, so a bad line does not stop the rest
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the CSV input is empty: it needs a header row naming the columns")
	}
	if err != nil {
		return nil, fmt.Errorf("reading the CSV header: %w", err)
	}
	s := &csvSource[T]{fs: fs, r: cr}
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

func (s *csvSource[T]) Err() error { return s.err }

func (s *csvSource[T]) records() iter.Seq[record[T]] {
	return func(yield func(record[T]) bool) {
		for index := 0; ; index++ {
			row, err := s.r.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			var rec record[T]
			rec.index = index
			var pe *csv.ParseError
			switch {
			case errors.As(err, &pe):
				rec.line = pe.StartLine
				rec.bad = malformed(pe.StartLine, "", "not valid CSV: %v", pe.Err)
			case err != nil:
				s.err = err
				return
			default:
				rec.line, _ = s.r.FieldPos(0)
				rec.item, rec.bad = s.parse(row, rec.line)
			}
			if !yield(rec) {
				return
			}
		}
	}
}

func (s *csvSource[T]) parse(row []string, line int) (T, *batch.Error) {
	var item T
	if len(row) != len(s.columns) {
		return item, malformed(line, "", "the record has %d fields, the header has %d", len(row), len(s.columns))
	}
	for i, v := range row {
		f := &s.fs.fields[s.columns[i]]
		if f.list {
			// A list column holds values separated by ';'. Each value is
			// stored in turn; set appends.
			for part := range strings.SplitSeq(v, ";") {
				if err := f.set(&item, part); err != nil {
					return item, malformed(line, f.name, "%v", err)
				}
			}
			continue
		}
		if err := f.set(&item, v); err != nil {
			return item, malformed(line, f.name, "%v", err)
		}
	}
	return item, nil
}

// jsonlSource reads one JSON object per line. Blank lines are skipped and
// are not records.
type jsonlSource[T any] struct {
	fs  *fieldSet[T]
	r   *bufio.Reader
	err error
}

func newJSONLSource[T any](r io.Reader, fs *fieldSet[T]) *jsonlSource[T] {
	return &jsonlSource[T]{fs: fs, r: bufio.NewReaderSize(r, 64<<10)}
}

func (s *jsonlSource[T]) Err() error { return s.err }

func (s *jsonlSource[T]) records() iter.Seq[record[T]] {
	return func(yield func(record[T]) bool) {
		var buf []byte
		index := 0
		for line := 1; ; line++ {
			text, tooLong, err := readLine(s.r, buf[:0])
			buf = text
			if err != nil && !errors.Is(err, io.EOF) {
				s.err = err
				return
			}
			eof := err != nil
			text = bytes.TrimSpace(text)
			if len(text) > 0 || tooLong {
				rec := record[T]{index: index, line: line}
				index++
				if tooLong {
					rec.bad = malformed(line, "", "the line is longer than %d bytes", maxLine)
				} else {
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

func (s *jsonlSource[T]) parse(text []byte, line int) (T, *batch.Error) {
	var item T
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(text, &obj); err != nil || obj == nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return item, malformed(line, "", "not valid JSON at byte %d: %v", se.Offset, se)
		default:
			return item, malformed(line, "", "not a JSON object")
		}
	}
	seen := make([]bool, len(s.fs.fields))
	// Visit keys in a fixed order so that the first error reported does
	// not depend on map iteration.
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fi, ok := s.fs.lookup(k)
		if !ok {
			return item, malformed(line, "", "unknown field %q; the fields are %s", clip(k), s.fs.names())
		}
		f := &s.fs.fields[fi]
		if seen[fi] {
			return item, malformed(line, f.name, "given twice")
		}
		seen[fi] = true
		values, err := jsonValues(obj[k], f.list)
		if err != nil {
			return item, malformed(line, f.name, "%v", err)
		}
		for _, v := range values {
			if err := f.set(&item, v); err != nil {
				return item, malformed(line, f.name, "%v", err)
			}
		}
	}
	for i, f := range s.fs.fields {
		if f.required && !seen[i] {
			return item, malformed(line, f.name, "missing")
		}
	}
	return item, nil
}

// jsonValues turns a JSON value into the strings set receives: a string as
// it is, a number or a boolean as its JSON text, null as nothing, and, for
// list fields, each string of an array.
func jsonValues(raw json.RawMessage, list bool) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, errors.New("empty value")
	}
	switch raw[0] {
	case 'n':
		return nil, nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errors.New("not a valid JSON string")
		}
		return []string{s}, nil
	case '[':
		if !list {
			return nil, errors.New("want a single value, got an array")
		}
		var ss []string
		if err := json.Unmarshal(raw, &ss); err != nil {
			return nil, errors.New("want an array of strings")
		}
		return ss, nil
	case '{':
		return nil, errors.New("want a single value, got an object")
	}
	return []string{string(raw)}, nil
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
