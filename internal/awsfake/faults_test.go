package awsfake

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLatencyFirst stalls the first two requests past the client's
// time-out; the third is answered at once. The stalled requests never
// reach the handler.
func TestLatencyFirst(t *testing.T) {
	s := NewServer(Options{Faults: Faults{Latency: time.Hour, LatencyFirst: 2}}, answer(ContentTypeJSON, `{}`, nil))
	defer s.Close()
	c := &http.Client{Transport: s.Client().Transport, Timeout: 50 * time.Millisecond}
	for i := range 2 {
		_, err := c.Do(signed(t, s, http.MethodPost, "/", nil, nil, "chime", testCreds, time.Now()))
		var ne interface{ Timeout() bool }
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "request %d: got %v, want a time-out", i, err)
	}
	resp, err := s.Client().Do(signed(t, s, http.MethodPost, "/", nil, nil, "chime", testCreds, time.Now()))
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	s.WaitIdle()
	var faults []string
	for _, r := range s.Requests() {
		faults = append(faults, r.Fault)
	}
	assert.Equal(t, []string{FaultCanceled, FaultCanceled, ""}, faults)

	// SetFaults installs a new plan with a fresh count.
	s.SetFaults(Faults{Latency: time.Hour, LatencyFirst: 1})
	_, err = c.Do(signed(t, s, http.MethodPost, "/", nil, nil, "chime", testCreds, time.Now()))
	assert.Error(t, err)
}

func TestMalformations(t *testing.T) {
	const jsonAnswer = `{"errors":[]}`
	cborAnswer := []byte{0xbf, 0x66, 'e', 'r', 'r', 'o', 'r', 's', 0x9f, 0xff, 0xff}
	tests := []struct {
		m        Malformation
		ct       string
		body     []byte
		want     []byte
		wantName string
	}{
		{MalformTruncated, ContentTypeAmzJSON11, []byte(jsonAnswer), []byte(`{"erro`), "truncated"},
		{MalformEmpty, ContentTypeAmzJSON11, []byte(jsonAnswer), []byte{}, "empty"},
		{MalformNull, ContentTypeJSON, []byte(jsonAnswer), []byte("null"), "null"},
		{MalformTrailing, ContentTypeJSON, []byte(jsonAnswer), []byte(jsonAnswer + `{"trailing":true}`), "trailing"},
		{MalformTruncated, "application/cbor", cborAnswer, cborAnswer[:5], "truncated"},
		{MalformNull, "application/cbor", cborAnswer, []byte{0xf6}, "null"},
		{MalformTrailing, "application/cbor", cborAnswer, append(append([]byte(nil), cborAnswer...), 0xa0), "trailing"},
		{MalformKit, ContentTypeJSON, []byte(jsonAnswer), []byte(jsonAnswer), "kit"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.m.Apply(tt.ct, tt.body), "%v %s", tt.m, tt.ct)
		assert.Equal(t, tt.wantName, tt.m.String())
	}
	assert.Equal(t, "Malformation(9)", Malformation(9).String())

	// Through the server: the chosen malformation replaces Options.Corrupt.
	s := NewServer(Options{
		Faults:  Faults{MalformedRate: 1, Malformation: MalformTrailing},
		Corrupt: func([]byte) []byte { return []byte("kit") },
	}, answer(ContentTypeJSON, jsonAnswer, nil))
	defer s.Close()
	status, body, err := post(t, s, "chime")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, jsonAnswer+`{"trailing":true}`, string(body))
	s.SetFaults(Faults{MalformedRate: 1})
	_, body, err = post(t, s, "chime")
	require.NoError(t, err)
	assert.Equal(t, "kit", string(body))
}
