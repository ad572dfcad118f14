package chime

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	//lint:ignore SA1019 the legacy Amazon Chime API, deprecated with its end of support, is what this package wraps.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"

	"github.com/batchkit/batchkit/internal/throttle"
	"github.com/batchkit/batchkit/internal/wire"
)

// callOptions returns the SDK option functions of one call: the caller's
// ClientOptions, then the adapter's retryer wrapper and answer check. The
// check (wire.CheckAnswers) refuses successful answers whose body is not
// exactly one JSON object: the SDK's deserializer reads only the first JSON
// value and treats an empty body or null as an answer without UserErrors,
// which would report every user as updated.
func (a *Adapter) callOptions(ctx context.Context) []func(*chimesdk.Options) {
	fns := make([]func(*chimesdk.Options), 0, len(a.clientFn)+1)
	fns = append(fns, a.clientFn...)
	return append(fns, func(o *chimesdk.Options) {
		if o.Retryer != nil {
			o.Retryer = a.wrapRetryer(ctx, o.Retryer)
		}
		o.HTTPClient = wire.CheckAnswers(o.HTTPClient)
	})
}

// wrapRetryer returns r extended for one call: the throttle codes the SDK
// does not know are retried (with retry.AddWithErrorCodes), and every HTTP
// attempt that failed on a throttle is reported to the run with
// [batch.SignalThrottle], even when a later attempt succeeds. The wrapper
// shares r's retry quota and backoff, so the caller's retry settings keep
// applying.
func (a *Adapter) wrapRetryer(ctx context.Context, r aws.Retryer) aws.Retryer {
	return throttle.Wrap(ctx, r, a.codes...)
}
