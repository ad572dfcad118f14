package chime

import (
	"context"
	"errors"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/chimecodes"
)

// userError normalizes one UserErrors entry. The message is the service's;
// the user ID is not repeated in it.
func userError(ue *chimetypes.UserError) *batch.Error {
	c := chimecodes.Item(string(ue.ErrorCode))
	return &batch.Error{
		Code:        c.Code,
		ServiceCode: string(ue.ErrorCode),
		Message:     aws.ToString(ue.ErrorMessage),
		Retryable:   c.Retryable,
		Operation:   Operation,
	}
}

// callScope is how far a call-level failure of class code reaches. The
// codes come from the table shared with the messaging adapter
// (chimecodes.Call): a missing account fails its users without more calls,
// bad input is bisected, and refused credentials or permissions end the run
// (legacy Chime actions take no resource-level permissions, so a refusal
// applies to every account alike).
func callScope(code batch.Code) batch.Scope {
	switch code {
	case batch.CodeNotFound:
		return batch.ScopeKey
	case batch.CodeInvalidInput:
		return batch.ScopeItems
	case batch.CodeUnauthorized, batch.CodeForbidden:
		return batch.ScopeRun
	}
	return batch.ScopeCall
}

// throttleCodes are the error codes the per-call retryer treats as
// throttles, besides the SDK's defaults. The SDK does not know Chime's
// ThrottledClientException, nor the short code a 429 without an
// X-Amzn-ErrorType header yields.
var throttleCodes = []string{"ThrottledClientException", "Throttled"}

// Classify turns an error returned by [Adapter.Call] into a [*batch.Error]
// and the scope of the failure:
//
//   - NotFoundException (404, the account does not exist): [batch.CodeNotFound],
//     [batch.ScopeKey], so the account's other users fail without more calls.
//   - BadRequestException (400) and UnprocessableEntityException:
//     [batch.CodeInvalidInput], [batch.ScopeItems], so the call is bisected
//     until the offending users are isolated.
//   - UnauthorizedClientException (401), ForbiddenException (403),
//     AccessDeniedException and the AWS authentication errors
//     (UnrecognizedClientException, InvalidSignatureException,
//     MissingAuthenticationTokenException, ...): [batch.CodeUnauthorized] or
//     [batch.CodeForbidden], [batch.ScopeRun].
//   - ThrottledClientException (429), and the SDK's retry quota running out:
//     [batch.CodeThrottled], retryable.
//   - ServiceUnavailableException (503), ServiceFailureException (500), other
//     5xx answers and transport errors: [batch.CodeUnavailable] or
//     [batch.CodeInternal], retryable.
//   - A 2xx answer whose body cannot be decoded: [batch.CodeUnmatched],
//     retryable.
//   - context cancellation or deadline: [batch.CodeCanceled].
//
// Anything else is [batch.CodeUnknown], permanent, [batch.ScopeCall]. The
// original error stays reachable with errors.As; the request ID is copied
// from the *awshttp.ResponseError when there is one.
func (a *Adapter) Classify(err error) (*batch.Error, batch.Scope) {
	e := &batch.Error{Code: batch.CodeUnknown, Operation: Operation, Err: err}
	var re *awshttp.ResponseError
	status := 0
	if errors.As(err, &re) {
		e.RequestID = re.ServiceRequestID()
		status = re.HTTPStatusCode()
	}
	var quota ratelimit.QuotaExceededError
	var apiErr smithy.APIError
	var deser *smithy.DeserializationError
	switch {
	case errors.As(err, &quota):
		// The SDK refused to retry because its client-wide retry quota is
		// spent: the service has been failing or throttling many calls.
		e.Code, e.Retryable = batch.CodeThrottled, true
		e.Message = "the SDK's retry quota is exhausted"
		if errors.As(err, &apiErr) {
			e.ServiceCode = apiErr.ErrorCode()
		}
		return e, batch.ScopeCall
	case errors.As(err, &apiErr):
		e.ServiceCode = apiErr.ErrorCode()
		e.Message = apiErr.ErrorMessage()
		if c, ok := chimecodes.Call(e.ServiceCode); ok {
			e.Code, e.Retryable = c.Code, c.Retryable
			return e, callScope(c.Code)
		}
		return byStatus(e, status)
	case errors.As(err, &deser):
		if status != 0 && (status < 200 || status > 299) {
			return byStatus(e, status)
		}
		e.Code, e.Retryable = batch.CodeUnmatched, true
		e.Message = "the answer could not be decoded, so no user of the call can be reported as updated"
		return e, batch.ScopeCall
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		e.Code = batch.CodeCanceled
		return e, batch.ScopeCall
	}
	var send *smithyhttp.RequestSendError
	var canceled *aws.RequestCanceledError
	var netErr net.Error
	if errors.As(err, &send) || errors.As(err, &netErr) {
		e.Code, e.Retryable = batch.CodeUnavailable, true
		return e, batch.ScopeCall
	}
	if errors.As(err, &canceled) {
		e.Code = batch.CodeCanceled
		return e, batch.ScopeCall
	}
	var params smithy.InvalidParamsError
	if errors.As(err, &params) {
		e.Code = batch.CodeInvalidInput
		return e, batch.ScopeCall
	}
	return byStatus(e, status)
}

// byStatus classifies an error whose code is not in the table by its HTTP
// status.
func byStatus(e *batch.Error, status int) (*batch.Error, batch.Scope) {
	c, ok := chimecodes.Status(status)
	if !ok {
		return e, batch.ScopeCall
	}
	e.Code, e.Retryable = c.Code, c.Retryable
	return e, callScope(c.Code)
}
