package chimecodes

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
)

// Classify is the Classify of the chime and messaging adapters: it turns
// an error returned by their Call into a [*batch.Error] for operation and
// the scope of the failure. The two services share their codes, so they
// differ only in how far a failure of each normalized code reaches, which
// scope decides (it is called for codes from [Call] and [Status] only).
//
// The tests, in order:
//
//  1. the client's retry quota ran out (ratelimit.QuotaExceededError):
//     [batch.CodeThrottled], retryable, [batch.ScopeCall];
//  2. a service error (smithy.APIError): its code by [Call], or when the
//     code is unknown its HTTP status by [Status], with scope's scope;
//  3. what [wire.Classify] says: a malformed 2xx answer is
//     [batch.CodeUnmatched] and a transport failure or time-out
//     [batch.CodeUnavailable], both retryable (the rule is in the wire
//     package's documentation); a cancellation by something other than the
//     run is [batch.CodeCanceled], permanent; all [batch.ScopeCall];
//  4. a 2xx answer the client could not decode although it was well formed
//     (smithy.DeserializationError): [batch.CodeUnmatched], retryable,
//     [batch.ScopeCall]; with another status, the status decides;
//  5. input the client refused to send (smithy.InvalidParamsError):
//     [batch.CodeInvalidInput], [batch.ScopeCall];
//  6. anything else: its HTTP status by [Status], else [batch.CodeUnknown],
//     permanent, [batch.ScopeCall].
//
// The service's code and message are kept, the request ID is copied from
// the *awshttp.ResponseError when there is one, and err stays reachable
// through Unwrap.
func Classify(err error, operation string, scope func(batch.Code) batch.Scope) (*batch.Error, batch.Scope) {
	e := &batch.Error{Code: batch.CodeUnknown, Operation: operation, Err: err}
	var re *awshttp.ResponseError
	status := 0
	if errors.As(err, &re) {
		e.RequestID = re.ServiceRequestID()
		status = re.HTTPStatusCode()
	}
	byStatus := func() (*batch.Error, batch.Scope) {
		c, ok := Status(status)
		if !ok {
			return e, batch.ScopeCall
		}
		e.Code, e.Retryable = c.Code, c.Retryable
		return e, scope(c.Code)
	}

	var quota ratelimit.QuotaExceededError
	var quotaPtr *ratelimit.QuotaExceededError
	var apiErr smithy.APIError
	if errors.As(err, &quota) || errors.As(err, &quotaPtr) {
		// The client refused to retry because its retry quota is spent: the
		// service has been failing or throttling many calls.
		e.Code, e.Retryable = batch.CodeThrottled, true
		e.Message = "the client's retry quota is exhausted"
		if errors.As(err, &apiErr) {
			e.ServiceCode = apiErr.ErrorCode()
		}
		return e, batch.ScopeCall
	}
	if errors.As(err, &apiErr) {
		e.ServiceCode = apiErr.ErrorCode()
		e.Message = apiErr.ErrorMessage()
		if c, ok := Call(e.ServiceCode); ok {
			e.Code, e.Retryable = c.Code, c.Retryable
			return e, scope(c.Code)
		}
		return byStatus()
	}
	switch wire.Classify(err) {
	case wire.Malformed:
		e.Code, e.Retryable = batch.CodeUnmatched, true
		e.Message = "the service's answer is not one well-formed document, so no item of the call can be reported as succeeded; the call may have been applied"
		return e, batch.ScopeCall
	case wire.Transport:
		e.Code, e.Retryable = batch.CodeUnavailable, true
		e.Message = "the request got no complete answer, so the call may have been applied: " + err.Error()
		return e, batch.ScopeCall
	case wire.Canceled:
		e.Code = batch.CodeCanceled
		e.Message = "the call was canceled by something other than the run: " + err.Error()
		return e, batch.ScopeCall
	}
	var deser *smithy.DeserializationError
	if errors.As(err, &deser) {
		if status != 0 && (status < 200 || status > 299) {
			return byStatus()
		}
		e.Code, e.Retryable = batch.CodeUnmatched, true
		e.Message = "the service's answer could not be decoded, so no item of the call can be reported as succeeded; the call may have been applied"
		return e, batch.ScopeCall
	}
	var params smithy.InvalidParamsError
	if errors.As(err, &params) {
		e.Code = batch.CodeInvalidInput
		return e, batch.ScopeCall
	}
	return byStatus()
}
