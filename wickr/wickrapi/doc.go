// Package wickrapi is a minimal client for the AWS Wickr Admin API
// (service ID "Wickr", model version 2024-02-01), covering the six batch
// operations on a network's users that batchkit needs. The Go module proxy
// does not serve the official github.com/aws/aws-sdk-go-v2/service/wickr
// module, so this package reproduces its shape on aws-sdk-go-v2 core and
// smithy-go: [NewFromConfig], [Options], one method per operation with
// per-call option functions, and the official type and error names. A caller
// can later swap in the official client behind an interface with a thin
// shim.
//
// # Wire
//
// Every request goes to admin.wickr.{region}.{suffix}, the suffix of the
// region's partition (amazonaws.com, amazonaws.com.cn, c2s.ic.gov, ...;
// api.aws and the like for dual-stack), or admin.wickr-fips.{region}.{suffix}
// with FIPS or a FIPS pseudo-region (fips-us-east-1), or
// [Options.BaseEndpoint]: the endpoints the official client resolves.
// Requests are signed with SigV4 under the name "wickr", for the configured
// region as given, with Content-Type application/json and the client token
// in the X-Client-Token header (never in the body). Unset members are
// omitted and members are in alphabetical order: byte for byte what the
// official client sends.
//
//	method                                  request
//	[Client.BatchCreateUser]                POST  /networks/{networkId}/users                  {"users":[{...}]}
//	[Client.BatchDeleteUser]                POST  /networks/{networkId}/users/batch-delete     {"userIds":[...]}
//	[Client.BatchReinviteUser]              PATCH /networks/{networkId}/users/re-invite        {"userIds":[...]}
//	[Client.BatchToggleUserSuspendStatus]   PATCH /networks/{networkId}/users/toggleSuspend?suspend=true|false
//	                                                                                           {"userIds":[...]}
//	[Client.BatchResetDevicesForUser]       PATCH /networks/{networkId}/users/{userId}/devices {"appIds":[...]}
//	[Client.BatchLookupUserUname]           POST  /networks/{networkId}/users/uname-lookup     {"unames":[...]}
//
// Each answers 200 with {"message", "successful", "failed"}. The entries of
// BatchCreateUser's successful list are whole [User] records and its failed
// entries carry no user name; the other operations echo the identifier the
// request carried (userId, appId or uname) in both lists. Methods, paths,
// the suspend query parameter, the body members and the required members
// were checked against the official client's source, aws-sdk-go-v2
// service/wickr (serializers.go, validators.go, api_op_*.go and
// types/types.go); see also the facts sheet wickr-siblings-wire-facts.md.
//
// # Limits
//
// The service accepts at most 50 users, user IDs, app IDs or unames per
// call; the model does not encode the limit, so neither the official client
// nor this one checks it. Only required members are checked before sending
// (NetworkId and, for BatchResetDevicesForUser, UserId set and non-empty;
// the list; Suspend for BatchToggleUserSuspendStatus; and each new user's
// Username and SecurityGroupIds); lengths and patterns are left to the
// service, as in the official client.
//
// # Errors
//
// Every error is a *smithy.OperationError. Service errors wrap an
// *awshttp.ResponseError (HTTP status, request ID from x-amzn-RequestId)
// around one of [BadRequestError] (400), [UnauthorizedError] (401),
// [ForbiddenError] (403), [ResourceNotFoundError] (404), [ValidationError]
// (422), [RateLimitError] (429) or [InternalServerError] (500), each a
// smithy.APIError, or around a *smithy.GenericAPIError when the code is not
// one of these. The code comes from the X-Amzn-ErrorType header, else the
// body's "code", else its "__type", sanitized and matched case-insensitively.
// Missing required input is a smithy.InvalidParamsError and nothing is sent.
// Error strings never hold user names, first or last names or invite codes.
//
// # Retries
//
// The client's retryer (from aws.Config, or built from RetryMode and
// RetryMaxAttempts) retries transport failures and HTTP 5xx. Unlike the
// official client, [New] wraps it with retry.AddWithErrorCodes so that
// [ThrottleErrorCodes] (RateLimitError, HTTP 429) is retried too. Per-call
// option functions run on a copy of the options after that wrapping: wrap
// o.Retryer to keep the throttle codes; replacing it drops them. All retry
// attempts of one call send the same X-Client-Token, so a retried call never
// creates users twice. Every operation's ClientToken is filled, when nil,
// from [Options.IdempotencyTokenProvider] (a random UUID by default), as
// the official client does, even for the read-only BatchLookupUserUname.
package wickrapi
