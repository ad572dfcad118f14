// Package chime runs user updates through the Amazon Chime (legacy)
// BatchUpdateUser operation with the batchkit engine.
//
// Amazon Chime reached end of support on 20 February 2026; the Amazon Chime
// SDK services (meetings, messaging, voice) are not affected, and the
// messaging package covers their batch operation. This package is for
// accounts that can still call the legacy API.
//
// # Construction
//
// Every adapter package (appstream, chime, messaging, wickr) has the same
// constructors, in the style of the SDK clients:
//
//   - New(client, optFns...) returns the [Adapter]; it never fails, and Plan and Validate
//     work without a client.
//   - NewRunner(client, optFns...) returns the [batch.Runner] and
//     NewBatcher the [batch.Batcher], in one step from one [Options], whose
//     embedded [batch.Options] configure the engine. They return an error
//     naming the argument for a nil client (a typed nil too), and the engine's error
//     for an invalid engine option.
//
// The adapter's own Options.MaxItemsPerCall is the per-call limit that
// counts: it shadows the embedded batch.Options.MaxItemsPerCall, which is
// ignored.
//
// # What it wraps
//
// The adapter calls BatchUpdateUser of the official client,
// github.com/aws/aws-sdk-go-v2/service/chime (imported as chimesdk, its
// types as chimetypes), through the narrow [API] interface. The legacy Chime
// endpoint is global: for every region of the aws partition the client sends
// to chime.us-east-1.amazonaws.com and signs for us-east-1 with the signing
// name "chime".
//
// Each [UserUpdate] names an account and a user. Users of one account share
// calls of at most [MaxItemsPerCall] (20) users; the call key is AccountId
// and the identity is UserId, so two updates of the same user never share a
// call. Items are validated before anything is sent: AccountId and UserId
// must contain a non-space character, LicenseType must be Basic, Plus, Pro or
// ProTrial and UserType PrivateUser or SharedDevice when set. The service
// documents that only LicenseType updates are honoured.
//
//	a := chime.New(chimesdk.NewFromConfig(cfg))
//	r, err := a.Runner()
//	rep, err := r.Run(ctx, updates)
//
// # Answers
//
// The service answers 200 with UserErrors listing the users it could not
// update; a user not listed was updated. Because success is implied by
// absence, an answer with an entry naming a user the call did not carry (or
// no user) is not trusted: every user of that call fails with
// [batch.CodeUnmatched] and is retried, never reported as updated. A 200
// whose body is not exactly one JSON object (empty, null, truncated,
// trailing data) is an answer lost in transit: the SDK retryer sends the
// request again, and when every attempt fails so, every user of the call
// fails with [batch.CodeUnmatched], retryable.
//
// # Codes
//
// Every UserErrors ErrorCode maps to a [batch.Code]:
//
//	Throttled, Throttling                       Throttled, retryable (lowers the send rate)
//	ServiceUnavailable                          Unavailable, retryable
//	ServiceFailure                              Internal, retryable
//	BadRequest, Unprocessable                   InvalidInput
//	Conflict, PreconditionFailed,
//	VoiceConnectorGroupAssociationsExist,
//	PhoneNumberAssociationsExist                Conflict
//	Forbidden, AccessDenied                     Forbidden
//	NotFound                                    NotFound
//	ResourceLimitExceeded                       LimitExceeded
//	Unauthorized                                Unauthorized
//	any other                                   Unknown
//
// Only the retryable codes are sent again. PreconditionFailed is a Conflict
// because it reports that the user's current state does not allow the
// change, not that the request was malformed.
//
// Errors of a whole call are classified by [Adapter.Classify]: a
// NotFoundException (the account does not exist) fails every user of the
// account without more calls to it; a BadRequestException makes the engine
// split the call until the offending users are isolated;
// UnauthorizedClientException, ForbiddenException and the AWS
// authentication errors end the run; ThrottledClientException, 5xx answers,
// transport errors and time-outs (an HTTP client's Timeout included) are
// retried.
//
// An Adapter built with a nil client can still validate items and plan
// runs; a run fails at its first call, every item with one
// [batch.CodeInvalidInput] error saying the client is missing, and nothing
// is sent.
//
// # Retries
//
// The SDK retryer owns the retries of one HTTP request. The official client
// does not know Chime's ThrottledClientException (HTTP 429), so on every call
// the adapter wraps the client's retryer to retry it as a throttle (see
// [Options.ThrottleCodes]) and to report every throttled attempt to the
// engine with [batch.SignalThrottle], which lowers the send rate even when
// the SDK's retry succeeded. The wrapper is installed through the call's
// option functions; the caller's client is not changed. Items that failed
// with a retryable code inside a 200, or whose call still failed after the
// SDK's attempts, are retried by the engine.
//
// The chimetest package provides an in-memory fake of the service for tests.
package chime
