package messaging

import (
	"context"
	"errors"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/chimecodes"
)

// callScope is how far a call-level failure of class code reaches. Chime SDK
// Messaging permissions and limits apply per channel and bearer, so a
// refusal, a missing channel or a full channel condemns the call's key
// only; bad input is bisected; refused credentials end the run.
func callScope(code batch.Code) batch.Scope {
	switch code {
	case batch.CodeNotFound, batch.CodeForbidden, batch.CodeLimitExceeded:
		return batch.ScopeKey
	case batch.CodeInvalidInput:
		return batch.ScopeItems
	case batch.CodeUnauthorized:
		return batch.ScopeRun
	}
	return batch.ScopeCall
}

// Classify turns an error returned by [Adapter.Call] into a [*batch.Error]
// and the scope of the failure:
//
//   - NotFoundException (404: the channel, or the bearer, does not exist)
//     and ForbiddenException (403: the bearer may not add members to the
//     channel), AccessDeniedException and other 403 answers:
//     [batch.CodeNotFound] or [batch.CodeForbidden], [batch.ScopeKey], so
//     the key's other items fail without more calls and other keys go on.
//   - ResourceLimitExceededException (400: the channel or app instance is
//     full): [batch.CodeLimitExceeded], [batch.ScopeKey]. Smaller calls
//     might still fit, but a channel at its limit would refuse every later
//     call of the key, so none is sent.
//   - BadRequestException (400): [batch.CodeInvalidInput],
//     [batch.ScopeItems], so the call is bisected until the offending
//     members are isolated.
//   - UnauthorizedClientException (401), other 401 answers and the AWS
//     authentication errors (UnrecognizedClientException,
//     InvalidSignatureException, MissingAuthenticationTokenException, ...):
//     [batch.CodeUnauthorized], [batch.ScopeRun].
//   - ThrottledClientException (429), and the client's retry quota running
//     out: [batch.CodeThrottled], retryable.
//   - ServiceUnavailableException (503), ServiceFailureException (500),
//     other 5xx answers and transport errors: [batch.CodeUnavailable] or
//     [batch.CodeInternal], retryable.
//   - A 2xx answer whose body is not one JSON object: [batch.CodeUnmatched],
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
		// The client refused to retry because its retry quota is spent: the
		// service has been failing or throttling many calls.
		e.Code, e.Retryable = batch.CodeThrottled, true
		e.Message = "the client's retry quota is exhausted"
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
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		e.Code = batch.CodeCanceled
		return e, batch.ScopeCall
	case errors.As(err, &deser):
		if status != 0 && (status < 200 || status > 299) {
			return byStatus(e, status)
		}
		e.Code, e.Retryable = batch.CodeUnmatched, true
		e.Message = "the answer could not be decoded, so no member of the call can be reported as added"
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
