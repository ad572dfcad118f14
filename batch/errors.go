package batch

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Code is a normalized failure class. Adapters map each service's own error
// codes onto these, so callers can handle every operation the same way.
type Code string

// The normalized codes. The zero Code is never used in an [Error].
const (
	CodeInvalidInput  Code = "InvalidInput"  // the item or the request is malformed; permanent
	CodeNotFound      Code = "NotFound"      // a named resource does not exist
	CodeConflict      Code = "Conflict"      // the item conflicts with existing state (already exists)
	CodeForbidden     Code = "Forbidden"     // the caller may not do this
	CodeUnauthorized  Code = "Unauthorized"  // credentials or signature were refused
	CodeLimitExceeded Code = "LimitExceeded" // a service resource limit was reached
	CodeThrottled     Code = "Throttled"     // the service asked us to slow down
	CodeUnavailable   Code = "Unavailable"   // the service is temporarily unavailable
	CodeInternal      Code = "Internal"      // the service failed internally
	CodeUnmatched     Code = "Unmatched"     // the answer could not be attributed to the item
	CodeCanceled      Code = "Canceled"      // the run was canceled before the item got an answer
	CodeUnknown       Code = "Unknown"       // none of the above
)

// sentinel is the type of the Err* values. It is comparable, so errors.Is
// works on it by equality as well as through [Error.Is].
type sentinel Code

func (s sentinel) Error() string { return "batch: " + codeWords(Code(s)) }

// Sentinels for errors.Is, one per [Code]. An [*Error] matches the sentinel of
// its Code: errors.Is(err, batch.ErrThrottled) reports whether any failure
// inside err was a throttle.
var (
	ErrInvalidInput  error = sentinel(CodeInvalidInput)
	ErrNotFound      error = sentinel(CodeNotFound)
	ErrConflict      error = sentinel(CodeConflict)
	ErrForbidden     error = sentinel(CodeForbidden)
	ErrUnauthorized  error = sentinel(CodeUnauthorized)
	ErrLimitExceeded error = sentinel(CodeLimitExceeded)
	ErrThrottled     error = sentinel(CodeThrottled)
	ErrUnavailable   error = sentinel(CodeUnavailable)
	ErrInternal      error = sentinel(CodeInternal)
	ErrUnmatched     error = sentinel(CodeUnmatched)
	ErrCanceled      error = sentinel(CodeCanceled)
	ErrUnknown       error = sentinel(CodeUnknown)
)

// ErrNoItems is returned by [Runner.Run] and [Runner.Plan], and yielded by
// [Runner.Stream], when the input holds no items.
var ErrNoItems = errors.New("batch: no items to process")

func codeWords(c Code) string {
	switch c {
	case CodeInvalidInput:
		return "invalid input"
	case CodeNotFound:
		return "not found"
	case CodeLimitExceeded:
		return "limit exceeded"
	case "":
		return "unknown"
	}
	return strings.ToLower(string(c))
}

// Error is the one failure type batchkit reports, for an item or for a call.
// Adapters build it from the service's per-item error entries and from
// call-level errors; the engine builds it for validation, unmatched answers,
// cancellation and exhausted retries.
//
// Error strings never contain fields the service marks sensitive: adapters
// put only codes, field names and the service's message in them.
type Error struct {
	// Code is the normalized class of the failure.
	Code Code
	// ServiceCode is the service's own code (for example "USER_NAME_NOT_FOUND",
	// "ThrottledClientException"); empty when the failure did not come from
	// the service.
	ServiceCode string
	// Message is a human-readable description, usually the service's.
	Message string
	// Field names the input member at fault, when one is known.
	Field string
	// Retryable reports whether sending the item again may succeed.
	Retryable bool
	// Operation is the API operation, for example "BatchCreateUser".
	Operation string
	// RequestID is the AWS request ID of the call that failed, when known.
	RequestID string
	// Err is the underlying error, if any; reachable with errors.As.
	Err error
}

// Error formats the failure as "batch: <operation>: <code> (<service code>)
// [field <f>]: <message>".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("batch: ")
	if e.Operation != "" {
		b.WriteString(e.Operation)
		b.WriteString(": ")
	}
	b.WriteString(codeWords(e.Code))
	if e.ServiceCode != "" && e.ServiceCode != string(e.Code) {
		b.WriteString(" (")
		b.WriteString(e.ServiceCode)
		b.WriteString(")")
	}
	if e.Field != "" {
		b.WriteString(" in field ")
		b.WriteString(e.Field)
	}
	switch {
	case e.Message != "":
		b.WriteString(": ")
		b.WriteString(e.Message)
	case e.Err != nil:
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.RequestID != "" {
		b.WriteString(" (request id ")
		b.WriteString(e.RequestID)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel of e's Code.
func (e *Error) Is(target error) bool {
	s, ok := target.(sentinel)
	return ok && Code(s) == e.Code
}

// InvalidInput returns a non-retryable [CodeInvalidInput] error naming field.
// Adapters use it from [Adapter.Validate].
func InvalidInput(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalidInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// AsError returns err as an [*Error]: err itself when it is one (or wraps
// one), otherwise a new Error with [CodeUnknown] wrapping err. It returns nil
// for a nil err.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeUnknown, Err: err}
}

// ItemError is one failure of a run: the input index of the item, or -1 when
// the failure belongs to no single item, and its cause.
type ItemError struct {
	Index int
	Err   error
}

func (e *ItemError) Error() string {
	if e.Index < 0 {
		return e.Err.Error()
	}
	return "item " + strconv.Itoa(e.Index) + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *ItemError) Unwrap() error { return e.Err }

// RunError is the error of a run in which some items did not succeed. It is
// returned by [Report.Err]. errors.Is and errors.As look through every
// failure, so errors.Is(err, batch.ErrThrottled) reports whether any item
// failed on a throttle.
type RunError struct {
	// Failures lists each failed or canceled item in input order.
	Failures []*ItemError
	// Total is the number of items in the run.
	Total int
}

// maxListed bounds how many failures Error spells out.
const maxListed = 5

func (e *RunError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "batch: %d of %d items did not succeed", len(e.Failures), e.Total)
	for i, f := range e.Failures {
		if i == maxListed {
			fmt.Fprintf(&b, "; and %d more", len(e.Failures)-maxListed)
			break
		}
		b.WriteString("; ")
		b.WriteString(f.Error())
	}
	return b.String()
}

// Unwrap returns every failure, for errors.Is and errors.As.
func (e *RunError) Unwrap() []error {
	errs := make([]error, len(e.Failures))
	for i, f := range e.Failures {
		errs[i] = f
	}
	return errs
}
