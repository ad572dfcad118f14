package awsfake

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRequestLoggedBeforeAnswer is the regression test for requests logged
// after their answer had reached the client: a caller reading Requests() right
// after a call returned could miss the call (messaging's TestRunPartialFailure
// failed about one run in fifteen under -race). Answers here are large, so
// that net/http writes them to the connection while the handler runs, and
// faults of every kind are drawn: after each of many sequential requests, the
// log already holds it.
func TestRequestLoggedBeforeAnswer(t *testing.T) {
	big := `{"pad":"` + string(bytes.Repeat([]byte("x"), 64<<10)) + `"}`
	s := NewServer(Options{
		SigningName: "chime",
		Faults:      Faults{Seed: 1, CallFailureRate: 0.15, DropRate: 0.15, MalformedRate: 0.15},
	}, answer(ContentTypeJSON, big, nil))
	defer s.Close()

	faults := map[string]int{}
	for i := 1; i <= 200; i++ {
		status, _, err := post(t, s, "chime")
		log := s.Requests()
		require.Len(t, log, i, "request %d returned (status %d, error %v) before it was logged", i, status, err)
		last := log[i-1]
		require.EqualValues(t, i, last.Seq)
		require.Equal(t, status, last.Status, "request %d: the log holds another status than the client got", i)
		faults[last.Fault]++
	}
	for _, f := range []string{"", FaultDrop, FaultMalformed, KindInternal.String()} {
		require.NotZero(t, faults[f], "fault %q never drawn: %v", f, faults)
	}
}
