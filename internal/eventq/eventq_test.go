package eventq

import (
	"slices"
	"testing"
	"time"
)

func TestEarliestFirstThenInPushOrder(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var q Queue[string]
	pushes := []struct {
		at time.Duration
		ev string
	}{{2, "c"}, {1, "a"}, {1, "b"}, {3, "e"}, {2, "d"}}
	for i, p := range pushes {
		if seq := q.Push(t0.Add(p.at), p.ev); seq != i+1 {
			t.Fatalf("push %d: seq %d, want %d", i, seq, i+1)
		}
	}
	var got string
	var seqs []int
	for q.Len() > 0 {
		at, seq, ev := q.Pop()
		for _, p := range pushes {
			if p.ev == ev && !at.Equal(t0.Add(p.at)) {
				t.Errorf("%s popped at %v, pushed at %v", ev, at, t0.Add(p.at))
			}
		}
		got += ev
		seqs = append(seqs, seq)
	}
	if got != "abcde" {
		t.Errorf("popped %q, want abcde", got)
	}
	if want := []int{2, 3, 1, 5, 4}; !slices.Equal(seqs, want) {
		t.Errorf("sequence numbers %v, want %v", seqs, want)
	}
}
