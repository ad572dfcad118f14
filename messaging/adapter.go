package messaging

import (
	"context"
	"fmt"
	"slices"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
	"github.com/batchkit/batchkit/messaging/messagingapi"
)

// Limits and names of the wrapped operation.
const (
	// MaxItemsPerCall is the most members one BatchCreateChannelMembership
	// call may carry, as the service model's list length allows.
	MaxItemsPerCall = 100

	// Operation is the name of the wrapped API operation.
	Operation = "BatchCreateChannelMembership"
)

// API is the part of the Amazon Chime SDK Messaging client the adapter
// calls. *[messagingapi.Client] satisfies it; tests and callers may supply
// their own, for example a shim over the official client.
type API interface {
	BatchCreateChannelMembership(ctx context.Context, params *messagingapi.BatchCreateChannelMembershipInput, optFns ...func(*messagingapi.Options)) (*messagingapi.BatchCreateChannelMembershipOutput, error)
}

var _ API = (*messagingapi.Client)(nil)

// Options configures an [Adapter], and with its embedded [batch.Options]
// the Runner of [NewRunner] and the Batcher of [NewBatcher]. The zero value
// selects every default. [New] and the Adapter's Runner and Batcher
// methods ignore the embedded batch.Options.
type Options struct {
	// Options are the engine's options, used by [NewRunner] and
	// [NewBatcher]: o.MaxInFlight = 4 sets batch.Options.MaxInFlight. Its
	// MaxItemsPerCall is shadowed by the field below and ignored.
	batch.Options

	// MaxItemsPerCall is the most members per call: the one limit that counts
	// (it shadows batch.Options.MaxItemsPerCall). Zero, or a value above
	// [MaxItemsPerCall], means [MaxItemsPerCall].
	MaxItemsPerCall int

	// ThrottleCodes are service error codes the client's retryer should
	// treat as throttles, in addition to the ones the adapter always
	// registers (ThrottledClientException, Throttled and the SDK's own
	// throttle codes). Nil adds none.
	ThrottleCodes []string

	// ClientOptions are applied, in order, to the client's options on every
	// call, before the adapter installs its retryer wrapper and answer
	// check. Use them to change per-call settings such as RetryMaxAttempts
	// without building a new client. Nil applies none.
	ClientOptions []func(*messagingapi.Options)
}

// throttleCodes are the error codes the per-call retryer treats as
// throttles, besides the SDK's defaults: the client's own
// ThrottleErrorCodes, and the short code a 429 without an X-Amzn-ErrorType
// header yields.
var throttleCodes = append(slices.Clone(messagingapi.ThrottleErrorCodes), "Throttled")

// Adapter runs [Membership] items through BatchCreateChannelMembership. It
// implements [batch.Adapter] for [Membership] and [Result]; hand it to
// [batch.New] or use [Adapter.Runner]. An Adapter holds no per-run state and
// is safe for concurrent use.
type Adapter struct {
	client   API
	maxItems int
	codes    []string // throttle codes for the per-call retryer
	clientFn []func(*messagingapi.Options)
}

var _ batch.Adapter[Membership, Result] = (*Adapter)(nil)

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
		clientFn: slices.Clone(o.ClientOptions),
	}
	if o.MaxItemsPerCall > 0 && o.MaxItemsPerCall < MaxItemsPerCall {
		a.maxItems = o.MaxItemsPerCall
	}
	for _, c := range slices.Concat(throttleCodes, o.ThrottleCodes) {
		if !slices.Contains(a.codes, c) {
			a.codes = append(a.codes, c)
		}
	}
	return a
}

// NewRunner returns a [batch.Runner] that runs items through client, built
// in one step from one [Options]: the adapter's fields configure the
// [Adapter], the embedded batch.Options the engine. Option functions are
// applied in order to a zero Options, which is then copied.
//
// Unlike [New], NewRunner checks its arguments: a nil client (including a
// typed nil such as a nil *messagingapi.Client) is an error naming it, and so is any
// invalid engine option (see [batch.New]).
func NewRunner(client API, optFns ...func(*Options)) (*batch.Runner[Membership, Result], error) {
	a, bo, err := build("NewRunner", client, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.New[Membership, Result](a, bo)
	return r, named("NewRunner", err)
}

// NewBatcher returns a [batch.Batcher] that takes members one at a time
// and runs them through client. It is configured and checks its arguments
// as [NewRunner] does. Close it when done.
func NewBatcher(client API, optFns ...func(*Options)) (*batch.Batcher[Membership, Result], error) {
	a, bo, err := build("NewBatcher", client, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.NewBatcher[Membership, Result](a, bo)
	return r, named("NewBatcher", err)
}

// named prefixes err, an error of the engine's constructor, with the
// package and fn, the constructor called.
func named(fn string, err error) error {
	if err != nil {
		return fmt.Errorf("messaging: %s: %w", fn, err)
	}
	return nil
}

// build checks the arguments of NewRunner and NewBatcher (named fn in
// errors) and returns the Adapter and the engine's options.
func build(fn string, client API, optFns []func(*Options)) (*Adapter, func(*batch.Options), error) {
	if wire.NoClient(client) {
		return nil, nil, fmt.Errorf("messaging: %s: client is nil", fn)
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
func (a *Adapter) Runner(optFns ...func(*batch.Options)) (*batch.Runner[Membership, Result], error) {
	return batch.New[Membership, Result](a, optFns...)
}

// Batcher returns a [batch.Batcher] that takes members one at a time
// and runs them through a, configured by optFns. It is shorthand for
// batch.NewBatcher(a, optFns...). Close it when done.
func (a *Adapter) Batcher(optFns ...func(*batch.Options)) (*batch.Batcher[Membership, Result], error) {
	return batch.NewBatcher[Membership, Result](a, optFns...)
}

// Operation returns [Operation].
func (a *Adapter) Operation() string { return Operation }

// MaxItems returns the most members per call: [Options.MaxItemsPerCall]
// clamped to [MaxItemsPerCall].
func (a *Adapter) MaxItems() int { return a.maxItems }
