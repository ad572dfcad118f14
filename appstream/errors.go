package appstream

import (
	"errors"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"
	"github.com/aws/smithy-go"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
)

// class is what a service error code means to the engine.
type class struct {
	code      batch.Code
	scope     batch.Scope
	retryable bool
	field     string // the input member at fault, for item codes
	text      string // our description, used when the service sends no message
}

// itemCodes maps the ErrorCode of an entry of the answer's errors list.
// NotFound codes are permanent unless Options.RetryNotFound allows more
// attempts. Codes not listed are CodeUnknown and permanent.
var itemCodes = map[appstreamtypes.UserStackAssociationErrorCode]class{
	appstreamtypes.UserStackAssociationErrorCodeStackNotFound: {
		code: batch.CodeNotFound, field: "StackName", text: "the stack does not exist"},
	appstreamtypes.UserStackAssociationErrorCodeUserNameNotFound: {
		code: batch.CodeNotFound, field: "UserName", text: "no user with this name and authentication type exists"},
	appstreamtypes.UserStackAssociationErrorCodeDirectoryNotFound: {
		code: batch.CodeNotFound, text: "the directory of the stack's fleet does not exist"},
	appstreamtypes.UserStackAssociationErrorCodeInternalError: {
		code: batch.CodeInternal, retryable: true, text: "the service failed internally"},
}

var (
	classBadInput     = class{code: batch.CodeInvalidInput, scope: batch.ScopeItems, text: "the service rejected the call's input"}
	classUnauthorized = class{code: batch.CodeUnauthorized, scope: batch.ScopeRun, text: "the service refused the credentials or the signature"}
	classForbidden    = class{code: batch.CodeForbidden, scope: batch.ScopeRun, text: "the caller is not allowed to call the operation"}
	classThrottled    = class{code: batch.CodeThrottled, scope: batch.ScopeCall, retryable: true, text: "the service throttled the call"}
	classInternal     = class{code: batch.CodeInternal, scope: batch.ScopeCall, retryable: true, text: "the service failed internally"}
	classUnavailable  = class{code: batch.CodeUnavailable, scope: batch.ScopeCall, retryable: true, text: "the service is unavailable"}
	classUnmatched    = class{code: batch.CodeUnmatched, scope: batch.ScopeCall, retryable: true}
	classUnknown      = class{code: batch.CodeUnknown, scope: batch.ScopeCall, text: "the call failed"}
)

// serviceCodes maps the code of a call-level error (smithy.APIError's
// ErrorCode) to its meaning. Throttle codes come from the SDK's
// retry.DefaultThrottleErrorCodes plus extraThrottleCodes; see init.
var serviceCodes = map[string]class{
	// The operations' modeled exceptions: the call was rejected as a whole
	// for something in its input, so the engine bisects it.
	"InvalidParameterCombinationException": classBadInput,
	"OperationNotPermittedException":       classBadInput,
	// AWS common validation errors, for example for a list of more than 25.
	"ValidationException":            classBadInput,
	"ValidationError":                classBadInput,
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

	// Permissions: AppStream calls have no call key, so a refusal concerns
	// every call of the run.
	"AccessDeniedException": classForbidden,
	"AccessDenied":          classForbidden,
	"NotAuthorized":         classForbidden,

	"InternalFailure":             classInternal,
	"InternalServerError":         classInternal,
	"InternalServiceError":        classInternal,
	"InternalError":               classInternal,
	"ServiceUnavailable":          classUnavailable,
	"ServiceUnavailableException": classUnavailable,
}

func init() {
	for c := range retry.DefaultThrottleErrorCodes {
		serviceCodes[c] = classThrottled
	}
	for _, c := range extraThrottleCodes {
		serviceCodes[c] = classThrottled
	}
}

// itemError builds the error of one entry of the answer's errors list.
func (a *Adapter) itemError(e *appstreamtypes.UserStackAssociationError, it *Association) *batch.Error {
	c, ok := itemCodes[e.ErrorCode]
	if !ok {
		c = class{code: batch.CodeUnknown, text: "the service reported an unknown error code"}
	}
	msg := c.text
	if e.ErrorMessage != nil && *e.ErrorMessage != "" {
		msg = *e.ErrorMessage
	}
	return &batch.Error{
		Code:        c.code,
		ServiceCode: string(e.ErrorCode),
		Message:     redact(msg, c.text, []Association{*it}),
		Field:       c.field,
		Retryable:   c.retryable,
		Operation:   a.Operation(),
	}
}

// redact returns msg, or fallback when msg holds a user name of items: the
// service's messages may quote the user, and UserName is sensitive.
func redact(msg, fallback string, items []Association) string {
	for i := range items {
		if u := items[i].UserName; u != "" && strings.Contains(msg, u) {
			return fallback + " (the service's message was withheld because it names a user)"
		}
	}
	return msg
}

// Classify turns an error returned by [Adapter.Call] into a [*batch.Error]
// and its scope, testing in this order:
//
//   - an Adapter built without a client or with an unknown [Action]:
//     CodeInvalidInput, ScopeRun (for an unknown action, Validate refuses
//     every item first);
//   - the SDK's retry quota ran out (ratelimit.QuotaExceededError), or a
//     throttle code (retry.DefaultThrottleErrorCodes,
//     RequestLimitExceededException, HTTP 429): CodeThrottled, ScopeCall,
//     retryable;
//   - InvalidParameterCombinationException, OperationNotPermittedException,
//     ValidationException: CodeInvalidInput, ScopeItems (the engine bisects
//     the call to isolate the offending associations);
//   - credential and signature errors (UnrecognizedClientException,
//     InvalidSignatureException, MissingAuthenticationTokenException,
//     ExpiredToken, HTTP 401, ...): CodeUnauthorized, ScopeRun;
//   - AccessDeniedException and other HTTP 403s: CodeForbidden, ScopeRun;
//   - HTTP 500 and internal codes: CodeInternal, retryable; 502, 503, 504 and
//     unavailable codes: CodeUnavailable, retryable;
//   - what wire.Classify says, as for every adapter: a 2xx answer that is
//     not one well-formed document is CodeUnmatched, and a transport failure
//     or time-out (an HTTP client's Timeout included) CodeUnavailable, both
//     retryable, ScopeCall, since the call may have been applied and
//     associating or disassociating again is how to learn what became of it;
//     a cancellation by something other than the run (whose own never
//     reaches Classify) is CodeCanceled, permanent;
//   - a 2xx answer the SDK could not decode although it was well formed
//     (whatever the error: the CBOR client does not wrap its decoding
//     errors in smithy.DeserializationError): CodeUnmatched, ScopeCall,
//     retryable;
//   - input the SDK refused to send (smithy.InvalidParamsError):
//     CodeInvalidInput, ScopeCall;
//   - anything else: by its HTTP status, else CodeUnknown, ScopeCall,
//     permanent.
//
// The result carries the service's code and message (withheld when it quotes
// a user name of the call), the request ID, and err through Unwrap.
func (a *Adapter) Classify(err error) (*batch.Error, batch.Scope) {
	var items []Association
	var ce *callError
	if errors.As(err, &ce) {
		items = ce.items
		err = ce.err
	}
	e, scope := classify(err, items)
	e.Operation = a.Operation()
	return e, scope
}

func classify(err error, items []Association) (*batch.Error, batch.Scope) {
	out := &batch.Error{Err: err}
	var re *awshttp.ResponseError
	status := 0
	if errors.As(err, &re) {
		out.RequestID = re.RequestID
		status = re.HTTPStatusCode()
	}
	set := func(c class) (*batch.Error, batch.Scope) {
		out.Code, out.Retryable = c.code, c.retryable
		if out.Message == "" {
			out.Message = c.text
		}
		return out, c.scope
	}

	if err == nil {
		return set(classUnknown)
	}
	var be *batch.Error
	if errors.As(err, &be) {
		// The Adapter's own configuration error (see Validate).
		c := *be
		return &c, batch.ScopeRun
	}
	var qe ratelimit.QuotaExceededError
	var qp *ratelimit.QuotaExceededError
	if errors.As(err, &qe) || errors.As(err, &qp) {
		out.Message = "the SDK's retry quota is exhausted"
		return set(classThrottled)
	}
	if errors.Is(err, errNoOutput) {
		out.Message = err.Error()
		return set(classUnknown)
	}

	var ae smithy.APIError
	if errors.As(err, &ae) {
		// The CBOR client keeps the namespace of codes its model does not
		// define ("com.amazon.coral.availability#ThrottlingException").
		out.ServiceCode = wire.BareCode(ae.ErrorCode())
		c, ok := serviceCodes[out.ServiceCode]
		if !ok {
			c = byStatus(status)
		}
		out.Message = redact(ae.ErrorMessage(), c.text, items)
		return set(c)
	}

	switch wire.Classify(err) {
	case wire.Malformed:
		out.Message = "the service's answer is not one well-formed document, so no association of the call can be reported as succeeded; the call may have been applied"
		return set(classUnmatched)
	case wire.Transport:
		out.Message = "the request got no complete answer, so the call may have been applied: " + err.Error()
		return set(classUnavailable)
	case wire.Canceled:
		out.Message = "the call was canceled by something other than the run: " + err.Error()
		return set(class{code: batch.CodeCanceled, scope: batch.ScopeCall})
	}
	// A 2xx answer the client could not decode although it was well formed.
	// The JSON 1.1 client wraps its decoding errors in a
	// smithy.DeserializationError; the RPC v2 CBOR client (service/appstream
	// v1.64.0 on) returns a type mismatch in the answer as a plain error,
	// which only its 2xx status tells apart from other failures.
	var de *smithy.DeserializationError
	isDe := errors.As(err, &de)
	if status >= 200 && status < 300 || (isDe && status == 0) {
		out.Message = "the service's answer could not be decoded, so no association of the call can be reported as succeeded; the call may have been applied"
		return set(classUnmatched)
	}
	if isDe {
		return set(byStatus(status))
	}
	var params smithy.InvalidParamsError
	if errors.As(err, &params) {
		out.Message = err.Error()
		return set(class{code: batch.CodeInvalidInput, scope: batch.ScopeCall})
	}
	if status != 0 {
		return set(byStatus(status))
	}
	out.Message = err.Error()
	return set(classUnknown)
}

// byStatus classifies an HTTP status whose error code is not in the table.
func byStatus(status int) class {
	switch {
	case status == http.StatusTooManyRequests:
		return classThrottled
	case status == http.StatusUnauthorized:
		return classUnauthorized
	case status == http.StatusForbidden:
		return classForbidden
	case status == http.StatusBadGateway, status == http.StatusServiceUnavailable, status == http.StatusGatewayTimeout:
		return classUnavailable
	case status >= 500:
		return classInternal
	}
	return classUnknown
}
