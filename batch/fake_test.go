package batch

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// item is the input of the scripted adapter: a key, an identity and a
// script of what the service does with it.
type item struct {
	Key string
	ID  string
	// Fail lists, per attempt, the code the service answers for the item
	// inside a 200; an empty string or a missing entry means success.
	Fail []Code
	// Poison makes any call holding the item fail as a whole (ScopeItems).
	Poison bool
	// Invalid fails validation.
	Invalid bool
}

// callRecord is what the scripted adapter saw in one call.
type callRecord struct {
	Key string
	IDs []string
}

// scripted is an in-memory adapter whose answers follow each item's script
// and an optional per-call hook. It records every call.
type scripted struct {
	max int

	mu       sync.Mutex
	calls    []callRecord
	attempts map[string]int // per key/id

	inFlight, peak atomic.Int64

	// onCall, when set, decides the whole call's fate before items are
	// answered: a non-nil error is returned as the call-level error.
	onCall func(ctx context.Context, key string, items []item) error
	// scope maps call-level errors to scopes.
	scope func(err error) (*Error, Scope)
	// results, when set, replaces the per-item answer.
	results func(items []item) ([]Result[string], error)
}

func newScripted(max int) *scripted {
	return &scripted{max: max, attempts: make(map[string]int)}
}

func (s *scripted) Operation() string       { return "Scripted" }
func (s *scripted) MaxItems() int           { return s.max }
func (s *scripted) Key(it item) string      { return it.Key }
func (s *scripted) Identity(it item) string { return it.ID }

func (s *scripted) Validate(it item) error {
	if it.Invalid {
		return InvalidInput("ID", "item %s is marked invalid", it.ID)
	}
	return nil
}

var errPoison = errors.New("poison in call")

func (s *scripted) Call(ctx context.Context, key string, items []item) ([]Result[string], error) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		p := s.peak.Load()
		if n <= p || s.peak.CompareAndSwap(p, n) {
			break
		}
	}
	rec := callRecord{Key: key}
	for _, it := range items {
		rec.IDs = append(rec.IDs, it.ID)
	}
	s.mu.Lock()
	s.calls = append(s.calls, rec)
	s.mu.Unlock()
	if s.onCall != nil {
		if err := s.onCall(ctx, key, items); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, it := range items {
		if it.Poison {
			return nil, errPoison
		}
	}
	if s.results != nil {
		return s.results(items)
	}
	out := make([]Result[string], len(items))
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, it := range items {
		k := it.Key + "/" + it.ID
		a := s.attempts[k]
		s.attempts[k] = a + 1
		if a < len(it.Fail) && it.Fail[a] != "" {
			c := it.Fail[a]
			out[i].Err = &Error{Code: c, ServiceCode: "S_" + string(c), Retryable: c == CodeThrottled || c == CodeInternal || c == CodeUnavailable}
			continue
		}
		out[i].Value = "ok:" + it.ID
	}
	return out, nil
}

func (s *scripted) Classify(err error) (*Error, Scope) {
	if s.scope != nil {
		return s.scope(err)
	}
	if errors.Is(err, errPoison) {
		return &Error{Code: CodeInvalidInput, ServiceCode: "ValidationException", Err: err}, ScopeItems
	}
	var e *Error
	if errors.As(err, &e) {
		return e, ScopeCall
	}
	return &Error{Code: CodeUnknown, Err: err}, ScopeCall
}

// answered returns how many answered calls carried it.
func (s *scripted) answered(it item) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[it.Key+"/"+it.ID]
}

func (s *scripted) callLog() []callRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]callRecord(nil), s.calls...)
}

// fastOpts keeps backoff tiny so tests with retries run quickly.
func fastOpts(o *Options) {
	o.BackoffBase = 100 * time.Microsecond
	o.BackoffMax = time.Millisecond
	o.Rand = rand.NewPCG(1, 2)
	// Scripted throttles come at random, not from the send rate; a high
	// floor keeps the rate control from slowing tests down.
	o.MinRate = 20000
}

func items(n int, keys int) []item {
	out := make([]item, n)
	for i := range out {
		out[i] = item{Key: "k" + strconv.Itoa(i%max(keys, 1)), ID: fmt.Sprintf("id%d", i)}
	}
	return out
}

// throttleRates records the rates Hooks.OnThrottle reports (hook is safe
// for concurrent use); read all once the run has returned.
type throttleRates struct {
	mu  sync.Mutex
	all []float64
}

func (r *throttleRates) hook(ti ThrottleInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, ti.Rate)
}
