package batch

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestJoinHooksCallsEachInOrder(t *testing.T) {
	var got []string
	a := Hooks{OnCall: func(CallInfo) { got = append(got, "a.call") }, OnOutcome: func(OutcomeInfo) { got = append(got, "a.out") }}
	b := Hooks{OnCall: func(CallInfo) { got = append(got, "b.call") }, OnRetry: func(RetryInfo) { got = append(got, "b.retry") }}
	h := JoinHooks(a, Hooks{}, b)
	h.OnCall(CallInfo{})
	h.OnOutcome(OutcomeInfo{})
	h.OnRetry(RetryInfo{})
	assert.Nil(t, h.OnThrottle, "no hook set OnThrottle")
	assert.Equal(t, []string{"a.call", "b.call", "a.out", "b.retry"}, got)
	assert.Equal(t, Hooks{}, JoinHooks())
}
