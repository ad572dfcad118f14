package wickr

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

// Limits and names of the wrapped operation.
const (
	// MaxItemsPerCall is the most items one call of any of the package's
	// operations may carry: users, user IDs, app IDs or unames. The service
	// documents the limit for each ("Maximum 50 users per batch request",
	// "Maximum 50 devices", "Maximum 50 unames"); its model does not encode
	// it, so no client checks it.
	MaxItemsPerCall = 50

	// Operation is the name of the wrapped API operation.
	Operation = "BatchCreateUser"

	// MaxClientTokenPrefix is the longest [Options.ClientTokenPrefix]
	// accepted. The rest of the token's 64 characters is hash, so a token
	// keeps at least 128 bits of it.
	MaxClientTokenPrefix = 32
)

// API is the part of the Wickr Admin API client the adapter calls.
// *wickrapi.Client satisfies it, and so would the official
// service/wickr client behind a one-method shim; tests and callers may supply
// their own.
type API interface {
	BatchCreateUser(ctx context.Context, params *wickrapi.BatchCreateUserInput, optFns ...func(*wickrapi.Options)) (*wickrapi.BatchCreateUserOutput, error)
}

var _ API = (*wickrapi.Client)(nil)

// Options configures an [Adapter] and the adapters of the other operations
// ([NewDelete], [NewReinvite], [NewSuspend], [NewResetDevices],
// [NewLookup]), and with its embedded [batch.Options] the Runners and
// Batchers of [NewRunner], [NewBatcher] and their lifecycle counterparts
// (NewDeleteRunner, NewDeleteBatcher, ...). The zero value selects every
// default. The adapter constructors and the adapters' Runner and Batcher
// methods ignore the embedded batch.Options.
type Options struct {
	// Options are the engine's options, used by [NewRunner], [NewBatcher]
	// and their lifecycle counterparts: o.MaxInFlight = 4 sets
	// batch.Options.MaxInFlight. Its MaxItemsPerCall is shadowed by the
	// field below and ignored.
	batch.Options

	// MaxItemsPerCall is the most items per call: the one limit that
	// counts (it shadows batch.Options.MaxItemsPerCall). Zero, or a value
	// above [MaxItemsPerCall], means [MaxItemsPerCall].
	MaxItemsPerCall int

	// ClientTokenPrefix starts every client token the Adapter sends (see
	// "Client tokens" in the package documentation). It holds at most
	// [MaxClientTokenPrefix] characters, each a letter, a digit, '-', '_'
	// or ':'. Empty means a random prefix chosen by [New]: tokens are then
	// stable for the Adapter's lifetime and never shared with another
	// Adapter. Set it to a stable identifier of a job, distinct for every
	// job, to make the job's tokens reproducible across processes, so that
	// a job restarted after a crash gets the service's answers to the calls
	// whose answers it lost (a call whose users' details changed gets
	// another token, and its users already created then conflict). Adapters
	// of different operations may share a prefix: the operation is part of
	// every token's hash. An invalid prefix makes every item fail
	// validation with [batch.CodeInvalidInput] naming this field; nothing is
	// sent.
	ClientTokenPrefix string

	// ThrottleCodes are service error codes the client's retryer should
	// treat as throttles, in addition to the ones always registered
	// ([wickrapi.ThrottleErrorCodes] and the SDK's own throttle codes). Nil
	// adds none.
	ThrottleCodes []string

	// ClientOptions are applied, in order, to the client's options on every
	// call, before the adapter installs its retryer and answer check. Use
	// them to change per-call settings such as RetryMaxAttempts without
	// building a new client. Nil applies none.
	ClientOptions []func(*wickrapi.Options)
}

// Adapter runs [NewUser] items through BatchCreateUser. It implements
// [batch.Adapter] for [NewUser] and [Result]; hand it to [batch.New] or use
// [Adapter.Runner].
//
// An Adapter is safe for concurrent use. It remembers, under a mutex, what
// it needs to choose client tokens and to explain conflicts (see the package
// documentation), so build one Adapter per job.
type Adapter struct {
	client    API
	maxItems  int
	prefix    string
	prefixErr *batch.Error
	codes     []string // codes the per-call retryer treats as throttles
	clientFn  []func(*wickrapi.Options)

	mu sync.Mutex // guards the maps below
	// seen counts, per call content, the calls that carried it: about 30
	// bytes per distinct content.
	seen map[contentKey]uint64
	// pending holds, per ID of a call sent by a run that has not been
	// answered, its content and rank, for the run to send it again with its
	// token. A call that failed for good stays in it.
	pending map[uint64]sentCall
	// unsure holds the users (network "\x00" user name) sent in a call whose
	// answer was lost or could not be attributed to them, until they get a
	// final answer.
	unsure map[string]struct{}
}

var _ batch.Adapter[NewUser, Result] = (*Adapter)(nil)

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
		prefix:   o.ClientTokenPrefix,
		clientFn: append([]func(*wickrapi.Options){}, o.ClientOptions...),
		seen:     make(map[contentKey]uint64),
		pending:  make(map[uint64]sentCall),
		unsure:   make(map[string]struct{}),
	}
	if o.MaxItemsPerCall > 0 && o.MaxItemsPerCall < MaxItemsPerCall {
		a.maxItems = o.MaxItemsPerCall
	}
	if a.prefix == "" {
		a.prefix = randomPrefix()
	} else if err := checkPrefix(a.prefix); err != nil {
		a.prefixErr = err
	}
	a.codes = append(slices.Clone(wickrapi.ThrottleErrorCodes), o.ThrottleCodes...)
	return a
}

// randomPrefix returns 16 random hex digits and a '-'.
func randomPrefix() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:]) + "-"
}

// NewRunner returns a [batch.Runner] that creates users through client,
// built in one step from one [Options]: the adapter's fields configure the
// [Adapter], the embedded batch.Options the engine. Option functions are
// applied in order to a zero Options, which is then copied.
//
// Unlike [New], NewRunner checks its arguments: a nil client (including a
// typed nil such as a nil *wickrapi.Client) is an error naming it, and so
// are an invalid [Options.ClientTokenPrefix] and any invalid engine option
// (see [batch.New]). The lifecycle operations have the same pair of
// constructors: [NewDeleteRunner], [NewReinviteRunner],
// [NewSuspendRunner], [NewResetDevicesRunner] and [NewLookupRunner], each
// with its Batcher.
func NewRunner(client API, optFns ...func(*Options)) (*batch.Runner[NewUser, Result], error) {
	o, bo, err := build("NewRunner", client, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.New[NewUser, Result](New(client, o.set), bo)
	return r, named("NewRunner", err)
}

// NewBatcher returns a [batch.Batcher] that takes new users one at a time
// and creates them through client. It is configured and checks its
// arguments as [NewRunner] does. Close it when done.
func NewBatcher(client API, optFns ...func(*Options)) (*batch.Batcher[NewUser, Result], error) {
	o, bo, err := build("NewBatcher", client, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.NewBatcher[NewUser, Result](New(client, o.set), bo)
	return r, named("NewBatcher", err)
}

// named prefixes err, an error of the engine's constructor, with the
// package and fn, the constructor called.
func named(fn string, err error) error {
	if err != nil {
		return fmt.Errorf("wickr: %s: %w", fn, err)
	}
	return nil
}

// build checks the arguments of the NewXRunner and NewXBatcher functions
// (named fn in errors), applies optFns to a zero Options and returns it
// with the engine's options.
func build(fn string, client any, optFns []func(*Options)) (Options, func(*batch.Options), error) {
	if wire.NoClient(client) {
		return Options{}, nil, fmt.Errorf("wickr: %s: client is nil", fn)
	}
	var o Options
	for _, f := range optFns {
		f(&o)
	}
	if o.ClientTokenPrefix != "" {
		if err := checkPrefix(o.ClientTokenPrefix); err != nil {
			return Options{}, nil, fmt.Errorf("wickr: %s: %w", fn, err)
		}
	}
	engine := o.Options
	engine.MaxItemsPerCall = 0 // shadowed by Options.MaxItemsPerCall
	return o, func(b *batch.Options) { *b = engine }, nil
}

// set is an option function that sets the Options to o.
func (o Options) set(p *Options) { *p = o }

// Runner returns a [batch.Runner] that runs items through a. It is
// shorthand for batch.New(a, optFns...).
func (a *Adapter) Runner(optFns ...func(*batch.Options)) (*batch.Runner[NewUser, Result], error) {
	return batch.New[NewUser, Result](a, optFns...)
}

// Batcher returns a [batch.Batcher] that takes new users one at a time
// and runs them through a, configured by optFns. It is shorthand for
// batch.NewBatcher(a, optFns...). Close it when done.
func (a *Adapter) Batcher(optFns ...func(*batch.Options)) (*batch.Batcher[NewUser, Result], error) {
	return batch.NewBatcher[NewUser, Result](a, optFns...)
}

// Operation returns [Operation].
func (a *Adapter) Operation() string { return Operation }

// MaxItems returns the most users per call: [Options.MaxItemsPerCall]
// clamped to [MaxItemsPerCall].
func (a *Adapter) MaxItems() int { return a.maxItems }
