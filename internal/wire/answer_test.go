package wire_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/internal/wire"
)

// cborHex decodes a hex string with spaces.
func cborHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	require.NoError(t, err)
	return b
}

// cborAnswer is the AppStream CBOR response snapshot of the SDK (indefinite
// lengths), {_ "errors": [_ {_ "ErrorCode": "STACK_NOT_FOUND",
// "UserStackAssociation": {_ "StackName": "s", "UserName": "u"}}]}.
const cborAnswer = "bf 66 6572726f7273 9f bf" +
	" 69 4572726f72436f6465 6f 535441434b5f4e4f545f464f554e44" +
	" 74 55736572537461636b4173736f63696174696f6e bf 69 537461636b4e616d65 61 73 68 557365724e616d65 61 75 ff" +
	" ff ff ff"

func TestWellFormedJSON(t *testing.T) {
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"object", `{"errors":[]}`, true},
		{"empty object", `{}`, true},
		{"white space around", " \r\n\t{\"errors\":null}\n ", true},
		{"empty", ``, false},
		{"white space only", " \n", false},
		{"null", `null`, false},
		{"array", `[]`, false},
		{"string", `"x"`, false},
		{"truncated", `{"errors":[{"UserStackAssociation"`, false},
		{"trailing object", `{"errors":[]}{"errors":[]}`, false},
		{"trailing garbage", `{"errors":[]} garbage`, false},
		{"trailing brace", `{}}`, false},
		{"form feed after", "{}\f", false},
		{"malformed", `{"errors":[}`, false},
	}
	for _, ct := range []string{"application/json", wire.AWSJSONType, "", "text/plain; charset=utf-8"} {
		for _, tt := range tests {
			err := wire.WellFormed(ct, []byte(tt.body))
			assert.Equal(t, tt.ok, err == nil, "%s (%q): WellFormed(%q) = %v", tt.name, ct, tt.body, err)
		}
	}
}

func TestWellFormedCBOR(t *testing.T) {
	deep := append(cborHex(t, "a1 61 61"), bytes.Repeat([]byte{0x81}, 200)...)
	deep = append(deep, 0x00)
	tests := []struct {
		name, hex string
		ok        bool
	}{
		{"empty map", "a0", true},
		{"definite map", "a1 61 61 01", true},
		{"indefinite map", "bf 61 61 01 ff", true},
		{"answer snapshot", cborAnswer, true},
		{"every major type", "a8 61 61 00 61 62 38 63 61 63 43 010203 61 64 7f 61 78 61 79 ff 61 65 9f 01 ff 61 66 c1 1a 00000001 61 67 f9 3c00 61 68 f8 20", true},
		{"empty", "", false},
		{"null", "f6", false},
		{"array", "80", false},
		{"text", "61 61", false},
		{"definite map truncated", "a1 61 61", false},
		{"indefinite map without break", "bf 61 61 01", false},
		{"key without value", "bf 61 61 ff", false},
		{"trailing map", "a0 a0", false},
		{"trailing byte", "a1 61 61 01 00", false},
		{"huge count", "bb ffffffffffffffff", false},
		{"huge string", "a1 61 61 7b ffffffffffffffff", false},
		{"reserved additional information", "a1 61 61 1c", false},
		{"short simple value", "a1 61 61 f8 10", false},
		{"lone break", "a1 61 61 ff", false},
		{"indefinite integer", "a1 61 61 1f", false},
		{"mixed string chunks", "a1 61 61 5f 41 00 61 00 ff", false},
		{"nested indefinite chunk", "a1 61 61 7f 7f ff ff", false},
		{"truncated argument", "a1 61 61 19 01", false},
	}
	for _, tt := range tests {
		err := wire.WellFormed("application/cbor", cborHex(t, tt.hex))
		assert.Equal(t, tt.ok, err == nil, "%s: WellFormed(% x) = %v", tt.name, tt.hex, err)
	}
	assert.Error(t, wire.WellFormed("application/cbor", deep), "200 nested arrays")

	// Every strict prefix of a well-formed answer is truncated, wherever the
	// cut falls.
	full := cborHex(t, cborAnswer)
	for n := range len(full) {
		assert.Error(t, wire.WellFormed("application/cbor", full[:n]), "prefix of %d bytes", n)
	}
	// The media type decides: the same bytes are not JSON.
	assert.Error(t, wire.WellFormed("application/json", full))
	assert.NoError(t, wire.WellFormed("application/cbor; charset=binary", full))
}

// FuzzWellFormedCBOR checks that the CBOR check never panics, and that an
// accepted body stops being accepted when cut short or extended.
func FuzzWellFormedCBOR(f *testing.F) {
	f.Add(cborHex(f, cborAnswer))
	f.Add(cborHex(f, "a1 61 61 01"))
	f.Add(cborHex(f, "bf 61 61 9f 01 02 ff ff"))
	f.Add(cborHex(f, "a1 61 61 c1 1a 00000001"))
	f.Fuzz(func(t *testing.T, body []byte) {
		if wire.WellFormed("application/cbor", body) != nil {
			return
		}
		for _, n := range []int{0, len(body) / 2, len(body) - 1} {
			if wire.WellFormed("application/cbor", body[:n]) == nil {
				t.Fatalf("% x accepted, and so is its prefix of %d bytes", body, n)
			}
		}
		if wire.WellFormed("application/cbor", append(body[:len(body):len(body)], 0x00)) == nil {
			t.Fatalf("% x accepted, and so is it with a trailing byte", body)
		}
	})
}

func TestCheckAnswers(t *testing.T) {
	var status int
	var ctype string
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	c := wire.CheckAnswers(hc)

	get := func() ([]byte, error) {
		req, err := http.NewRequest(http.MethodPost, srv.URL, nil)
		require.NoError(t, err)
		resp, err := c.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		return io.ReadAll(resp.Body)
	}
	tests := []struct {
		status    int
		ctype     string
		body      []byte
		malformed bool
	}{
		{200, "application/json", []byte(`{"UserErrors":[]}`), false},
		{200, wire.AWSJSONType, []byte(`{"errors":[]}` + "\n"), false},
		{200, "application/cbor", cborHex(t, cborAnswer), false},
		{200, "application/json", []byte(`{"UserErrors":[]} trailing`), true},
		{200, wire.AWSJSONType, []byte(`{"errors":[]}{}`), true},
		{200, "application/json", []byte(`{"UserErrors":[`), true},
		{200, "application/json", nil, true},
		{200, "application/json", []byte(`null`), true},
		{204, "application/json", nil, true},
		{200, "application/cbor", cborHex(t, "bf 66 6572726f7273 9f"), true},
		{200, "application/cbor", cborHex(t, "f6"), true},
		{200, "application/cbor", []byte(`{"errors":[]}`), true},
		// Error answers pass unchecked: the client decodes them.
		{400, "application/json", []byte(`not json`), false},
		{503, "application/json", nil, false},
	}
	for _, tt := range tests {
		status, ctype, body = tt.status, tt.ctype, tt.body
		got, err := get()
		var me *wire.MalformedError
		if tt.malformed {
			if assert.ErrorAs(t, err, &me, "%d %s %q", tt.status, tt.ctype, tt.body) {
				assert.Equal(t, tt.ctype, me.ContentType)
				assert.True(t, me.RetryableError())
				assert.Equal(t, wire.Malformed, wire.Classify(err))
				assert.NotContains(t, me.Error(), "trailing t", "the error quotes the body")
			}
			continue
		}
		assert.NoError(t, err, "%d %s %q", tt.status, tt.ctype, tt.body)
		assert.Equal(t, string(tt.body), string(got))
	}
}

// brokenBody fails after a few bytes, like an answer cut off in transit.
type brokenBody struct{ r io.Reader }

func (b brokenBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func (brokenBody) Close() error { return nil }

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

func TestCheckAnswersReadFailureIsTransport(t *testing.T) {
	c := wire.CheckAnswers(doFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: brokenBody{strings.NewReader(`{"errors":`)}}, nil
	}))
	resp, err := c.Do(&http.Request{})
	require.NoError(t, err)
	_, err = io.ReadAll(resp.Body)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, wire.Transport, wire.Classify(err))

	sendErr := errors.New("dial failed")
	c = wire.CheckAnswers(doFunc(func(*http.Request) (*http.Response, error) { return nil, sendErr }))
	_, err = c.Do(&http.Request{})
	assert.Same(t, sendErr, err)
}

func TestCheckAnswersTooLong(t *testing.T) {
	long := append([]byte(`{"a":"`), bytes.Repeat([]byte("x"), wire.MaxAnswerBytes)...)
	long = append(long, `"}`...)
	c := wire.CheckAnswers(doFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(long))}, nil
	}))
	resp, err := c.Do(&http.Request{})
	require.NoError(t, err)
	_, err = io.ReadAll(resp.Body)
	var me *wire.MalformedError
	require.ErrorAs(t, err, &me)
}

func TestNoClient(t *testing.T) {
	type api interface{ Do() }
	var nilPtr *http.Client
	var nilIface api
	assert.True(t, wire.NoClient(nil))
	assert.True(t, wire.NoClient(nilIface))
	assert.True(t, wire.NoClient(nilPtr))
	assert.True(t, wire.NoClient(doFunc(nil)))
	assert.False(t, wire.NoClient(&http.Client{}))
	assert.False(t, wire.NoClient(struct{}{}))
}

// TestCheckAnswersFollowsRequestProtocol: the check applies the rules of
// the protocol the client decodes with, the request's, whatever the answer
// claims. A JSON object answered to an RPC v2 CBOR request would reach the
// CBOR decoder of service/appstream v1.64, whose error is not a
// smithy.DeserializationError, and items would end Unknown instead of
// Unmatched.
func TestCheckAnswersFollowsRequestProtocol(t *testing.T) {
	cborReq := http.Header{"Smithy-Protocol": {"rpc-v2-cbor"}, "Content-Type": {"application/cbor"}}
	jsonReq := http.Header{"Content-Type": {wire.AWSJSONType}}
	restReq := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name      string
		req       http.Header
		ctype     string
		body      []byte
		malformed bool
	}{
		{"CBOR request, CBOR answer", cborReq, "application/cbor", cborHex(t, cborAnswer), false},
		{"CBOR request, CBOR answer without Content-Type", cborReq, "", cborHex(t, cborAnswer), false},
		{"CBOR request, JSON object answered", cborReq, "application/json", []byte(`{"errors":[]}`), true},
		{"CBOR request, truncated map marked JSON", cborReq, wire.AWSJSONType, cborHex(t, "bf 66 6572726f7273 9f"), true},
		{"CBOR request, empty answer", cborReq, "application/cbor", nil, true},
		{"JSON 1.1 request, JSON answer marked CBOR", jsonReq, "application/cbor", []byte(`{"errors":[]}`), false},
		{"JSON 1.1 request, CBOR answer", jsonReq, "application/cbor", cborHex(t, cborAnswer), true},
		{"restJson1 request, JSON answer", restReq, "application/json", []byte(`{"UserErrors":[]}`), false},
		{"no protocol in the request, CBOR answer", http.Header{}, "application/cbor", cborHex(t, cborAnswer), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := wire.CheckAnswers(doFunc(func(*http.Request) (*http.Response, error) {
				h := http.Header{}
				if tt.ctype != "" {
					h.Set("Content-Type", tt.ctype)
				}
				return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(bytes.NewReader(tt.body))}, nil
			}))
			resp, err := c.Do(&http.Request{Header: tt.req})
			require.NoError(t, err)
			got, err := io.ReadAll(resp.Body)
			if tt.malformed {
				var me *wire.MalformedError
				require.ErrorAs(t, err, &me)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.body, got)
		})
	}
}
