package messaging_test

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
	"github.com/batchkit/batchkit/messaging"
	"github.com/batchkit/batchkit/messaging/messagingapi"
)

// fuzzItems are the memberships a fuzzed call carries (the first 1 to 4),
// all of one channel, with member ARNs that differ only slightly.
var fuzzItems = []messaging.Membership{
	{ChannelArn: channel("fuzz"), ChimeBearer: adminArn, MemberArn: userArn("m1")},
	{ChannelArn: channel("fuzz"), ChimeBearer: adminArn, MemberArn: userArn("m2")},
	{ChannelArn: channel("fuzz"), ChimeBearer: adminArn, MemberArn: userArn("M1")},
	{ChannelArn: channel("fuzz"), ChimeBearer: adminArn, MemberArn: userArn("m1/")},
}

// newFuzzClient returns a messaging client, making one attempt per call,
// of a server answering every request with 200 and the body last stored in
// body.
func newFuzzClient(f *testing.F, body *atomic.Pointer[[]byte]) *messagingapi.Client {
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
	return messagingapi.New(messagingapi.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ts.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "SECRET"}, nil
		}),
		HTTPClient:       &http.Client{Transport: tr},
		RetryMaxAttempts: 1,
	})
}

// FuzzAnswerAttribution sends one call of 1 to 4 memberships and answers
// it with arbitrary bytes, through the client and the adapter's real answer
// check and mapping. A member may be reported as added only when the answer
// supports it (see supportedMessaging), with the answer's own entry, and
// nothing panics.
func FuzzAnswerAttribution(f *testing.F) {
	m := func(id string) string { return `{"Arn":"` + userArn(id) + `","Name":"n"}` }
	e := func(id string) string {
		return `{"MemberArn":"` + userArn(id) + `","ErrorCode":"BadRequest","ErrorMessage":"m"}`
	}
	ch := `"ChannelArn":"` + channel("fuzz") + `"`
	for _, seed := range []struct {
		body string
		n    uint8
	}{
		{`{"BatchChannelMemberships":{` + ch + `,"Members":[` + m("m1") + `,` + m("m2") + `]},"Errors":[]}`, 1},
		{`{"BatchChannelMemberships":{"Members":[` + m("m1") + `]},"Errors":[` + e("m2") + `]}`, 1},
		{`{"BatchChannelMemberships":{"Members":[` + m("m9") + `]}}`, 2},                                        // names a member not sent
		{`{"BatchChannelMemberships":{"Members":[]},"Errors":[]}`, 3},                                           // missing members
		{`{"BatchChannelMemberships":{"Members":[` + m("m1") + `,` + m("m1") + `]}}`, 0},                        // duplicate
		{`{"BatchChannelMemberships":{"Members":[` + m("m1") + `]},"Errors":[` + e("m1") + `]}`, 0},             // added and failed
		{`{"BatchChannelMemberships":{"ChannelArn":"arn:aws:chime:x:1:other","Members":[` + m("m1") + `]}}`, 0}, // another channel
		{`{"BatchChannelMemberships":{"Members":[{"Arn":5}]}}`, 0},                                              // wrong type
		{`{"BatchChannelMemberships":{"Members":[{"Name":"n"}]}}`, 0},
		{`{"batchchannelmemberships":{"members":[` + m("m1") + `]}}`, 0},
		{`{"BatchChannelMemberships":{"Members":[` + m("m1") + `]}} {"x":1}`, 0}, // trailing data
		{`{"BatchChannelMemberships":{"Members":[`, 0},
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
		a := messaging.New(client)
		res, err := a.Call(context.Background(), a.Key(items[0]), items)
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
			if !supportedMessaging(b, items, i) {
				t.Fatalf("item %d succeeded, but the answer %q does not support it", i, b)
			}
			if got := res[i].Value.Arn; got != items[i].MemberArn {
				t.Fatalf("item %d succeeded with the entry of %q", i, got)
			}
		}
	})
}

// supportedMessaging reports whether an answer body supports adding
// items[i], which needs positive evidence: the body is one JSON object;
// BatchChannelMemberships does not name another channel; one of its Members
// names items[i]'s MemberArn; and no Errors entry names it. Member names
// match exactly, as the official deserializer matches them (encoding/json's
// struct decoding would fold case and read "errors" as Errors).
func supportedMessaging(body []byte, items []messaging.Membership, i int) bool {
	trimmed := bytes.Trim(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return false
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(trimmed, &top) != nil {
		return false
	}
	var mem map[string]json.RawMessage
	if raw, ok := top["BatchChannelMemberships"]; !ok || json.Unmarshal(raw, &mem) != nil || mem == nil {
		return false
	}
	if raw, ok := mem["ChannelArn"]; ok && string(raw) != "null" {
		var channel string
		if json.Unmarshal(raw, &channel) != nil || channel != items[i].ChannelArn {
			return false
		}
	}
	str := func(m map[string]json.RawMessage, key string) (string, bool) {
		var v string
		raw, ok := m[key]
		return v, ok && string(raw) != "null" && json.Unmarshal(raw, &v) == nil
	}
	var members []map[string]json.RawMessage
	if raw, ok := mem["Members"]; ok && json.Unmarshal(raw, &members) != nil {
		return false
	}
	added := false
	for _, m := range members {
		arn, ok := str(m, "Arn")
		added = added || ok && arn == items[i].MemberArn
	}
	var errs []map[string]json.RawMessage
	if raw, ok := top["Errors"]; ok && json.Unmarshal(raw, &errs) != nil {
		return false
	}
	for _, e := range errs {
		if arn, ok := str(e, "MemberArn"); ok && arn == items[i].MemberArn {
			return false
		}
	}
	return added
}
