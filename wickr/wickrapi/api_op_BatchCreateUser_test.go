package wickrapi_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"go.uber.org/goleak"

	"github.com/batchkit/batchkit/internal/awsrest/resttest"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func fullInput() *wickrapi.BatchCreateUserInput {
	return &wickrapi.BatchCreateUserInput{
		NetworkId:   aws.String("12345678"),
		ClientToken: aws.String("550e8400-e29b-41d4-a716-446655440000"),
		Users: []wickrapi.BatchCreateUserRequestItem{
			{
				FirstName:        aws.String("John"),
				LastName:         aws.String("Doe"),
				Username:         aws.String("john.doe@example.com"),
				SecurityGroupIds: []string{"BCTY8Qhe"},
				InviteCode:       aws.String("INVITE123"),
				InviteCodeTtl:    aws.Int32(7),
				CodeValidation:   aws.Bool(true),
			},
			{
				Username:         aws.String("jane<&>@example.com"),
				SecurityGroupIds: []string{},
			},
		},
	}
}

func minimalInput() *wickrapi.BatchCreateUserInput {
	return &wickrapi.BatchCreateUserInput{
		NetworkId: aws.String("12345678"),
		Users:     []wickrapi.BatchCreateUserRequestItem{{Username: aws.String("u@example.com"), SecurityGroupIds: []string{"sg"}}},
	}
}

func ok(int, *http.Request, resttest.Request) resttest.Reply {
	return resttest.Reply{Status: 200, Body: `{"successful":[],"failed":[]}`}
}

// TestBatchCreateUserWire compares the request with what the official
// client sends (facts sheet section 8 and the SDK's request snapshot).
func TestBatchCreateUserWire(t *testing.T) {
	s := resttest.NewServer(t, ok)
	client := wickrapi.NewFromConfig(s.Config())
	if _, err := client.BatchCreateUser(context.Background(), fullInput()); err != nil {
		t.Fatal(err)
	}
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("sent %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.RequestURI != "/networks/12345678/users" {
		t.Errorf("request line %s %s, want POST /networks/12345678/users", r.Method, r.RequestURI)
	}
	const wantBody = `{"users":[{"codeValidation":true,"firstName":"John","inviteCode":"INVITE123","inviteCodeTtl":7,` +
		`"lastName":"Doe","securityGroupIds":["BCTY8Qhe"],"username":"john.doe@example.com"},` +
		`{"securityGroupIds":[],"username":"jane<&>@example.com"}]}`
	if string(r.Body) != wantBody {
		t.Errorf("body\n got  %s\n want %s", r.Body, wantBody)
	}
	for k, want := range map[string]string{
		"Content-Type":    "application/json",
		"X-Client-Token":  "550e8400-e29b-41d4-a716-446655440000",
		"Amz-Sdk-Request": "attempt=1; max=3",
		"Accept-Encoding": "gzip",
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if !uuidRE.MatchString(r.Header.Get("Amz-Sdk-Invocation-Id")) {
		t.Errorf("Amz-Sdk-Invocation-Id = %q", r.Header.Get("Amz-Sdk-Invocation-Id"))
	}
	if !strings.HasPrefix(r.Header.Get("User-Agent"), "aws-sdk-go-v2/") {
		t.Errorf("User-Agent = %q", r.Header.Get("User-Agent"))
	}
	if err := resttest.VerifySignature(r, "wickr", "us-east-1"); err != nil {
		t.Error(err)
	}
	if auth := r.Header.Get("Authorization"); !strings.Contains(auth, "x-client-token") {
		t.Errorf("Authorization %q does not sign x-client-token", auth)
	}
}

func TestBatchCreateUserOutput(t *testing.T) {
	const body = `{"failed":[{"field":"username","reason":"User already exists","userId":"0"}],"message":"done",` +
		`"successful":[{"cell":"555","challengeFailures":2,"codeValidation":true,"countryCode":"1","firstName":"F",` +
		`"inviteCode":"IC","isAdmin":false,"isInviteExpired":false,"isUser":true,"lastName":"L","otpEnabled":true,` +
		`"scimId":"sc","securityGroups":["g1"],"status":1,"suspended":false,"type":"user","uname":"un",` +
		`"userId":"123","username":"u@example.com"}]}`
	s := resttest.NewServer(t, func(int, *http.Request, resttest.Request) resttest.Reply {
		return resttest.Reply{Status: 200, Body: body}
	})
	out, err := wickrapi.NewFromConfig(s.Config()).BatchCreateUser(context.Background(), minimalInput())
	if err != nil {
		t.Fatal(err)
	}
	want := &wickrapi.BatchCreateUserOutput{
		Message: aws.String("done"),
		Successful: []wickrapi.User{{
			Cell: aws.String("555"), ChallengeFailures: aws.Int32(2), CodeValidation: aws.Bool(true),
			CountryCode: aws.String("1"), FirstName: aws.String("F"), InviteCode: aws.String("IC"),
			IsAdmin: aws.Bool(false), IsInviteExpired: aws.Bool(false), IsUser: aws.Bool(true),
			LastName: aws.String("L"), OtpEnabled: aws.Bool(true), ScimId: aws.String("sc"),
			SecurityGroups: []string{"g1"}, Status: aws.Int32(1), Suspended: aws.Bool(false),
			Type: aws.String("user"), Uname: aws.String("un"), UserId: aws.String("123"),
			Username: aws.String("u@example.com"),
		}},
		Failed: []wickrapi.BatchUserErrorResponseItem{{
			UserId: aws.String("0"), Field: aws.String("username"), Reason: aws.String("User already exists"),
		}},
	}
	out.ResultMetadata = middleware.Metadata{} // checked in TestResultMetadata
	if !reflect.DeepEqual(out, want) {
		t.Errorf("got %+v\nwant %+v", out, want)
	}
}

func TestBatchCreateUserMalformedOutputHidesValues(t *testing.T) {
	s := resttest.NewServer(t, func(int, *http.Request, resttest.Request) resttest.Reply {
		return resttest.Reply{Status: 200, Body: `{"successful":[{"firstName":"SecretFirst","status":"one"}]}`}
	})
	out, err := wickrapi.NewFromConfig(s.Config()).BatchCreateUser(context.Background(), minimalInput())
	var de *smithy.DeserializationError
	if out != nil || !errors.As(err, &de) {
		t.Fatalf("got %v, %v; want a DeserializationError", out, err)
	}
	if strings.Contains(err.Error(), "SecretFirst") {
		t.Errorf("error %q leaks a first name", err)
	}
}

func TestBatchCreateUserClientToken(t *testing.T) {
	s := resttest.NewServer(t, func(n int, _ *http.Request, _ resttest.Request) resttest.Reply {
		if n == 1 {
			return resttest.Reply{Status: 500, Header: map[string]string{"X-Amzn-ErrorType": "InternalServerError"}, Body: `{"message":"boom"}`}
		}
		return resttest.Reply{Status: 200, Body: `{}`}
	})
	client := wickrapi.NewFromConfig(s.Config())
	in := minimalInput()
	if _, err := client.BatchCreateUser(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if in.ClientToken == nil || !uuidRE.MatchString(*in.ClientToken) {
		t.Fatalf("ClientToken written back = %v, want a UUID", in.ClientToken)
	}
	// Sending the same input again reuses the written-back token.
	if _, err := client.BatchCreateUser(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	reqs := s.Requests()
	if len(reqs) != 3 {
		t.Fatalf("sent %d requests, want 3 (a retried call, then one more)", len(reqs))
	}
	for i, r := range reqs {
		if got := r.Header.Get("X-Client-Token"); got != *in.ClientToken {
			t.Errorf("request %d: X-Client-Token %q, want %q", i+1, got, *in.ClientToken)
		}
	}
	if reqs[0].Header.Get("Amz-Sdk-Request") != "attempt=1; max=3" || reqs[1].Header.Get("Amz-Sdk-Request") != "attempt=2; max=3" {
		t.Errorf("attempt headers %q, %q", reqs[0].Header.Get("Amz-Sdk-Request"), reqs[1].Header.Get("Amz-Sdk-Request"))
	}
}

type fixedToken string

func (f fixedToken) GetIdempotencyToken() (string, error) { return string(f), nil }

func TestBatchCreateUserTokenProviderAndEmptyToken(t *testing.T) {
	s := resttest.NewServer(t, ok)
	client := wickrapi.NewFromConfig(s.Config(), func(o *wickrapi.Options) {
		o.IdempotencyTokenProvider = fixedToken("tok-1")
	})
	if _, err := client.BatchCreateUser(context.Background(), minimalInput()); err != nil {
		t.Fatal(err)
	}
	in := minimalInput()
	in.ClientToken = aws.String("")
	if _, err := client.BatchCreateUser(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	reqs := s.Requests()
	if got := reqs[0].Header.Get("X-Client-Token"); got != "tok-1" {
		t.Errorf("X-Client-Token = %q, want tok-1 from the provider", got)
	}
	if got := reqs[1].Header.Values("X-Client-Token"); len(got) != 0 {
		t.Errorf("empty ClientToken sent as %q, want no header (as the SDK)", got)
	}
}

func TestBatchCreateUserEndpoints(t *testing.T) {
	tests := []struct {
		name     string
		cfg      aws.Config
		opt      func(*wickrapi.Options)
		wantURL  string
		wantRegn string
	}{
		{"regional", aws.Config{Region: "us-east-1"}, nil, "https://admin.wickr.us-east-1.amazonaws.com/networks/12345678/users", "us-east-1"},
		{"regional other", aws.Config{Region: "ap-southeast-2"}, nil, "https://admin.wickr.ap-southeast-2.amazonaws.com/networks/12345678/users", "ap-southeast-2"},
		{"fips option", aws.Config{Region: "us-west-2"}, func(o *wickrapi.Options) { o.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled },
			"https://admin.wickr-fips.us-west-2.amazonaws.com/networks/12345678/users", "us-west-2"},
		{"fips from config sources", aws.Config{Region: "us-east-1", ConfigSources: []any{fipsOn{}}}, nil,
			"https://admin.wickr-fips.us-east-1.amazonaws.com/networks/12345678/users", "us-east-1"},
		{"base endpoint", aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String("http://localhost:9999/base")}, nil,
			"http://localhost:9999/base/networks/12345678/users", "eu-west-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := &resttest.StubClient{}
			tt.cfg.HTTPClient = stub
			tt.cfg.Credentials = resttest.Credentials()
			var opts []func(*wickrapi.Options)
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			if _, err := wickrapi.NewFromConfig(tt.cfg, opts...).BatchCreateUser(context.Background(), minimalInput()); err != nil {
				t.Fatal(err)
			}
			r := stub.Requests()[0]
			if got := r.URL.String(); got != tt.wantURL {
				t.Errorf("URL = %s, want %s", got, tt.wantURL)
			}
			if auth := r.Header.Get("Authorization"); !strings.Contains(auth, "/"+tt.wantRegn+"/wickr/aws4_request") {
				t.Errorf("Authorization %q, want scope %s/wickr", auth, tt.wantRegn)
			}
		})
	}
}

type fipsOn struct{}

func (fipsOn) GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error) {
	return aws.FIPSEndpointStateEnabled, true, nil
}

// TestBatchCreateUserErrors covers the wickr rows of the section-8 error
// table and every modeled error.
func TestBatchCreateUserErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		header   string
		body     string
		check    func(error) bool
		wantCode string
		wantMsg  string
	}{
		{"validation by header", 400, "ValidationError", `{"message":"bad","reasons":[{"field":"username","reason":"too long"}]}`,
			func(err error) bool {
				var e *wickrapi.ValidationError
				return errors.As(err, &e) && e.Message == nil && len(e.Reasons) == 1 &&
					*e.Reasons[0].Field == "username" && *e.Reasons[0].Reason == "too long"
			}, "ValidationError", ""},
		{"validation 422", 422, "ValidationError", `{"reasons":[]}`, isType[*wickrapi.ValidationError], "ValidationError", ""},
		{"not found by body code", 404, "", `{"code":"ResourceNotFoundError","message":"no network"}`,
			isType[*wickrapi.ResourceNotFoundError], "ResourceNotFoundError", "no network"},
		{"bad request by __type", 400, "", `{"__type":"BadRequestError","message":"bad"}`,
			isType[*wickrapi.BadRequestError], "BadRequestError", "bad"},
		{"unauthorized", 401, "UnauthorizedError", `{"message":"who"}`, isType[*wickrapi.UnauthorizedError], "UnauthorizedError", "who"},
		{"forbidden", 403, "ForbiddenError", `{"message":"no"}`, isType[*wickrapi.ForbiddenError], "ForbiddenError", "no"},
		{"rate limit", 429, "RateLimitError", `{"message":"Too many requests sent"}`, isType[*wickrapi.RateLimitError], "RateLimitError", "Too many requests sent"},
		{"internal", 500, "InternalServerError", `{"message":"oops"}`, isType[*wickrapi.InternalServerError], "InternalServerError", "oops"},
		{"header sanitized", 400, "BadRequestError:http://internal.amazon.com/x", `{"message":"m"}`, isType[*wickrapi.BadRequestError], "BadRequestError", "m"},
		{"unmodeled", 400, "", `{"__type":"SomethingElse","message":"m"}`, isType[*smithy.GenericAPIError], "SomethingElse", "m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := resttest.NewServer(t, func(int, *http.Request, resttest.Request) resttest.Reply {
				h := map[string]string{"x-amzn-RequestId": "rid-1"}
				if tt.header != "" {
					h["X-Amzn-ErrorType"] = tt.header
				}
				return resttest.Reply{Status: tt.status, Header: h, Body: tt.body}
			})
			client := wickrapi.NewFromConfig(s.Config())
			out, err := client.BatchCreateUser(context.Background(), minimalInput(), func(o *wickrapi.Options) { o.RetryMaxAttempts = 1 })
			if out != nil || err == nil {
				t.Fatalf("got %v, %v; want an error", out, err)
			}
			var opErr *smithy.OperationError
			if !errors.As(err, &opErr) || opErr.ServiceID != "Wickr" || opErr.OperationName != "BatchCreateUser" {
				t.Errorf("got %v, want an OperationError Wickr BatchCreateUser", err)
			}
			var re *awshttp.ResponseError
			if !errors.As(err, &re) || re.RequestID != "rid-1" || re.HTTPStatusCode() != tt.status {
				t.Errorf("got %v, want a ResponseError with request ID rid-1 and status %d", err, tt.status)
			}
			if !tt.check(err) {
				t.Errorf("got %v, which is not the expected type", err)
			}
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.wantCode || apiErr.ErrorMessage() != tt.wantMsg {
				t.Errorf("got %v, want code %q message %q", err, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func isType[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func TestBatchCreateUserRetries(t *testing.T) {
	rateLimited := resttest.Reply{Status: 429, Header: map[string]string{"X-Amzn-ErrorType": "RateLimitError"}, Body: `{"message":"slow down"}`}
	internal := resttest.Reply{Status: 500, Header: map[string]string{"X-Amzn-ErrorType": "InternalServerError"}, Body: `{"message":"oops"}`}
	badRequest := resttest.Reply{Status: 400, Header: map[string]string{"X-Amzn-ErrorType": "BadRequestError"}, Body: `{"message":"bad"}`}
	success := resttest.Reply{Status: 200, Body: `{}`}
	tests := []struct {
		name      string
		replies   []resttest.Reply
		opt       func(*wickrapi.Options)
		wantSent  int
		wantError bool
	}{
		{"throttle retried then success", []resttest.Reply{rateLimited, rateLimited, success}, nil, 3, false},
		{"5xx retried then success", []resttest.Reply{internal, success}, nil, 2, false},
		{"4xx not retried", []resttest.Reply{badRequest, success}, nil, 1, true},
		{"throttles exhaust max attempts", []resttest.Reply{rateLimited, rateLimited, rateLimited, success}, nil, 3, true},
		{"per-call max attempts", []resttest.Reply{internal, internal, success}, func(o *wickrapi.Options) { o.RetryMaxAttempts = 2 }, 2, true},
		{"per-call replaced retryer drops throttle codes", []resttest.Reply{rateLimited, success},
			func(o *wickrapi.Options) { o.Retryer = resttest.NoDelayRetryer() }, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := resttest.NewServer(t, func(n int, _ *http.Request, _ resttest.Request) resttest.Reply {
				return tt.replies[min(n, len(tt.replies))-1]
			})
			var opts []func(*wickrapi.Options)
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			_, err := wickrapi.NewFromConfig(s.Config()).BatchCreateUser(context.Background(), minimalInput(), opts...)
			if (err != nil) != tt.wantError {
				t.Errorf("error = %v, want error %v", err, tt.wantError)
			}
			if n := len(s.Requests()); n != tt.wantSent {
				t.Errorf("sent %d requests, want %d", n, tt.wantSent)
			}
		})
	}
}

// countingRetryer is the kind of wrapper an adapter installs per call: it
// sees every failed attempt and defers to the client's retryer.
type countingRetryer struct {
	aws.RetryerV2
	throttles *atomic.Int32
}

func (r countingRetryer) IsErrorRetryable(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "RateLimitError" {
		r.throttles.Add(1)
	}
	return r.RetryerV2.IsErrorRetryable(err)
}

func TestBatchCreateUserPerCallRetryerWrapper(t *testing.T) {
	s := resttest.NewServer(t, func(n int, _ *http.Request, _ resttest.Request) resttest.Reply {
		if n == 1 {
			return resttest.Reply{Status: 429, Header: map[string]string{"X-Amzn-ErrorType": "RateLimitError"}, Body: `{}`}
		}
		return resttest.Reply{Status: 200, Body: `{}`}
	})
	client := wickrapi.NewFromConfig(s.Config())
	var throttles atomic.Int32
	_, err := client.BatchCreateUser(context.Background(), minimalInput(), func(o *wickrapi.Options) {
		o.Retryer = countingRetryer{RetryerV2: o.Retryer.(aws.RetryerV2), throttles: &throttles}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := throttles.Load(); got != 1 {
		t.Errorf("wrapper saw %d throttles, want 1", got)
	}
	if n := len(s.Requests()); n != 2 {
		t.Errorf("sent %d requests, want 2", n)
	}
	// The per-call wrapper did not change the client.
	if _, ok := client.Options().Retryer.(countingRetryer); ok {
		t.Error("per-call option changed the client's retryer")
	}
}

func TestBatchCreateUserRequiredInput(t *testing.T) {
	secret := "SecretFirstName"
	tests := []struct {
		name       string
		in         *wickrapi.BatchCreateUserInput
		wantFields []string
	}{
		{"nil input", nil, []string{"BatchCreateUserInput.NetworkId", "BatchCreateUserInput.Users"}},
		{"no network", &wickrapi.BatchCreateUserInput{Users: []wickrapi.BatchCreateUserRequestItem{}}, []string{"BatchCreateUserInput.NetworkId"}},
		{"empty network", &wickrapi.BatchCreateUserInput{NetworkId: aws.String(""), Users: []wickrapi.BatchCreateUserRequestItem{}}, []string{"BatchCreateUserInput.NetworkId"}},
		{"no users", &wickrapi.BatchCreateUserInput{NetworkId: aws.String("12345678")}, []string{"BatchCreateUserInput.Users"}},
		{"item members", &wickrapi.BatchCreateUserInput{NetworkId: aws.String("12345678"), Users: []wickrapi.BatchCreateUserRequestItem{
			{Username: aws.String("ok"), SecurityGroupIds: []string{"g"}},
			{FirstName: &secret},
			{Username: aws.String("x")},
		}}, []string{
			"BatchCreateUserInput.Users[1].Username",
			"BatchCreateUserInput.Users[1].SecurityGroupIds",
			"BatchCreateUserInput.Users[2].SecurityGroupIds",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := resttest.NewServer(t, ok)
			_, err := wickrapi.NewFromConfig(s.Config()).BatchCreateUser(context.Background(), tt.in)
			var opErr *smithy.OperationError
			var invalid smithy.InvalidParamsError
			if !errors.As(err, &opErr) || !errors.As(err, &invalid) {
				t.Fatalf("got %v, want InvalidParamsError inside an OperationError", err)
			}
			var fields []string
			for _, e := range invalid.Errs() {
				fields = append(fields, e.(smithy.InvalidParamError).Field())
			}
			if !reflect.DeepEqual(fields, tt.wantFields) {
				t.Errorf("fields %v, want %v", fields, tt.wantFields)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q leaks a first name", err)
			}
			if n := len(s.Requests()); n != 0 {
				t.Errorf("sent %d requests, want 0", n)
			}
			if tt.in != nil && tt.in.ClientToken != nil {
				t.Error("invalid input got a client token")
			}
		})
	}
}

func TestBatchCreateUserCanceled(t *testing.T) {
	s := resttest.NewServer(t, ok)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := wickrapi.NewFromConfig(s.Config()).BatchCreateUser(ctx, minimalInput())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("sent %d requests, want 0", n)
	}
}

func TestNewWrapsRetryerWithThrottleCodes(t *testing.T) {
	client := wickrapi.New(wickrapi.Options{Region: "us-east-1", Retryer: retry.NewStandard()})
	rateLimit := &smithy.GenericAPIError{Code: "RateLimitError"}
	if !client.Options().Retryer.IsErrorRetryable(rateLimit) {
		t.Error("client retryer does not retry RateLimitError")
	}
	if retry.NewStandard().IsErrorRetryable(rateLimit) {
		t.Error("the plain standard retryer retries RateLimitError; the wrapping is no longer needed")
	}
}
