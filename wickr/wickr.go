package wickr

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"sync"

	"github.com/batchkit/batchkit/batch"
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
// [NewLookup]). The zero value selects every default.
type Options struct {
	// MaxItemsPerCall is the most items per call. Zero, or a value above
	// [MaxItemsPerCall], means [MaxItemsPerCall].
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
