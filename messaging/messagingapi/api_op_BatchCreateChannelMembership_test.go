package messagingapi_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
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
	"github.com/batchkit/batchkit/messaging/messagingapi"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	channelARN = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/channel/ch-1"
	bearerARN  = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/user/admin"
	user1      = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/user/u1"
	user2      = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/user/u2"
	escapedURI = "/channels/arn%3Aaws%3Achime%3Aus-east-1%3A111122223333%3Aapp-instance%2Fai-1%2Fchannel%2Fch-1/memberships?operation=batch-create"
)

func input() *messagingapi.BatchCreateChannelMembershipInput {
	return &messagingapi.BatchCreateChannelMembershipInput{
		ChannelArn:  aws.String(channelARN),
		ChimeBearer: aws.String(bearerARN),
		MemberArns:  []string{user1, user2},
		Type:        messagingapi.ChannelMembershipTypeDefault,
	}
}

func ok(int, *http.Request, resttest.Request) resttest.Reply {
	return resttest.Reply{Status: 200, Body: `{}`}
}

// TestBatchCreateChannelMembershipWire compares the request with what the
// official client sends (facts sheet sections 4.8 and 8).
func TestBatchCreateChannelMembershipWire(t *testing.T) {
	tests := []struct {
		name     string
		in       *messagingapi.BatchCreateChannelMembershipInput
		wantBody string
	}{
		{"default", input(), `{"MemberArns":["` + user1 + `","` + user2 + `"],"Type":"DEFAULT"}`},
		{"all members", &messagingapi.BatchCreateChannelMembershipInput{
			ChannelArn: aws.String(channelARN), ChimeBearer: aws.String(bearerARN),
			MemberArns: []string{user1}, Type: messagingapi.ChannelMembershipTypeHidden, SubChannelId: aws.String("sub-1"),
		}, `{"MemberArns":["` + user1 + `"],"SubChannelId":"sub-1","Type":"HIDDEN"}`},
		{"type omitted", &messagingapi.BatchCreateChannelMembershipInput{
			ChannelArn: aws.String(channelARN), ChimeBearer: aws.String(bearerARN), MemberArns: []string{},
		}, `{"MemberArns":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := resttest.NewServer(t, ok)
			if _, err := messagingapi.NewFromConfig(s.Config()).BatchCreateChannelMembership(context.Background(), tt.in); err != nil {
				t.Fatal(err)
			}
			r := s.Requests()[0]
			if r.Method != http.MethodPost || r.RequestURI != escapedURI {
				t.Errorf("request line %s %s, want POST %s", r.Method, r.RequestURI, escapedURI)
			}
			if r.Path != "/channels/"+channelARN+"/memberships" || r.RawQuery != "operation=batch-create" {
				t.Errorf("decoded path %s query %s", r.Path, r.RawQuery)
			}
			if string(r.Body) != tt.wantBody {
				t.Errorf("body\n got  %s\n want %s", r.Body, tt.wantBody)
			}
			for k, want := range map[string]string{
				"Content-Type":       "application/json",
				"X-Amz-Chime-Bearer": bearerARN,
				"Amz-Sdk-Request":    "attempt=1; max=3",
			} {
				if got := r.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if r.Header.Get("Amz-Sdk-Invocation-Id") == "" || r.Header.Get("User-Agent") == "" {
				t.Error("missing Amz-Sdk-Invocation-Id or User-Agent")
			}
			if err := resttest.VerifySignature(r, "chime", "us-east-1"); err != nil {
				t.Error(err)
			}
			if auth := r.Header.Get("Authorization"); !strings.Contains(auth, "x-amz-chime-bearer") {
				t.Errorf("Authorization %q does not sign x-amz-chime-bearer", auth)
			}
		})
	}
}

func TestBatchCreateChannelMembershipOutput(t *testing.T) {
	const body = `{"BatchChannelMemberships":{"ChannelArn":"c","InvitedBy":{"Arn":"b","Name":"Bee"},` +
		`"Members":[{"Arn":"m1","Name":"One"},{"Arn":"m2"}],"SubChannelId":"s","Type":"DEFAULT"},` +
		`"Errors":[{"ErrorCode":"NotFound","ErrorMessage":"gone","MemberArn":"m3"}]}`
	s := resttest.NewServer(t, func(int, *http.Request, resttest.Request) resttest.Reply {
		return resttest.Reply{Status: 200, Body: body}
	})
	out, err := messagingapi.NewFromConfig(s.Config()).BatchCreateChannelMembership(context.Background(), input())
	if err != nil {
		t.Fatal(err)
	}
	want := &messagingapi.BatchCreateChannelMembershipOutput{
		BatchChannelMemberships: &messagingapi.BatchChannelMemberships{
			ChannelArn:   aws.String("c"),
			InvitedBy:    &messagingapi.Identity{Arn: aws.String("b"), Name: aws.String("Bee")},
			Members:      []messagingapi.Identity{{Arn: aws.String("m1"), Name: aws.String("One")}, {Arn: aws.String("m2")}},
			SubChannelId: aws.String("s"),
			Type:         messagingapi.ChannelMembershipTypeDefault,
		},
		Errors: []messagingapi.BatchCreateChannelMembershipError{
			{MemberArn: aws.String("m3"), ErrorCode: messagingapi.ErrorCodeNotFound, ErrorMessage: aws.String("gone")},
		},
	}
	out.ResultMetadata = middleware.Metadata{} // checked in TestResultMetadata
	if !reflect.DeepEqual(out, want) {
		t.Errorf("got %+v\nwant %+v", out, want)
	}
}

func TestBatchCreateChannelMembershipEndpoints(t *testing.T) {
	tests := []struct {
		name    string
		cfg     aws.Config
		opt     func(*messagingapi.Options)
		wantURL string
		region  string
	}{
		{"regional", aws.Config{Region: "us-east-1"}, nil, "https://messaging-chime.us-east-1.amazonaws.com" + escapedURI, "us-east-1"},
		{"regional other", aws.Config{Region: "eu-central-1"}, nil, "https://messaging-chime.eu-central-1.amazonaws.com" + escapedURI, "eu-central-1"},
		{"fips", aws.Config{Region: "us-east-1"}, func(o *messagingapi.Options) { o.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled },
			"https://messaging-chime-fips.us-east-1.amazonaws.com" + escapedURI, "us-east-1"},
		{"base endpoint", aws.Config{Region: "us-west-2", BaseEndpoint: aws.String("http://127.0.0.1:1")}, nil,
			"http://127.0.0.1:1" + escapedURI, "us-west-2"},
		{"base endpoint per client option", aws.Config{Region: "us-west-2"}, func(o *messagingapi.Options) { o.BaseEndpoint = aws.String("https://example.test") },
			"https://example.test" + escapedURI, "us-west-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := &resttest.StubClient{}
			tt.cfg.HTTPClient = stub
			tt.cfg.Credentials = resttest.Credentials()
			var opts []func(*messagingapi.Options)
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			if _, err := messagingapi.NewFromConfig(tt.cfg, opts...).BatchCreateChannelMembership(context.Background(), input()); err != nil {
				t.Fatal(err)
			}
			r := stub.Requests()[0]
			if got := r.URL.String(); got != tt.wantURL {
				t.Errorf("URL = %s, want %s", got, tt.wantURL)
			}
			if auth := r.Header.Get("Authorization"); !strings.Contains(auth, "/"+tt.region+"/chime/aws4_request") {
				t.Errorf("Authorization %q, want scope %s/chime", auth, tt.region)
			}
		})
	}
}

func TestBatchCreateChannelMembershipFIPSWithBaseEndpointFails(t *testing.T) {
	stub := &resttest.StubClient{}
	client := messagingapi.New(messagingapi.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("https://x"), UseFIPSEndpoint: aws.FIPSEndpointStateEnabled,
		HTTPClient: stub, Credentials: resttest.Credentials(),
	})
	_, err := client.BatchCreateChannelMembership(context.Background(), input())
	var opErr *smithy.OperationError
	if !errors.As(err, &opErr) {
		t.Fatalf("got %v, want an OperationError", err)
	}
	if n := len(stub.Requests()); n != 0 {
		t.Errorf("sent %d requests, want 0", n)
	}
}

// TestBatchCreateChannelMembershipErrors covers the chime-sdk-messaging rows
// of the section-8 error table and every modeled exception.
func TestBatchCreateChannelMembershipErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		header   string
		body     string
		check    func(error) bool
		wantCode string
		wantMsg  string
	}{
		{"header with short body code", 400, "BadRequestException", `{"Code":"BadRequest","Message":"bad"}`,
			func(err error) bool {
				var e *messagingapi.BadRequestException
				return errors.As(err, &e) && e.Code == messagingapi.ErrorCodeBadRequest
			}, "BadRequestException", "bad"},
		{"no header: short code wins over __type", 403, "", `{"__type":"ForbiddenException","Code":"Forbidden","Message":"no"}`,
			isType[*smithy.GenericAPIError], "Forbidden", "no"},
		{"snapshot form", 400, "", `{"__type":"BadRequestException","Code":"BadRequestException","Message":"m"}`,
			isType[*messagingapi.BadRequestException], "BadRequestException", "m"},
		{"__type only", 404, "", `{"__type":"NotFoundException","Message":"m"}`, isType[*messagingapi.NotFoundException], "NotFoundException", "m"},
		{"unauthorized", 401, "UnauthorizedClientException", `{"Code":"Unauthorized","Message":"m"}`, isType[*messagingapi.UnauthorizedClientException], "UnauthorizedClientException", "m"},
		{"forbidden", 403, "ForbiddenException", `{"Code":"Forbidden","Message":"m"}`, isType[*messagingapi.ForbiddenException], "ForbiddenException", "m"},
		{"not found", 404, "NotFoundException", `{"Code":"NotFound","Message":"m"}`, isType[*messagingapi.NotFoundException], "NotFoundException", "m"},
		{"resource limit", 400, "ResourceLimitExceededException", `{"Code":"ResourceLimitExceeded","Message":"m"}`, isType[*messagingapi.ResourceLimitExceededException], "ResourceLimitExceededException", "m"},
		{"throttled", 429, "ThrottledClientException", `{"Code":"Throttled","Message":"m"}`, isType[*messagingapi.ThrottledClientException], "ThrottledClientException", "m"},
		{"service failure", 500, "ServiceFailureException", `{"Code":"ServiceFailure","message":"m"}`, isType[*messagingapi.ServiceFailureException], "ServiceFailureException", "m"},
		{"service unavailable", 503, "ServiceUnavailableException", `{"Code":"ServiceUnavailable","Message":"m"}`, isType[*messagingapi.ServiceUnavailableException], "ServiceUnavailableException", "m"},
		{"header sanitized", 400, "com.amazonaws.chimesdkmessaging#BadRequestException:http://x", `{"Message":"m"}`, isType[*messagingapi.BadRequestException], "BadRequestException", "m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := resttest.NewServer(t, func(int, *http.Request, resttest.Request) resttest.Reply {
				h := map[string]string{"X-Amzn-RequestId": "rid-2"}
				if tt.header != "" {
					h["X-Amzn-ErrorType"] = tt.header
				}
				return resttest.Reply{Status: tt.status, Header: h, Body: tt.body}
			})
			out, err := messagingapi.NewFromConfig(s.Config()).BatchCreateChannelMembership(context.Background(), input(),
				func(o *messagingapi.Options) { o.RetryMaxAttempts = 1 })
			if out != nil || err == nil {
				t.Fatalf("got %v, %v; want an error", out, err)
			}
			var opErr *smithy.OperationError
			if !errors.As(err, &opErr) || opErr.ServiceID != "Chime SDK Messaging" || opErr.OperationName != "BatchCreateChannelMembership" {
				t.Errorf("got %v, want an OperationError for Chime SDK Messaging BatchCreateChannelMembership", err)
			}
			var re *awshttp.ResponseError
			if !errors.As(err, &re) || re.RequestID != "rid-2" || re.HTTPStatusCode() != tt.status {
				t.Errorf("got %v, want a ResponseError with request ID rid-2 and status %d", err, tt.status)
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

func TestBatchCreateChannelMembershipRetries(t *testing.T) {
	throttled := resttest.Reply{Status: 429, Header: map[string]string{"X-Amzn-ErrorType": "ThrottledClientException"}, Body: `{"Code":"Throttled"}`}
	unavailable := resttest.Reply{Status: 503, Header: map[string]string{"X-Amzn-ErrorType": "ServiceUnavailableException"}, Body: `{}`}
	notFound := resttest.Reply{Status: 404, Header: map[string]string{"X-Amzn-ErrorType": "NotFoundException"}, Body: `{"Code":"NotFound"}`}
	success := resttest.Reply{Status: 200, Body: `{}`}
	tests := []struct {
		name      string
		replies   []resttest.Reply
		opt       func(*messagingapi.Options)
		wantSent  int
		wantError bool
	}{
		{"throttle retried then success", []resttest.Reply{throttled, success}, nil, 2, false},
		{"5xx retried then success", []resttest.Reply{unavailable, unavailable, success}, nil, 3, false},
		{"4xx not retried", []resttest.Reply{notFound, success}, nil, 1, true},
		{"dropped connection retried", []resttest.Reply{{Drop: true}, success}, nil, 2, false},
		{"per-call nop retryer", []resttest.Reply{unavailable, success}, func(o *messagingapi.Options) { o.Retryer = aws.NopRetryer{} }, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := resttest.NewServer(t, func(n int, _ *http.Request, _ resttest.Request) resttest.Reply {
				return tt.replies[min(n, len(tt.replies))-1]
			})
			var opts []func(*messagingapi.Options)
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			_, err := messagingapi.NewFromConfig(s.Config()).BatchCreateChannelMembership(context.Background(), input(), opts...)
			if (err != nil) != tt.wantError {
				t.Errorf("error = %v, want error %v", err, tt.wantError)
			}
			if n := len(s.Requests()); n != tt.wantSent {
				t.Errorf("sent %d requests, want %d", n, tt.wantSent)
			}
		})
	}
}

type countingRetryer struct {
	aws.RetryerV2
	calls *atomic.Int32
}

func (r countingRetryer) IsErrorRetryable(err error) bool {
	r.calls.Add(1)
	return r.RetryerV2.IsErrorRetryable(err)
}

func TestBatchCreateChannelMembershipPerCallRetryerWrapper(t *testing.T) {
	s := resttest.NewServer(t, func(n int, _ *http.Request, _ resttest.Request) resttest.Reply {
		if n <= 2 {
			return resttest.Reply{Status: 429, Header: map[string]string{"X-Amzn-ErrorType": "ThrottledClientException"}, Body: `{}`}
		}
		return resttest.Reply{Status: 200, Body: `{}`}
	})
	var calls atomic.Int32
	_, err := messagingapi.NewFromConfig(s.Config()).BatchCreateChannelMembership(context.Background(), input(), func(o *messagingapi.Options) {
		o.Retryer = countingRetryer{RetryerV2: o.Retryer.(aws.RetryerV2), calls: &calls}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("wrapper consulted %d times, want 2 (one per throttled attempt)", got)
	}
}

func TestBatchCreateChannelMembershipRequiredInput(t *testing.T) {
	tests := []struct {
		name       string
		in         *messagingapi.BatchCreateChannelMembershipInput
		wantFields []string
	}{
		{"nil input", nil, []string{
			"BatchCreateChannelMembershipInput.ChannelArn",
			"BatchCreateChannelMembershipInput.MemberArns",
			"BatchCreateChannelMembershipInput.ChimeBearer",
		}},
		{"empty channel and bearer", &messagingapi.BatchCreateChannelMembershipInput{
			ChannelArn: aws.String(""), ChimeBearer: aws.String(""), MemberArns: []string{user1},
		}, []string{"BatchCreateChannelMembershipInput.ChannelArn", "BatchCreateChannelMembershipInput.ChimeBearer"}},
		{"no members", &messagingapi.BatchCreateChannelMembershipInput{
			ChannelArn: aws.String(channelARN), ChimeBearer: aws.String(bearerARN),
		}, []string{"BatchCreateChannelMembershipInput.MemberArns"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := resttest.NewServer(t, ok)
			_, err := messagingapi.NewFromConfig(s.Config()).BatchCreateChannelMembership(context.Background(), tt.in)
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
			if n := len(s.Requests()); n != 0 {
				t.Errorf("sent %d requests, want 0", n)
			}
		})
	}
}

func TestBatchCreateChannelMembershipCanceledWhileWaiting(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	s := resttest.NewServer(t, func(_ int, r *http.Request, _ resttest.Request) resttest.Reply {
		close(arrived)
		select {
		case <-r.Context().Done():
		case <-release:
		}
		return resttest.Reply{Status: 200, Body: `{}`}
	})
	t.Cleanup(func() { close(release) }) // runs before the server closes
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		_, err := messagingapi.NewFromConfig(s.Config()).BatchCreateChannelMembership(ctx, input())
		errc <- err
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

func TestNewWrapsRetryerWithThrottleCodes(t *testing.T) {
	client := messagingapi.New(messagingapi.Options{Region: "us-east-1", Retryer: retry.NewStandard()})
	throttled := &smithy.GenericAPIError{Code: "ThrottledClientException"}
	if !client.Options().Retryer.IsErrorRetryable(throttled) {
		t.Error("client retryer does not retry ThrottledClientException")
	}
	if retry.NewStandard().IsErrorRetryable(throttled) {
		t.Error("the plain standard retryer retries ThrottledClientException; the wrapping is no longer needed")
	}
}
