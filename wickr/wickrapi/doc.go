// Package wickrapi is a minimal client for the AWS Wickr Admin API
// (service ID "Wickr", model version 2024-02-01), covering the one operation
// batchkit needs: BatchCreateUser. The Go module proxy does not serve the
// official github.com/aws/aws-sdk-go-v2/service/wickr module, so this package
// reproduces its shape on aws-sdk-go-v2 core and smithy-go: [NewFromConfig],
// [Options], [Client.BatchCreateUser] with per-call option functions, and the
// official type and error names. A caller can later swap in the official
// client behind an interface with a thin shim.
//
// # Wire
//
// POST /networks/{networkId}/users on admin.wickr.{region}.{suffix}, the
// suffix of the region's partition (amazonaws.com, amazonaws.com.cn,
// c2s.ic.gov, ...; api.aws and the like for dual-stack), or
// admin.wickr-fips.{region}.{suffix} with FIPS or a FIPS pseudo-region
// (fips-us-east-1), or [Options.BaseEndpoint]: the endpoints the official
// client resolves. Requests are signed with SigV4 under the name "wickr",
// for the configured region as given,
// Content-Type application/json, the client token in the X-Client-Token
// header, and a body holding only "users", members in alphabetical order
// and unset members omitted: byte for byte what the official client sends.
//
// # Limits
//
// The service accepts at most 50 users per call; the model does not encode
// the limit, so neither the official client nor this one checks it. Only
// required members are checked before sending (NetworkId set and non-empty,
// Users, and each user's Username and SecurityGroupIds); lengths and
// patterns are left to the service, as in the official client.
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
// creates users twice.
package wickrapi
