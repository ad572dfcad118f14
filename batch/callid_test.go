package batch

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestCallIDKeptOnlyByResends checks CallID: a call sent again as a whole
// after a retryable failure carries the ID of the call it repeats, and every
// other call, test calls of suspects included, a new one.
func TestCallIDKeptOnlyByResends(t *testing.T) {
	if _, ok := CallID(context.Background()); ok {
		t.Fatal("CallID of a context not from a run reports an ID")
	}
	type sent struct {
		id   uint64
		ids  string
		lost bool
	}
	var mu sync.Mutex
	var log []sent
	var n atomic.Int64
	a := newScripted(4)
	a.onCall = func(ctx context.Context, key string, items []item) error {
		id, ok := CallID(ctx)
		if !ok || id == 0 {
			return fmt.Errorf("call without an ID")
		}
		ids := ""
		for _, it := range items {
			ids += it.ID + " "
		}
		lost := n.Add(1)%3 == 1 // every third call loses its answer
		mu.Lock()
		log = append(log, sent{id, ids, lost})
		mu.Unlock()
		if lost {
			return errConnReset
		}
		return nil
	}
	a.scope = func(err error) (*Error, Scope) {
		if err == errPoison {
			return &Error{Code: CodeInvalidInput, Err: err}, ScopeItems
		}
		return &Error{Code: CodeUnavailable, Retryable: true, Err: err}, ScopeCall
	}
	in := items(40, 2)
	in[5].Poison = true // its call's items are tested in new calls
	rep, err := mustRunner(t, a, func(o *Options) { o.MaxInFlight = 2; o.MaxAttempts = 10 }).Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkLedger(t, in, rep)
	first := map[uint64]int{} // ID -> index in log of its first call
	resends := 0
	for i, s := range log {
		j, seen := first[s.id]
		if !seen {
			first[s.id] = i
			continue
		}
		resends++
		// A resend carries the call's items, less those that failed in
		// between (out of attempts, or proven bad by elimination).
		if !log[j].lost || !subset(s.ids, log[j].ids) {
			t.Errorf("call %d (%s) has the ID of call %d (%s, lost %v), but is no resend of it", i, s.ids, j, log[j].ids, log[j].lost)
		}
	}
	if resends == 0 || rep.Stats.Bisections == 0 {
		t.Fatalf("%d resends, %d bisections: the test exercises nothing", resends, rep.Stats.Bisections)
	}
}

// subset reports whether every space-separated identity in a is in b.
func subset(a, b string) bool {
	have := map[string]bool{}
	for _, id := range strings.Fields(b) {
		have[id] = true
	}
	for _, id := range strings.Fields(a) {
		if !have[id] {
			return false
		}
	}
	return true
}
