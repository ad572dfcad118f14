package awsfake

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestThrottleRateDeterministic checks Faults.ThrottleRate: the same seed
// throttles the same requests, and the requests it lets through draw the
// other faults exactly as they would without it.
func TestThrottleRateDeterministic(t *testing.T) {
	plan := Faults{Seed: 7, CallFailureRate: 0.25, DropRate: 0.2, MalformedRate: 0.2}
	plain, _ := faultRun(t, plan, 40)
	plan.ThrottleRate = 0.3
	f1, _ := faultRun(t, plan, 40)
	f2, _ := faultRun(t, plan, 40)
	require.Equal(t, f1, f2, "same seed, different throttles")
	admitted := slices.DeleteFunc(slices.Clone(f1), func(f string) bool { return f == KindThrottle.String() })
	throttled := len(f1) - len(admitted)
	assert.True(t, throttled > 0 && throttled < len(f1), "%d of %d requests throttled, want some but not all", throttled, len(f1))
	assert.Equal(t, plain[:len(admitted)], admitted, "throttles shifted the other faults")
}
