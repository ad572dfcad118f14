package batch

import (
	"context"
	"strconv"
	"sync/atomic"
)

// Adapter maps one AWS batch operation onto the engine. The adapter packages
// (appstream, chime, wickr, messaging) provide adapters; a [Runner] does the
// scheduling. An adapter never schedules, retries or sleeps, and the engine
// never knows a service.
//
// The engine calls Key, Identity and Validate from the goroutine running the
// run, and Call from up to [Options.MaxInFlight] goroutines at once, so Call
// must be safe for concurrent use.
type Adapter[T, R any] interface {
	// Operation names the API operation, for example "BatchCreateUser".
	Operation() string

	// MaxItems is the most items one call may carry. It must be positive.
	MaxItems() int

	// Key returns the call key of an item: items with different keys never
	// share a call. Operations without a key return "".
	Key(item T) string

	// Identity returns what identifies the item within its key, as the
	// service's answer names it. Two items with the same identity never share a
	// call, so every answer can be attributed. Identities may hold sensitive
	// values: the engine never logs them or puts them in errors.
	Identity(item T) string

	// Validate checks one item against the service model before anything is
	// sent. It returns nil or an error, ideally from [InvalidInput], naming
	// the field. An invalid item fails with [CodeInvalidInput] and is never
	// sent.
	Validate(item T) error

	// Call sends items, all with the given key, in one request. On an answer
	// it returns one Result per item, aligned with items. When the request
	// failed as a whole it returns the error, which the engine passes to
	// Classify. A result slice of the wrong length fails every item of the call
	// with [CodeUnmatched]; a panic inside Call fails every item of the call
	// with [CodeInternal] (the call may have been applied).
	Call(ctx context.Context, key string, items []T) ([]Result[R], error)

	// Classify turns an error returned by Call into a normalized [*Error] and
	// the scope of the failure. It is called only with non-nil errors that
	// are not the run's own cancellation.
	Classify(err error) (*Error, Scope)
}

// Result is the answer for one item of a call: Err is nil on success.
// Adapters return an Err with [CodeUnmatched] when the answer does not
// mention an item it should have.
type Result[R any] struct {
	Value R
	Err   *Error
}

// Scope says how far a call-level failure reaches.
type Scope uint8

const (
	// ScopeCall: the failure concerns this call only. Its items are sent
	// again if the error is retryable, and fail with it otherwise.
	ScopeCall Scope = iota
	// ScopeItems: the service rejected the call as a whole for bad input in
	// some item. The call's items become suspects, tested a part at a time
	// in calls filled with fresh items, until the offending items are proven
	// guilty; only they fail, with the service's error.
	ScopeItems
	// ScopeKey: the failure condemns every item of the call's key (the
	// account, network or channel does not exist or is forbidden). Every
	// pending and later item of the key fails with the error, without more
	// calls.
	ScopeKey
	// ScopeRun: the failure ends the run (credentials or signature were
	// refused). No more calls are sent; items not yet answered fail with the
	// error.
	ScopeRun
)

func (s Scope) String() string {
	switch s {
	case ScopeCall:
		return "call"
	case ScopeItems:
		return "items"
	case ScopeKey:
		return "key"
	case ScopeRun:
		return "run"
	}
	return "Scope(" + strconv.Itoa(int(s)) + ")"
}

type throttleKey struct{}

// SignalThrottle tells the run that owns ctx that the service throttled an
// HTTP attempt of the current call, even if the SDK retryer then retried it
// successfully. Adapters call it from the retryer hook they install for each
// call, so the adaptive send rate sees throttles the SDK hides. It does
// nothing when ctx does not come from a run.
func SignalThrottle(ctx context.Context) {
	if f, ok := ctx.Value(throttleKey{}).(func()); ok {
		f()
	}
}

type paceKey struct{}

// PaceRetry blocks until the send rate of the run that owns ctx lets the SDK
// retry an HTTP attempt of the current call that the service throttled; it
// returns ctx's error if ctx is done first. Adapters call it from the
// retryer hook they install for each call, before each such retry: while the
// service's bucket is empty, a retry at the SDK's backoff alone (tens of
// milliseconds) is throttled again, and a throttled call would cost its
// whole attempt budget; paced at the rate the throttle just lowered, it
// takes its turn with the run's other calls. A [Limiter] sees the retry as
// one more Wait. PaceRetry returns nil at once when ctx does not come from
// a run.
func PaceRetry(ctx context.Context) error {
	if f, ok := ctx.Value(paceKey{}).(func(context.Context) error); ok {
		return f(ctx)
	}
	return nil
}

type callIDKey struct{}

// lastCallID numbers the calls of every run of the process.
var lastCallID atomic.Uint64

// CallID returns the ID of the call whose context ctx is, and false when
// ctx does not come from a run. Every call a run sends to [Adapter.Call]
// gets an ID that no other call of any run of the process has, except a
// call the engine sends again as a whole after it failed retryably (a
// [ScopeCall] error): that call keeps the ID of the call it repeats, though
// it may carry fewer items (those out of attempts have failed). Operations
// with an idempotency token use it to tell such a resend, which must reuse
// the call's token so that the service replays its first answer, from a new
// call with the same items (an item duplicated in the input), which must
// not. The ID is valid until Call returns.
func CallID(ctx context.Context) (uint64, bool) {
	p, ok := ctx.Value(callIDKey{}).(*atomic.Uint64)
	if !ok {
		return 0, false
	}
	return p.Load(), true
}
