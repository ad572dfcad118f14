package wickr_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

// cannedAPI is a hand-written wickr.API: it records each input and the
// options the adapter set, and answers with answer (or an empty answer).
type cannedAPI struct {
	answer func(in *wickrapi.BatchCreateUserInput) (*wickrapi.BatchCreateUserOutput, error)

	mu     sync.Mutex
	inputs []*wickrapi.BatchCreateUserInput
	opts   []wickrapi.Options
}

func (c *cannedAPI) BatchCreateUser(_ context.Context, in *wickrapi.BatchCreateUserInput, optFns ...func(*wickrapi.Options)) (*wickrapi.BatchCreateUserOutput, error) {
	o := wickrapi.Options{Retryer: retry.NewStandard(), HTTPClient: http.DefaultClient}
	for _, fn := range optFns {
		fn(&o)
	}
	c.mu.Lock()
	c.inputs = append(c.inputs, in)
	c.opts = append(c.opts, o)
	c.mu.Unlock()
	if c.answer == nil {
		return createdAll(in), nil
	}
	return c.answer(in)
}

func (c *cannedAPI) tokens() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var t []string
	for _, in := range c.inputs {
		t = append(t, aws.ToString(in.ClientToken))
	}
	return t
}

// createdAll answers that every user of in was created.
func createdAll(in *wickrapi.BatchCreateUserInput) *wickrapi.BatchCreateUserOutput {
	out := &wickrapi.BatchCreateUserOutput{Failed: []wickrapi.BatchUserErrorResponseItem{}}
	for i, u := range in.Users {
		out.Successful = append(out.Successful, wickrapi.User{UserId: aws.String(fmt.Sprint(100 + i)), Username: u.Username})
	}
	return out
}

func newUser(network, name string) wickr.NewUser {
	return wickr.NewUser{NetworkId: network, Username: name, SecurityGroupIds: []string{"sg-1"}}
}

func TestValidate(t *testing.T) {
	a := wickr.New(&cannedAPI{})
	ok := wickr.NewUser{NetworkId: "12345678", Username: "jane@example.com", SecurityGroupIds: []string{"BCTY8Qhe"},
		FirstName: "Jane", LastName: "Doe", InviteCode: "INV", InviteCodeTtl: aws.Int32(7), CodeValidation: aws.Bool(true)}
	with := func(f func(*wickr.NewUser)) wickr.NewUser {
		u := ok
		u.SecurityGroupIds = append([]string(nil), ok.SecurityGroupIds...)
		f(&u)
		return u
	}
	tests := []struct {
		name  string
		item  wickr.NewUser
		field string // "" means valid
	}{
		{"valid", ok, ""},
		{"minimal", newUser("00000000", "u"), ""},
		{"spaces in user name", with(func(u *wickr.NewUser) { u.Username = " j a n e " }), ""},
		{"unicode user name", with(func(u *wickr.NewUser) { u.Username = "jörg@example.com" }), ""},
		{"U+0085 is not white space in the model", with(func(u *wickr.NewUser) { u.SecurityGroupIds = []string{"sg\u0085x"} }), ""},
		{"empty network", with(func(u *wickr.NewUser) { u.NetworkId = "" }), "NetworkId"},
		{"short network", with(func(u *wickr.NewUser) { u.NetworkId = "1234567" }), "NetworkId"},
		{"long network", with(func(u *wickr.NewUser) { u.NetworkId = "123456789" }), "NetworkId"},
		{"letters in network", with(func(u *wickr.NewUser) { u.NetworkId = "1234567a" }), "NetworkId"},
		{"unicode digits in network", with(func(u *wickr.NewUser) { u.NetworkId = "1234567٣" }), "NetworkId"},
		{"empty user name", with(func(u *wickr.NewUser) { u.Username = "" }), "Username"},
		{"invalid UTF-8 user name", with(func(u *wickr.NewUser) { u.Username = "a\xffb" }), "Username"},
		{"no security group", with(func(u *wickr.NewUser) { u.SecurityGroupIds = nil }), "SecurityGroupIds"},
		{"empty security group list", with(func(u *wickr.NewUser) { u.SecurityGroupIds = []string{} }), "SecurityGroupIds"},
		{"two security groups", with(func(u *wickr.NewUser) { u.SecurityGroupIds = []string{"a", "b"} }), "SecurityGroupIds"},
		{"empty security group", with(func(u *wickr.NewUser) { u.SecurityGroupIds = []string{""} }), "SecurityGroupIds"},
		{"space in security group", with(func(u *wickr.NewUser) { u.SecurityGroupIds = []string{"sg 1"} }), "SecurityGroupIds"},
		{"nbsp in security group", with(func(u *wickr.NewUser) { u.SecurityGroupIds = []string{"sg\u00a01"} }), "SecurityGroupIds"},
		{"BOM in security group", with(func(u *wickr.NewUser) { u.SecurityGroupIds = []string{"\ufeffsg"} }), "SecurityGroupIds"},
		{"invalid UTF-8 first name", with(func(u *wickr.NewUser) { u.FirstName = "J\xc3" }), "FirstName"},
		{"invalid UTF-8 last name", with(func(u *wickr.NewUser) { u.LastName = "\xff" }), "LastName"},
		{"invalid UTF-8 invite code", with(func(u *wickr.NewUser) { u.InviteCode = "\xfe" }), "InviteCode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := a.Validate(tt.item)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var e *batch.Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate() = %v, want a *batch.Error", err)
			}
			if e.Code != batch.CodeInvalidInput || e.Field != tt.field || e.Retryable {
				t.Errorf("Validate() = code %s field %q retryable %v, want %s field %q permanent", e.Code, e.Field, e.Retryable, batch.CodeInvalidInput, tt.field)
			}
			if !strings.Contains(e.Error(), tt.field) {
				t.Errorf("error %q does not name the field %s", e.Error(), tt.field)
			}
			for _, secret := range []string{tt.item.FirstName, tt.item.LastName, tt.item.InviteCode} {
				if secret != "" && strings.Contains(e.Error(), secret) {
					t.Errorf("error %q quotes a sensitive value", e.Error())
				}
			}
		})
	}
}

func TestAdapterShape(t *testing.T) {
	for _, tt := range []struct{ opt, want int }{{0, 50}, {-1, 50}, {5, 5}, {50, 50}, {51, 50}, {1000, 50}} {
		a := wickr.New(&cannedAPI{}, func(o *wickr.Options) { o.MaxItemsPerCall = tt.opt })
		if got := a.MaxItems(); got != tt.want {
			t.Errorf("MaxItemsPerCall %d: MaxItems() = %d, want %d", tt.opt, got, tt.want)
		}
	}
	a := wickr.New(&cannedAPI{})
	u := newUser("12345678", "jane@example.com")
	if got := a.Operation(); got != "BatchCreateUser" {
		t.Errorf("Operation() = %q, want BatchCreateUser", got)
	}
	if got := a.Key(u); got != "12345678" {
		t.Errorf("Key() = %q", got)
	}
	if got := a.Identity(u); got != "jane@example.com" {
		t.Errorf("Identity() = %q", got)
	}
}

func TestCallBuildsRequest(t *testing.T) {
	api := &cannedAPI{}
	var clientOptRan bool
	a := wickr.New(api, func(o *wickr.Options) {
		o.ClientOptions = append(o.ClientOptions, func(*wickrapi.Options) { clientOptRan = true })
	})
	items := []wickr.NewUser{
		{NetworkId: "12345678", Username: "zed", SecurityGroupIds: []string{"sg-2"}, FirstName: "Zed", LastName: "Z",
			InviteCode: "INV", InviteCodeTtl: aws.Int32(3), CodeValidation: aws.Bool(false)},
		newUser("12345678", "amy"),
		newUser("12345678", "Bob"),
	}
	res, err := a.Call(context.Background(), "12345678", items)
	if err != nil {
		t.Fatalf("Call() error = %v", err)
	}
	for i, r := range res {
		if r.Err != nil || r.Value.User.Username == nil || *r.Value.User.Username != items[i].Username || r.Value.UserId == "" {
			t.Errorf("result %d = %+v, want the user %s created", i, r, items[i].Username)
		}
	}
	if !clientOptRan {
		t.Error("Options.ClientOptions were not applied to the call")
	}
	in := api.inputs[0]
	if got := aws.ToString(in.NetworkId); got != "12345678" {
		t.Errorf("NetworkId = %q", got)
	}
	var order []string
	for _, u := range in.Users {
		order = append(order, aws.ToString(u.Username))
	}
	if fmt.Sprint(order) != "[Bob amy zed]" {
		t.Errorf("users sent in order %v, want sorted by user name", order)
	}
	zed := in.Users[2]
	if aws.ToString(zed.FirstName) != "Zed" || aws.ToString(zed.LastName) != "Z" || aws.ToString(zed.InviteCode) != "INV" ||
		aws.ToInt32(zed.InviteCodeTtl) != 3 || zed.CodeValidation == nil || *zed.CodeValidation || fmt.Sprint(zed.SecurityGroupIds) != "[sg-2]" {
		t.Errorf("zed sent as %+v", zed)
	}
	if amy := in.Users[1]; amy.FirstName != nil || amy.LastName != nil || amy.InviteCode != nil || amy.InviteCodeTtl != nil || amy.CodeValidation != nil {
		t.Errorf("amy sent with optional members set: %+v", amy)
	}
	if got, want := aws.ToString(in.ClientToken), a.ClientToken("12345678", items...); got != want || len(got) != 64 {
		t.Errorf("ClientToken = %q, want %q (64 characters)", got, want)
	}
	o := api.opts[0]
	if o.Retryer == nil || !o.Retryer.IsErrorRetryable(&wickrapi.RateLimitError{}) {
		t.Error("the per-call retryer does not retry RateLimitError")
	}
	if _, ok := o.HTTPClient.(*http.Client); ok {
		t.Error("the per-call HTTP client does not check answers")
	}
}

// TestCallRetryer checks the per-call retryer wrapper: Wickr's throttle and
// Options.ThrottleCodes are retried, other decisions are the wrapped
// retryer's.
func TestCallRetryer(t *testing.T) {
	api := &cannedAPI{}
	a := wickr.New(api, func(o *wickr.Options) { o.ThrottleCodes = []string{"SlowDownPlease"} })
	if _, err := a.Call(context.Background(), "12345678", []wickr.NewUser{newUser("12345678", "u")}); err != nil {
		t.Fatal(err)
	}
	r := api.opts[0].Retryer
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&wickrapi.RateLimitError{}, true},
		{&smithy.GenericAPIError{Code: "SlowDownPlease"}, true},
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, true},
		{&wickrapi.BadRequestError{}, false},
		{&wickrapi.ResourceNotFoundError{}, false},
		{&wickrapi.ValidationError{}, false},
	} {
		if got := r.IsErrorRetryable(tt.err); got != tt.want {
			t.Errorf("IsErrorRetryable(%T) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestCallWithoutClient(t *testing.T) {
	a := wickr.New(nil)
	_, err := a.Call(context.Background(), "12345678", []wickr.NewUser{newUser("12345678", "u")})
	if err == nil {
		t.Fatal("Call() without a client succeeded")
	}
	e, scope := a.Classify(err)
	if scope != batch.ScopeRun || e.Code != batch.CodeInvalidInput || !strings.Contains(e.Message, "no client") {
		t.Errorf("Classify() = %s %s %q, want InvalidInput, run, naming the client", e.Code, scope, e.Message)
	}
}

func sentinel(c batch.Code) error {
	return map[batch.Code]error{
		batch.CodeInvalidInput: batch.ErrInvalidInput, batch.CodeNotFound: batch.ErrNotFound,
		batch.CodeConflict: batch.ErrConflict, batch.CodeForbidden: batch.ErrForbidden,
		batch.CodeUnauthorized: batch.ErrUnauthorized, batch.CodeLimitExceeded: batch.ErrLimitExceeded,
		batch.CodeThrottled: batch.ErrThrottled, batch.CodeUnavailable: batch.ErrUnavailable,
		batch.CodeInternal: batch.ErrInternal, batch.CodeUnmatched: batch.ErrUnmatched,
		batch.CodeCanceled: batch.ErrCanceled, batch.CodeUnknown: batch.ErrUnknown,
	}[c]
}

// opErr wraps err the way the client does for an HTTP answer with status.
func opErr(status int, err error) error {
	return &smithy.OperationError{ServiceID: "Wickr", OperationName: "BatchCreateUser", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(""))}},
			Err:      err,
		},
		RequestID: "req-1",
	}}
}

func TestClassify(t *testing.T) {
	a := wickr.New(&cannedAPI{})
	msg := aws.String("m")
	reasons := []wickrapi.ValidationErrorDetail{{Field: aws.String("users[3].username"), Reason: aws.String("is not valid")}}
	tests := []struct {
		name      string
		err       error
		code      batch.Code
		scope     batch.Scope
		retryable bool
		service   string
	}{
		{"validation", opErr(422, &wickrapi.ValidationError{Reasons: reasons}), batch.CodeInvalidInput, batch.ScopeItems, false, "ValidationError"},
		{"bad request", opErr(400, &wickrapi.BadRequestError{Message: msg}), batch.CodeInvalidInput, batch.ScopeItems, false, "BadRequestError"},
		{"network not found", opErr(404, &wickrapi.ResourceNotFoundError{Message: msg}), batch.CodeNotFound, batch.ScopeKey, false, "ResourceNotFoundError"},
		{"forbidden", opErr(403, &wickrapi.ForbiddenError{Message: msg}), batch.CodeForbidden, batch.ScopeKey, false, "ForbiddenError"},
		{"access denied", opErr(403, &smithy.GenericAPIError{Code: "AccessDeniedException"}), batch.CodeForbidden, batch.ScopeKey, false, "AccessDeniedException"},
		{"unauthorized", opErr(401, &wickrapi.UnauthorizedError{Message: msg}), batch.CodeUnauthorized, batch.ScopeRun, false, "UnauthorizedError"},
		{"unrecognized client", opErr(403, &smithy.GenericAPIError{Code: "UnrecognizedClientException"}), batch.CodeUnauthorized, batch.ScopeRun, false, "UnrecognizedClientException"},
		{"bad signature", opErr(403, &smithy.GenericAPIError{Code: "InvalidSignatureException"}), batch.CodeUnauthorized, batch.ScopeRun, false, "InvalidSignatureException"},
		{"missing auth", opErr(403, &smithy.GenericAPIError{Code: "MissingAuthenticationTokenException"}), batch.CodeUnauthorized, batch.ScopeRun, false, "MissingAuthenticationTokenException"},
		{"expired token", opErr(403, &smithy.GenericAPIError{Code: "ExpiredTokenException"}), batch.CodeUnauthorized, batch.ScopeRun, false, "ExpiredTokenException"},
		{"unknown 401", opErr(401, &smithy.GenericAPIError{Code: "Nope"}), batch.CodeUnauthorized, batch.ScopeRun, false, "Nope"},
		{"unknown 403", opErr(403, &smithy.GenericAPIError{Code: "Nope"}), batch.CodeForbidden, batch.ScopeRun, false, "Nope"},
		{"rate limit", opErr(429, &wickrapi.RateLimitError{Message: msg}), batch.CodeThrottled, batch.ScopeCall, true, "RateLimitError"},
		{"rate limit after max attempts", opErr(429, &retry.MaxAttemptsError{Attempt: 3, Err: &wickrapi.RateLimitError{}}), batch.CodeThrottled, batch.ScopeCall, true, "RateLimitError"},
		{"sdk throttle code", opErr(400, &smithy.GenericAPIError{Code: "ThrottlingException"}), batch.CodeThrottled, batch.ScopeCall, true, "ThrottlingException"},
		{"unknown 429", opErr(429, &smithy.GenericAPIError{Code: "Whoa"}), batch.CodeThrottled, batch.ScopeCall, true, "Whoa"},
		{"internal", opErr(500, &wickrapi.InternalServerError{Message: msg}), batch.CodeInternal, batch.ScopeCall, true, "InternalServerError"},
		{"unknown 502", opErr(502, &smithy.GenericAPIError{Code: "BadGateway"}), batch.CodeUnavailable, batch.ScopeCall, true, "BadGateway"},
		{"unknown 503", opErr(503, &smithy.GenericAPIError{Code: "X"}), batch.CodeUnavailable, batch.ScopeCall, true, "X"},
		{"unknown 418", opErr(418, &smithy.GenericAPIError{Code: "Teapot"}), batch.CodeUnknown, batch.ScopeCall, false, "Teapot"},
		{"malformed 200", opErr(200, &smithy.DeserializationError{Err: fmt.Errorf("failed to decode response body, %w", &wire.MalformedError{Reason: "trailing data"})}), batch.CodeUnmatched, batch.ScopeCall, true, ""},
		{"undecodable 200", opErr(200, &smithy.DeserializationError{Err: errors.New("expected String")}), batch.CodeUnmatched, batch.ScopeCall, true, ""},
		{"200 cut off", opErr(200, &smithy.DeserializationError{Err: io.ErrUnexpectedEOF}), batch.CodeUnavailable, batch.ScopeCall, true, ""},
		{"malformed 200 read error", opErr(200, &smithy.DeserializationError{Err: &smithyhttp.RequestSendError{Err: &wire.MalformedError{Reason: "null"}}}), batch.CodeUnmatched, batch.ScopeCall, true, ""},
		{"200 cut off read error", opErr(200, &smithy.DeserializationError{Err: &smithyhttp.RequestSendError{Err: io.ErrUnexpectedEOF}}), batch.CodeUnavailable, batch.ScopeCall, true, ""},
		{"malformed 503", opErr(503, &smithy.DeserializationError{Err: io.ErrUnexpectedEOF}), batch.CodeUnavailable, batch.ScopeCall, true, ""},
		{"retry quota", opErr(500, errors.Join(&wickrapi.InternalServerError{}, fmt.Errorf("failed to get rate limit token, %w", ratelimit.QuotaExceededError{}))), batch.CodeThrottled, batch.ScopeCall, true, "InternalServerError"},
		{"transport", &smithy.OperationError{Err: &smithyhttp.RequestSendError{Err: io.ErrUnexpectedEOF}}, batch.CodeUnavailable, batch.ScopeCall, true, ""},
		{"canceled", &smithy.OperationError{Err: &smithy.CanceledError{Err: context.Canceled}}, batch.CodeCanceled, batch.ScopeCall, false, ""},
		// Classify never sees the run's own cancellation: a deadline is a
		// time-out of something else, such as the HTTP client.
		{"deadline", &smithy.OperationError{Err: &aws.RequestCanceledError{Err: context.DeadlineExceeded}}, batch.CodeUnavailable, batch.ScopeCall, true, ""},
		{"client time-out", &smithy.OperationError{Err: &retry.MaxAttemptsError{Attempt: 3, Err: &smithyhttp.RequestSendError{Err: &url.Error{Op: "Post", URL: "u", Err: context.DeadlineExceeded}}}}, batch.CodeUnavailable, batch.ScopeCall, true, ""},
		{"invalid params", &smithy.OperationError{Err: smithy.InvalidParamsError{Context: "BatchCreateUserInput"}}, batch.CodeInvalidInput, batch.ScopeCall, false, ""},
		{"other", errors.New("boom"), batch.CodeUnknown, batch.ScopeCall, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, scope := a.Classify(tt.err)
			if e.Code != tt.code || scope != tt.scope || e.Retryable != tt.retryable || e.ServiceCode != tt.service {
				t.Errorf("Classify() = %s %s retryable=%v service=%q, want %s %s retryable=%v service=%q",
					e.Code, scope, e.Retryable, e.ServiceCode, tt.code, tt.scope, tt.retryable, tt.service)
			}
			if !errors.Is(e, tt.err) {
				t.Error("the original error is not reachable with errors.Is")
			}
			if !errors.Is(e, sentinel(tt.code)) {
				t.Errorf("errors.Is(err, sentinel of %s) = false", tt.code)
			}
			if e.Operation != "BatchCreateUser" || e.Message == "" {
				t.Errorf("Operation = %q, Message = %q", e.Operation, e.Message)
			}
			var re *awshttp.ResponseError
			if errors.As(tt.err, &re) && e.RequestID != "req-1" {
				t.Errorf("RequestID = %q, want req-1", e.RequestID)
			}
		})
	}
}

func TestClassifyValidationReasons(t *testing.T) {
	a := wickr.New(&cannedAPI{})
	one := &wickrapi.ValidationError{Reasons: []wickrapi.ValidationErrorDetail{
		{Field: aws.String("users[3].securityGroupIds[0]"), Reason: aws.String("must match ^[\\S]+$")},
	}}
	e, _ := a.Classify(opErr(422, one))
	if e.Field != "SecurityGroupIds" || !strings.Contains(e.Message, "users[3].securityGroupIds[0]: must match") {
		t.Errorf("one reason: field %q message %q", e.Field, e.Message)
	}
	two := &wickrapi.ValidationError{Reasons: []wickrapi.ValidationErrorDetail{
		{Field: aws.String("users[0].username"), Reason: aws.String("bad")},
		{Field: aws.String("users[1].securityGroupIds"), Reason: aws.String("bad")},
	}}
	if e, _ := a.Classify(opErr(422, two)); e.Field != "" || !strings.Contains(e.Message, "; ") {
		t.Errorf("two fields: field %q message %q, want no field and both reasons", e.Field, e.Message)
	}
	if e, _ := a.Classify(opErr(422, &wickrapi.ValidationError{})); e.Message == "" {
		t.Error("no reasons: empty message")
	}
}

// TestSensitiveValuesWithheld makes the service quote first names, last
// names and invite codes in every place a message can come from: none of
// them may reach an error string.
func TestSensitiveValuesWithheld(t *testing.T) {
	const first, last, code = "Zebulon", "Quixote", "SECRET-INVITE-42"
	items := []wickr.NewUser{
		{NetworkId: "12345678", Username: "a", SecurityGroupIds: []string{"sg"}, FirstName: first},
		{NetworkId: "12345678", Username: "b", SecurityGroupIds: []string{"sg"}, LastName: last, InviteCode: code},
	}
	secrets := []string{first, last, code}
	check := func(t *testing.T, where string, e *batch.Error) {
		t.Helper()
		if e == nil {
			t.Fatalf("%s: no error", where)
		}
		for _, s := range secrets {
			if strings.Contains(e.Error(), s) || strings.Contains(e.Message, s) {
				t.Errorf("%s: error %q quotes a sensitive value", where, e.Error())
			}
		}
		if !strings.Contains(e.Message, "withheld") {
			t.Errorf("%s: message %q does not say it was withheld", where, e.Message)
		}
	}

	for _, callErr := range []error{
		opErr(400, &wickrapi.BadRequestError{Message: aws.String("bad first name " + first)}),
		opErr(422, &wickrapi.ValidationError{Reasons: []wickrapi.ValidationErrorDetail{{Field: aws.String("users[1].inviteCode"), Reason: aws.String(code + " is taken")}}}),
		opErr(500, &wickrapi.InternalServerError{Message: aws.String("failed on " + last)}),
	} {
		api := &cannedAPI{answer: func(*wickrapi.BatchCreateUserInput) (*wickrapi.BatchCreateUserOutput, error) { return nil, callErr }}
		a := wickr.New(api)
		_, err := a.Call(context.Background(), "12345678", items)
		e, _ := a.Classify(err)
		check(t, fmt.Sprintf("call error %T", errors.Unwrap(errors.Unwrap(callErr))), e)
	}

	// One failed entry, attributed: the reason quotes the user's own name.
	api := &cannedAPI{answer: func(in *wickrapi.BatchCreateUserInput) (*wickrapi.BatchCreateUserOutput, error) {
		return &wickrapi.BatchCreateUserOutput{
			Successful: []wickrapi.User{{Username: aws.String("a"), UserId: aws.String("1")}},
			Failed:     []wickrapi.BatchUserErrorResponseItem{{UserId: aws.String("0"), Field: aws.String("lastName"), Reason: aws.String(last + " is not allowed")}},
		}, nil
	}}
	res, err := wickr.New(api).Call(context.Background(), "12345678", items)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "failed entry", res[1].Err)
	if res[1].Err.Code != batch.CodeInvalidInput || res[1].Err.Field != "LastName" {
		t.Errorf("failed entry: %s field %q, want InvalidInput LastName", res[1].Err.Code, res[1].Err.Field)
	}

	// Two failed entries with different reasons: the user's names are
	// withheld whichever entry quotes them.
	api = &cannedAPI{answer: func(in *wickrapi.BatchCreateUserInput) (*wickrapi.BatchCreateUserOutput, error) {
		return &wickrapi.BatchCreateUserOutput{Failed: []wickrapi.BatchUserErrorResponseItem{
			{UserId: aws.String("0"), Field: aws.String("firstName"), Reason: aws.String(first + "?")},
			{UserId: aws.String("0"), Field: aws.String("username"), Reason: aws.String("User already exists")},
		}}, nil
	}}
	res, err = wickr.New(api).Call(context.Background(), "12345678", items)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "mixed entries", res[0].Err)
}

// BenchmarkCall measures the adapter's own cost for a full call of 50
// users: sorting, the client token, the request and the attribution of an
// answer with one failure.
func BenchmarkCall(b *testing.B) {
	items := make([]wickr.NewUser, wickr.MaxItemsPerCall)
	for i := range items {
		items[i] = newUser("12345678", fmt.Sprintf("user-%03d@example.com", len(items)-i))
	}
	a := wickr.New(&benchAPI{retryer: retry.NewStandard()})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Call(ctx, "12345678", items); err != nil {
			b.Fatal(err)
		}
	}
}

// benchAPI answers every call with all users but the first created, and
// keeps nothing.
type benchAPI struct{ retryer aws.Retryer }

func (c *benchAPI) BatchCreateUser(_ context.Context, in *wickrapi.BatchCreateUserInput, optFns ...func(*wickrapi.Options)) (*wickrapi.BatchCreateUserOutput, error) {
	o := wickrapi.Options{Retryer: c.retryer, HTTPClient: http.DefaultClient}
	for _, fn := range optFns {
		fn(&o)
	}
	out := &wickrapi.BatchCreateUserOutput{Failed: []wickrapi.BatchUserErrorResponseItem{
		{UserId: aws.String("0"), Field: aws.String("username"), Reason: aws.String("User already exists")},
	}}
	for i, u := range in.Users[1:] {
		out.Successful = append(out.Successful, wickrapi.User{UserId: aws.String(strconv.Itoa(i)), Username: u.Username})
	}
	return out, nil
}
