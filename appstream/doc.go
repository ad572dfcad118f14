// Package appstream runs large sets of AppStream 2.0 (Amazon WorkSpaces
// Applications) user-stack associations through BatchAssociateUserStack and
// BatchDisassociateUserStack with the [batch] engine.
//
// It wraps the official client, github.com/aws/aws-sdk-go-v2/service/appstream,
// through the narrow [API] interface. [NewRunner] returns the [batch.Runner]
// that runs one [Action], [Associate] or [Disassociate]:
//
//	client := appstreamsdk.NewFromConfig(cfg)
//	runner, err := appstream.NewRunner(client, appstream.Associate, func(o *appstream.Options) {
//		o.MaxInFlight = 4 // an engine option, next to the adapter's
//	})
//	report, err := runner.Run(ctx, associations)
//
// # Construction
//
// Every adapter package (appstream, chime, messaging, wickr) has the same
// constructors, in the style of the SDK clients:
//
//   - New(client, action, optFns...) returns the [Adapter]; it never fails,
//     and Plan and Validate work without a client.
//   - NewRunner(client, action, optFns...) returns the [batch.Runner] and
//     NewBatcher the [batch.Batcher], in one step from one [Options], whose
//     embedded [batch.Options] configure the engine. They return an error
//     naming the argument for a nil client (a typed nil too) or an action
//     other than Associate and Disassociate, and the engine's error for an
//     invalid engine option.
//
// The other adapters take no action argument: chime and messaging run one
// operation each, and wickr has a constructor per operation. In every adapter package, a constant whose name ends in Operation is the
// name of an operation on the wire, as [Adapter.Operation], [batch.Error]
// and [batch.Report] give it: here [AssociateOperation] and
// [DisassociateOperation]. The former type Operation is now [Action], and
// Operation remains as a deprecated alias of it.
//
// The adapter's own Options.MaxItemsPerCall is the per-call limit that
// counts: it shadows the embedded batch.Options.MaxItemsPerCall, which is
// ignored.
//
// The package appstreamtest provides an in-memory AppStream that speaks the
// service's wire protocols, for tests.
//
// # Calls and identity
//
// A call carries at most 25 associations ([MaxItemsPerCall]); any
// associations may share a call. An association is identified by its exact,
// case-sensitive (StackName, UserName, AuthenticationType), the members the
// service echoes when it reports an association as failed; two associations
// with the same identity never share a call. SendEmailNotification is not part
// of the identity.
//
// # Answers
//
// The service answers HTTP 200 with an errors list naming the associations
// that failed; every other association of the call succeeded. An entry is
// matched to the association it echoes. An entry that names no association of
// the call (or carries no echo) cannot be attributed, so no association of
// that call is reported as a success: those without an entry of their own
// fail with [batch.CodeUnmatched], and the associations the entries do name
// keep their own errors. Unmatched failures are permanent: retrying them
// would mix an association the answer cannot be attributed for into other
// calls, which would then be unattributable too. A 200 whose body is not
// exactly one document (empty, "null", truncated, trailing data after it; a
// CBOR map for Smithy RPC v2 CBOR, a JSON object for AWS JSON 1.1, in the
// protocol the client sent its request in) is never a success: it is an
// answer lost in transit, so the SDK retryer sends the request again, and
// when every attempt fails so, every association of the call fails with
// [batch.CodeUnmatched], retryable; the call may have been applied. A
// well-formed 200 the client cannot decode (a member of the wrong type, an
// answer without the Smithy-Protocol header) is Unmatched and retryable
// too.
//
// # Protocols
//
// The adapter works with the client whatever protocol it speaks:
// github.com/aws/aws-sdk-go-v2/service/appstream sends Smithy RPC v2 CBOR
// from v1.64.0 on (batchkit's go.mod pins v1.64.8), AWS JSON 1.1 before.
// Both carry the same members, so nothing above the client changes.
//
// # Error codes
//
// Per-item codes:
//
//	INTERNAL_ERROR        batch.CodeInternal, retried by the engine
//	STACK_NOT_FOUND       batch.CodeNotFound, field StackName, permanent unless Options.RetryNotFound
//	USER_NAME_NOT_FOUND   batch.CodeNotFound, field UserName, permanent unless Options.RetryNotFound
//	DIRECTORY_NOT_FOUND   batch.CodeNotFound, permanent unless Options.RetryNotFound
//	any other code        batch.CodeUnknown, permanent
//
// Call-level errors are mapped by [Adapter.Classify]:
// InvalidParameterCombinationException and OperationNotPermittedException
// reject a call for something in its input, so the engine splits the call
// until the offending associations are isolated (only they fail); throttles,
// 5xx answers, transport errors and time-outs (an HTTP client's Timeout
// included) are retried; refused credentials or signatures, and
// AccessDeniedException, end the run.
//
// An Adapter built with a nil client can still validate items and plan
// runs; a run fails at its first call, every item with one
// [batch.CodeInvalidInput] error saying the client is missing, and nothing
// is sent.
//
// # Retries
//
// The SDK retryer configured on the client retries single HTTP calls
// (transport errors, 5xx, ThrottlingException). On every call the adapter
// wraps that retryer so that each throttled attempt is reported to the
// engine's adaptive send rate ([batch.SignalThrottle]), even when the SDK's
// retry then succeeds, and RequestLimitExceededException counts as a throttle.
// The engine retries associations that failed with INTERNAL_ERROR and calls
// that still failed retryably after the SDK's attempts.
//
// With [Options.RetryNotFound] set to n, an association answered with a
// NotFound code is sent again up to n more times. The engine does not tell
// adapters which attempt a call is, so the Adapter counts NotFound answers
// per identity, under a mutex: the count is dropped when the association
// succeeds or its NotFound becomes final. An association whose run ended for
// another reason (attempts, retry budget, cancellation) keeps its count in the
// Adapter; build a new Adapter per run to start every run afresh.
//
// # Sensitive data
//
// The service marks UserName sensitive. Validation errors name the field
// only, and the service's messages are withheld from errors when they quote
// the user name of an association of the call. Identities hold the user name;
// the engine never logs them.
//
// # Validation
//
// [Adapter.Validate] checks every association before anything is sent:
// StackName non-empty; UserName 1 to 128 characters, each a letter, mark,
// symbol, number or punctuation; AuthenticationType one of API, SAML,
// USERPOOL and AWS_AD. Invalid associations fail with
// [batch.CodeInvalidInput] naming the field.
package appstream
