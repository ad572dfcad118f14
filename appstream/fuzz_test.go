package appstream_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"
	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
)

// fuzzItems are the associations a fuzzed call carries (the first 1 to 4),
// with distinct identities that differ in one member at a time.
var fuzzItems = []appstream.Association{
	{StackName: "S1", UserName: "u1@example.com", AuthenticationType: appstreamtypes.AuthenticationTypeUserpool},
	{StackName: "S1", UserName: "u2@example.com", AuthenticationType: appstreamtypes.AuthenticationTypeUserpool},
	{StackName: "S2", UserName: "u1@example.com", AuthenticationType: appstreamtypes.AuthenticationTypeUserpool},
	{StackName: "S1", UserName: "u1@example.com", AuthenticationType: appstreamtypes.AuthenticationTypeSaml},
}

// fuzzServer answers every request with 200 and the body last stored, in
// the request's protocol (Smithy RPC v2 CBOR from service/appstream v1.64.0
// on, AWS JSON 1.1 before), through a real AppStream client making one
// attempt per call. Unless raw is set, the body, JSON text, is re-encoded
// in CBOR for a CBOR request. It records what it sent.
type fuzzServer struct {
	body   atomic.Pointer[[]byte]
	raw    atomic.Bool
	sent   atomic.Pointer[[]byte]
	isCBOR atomic.Bool
	t      atomic.Pointer[testing.T]
	client *appstreamsdk.Client
}

func newFuzzServer(f *testing.F) *fuzzServer {
	s := &fuzzServer{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		isCBOR := r.Header.Get("Smithy-Protocol") == "rpc-v2-cbor"
		out := *s.body.Load()
		if isCBOR {
			w.Header().Set("Content-Type", "application/cbor")
			w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
			if !s.raw.Load() {
				out = toCBOR(s.t.Load(), string(out), false)
			}
		} else {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		}
		s.isCBOR.Store(isCBOR)
		s.sent.Store(&out)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out)
	}))
	tr := &http.Transport{}
	f.Cleanup(func() {
		ts.Close()
		tr.CloseIdleConnections()
	})
	s.client = appstreamsdk.New(appstreamsdk.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(ts.URL),
		Credentials:      staticCreds,
		HTTPClient:       &http.Client{Transport: tr},
		RetryMaxAttempts: 1,
	})
	return s
}

// FuzzAnswerAttribution sends one call of 1 to 4 associations and answers
// it with arbitrary bytes, in the client's protocol, through the real
// client and the adapter's real answer check and mapping. An association
// may succeed only when the answer supports it (see supportedAppStream),
// and nothing panics. With raw false the bytes, JSON, are re-encoded in
// CBOR for a CBOR client; with raw true they are sent as they are.
func FuzzAnswerAttribution(f *testing.F) {
	entry := func(stack, user, auth string) string {
		return `{"UserStackAssociation":{"StackName":"` + stack + `","UserName":"` + user + `","AuthenticationType":"` + auth + `"},"ErrorCode":"STACK_NOT_FOUND","ErrorMessage":"m"}`
	}
	for _, seed := range []struct {
		body string
		n    uint8
		raw  bool
	}{
		{`{"errors":[]}`, 3, false},
		{`{}`, 0, false},
		{`{"errors":null}`, 1, false},
		{`{"errors":[` + entry("S1", "u2@example.com", "USERPOOL") + `]}`, 3, false},
		{`{"errors":[` + entry("S9", "u9@example.com", "USERPOOL") + `]}`, 2, false},                                                   // names an association not sent
		{`{"errors":[` + entry("S1", "u1@example.com", "USERPOOL") + `,` + entry("S1", "u1@example.com", "USERPOOL") + `]}`, 1, false}, // duplicate
		{`{"errors":[{"UserStackAssociation":{"StackName":"S1","UserName":7,"AuthenticationType":"USERPOOL"}}]}`, 1, false},            // wrong type
		{`{"errors":[{"ErrorCode":"INTERNAL_ERROR"}]}`, 2, false},                                                                      // no echo
		{`{"errors":{}}`, 0, false},
		{`{"Errors":[` + entry("S1", "u1@example.com", "USERPOOL") + `]}`, 0, false},
		{`{"errors":[]}{"errors":[]}`, 3, false}, // trailing data
		{`{"errors":[]} x`, 3, false},
		{`{"errors":[`, 1, false},
		{``, 0, false},
		{`null`, 1, false},
		{"\xa1\x66errors\x80", 1, true},
		{"\xbf\x66errors\x9f", 1, true},
		{"\xbf\x66errors\x9f\xff\xff", 2, true},
		{"\xa1\x66errors\xf6", 2, true},
		{"\xa1\x66Errors\x80", 2, true},
		{`{"errors":[]}`, 3, true}, // JSON to a CBOR client
		{"\xa1\x66errors\x80\xa0", 1, true},
	} {
		f.Add([]byte(seed.body), seed.n, seed.raw)
	}
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte, n uint8, raw bool) {
		items := fuzzItems[:1+int(n)%len(fuzzItems)]
		s.body.Store(&body)
		s.raw.Store(raw)
		s.t.Store(t)
		a := appstream.New(s.client, appstream.Associate)
		res, err := a.Call(context.Background(), "", items)
		if err != nil {
			if e, _ := a.Classify(err); e.Code != batch.CodeUnmatched || !e.Retryable {
				t.Fatalf("a failed 200 classified as %s (retryable %v), want a retryable %s: %v", e.Code, e.Retryable, batch.CodeUnmatched, err)
			}
			return
		}
		if len(res) != len(items) {
			t.Fatalf("got %d results for %d items", len(res), len(items))
		}
		sent := *s.sent.Load()
		for i := range res {
			if res[i].Err == nil && !supportedAppStream(sent, s.isCBOR.Load(), items, i) {
				t.Fatalf("item %d succeeded, but the answer %q does not support it", i, sent)
			}
		}
	})
}

// supportedAppStream reports whether an answer body supports the success
// of items[i]: it is one document (a JSON object, or for a CBOR client one
// CBOR map); its "errors" member (an exact key, as in both protocols) is
// absent, null or a list; every entry echoes, in UserStackAssociation,
// exactly the StackName, UserName and AuthenticationType of an item of the
// call (otherwise the entry cannot be attributed and no item may succeed);
// and no entry echoes items[i].
func supportedAppStream(body []byte, isCBOR bool, items []appstream.Association, i int) bool {
	var entries []map[string]any
	var ok bool
	if isCBOR {
		entries, ok = cborEntries(body)
	} else {
		entries, ok = jsonEntries(body)
	}
	if !ok {
		return false
	}
	for _, echo := range entries {
		stack, ok1 := echo["StackName"].(string)
		user, ok2 := echo["UserName"].(string)
		auth, ok3 := echo["AuthenticationType"].(string)
		if !ok1 || !ok2 || !ok3 {
			return false
		}
		named := -1
		for j, it := range items {
			if it.StackName == stack && it.UserName == user && string(it.AuthenticationType) == auth {
				named = j
			}
		}
		if named < 0 || named == i {
			return false
		}
	}
	return true
}

// jsonEntries returns the echoes of the entries of an AWS JSON 1.1 answer,
// and whether the answer is one object with a usable errors member.
func jsonEntries(body []byte) ([]map[string]any, bool) {
	trimmed := bytes.Trim(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return nil, false
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(trimmed, &top) != nil {
		return nil, false
	}
	raw, ok := top["errors"]
	if !ok || string(raw) == "null" {
		return nil, true
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil, false
	}
	var out []map[string]any
	for _, e := range list {
		var entry map[string]json.RawMessage
		var echo map[string]any
		if json.Unmarshal(e, &entry) != nil || json.Unmarshal(entry["UserStackAssociation"], &echo) != nil {
			return nil, false
		}
		out = append(out, echo)
	}
	return out, true
}

// cborEntries is jsonEntries for an RPC v2 CBOR answer: one CBOR map and
// nothing after it, text strings for the echoed members.
func cborEntries(body []byte) ([]map[string]any, bool) {
	if wire.WellFormed(wire.CBORType, body) != nil {
		return nil, false
	}
	v, err := cbor.Decode(body)
	top, ok := v.(cbor.Map)
	if err != nil || !ok {
		return nil, false
	}
	raw, ok := top["errors"]
	if _, isNil := raw.(*cbor.Nil); !ok || isNil {
		return nil, true
	}
	list, ok := raw.(cbor.List)
	if !ok {
		return nil, false
	}
	var out []map[string]any
	for _, e := range list {
		entry, ok := e.(cbor.Map)
		if !ok {
			return nil, false
		}
		echo, ok := entry["UserStackAssociation"].(cbor.Map)
		if !ok {
			return nil, false
		}
		m := make(map[string]any, len(echo))
		for k, v := range echo {
			if str, ok := v.(cbor.String); ok {
				m[k] = string(str)
			}
		}
		out = append(out, m)
	}
	return out, true
}
