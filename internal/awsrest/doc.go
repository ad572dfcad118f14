// Package awsrest is the small restJson1 invoker behind batchkit's own AWS
// clients ([github.com/batchkit/batchkit/wickr/wickrapi] and
// [github.com/batchkit/batchkit/messaging/messagingapi]). Those services are
// not served by the Go module proxy, so each client describes its one
// operation as an [Operation] and hands it to [Invoke], which does what an
// aws-sdk-go-v2 client's middleware stack would do:
//
//   - resolves the endpoint: [Config.BaseEndpoint] when set, otherwise
//     https://{Host}.{region}.{suffix} (FIPSHost when FIPS is enabled or
//     the region is a FIPS pseudo-region; the suffix of the region's
//     partition, or its dual-stack suffix, from the one partition table
//     in partitions.go), as the official clients' endpoint rules do;
//   - builds the HTTP request (the path is sent byte for byte as given, see
//     [EscapeLabel]), with Amz-Sdk-Invocation-Id (one per operation),
//     Amz-Sdk-Request (attempt=N; max=M, per attempt) and User-Agent headers;
//   - signs every attempt with the SDK's SigV4 signer
//     (github.com/aws/aws-sdk-go-v2/aws/signer/v4) over the SHA-256 of the
//     payload, using credentials retrieved from [Config.Credentials] on each
//     attempt (a nil or anonymous provider sends the request unsigned, as the
//     SDK does);
//   - sends it through [Config.HTTPClient];
//   - retries under [Config.Retryer] with the same protocol as the SDK's
//     retry.Attempt middleware: GetAttemptToken before each attempt,
//     IsErrorRetryable and MaxAttempts after a failure, GetRetryToken (the
//     retry quota; running out ends the call with the attempt's error joined
//     with the quota error) and RetryDelay before the next attempt, and the
//     release functions called with each attempt's result;
//   - decodes answers like generated restJson1 clients: member names match
//     exactly, case included ([DecodeJSON]), except the message of a
//     modeled error, read from "message" or "Message" ([DecodeErrorJSON]);
//     and records the answer's metadata (request ID, raw response, timing)
//     in [Operation.ResultMetadata], for the output's ResultMetadata.
//
// # Errors
//
// Every error returned by [Invoke] is a *smithy.OperationError carrying
// [Service.ID] and [Operation.Name]. Inside it:
//
//   - an HTTP answer outside 2xx is a *awshttp.ResponseError (status code,
//     the *http.Response with its body rewound, RequestID from the
//     x-amzn-RequestId header) wrapping the modeled error returned by
//     [Operation.DecodeError], or a *smithy.GenericAPIError when the code is
//     not modeled. The code is taken from the X-Amzn-ErrorType header, else
//     from the body's "code" key (any case), else from "__type"; it is
//     sanitized with [SanitizeErrorCode]. The message is the body's
//     "message" key (any case); a generic error without one has the message
//     "UnknownError", as in the SDK;
//   - a transport failure is a *awshttp.ResponseError with status 0 wrapping
//     *smithyhttp.RequestSendError (which reports ConnectionError, so the
//     SDK retryers retry it), or *smithy.CanceledError when the context
//     ended;
//   - a body that cannot be read or decoded is a *smithy.DeserializationError
//     inside the *awshttp.ResponseError. A body cut off mid-read additionally
//     wraps *smithyhttp.RequestSendError so that it is retried like a dropped
//     connection (the SDK would not retry it; the request may have been
//     applied, which is why Wickr's calls carry an idempotency token);
//   - when the retryer gives up after MaxAttempts retryable failures, the
//     last error is wrapped in *retry.MaxAttemptsError; when the retry quota
//     is exhausted, the last error is joined with the quota error
//     (a ratelimit.QuotaExceededError value);
//   - input validation done by the clients before [Invoke] is reported with
//     [Service.OperationError] around a smithy.InvalidParamsError.
//
// Deserialization errors never carry a snapshot of the body, so nothing the
// service returned (user names, for example) ends up in an error.
//
// # Not implemented
//
// Clock-skew correction, request compression, checksums, interceptors,
// logging and metrics are not implemented. Setting
// AWS_NEW_RETRIES_2026=true selects the SDK's 2026 retry bookkeeping
// (attempt token released after the first attempt only, zero-based delay
// attempt, x-amz-retry-after honoured) exactly as the pinned SDK does.
//
// This package is internal: its API may change with the clients that use it.
package awsrest
