package batch

import (
	"math"
	"testing"
	"time"
)

func newTestRate(o Options) *adaptiveRate {
	s, err := newSettings(o, 25)
	if err != nil {
		panic(err)
	}
	return newAdaptiveRate(&s)
}

// drive sends and completes n calls at the given rate from t, and returns
// the time after the last one.
// limited says whether each call waited for the send rate.
func drive(a *adaptiveRate, t time.Time, n int, perSecond float64, weight float64, limited bool) time.Time {
	step := time.Duration(float64(time.Second) / perSecond)
	for range n {
		seq := a.noteSend(t)
		t = t.Add(step)
		a.completed(t, seq, 10*time.Millisecond, weight, limited)
	}
	return t
}

func TestRateFirstCutFromMeasuredRate(t *testing.T) {
	a := newTestRate(Options{}) // unlimited until the first throttle
	t0 := time.Unix(0, 0)
	t1 := drive(a, t0, 40, 200, 0, false) // 200 calls/s go out and succeed
	seq := a.noteSend(t1)
	r, cut := a.completed(t1, seq, 10*time.Millisecond, 1, false)
	if !cut || r < 135 || r > 141 {
		t.Fatalf("first throttle at 200 calls/s: rate %v cut %v, want about 140 (0.7 × 200)", r, cut)
	}
	// Afterwards cuts start from the current rate.
	t2 := t1.Add(time.Second)
	r2, _ := a.throttle(t2, a.noteSend(t2))
	if r2 < 0.69*r || r2 > 0.71*r {
		t.Fatalf("second cut: %v, want 0.7 × %v", r2, r)
	}
}

func TestRateIgnoresIdleSpells(t *testing.T) {
	a := newTestRate(Options{})
	t1 := drive(a, time.Unix(0, 0), 10, 200, 0, false)
	t2 := drive(a, t1.Add(30*time.Second), 10, 200, 0, false) // long pause, then 200 calls/s again
	r, _ := a.throttle(t2, a.noteSend(t2))
	if r < 120 {
		t.Fatalf("rate %v after a pause, want about 140: the pause is not a low rate", r)
	}
}

func TestRateOneCutPerRoundTrip(t *testing.T) {
	a := newTestRate(Options{Rate: 100})
	t0 := time.Unix(0, 0)
	var seqs []int
	for range 8 {
		seqs = append(seqs, a.noteSend(t0))
	}
	r1, cut1 := a.throttle(t0, seqs[0])
	r2, cut2 := a.completed(t0, seqs[5], time.Millisecond, 1, true) // sent before the cut
	if !cut1 || cut2 || r2 != r1 {
		t.Fatalf("cuts: first %v (rate %v), same round trip %v (rate %v); want only the first", cut1, r1, cut2, r2)
	}
	later := a.noteSend(t0)
	if _, cut := a.throttle(t0.Add(time.Millisecond/2), later); cut {
		t.Fatalf("a throttle within a round trip of the cut cut again")
	}
	if r3, cut3 := a.throttle(t0.Add(2*time.Millisecond), later); !cut3 || r3 >= r1 {
		t.Fatalf("a call sent after the cut, a round trip later: cut %v rate %v, want a further cut below %v", cut3, r3, r1)
	}
}

func TestRateItemThrottlesWeighted(t *testing.T) {
	a := newTestRate(Options{Rate: 100})
	seq := a.noteSend(time.Unix(0, 0))
	r, cut := a.completed(time.Unix(0, 0), seq, time.Millisecond, 0.05, true)
	if !cut || r < 98 || r > 99 {
		t.Fatalf("one throttled item in twenty: rate %v cut %v, want a 1.5%% cut to 98.5", r, cut)
	}
	// Random item throttles on every tenth call must not drive the rate
	// to its floor.
	t0 := time.Unix(10, 0)
	for range 100 {
		t0 = drive(a, t0, 9, a.cur, 0, true)
		t0 = drive(a, t0, 1, a.cur, 0.05, true)
	}
	if a.cur < 90 {
		t.Errorf("after 1000 calls with sparse item throttles the rate is %v, want it near 100", a.cur)
	}
}

func TestRateGrowsOnlyWhenLimiting(t *testing.T) {
	a := newTestRate(Options{Rate: 100})
	t1 := drive(a, time.Unix(0, 0), 50, 100, 0, true)
	if a.cur <= 100 {
		t.Fatalf("rate %v after 50 calls at the limit, want growth", a.cur)
	}
	before := a.cur
	drive(a, t1, 50, 10, 0, false) // concurrency, not the rate, holds sends back
	if a.cur != before {
		t.Errorf("rate grew from %v to %v while sends stayed far below it", before, a.cur)
	}
}

func TestRateFixedAndFloor(t *testing.T) {
	a := newTestRate(Options{Rate: 50, FixedRate: true})
	if r, cut := a.throttle(time.Unix(0, 0), a.noteSend(time.Unix(0, 0))); cut || r != 50 {
		t.Errorf("FixedRate: rate %v cut %v, want 50 unchanged", r, cut)
	}
	b := newTestRate(Options{Rate: 10, MinRate: 8})
	now := time.Unix(0, 0)
	for range 10 {
		b.throttle(now, b.noteSend(now))
	}
	if b.cur != 8 {
		t.Errorf("rate %v after many cuts, want the floor 8", b.cur)
	}
}

func TestBudget(t *testing.T) {
	b := newBudget(2)
	first, second, third := b.take(), b.take(), b.take()
	if !first || !second || third {
		t.Fatalf("takes from a budget of 2: %v %v %v, want true true false", first, second, third)
	}
	for range 9 {
		b.earn()
	}
	if b.take() {
		t.Fatal("nine successes earned a retry, want ten")
	}
	b.earn()
	if !b.take() {
		t.Fatal("ten successes must earn one retry")
	}
}

func TestRateRecoversQuicklyToBelowLastHit(t *testing.T) {
	a := newTestRate(Options{Rate: 100})
	now := time.Unix(0, 0)
	a.throttle(now, a.noteSend(now)) // hit at 100, cut to 70
	if a.cur != 70 {
		t.Fatalf("rate %v after a cut from 100, want 70", a.cur)
	}
	ceiling := recoveryShare * 100
	// 2% a call from 70 reaches the ceiling in about ten calls, and stops
	// there exactly.
	t1 := now.Add(time.Second)
	calls := 0
	for a.cur < ceiling && calls < 100 {
		t1 = drive(a, t1, 1, a.cur, 0, true)
		calls++
	}
	if a.cur != ceiling || calls > 13 {
		t.Fatalf("rate %v after %d calls, want the fast return to stop at %v within 13", a.cur, calls, ceiling)
	}
	drive(a, t1, 10, ceiling, 0, true)
	if limit := ceiling * math.Pow(1+rateIncrease, 10); a.cur > limit+1e-9 {
		t.Errorf("rate %v after 10 more calls, want at most %v: above the ceiling it probes slowly", a.cur, limit)
	}
}
