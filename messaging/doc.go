// Package messaging adds members to Amazon Chime SDK Messaging channels
// through the BatchCreateChannelMembership operation with the batchkit
// engine.
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
// The adapter calls BatchCreateChannelMembership of
// [messagingapi.Client], batchkit's own client for Amazon Chime SDK
// Messaging (the Go module proxy does not serve the official
// service/chimesdkmessaging module), through the narrow [API] interface.
// The client signs with the name "chime" and sends to
// messaging-chime.{region}.amazonaws.com.
//
//	r, err := messaging.NewRunner(messagingapi.NewFromConfig(cfg))
//	rep, err := r.Run(ctx, memberships)
//
// Each [Membership] names one member to add and the fields every member of
// a call shares: ChannelArn, ChimeBearer (the AppInstanceUser or
// AppInstanceBot making the call), Type and SubChannelId. Those four fields
// form the call key (see [Adapter.Key]); the identity is MemberArn. A call
// carries at most [MaxItemsPerCall] (100) members of one key, and two items
// with the same MemberArn never share a call.
//
// Items are validated before anything is sent ([Adapter.Validate]):
// ChannelArn, ChimeBearer and MemberArn must be 5 to 1600 characters of
// valid UTF-8 matching the model's ARN pattern
// ^arn:[a-z0-9-\.]{1,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:[^/].{0,1023}$
// (ChimeBearer, sent as a header, must also hold no control character and
// not end in white space); Type must be empty, DEFAULT or HIDDEN; a
// SubChannelId, when set, 1 to 128 characters of [-_a-zA-Z0-9]. Lengths
// count Unicode characters.
//
// # Answers
//
// The service answers 200 with BatchChannelMemberships.Members, the
// members it added, and Errors, the members it did not add, keyed by
// MemberArn. Success needs positive evidence, so each item is judged on its
// own:
//
//   - named in Members only: succeeded; its [Result] holds the entry's ARN
//     and name;
//   - named in Errors only: failed with the entry's code (see below); when
//     several entries name it, a permanent error wins over a retryable one;
//   - named in neither: [batch.CodeUnmatched], retryable;
//   - named in both: a contradiction, [batch.CodeUnmatched], retryable.
//
// Entries naming an ARN the call did not carry, or no ARN, are ignored: they
// cannot be attributed, and since success is never implied by absence they
// cannot make another item succeed. An answer whose
// BatchChannelMemberships.ChannelArn (or SubChannelId, when the call sent
// one) names another channel than the call's is not trusted at all: every
// item of the call is Unmatched. A 200 whose body is not exactly one JSON
// object (empty, "null", truncated, trailing data) is an answer lost in
// transit: the client's retryer sends the request again, and when every
// attempt fails so, every item of the call fails with a retryable
// [batch.CodeUnmatched]; the call may have been applied.
//
// Retrying an Unmatched item sends its membership again. Adding a member
// who already belongs to the channel is assumed to succeed (the service's
// behaviour is not documented; the messagingtest fake answers it as a
// success); if the service instead reports it in Errors, the item ends
// with that error.
//
// # Codes
//
// Every Errors ErrorCode maps to a [batch.Code] through the table shared
// with the chime package:
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
// Only the retryable codes are sent again.
//
// Errors of a whole call are classified by [Adapter.Classify]. The call
// key scopes what a refusal condemns: a NotFoundException or
// ForbiddenException (the channel does not exist, or the bearer may not add
// members to it) and a ResourceLimitExceededException (the channel, or the
// app instance, is full) fail every item of the key without more calls to
// it, while other keys go on. A BadRequestException makes the engine split
// the call until the offending members are isolated; a bad request that
// concerns the whole key (for example a SubChannelId the channel does not
// have) ends with each item failing on its own after that splitting.
// UnauthorizedClientException and the AWS authentication errors end the
// run; ThrottledClientException, 5xx answers, transport errors and
// time-outs (an HTTP client's Timeout included) are retried.
//
// An Adapter built with a nil client can still validate items and plan
// runs; a run fails at its first call, every item with one
// [batch.CodeInvalidInput] error saying the client is missing, and nothing
// is sent.
//
// # Retries
//
// The client's retryer owns the retries of one HTTP request; messagingapi
// already makes it retry ThrottledClientException (HTTP 429). On every call
// the adapter wraps that retryer, through the call's option functions, so
// that every throttled attempt is reported to the engine with
// [batch.SignalThrottle], which lowers the send rate even when the retry
// succeeded (see [Options.ThrottleCodes]). The caller's client is not
// changed. Items that failed with a retryable code inside a 200, or whose
// call still failed after the client's attempts, are retried by the engine.
//
// # Sensitive data
//
// The service marks an identity's Name sensitive. It is returned in
// [Result.Name] only; errors and logs produced by this package never hold
// it.
//
// The messagingtest package provides an in-memory fake of the service for
// tests.
package messaging
