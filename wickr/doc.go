// Package wickr runs the AWS Wickr Admin API's batch operations on a
// network's users with the batchkit engine: it creates, deletes, invites
// again, suspends and reinstates users, resets their devices and looks
// their user names up, in bulk.
//
// # What it wraps
//
// The adapters call batchkit's own client,
// [github.com/batchkit/batchkit/wickr/wickrapi] (the Go module proxy does not
// serve the official service/wickr module; wickrapi has its shape), each
// through a narrow interface of one method:
//
//	adapter              constructor       operation                     item           value
//	Adapter              New               BatchCreateUser               NewUser        Result
//	DeleteAdapter        NewDelete         BatchDeleteUser               UserRef        UserResult
//	ReinviteAdapter      NewReinvite       BatchReinviteUser             UserRef        UserResult
//	SuspendAdapter       NewSuspend        BatchToggleUserSuspendStatus  SuspendStatus  UserResult
//	ResetDevicesAdapter  NewResetDevices   BatchResetDevicesForUser      Device         DeviceResult
//	LookupAdapter        NewLookup         BatchLookupUserUname          UnameLookup    UnameResult
//
// Each constructor New<Op> of the table has two companions, New<Op>Runner
// and New<Op>Batcher, that return the [batch.Runner] and the
// [batch.Batcher] in one step: [NewRunner] and [NewBatcher] for
// BatchCreateUser, [NewDeleteRunner] and [NewDeleteBatcher] for
// BatchDeleteUser, and so on. For example:
//
//	r, err := wickr.NewRunner(wickrapi.NewFromConfig(cfg), func(o *wickr.Options) {
//		o.MaxInFlight = 4 // an engine option, next to the adapter's
//	})
//	rep, err := r.Run(ctx, users)
//
// All take [Options] and carry at most [MaxItemsPerCall] (50) items per
// call. The adapter constructors never fail; the Runner and Batcher
// constructors return an error naming the argument for a nil client (a
// typed nil too) or an invalid [Options.ClientTokenPrefix], and the
// engine's error for an invalid engine option. The embedded
// [batch.Options] configure the engine; Options.MaxItemsPerCall, the
// adapter's, is the per-call limit that counts and shadows
// batch.Options.MaxItemsPerCall, which is ignored. The sections up to "Sensitive data" describe BatchCreateUser; "The
// user lifecycle" describes the other five.
//
// Each [NewUser] names a network and a user to create. Users of one network
// share calls of at most [MaxItemsPerCall] (50) users; the call key is
// NetworkId and the identity is Username (exact), so two items with the same
// user name never share a call. Items are validated before anything is
// sent ([Adapter.Validate]): NetworkId is 8 digits, Username is non-empty,
// SecurityGroupIds holds exactly one ID without white space.
//
// # Answers
//
// The service answers 200 with successful (the users it created, with their
// user names) and failed (entries with a field and a reason, but no user
// name). Failures can therefore only be attributed by elimination, and
// [Adapter.Call] follows this rule, built so that no user is ever reported
// created unless the answer names it:
//
//   - A user named by exactly one successful entry was created; its
//     [Result] carries the entry.
//   - A user named by several successful entries, or carried twice by the
//     call, fails with [batch.CodeUnmatched], permanent.
//   - The answer is consistent when every successful entry names a user of
//     the call, nobody is named twice, and successful and failed together
//     hold exactly one entry per user sent. Then the users not named in
//     successful are exactly the failed entries: one such user gets its
//     entry's error; several get the entries' common error when all entries
//     classify alike, and otherwise [batch.CodeUnmatched] (retryable if one
//     of the entries is), since the answer does not say which user got which
//     reason.
//   - When the answer is not consistent (a successful entry without a user
//     name or naming a user the call did not carry, too many or too few
//     entries), every user it does not name fails with
//     [batch.CodeUnmatched], retryable: it may or may not have been
//     created, and sending it again either creates it or conflicts.
//
// A 200 whose body is not exactly one JSON object (empty, null, truncated,
// trailing data) is never attributed: the client sends the request again
// with the same client token, and when every attempt fails so, the call's
// users fail with [batch.CodeUnmatched], retryable.
//
// # Codes
//
// Failed entries carry no error code, only a field and a reason text, so
// their classification reads the text, narrowly; matching ignores case:
//
//	Conflict, permanent      field "username" and a reason with "exist" (not
//	                         "not exist"), or any reason with "already exist"
//	Throttled, retryable     a reason with "throttl", "rate limit" or "too
//	                         many requests"
//	Internal, retryable      a reason starting with "internal error" or
//	                         "internal server error", or with "try again",
//	                         "temporarily unavailable" or "service unavailable"
//	InvalidInput, permanent  anything else, with the field
//
// Field names the [NewUser] field ("securityGroupIds" becomes
// SecurityGroupIds). The model has no retryable item code; the Internal row
// is how wickrtest renders Faults.ItemFailureRate, a fake-only convention,
// and it is sound against AWS: sending a user again cannot create it twice.
//
// Errors of a whole call are classified by [Adapter.Classify]:
// RateLimitError (429) is a throttle, retried; InternalServerError, other
// 5xx answers, transport errors and time-outs (an HTTP client's Timeout
// included) are retried; ValidationError (422) and
// BadRequestError (400) make the engine split the call until the offending
// users are isolated; ResourceNotFoundError (the network does not exist)
// and ForbiddenError fail every user of the network without more calls to
// it; UnauthorizedError and the AWS authentication errors
// (UnrecognizedClientException, InvalidSignatureException,
// MissingAuthenticationTokenException, a 401 or 403 without a Wickr code)
// end the run.
//
// An Adapter built with a nil client can still validate items and plan
// runs; a run fails at its first call, every item with one
// [batch.CodeInvalidInput] error saying the client is missing, and nothing
// is sent.
//
// # Client tokens
//
// BatchCreateUser takes an idempotency token (X-Client-Token): a request
// resent with the same token gets the first answer, and nobody is created
// twice. The adapter derives each call's token from the call's content and
// its rank among the calls with that content, so that a call sent again
// reuses its token while two different calls never share one (issue 8):
//
//	token = prefix + the first 64-len(prefix) hex digits of SHA-256(
//	            str(networkId)
//	            for each user, in increasing byte order of Username:
//	                str(Username)
//	                uvarint(len(SecurityGroupIds)), then str(id) for each
//	                str(FirstName) str(LastName) str(InviteCode)
//	                0 when InviteCodeTtl is nil, else 1 uvarint(uint32(*InviteCodeTtl))
//	                0, 1 or 2 when CodeValidation is nil, false or true
//	            [uvarint(n) when n > 0])
//
// where str(s) is uvarint(len(s)) followed by the bytes of s, uvarint is
// encoding/binary's unsigned varint, and prefix is
// [Options.ClientTokenPrefix] (by default 16 random hex digits and '-',
// chosen by [New]). n is the call's rank: the number of earlier calls this
// Adapter sent with the same content (the same network and users, down to
// every member). The engine sends a call that failed as a whole, retryably,
// again as the same call ([batch.CallID]): it keeps its token, so the
// service replays its answer if it applied it. Every other call gets the
// next rank, so an item duplicated in the input, sent later in a call with
// the same content as an earlier one, gets a token of its own and fails
// with [batch.CodeConflict] ("User already exists") instead of receiving the
// earlier call's answer. A call that does not come from a run (no
// [batch.CallID]) is always a new call. [Adapter.ClientToken] computes the
// token of rank 0. Tokens are at most 64 characters from the model's pattern
// ^[a-zA-Z0-9-_:]+$, and the request lists users in the same order, so the
// same token always comes with the same body.
//
// With a fixed [Options.ClientTokenPrefix], a job rerun over the same input
// by a new Adapter (after a crash) derives the same tokens as long as it
// forms the same calls in the same order, which a run with MaxInFlight 1
// over the same input and answers does: the service answers the calls it
// applied with their first answers. The Adapter remembers about 30 bytes
// per distinct call content it sent, to rank calls.
//
// All the attempts the client's retryer makes for one call carry its token,
// and so does the engine's resend of the call, so a dropped answer is
// recovered. Users retried in a new call (after their own failure inside an
// answer, or from a resend that had to leave some users out) get a new
// token, and a user the lost call did create then fails with "User already
// exists". The adapter cannot prove that the conflicting user is the one
// the run created (the answer carries no token or creation time), so it
// reports [batch.CodeConflict], permanent, and adds to the message that an
// earlier call carrying the user lost its answer, so this run may have
// created it. It remembers such users, under a mutex, until they get a
// final answer.
//
// # Retries
//
// The client's retryer owns the retries of one HTTP request. wickrapi's
// client registers RateLimitError (429), which the SDK retryers do not know;
// on every call the adapter wraps the retryer further to add
// [Options.ThrottleCodes], to report every throttled attempt to the engine
// with [batch.SignalThrottle] (which lowers the send rate even when the
// retry succeeded), and to note attempts whose outcome is unknown. The
// wrappers are installed through the call's option functions; the caller's
// client is not changed. Users that failed with a retryable code inside a
// 200, or whose call still failed after the client's attempts, are retried
// by the engine.
//
// # Sensitive data
//
// FirstName, LastName and InviteCode are sensitive. Validation errors name
// the field only, and the service's messages and reasons are withheld from
// errors when they quote one of these values of a user of the call.
//
// # The user lifecycle
//
// BatchDeleteUser, BatchReinviteUser, BatchToggleUserSuspendStatus,
// BatchResetDevicesForUser and BatchLookupUserUname each send one list of
// identifiers and answer 200 with successful and failed entries that echo
// them (the facts below were checked in aws-sdk-go-v2 service/wickr,
// serializers.go, validators.go, api_op_*.go and types/types.go; the
// model's examples are in the AWS JS SDK's wickr.json model):
//
//	adapter              request                                             call key                 identity
//	DeleteAdapter        POST  /networks/{networkId}/users/batch-delete      NetworkId                UserId
//	ReinviteAdapter      PATCH /networks/{networkId}/users/re-invite         NetworkId                UserId
//	SuspendAdapter       PATCH /networks/{networkId}/users/toggleSuspend     NetworkId "?suspend="    UserId
//	                           ?suspend=true|false                           "true" or "false"
//	ResetDevicesAdapter  PATCH /networks/{networkId}/users/{userId}/devices  NetworkId "/" UserId     AppId
//	LookupAdapter        POST  /networks/{networkId}/users/uname-lookup      NetworkId                Uname
//
// The bodies are {"userIds":[...]}, {"appIds":[...]} and {"unames":[...]}.
// Suspend is a query parameter and UserId of a device a path label, so they
// are part of the call key: items that differ in them never share a call.
// Identities are compared byte for byte, never normalized.
//
// Validation, before anything is sent: NetworkId is exactly 8 digits and
// UserId 1 to 10 digits (the model's patterns); AppId and Uname are
// non-empty valid UTF-8 (the model allows any string; an empty one could
// not be told from an entry naming nothing).
//
// Attribution: the request lists each identity of the call once, in
// increasing byte order. An item named by exactly one entry of the answer
// gets it: the successful entry's value, or the failed entry's error. An
// item named by several entries, or by none, fails with
// [batch.CodeUnmatched], retryable: the answer does not say what happened to
// it. Entries naming nothing the call carried (or an empty identity) are
// counted in that message and never make an item succeed. An item whose
// identity the call carries twice (a direct caller of Call; never a run)
// fails with [batch.CodeUnmatched], permanent. A 200 whose body is not one
// JSON object, or that cannot be decoded, is never attributed, exactly as
// for BatchCreateUser (see "Answers").
//
// Codes of failed entries (no code on the wire; the reason text is read,
// narrowly, ignoring case, in this order):
//
//	Conflict, permanent      BatchReinviteUser: "cannot be reinvited", "not
//	                         pending" (the model's "user cannot be
//	                         reinvited"); BatchToggleUserSuspendStatus:
//	                         "already suspended", "not suspended",
//	                         "already unsuspended", "already active"
//	Throttled, retryable     "throttl", "rate limit", "too many requests"
//	Internal, retryable      starts with "internal error" or "internal server
//	                         error", or has "try again", "temporarily
//	                         unavailable", "service unavailable"
//	NotFound, permanent      "not found", "does not exist", "no such" (the
//	                         model's "User not found", "user not found in
//	                         current network", "Uname not found")
//	InvalidInput, permanent  anything else ("Invalid app ID."), with the field
//
// The field names the item's field: "username", "userId" and "userIds"
// become UserId (the model's delete and suspend failures say "username"
// for a user ID), "appId" AppId, "uname" Uname. Call-level errors are
// classified as for BatchCreateUser ([Adapter.Classify]);
// ResourceNotFoundError and ForbiddenError fail the call key's items (for
// BatchResetDevicesForUser, every device of the user: the network or the
// user does not exist).
//
// Client tokens: every one of these operations takes X-Client-Token, and
// the adapters derive it as for BatchCreateUser, from the call's content
// and its rank among the calls with that content:
//
//	token = prefix + the first 64-len(prefix) hex digits of SHA-256(
//	            str(operation name) str(call key)
//	            uvarint(number of identities) str(identity)... in increasing byte order
//	            [uvarint(n) when n > 0])
//
// with str, uvarint, prefix and n as in "Client tokens". The operation's
// name comes first, so calls of different operations never share a token,
// whatever the prefix, and none shares one with a BatchCreateUser call
// (whose content starts with an 8-byte network ID; the names are longer).
// The engine's resend of a call that failed as a whole reuses its token;
// any other call gets the next rank. Each ClientToken method computes rank
// 0.
//
// What a resend means: the service documents the replay of a client token
// only for BatchCreateUser and BatchDeleteUser (UNCONFIRMED for the
// others: the adapters assume the same, and a resend without replay is
// harmless for them: reinviting, suspending, resetting or looking up again
// has the same effect). A user deleted by a call whose answer was lost and
// then sent again in a new call (after its call was split, or given twice
// in the input) fails with [batch.CodeNotFound] ("User not found"), and
// the message adds that an earlier call carrying the user lost its answer,
// so this run may have deleted it.
//
// UNCONFIRMED and chosen safely: the error for more than 50 items (never
// sent), the answer to an empty list (never sent), duplicates in a request
// (never sent), whether every identity always appears in exactly one list
// (an item missing is Unmatched), whether entries echo identities exactly
// (compared byte for byte; one that does not is Unmatched), and whether the
// service fails or accepts a user already in the requested state or already
// deleted (an entry saying so is reported as above; the kit accepts a
// repeated suspend and fails a repeated delete with "User not found").
// Unames are not normalized.
//
// The wickrtest package provides an in-memory fake of the service, one
// network state for all six operations, for tests.
package wickr
