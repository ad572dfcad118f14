package messaging

import (
	"context"

	"github.com/batchkit/batchkit/internal/throttle"
	"github.com/batchkit/batchkit/internal/wire"
	"github.com/batchkit/batchkit/messaging/messagingapi"
)

// callOptions returns the client option functions of one call: the
// caller's ClientOptions, then the adapter's retryer wrapper and answer
// check. The check (wire.CheckAnswers) refuses successful answers whose
// body is not exactly one JSON object: the client's decoder, like the
// official one, reads only the first JSON value and takes an empty body or
// null for an answer without members, so a body the service did not finish
// writing, or one with trailing data, would otherwise be read as a partial
// answer.
func (a *Adapter) callOptions(ctx context.Context) []func(*messagingapi.Options) {
	fns := make([]func(*messagingapi.Options), 0, len(a.clientFn)+1)
	fns = append(fns, a.clientFn...)
	return append(fns, func(o *messagingapi.Options) {
		if o.Retryer != nil {
			// Wrapped, not replaced: the client's retryer already retries
			// messagingapi.ThrottleErrorCodes.
			o.Retryer = throttle.Wrap(ctx, o.Retryer, a.codes...)
		}
		o.HTTPClient = wire.CheckAnswers(o.HTTPClient)
	})
}
