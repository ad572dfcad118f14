package wickr

import (
	"errors"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

// entryClass is how one failed entry of an answer is normalized.
type entryClass struct {
	code      batch.Code
	retryable bool
	field     string // the NewUser field at fault
	text      string // our description, used when the service's is withheld
}

// classifyEntry normalizes a failed entry. Wickr's entries carry no error
// code, only the field at fault and a free-text reason, so this is the one
// place where batchkit reads message text; the rules are deliberately
// narrow and anything they do not recognize is a permanent InvalidInput:
//
//   - "already exists": the field is "username" and the reason says the user
//     exists (it contains "exist" without a negation such as "not exist"),
//     or any reason containing "already exist": CodeConflict, permanent.
//   - throttling: the reason contains "throttl", "rate limit" or "too many
//     requests": CodeThrottled, retryable.
//   - transient failure: the reason starts with "internal error" or
//     "internal server error", or contains "try again", "temporarily
//     unavailable" or "service unavailable": CodeInternal, retryable.
//     wickrtest renders the failures of Faults.ItemFailureRate this way.
//   - anything else: CodeInvalidInput with the field, permanent.
//
// Matching ignores case. Sending a user again is always safe, since the
// service refuses a second user with the same name, so a reason wrongly
// taken as transient costs one more call, never a duplicate.
func classifyEntry(field, reason string) entryClass {
	f := strings.ToLower(strings.TrimSpace(field))
	r := strings.ToLower(strings.TrimSpace(reason))
	name := fieldName(field)
	switch {
	case strings.Contains(r, "already exist"),
		f == "username" && strings.Contains(r, "exist") && !negated(r):
		return entryClass{code: batch.CodeConflict, field: name, text: "the user already exists"}
	case strings.Contains(r, "throttl"), strings.Contains(r, "rate limit"), strings.Contains(r, "too many requests"):
		return entryClass{code: batch.CodeThrottled, retryable: true, field: name, text: "the service throttled the user"}
	case strings.HasPrefix(r, "internal error"), strings.HasPrefix(r, "internal server error"),
		strings.Contains(r, "try again"), strings.Contains(r, "temporarily unavailable"), strings.Contains(r, "service unavailable"):
		return entryClass{code: batch.CodeInternal, retryable: true, field: name, text: "the service failed to create the user"}
	}
	return entryClass{code: batch.CodeInvalidInput, field: name, text: "the service refused the user"}
}

// negated reports whether an "exist" reason says the opposite of "already
// exists".
func negated(r string) bool {
	for _, n := range []string{"not exist", "n't exist", "nonexist", "non-exist", "no longer exist"} {
		if strings.Contains(r, n) {
			return true
		}
	}
	return false
}

// fieldName maps a field named by the service ("username",
// "users[3].securityGroupIds") to the NewUser field it concerns; a field it
// does not know is returned as it is.
func fieldName(field string) string {
	base := strings.TrimSpace(field)
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		base = base[i+1:]
	}
	if i := strings.IndexByte(base, '['); i >= 0 {
		base = base[:i]
	}
	switch strings.ToLower(base) {
	case "networkid":
		return "NetworkId"
	case "username":
		return "Username"
	case "securitygroupids", "securitygroupid", "securitygroups":
		return "SecurityGroupIds"
	case "firstname":
		return "FirstName"
	case "lastname":
		return "LastName"
	case "invitecode":
		return "InviteCode"
	case "invitecodettl":
		return "InviteCodeTtl"
	case "codevalidation":
		return "CodeValidation"
	}
	return strings.TrimSpace(field)
}

// withheld is appended to our own description when the service's message
// is withheld.
const withheld = " (the service's message was withheld because it may quote a sensitive field)"

// redact returns msg, or fallback when msg quotes the FirstName, LastName or
// InviteCode of one of items: those are sensitive, and the service's
// messages may quote them.
func redact(msg, fallback string, items []NewUser) string {
	for i := range items {
		for _, v := range []string{items[i].FirstName, items[i].LastName, items[i].InviteCode} {
			if v != "" && strings.Contains(msg, v) {
				return fallback + withheld
			}
		}
	}
	return msg
}

// class is what a call-level error means to the engine.
type class struct {
	code      batch.Code
	scope     batch.Scope
	retryable bool
	text      string // our description, used when the service sends no message
}

var (
	classBadInput     = class{batch.CodeInvalidInput, batch.ScopeItems, false, "the service rejected the call's input"}
	classNotFound     = class{batch.CodeNotFound, batch.ScopeKey, false, "the network does not exist"}
	classForbiddenKey = class{batch.CodeForbidden, batch.ScopeKey, false, "the caller may not create users in the network"}
	classForbiddenRun = class{batch.CodeForbidden, batch.ScopeRun, false, "the service refused the caller"}
	classUnauthorized = class{batch.CodeUnauthorized, batch.ScopeRun, false, "the service refused the credentials or the signature"}
	classThrottled    = class{batch.CodeThrottled, batch.ScopeCall, true, "the service throttled the call"}
	classInternal     = class{batch.CodeInternal, batch.ScopeCall, true, "the service failed internally"}
	classUnavailable  = class{batch.CodeUnavailable, batch.ScopeCall, true, "the service is unavailable"}
	classUnknown      = class{batch.CodeUnknown, batch.ScopeCall, false, "the call failed"}
	classUnmatched    = class{batch.CodeUnmatched, batch.ScopeCall, true, ""}
)

// callCodes maps the code of a call-level error (smithy.APIError's
// ErrorCode) to its meaning: Wickr's seven modeled errors, and the AWS front
// end's generic ones. Throttle codes also come from
// retry.DefaultThrottleErrorCodes; see init.
var callCodes = map[string]class{
	// Wickr's modeled errors.
	"ValidationError":       classBadInput, // 422: some user of the call is invalid; bisect
	"BadRequestError":       classBadInput, // 400
	"ResourceNotFoundError": classNotFound, // 404: the network does not exist
	"ForbiddenError":        classForbiddenKey,
	"UnauthorizedError":     classUnauthorized,
	"RateLimitError":        classThrottled,
	"InternalServerError":   classInternal,

	// AWS common validation errors.
	"ValidationException":            classBadInput,
	"InvalidParameterValueException": classBadInput,

	// Credentials and signature: no call of the run can succeed.
	"UnrecognizedClientException":         classUnauthorized,
	"InvalidSignatureException":           classUnauthorized,
	"MissingAuthenticationTokenException": classUnauthorized,
	"MissingAuthenticationToken":          classUnauthorized,
	"IncompleteSignature":                 classUnauthorized,
	"IncompleteSignatureException":        classUnauthorized,
	"InvalidClientTokenId":                classUnauthorized,
	"SignatureDoesNotMatch":               classUnauthorized,
	"UnauthorizedClientException":         classUnauthorized,
	"ExpiredToken":                        classUnauthorized,
	"ExpiredTokenException":               classUnauthorized,
	"AuthFailure":                         classUnauthorized,

	// IAM refusals may name the network's ARN, so they condemn the network
	// only.
	"AccessDeniedException": classForbiddenKey,
	"AccessDenied":          classForbiddenKey,

	"InternalFailure":             classInternal,
	"InternalError":               classInternal,
	"ServiceUnavailable":          classUnavailable,
	"ServiceUnavailableException": classUnavailable,
}

func init() {
	for c := range retry.DefaultThrottleErrorCodes {
		callCodes[c] = classThrottled
	}
}

// Classify turns an error returned by [Adapter.Call] into a [*batch.Error]
// and its scope:
//
//   - ValidationError (422) and BadRequestError (400): CodeInvalidInput,
//     ScopeItems, so the engine splits the call until the offending users
//     are isolated. The Field is taken from the ValidationError's reasons
//     when they name one field.
//   - ResourceNotFoundError (404, the network does not exist):
//     CodeNotFound, ScopeKey: the network's other users fail without more
//     calls.
//   - ForbiddenError and AccessDeniedException: CodeForbidden, ScopeKey.
//   - UnauthorizedError (401), the AWS authentication errors
//     (UnrecognizedClientException, InvalidSignatureException,
//     MissingAuthenticationTokenException, ExpiredToken, ...) and any other
//     401: CodeUnauthorized, ScopeRun; any other 403: CodeForbidden,
//     ScopeRun.
//   - RateLimitError (429), other throttle codes and 429s, and the SDK's
//     retry quota running out: CodeThrottled, retryable.
//   - InternalServerError and other 500s: CodeInternal, retryable; 502, 503,
//     504: CodeUnavailable, retryable.
//   - what wire.Classify says, as for every adapter: a 2xx answer that is
//     not one well-formed JSON object is CodeUnmatched, and a transport
//     failure or time-out (an HTTP client's Timeout included)
//     CodeUnavailable, both retryable, ScopeCall: the call may have been
//     applied, and a resend of the same users carries the same client
//     token, so the service answers it without creating anyone twice. A
//     cancellation by something other than the run (whose own never
//     reaches Classify) is CodeCanceled, permanent.
//   - a 2xx answer the client could not decode although it was well formed:
//     CodeUnmatched, retryable.
//   - input the client refused to send: CodeInvalidInput, ScopeCall.
//   - anything else: by its HTTP status, else CodeUnknown, ScopeCall,
//     permanent.
//
// An Adapter built without a client, or with an invalid
// Options.ClientTokenPrefix, fails with CodeInvalidInput, ScopeRun (for the
// prefix, Validate refuses every item first).
//
// The result carries the service's code and message (withheld when it quotes
// a first name, last name or invite code of the call), the request ID, and
// err through Unwrap.
func (a *Adapter) Classify(err error) (*batch.Error, batch.Scope) {
	var items []NewUser
	var ce *callError
	if errors.As(err, &ce) {
		items = ce.items
	}
	out := &batch.Error{Operation: Operation, Err: err}
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		out.RequestID = re.ServiceRequestID()
		status = re.HTTPStatusCode()
	}
	set := func(c class) (*batch.Error, batch.Scope) {
		out.Code, out.Retryable = c.code, c.retryable
		if out.Message == "" {
			out.Message = c.text
		}
		return out, c.scope
	}

	var be *batch.Error
	if errors.As(err, &be) {
		// The Adapter's own configuration error.
		c := *be
		c.Operation = Operation
		return &c, batch.ScopeRun
	}
	var qe ratelimit.QuotaExceededError
	var qp *ratelimit.QuotaExceededError
	if errors.As(err, &qe) || errors.As(err, &qp) {
		out.Message = "the SDK's retry quota is exhausted"
		var ae smithy.APIError
		if errors.As(err, &ae) {
			out.ServiceCode = ae.ErrorCode()
		}
		return set(classThrottled)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		out.ServiceCode = ae.ErrorCode()
		c, ok := callCodes[out.ServiceCode]
		if !ok {
			c = byStatus(status)
		}
		msg := ae.ErrorMessage()
		var ve *wickrapi.ValidationError
		if errors.As(err, &ve) {
			var field string
			msg, field = reasonsText(ve)
			out.Field = field
		}
		out.Message = redact(msg, c.text, items)
		return set(c)
	}
	switch wire.Classify(err) {
	case wire.Malformed:
		out.Message = "the service's answer is not one well-formed JSON object, so no user of the call can be reported; the call may have been applied"
		return set(classUnmatched)
	case wire.Transport:
		out.Message = "the request got no complete answer, so the call may have been applied: " + err.Error()
		return set(classUnavailable)
	case wire.Canceled:
		out.Message = "the call was canceled by something other than the run: " + err.Error()
		return set(class{code: batch.CodeCanceled, scope: batch.ScopeCall})
	}
	var de *smithy.DeserializationError
	if errors.As(err, &de) {
		if status == 0 || (status >= 200 && status < 300) {
			out.Message = "the service's answer could not be decoded, so no user of the call can be reported; the call may have been applied"
			return set(classUnmatched)
		}
		return set(byStatus(status))
	}
	var params smithy.InvalidParamsError
	if errors.As(err, &params) {
		out.Message = err.Error()
		return set(class{batch.CodeInvalidInput, batch.ScopeCall, false, ""})
	}
	if status != 0 {
		return set(byStatus(status))
	}
	out.Message = err.Error()
	return set(classUnknown)
}

// reasonsText joins a ValidationError's reasons as "field: reason; ...", and
// returns the NewUser field they concern when they all name the same one.
func reasonsText(ve *wickrapi.ValidationError) (msg, field string) {
	parts := make([]string, 0, len(ve.Reasons))
	for i, r := range ve.Reasons {
		f, why := aws.ToString(r.Field), aws.ToString(r.Reason)
		name := fieldName(f)
		switch {
		case i == 0:
			field = name
		case field != name:
			field = ""
		}
		if f != "" {
			why = f + ": " + why
		}
		parts = append(parts, why)
	}
	msg = strings.Join(parts, "; ")
	if msg == "" {
		msg = ve.ErrorMessage()
	}
	return msg, field
}

// byStatus classifies an HTTP status whose error code is not in the table.
func byStatus(status int) class {
	switch {
	case status == http.StatusTooManyRequests:
		return classThrottled
	case status == http.StatusUnauthorized:
		return classUnauthorized
	case status == http.StatusForbidden:
		return classForbiddenRun
	case status == http.StatusBadGateway, status == http.StatusServiceUnavailable, status == http.StatusGatewayTimeout:
		return classUnavailable
	case status >= 500:
		return classInternal
	}
	return classUnknown
}

// refused reports whether err is a definite refusal: an HTTP 4xx answer, or
// a request the client refused to send. After one, the service created
// nobody.
func refused(err error) bool {
	var params smithy.InvalidParamsError
	if errors.As(err, &params) {
		return true
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	s := re.HTTPStatusCode()
	return s >= 400 && s < 500
}
