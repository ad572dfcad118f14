package chime_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	//lint:ignore SA1019 the legacy Amazon Chime API, deprecated with its end of support, is what this package wraps.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"
	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/chime"
	"github.com/batchkit/batchkit/internal/wire"
)

// cannedAPI is a hand-written chime.API: it records each input and answers
// with out or err.
type cannedAPI struct {
	out *chimesdk.BatchUpdateUserOutput
	err error

	mu     sync.Mutex
	inputs []*chimesdk.BatchUpdateUserInput
	opts   []chimesdk.Options
}

func (c *cannedAPI) BatchUpdateUser(_ context.Context, in *chimesdk.BatchUpdateUserInput, optFns ...func(*chimesdk.Options)) (*chimesdk.BatchUpdateUserOutput, error) {
	o := chimesdk.Options{Retryer: retry.NewStandard()}
	for _, fn := range optFns {
		fn(&o)
	}
	c.mu.Lock()
	c.inputs = append(c.inputs, in)
	c.opts = append(c.opts, o)
	c.mu.Unlock()
	return c.out, c.err
}

func TestValidate(t *testing.T) {
	a := chime.New(&cannedAPI{})
	ok := chime.UserUpdate{AccountId: "acct", UserId: "u1", LicenseType: chimetypes.LicensePro, UserType: chimetypes.UserTypeSharedDevice}
	with := func(f func(*chime.UserUpdate)) chime.UserUpdate {
		u := ok
		f(&u)
		return u
	}
	tests := []struct {
		name  string
		item  chime.UserUpdate
		field string // "" means valid
	}{
		{"valid", ok, ""},
		{"minimal", chime.UserUpdate{AccountId: "a", UserId: "u"}, ""},
		{"padded ids", chime.UserUpdate{AccountId: " a ", UserId: "\tu"}, ""},
		{"every license", with(func(u *chime.UserUpdate) { u.LicenseType = chimetypes.LicenseProTrial }), ""},
		{"basic", with(func(u *chime.UserUpdate) { u.LicenseType = chimetypes.LicenseBasic }), ""},
		{"plus", with(func(u *chime.UserUpdate) { u.LicenseType = chimetypes.LicensePlus }), ""},
		{"private user", with(func(u *chime.UserUpdate) { u.UserType = chimetypes.UserTypePrivateUser }), ""},
		{"alexa metadata", with(func(u *chime.UserUpdate) {
			u.AlexaForBusinessMetadata = &chimetypes.AlexaForBusinessMetadata{IsAlexaForBusinessEnabled: aws.Bool(true)}
		}), ""},
		{"empty account", with(func(u *chime.UserUpdate) { u.AccountId = "" }), "AccountId"},
		{"blank account", with(func(u *chime.UserUpdate) { u.AccountId = " \t\n" }), "AccountId"},
		{"unicode blank account", with(func(u *chime.UserUpdate) { u.AccountId = "\u00a0\u2003\ufeff" }), "AccountId"},
		{"empty user", with(func(u *chime.UserUpdate) { u.UserId = "" }), "UserId"},
		{"blank user", with(func(u *chime.UserUpdate) { u.UserId = "   " }), "UserId"},
		{"bad license", with(func(u *chime.UserUpdate) { u.LicenseType = "Gold" }), "LicenseType"},
		{"license case", with(func(u *chime.UserUpdate) { u.LicenseType = "pro" }), "LicenseType"},
		{"bad user type", with(func(u *chime.UserUpdate) { u.UserType = "Robot" }), "UserType"},
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
		})
	}
}

func TestAdapterShape(t *testing.T) {
	for _, tt := range []struct{ opt, want int }{{0, 20}, {-1, 20}, {5, 5}, {20, 20}, {21, 20}, {1000, 20}} {
		a := chime.New(&cannedAPI{}, func(o *chime.Options) { o.MaxItemsPerCall = tt.opt })
		if got := a.MaxItems(); got != tt.want {
			t.Errorf("MaxItemsPerCall %d: MaxItems() = %d, want %d", tt.opt, got, tt.want)
		}
	}
	a := chime.New(&cannedAPI{})
	u := chime.UserUpdate{AccountId: "acct-1", UserId: "user-1"}
	if got := a.Operation(); got != "BatchUpdateUser" {
		t.Errorf("Operation() = %q, want BatchUpdateUser", got)
	}
	if got := a.Key(u); got != "acct-1" {
		t.Errorf("Key() = %q, want acct-1", got)
	}
	if got := a.Identity(u); got != "user-1" {
		t.Errorf("Identity() = %q, want user-1", got)
	}
}

func TestCallBuildsRequest(t *testing.T) {
	api := &cannedAPI{out: &chimesdk.BatchUpdateUserOutput{}}
	var clientOptRan bool
	a := chime.New(api, func(o *chime.Options) {
		o.ClientOptions = append(o.ClientOptions, func(*chimesdk.Options) { clientOptRan = true })
	})
	alexa := &chimetypes.AlexaForBusinessMetadata{IsAlexaForBusinessEnabled: aws.Bool(false)}
	items := []chime.UserUpdate{
		{AccountId: "acct", UserId: "u1", LicenseType: chimetypes.LicenseBasic},
		{AccountId: "acct", UserId: "u2", UserType: chimetypes.UserTypePrivateUser, AlexaForBusinessMetadata: alexa},
	}
	res, err := a.Call(context.Background(), "acct", items)
	if err != nil {
		t.Fatalf("Call() error = %v", err)
	}
	if len(res) != 2 || res[0].Err != nil || res[1].Err != nil {
		t.Fatalf("Call() = %+v, want two successes", res)
	}
	if !clientOptRan {
		t.Error("Options.ClientOptions were not applied to the call")
	}
	in := api.inputs[0]
	if got := aws.ToString(in.AccountId); got != "acct" {
		t.Errorf("AccountId = %q, want acct", got)
	}
	want := []chimetypes.UpdateUserRequestItem{
		{UserId: aws.String("u1"), LicenseType: chimetypes.LicenseBasic},
		{UserId: aws.String("u2"), UserType: chimetypes.UserTypePrivateUser, AlexaForBusinessMetadata: alexa},
	}
	if len(in.UpdateUserRequestItems) != len(want) {
		t.Fatalf("got %d request items, want %d", len(in.UpdateUserRequestItems), len(want))
	}
	for i, got := range in.UpdateUserRequestItems {
		w := want[i]
		if aws.ToString(got.UserId) != aws.ToString(w.UserId) || got.LicenseType != w.LicenseType ||
			got.UserType != w.UserType || got.AlexaForBusinessMetadata != w.AlexaForBusinessMetadata {
			t.Errorf("item %d = %+v, want %+v", i, got, w)
		}
	}
}

// TestCallRetryerRetriesChimeThrottles checks the per-call retryer wrapper:
// the SDK's standard retryer does not retry ThrottledClientException, the
// wrapped one does, and it leaves other decisions alone.
func TestCallRetryerRetriesChimeThrottles(t *testing.T) {
	api := &cannedAPI{out: &chimesdk.BatchUpdateUserOutput{}}
	a := chime.New(api, func(o *chime.Options) { o.ThrottleCodes = []string{"SlowDownPlease"} })
	if _, err := a.Call(context.Background(), "acct", []chime.UserUpdate{{AccountId: "acct", UserId: "u"}}); err != nil {
		t.Fatal(err)
	}
	r := api.opts[0].Retryer
	if retry.NewStandard().IsErrorRetryable(&chimetypes.ThrottledClientException{}) {
		t.Fatal("the SDK's standard retryer already retries ThrottledClientException; the wrapper may be unnecessary")
	}
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&chimetypes.ThrottledClientException{}, true},
		{&smithy.GenericAPIError{Code: "Throttled"}, true},
		{&smithy.GenericAPIError{Code: "SlowDownPlease"}, true},
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, true},
		{&chimetypes.BadRequestException{}, false},
		{&chimetypes.NotFoundException{}, false},
	} {
		if got := r.IsErrorRetryable(tt.err); got != tt.want {
			t.Errorf("IsErrorRetryable(%T %v) = %v, want %v", tt.err, tt.err, got, tt.want)
		}
	}
}

func userErr(id *string, code chimetypes.ErrorCode, msg string) chimetypes.UserError {
	return chimetypes.UserError{UserId: id, ErrorCode: code, ErrorMessage: aws.String(msg)}
}

func TestCallMatchesUserErrors(t *testing.T) {
	items := []chime.UserUpdate{{AccountId: "a", UserId: "u0"}, {AccountId: "a", UserId: "u1"}, {AccountId: "a", UserId: "u2"}}
	const ok = batch.Code("")
	tests := []struct {
		name   string
		out    *chimesdk.BatchUpdateUserOutput
		want   []batch.Code
		retry  []bool
		svcErr string // ServiceCode of the first failed item
	}{
		{"no errors", &chimesdk.BatchUpdateUserOutput{}, []batch.Code{ok, ok, ok}, nil, ""},
		{"empty list", &chimesdk.BatchUpdateUserOutput{UserErrors: []chimetypes.UserError{}}, []batch.Code{ok, ok, ok}, nil, ""},
		{"one not found", &chimesdk.BatchUpdateUserOutput{UserErrors: []chimetypes.UserError{
			userErr(aws.String("u1"), chimetypes.ErrorCodeNotFound, "no such user"),
		}}, []batch.Code{ok, batch.CodeNotFound, ok}, []bool{false, false, false}, "NotFound"},
		{"mixed", &chimesdk.BatchUpdateUserOutput{UserErrors: []chimetypes.UserError{
			userErr(aws.String("u2"), chimetypes.ErrorCodeThrottled, "slow down"),
			userErr(aws.String("u0"), chimetypes.ErrorCodeBadRequest, "bad license"),
		}}, []batch.Code{batch.CodeInvalidInput, ok, batch.CodeThrottled}, []bool{false, false, true}, "BadRequest"},
		{"unknown code", &chimesdk.BatchUpdateUserOutput{UserErrors: []chimetypes.UserError{
			userErr(aws.String("u0"), "SomethingNew", "?"),
		}}, []batch.Code{batch.CodeUnknown, ok, ok}, []bool{false, false, false}, "SomethingNew"},
		{"empty code", &chimesdk.BatchUpdateUserOutput{UserErrors: []chimetypes.UserError{
			userErr(aws.String("u0"), "", ""),
		}}, []batch.Code{batch.CodeUnknown, ok, ok}, []bool{false, false, false}, ""},
		{"duplicate entry keeps the permanent error", &chimesdk.BatchUpdateUserOutput{UserErrors: []chimetypes.UserError{
			userErr(aws.String("u1"), chimetypes.ErrorCodeServiceFailure, "oops"),
			userErr(aws.String("u1"), chimetypes.ErrorCodeNotFound, "gone"),
			userErr(aws.String("u1"), chimetypes.ErrorCodeThrottled, "slow"),
		}}, []batch.Code{ok, batch.CodeNotFound, ok}, []bool{false, false, false}, "NotFound"},
		{"stranger makes the call unmatched", &chimesdk.BatchUpdateUserOutput{UserErrors: []chimetypes.UserError{
			userErr(aws.String("u1"), chimetypes.ErrorCodeNotFound, "gone"),
			userErr(aws.String("u9"), chimetypes.ErrorCodeNotFound, "who"),
		}}, []batch.Code{batch.CodeUnmatched, batch.CodeUnmatched, batch.CodeUnmatched}, []bool{true, true, true}, ""},
		{"entry without user", &chimesdk.BatchUpdateUserOutput{UserErrors: []chimetypes.UserError{
			userErr(nil, chimetypes.ErrorCodeNotFound, "who"),
		}}, []batch.Code{batch.CodeUnmatched, batch.CodeUnmatched, batch.CodeUnmatched}, []bool{true, true, true}, ""},
		{"nil output", nil, []batch.Code{batch.CodeUnmatched, batch.CodeUnmatched, batch.CodeUnmatched}, []bool{true, true, true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := chime.New(&cannedAPI{out: tt.out})
			res, err := a.Call(context.Background(), "a", items)
			if err != nil {
				t.Fatalf("Call() error = %v", err)
			}
			if len(res) != len(items) {
				t.Fatalf("got %d results, want %d", len(res), len(items))
			}
			first := true
			for i, r := range res {
				var got batch.Code
				if r.Err != nil {
					got = r.Err.Code
				}
				if got != tt.want[i] {
					t.Errorf("item %d: got code %q, want %q", i, got, tt.want[i])
				}
				if r.Err == nil {
					continue
				}
				if r.Err.Retryable != tt.retry[i] {
					t.Errorf("item %d: got retryable %v, want %v", i, r.Err.Retryable, tt.retry[i])
				}
				if r.Err.Operation != "BatchUpdateUser" {
					t.Errorf("item %d: got operation %q", i, r.Err.Operation)
				}
				if first && tt.svcErr != "" && r.Err.ServiceCode != tt.svcErr {
					t.Errorf("item %d: got service code %q, want %q", i, r.Err.ServiceCode, tt.svcErr)
				}
				first = false
			}
		})
	}
}

// TestItemCodeTable checks that every ErrorCode of the pinned SDK is mapped
// as documented.
func TestItemCodeTable(t *testing.T) {
	want := map[chimetypes.ErrorCode]struct {
		code      batch.Code
		retryable bool
	}{
		"BadRequest":                           {batch.CodeInvalidInput, false},
		"Conflict":                             {batch.CodeConflict, false},
		"Forbidden":                            {batch.CodeForbidden, false},
		"NotFound":                             {batch.CodeNotFound, false},
		"PreconditionFailed":                   {batch.CodeConflict, false},
		"ResourceLimitExceeded":                {batch.CodeLimitExceeded, false},
		"ServiceFailure":                       {batch.CodeInternal, true},
		"AccessDenied":                         {batch.CodeForbidden, false},
		"ServiceUnavailable":                   {batch.CodeUnavailable, true},
		"Throttled":                            {batch.CodeThrottled, true},
		"Throttling":                           {batch.CodeThrottled, true},
		"Unauthorized":                         {batch.CodeUnauthorized, false},
		"Unprocessable":                        {batch.CodeInvalidInput, false},
		"VoiceConnectorGroupAssociationsExist": {batch.CodeConflict, false},
		"PhoneNumberAssociationsExist":         {batch.CodeConflict, false},
	}
	values := chimetypes.ErrorCode("").Values()
	if len(values) != len(want) {
		t.Errorf("the SDK has %d ErrorCode values, the test expects %d", len(values), len(want))
	}
	for _, v := range values {
		w, ok := want[v]
		if !ok {
			t.Errorf("ErrorCode %s has no expectation", v)
			continue
		}
		a := chime.New(&cannedAPI{out: &chimesdk.BatchUpdateUserOutput{UserErrors: []chimetypes.UserError{userErr(aws.String("u"), v, "m")}}})
		res, err := a.Call(context.Background(), "a", []chime.UserUpdate{{AccountId: "a", UserId: "u"}})
		if err != nil {
			t.Fatal(err)
		}
		e := res[0].Err
		if e == nil {
			t.Errorf("%s: got success, want %s", v, w.code)
			continue
		}
		if e.Code != w.code || e.Retryable != w.retryable || e.ServiceCode != string(v) || e.Message != "m" {
			t.Errorf("%s: got %s retryable=%v service=%q message=%q, want %s retryable=%v", v, e.Code, e.Retryable, e.ServiceCode, e.Message, w.code, w.retryable)
		}
		if !errors.Is(e, sentinel(w.code)) {
			t.Errorf("%s: errors.Is(err, sentinel of %s) = false", v, w.code)
		}
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

// opErr wraps err the way the SDK does for an HTTP answer with status.
func opErr(status int, err error) error {
	return &smithy.OperationError{ServiceID: "Chime", OperationName: "BatchUpdateUser", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(""))}},
			Err:      err,
		},
		RequestID: "req-1",
	}}
}

func TestClassify(t *testing.T) {
	a := chime.New(&cannedAPI{})
	msg := aws.String("m")
	tests := []struct {
		name      string
		err       error
		code      batch.Code
		scope     batch.Scope
		retryable bool
		service   string
	}{
		{"not found", opErr(404, &chimetypes.NotFoundException{Message: msg}), batch.CodeNotFound, batch.ScopeKey, false, "NotFoundException"},
		{"bad request", opErr(400, &chimetypes.BadRequestException{Message: msg}), batch.CodeInvalidInput, batch.ScopeItems, false, "BadRequestException"},
		{"unauthorized", opErr(401, &chimetypes.UnauthorizedClientException{}), batch.CodeUnauthorized, batch.ScopeRun, false, "UnauthorizedClientException"},
		{"forbidden", opErr(403, &chimetypes.ForbiddenException{}), batch.CodeForbidden, batch.ScopeRun, false, "ForbiddenException"},
		{"access denied", opErr(403, &chimetypes.AccessDeniedException{}), batch.CodeForbidden, batch.ScopeRun, false, "AccessDeniedException"},
		{"unrecognized client", opErr(403, &smithy.GenericAPIError{Code: "UnrecognizedClientException"}), batch.CodeUnauthorized, batch.ScopeRun, false, "UnrecognizedClientException"},
		{"bad signature", opErr(403, &smithy.GenericAPIError{Code: "InvalidSignatureException"}), batch.CodeUnauthorized, batch.ScopeRun, false, "InvalidSignatureException"},
		{"missing auth", opErr(403, &smithy.GenericAPIError{Code: "MissingAuthenticationTokenException"}), batch.CodeUnauthorized, batch.ScopeRun, false, "MissingAuthenticationTokenException"},
		{"throttled", opErr(429, &chimetypes.ThrottledClientException{}), batch.CodeThrottled, batch.ScopeCall, true, "ThrottledClientException"},
		{"throttled after max attempts", opErr(429, &retry.MaxAttemptsError{Attempt: 3, Err: &chimetypes.ThrottledClientException{}}), batch.CodeThrottled, batch.ScopeCall, true, "ThrottledClientException"},
		{"unavailable", opErr(503, &chimetypes.ServiceUnavailableException{}), batch.CodeUnavailable, batch.ScopeCall, true, "ServiceUnavailableException"},
		{"service failure", opErr(500, &chimetypes.ServiceFailureException{}), batch.CodeInternal, batch.ScopeCall, true, "ServiceFailureException"},
		{"short code without header", opErr(404, &smithy.GenericAPIError{Code: "NotFound"}), batch.CodeNotFound, batch.ScopeKey, false, "NotFound"},
		{"unknown 502", opErr(502, &smithy.GenericAPIError{Code: "BadGateway"}), batch.CodeUnavailable, batch.ScopeCall, true, "BadGateway"},
		{"unknown 429", opErr(429, &smithy.GenericAPIError{Code: "Whoa"}), batch.CodeThrottled, batch.ScopeCall, true, "Whoa"},
		{"unknown 401", opErr(401, &smithy.GenericAPIError{Code: "Nope"}), batch.CodeUnauthorized, batch.ScopeRun, false, "Nope"},
		{"unknown 418", opErr(418, &smithy.GenericAPIError{Code: "Teapot"}), batch.CodeUnknown, batch.ScopeCall, false, "Teapot"},
		{"malformed 200", opErr(200, &smithy.DeserializationError{Err: fmt.Errorf("failed to decode response body, %w", &wire.MalformedError{Reason: "trailing data"})}), batch.CodeUnmatched, batch.ScopeCall, true, ""},
		{"undecodable 200", opErr(200, &smithy.DeserializationError{Err: errors.New("expected String")}), batch.CodeUnmatched, batch.ScopeCall, true, ""},
		{"200 cut off", opErr(200, &smithy.DeserializationError{Err: io.ErrUnexpectedEOF}), batch.CodeUnavailable, batch.ScopeCall, true, ""},
		{"malformed 503", opErr(503, &smithy.DeserializationError{Err: io.ErrUnexpectedEOF}), batch.CodeUnavailable, batch.ScopeCall, true, ""},
		{"retry quota", opErr(500, errors.Join(&chimetypes.ServiceFailureException{}, fmt.Errorf("failed to get rate limit token, %w", ratelimit.QuotaExceededError{}))), batch.CodeThrottled, batch.ScopeCall, true, "ServiceFailureException"},
		{"transport", &smithy.OperationError{Err: &smithyhttp.RequestSendError{Err: io.ErrUnexpectedEOF}}, batch.CodeUnavailable, batch.ScopeCall, true, ""},
		{"canceled", &smithy.OperationError{Err: &smithyhttp.RequestSendError{Err: context.Canceled}}, batch.CodeCanceled, batch.ScopeCall, false, ""},
		// Classify never sees the run's own cancellation: a deadline is a
		// time-out of something else, such as the HTTP client.
		{"deadline", &smithy.OperationError{Err: &aws.RequestCanceledError{Err: context.DeadlineExceeded}}, batch.CodeUnavailable, batch.ScopeCall, true, ""},
		{"client time-out", &smithy.OperationError{Err: &retry.MaxAttemptsError{Attempt: 3, Err: &smithyhttp.RequestSendError{Err: &url.Error{Op: "Post", URL: "u", Err: context.DeadlineExceeded}}}}, batch.CodeUnavailable, batch.ScopeCall, true, ""},
		{"invalid params", &smithy.OperationError{Err: smithy.InvalidParamsError{Context: "BatchUpdateUserInput"}}, batch.CodeInvalidInput, batch.ScopeCall, false, ""},
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
			if e.Operation != "BatchUpdateUser" {
				t.Errorf("Operation = %q", e.Operation)
			}
			var re *awshttp.ResponseError
			if errors.As(tt.err, &re) && e.RequestID != "req-1" {
				t.Errorf("RequestID = %q, want req-1", e.RequestID)
			}
		})
	}
}
