package quota

import (
	"slices"
	"testing"
	"time"
)

func TestTokenBucket(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var b Bucket
	b.Set(2, 0, t0) // burst defaults to ceil(2) = 2
	got := []bool{b.Take(t0), b.Take(t0), b.Take(t0)}
	if !slices.Equal(got, []bool{true, true, false}) {
		t.Errorf("full bucket takes %v, want [true true false]", got)
	}
	if !b.Take(t0.Add(500*time.Millisecond)) || b.Take(t0.Add(500*time.Millisecond)) {
		t.Errorf("after 0.5 s at 2/s want exactly one token")
	}
	b.Set(10, 0, t0.Add(time.Second)) // keeps tokens (1 earned), burst 10
	if !b.Take(t0.Add(time.Second)) || b.Take(t0.Add(time.Second)) {
		t.Errorf("after SetQuota want the one token kept, no more")
	}
	if !b.Take(t0.Add(time.Second + 100*time.Millisecond)) {
		t.Errorf("new rate not applied: no token after 0.1 s at 10/s")
	}
	b.Set(0, 0, t0)
	for range 100 {
		if !b.Take(t0) {
			t.Fatal("unlimited bucket refused")
		}
	}
	b.Set(0.5, 3, t0)
	if b.burst != 3 || b.tokens != 3 {
		t.Errorf("unlimited -> limited: burst %v tokens %v, want 3 and 3", b.burst, b.tokens)
	}
}

func TestEmpty(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var b Bucket
	b.Set(2, 4, t0)
	b.Empty(t0)
	if b.Take(t0) {
		t.Fatal("an emptied bucket let a call go")
	}
	if !b.Take(t0.Add(500*time.Millisecond)) || b.Take(t0.Add(500*time.Millisecond)) {
		t.Errorf("after 0.5 s at 2/s want exactly one token")
	}
}
