package awsrest

import (
	"errors"
	"testing"

	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type decodeItem struct {
	UserId *string `json:"userId"`
	Name   *string
}

type decodeOut struct {
	Message    *string               `json:"message"`
	Successful []decodeItem          `json:"successful"`
	ByKey      map[string]decodeItem `json:"byKey"`
	Skipped    string                `json:"-"`
}

// TestDecodeJSONIsCaseSensitive is the regression test of member names
// matched in any case: encoding/json took {"Successful": ...} for
// "successful". The official deserializers switch on the exact name, at
// every depth, and ignore other spellings like unknown members.
func TestDecodeJSONIsCaseSensitive(t *testing.T) {
	var out decodeOut
	require.NoError(t, DecodeJSON([]byte(`{
		"Successful": [{"userId": "1"}],
		"MESSAGE": "no",
		"message": "yes",
		"byKey": {"A": {"UserID": "2", "userId": "3", "name": "no", "Name": "n"}},
		"Skipped": "no", "-": "no"
	}`), &out))
	assert.Nil(t, out.Successful, "Successful is not successful")
	assert.Equal(t, "yes", *out.Message)
	require.Contains(t, out.ByKey, "A")
	assert.Equal(t, "3", *out.ByKey["A"].UserId)
	assert.Equal(t, "n", *out.ByKey["A"].Name, "a field without a tag is matched by its Go name")
	assert.Empty(t, out.Skipped)

	out = decodeOut{}
	require.NoError(t, DecodeJSON([]byte(`{"successful":[{"UserId":"9","userId":"1"},{"userid":"2"}]}`), &out))
	require.Len(t, out.Successful, 2)
	assert.Equal(t, "1", *out.Successful[0].UserId)
	assert.Nil(t, out.Successful[1].UserId)

	// Empty bodies leave the value alone; other failures are
	// DeserializationErrors without the body.
	out = decodeOut{Skipped: "kept"}
	require.NoError(t, DecodeJSON(nil, &out))
	assert.Equal(t, "kept", out.Skipped)
	for _, body := range []string{`{"successful":`, `{"successful":"x"}`, `[]`, `{"message":7}`} {
		err := DecodeJSON([]byte(body), &decodeOut{})
		var de *smithy.DeserializationError
		require.True(t, errors.As(err, &de), "%s: got %v", body, err)
		assert.NotContains(t, err.Error(), body)
	}
}

type decodeErrShape struct {
	Message *string `json:"Message"`
	Code    string  `json:"Code"`
}

// TestDecodeErrorJSONReadsEitherMessage: the message member of a modeled
// error is read from "message" or "Message", as the current official
// deserializers do; nothing else is matched in another case.
func TestDecodeErrorJSONReadsEitherMessage(t *testing.T) {
	for body, want := range map[string]decodeErrShape{
		`{"Code":"BadRequest","Message":"m"}`: {Message: ptr("m"), Code: "BadRequest"},
		`{"Code":"BadRequest","message":"m"}`: {Message: ptr("m"), Code: "BadRequest"},
		`{"code":"BadRequest","MESSAGE":"m"}`: {},
		`{"Message":"M","message":"m"}`:       {Message: ptr("M")},
	} {
		var got decodeErrShape
		require.NoError(t, DecodeErrorJSON([]byte(body), &got))
		assert.Equal(t, want, got, body)
	}
	var out decodeOut
	require.NoError(t, DecodeJSON([]byte(`{"Message":"m"}`), &out))
	assert.Nil(t, out.Message, "outputs read their members exactly")
}

func ptr(s string) *string { return &s }
