package chime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	//lint:ignore SA1019 the legacy Amazon Chime API, deprecated with its end of support, is what this package wraps.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"
	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/chime"
)

// fuzzItems are the updates a fuzzed call carries (the first 1 to 4), all
// of account "acct", with user IDs that differ only in case or spacing.
var fuzzItems = []chime.UserUpdate{
	{AccountId: "acct", UserId: "u1", LicenseType: chimetypes.LicensePro},
	{AccountId: "acct", UserId: "u2", LicenseType: chimetypes.LicensePro},
	{AccountId: "acct", UserId: "U1", LicenseType: chimetypes.LicensePro},
	{AccountId: "acct", UserId: "u1 ", LicenseType: chimetypes.LicensePro},
}

// newFuzzClient returns an official Chime client, making one attempt per
// call, of a server answering every request with 200 and the body last
// stored in body.
func newFuzzClient(f *testing.F, body *atomic.Pointer[[]byte]) *chimesdk.Client {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(*body.Load())
	}))
	tr := &http.Transport{}
	f.Cleanup(func() {
		ts.Close()
		tr.CloseIdleConnections()
	})
	return chimesdk.New(chimesdk.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ts.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "SECRET"}, nil
		}),
		HTTPClient:       &http.Client{Transport: tr},
		RetryMaxAttempts: 1,
	})
}

// FuzzAnswerAttribution sends one call of 1 to 4 updates and answers it
// with arbitrary bytes, through the official client and the adapter's real
// answer check and mapping. A user may be reported as updated only when the
// answer supports it (see supportedChime), and nothing panics.
func FuzzAnswerAttribution(f *testing.F) {
	for _, seed := range []struct {
		body string
		n    uint8
	}{
		{`{"UserErrors":[]}`, 3},
		{`{}`, 0},
		{`{"UserErrors":null}`, 1},
		{`{"UserErrors":[{"UserId":"u2","ErrorCode":"NotFound","ErrorMessage":"m"}]}`, 3},
		{`{"UserErrors":[{"UserId":"u9","ErrorCode":"NotFound"}]}`, 2},                                         // names a user not sent
		{`{"UserErrors":[{"UserId":"u1","ErrorCode":"Throttled"},{"UserId":"u1","ErrorCode":"NotFound"}]}`, 1}, // duplicate
		{`{"UserErrors":[{"UserId":1,"ErrorCode":"NotFound"}]}`, 1},                                            // wrong type
		{`{"UserErrors":[{"ErrorCode":"ServiceFailure"}]}`, 2},                                                 // no user
		{`{"UserErrors":[null]}`, 2},
		{`{"UserErrors":{}}`, 0},
		{`{"usererrors":[{"UserId":"u1","ErrorCode":"NotFound"}]}`, 0},
		{`{"UserErrors":[]}{"UserErrors":[{"UserId":"u1"}]}`, 3}, // trailing data
		{`{"UserErrors":[`, 1},
		{``, 0},
		{`null`, 1},
	} {
		f.Add([]byte(seed.body), seed.n)
	}
	var body atomic.Pointer[[]byte]
	client := newFuzzClient(f, &body)
	f.Fuzz(func(t *testing.T, b []byte, n uint8) {
		items := fuzzItems[:1+int(n)%len(fuzzItems)]
		body.Store(&b)
		a := chime.New(client)
		res, err := a.Call(context.Background(), "acct", items)
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
			if res[i].Err == nil && !supportedChime(b, items, i) {
				t.Fatalf("item %d succeeded, but the answer %q does not support it", i, b)
			}
		}
	})
}

// supportedChime reports whether a BatchUpdateUser answer body supports
// the success of items[i], which success by absence requires: it is one
// JSON object; its "UserErrors" member (an exact key, as restJson1's) is
// absent, null or an array; every entry names, in UserId, a user of the
// call (otherwise no user may be reported as updated); and no entry names
// items[i].
func supportedChime(body []byte, items []chime.UserUpdate, i int) bool {
	trimmed := bytes.Trim(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return false
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(trimmed, &top) != nil {
		return false
	}
	raw, ok := top["UserErrors"]
	if !ok || string(raw) == "null" {
		return true
	}
	var entries []map[string]any
	if json.Unmarshal(raw, &entries) != nil {
		return false
	}
	for _, e := range entries {
		id, ok := e["UserId"].(string)
		if !ok {
			return false
		}
		named := -1
		for j, it := range items {
			if it.UserId == id {
				named = j
			}
		}
		if named < 0 || named == i {
			return false
		}
	}
	return true
}
