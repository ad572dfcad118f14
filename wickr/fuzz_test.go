package wickr_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

// fuzzItems are the users a fuzzed call carries (the first 1 to 4), all of
// network 10000001, with user names that differ only in case or spacing.
var fuzzItems = []wickr.NewUser{
	{NetworkId: "10000001", Username: "a@example.com", SecurityGroupIds: []string{"sg-1"}},
	{NetworkId: "10000001", Username: "b@example.com", SecurityGroupIds: []string{"sg-1"}},
	{NetworkId: "10000001", Username: "A@example.com", SecurityGroupIds: []string{"sg-1"}},
	{NetworkId: "10000001", Username: "a@example.com ", SecurityGroupIds: []string{"sg-1"}},
}

// newFuzzClient returns a Wickr client, making one attempt per call, of a
// server answering every request with 200 and the body last stored in body.
func newFuzzClient(f *testing.F, body *atomic.Pointer[[]byte]) *wickrapi.Client {
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
	return wickrapi.New(wickrapi.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ts.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "SECRET"}, nil
		}),
		HTTPClient:       &http.Client{Transport: tr},
		RetryMaxAttempts: 1,
	})
}

// FuzzAnswerAttribution sends one call of 1 to 4 users and answers it with
// arbitrary bytes, through the client and the adapter's real answer check
// and attribution. A user may be reported as created only when the answer
// supports it (see supportedWickr), with the answer's own entry, and
// nothing panics. Failed entries carry no user name, so they can never
// make a user succeed.
func FuzzAnswerAttribution(f *testing.F) {
	u := func(id, name string) string { return `{"userId":"` + id + `","username":"` + name + `","status":1}` }
	for _, seed := range []struct {
		body string
		n    uint8
	}{
		{`{"successful":[` + u("1", "a@example.com") + `,` + u("2", "b@example.com") + `],"failed":[]}`, 1},
		{`{"successful":[` + u("1", "a@example.com") + `],"failed":[{"userId":"0","field":"username","reason":"User already exists"}]}`, 1},
		{`{"successful":[` + u("9", "z@example.com") + `],"failed":[]}`, 0}, // names a user not sent
		{`{"successful":[],"failed":[]}`, 2},                                                    // missing users
		{`{"successful":[` + u("1", "a@example.com") + `,` + u("1", "a@example.com") + `]}`, 1}, // duplicate
		{`{"successful":[{"userId":1,"username":"a@example.com"}]}`, 0},                         // wrong type
		{`{"successful":[{"userId":"1"}],"failed":[{"userId":"0","reason":"x"}]}`, 1},           // no user name
		{`{"failed":[{"userId":"0","field":"username","reason":"Internal error"},{"userId":"0","reason":"x"}]}`, 1},
		{`{"SUCCESSFUL":[` + u("1", "a@example.com") + `]}`, 0},
		{`{"successful":[` + u("1", "a@example.com") + `]}{"successful":[]}`, 0}, // trailing data
		{`{"successful":[`, 0},
		{``, 0},
		{`null`, 0},
	} {
		f.Add([]byte(seed.body), seed.n)
	}
	var body atomic.Pointer[[]byte]
	client := newFuzzClient(f, &body)
	f.Fuzz(func(t *testing.T, b []byte, n uint8) {
		items := fuzzItems[:1+int(n)%len(fuzzItems)]
		body.Store(&b)
		a := wickr.New(client)
		res, err := a.Call(context.Background(), "10000001", items)
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
			if res[i].Err != nil {
				continue
			}
			if !supportedWickr(b, items, i) {
				t.Fatalf("item %d succeeded, but the answer %q does not support it", i, b)
			}
			if got := aws.ToString(res[i].Value.User.Username); got != items[i].Username {
				t.Fatalf("item %d succeeded with the entry of %q", i, got)
			}
		}
	})
}

// supportedWickr reports whether an answer body supports the creation of
// items[i]: the body is one JSON object, and exactly one of its successful
// entries names items[i]'s Username. Member names match exactly, as the
// official deserializer matches them (encoding/json's struct decoding would
// fold case, and read "stAtus" as the status member).
func supportedWickr(body []byte, items []wickr.NewUser, i int) bool {
	trimmed := bytes.Trim(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return false
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(trimmed, &top) != nil {
		return false
	}
	var successful []map[string]json.RawMessage
	if raw, ok := top["successful"]; ok && json.Unmarshal(raw, &successful) != nil {
		return false
	}
	named := 0
	for _, u := range successful {
		var name string
		if raw, ok := u["username"]; ok && json.Unmarshal(raw, &name) == nil && name == items[i].Username {
			named++
		}
	}
	return named == 1
}
