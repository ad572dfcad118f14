package awsrest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"go.uber.org/goleak"

	"github.com/batchkit/batchkit/internal/awsrest/resttest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var testService = &Service{
	ID:          "Test Service",
	SigningName: "testsvc",
	Host:        "test",
	FIPSHost:    "test-fips",
	APIName:     "testsvc",
	APIVersion:  "2020-01-01",
}

const testARN = "arn:aws:test:us-east-1:111122223333:thing/a b/c"

type testOutput struct {
	Value string `json:"value"`
}

type knownError struct {
	Message *string `json:"message"`
	Extra   string  `json:"extra"`
}

func (e *knownError) Error() string                 { return "KnownError: " + e.ErrorMessage() }
func (e *knownError) ErrorCode() string             { return "KnownError" }
func (e *knownError) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }
func (e *knownError) ErrorMessage() string {
	if e.Message == nil {
		return ""
	}
	return *e.Message
}

func decodeTestError(code string, body []byte) error {
	if !strings.EqualFold(code, "KnownError") {
		return nil
	}
	e := &knownError{}
	if err := DecodeErrorJSON(body, e); err != nil {
		return err
	}
	return e
}

func testOp(out *testOutput) *Operation {
	return &Operation{
		Name:        "DoThing",
		Method:      http.MethodPost,
		Path:        "/things/" + EscapeLabel(testARN) + "/items",
		RawQuery:    "operation=do",
		Header:      http.Header{"Content-Type": {"application/json"}, "X-Test-Member": {"v"}},
		Body:        []byte(`{"a":1}`),
		DecodeError: decodeTestError,
		DecodeOutput: func(body []byte) error {
			*out = testOutput{}
			return DecodeJSON(body, out)
		},
	}
}

func testConfig(s *resttest.Server, r aws.Retryer) *Config {
	return &Config{
		Region:       resttest.Region,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  resttest.Credentials(),
		HTTPClient:   s.Client(),
		Retryer:      r,
	}
}

func reply(status int, body string) resttest.Reply {
	return resttest.Reply{Status: status, Body: body}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestInvokeSendsSignedRequest(t *testing.T) {
	s := resttest.NewServer(t, func(int, *http.Request, resttest.Request) resttest.Reply {
		return reply(200, `{"value":"ok"}`)
	})
	var out testOutput
	if err := Invoke(context.Background(), testService, testConfig(s, resttest.NoDelayRetryer()), testOp(&out)); err != nil {
		t.Fatal(err)
	}
	if out.Value != "ok" {
		t.Errorf("output = %+v, want value ok", out)
	}
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	const wantURI = "/things/arn%3Aaws%3Atest%3Aus-east-1%3A111122223333%3Athing%2Fa%20b%2Fc/items?operation=do"
	if r.RequestURI != wantURI {
		t.Errorf("request URI = %s, want %s", r.RequestURI, wantURI)
	}
	if r.Path != "/things/"+testARN+"/items" {
		t.Errorf("decoded path = %s", r.Path)
	}
	if r.Method != http.MethodPost || string(r.Body) != `{"a":1}` {
		t.Errorf("got %s %s, want POST {\"a\":1}", r.Method, r.Body)
	}
	for k, want := range map[string]string{
		"Content-Type":    "application/json",
		"X-Test-Member":   "v",
		"Amz-Sdk-Request": "attempt=1; max=3",
		"Content-Length":  "7",
		"Accept-Encoding": "gzip",
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if id := r.Header.Get("Amz-Sdk-Invocation-Id"); !uuidRE.MatchString(id) {
		t.Errorf("Amz-Sdk-Invocation-Id = %q, want a UUID", id)
	}
	if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "aws-sdk-go-v2/"+aws.SDKVersion+" ua/2.1 ") || !strings.Contains(ua, " api/testsvc#2020-01-01") {
		t.Errorf("User-Agent = %q", ua)
	}
	if err := resttest.VerifySignature(r, "testsvc", resttest.Region); err != nil {
		t.Error(err)
	}
	signed := r.Header.Get("Authorization")
	for _, h := range []string{"amz-sdk-invocation-id", "amz-sdk-request", "content-type", "host", "x-amz-date", "x-test-member"} {
		if !strings.Contains(signed, h) {
			t.Errorf("Authorization %q does not sign %s", signed, h)
		}
	}
}

func TestInvokeAnonymousIsUnsigned(t *testing.T) {
	s := resttest.NewServer(t, nil)
	cfg := testConfig(s, nil)
	cfg.Credentials = aws.AnonymousCredentials{}
	var out testOutput
	if err := Invoke(context.Background(), testService, cfg, testOp(&out)); err != nil {
		t.Fatal(err)
	}
	if got := s.Requests()[0].Header.Get("Authorization"); got != "" {
		t.Errorf("Authorization = %q, want none", got)
	}
}

func TestSanitizeErrorCode(t *testing.T) {
	for in, want := range map[string]string{
		"FooError": "FooError",
		"FooError:http://internal.amazon.com/coral/": "FooError",
		"aws.protocoltests.restjson#FooError":        "FooError",
		"aws.protocoltests#FooError:http://internal": "FooError",
		"FooError:http://x#y":                        "FooError",
		"":                                           "",
	} {
		if got := SanitizeErrorCode(in); got != want {
			t.Errorf("SanitizeErrorCode(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestInvokeErrorDecoding checks the restJson1 error precedence of official
// clients: X-Amzn-ErrorType header, then body code (any case), then __type.
func TestInvokeErrorDecoding(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    string
		body      string
		wantTyped bool
		wantCode  string
		wantMsg   string
	}{
		{"header", 400, "KnownError", `{"message":"m1"}`, true, "KnownError", "m1"},
		{"header with URI suffix", 400, "KnownError:http://internal.amazon.com/coral/x", `{"message":"m"}`, true, "KnownError", "m"},
		{"header with namespace", 400, "com.example#KnownError", `{"Message":"m"}`, true, "KnownError", "m"},
		{"header matched case-insensitively", 400, "knownerror", `{"message":"m"}`, true, "KnownError", "m"},
		{"header beats body code", 400, "OtherError", `{"code":"KnownError","message":"m"}`, false, "OtherError", "m"},
		{"body code", 404, "", `{"code":"KnownError","message":"m"}`, true, "KnownError", "m"},
		{"body Code any case", 404, "", `{"Code":"KnownError","Message":"m"}`, true, "KnownError", "m"},
		// The message of a modeled error is read from "message" or
		// "Message" only, as the official deserializers read it.
		{"modeled message in another case", 404, "", `{"code":"KnownError","MESSAGE":"m"}`, true, "KnownError", ""},
		{"generic message in any case", 404, "", `{"code":"Other","MESSAGE":"m"}`, false, "Other", "m"},
		{"body __type", 400, "", `{"__type":"KnownError","message":"m"}`, true, "KnownError", "m"},
		{"body __type sanitized", 400, "", `{"__type":"com.example#KnownError","message":"m"}`, true, "KnownError", "m"},
		{"body code beats __type", 403, "", `{"__type":"KnownError","Code":"Forbidden","Message":"m"}`, false, "Forbidden", "m"},
		{"unmodeled without message", 400, "", `{"code":"Nope"}`, false, "Nope", "UnknownError"},
		{"empty body", 400, "", ``, false, "UnknownError", "UnknownError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := resttest.NewServer(t, func(int, *http.Request, resttest.Request) resttest.Reply {
				h := map[string]string{"X-Amzn-RequestId": "req-123"}
				if tt.header != "" {
					h["X-Amzn-ErrorType"] = tt.header
				}
				return resttest.Reply{Status: tt.status, Header: h, Body: tt.body}
			})
			var out testOutput
			err := Invoke(context.Background(), testService, testConfig(s, resttest.NoDelayRetryer()), testOp(&out))

			var opErr *smithy.OperationError
			if !errors.As(err, &opErr) || opErr.ServiceID != "Test Service" || opErr.OperationName != "DoThing" {
				t.Fatalf("got %v, want an OperationError for Test Service DoThing", err)
			}
			var respErr *awshttp.ResponseError
			if !errors.As(err, &respErr) {
				t.Fatalf("got %v, want an awshttp.ResponseError inside", err)
			}
			if respErr.RequestID != "req-123" || respErr.HTTPStatusCode() != tt.status {
				t.Errorf("request ID %q, status %d; want req-123, %d", respErr.RequestID, respErr.HTTPStatusCode(), tt.status)
			}
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("got %v, want a smithy.APIError", err)
			}
			if apiErr.ErrorCode() != tt.wantCode || apiErr.ErrorMessage() != tt.wantMsg {
				t.Errorf("got code %q message %q, want %q %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), tt.wantCode, tt.wantMsg)
			}
			var typed *knownError
			var generic *smithy.GenericAPIError
			if tt.wantTyped && !errors.As(err, &typed) {
				t.Errorf("got %T, want *knownError", apiErr)
			}
			if !tt.wantTyped && !errors.As(err, &generic) {
				t.Errorf("got %T, want *smithy.GenericAPIError", apiErr)
			}
			if n := len(s.Requests()); n != 1 {
				t.Errorf("sent %d requests, want 1 (4xx is not retried)", n)
			}
		})
	}
}

func TestInvokeMalformedBodies(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		body   string
	}{
		{"error body not JSON", 400, `<html>`},
		{"typed error with wrong member type", 400, `{"code":"KnownError","message":5}`},
		{"success body not JSON", 200, `{"value":`},
		{"success body wrong type", 200, `{"value":7}`},
		{"success body array", 200, `[1]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := resttest.NewServer(t, func(int, *http.Request, resttest.Request) resttest.Reply {
				return reply(tt.status, tt.body)
			})
			var out testOutput
			err := Invoke(context.Background(), testService, testConfig(s, resttest.NoDelayRetryer()), testOp(&out))
			var de *smithy.DeserializationError
			var re *awshttp.ResponseError
			if !errors.As(err, &de) || !errors.As(err, &re) || re.HTTPStatusCode() != tt.status {
				t.Fatalf("got %v, want a DeserializationError inside a ResponseError with status %d", err, tt.status)
			}
			if n := len(s.Requests()); n != 1 {
				t.Errorf("sent %d requests, want 1", n)
			}
		})
	}
}

func TestInvokeRetries5xxThenSucceeds(t *testing.T) {
	s := resttest.NewServer(t, func(n int, _ *http.Request, _ resttest.Request) resttest.Reply {
		switch n {
		case 1:
			return reply(500, `{"code":"InternalFailure"}`)
		case 2:
			return reply(503, ``)
		}
		return reply(200, `{"value":"third"}`)
	})
	var out testOutput
	if err := Invoke(context.Background(), testService, testConfig(s, resttest.NoDelayRetryer()), testOp(&out)); err != nil {
		t.Fatal(err)
	}
	if out.Value != "third" {
		t.Errorf("output = %+v", out)
	}
	reqs := s.Requests()
	if len(reqs) != 3 {
		t.Fatalf("sent %d requests, want 3", len(reqs))
	}
	id := reqs[0].Header.Get("Amz-Sdk-Invocation-Id")
	for i, r := range reqs {
		if got, want := r.Header.Get("Amz-Sdk-Request"), fmt.Sprintf("attempt=%d; max=3", i+1); got != want {
			t.Errorf("attempt %d: Amz-Sdk-Request = %q, want %q", i+1, got, want)
		}
		if got := r.Header.Get("Amz-Sdk-Invocation-Id"); got != id {
			t.Errorf("attempt %d: invocation ID %q, want %q", i+1, got, id)
		}
		if err := resttest.VerifySignature(r, "testsvc", resttest.Region); err != nil {
			t.Errorf("attempt %d: %v", i+1, err)
		}
	}
}

func TestInvokeMaxAttempts(t *testing.T) {
	s := resttest.NewServer(t, func(int, *http.Request, resttest.Request) resttest.Reply {
		return reply(502, ``)
	})
	var out testOutput
	err := Invoke(context.Background(), testService, testConfig(s, resttest.NoDelayRetryer()), testOp(&out))
	var maxErr *retry.MaxAttemptsError
	var re *awshttp.ResponseError
	if !errors.As(err, &maxErr) || maxErr.Attempt != 3 || !errors.As(err, &re) || re.HTTPStatusCode() != 502 {
		t.Fatalf("got %v, want MaxAttemptsError after 3 attempts around a 502", err)
	}
	if n := len(s.Requests()); n != 3 {
		t.Errorf("sent %d requests, want 3", n)
	}
}

func TestInvokeRetryQuotaExhausted(t *testing.T) {
	s := resttest.NewServer(t, func(int, *http.Request, resttest.Request) resttest.Reply {
		return reply(500, ``)
	})
	r := resttest.NoDelayRetryer(func(o *retry.StandardOptions) {
		o.MaxAttempts = 10
		o.RateLimiter = ratelimit.NewTokenRateLimit(10) // two retries at cost 5
	})
	var out testOutput
	err := Invoke(context.Background(), testService, testConfig(s, r), testOp(&out))
	var quota ratelimit.QuotaExceededError
	var re *awshttp.ResponseError
	if !errors.As(err, &quota) || !errors.As(err, &re) || re.HTTPStatusCode() != 500 {
		t.Fatalf("got %v, want the 500 joined with a QuotaExceededError", err)
	}
	if n := len(s.Requests()); n != 3 {
		t.Errorf("sent %d requests, want 3 (first attempt and two paid retries)", n)
	}
}

func TestInvokeDroppedConnectionIsRetried(t *testing.T) {
	s := resttest.NewServer(t, func(n int, _ *http.Request, _ resttest.Request) resttest.Reply {
		if n == 1 {
			return resttest.Reply{Drop: true}
		}
		return reply(200, `{"value":"after drop"}`)
	})
	var out testOutput
	if err := Invoke(context.Background(), testService, testConfig(s, resttest.NoDelayRetryer()), testOp(&out)); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Requests()); n != 2 || out.Value != "after drop" {
		t.Errorf("sent %d requests, output %+v; want 2 and the second answer", n, out)
	}
}

func TestInvokeTransportErrorShape(t *testing.T) {
	s := resttest.NewServer(t, func(int, *http.Request, resttest.Request) resttest.Reply {
		return resttest.Reply{Drop: true}
	})
	var out testOutput
	err := Invoke(context.Background(), testService, testConfig(s, aws.NopRetryer{}), testOp(&out))
	var sendErr *smithyhttp.RequestSendError
	var re *awshttp.ResponseError
	if !errors.As(err, &sendErr) || !errors.As(err, &re) || re.HTTPStatusCode() != 0 {
		t.Fatalf("got %v, want RequestSendError inside a status-0 ResponseError", err)
	}
	if got := (retry.RetryableConnectionError{}).IsErrorRetryable(err); got != aws.TrueTernary {
		t.Errorf("RetryableConnectionError says %v, want true", got)
	}
	if !retry.NewStandard().IsErrorRetryable(err) {
		t.Error("standard retryer does not retry the transport error")
	}
}

func TestInvokeTruncatedBodyIsRetried(t *testing.T) {
	s := resttest.NewServer(t, func(n int, _ *http.Request, _ resttest.Request) resttest.Reply {
		if n == 1 {
			// Promise more than is sent: the client sees the body cut off.
			return resttest.Reply{Status: 200, Header: map[string]string{"Content-Length": "100"}, Body: `{"val`}
		}
		return reply(200, `{"value":"whole"}`)
	})
	var out testOutput
	if err := Invoke(context.Background(), testService, testConfig(s, resttest.NoDelayRetryer()), testOp(&out)); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Requests()); n != 2 || out.Value != "whole" {
		t.Errorf("sent %d requests, output %+v; want 2 and the second answer", n, out)
	}
}

func TestInvokeCanceledWhileWaiting(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	s := resttest.NewServer(t, func(_ int, r *http.Request, _ resttest.Request) resttest.Reply {
		close(arrived)
		select {
		case <-r.Context().Done():
		case <-release:
		}
		return reply(200, `{}`)
	})
	t.Cleanup(func() { close(release) }) // runs before the server closes

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		var out testOutput
		errc <- Invoke(ctx, testService, testConfig(s, resttest.NoDelayRetryer()), testOp(&out))
	}()
	<-arrived
	cancel()
	err := <-errc
	var canceled *smithy.CanceledError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &canceled) {
		t.Fatalf("got %v, want a CanceledError wrapping context.Canceled", err)
	}
	if n := len(s.Requests()); n != 1 {
		t.Errorf("sent %d requests, want 1", n)
	}
}

func TestInvokeCanceledDuringBackoff(t *testing.T) {
	s := resttest.NewServer(t, func(int, *http.Request, resttest.Request) resttest.Reply {
		return reply(500, ``)
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) {
			cancel()
			return time.Hour, nil
		})
	})
	var out testOutput
	err := Invoke(ctx, testService, testConfig(s, r), testOp(&out))
	var rc *aws.RequestCanceledError
	if !errors.As(err, &rc) || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want RequestCanceledError wrapping context.Canceled", err)
	}
	if n := len(s.Requests()); n != 1 {
		t.Errorf("sent %d requests, want 1", n)
	}
}

func TestInvokeCanceledBeforeStart(t *testing.T) {
	s := resttest.NewServer(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out testOutput
	err := Invoke(ctx, testService, testConfig(s, resttest.NoDelayRetryer()), testOp(&out))
	var opErr *smithy.OperationError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &opErr) {
		t.Fatalf("got %v, want context.Canceled inside an OperationError", err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("sent %d requests, want 0", n)
	}
}

func TestResolveEndpoint(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		want    string
		wantErr bool
	}{
		{"regional", Config{Region: "us-west-2"}, "https://test.us-west-2.amazonaws.com", false},
		{"fips", Config{Region: "us-east-1", UseFIPSEndpoint: aws.FIPSEndpointStateEnabled}, "https://test-fips.us-east-1.amazonaws.com", false},
		{"fips disabled", Config{Region: "us-east-1", UseFIPSEndpoint: aws.FIPSEndpointStateDisabled}, "https://test.us-east-1.amazonaws.com", false},
		{"china", Config{Region: "cn-north-1"}, "https://test.cn-north-1.amazonaws.com.cn", false},
		{"base endpoint", Config{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:8080/prefix/")}, "http://127.0.0.1:8080/prefix/", false},
		{"base endpoint with fips", Config{Region: "us-east-1", BaseEndpoint: aws.String("https://x"), UseFIPSEndpoint: aws.FIPSEndpointStateEnabled}, "", true},
		{"base endpoint without scheme", Config{Region: "us-east-1", BaseEndpoint: aws.String("localhost:8080")}, "", true},
		{"missing region", Config{}, "", true},
		{"bad region", Config{Region: "us-east-1.evil.com/"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := testService.resolveEndpoint(&tt.cfg)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %v, want an error", u)
				}
				return
			}
			if err != nil || u.String() != tt.want {
				t.Fatalf("got %v, %v; want %s", u, err, tt.want)
			}
		})
	}
}

func TestRequestURLJoinsBasePath(t *testing.T) {
	base, err := testService.resolveEndpoint(&Config{Region: "us-east-1", BaseEndpoint: aws.String("http://h/prefix/")})
	if err != nil {
		t.Fatal(err)
	}
	u, err := requestURL(base, &Operation{Path: "/channels/" + EscapeLabel("arn:a/b") + "/m", RawQuery: "operation=x"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.String(), "http://h/prefix/channels/arn%3Aa%2Fb/m?operation=x"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got, want := u.Path, "/prefix/channels/arn:a/b/m"; got != want {
		t.Errorf("Path = %s, want %s", got, want)
	}
}

func TestInvokeConfigErrorsSendNothing(t *testing.T) {
	s := resttest.NewServer(t, nil)
	cfg := testConfig(s, nil)
	cfg.Region = ""
	var out testOutput
	err := Invoke(context.Background(), testService, cfg, testOp(&out))
	var opErr *smithy.OperationError
	if !errors.As(err, &opErr) {
		t.Fatalf("got %v, want an OperationError", err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("sent %d requests, want 0", n)
	}
}

func TestAdjustForRetryAfter(t *testing.T) {
	withHeader := func(v string) error {
		resp := &http.Response{Header: http.Header{}}
		if v != "" {
			resp.Header.Set("X-Amz-Retry-After", v)
		}
		return responseError(resp, "", errors.New("x"))
	}
	const b = 100 * time.Millisecond
	for _, tt := range []struct {
		header string
		want   time.Duration
	}{
		{"", b},
		{"junk", b},
		{"-5", b},
		{"50", b},
		{"1500", 1500 * time.Millisecond},
		{"60000", b + 5*time.Second},
	} {
		if got := adjustForRetryAfter(b, withHeader(tt.header)); got != tt.want {
			t.Errorf("x-amz-retry-after %q: got %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestParamEmptyErrorField(t *testing.T) {
	inner := smithy.InvalidParamsError{Context: "Item"}
	inner.Add(NewErrParamEmpty("Name"))
	list := smithy.InvalidParamsError{Context: "ItemList"}
	list.AddNested("[2]", inner)
	outer := smithy.InvalidParamsError{Context: "Input"}
	outer.AddNested("Items", list)
	outer.Add(NewErrParamEmpty("Id"))
	errs := outer.Errs()
	var got []string
	for _, e := range errs {
		got = append(got, e.(smithy.InvalidParamError).Field())
	}
	want := []string{"Input.Items[2].Name", "Input.Id"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("fields = %v, want %v", got, want)
	}
	if !strings.Contains(outer.Error(), "must not be empty, Input.Id.") {
		t.Errorf("Error() = %q", outer.Error())
	}
}

type fipsSource struct{ state aws.FIPSEndpointState }

func (s fipsSource) GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error) {
	return s.state, true, nil
}

type endpointSource map[string]string

func (s endpointSource) GetServiceBaseEndpoint(_ context.Context, id string) (string, bool, error) {
	v, ok := s[id]
	return v, ok, nil
}

func TestConfigSources(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_TEST_SERVICE", "")
	cfg := aws.Config{
		BaseEndpoint:  aws.String("https://global"),
		ConfigSources: []any{"ignored", fipsSource{aws.FIPSEndpointStateEnabled}, endpointSource{"Test Service": "https://specific"}},
	}
	if got := ConfigFIPS(cfg); got != aws.FIPSEndpointStateEnabled {
		t.Errorf("ConfigFIPS = %v, want enabled", got)
	}
	if got := ConfigFIPS(aws.Config{}); got != aws.FIPSEndpointStateUnset {
		t.Errorf("ConfigFIPS of empty config = %v, want unset", got)
	}
	// Both variables set: the service-specific source wins.
	if got := ConfigBaseEndpoint(cfg, "Test Service"); got == nil || *got != "https://specific" {
		t.Errorf("ConfigBaseEndpoint = %v, want https://specific", got)
	}
	if got := ConfigBaseEndpoint(cfg, "Other"); got == nil || *got != "https://global" {
		t.Errorf("ConfigBaseEndpoint for another service = %v, want https://global", got)
	}
	// Only the global variable set: the SDK keeps cfg.BaseEndpoint.
	os.Unsetenv("AWS_ENDPOINT_URL_TEST_SERVICE")
	if got := ConfigBaseEndpoint(cfg, "Test Service"); got == nil || *got != "https://global" {
		t.Errorf("ConfigBaseEndpoint with only AWS_ENDPOINT_URL = %v, want https://global", got)
	}
}

// TestWrongSecretDoesNotPoisonOtherClients is the regression test for a
// signer shared by every call: it cached the key derived from a wrong secret
// under the access key, date and region, and later calls with the right
// secret were signed with it.
func TestWrongSecretDoesNotPoisonOtherClients(t *testing.T) {
	s := resttest.NewServer(t, func(int, *http.Request, resttest.Request) resttest.Reply {
		return reply(200, `{"value":"ok"}`)
	})
	bad := testConfig(s, resttest.NoDelayRetryer())
	bad.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: resttest.AccessKeyID, SecretAccessKey: "wrong secret"}, nil
	})
	var out testOutput
	if err := Invoke(context.Background(), testService, bad, testOp(&out)); err != nil {
		t.Fatal(err)
	}
	if err := Invoke(context.Background(), testService, testConfig(s, resttest.NoDelayRetryer()), testOp(&out)); err != nil {
		t.Fatal(err)
	}
	reqs := s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	if err := resttest.VerifySignature(reqs[0], "testsvc", resttest.Region); err == nil {
		t.Error("the request signed with the wrong secret verifies")
	}
	if err := resttest.VerifySignature(reqs[1], "testsvc", resttest.Region); err != nil {
		t.Errorf("the request signed with the right secret after a wrong one: %v", err)
	}
}
