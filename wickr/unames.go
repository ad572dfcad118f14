package wickr

import (
	"context"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

// LookupAPI is the part of the Wickr Admin API client [LookupAdapter]
// calls. *wickrapi.Client satisfies it.
type LookupAPI interface {
	BatchLookupUserUname(ctx context.Context, params *wickrapi.BatchLookupUserUnameInput, optFns ...func(*wickrapi.Options)) (*wickrapi.BatchLookupUserUnameOutput, error)
}

var _ LookupAPI = (*wickrapi.Client)(nil)

// UnameLookup is one item of BatchLookupUserUname: a uname (a user's unique
// user name hash, for example the Uname of a BatchCreateUser [Result]) to
// resolve to the user name.
type UnameLookup struct {
	// NetworkId is the Wickr network: exactly 8 digits. Required. It is
	// the call key.
	NetworkId string

	// Uname is the user name hash. Required: non-empty valid UTF-8 (the
	// model allows any string). It is the item's identity, compared byte
	// for byte: unames are sent and matched exactly as given.
	Uname string
}

// UnameResult is the value of a [UnameLookup] that succeeded: the
// successful entry naming it. This is a read: the value is the result.
type UnameResult struct {
	// Uname is the uname the entry named, the item's.
	Uname string

	// Username is the user name (often an email address) the uname stands
	// for.
	Username string
}

// LookupAdapter runs [UnameLookup] items through BatchLookupUserUname. It
// implements [batch.Adapter] for UnameLookup and [UnameResult]; hand it to
// [batch.New] or use [LookupAdapter.Runner]. It is safe for concurrent use.
type LookupAdapter struct {
	c *core[UnameLookup, UnameResult]
}

var _ batch.Adapter[UnameLookup, UnameResult] = (*LookupAdapter)(nil)

// NewLookup returns a LookupAdapter that sends calls through client. Option
// functions are applied in order to a zero [Options], as for [New].
func NewLookup(client LookupAPI, optFns ...func(*Options)) *LookupAdapter {
	spec := &opSpec[UnameLookup, UnameResult]{
		name:     LookupOperation,
		what:     "uname",
		key:      func(u UnameLookup) string { return u.NetworkId },
		identity: func(u UnameLookup) string { return u.Uname },
		validate: validUnameLookup,
		field:    unameField,
		keyText:  "the network does not exist",
		send: func(ctx context.Context, first UnameLookup, ids []string, token string, optFns []func(*wickrapi.Options)) (*listAnswer[UnameResult], error) {
			out, err := client.BatchLookupUserUname(ctx, &wickrapi.BatchLookupUserUnameInput{
				NetworkId: aws.String(first.NetworkId), Unames: ids, ClientToken: aws.String(token),
			}, optFns...)
			if err != nil {
				return nil, err
			}
			if out == nil {
				return nil, nil
			}
			a := &listAnswer[UnameResult]{
				ok:     make([]okEntry[UnameResult], len(out.Successful)),
				failed: make([]failedEntry, len(out.Failed)),
			}
			for k, e := range out.Successful {
				a.ok[k] = okEntry[UnameResult]{id: e.Uname, value: UnameResult{Uname: aws.ToString(e.Uname), Username: aws.ToString(e.Username)}}
			}
			for k, e := range out.Failed {
				a.failed[k] = failedEntry{id: e.Uname, field: e.Field, reason: e.Reason}
			}
			a.md = out.ResultMetadata
			return a, nil
		},
	}
	return &LookupAdapter{c: newCore(spec, !wire.NoClient(client), optFns)}
}

// NewLookupRunner returns a [batch.Runner] that looks unames up through client,
// built in one step from one [Options] and checking its arguments as
// [NewRunner] does.
func NewLookupRunner(client LookupAPI, optFns ...func(*Options)) (*batch.Runner[UnameLookup, UnameResult], error) {
	o, bo, err := build("NewLookupRunner", client, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.New[UnameLookup, UnameResult](NewLookup(client, o.set), bo)
	return r, named("NewLookupRunner", err)
}

// NewLookupBatcher returns a [batch.Batcher] that takes unames one at a
// time and runs them through client, configured as [NewLookupRunner] is.
// Close it when done.
func NewLookupBatcher(client LookupAPI, optFns ...func(*Options)) (*batch.Batcher[UnameLookup, UnameResult], error) {
	o, bo, err := build("NewLookupBatcher", client, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.NewBatcher[UnameLookup, UnameResult](NewLookup(client, o.set), bo)
	return r, named("NewLookupBatcher", err)
}

func validUnameLookup(u UnameLookup) error {
	if !networkID(u.NetworkId) {
		return batch.InvalidInput("NetworkId", "NetworkId must be exactly 8 digits, got %q", u.NetworkId)
	}
	switch {
	case u.Uname == "":
		return batch.InvalidInput("Uname", "Uname is required")
	case !utf8.ValidString(u.Uname):
		return batch.InvalidInput("Uname", "Uname must be valid UTF-8")
	}
	return nil
}

// Runner returns a [batch.Runner] that runs items through a.
func (a *LookupAdapter) Runner(optFns ...func(*batch.Options)) (*batch.Runner[UnameLookup, UnameResult], error) {
	return batch.New[UnameLookup, UnameResult](a, optFns...)
}

// Batcher returns a [batch.Batcher] that takes items one at a time and runs
// them through a, configured by optFns. Close it when done.
func (a *LookupAdapter) Batcher(optFns ...func(*batch.Options)) (*batch.Batcher[UnameLookup, UnameResult], error) {
	return batch.NewBatcher[UnameLookup, UnameResult](a, optFns...)
}

// Operation returns [LookupOperation].
func (a *LookupAdapter) Operation() string { return LookupOperation }

// MaxItems returns the most unames per call.
func (a *LookupAdapter) MaxItems() int { return a.c.maxItems }

// Key returns the item's NetworkId.
func (a *LookupAdapter) Key(item UnameLookup) string { return item.NetworkId }

// Identity returns the item's Uname, which the answer's entries echo.
func (a *LookupAdapter) Identity(item UnameLookup) string { return item.Uname }

// Validate checks item against the model: NetworkId is exactly 8 digits,
// Uname non-empty valid UTF-8. It also fails every item when
// [Options.ClientTokenPrefix] is invalid.
func (a *LookupAdapter) Validate(item UnameLookup) error { return a.c.validate(item) }

// Call looks items up, which all belong to the network key, in one
// BatchLookupUserUname request, and attributes the answer to them.
func (a *LookupAdapter) Call(ctx context.Context, key string, items []UnameLookup) ([]batch.Result[UnameResult], error) {
	return a.c.call(ctx, key, items)
}

// Classify turns an error returned by [LookupAdapter.Call] into a
// [*batch.Error] and its scope, with the rules of [Adapter.Classify].
func (a *LookupAdapter) Classify(err error) (*batch.Error, batch.Scope) {
	return classifyListCall(LookupOperation, a.c.spec.keyText, unameField, err)
}

// ClientToken returns the client token of the first call carrying exactly
// items; see [DeleteAdapter.ClientToken].
func (a *LookupAdapter) ClientToken(items ...UnameLookup) string { return a.c.clientToken(items) }
