package chime

import (
	"context"

	//lint:ignore SA1019 the legacy Amazon Chime API, deprecated with its end of support, is what this package wraps.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"

	"github.com/batchkit/batchkit/batch"
)

// Limits and names of the wrapped operation.
const (
	// MaxItemsPerCall is the most users one BatchUpdateUser call may carry,
	// as the service model's list length allows.
	MaxItemsPerCall = 20

	// Operation is the name of the wrapped API operation.
	Operation = "BatchUpdateUser"
)

// API is the part of the Amazon Chime client the adapter calls. The official
// *chimesdk.Client satisfies it; tests and callers may supply their own.
type API interface {
	BatchUpdateUser(ctx context.Context, params *chimesdk.BatchUpdateUserInput, optFns ...func(*chimesdk.Options)) (*chimesdk.BatchUpdateUserOutput, error)
}

var _ API = (*chimesdk.Client)(nil)

// Options configures an [Adapter]. The zero value selects every default.
type Options struct {
	// MaxItemsPerCall is the most users per call. Zero, or a value above
	// [MaxItemsPerCall], means [MaxItemsPerCall].
	MaxItemsPerCall int

	// ThrottleCodes are service error codes the SDK retryer should treat as
	// throttles, in addition to the ones the adapter always registers
	// (ThrottledClientException, Throttled and the SDK's own throttle codes).
	// Nil adds none.
	ThrottleCodes []string

	// ClientOptions are applied, in order, to the SDK client's options on
	// every call, before the adapter installs its retryer wrapper. Use them
	// to change per-call SDK settings such as RetryMaxAttempts without
	// building a new client. Nil applies none.
	ClientOptions []func(*chimesdk.Options)
}

// Adapter runs [UserUpdate] items through BatchUpdateUser. It implements
// [batch.Adapter] for [UserUpdate] and [Result]; hand it to [batch.New] or use
// [Adapter.Runner]. An Adapter holds no per-run state and is safe for
// concurrent use.
type Adapter struct {
	client   API
	maxItems int
	throttle map[string]struct{} // codes the per-call retryer treats as throttles
	codes    []string            // the same codes, for retry.AddWithErrorCodes
	clientFn []func(*chimesdk.Options)
}

var _ batch.Adapter[UserUpdate, Result] = (*Adapter)(nil)

// New returns an Adapter that sends calls through client. Option functions
// are applied in order to a zero [Options]; the result is copied, so later
// changes to slices it refers to do not affect the Adapter.
func New(client API, optFns ...func(*Options)) *Adapter {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	a := &Adapter{
		client:   client,
		maxItems: MaxItemsPerCall,
		throttle: make(map[string]struct{}, len(throttleCodes)+len(o.ThrottleCodes)),
		clientFn: append([]func(*chimesdk.Options){}, o.ClientOptions...),
	}
	if o.MaxItemsPerCall > 0 && o.MaxItemsPerCall < MaxItemsPerCall {
		a.maxItems = o.MaxItemsPerCall
	}
	for _, c := range throttleCodes {
		a.throttle[c] = struct{}{}
	}
	for _, c := range o.ThrottleCodes {
		a.throttle[c] = struct{}{}
	}
	for c := range a.throttle {
		a.codes = append(a.codes, c)
	}
	return a
}

// Runner returns a [batch.Runner] that runs items through a. It is
// shorthand for batch.New(a, optFns...).
func (a *Adapter) Runner(optFns ...func(*batch.Options)) (*batch.Runner[UserUpdate, Result], error) {
	return batch.New[UserUpdate, Result](a, optFns...)
}

// Batcher returns a [batch.Batcher] that takes user updates one at a time
// and runs them through a, configured by optFns. It is shorthand for
// batch.NewBatcher(a, optFns...). Close it when done.
func (a *Adapter) Batcher(optFns ...func(*batch.Options)) (*batch.Batcher[UserUpdate, Result], error) {
	return batch.NewBatcher[UserUpdate, Result](a, optFns...)
}

// Operation returns [Operation].
func (a *Adapter) Operation() string { return Operation }

// MaxItems returns the most users per call: [Options.MaxItemsPerCall]
// clamped to [MaxItemsPerCall].
func (a *Adapter) MaxItems() int { return a.maxItems }
