package conformance

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/awsfake"
)

// Engine settings every run of the suite uses, so that retries and rate
// control cost next to nothing.
const (
	backoffBase = time.Millisecond
	backoffMax  = 4 * time.Millisecond
	minRate     = 1000
	maxInFlight = 4
	// runTimeout bounds every run, so that a hung run fails the subtest
	// instead of the whole test binary.
	runTimeout = 30 * time.Second
)

// suite holds the harness for the subtests.
type suite[T, R any] struct {
	h Harness[T, R]
}

// env is one subtest's state: its test and the kits it started, closed at
// its end.
type env[T, R any] struct {
	t    *testing.T
	kits *[]*Kit[T, R] // shared with the envs of nested subtests
}

// sub returns the env of a subtest t nested in e's: its kits are closed
// with e's.
func (e *env[T, R]) sub(t *testing.T) *env[T, R] {
	return &env[T, R]{t: t, kits: e.kits}
}

// run runs one subtest body and then closes its kits and checks that no
// goroutine started during the subtest is left.
func (s *suite[T, R]) run(t *testing.T, fn func(*testing.T, *env[T, R])) {
	ignore := goleak.IgnoreCurrent()
	e := &env[T, R]{t: t, kits: new([]*Kit[T, R])}
	defer func() {
		e.closeAll()
		goleak.VerifyNone(t, ignore)
	}()
	fn(t, e)
}

func (e *env[T, R]) closeAll() {
	for _, k := range *e.kits {
		k.Close()
	}
}

// kit starts a kit for setup and checks that it matches.
func (s *suite[T, R]) kit(e *env[T, R], setup Setup) *Kit[T, R] {
	t := e.t
	t.Helper()
	setup.Faults.Poison = append([]string(nil), setup.Faults.Poison...)
	k := s.h.NewKit(t, setup)
	require.NotNil(t, k, "conformance: NewKit returned nil")
	*e.kits = append(*e.kits, k)
	switch {
	case k.Adapter == nil:
		t.Fatal("conformance: Kit.Adapter is nil")
	case k.Requests == nil || k.Close == nil || k.SetFaults == nil:
		t.Fatal("conformance: Kit.Requests, Kit.SetFaults and Kit.Close are required")
	case len(k.Items) != setup.Items || len(k.Poison) != setup.Poison || len(k.Unknown) != setup.Unknown:
		t.Fatalf("conformance: kit holds %d items, %d poison, %d unknown; want %d, %d, %d",
			len(k.Items), len(k.Poison), len(k.Unknown), setup.Items, setup.Poison, setup.Unknown)
	case k.Adapter.MaxItems() != s.h.MaxItems:
		t.Fatalf("conformance: adapter MaxItems is %d, Harness.MaxItems %d", k.Adapter.MaxItems(), s.h.MaxItems)
	}
	seen := make(map[string]int)
	for _, group := range [][]T{k.Items, k.Poison, k.Unknown} {
		for _, it := range group {
			seen[tagOf(k.Adapter, it)]++
		}
	}
	for tag, n := range seen {
		if n > 1 {
			t.Fatalf("conformance: the kit's items share the key and identity %q", tag)
		}
	}
	return k
}

// runner builds a runner over k's adapter with the suite's fast settings,
// then Harness.Options, then extra.
func (s *suite[T, R]) runner(e *env[T, R], k *Kit[T, R], seed uint64, extra ...func(*batch.Options)) *batch.Runner[T, R] {
	e.t.Helper()
	fns := []func(*batch.Options){func(o *batch.Options) {
		o.BackoffBase = backoffBase
		o.BackoffMax = backoffMax
		o.MinRate = minRate
		o.MaxInFlight = maxInFlight
		o.Rand = rand.NewPCG(seed, 0x636f6e66)
	}}
	if s.h.Options != nil {
		fns = append(fns, s.h.Options)
	}
	fns = append(fns, extra...)
	r, err := batch.New(k.Adapter, fns...)
	require.NoError(e.t, err, "conformance: batch.New")
	return r
}

// runCtx returns the context of one run, bounded by runTimeout.
func runCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), runTimeout)
}

// tagOf is the (key, identity) pair of an item, which the suite uses to
// find items in the request log.
func tagOf[T, R any](a batch.Adapter[T, R], item T) string {
	return a.Key(item) + "\x00" + a.Identity(item)
}

// sentLog is a kit's request log with the items of each request.
type sentLog struct {
	reqs []awsfake.Request
	tags [][]string // tags[i] are the tags of the items reqs[i] carried
}

// log closes k and decodes its request log. A request the client abandoned
// while sending it (awsfake.FaultCanceled) may have been logged with part of
// its body; when Harness.Sent cannot decode it, it counts as carrying
// nothing.
func (s *suite[T, R]) log(e *env[T, R], k *Kit[T, R]) *sentLog {
	e.t.Helper()
	k.Close()
	l := &sentLog{reqs: k.Requests()}
	l.tags = make([][]string, len(l.reqs))
	for i, r := range l.reqs {
		items, err := s.h.Sent(r)
		if err != nil && r.Fault == awsfake.FaultCanceled {
			continue
		}
		require.NoError(e.t, err, "conformance: Harness.Sent: request %d (%s %s)", r.Seq, r.Method, r.Path)
		for _, it := range items {
			l.tags[i] = append(l.tags[i], tagOf(k.Adapter, it))
		}
	}
	return l
}

// count returns how many requests carried each tag.
func (l *sentLog) count() map[string]int {
	n := make(map[string]int)
	for _, tags := range l.tags {
		for _, tag := range tags {
			n[tag]++
		}
	}
	return n
}

// serverFaults are the Request.Fault values of requests the fake server
// itself refused, dropped, corrupted or lost, before or instead of the
// kit's answer.
var serverFaults = map[string]bool{
	awsfake.KindSignature.String():   true,
	awsfake.KindMissingAuth.String(): true,
	awsfake.KindUnknownKey.String():  true,
	awsfake.KindThrottle.String():    true,
	awsfake.KindInternal.String():    true,
	awsfake.FaultDrop:                true,
	awsfake.FaultMalformed:           true,
	awsfake.FaultCanceled:            true,
}

// answered reports whether the kit's own answer to r reached the client
// unaltered.
// eliminated reports whether the log proves the item with tag guilty by
// elimination: the kit answered a request carrying it with a 4xx, and
// accepted (answered 200) every other item of that request in some request.
func (l *sentLog) eliminated(tag string) bool {
	accepted := make(map[string]bool)
	for j := range l.reqs {
		if answered(&l.reqs[j]) && l.reqs[j].Status == 200 {
			for _, t := range l.tags[j] {
				accepted[t] = true
			}
		}
	}
	for j := range l.reqs {
		r := &l.reqs[j]
		if !answered(r) || r.Status < 400 || r.Status >= 500 || !slices.Contains(l.tags[j], tag) {
			continue
		}
		if !slices.ContainsFunc(l.tags[j], func(t string) bool { return t != tag && !accepted[t] }) {
			return true
		}
	}
	return false
}

func answered(r *awsfake.Request) bool {
	return r.Status != 0 && !serverFaults[r.Fault]
}
