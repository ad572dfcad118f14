package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// scenario is one set of service conditions.
type scenario struct {
	name string
	// items is the default number of items (runner and errgroup).
	items int
	// quota uses the configured quota, times quotaShare when that is set.
	quota      bool
	quotaShare float64
	// change multiplies the quota once half of the items have their fate;
	// zero leaves it.
	change float64
	// itemFailureRate is the share of items answered with a retryable error
	// inside a 200.
	itemFailureRate float64
	// poisonRate is the share of items that make their call fail validation.
	poisonRate float64
	// runners, when set, splits the items between that many runners, each
	// a process of its own with its own client, against the one quota; the
	// scenario then runs its own strategies (sharedStrategies), not
	// allStrategies, and only when named (it needs Redis and the go tool).
	runners int
}

// scenarios are the scenarios in the order they run. Item counts make each
// runner or errgroup run take a few seconds at the ideal rate with the
// default latency, quota and concurrency.
var scenarios = []scenario{
	{name: "no-quota", items: 60000},
	{name: "quota", items: 20000, quota: true},
	{name: "quota-halves", items: 20000, quota: true, change: 0.5},
	{name: "quota-doubles", items: 30000, quota: true, change: 2},
	// A twentieth of the quota, 5 calls/s by default: below what one call
	// in flight sends (50 calls/s at 20 ms).
	{name: "quota-low", items: 5000, quota: true, quotaShare: 0.05},
	{name: "item-failures", items: 60000, itemFailureRate: 0.02},
	{name: "poison", items: 40000, poisonRate: 0.005},
	// Twice the quota, 200 calls/s by default, shared by 4 runners that
	// could send 1,600 calls/s between them: each runner alone would find
	// room for several times its share.
	{name: "shared-quota", items: 40000, quota: true, quotaShare: 2, runners: 4},
}

// scenarioNames lists every scenario.
func scenarioNames() []string {
	names := make([]string, len(scenarios))
	for i, sc := range scenarios {
		names[i] = sc.name
	}
	return names
}

// defaultScenarioNames lists the scenarios run when none is named: all but
// those of several runners.
func defaultScenarioNames() []string {
	var names []string
	for _, sc := range scenarios {
		if sc.runners == 0 {
			names = append(names, sc.name)
		}
	}
	return names
}

// strategies are the strategies the scenario runs, in order.
func (sc scenario) strategies() []string {
	if sc.runners > 0 {
		return sharedStrategies
	}
	return allStrategies
}

func findScenario(name string) (scenario, bool) {
	i := slices.IndexFunc(scenarios, func(sc scenario) bool { return sc.name == name })
	if i < 0 {
		return scenario{}, false
	}
	return scenarios[i], true
}

// idealCalls is the ideal call rate: min(concurrency / latency, quota),
// where a zero quota is no limit and a zero latency no bound.
func idealCalls(concurrency int, latency time.Duration, quota float64) float64 {
	c := math.Inf(1)
	if latency > 0 {
		c = float64(concurrency) / latency.Seconds()
	}
	if quota > 0 {
		c = math.Min(c, quota)
	}
	return c
}

// quotaOf returns the scenario's starting quota in calls per second; 0 is
// none.
func (sc scenario) quotaOf(cfg *config) float64 {
	switch {
	case !sc.quota:
		return 0
	case sc.quotaShare > 0:
		return cfg.quota * sc.quotaShare
	}
	return cfg.quota
}

// ideal returns the ideal items per second of the scenario: the ideal call
// rate times the items per call. When the quota changes after half of the
// items, the ideal spends half of the items at each rate. Several runners
// have the concurrency each.
func (sc scenario) ideal(cfg *config, perCall int) float64 {
	q := sc.quotaOf(cfg)
	full := idealCalls(cfg.concurrency*max(sc.runners, 1), cfg.latency, q)
	if sc.change == 0 || q == 0 {
		return full * float64(perCall)
	}
	after := idealCalls(cfg.concurrency, cfg.latency, q*sc.change)
	return float64(perCall) / (0.5/full + 0.5/after)
}

// poisonIndexes picks round(rate × n) distinct items, at least one when
// rate is positive, deterministically from seed; sorted.
func poisonIndexes(n int, rate float64, seed int64) []int {
	if rate <= 0 || n == 0 {
		return nil
	}
	k := min(n, max(1, int(math.Round(rate*float64(n)))))
	r := rand.New(rand.NewPCG(uint64(seed), uint64(n)))
	idx := r.Perm(n)[:k]
	slices.Sort(idx)
	return idx
}
