// Package messagingapi is a minimal client for Amazon Chime SDK Messaging
// (service ID "Chime SDK Messaging", model version 2021-05-15), covering the
// one operation batchkit needs: BatchCreateChannelMembership. The Go module
// proxy does not serve the official
// github.com/aws/aws-sdk-go-v2/service/chimesdkmessaging module, so this
// package reproduces its shape on aws-sdk-go-v2 core and smithy-go:
// [NewFromConfig], [Options], [Client.BatchCreateChannelMembership] with
// per-call option functions, and the official type and error names. A caller
// can later swap in the official client behind an interface with a thin
// shim.
//
// # Wire
//
// POST /channels/{ChannelArn}/memberships?operation=batch-create on
// messaging-chime.{region}.{suffix}, the suffix of the region's partition
// (amazonaws.com, amazonaws.com.cn, c2s.ic.gov, ...; api.aws and the like
// for dual-stack), or messaging-chime-fips.{region}.{suffix} with FIPS or a
// FIPS pseudo-region (fips-us-east-1), or [Options.BaseEndpoint]: the
// endpoints the official client resolves. Requests are signed with SigV4
// under the name "chime", for the configured region as given. The
// channel ARN is percent-encoded in the raw path (every byte except
// A-Z a-z 0-9 - . _ ~, so ':' is %3A and '/' is %2F), the bearer goes in the
// signed X-Amz-Chime-Bearer header, and the JSON body holds MemberArns,
// SubChannelId and Type in that order, unset members omitted: what the
// official client sends. A server must route on the escaped path.
//
// # Limits
//
// The service accepts 1 to 100 member ARNs per call. Only required members
// are checked before sending (ChannelArn, ChimeBearer, MemberArns; the ARN
// and bearer must also be non-empty, since the wire cannot carry an empty
// path label or header); lengths and patterns are left to the service, as
// in the official client.
//
// # Errors
//
// Every error is a *smithy.OperationError. Service errors wrap an
// *awshttp.ResponseError (HTTP status, request ID from x-amzn-RequestId)
// around one of [BadRequestException] (400), [UnauthorizedClientException]
// (401), [ForbiddenException] (403), [NotFoundException] (404),
// [ResourceLimitExceededException] (400), [ThrottledClientException] (429),
// [ServiceFailureException] (500) or [ServiceUnavailableException] (503),
// each a smithy.APIError with the body's short Code, or around a
// *smithy.GenericAPIError. The error type comes from the X-Amzn-ErrorType
// header, else the body's "code" (any case, so the modeled Code member
// counts), else "__type". Because the body's Code holds the short code
// (for example "Forbidden"), an answer without the header yields a
// GenericAPIError with that short code, exactly as with the official client.
// Missing required input is a smithy.InvalidParamsError and nothing is sent.
//
// # Retries
//
// The client's retryer (from aws.Config, or built from RetryMode and
// RetryMaxAttempts) retries transport failures and HTTP 500, 502, 503 and
// 504. Unlike the official client, [New] wraps it with
// retry.AddWithErrorCodes so that [ThrottleErrorCodes]
// (ThrottledClientException, HTTP 429) is retried too. Per-call option
// functions run on a copy of the options after that wrapping: wrap
// o.Retryer to keep the throttle codes; replacing it drops them.
package messagingapi
