package chime

import (
	"context"
	"fmt"

	//lint:ignore SA1019 the legacy Amazon Chime API, deprecated with its end of support, is what this package wraps.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
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

// Options configures an [Adapter], and with its embedded [batch.Options]
// the Runner of [NewRunner] and the Batcher of [NewBatcher]. The zero value
// selects every default. [New] and the Adapter's Runner and Batcher
// methods ignore the embedded batch.Options.
type Options struct {
	// Options are the engine's options, used by [NewRunner] and
	// [NewBatcher]: o.MaxInFlight = 4 sets batch.Options.MaxInFlight. Its
	// MaxItemsPerCall is shadowed by the field below and ignored.
	batch.Options

	// MaxItemsPerCall is the most users per call: the one limit that counts
	// (it shadows batch.Options.MaxItemsPerCall). Zero, or a value above
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

// NewRunner returns a [batch.Runner] that runs items through client, built
// in one step from one [Options]: the adapter's fields configure the
// [Adapter], the embedded batch.Options the engine. Option functions are
// applied in order to a zero Options, which is then copied.
//
// Unlike [New], NewRunner checks its arguments: a nil client (including a
// typed nil such as a nil *chimesdk.Client) is an error naming it, and so is any
// invalid engine option (see [batch.New]).
func NewRunner(client API, optFns ...func(*Options)) (*batch.Runner[UserUpdate, Result], error) {
	a, bo, err := build("NewRunner", client, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.New[UserUpdate, Result](a, bo)
	return r, named("NewRunner", err)
}

// NewBatcher returns a [batch.Batcher] that takes user updates one at a time
// and runs them through client. It is configured and checks its arguments
// as [NewRunner] does. Close it when done.
func NewBatcher(client API, optFns ...func(*Options)) (*batch.Batcher[UserUpdate, Result], error) {
	a, bo, err := build("NewBatcher", client, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.NewBatcher[UserUpdate, Result](a, bo)
	return r, named("NewBatcher", err)
}

// named prefixes err, an error of the engine's constructor, with the
// package and fn, the constructor called.
func named(fn string, err error) error {
	if err != nil {
		return fmt.Errorf("chime: %s: %w", fn, err)
	}
	return nil
}

// build checks the arguments of NewRunner and NewBatcher (named fn in
// errors) and returns the Adapter and the engine's options.
func build(fn string, client API, optFns []func(*Options)) (*Adapter, func(*batch.Options), error) {
	if wire.NoClient(client) {
		return nil, nil, fmt.Errorf("chime: %s: client is nil", fn)
	}
	var o Options
	for _, f := range optFns {
		f(&o)
	}
	engine := o.Options
	engine.MaxItemsPerCall = 0 // shadowed by Options.MaxItemsPerCall
	a := New(client, func(p *Options) { *p = o })
	return a, func(b *batch.Options) { *b = engine }, nil
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
