package batch

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestPlanCalls(t *testing.T) {
	tests := []struct {
		name  string
		keys  []string
		ids   []string
		limit int
		want  []PlannedCall
	}{
		{"empty", nil, nil, 3, nil},
		{"one call", []string{"", "", ""}, []string{"a", "b", "c"}, 3,
			[]PlannedCall{{"", []int{0, 1, 2}}}},
		{"chunked at limit", []string{"", "", "", "", ""}, []string{"a", "b", "c", "d", "e"}, 2,
			[]PlannedCall{{"", []int{0, 1}}, {"", []int{2, 3}}, {"", []int{4}}}},
		{"keys never mixed", []string{"x", "y", "x", "y", "x"}, []string{"a", "b", "c", "d", "e"}, 5,
			[]PlannedCall{{"x", []int{0, 2, 4}}, {"y", []int{1, 3}}}},
		{"same identity split", []string{"", "", "", ""}, []string{"a", "a", "b", "a"}, 4,
			[]PlannedCall{{"", []int{0, 2}}, {"", []int{1}}, {"", []int{3}}}},
		{"same identity other key shares nothing", []string{"x", "y"}, []string{"a", "a"}, 4,
			[]PlannedCall{{"x", []int{0}}, {"y", []int{1}}}},
		{"duplicate fills later call", []string{"", "", "", ""}, []string{"a", "a", "b", "c"}, 2,
			[]PlannedCall{{"", []int{0, 2}}, {"", []int{1, 3}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := planCalls(tt.keys, tt.ids, tt.limit)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("planCalls = %v, want %v", got, tt.want)
			}
			checkPlanInvariants(t, tt.keys, tt.ids, tt.limit, got)
		})
	}
}

// checkPlanInvariants asserts the planner's promises: no call over the
// limit, keys never mixed, identities never shared in a call, every item
// planned exactly once.
func checkPlanInvariants(t *testing.T, keys, ids []string, limit int, calls []PlannedCall) {
	t.Helper()
	planned := make([]int, len(keys))
	for _, c := range calls {
		if len(c.Indexes) == 0 || len(c.Indexes) > limit {
			t.Fatalf("call %v has %d items, limit %d", c, len(c.Indexes), limit)
		}
		seen := map[string]bool{}
		for _, i := range c.Indexes {
			if keys[i] != c.Key {
				t.Fatalf("call for key %q holds item %d of key %q", c.Key, i, keys[i])
			}
			if seen[ids[i]] {
				t.Fatalf("call %v holds identity %q twice", c, ids[i])
			}
			seen[ids[i]] = true
			planned[i]++
		}
	}
	for i, n := range planned {
		if n != 1 {
			t.Fatalf("item %d planned %d times", i, n)
		}
	}
}

func FuzzPlanCalls(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6}, uint8(3))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(2))
	f.Add([]byte{7, 7, 1, 7, 7, 2, 9}, uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, limit uint8) {
		lim := int(limit%30) + 1
		keys := make([]string, len(data))
		ids := make([]string, len(data))
		for i, b := range data {
			keys[i] = string(rune('a' + b%3))
			ids[i] = string(rune('a' + (b/3)%7))
		}
		checkPlanInvariants(t, keys, ids, lim, planCalls(keys, ids, lim))
	})
}

func TestPlan(t *testing.T) {
	a := newScripted(2)
	r, err := New[item, string](a)
	if err != nil {
		t.Fatal(err)
	}
	in := []item{{Key: "x", ID: "1"}, {Key: "y", ID: "2"}, {Key: "x", ID: "3", Invalid: true}, {Key: "x", ID: "4"}, {Key: "x", ID: "5"}}
	p, err := r.Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(p.Calls); got != "[{x [0 3]} {x [4]} {y [1]}]" {
		t.Errorf("calls = %s", got)
	}
	if len(p.Invalid) != 1 || p.Invalid[0].Index != 2 || !errors.Is(p.Invalid[0], ErrInvalidInput) {
		t.Errorf("invalid = %v, want item 2 invalid", p.Invalid)
	}
	if n := len(a.callLog()); n != 0 {
		t.Errorf("Plan sent %d calls, want none", n)
	}
	if _, err := r.Plan(nil); err != ErrNoItems {
		t.Errorf("Plan(nil) error = %v, want ErrNoItems", err)
	}
}

func TestPlanRespectsMaxItemsPerCall(t *testing.T) {
	r, err := New[item, string](newScripted(25), func(o *Options) { o.MaxItemsPerCall = 10 })
	if err != nil {
		t.Fatal(err)
	}
	p, _ := r.Plan(items(25, 1))
	var sizes []int
	for _, c := range p.Calls {
		sizes = append(sizes, len(c.Indexes))
	}
	if !slices.Equal(sizes, []int{10, 10, 5}) {
		t.Errorf("sizes = %v, want [10 10 5]", sizes)
	}
	r, _ = New[item, string](newScripted(25), func(o *Options) { o.MaxItemsPerCall = 100 })
	p, _ = r.Plan(items(30, 1))
	if len(p.Calls[0].Indexes) != 25 {
		t.Errorf("MaxItemsPerCall above the adapter limit: first call has %d items, want 25", len(p.Calls[0].Indexes))
	}
}
