package chime

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"

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
//   - ServiceUnavailableException (503), ServiceFailureException (500) and
//     other 5xx answers: [batch.CodeUnavailable] or [batch.CodeInternal],
//     retryable.
//   - Transport failures and every time-out, including an HTTP client's
//     Timeout: [batch.CodeUnavailable], retryable, [batch.ScopeCall]. (The
//     run's own cancellation never reaches Classify.)
//   - A 2xx answer that is not one well-formed JSON object, or that cannot
//     be decoded: [batch.CodeUnmatched], retryable (setting a user's details
//     again is harmless).
//   - A cancellation by something other than the run, for example the
//     caller's HTTP client: [batch.CodeCanceled], permanent.
//   - An Adapter built without a client: [batch.CodeInvalidInput],
//     [batch.ScopeRun], so the run ends at its first call with every item
//     failing with this one error.
//
// Anything else is [batch.CodeUnknown], permanent, [batch.ScopeCall]. The
// order of the tests is the one chimecodes.Classify gives, shared with the
// messaging adapter. The original error stays reachable with errors.As; the
// request ID is copied from the *awshttp.ResponseError when there is one.
func (a *Adapter) Classify(err error) (*batch.Error, batch.Scope) {
	var be *batch.Error
	if errors.As(err, &be) {
		// The Adapter's own configuration error (see Validate).
		c := *be
		return &c, batch.ScopeRun
	}
	return chimecodes.Classify(err, Operation, callScope)
}

// noClient is the error of an Adapter built with a nil client. New cannot
// fail, and Validate and Plan need no client, so the first call of a run
// fails with it and Classify ends the run with it: every item fails with
// this one error, and nothing is sent.
func noClient() *batch.Error {
	e := batch.InvalidInput("", "chime: the adapter has no client: chime.New was given a nil API")
	e.Operation = Operation
	return e
}
