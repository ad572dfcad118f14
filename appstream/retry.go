package appstream

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/internal/throttle"
)

// extraThrottleCodes are throttle codes the SDK's standard retryer does not
// know (see retry.DefaultThrottleErrorCodes). AppStream names
// RequestLimitExceededException in its model; it is registered so that a
// call throttled with it is retried like any other throttle.
var extraThrottleCodes = []string{"RequestLimitExceededException"}

// newThrottleRetryer wraps the caller's retryer for one call: every failed
// attempt that was throttled (a code the SDK treats as a throttle, one of
// extraThrottleCodes, or HTTP 429) is reported with batch.SignalThrottle on
// the call's context, and extraThrottleCodes are retryable.
func newThrottleRetryer(ctx context.Context, r aws.Retryer) aws.RetryerV2 {
	return throttle.Wrap(ctx, r, extraThrottleCodes...)
}
