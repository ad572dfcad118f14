// Package throttle holds the per-call retryer wrapper the batchkit adapters
// install on every SDK call.
//
// The SDK retryer owns the retries of one HTTP request, and the engine's
// adaptive send rate must still see every throttle, including the ones the
// retryer then retried successfully. [Wrap] returns the caller's retryer
// extended for one call: the throttle codes the SDK does not know (Chime's
// ThrottledClientException, Wickr's RateLimitError, ...) become retryable
// with retry.AddWithErrorCodes, and every failed attempt that [Is] a
// throttle is reported to the run with [batch.SignalThrottle]; the attempt
// that retries it first waits for the run's send rate ([batch.PaceRetry]),
// in GetAttemptToken, which the retry loop calls before every attempt. The
// wrapper shares the wrapped retryer's retry quota, attempt limit and
// backoff, so the caller's retry settings keep applying.
//
// The SDK's retry middleware (and batchkit's awsrest invoker) calls
// IsErrorRetryable exactly once for every failed attempt, which makes it
// the hook for counting throttled attempts.
package throttle
