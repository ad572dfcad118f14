package messaging

import (
	"errors"

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
//   - ServiceUnavailableException (503), ServiceFailureException (500) and
//     other 5xx answers: [batch.CodeUnavailable] or [batch.CodeInternal],
//     retryable.
//   - Transport failures and every time-out, including an HTTP client's
//     Timeout: [batch.CodeUnavailable], retryable, [batch.ScopeCall]. (The
//     run's own cancellation never reaches Classify.)
//   - A 2xx answer that is not one JSON object, or that cannot be decoded:
//     [batch.CodeUnmatched], retryable (adding a member again either adds
//     it or gets the service's answer about it).
//   - A cancellation by something other than the run, for example the
//     caller's HTTP client: [batch.CodeCanceled], permanent.
//   - An Adapter built without a client: [batch.CodeInvalidInput],
//     [batch.ScopeRun], so the run ends at its first call with every item
//     failing with this one error.
//
// Anything else is [batch.CodeUnknown], permanent, [batch.ScopeCall]. The
// order of the tests is the one chimecodes.Classify gives, shared with the
// chime adapter. The original error stays reachable with errors.As; the
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
	e := batch.InvalidInput("", "messaging: the adapter has no client: messaging.New was given a nil API")
	e.Operation = Operation
	return e
}
