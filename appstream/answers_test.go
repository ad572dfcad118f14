package appstream_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/cbor"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/batch"
)

// answer is what a crafted server sends for one request. body is a JSON
// document: the server sends it as is to an AWS JSON 1.1 request, and
// re-encoded in CBOR to a Smithy RPC v2 CBOR one, so that every test runs
// in the protocol of whichever service/appstream the module pins (CBOR from
// v1.64.0 on, JSON 1.1 before). raw, when set, is sent instead, as is, for
// answers that are not one document.
type answer struct {
	status int
	// header is set on the answer after the protocol's own headers
	// (Content-Type, and Smithy-Protocol for CBOR); an empty value
	// deletes a header.
	header map[string]string
	body   string
	raw    *rawBody
}

// rawBody is a body for each protocol, sent as is.
type rawBody struct {
	json string
	cbor []byte
}

// crafted returns a real AppStream client pointed at a server that answers
// the n-th request (from 0) with fn(n, request body) in the request's
// protocol. It checks nothing but the operation; it is for answers the kit
// never gives.
func crafted(t *testing.T, fn func(n int, body []byte) answer) *appstreamsdk.Client {
	t.Helper()
	var count atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a := fn(int(count.Add(1)-1), body)
		isCBOR := r.Header.Get("Smithy-Protocol") == "rpc-v2-cbor"
		if isCBOR {
			w.Header().Set("Content-Type", "application/cbor")
			w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		} else {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		}
		w.Header().Set("X-Amzn-RequestId", "req-1")
		for k, v := range a.header {
			if v == "" {
				w.Header().Del(k)
				continue
			}
			w.Header().Set(k, v)
		}
		if a.status == 0 {
			a.status = 200
		}
		out := []byte(a.body)
		switch {
		case a.raw != nil && isCBOR:
			out = a.raw.cbor
		case a.raw != nil:
			out = []byte(a.raw.json)
		case isCBOR:
			out = toCBOR(t, a.body, a.status >= 300)
		}
		w.WriteHeader(a.status)
		_, _ = w.Write(out)
	}))
	t.Cleanup(ts.Close)
	return appstreamsdk.New(appstreamsdk.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ts.URL),
		Credentials:  staticCreds,
		HTTPClient:   ts.Client(),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxBackoff = time.Millisecond
		}),
	})
}

// toCBOR re-encodes a JSON document in CBOR. In an error (isError), a
// "message" member is also sent as "Message": the CBOR client reads
// "Message" for the errors the model defines and "message" for the others,
// where the JSON client accepts either spelling. A body that is not one
// JSON document is returned as is.
func toCBOR(t *testing.T, doc string, isError bool) []byte {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v, more any
	if err := dec.Decode(&v); err != nil || !errors.Is(dec.Decode(&more), io.EOF) {
		return []byte(doc)
	}
	cv := cborValue(t, v)
	if m, ok := cv.(cbor.Map); ok && isError {
		if msg, ok := m["message"]; ok {
			m["Message"] = msg
		}
	}
	return cbor.Encode(cv)
}

func cborValue(t *testing.T, v any) cbor.Value {
	switch v := v.(type) {
	case nil:
		return &cbor.Nil{}
	case bool:
		return cbor.Bool(v)
	case string:
		return cbor.String(v)
	case json.Number:
		if n, err := v.Int64(); err == nil {
			if n < 0 {
				return cbor.NegInt(uint64(-n))
			}
			return cbor.Uint(uint64(n))
		}
		f, err := v.Float64()
		require.NoError(t, err)
		return cbor.Float64(f)
	case []any:
		l := make(cbor.List, len(v))
		for i, e := range v {
			l[i] = cborValue(t, e)
		}
		return l
	case map[string]any:
		m := make(cbor.Map, len(v))
		for k, e := range v {
			m[k] = cborValue(t, e)
		}
		return m
	}
	t.Fatalf("toCBOR: unexpected %T", v)
	return nil
}

// malformed is an answer whose body is malformed the same way in both
// protocols: the JSON text for a JSON 1.1 request, the CBOR bytes (in hex,
// spaces allowed) for a CBOR one.
func malformed(jsonBody, cborHex string) answer {
	b, err := hex.DecodeString(strings.ReplaceAll(cborHex, " ", ""))
	if err != nil {
		panic(err)
	}
	return answer{raw: &rawBody{json: jsonBody, cbor: b}}
}

var staticCreds = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "SECRET"}, nil
})

func twoItems() []appstream.Association {
	return []appstream.Association{
		{StackName: "S", UserName: "a@example.com", AuthenticationType: "USERPOOL"},
		{StackName: "S", UserName: "b@example.com", AuthenticationType: "USERPOOL"},
		{StackName: "S", UserName: "c@example.com", AuthenticationType: "USERPOOL"},
	}
}

func entry(stack, user, auth, code, msg string) string {
	b, _ := json.Marshal(map[string]any{
		"UserStackAssociation": map[string]any{"StackName": stack, "UserName": user, "AuthenticationType": auth},
		"ErrorCode":            code,
		"ErrorMessage":         msg,
	})
	return string(b)
}

func TestAnswerMapping(t *testing.T) {
	type want struct {
		code batch.Code // "" means success
		svc  string
	}
	ok := want{}
	um := want{batch.CodeUnmatched, ""}
	for _, tc := range []struct {
		name string
		body string
		want []want
	}{
		{"errors empty", `{"errors":[]}`, []want{ok, ok, ok}},
		{"errors absent", `{}`, []want{ok, ok, ok}},
		{"errors null", `{"errors":null}`, []want{ok, ok, ok}},
		{"one failed", `{"errors":[` + entry("S", "b@example.com", "USERPOOL", "STACK_NOT_FOUND", "x") + `]}`,
			[]want{ok, {batch.CodeNotFound, "STACK_NOT_FOUND"}, ok}},
		{"entry for an association not sent", `{"errors":[` + entry("S", "b@example.com", "USERPOOL", "INTERNAL_ERROR", "x") + `,` +
			entry("S", "zed@example.com", "USERPOOL", "STACK_NOT_FOUND", "x") + `]}`,
			[]want{um, {batch.CodeInternal, "INTERNAL_ERROR"}, um}},
		{"echo differs in case", `{"errors":[` + entry("S", "A@example.com", "USERPOOL", "STACK_NOT_FOUND", "x") + `]}`,
			[]want{um, um, um}},
		{"echo with another authentication type", `{"errors":[` + entry("S", "a@example.com", "SAML", "STACK_NOT_FOUND", "x") + `]}`,
			[]want{um, um, um}},
		{"entry without echo", `{"errors":[{"ErrorCode":"INTERNAL_ERROR","ErrorMessage":"x"}]}`,
			[]want{um, um, um}},
		{"echo without user name", `{"errors":[{"UserStackAssociation":{"StackName":"S","AuthenticationType":"USERPOOL"},"ErrorCode":"INTERNAL_ERROR"}]}`,
			[]want{um, um, um}},
		{"duplicate entries: the first stands", `{"errors":[` + entry("S", "c@example.com", "USERPOOL", "USER_NAME_NOT_FOUND", "x") + `,` +
			entry("S", "c@example.com", "USERPOOL", "INTERNAL_ERROR", "x") + `]}`,
			[]want{ok, ok, {batch.CodeNotFound, "USER_NAME_NOT_FOUND"}}},
		{"unknown item code", `{"errors":[` + entry("S", "a@example.com", "USERPOOL", "NEW_CODE", "x") + `]}`,
			[]want{{batch.CodeUnknown, "NEW_CODE"}, ok, ok}},
		{"empty item code", `{"errors":[` + entry("S", "a@example.com", "USERPOOL", "", "x") + `]}`,
			[]want{{batch.CodeUnknown, ""}, ok, ok}},
		{"directory not found", `{"errors":[` + entry("S", "a@example.com", "USERPOOL", "DIRECTORY_NOT_FOUND", "") + `]}`,
			[]want{{batch.CodeNotFound, "DIRECTORY_NOT_FOUND"}, ok, ok}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := crafted(t, func(int, []byte) answer { return answer{body: tc.body} })
			a := appstream.New(client, appstream.Associate)
			res, err := a.Call(context.Background(), "", twoItems())
			if err != nil {
				t.Fatalf("Call: %v", err)
			}
			if len(res) != len(tc.want) {
				t.Fatalf("results: got %d, want %d", len(res), len(tc.want))
			}
			for i, w := range tc.want {
				e := res[i].Err
				switch {
				case w.code == "" && e != nil:
					t.Errorf("item %d: got %v, want success", i, e)
				case w.code != "" && e == nil:
					t.Errorf("item %d: got success, want %s", i, w.code)
				case e != nil && (e.Code != w.code || e.ServiceCode != w.svc):
					t.Errorf("item %d: got %s (%s), want %s (%s)", i, e.Code, e.ServiceCode, w.code, w.svc)
				}
				if e != nil && e.Code != batch.CodeInternal && e.Retryable {
					t.Errorf("item %d: %s is retryable", i, e.Code)
				}
				if e != nil && e.Code == batch.CodeInternal && !e.Retryable {
					t.Errorf("item %d: INTERNAL_ERROR is not retryable", i)
				}
			}
		})
	}
}

func TestMalformedAnswersAreErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		ans  answer
	}{
		{"empty", malformed("", "")},
		{"null", malformed("null", "f6")},
		{"list", malformed("[]", "80")},
		{"truncated", malformed(`{"errors":[`, "bf 66 6572726f7273 9f")},
		{"errors of the wrong type", answer{body: `{"errors":"x"}`}},
		{"white space", answer{raw: &rawBody{json: "  ", cbor: []byte("  ")}}},
		{"HTML", answer{raw: &rawBody{json: "<html>", cbor: []byte("<html>")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := crafted(t, func(int, []byte) answer { return tc.ans })
			a := appstream.New(client, appstream.Associate)
			res, err := a.Call(context.Background(), "", twoItems())
			if err == nil {
				t.Fatalf("Call: got %d results and no error, want an error", len(res))
			}
			// The rule of internal/wire, the same for every adapter: an
			// answer that cannot be read is an answer lost in transit.
			e, scope := a.Classify(err)
			if e.Code != batch.CodeUnmatched || scope != batch.ScopeCall || !e.Retryable {
				t.Fatalf("Classify: got %s %v retryable %v, want Unmatched call retryable", e.Code, scope, e.Retryable)
			}
		})
	}
}

func TestServiceMessageQuotingUserNameIsWithheld(t *testing.T) {
	items := twoItems()
	client := crafted(t, func(n int, _ []byte) answer {
		if n == 0 {
			return answer{body: `{"errors":[` + entry("S", items[0].UserName, "USERPOOL", "USER_NAME_NOT_FOUND", "user "+items[0].UserName+" not found") + `]}`}
		}
		return answer{status: 400, body: `{"__type":"InvalidParameterCombinationException","message":"bad user ` + items[1].UserName + `"}`}
	})
	a := appstream.New(client, appstream.Associate)
	res, err := a.Call(context.Background(), "", items)
	if err != nil {
		t.Fatal(err)
	}
	if msg := res[0].Err.Error(); strings.Contains(msg, items[0].UserName) || !strings.Contains(msg, "withheld") {
		t.Fatalf("item error: got %q, want the message withheld", msg)
	}
	_, err = a.Call(context.Background(), "", items)
	if err == nil {
		t.Fatal("second call: want an error")
	}
	e, scope := a.Classify(err)
	if scope != batch.ScopeItems || strings.Contains(e.Error(), items[1].UserName) {
		t.Fatalf("call error: got %q scope %v, want ScopeItems and no user name", e.Error(), scope)
	}
}

func TestSDKRetriedThrottleIsSignaled(t *testing.T) {
	client := crafted(t, func(n int, _ []byte) answer {
		if n == 0 {
			return answer{status: 400, body: `{"__type":"ThrottlingException","message":"Rate exceeded"}`}
		}
		return answer{body: `{"errors":[]}`}
	})
	r, err := appstream.New(client, appstream.Associate).Runner(quick)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Run(context.Background(), twoItems())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Succeeded != 3 || rep.Stats.Calls != 1 || rep.Stats.Retries != 0 {
		t.Fatalf("got %d succeeded, %d calls, %d retries; want 3, 1, 0", rep.Succeeded, rep.Stats.Calls, rep.Stats.Retries)
	}
	if rep.Stats.ThrottledCalls != 1 {
		t.Fatalf("throttled calls: got %d, want 1 (the SDK retried a throttle)", rep.Stats.ThrottledCalls)
	}
}

func TestUnknownThrottleCodeRetriedBySDK(t *testing.T) {
	var calls atomic.Int32
	client := crafted(t, func(n int, _ []byte) answer {
		calls.Add(1)
		if n == 0 {
			return answer{status: 400, body: `{"__type":"RequestLimitExceededException","message":"slow down"}`}
		}
		return answer{body: `{}`}
	})
	a := appstream.New(client, appstream.Associate)
	if _, err := a.Call(context.Background(), "", twoItems()); err != nil {
		t.Fatalf("Call: %v", err)
	}
	if calls.Load() != 2 {
		t.Fatalf("HTTP attempts: got %d, want 2", calls.Load())
	}
}

func TestClientOptionsApplied(t *testing.T) {
	client := crafted(t, func(int, []byte) answer {
		return answer{status: 500, body: `{"__type":"InternalFailure","message":"x"}`}
	})
	var applied atomic.Int32
	a := appstream.New(client, appstream.Associate, func(o *appstream.Options) {
		o.ClientOptions = append(o.ClientOptions, func(o *appstreamsdk.Options) {
			applied.Add(1)
			o.RetryMaxAttempts = 1
		})
	})
	_, err := a.Call(context.Background(), "", twoItems())
	e, scope := a.Classify(err)
	if e.Code != batch.CodeInternal || !e.Retryable || scope != batch.ScopeCall || e.RequestID != "req-1" {
		t.Fatalf("got %s retryable %v scope %v request %q", e.Code, e.Retryable, scope, e.RequestID)
	}
	if applied.Load() != 1 {
		t.Fatalf("client options applied %d times, want 1", applied.Load())
	}
}

func TestClassifyServiceErrors(t *testing.T) {
	proto := clientProtocol(t)
	for _, tc := range []struct {
		status    int
		header    string
		body      string
		code      batch.Code
		svc       string
		scope     batch.Scope
		retryable bool
		only      string // "json" or "cbor" for a case of one protocol only
	}{
		{400, "", `{"__type":"InvalidParameterCombinationException","message":"m"}`, batch.CodeInvalidInput, "InvalidParameterCombinationException", batch.ScopeItems, false, ""},
		{400, "", `{"__type":"OperationNotPermittedException","message":"m"}`, batch.CodeInvalidInput, "OperationNotPermittedException", batch.ScopeItems, false, ""},
		{400, "", `{"__type":"com.amazonaws.appstream#InvalidParameterCombinationException","message":"m"}`, batch.CodeInvalidInput, "InvalidParameterCombinationException", batch.ScopeItems, false, ""},
		// AWS JSON 1.1 reads X-Amzn-ErrorType first and cuts the code at
		// ':'; RPC v2 CBOR ignores the header (the type is __type only).
		{400, "InvalidParameterCombinationException:http://internal.amazon.com/coral/", `{"message":"m"}`, batch.CodeInvalidInput, "InvalidParameterCombinationException", batch.ScopeItems, false, "json"},
		{400, "InvalidParameterCombinationException", `{"message":"m"}`, batch.CodeUnknown, "UnknownError", batch.ScopeCall, false, "cbor"},
		{400, "", `{"__type":"ValidationException","message":"m"}`, batch.CodeInvalidInput, "ValidationException", batch.ScopeItems, false, ""},
		{400, "", `{"__type":"ThrottlingException","message":"m"}`, batch.CodeThrottled, "ThrottlingException", batch.ScopeCall, true, ""},
		{400, "", `{"__type":"com.amazon.coral.availability#ThrottlingException","message":"m"}`, batch.CodeThrottled, "ThrottlingException", batch.ScopeCall, true, ""},
		{429, "", `{"__type":"TooBusy","message":"m"}`, batch.CodeThrottled, "TooBusy", batch.ScopeCall, true, ""},
		{403, "", `{"__type":"UnrecognizedClientException","message":"m"}`, batch.CodeUnauthorized, "UnrecognizedClientException", batch.ScopeRun, false, ""},
		{403, "", `{"__type":"InvalidSignatureException","message":"m"}`, batch.CodeUnauthorized, "InvalidSignatureException", batch.ScopeRun, false, ""},
		{403, "", `{"__type":"MissingAuthenticationTokenException","message":"m"}`, batch.CodeUnauthorized, "MissingAuthenticationTokenException", batch.ScopeRun, false, ""},
		{400, "", `{"__type":"ExpiredTokenException","message":"m"}`, batch.CodeUnauthorized, "ExpiredTokenException", batch.ScopeRun, false, ""},
		{400, "", `{"__type":"AccessDeniedException","message":"m"}`, batch.CodeForbidden, "AccessDeniedException", batch.ScopeRun, false, ""},
		{403, "", `{"__type":"SomethingNew","message":"m"}`, batch.CodeForbidden, "SomethingNew", batch.ScopeRun, false, ""},
		{401, "", `{"__type":"SomethingNew","message":"m"}`, batch.CodeUnauthorized, "SomethingNew", batch.ScopeRun, false, ""},
		{500, "", `{"__type":"InternalFailure","message":"m"}`, batch.CodeInternal, "InternalFailure", batch.ScopeCall, true, ""},
		{503, "", `{"__type":"ServiceUnavailable","message":"m"}`, batch.CodeUnavailable, "ServiceUnavailable", batch.ScopeCall, true, ""},
		{502, "", `not json`, batch.CodeUnavailable, "", batch.ScopeCall, true, ""},
		{400, "", `{"__type":"SomethingNew","message":"m"}`, batch.CodeUnknown, "SomethingNew", batch.ScopeCall, false, ""},
	} {
		t.Run(tc.svc+"/"+http.StatusText(tc.status), func(t *testing.T) {
			if tc.only != "" && tc.only != proto {
				t.Skipf("a case of the %s protocol; the pinned client speaks %s", tc.only, proto)
			}
			client := crafted(t, func(int, []byte) answer {
				h := map[string]string{}
				if tc.header != "" {
					h["X-Amzn-ErrorType"] = tc.header
				}
				return answer{status: tc.status, header: h, body: tc.body}
			})
			a := appstream.New(client, appstream.Disassociate, func(o *appstream.Options) {
				o.ClientOptions = []func(*appstreamsdk.Options){func(o *appstreamsdk.Options) { o.RetryMaxAttempts = 1 }}
			})
			_, err := a.Call(context.Background(), "", twoItems())
			if err == nil {
				t.Fatal("Call: want an error")
			}
			e, scope := a.Classify(err)
			if e.Code != tc.code || e.ServiceCode != tc.svc || scope != tc.scope || e.Retryable != tc.retryable {
				t.Fatalf("got %s (%s) %v retryable %v, want %s (%s) %v retryable %v",
					e.Code, e.ServiceCode, scope, e.Retryable, tc.code, tc.svc, tc.scope, tc.retryable)
			}
			if e.Operation != "BatchDisassociateUserStack" || e.RequestID != "req-1" || !errors.Is(err, e.Err) {
				t.Fatalf("got operation %q request %q err %v", e.Operation, e.RequestID, e.Err)
			}
			if tc.body != `not json` && e.Message != "m" {
				t.Fatalf("message: got %q, want the service's", e.Message)
			}
		})
	}
}

// clientProtocol returns the protocol the pinned AppStream client sends,
// "cbor" (service/appstream v1.64.0 on) or "json", from one request to a
// crafted server.
func clientProtocol(t *testing.T) string {
	t.Helper()
	var proto atomic.Value
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Smithy-Protocol") == "rpc-v2-cbor" {
			proto.Store("cbor")
		} else {
			proto.Store("json")
		}
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer ts.Close()
	client := appstreamsdk.New(appstreamsdk.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: staticCreds,
		HTTPClient: ts.Client(), RetryMaxAttempts: 1,
	})
	_, _ = client.BatchAssociateUserStack(context.Background(), &appstreamsdk.BatchAssociateUserStackInput{
		UserStackAssociations: []appstreamtypes.UserStackAssociation{},
	})
	p, _ := proto.Load().(string)
	require.NotEmpty(t, p, "the client sent nothing")
	return p
}

func TestClassifyNonServiceErrors(t *testing.T) {
	a := appstream.New(nil, appstream.Associate)
	for _, tc := range []struct {
		name      string
		err       error
		code      batch.Code
		retryable bool
	}{
		{"canceled", &aws.RequestCanceledError{Err: context.Canceled}, batch.CodeCanceled, false},
		// Classify never sees the run's own cancellation, so a deadline is
		// a time-out of something else, for example the HTTP client.
		{"deadline", context.DeadlineExceeded, batch.CodeUnavailable, true},
		{"deadline in RequestCanceledError", &aws.RequestCanceledError{Err: context.DeadlineExceeded}, batch.CodeUnavailable, true},
		{"something else", errors.New("boom"), batch.CodeUnknown, false},
		{"retry quota", errors.Join(&smithy.GenericAPIError{Code: "InternalFailure"}, ratelimit.QuotaExceededError{Available: 1, Requested: 5}), batch.CodeThrottled, true},
		{"attempts exhausted on a throttle", &retry.MaxAttemptsError{Attempt: 3, Err: &smithy.GenericAPIError{Code: "ThrottlingException"}}, batch.CodeThrottled, true},
		{"attempts exhausted on a 5xx", &retry.MaxAttemptsError{Attempt: 3, Err: &smithy.GenericAPIError{Code: "InternalServerError"}}, batch.CodeInternal, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, scope := a.Classify(tc.err)
			if e.Code != tc.code || e.Retryable != tc.retryable || scope != batch.ScopeCall || !errors.Is(e, tc.err) && e.Err != tc.err {
				t.Fatalf("got %s retryable %v scope %v, want %s %v call", e.Code, e.Retryable, scope, tc.code, tc.retryable)
			}
		})
	}
}

func TestTransportErrorIsUnavailable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens there any more
	client := appstreamsdk.New(appstreamsdk.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  staticCreds,
		HTTPClient:   ts.Client(),
		Retryer:      retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = time.Millisecond }),
	})
	a := appstream.New(client, appstream.Associate)
	_, err := a.Call(context.Background(), "", twoItems())
	e, scope := a.Classify(err)
	if e.Code != batch.CodeUnavailable || !e.Retryable || scope != batch.ScopeCall {
		t.Fatalf("got %s retryable %v scope %v (%v), want Unavailable retryable call", e.Code, e.Retryable, scope, err)
	}
}
