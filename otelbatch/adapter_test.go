package otelbatch_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batchkit/batchkit/batch"
)

// greeter is a small adapter for the tests, after the one in batch's
// examples: it "greets" names in calls of at most three, grouped by
// language. A prefix scripts a name's fate:
//
//	x-  fails permanently with NotFound, in a message that quotes the name
//	r-  fails retryably (Unavailable) inside the answer the first time
//	t-  is throttled inside the answer the first time
//	s-  makes its first call signal a throttle the SDK retried (SignalThrottle)
//	b-  makes its first call fail as a whole, retryably
//
// Anything else succeeds. Fates depend only on names and on how often each
// name was sent, never on timing, so every count a test checks is exact.
type greeter struct {
	mu   sync.Mutex
	sent map[string]int // sends per name
}

type greeting struct{ Lang, Name string }

func newGreeter() *greeter { return &greeter{sent: make(map[string]int)} }

func (*greeter) Operation() string          { return "BatchGreet" }
func (*greeter) MaxItems() int              { return 3 }
func (*greeter) Key(g greeting) string      { return g.Lang }
func (*greeter) Identity(g greeting) string { return g.Name }

func (*greeter) Validate(g greeting) error {
	if g.Name == "" {
		return batch.InvalidInput("Name", "name is required")
	}
	return nil
}

// errBoom is the call-level failure of names starting with b.
var errBoom = &boomError{}

type boomError struct{}

func (*boomError) Error() string { return "greeter unavailable" }

func (*greeter) Classify(err error) (*batch.Error, batch.Scope) {
	if errors.Is(err, errBoom) {
		return &batch.Error{Code: batch.CodeUnavailable, Retryable: true, Err: err}, batch.ScopeCall
	}
	return &batch.Error{Code: batch.CodeUnknown, Err: err}, batch.ScopeCall
}

func (a *greeter) Call(ctx context.Context, lang string, items []greeting) ([]batch.Result[string], error) {
	a.mu.Lock()
	first := make([]bool, len(items))
	for i, g := range items {
		a.sent[g.Name]++
		first[i] = a.sent[g.Name] == 1
	}
	a.mu.Unlock()
	for i, g := range items {
		if first[i] && strings.HasPrefix(g.Name, "b-") {
			return nil, errBoom
		}
		if first[i] && strings.HasPrefix(g.Name, "s-") {
			batch.SignalThrottle(ctx)
		}
	}
	out := make([]batch.Result[string], len(items))
	for i, g := range items {
		switch {
		case strings.HasPrefix(g.Name, "x-"):
			out[i].Err = &batch.Error{Code: batch.CodeNotFound, ServiceCode: "NO_SUCH_NAME", Message: "no one named " + g.Name}
		case first[i] && strings.HasPrefix(g.Name, "r-"):
			out[i].Err = &batch.Error{Code: batch.CodeUnavailable, ServiceCode: "TRY_AGAIN", Message: "busy greeting " + g.Name, Retryable: true}
		case first[i] && strings.HasPrefix(g.Name, "t-"):
			out[i].Err = &batch.Error{Code: batch.CodeThrottled, ServiceCode: "SLOW_DOWN", Message: "too many greetings for " + g.Name, Retryable: true}
		default:
			out[i].Value = "hello " + g.Name
		}
	}
	return out, nil
}

// stepClock is a run clock that never waits: After fires at once and moves
// time on by the wait, and Now moves it on by a millisecond, so every call
// has a positive Elapsed. Backoff and send-rate waits cost no real time, and
// nothing the tests check depends on the real clock.
type stepClock struct{ ns atomic.Int64 }

func (c *stepClock) Now() time.Time {
	return time.Unix(0, c.ns.Add(int64(time.Millisecond)))
}

func (c *stepClock) After(d time.Duration) (<-chan time.Time, func()) {
	ch := make(chan time.Time, 1)
	ch <- time.Unix(0, c.ns.Add(int64(d)))
	return ch, func() {}
}
