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

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/batch"
)

// fuzzItems are the associations a fuzzed call carries (the first 1 to 4),
// with distinct identities that differ in one member at a time.
var fuzzItems = []appstream.Association{
	{StackName: "S1", UserName: "u1@example.com", AuthenticationType: appstreamtypes.AuthenticationTypeUserpool},
	{StackName: "S1", UserName: "u2@example.com", AuthenticationType: appstreamtypes.AuthenticationTypeUserpool},
	{StackName: "S2", UserName: "u1@example.com", AuthenticationType: appstreamtypes.AuthenticationTypeUserpool},
	{StackName: "S1", UserName: "u1@example.com", AuthenticationType: appstreamtypes.AuthenticationTypeSaml},
}

// fuzzServer answers every request with 200 and the body and content type
// last stored, through a real AppStream client making one attempt per call.
type fuzzServer struct {
	body   atomic.Pointer[[]byte]
	cbor   atomic.Bool
	client *appstreamsdk.Client
}

func newFuzzServer(f *testing.F) *fuzzServer {
	s := &fuzzServer{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ct := "application/x-amz-json-1.1"
		if s.cbor.Load() {
			ct = "application/cbor"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(*s.body.Load())
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
// it with arbitrary bytes, through the real client and the adapter's real
// answer check and mapping. An association may succeed only when the answer
// supports it (see supportedAppStream), and nothing panics.
func FuzzAnswerAttribution(f *testing.F) {
	entry := func(stack, user, auth string) string {
		return `{"UserStackAssociation":{"StackName":"` + stack + `","UserName":"` + user + `","AuthenticationType":"` + auth + `"},"ErrorCode":"STACK_NOT_FOUND","ErrorMessage":"m"}`
	}
	for _, seed := range []struct {
		body string
		n    uint8
		cbor bool
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
	} {
		f.Add([]byte(seed.body), seed.n, seed.cbor)
	}
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte, n uint8, cbor bool) {
		items := fuzzItems[:1+int(n)%len(fuzzItems)]
		s.body.Store(&body)
		s.cbor.Store(cbor)
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
		for i := range res {
			if res[i].Err == nil && !supportedAppStream(body, cbor, items, i) {
				t.Fatalf("item %d succeeded, but the answer %q does not support it", i, body)
			}
		}
	})
}

// supportedAppStream reports whether an AWS JSON 1.1 answer body supports
// the success of items[i]: it is one JSON object; its "errors" member (an
// exact key, as the protocol's) is absent, null or an array; every entry
// echoes, in UserStackAssociation, exactly the StackName, UserName and
// AuthenticationType of an item of the call (otherwise the entry cannot be
// attributed and no item may succeed); and no entry echoes items[i].
func supportedAppStream(body []byte, cbor bool, items []appstream.Association, i int) bool {
	trimmed := bytes.Trim(body, " \t\r\n")
	if cbor || len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return false
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(trimmed, &top) != nil {
		return false
	}
	raw, ok := top["errors"]
	if !ok || string(raw) == "null" {
		return true
	}
	var entries []json.RawMessage
	if json.Unmarshal(raw, &entries) != nil {
		return false
	}
	for _, e := range entries {
		var entry map[string]json.RawMessage
		var echo map[string]any
		if json.Unmarshal(e, &entry) != nil || json.Unmarshal(entry["UserStackAssociation"], &echo) != nil {
			return false
		}
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
