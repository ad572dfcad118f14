package batch

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// isolationCost runs n items of one key, a share of them poison, through
// the scripted adapter and returns the calls sent and the poison items.
func isolationCost(t *testing.T, n int, rate float64, limit, inFlight, fraction int, seed uint64) (calls, poison, rejected int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	in := items(n, 1)
	for i := range in {
		if rng.Float64() < rate {
			in[i].Poison = true
			poison++
		}
	}
	a := newScripted(limit)
	r := mustRunner(t, a, func(o *Options) { o.MaxInFlight = inFlight })
	r.set.testFraction = fraction
	rep, err := r.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range rep.Outcomes {
		if (o.Status == StatusFailed) != in[i].Poison {
			t.Fatalf("item %d (poison %v): %v %v", i, in[i].Poison, o.Status, o.Err)
		}
	}
	return rep.Stats.Calls, poison, rep.Stats.Bisections
}

// TestIsolationCost simulates a steady stream with one bad item in 200
// (call counts, not time; one call in flight, so the counts are exact) and
// checks, at 25 items per call, the extra calls per bad item and the share
// of the ideal call count. Run with -v to see the comparison of test
// fractions behind testFraction (measured: one at a time 0.53, a quarter
// 0.66, half 0.64 of the ideal; at 100 items per call, where four calls in
// ten hold a bad item, all three stay near 0.15).
func TestIsolationCost(t *testing.T) {
	const n, rate = 40000, 0.005
	for _, limit := range []int{25, 100} {
		for _, fraction := range []int{1 << 20, testFraction, 2} {
			name := fmt.Sprintf("limit=%d/fraction=%d", limit, fraction)
			if fraction == 1<<20 {
				name = fmt.Sprintf("limit=%d/one-at-a-time", limit)
			}
			t.Run(name, func(t *testing.T) {
				var calls, poison, rejected int
				for seed := range uint64(3) {
					c, p, r := isolationCost(t, n, rate, limit, 1, fraction, seed)
					calls, poison, rejected = calls+c, poison+p, rejected+r
				}
				ideal := 3 * ((n + limit - 1) / limit)
				extra := float64(calls-ideal) / float64(poison)
				ratio := float64(ideal) / float64(calls)
				t.Logf("%d calls for %d ideal: %.2f extra calls per bad item (%.2f rejected), ratio %.3f", calls, ideal, extra, float64(rejected)/float64(poison), ratio)
				if limit == 25 && fraction == testFraction && (extra > 4.5 || ratio < 0.62) {
					t.Errorf("%.2f extra calls per bad item and ratio %.3f, want at most 4.5 and at least 0.62", extra, ratio)
				}
			})
		}
	}
}
