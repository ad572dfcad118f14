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
)

// itemCode is how one UserErrors ErrorCode is normalized.
type itemCode struct {
	code      batch.Code
	retryable bool
}

// itemCodes maps every ErrorCode value of the model to a normalized code.
// PreconditionFailed means the user's current state does not allow the
// change, so it is a Conflict rather than bad input. Codes missing here are
// CodeUnknown and permanent.
var itemCodes = map[chimetypes.ErrorCode]itemCode{
	chimetypes.ErrorCodeBadRequest:                           {batch.CodeInvalidInput, false},
	chimetypes.ErrorCodeConflict:                             {batch.CodeConflict, false},
	chimetypes.ErrorCodeForbidden:                            {batch.CodeForbidden, false},
	chimetypes.ErrorCodeNotFound:                             {batch.CodeNotFound, false},
	chimetypes.ErrorCodePreconditionFailed:                   {batch.CodeConflict, false},
	chimetypes.ErrorCodeResourceLimitExceeded:                {batch.CodeLimitExceeded, false},
	chimetypes.ErrorCodeServiceFailure:                       {batch.CodeInternal, true},
	chimetypes.ErrorCodeAccessDenied:                         {batch.CodeForbidden, false},
	chimetypes.ErrorCodeServiceUnavailable:                   {batch.CodeUnavailable, true},
	chimetypes.ErrorCodeThrottled:                            {batch.CodeThrottled, true},
	chimetypes.ErrorCodeThrottling:                           {batch.CodeThrottled, true},
	chimetypes.ErrorCodeUnauthorized:                         {batch.CodeUnauthorized, false},
	chimetypes.ErrorCodeUnprocessable:                        {batch.CodeInvalidInput, false},
	chimetypes.ErrorCodeVoiceConnectorGroupAssociationsExist: {batch.CodeConflict, false},
	chimetypes.ErrorCodePhoneNumberAssociationsExist:         {batch.CodeConflict, false},
}

// userError normalizes one UserErrors entry. The message is the service's;
// the user ID is not repeated in it.
func userError(ue *chimetypes.UserError) *batch.Error {
	c, ok := itemCodes[ue.ErrorCode]
	if !ok {
		c = itemCode{batch.CodeUnknown, false}
	}
	return &batch.Error{
		Code:        c.code,
		ServiceCode: string(ue.ErrorCode),
		Message:     aws.ToString(ue.ErrorMessage),
		Retryable:   c.retryable,
		Operation:   Operation,
	}
}

// callCode is how one call-level error code is normalized.
type callCode struct {
	code      batch.Code
	retryable bool
	scope     batch.Scope
}

// callCodes maps the error codes a BatchUpdateUser call can fail with: the
// modeled exception names, the short ErrorCode values a response without an
// X-Amzn-ErrorType header yields, and the AWS-wide authentication errors.
var callCodes = map[string]callCode{
	// The account does not exist: every user of it fails, without more calls.
	"NotFoundException": {batch.CodeNotFound, false, batch.ScopeKey},
	"NotFound":          {batch.CodeNotFound, false, batch.ScopeKey},

	// The whole request was rejected for bad input in some item: bisect.
	"BadRequestException":          {batch.CodeInvalidInput, false, batch.ScopeItems},
	"BadRequest":                   {batch.CodeInvalidInput, false, batch.ScopeItems},
	"UnprocessableEntityException": {batch.CodeInvalidInput, false, batch.ScopeItems},
	"Unprocessable":                {batch.CodeInvalidInput, false, batch.ScopeItems},
	"ValidationException":          {batch.CodeInvalidInput, false, batch.ScopeItems},

	// Credentials, signature or permissions were refused: the run ends.
	// Legacy Chime actions take no resource-level permissions, so a refusal
	// applies to every account alike.
	"UnauthorizedClientException":         {batch.CodeUnauthorized, false, batch.ScopeRun},
	"Unauthorized":                        {batch.CodeUnauthorized, false, batch.ScopeRun},
	"UnrecognizedClientException":         {batch.CodeUnauthorized, false, batch.ScopeRun},
	"InvalidSignatureException":           {batch.CodeUnauthorized, false, batch.ScopeRun},
	"MissingAuthenticationTokenException": {batch.CodeUnauthorized, false, batch.ScopeRun},
	"IncompleteSignatureException":        {batch.CodeUnauthorized, false, batch.ScopeRun},
	"InvalidClientTokenId":                {batch.CodeUnauthorized, false, batch.ScopeRun},
	"ExpiredTokenException":               {batch.CodeUnauthorized, false, batch.ScopeRun},
	"ForbiddenException":                  {batch.CodeForbidden, false, batch.ScopeRun},
	"Forbidden":                           {batch.CodeForbidden, false, batch.ScopeRun},
	"AccessDeniedException":               {batch.CodeForbidden, false, batch.ScopeRun},
	"AccessDenied":                        {batch.CodeForbidden, false, batch.ScopeRun},

	// Permanent failures of this call only.
	"ConflictException":              {batch.CodeConflict, false, batch.ScopeCall},
	"Conflict":                       {batch.CodeConflict, false, batch.ScopeCall},
	"ResourceLimitExceededException": {batch.CodeLimitExceeded, false, batch.ScopeCall},
	"ResourceLimitExceeded":          {batch.CodeLimitExceeded, false, batch.ScopeCall},

	// Retryable: the SDK retried them already; the engine tries again later.
	"ThrottledClientException":    {batch.CodeThrottled, true, batch.ScopeCall},
	"Throttled":                   {batch.CodeThrottled, true, batch.ScopeCall},
	"Throttling":                  {batch.CodeThrottled, true, batch.ScopeCall},
	"ThrottlingException":         {batch.CodeThrottled, true, batch.ScopeCall},
	"TooManyRequestsException":    {batch.CodeThrottled, true, batch.ScopeCall},
	"ServiceUnavailableException": {batch.CodeUnavailable, true, batch.ScopeCall},
	"ServiceUnavailable":          {batch.CodeUnavailable, true, batch.ScopeCall},
	"ServiceFailureException":     {batch.CodeInternal, true, batch.ScopeCall},
	"ServiceFailure":              {batch.CodeInternal, true, batch.ScopeCall},
	"InternalFailure":             {batch.CodeInternal, true, batch.ScopeCall},
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
		if c, ok := callCodes[e.ServiceCode]; ok {
			e.Code, e.Retryable = c.code, c.retryable
			return e, c.scope
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
	switch {
	case status == 401:
		e.Code = batch.CodeUnauthorized
		return e, batch.ScopeRun
	case status == 403:
		e.Code = batch.CodeForbidden
		return e, batch.ScopeRun
	case status == 429:
		e.Code, e.Retryable = batch.CodeThrottled, true
	case status == 500:
		e.Code, e.Retryable = batch.CodeInternal, true
	case status >= 501 && status <= 599:
		e.Code, e.Retryable = batch.CodeUnavailable, true
	}
	return e, batch.ScopeCall
}
