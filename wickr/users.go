package wickr

import (
	"context"
	"strconv"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

// Names of the operations on existing users, devices and unames.
const (
	// DeleteOperation is the operation [DeleteAdapter] runs.
	DeleteOperation = "BatchDeleteUser"
	// ReinviteOperation is the operation [ReinviteAdapter] runs.
	ReinviteOperation = "BatchReinviteUser"
	// SuspendOperation is the operation [SuspendAdapter] runs.
	SuspendOperation = "BatchToggleUserSuspendStatus"
	// ResetDevicesOperation is the operation [ResetDevicesAdapter] runs.
	ResetDevicesOperation = "BatchResetDevicesForUser"
	// LookupOperation is the operation [LookupAdapter] runs.
	LookupOperation = "BatchLookupUserUname"
)

// MaxUserIdLength is the longest user ID the model accepts: 1 to 10
// digits.
const MaxUserIdLength = 10

// DeleteAPI is the part of the Wickr Admin API client [DeleteAdapter]
// calls. *wickrapi.Client satisfies it, and so would the official
// service/wickr client behind a one-method shim.
type DeleteAPI interface {
	BatchDeleteUser(ctx context.Context, params *wickrapi.BatchDeleteUserInput, optFns ...func(*wickrapi.Options)) (*wickrapi.BatchDeleteUserOutput, error)
}

// ReinviteAPI is the part of the Wickr Admin API client [ReinviteAdapter]
// calls. *wickrapi.Client satisfies it.
type ReinviteAPI interface {
	BatchReinviteUser(ctx context.Context, params *wickrapi.BatchReinviteUserInput, optFns ...func(*wickrapi.Options)) (*wickrapi.BatchReinviteUserOutput, error)
}

// SuspendAPI is the part of the Wickr Admin API client [SuspendAdapter]
// calls. *wickrapi.Client satisfies it.
type SuspendAPI interface {
	BatchToggleUserSuspendStatus(ctx context.Context, params *wickrapi.BatchToggleUserSuspendStatusInput, optFns ...func(*wickrapi.Options)) (*wickrapi.BatchToggleUserSuspendStatusOutput, error)
}

var (
	_ DeleteAPI   = (*wickrapi.Client)(nil)
	_ ReinviteAPI = (*wickrapi.Client)(nil)
	_ SuspendAPI  = (*wickrapi.Client)(nil)
)

// UserRef is one item of BatchDeleteUser and BatchReinviteUser: an existing
// user, by network and user ID. Neither value is sensitive.
type UserRef struct {
	// NetworkId is the user's Wickr network: exactly 8 digits. Required.
	// It is the call key: users of different networks never share a call.
	NetworkId string

	// UserId is the user's ID within the network (the UserId of a
	// BatchCreateUser [Result]): 1 to 10 digits. Required. It is the
	// item's identity, compared byte for byte ("007" is not "7").
	UserId string
}

// SuspendStatus is one item of BatchToggleUserSuspendStatus: the state to
// set for an existing user.
type SuspendStatus struct {
	// NetworkId is the user's Wickr network: exactly 8 digits. Required.
	NetworkId string

	// UserId is the user's ID within the network: 1 to 10 digits.
	// Required. It is the item's identity.
	UserId string

	// Suspend is the state to set: true suspends the user, false lifts the
	// suspension. It is sent as a query parameter of the call, so it is
	// part of the call key: users to suspend and users to reinstate never
	// share a call. The order in which calls of different keys run is not
	// defined, so giving one user both states in one run leaves either.
	Suspend bool
}

// UserResult is the value of an item of BatchDeleteUser, BatchReinviteUser
// or BatchToggleUserSuspendStatus that succeeded: the successful entry
// naming it.
type UserResult struct {
	// UserId is the user ID the entry named, the item's.
	UserId string
}

// validUserRef checks a network and user ID against the model.
func validUserRef(network, user string) error {
	if !networkID(network) {
		return batch.InvalidInput("NetworkId", "NetworkId must be exactly 8 digits, got %q", network)
	}
	if !userID(user) {
		if !utf8.ValidString(user) {
			return batch.InvalidInput("UserId", "UserId must be 1 to %d digits", MaxUserIdLength)
		}
		return batch.InvalidInput("UserId", "UserId must be 1 to %d digits, got %q", MaxUserIdLength, user)
	}
	return nil
}

// userID reports whether s matches the model's UserId: 1 to 10
// characters matching ^[0-9]+$.
func userID(s string) bool {
	if len(s) < 1 || len(s) > MaxUserIdLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// userAnswer reduces the entries of the user operations' answers.
func userAnswer(succ []wickrapi.BatchUserSuccessResponseItem, failed []wickrapi.BatchUserErrorResponseItem) *listAnswer[UserResult] {
	a := &listAnswer[UserResult]{
		ok:     make([]okEntry[UserResult], len(succ)),
		failed: make([]failedEntry, len(failed)),
	}
	for k, e := range succ {
		a.ok[k] = okEntry[UserResult]{id: e.UserId, value: UserResult{UserId: aws.ToString(e.UserId)}}
	}
	for k, e := range failed {
		a.failed[k] = failedEntry{id: e.UserId, field: e.Field, reason: e.Reason}
	}
	return a
}

// DeleteAdapter runs [UserRef] items through BatchDeleteUser. It implements
// [batch.Adapter] for UserRef and [UserResult]; hand it to [batch.New] or
// use [DeleteAdapter.Runner]. It is safe for concurrent use; build one per
// job, since it remembers its calls to choose client tokens.
type DeleteAdapter struct {
	c *core[UserRef, UserResult]
}

var _ batch.Adapter[UserRef, UserResult] = (*DeleteAdapter)(nil)

// NewDelete returns a DeleteAdapter that sends calls through client.
// Option functions are applied in order to a zero [Options], as for [New].
func NewDelete(client DeleteAPI, optFns ...func(*Options)) *DeleteAdapter {
	spec := &opSpec[UserRef, UserResult]{
		name:     DeleteOperation,
		what:     "user ID",
		key:      func(u UserRef) string { return u.NetworkId },
		identity: func(u UserRef) string { return u.UserId },
		validate: func(u UserRef) error { return validUserRef(u.NetworkId, u.UserId) },
		field:    userField,
		lost:     "an earlier call carrying this user lost its answer, so this run may have deleted the user",
		keyText:  "the network does not exist",
		send: func(ctx context.Context, first UserRef, ids []string, token string, optFns []func(*wickrapi.Options)) (*listAnswer[UserResult], error) {
			out, err := client.BatchDeleteUser(ctx, &wickrapi.BatchDeleteUserInput{
				NetworkId: aws.String(first.NetworkId), UserIds: ids, ClientToken: aws.String(token),
			}, optFns...)
			if err != nil {
				return nil, err
			}
			if out == nil {
				return nil, nil
			}
			a := userAnswer(out.Successful, out.Failed)
			a.md = out.ResultMetadata
			return a, nil
		},
	}
	return &DeleteAdapter{c: newCore(spec, !wire.NoClient(client), optFns)}
}

// NewDeleteRunner returns a [batch.Runner] that deletes users through client,
// built in one step from one [Options] and checking its arguments as
// [NewRunner] does.
func NewDeleteRunner(client DeleteAPI, optFns ...func(*Options)) (*batch.Runner[UserRef, UserResult], error) {
	o, bo, err := build("NewDeleteRunner", client, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.New[UserRef, UserResult](NewDelete(client, o.set), bo)
	return r, named("NewDeleteRunner", err)
}

// NewDeleteBatcher returns a [batch.Batcher] that takes user IDs one at a
// time and runs them through client, configured as [NewDeleteRunner] is.
// Close it when done.
func NewDeleteBatcher(client DeleteAPI, optFns ...func(*Options)) (*batch.Batcher[UserRef, UserResult], error) {
	o, bo, err := build("NewDeleteBatcher", client, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.NewBatcher[UserRef, UserResult](NewDelete(client, o.set), bo)
	return r, named("NewDeleteBatcher", err)
}

// Runner returns a [batch.Runner] that runs items through a. It is
// shorthand for batch.New(a, optFns...).
func (a *DeleteAdapter) Runner(optFns ...func(*batch.Options)) (*batch.Runner[UserRef, UserResult], error) {
	return batch.New[UserRef, UserResult](a, optFns...)
}

// Batcher returns a [batch.Batcher] that takes items one at a time and runs
// them through a, configured by optFns. Close it when done.
func (a *DeleteAdapter) Batcher(optFns ...func(*batch.Options)) (*batch.Batcher[UserRef, UserResult], error) {
	return batch.NewBatcher[UserRef, UserResult](a, optFns...)
}

// Operation returns [DeleteOperation].
func (a *DeleteAdapter) Operation() string { return DeleteOperation }

// MaxItems returns the most user IDs per call: [Options.MaxItemsPerCall]
// clamped to [MaxItemsPerCall].
func (a *DeleteAdapter) MaxItems() int { return a.c.maxItems }

// Key returns the item's NetworkId.
func (a *DeleteAdapter) Key(item UserRef) string { return item.NetworkId }

// Identity returns the item's UserId, which the answer's entries echo.
func (a *DeleteAdapter) Identity(item UserRef) string { return item.UserId }

// Validate checks item against the model: NetworkId is exactly 8 digits,
// UserId 1 to 10 digits. It also fails every item when
// [Options.ClientTokenPrefix] is invalid. The error is a [*batch.Error]
// with [batch.CodeInvalidInput] naming the field.
func (a *DeleteAdapter) Validate(item UserRef) error { return a.c.validate(item) }

// Call deletes items, which all belong to the network key, in one
// BatchDeleteUser request, and attributes the answer to them; see "The
// user lifecycle" in the package documentation.
func (a *DeleteAdapter) Call(ctx context.Context, key string, items []UserRef) ([]batch.Result[UserResult], error) {
	return a.c.call(ctx, key, items)
}

// Classify turns an error returned by [DeleteAdapter.Call] into a
// [*batch.Error] and its scope, with the rules of [Adapter.Classify].
func (a *DeleteAdapter) Classify(err error) (*batch.Error, batch.Scope) {
	return classifyListCall(DeleteOperation, a.c.spec.keyText, userField, err)
}

// ClientToken returns the client token of the first call carrying exactly
// items (in any order; they must share a network), as "The user lifecycle"
// in the package documentation derives it. It returns "" for no items or
// an invalid [Options.ClientTokenPrefix].
func (a *DeleteAdapter) ClientToken(items ...UserRef) string { return a.c.clientToken(items) }

// ReinviteAdapter runs [UserRef] items through BatchReinviteUser, which
// sends pending users their invitation again. It implements
// [batch.Adapter] for UserRef and [UserResult]; hand it to [batch.New] or
// use [ReinviteAdapter.Runner]. It is safe for concurrent use; build one
// per job.
type ReinviteAdapter struct {
	c *core[UserRef, UserResult]
}

var _ batch.Adapter[UserRef, UserResult] = (*ReinviteAdapter)(nil)

// NewReinvite returns a ReinviteAdapter that sends calls through client.
// Option functions are applied in order to a zero [Options], as for [New].
func NewReinvite(client ReinviteAPI, optFns ...func(*Options)) *ReinviteAdapter {
	spec := &opSpec[UserRef, UserResult]{
		name:     ReinviteOperation,
		what:     "user ID",
		key:      func(u UserRef) string { return u.NetworkId },
		identity: func(u UserRef) string { return u.UserId },
		validate: func(u UserRef) error { return validUserRef(u.NetworkId, u.UserId) },
		field:    userField,
		rules:    []reasonRule{ruleCannotReinvite},
		keyText:  "the network does not exist",
		send: func(ctx context.Context, first UserRef, ids []string, token string, optFns []func(*wickrapi.Options)) (*listAnswer[UserResult], error) {
			out, err := client.BatchReinviteUser(ctx, &wickrapi.BatchReinviteUserInput{
				NetworkId: aws.String(first.NetworkId), UserIds: ids, ClientToken: aws.String(token),
			}, optFns...)
			if err != nil {
				return nil, err
			}
			if out == nil {
				return nil, nil
			}
			a := userAnswer(out.Successful, out.Failed)
			a.md = out.ResultMetadata
			return a, nil
		},
	}
	return &ReinviteAdapter{c: newCore(spec, !wire.NoClient(client), optFns)}
}

// NewReinviteRunner returns a [batch.Runner] that invites users again through client,
// built in one step from one [Options] and checking its arguments as
// [NewRunner] does.
func NewReinviteRunner(client ReinviteAPI, optFns ...func(*Options)) (*batch.Runner[UserRef, UserResult], error) {
	o, bo, err := build("NewReinviteRunner", client, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.New[UserRef, UserResult](NewReinvite(client, o.set), bo)
	return r, named("NewReinviteRunner", err)
}

// NewReinviteBatcher returns a [batch.Batcher] that takes user IDs one at a
// time and runs them through client, configured as [NewReinviteRunner] is.
// Close it when done.
func NewReinviteBatcher(client ReinviteAPI, optFns ...func(*Options)) (*batch.Batcher[UserRef, UserResult], error) {
	o, bo, err := build("NewReinviteBatcher", client, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.NewBatcher[UserRef, UserResult](NewReinvite(client, o.set), bo)
	return r, named("NewReinviteBatcher", err)
}

// Runner returns a [batch.Runner] that runs items through a.
func (a *ReinviteAdapter) Runner(optFns ...func(*batch.Options)) (*batch.Runner[UserRef, UserResult], error) {
	return batch.New[UserRef, UserResult](a, optFns...)
}

// Batcher returns a [batch.Batcher] that takes items one at a time and runs
// them through a, configured by optFns. Close it when done.
func (a *ReinviteAdapter) Batcher(optFns ...func(*batch.Options)) (*batch.Batcher[UserRef, UserResult], error) {
	return batch.NewBatcher[UserRef, UserResult](a, optFns...)
}

// Operation returns [ReinviteOperation].
func (a *ReinviteAdapter) Operation() string { return ReinviteOperation }

// MaxItems returns the most user IDs per call.
func (a *ReinviteAdapter) MaxItems() int { return a.c.maxItems }

// Key returns the item's NetworkId.
func (a *ReinviteAdapter) Key(item UserRef) string { return item.NetworkId }

// Identity returns the item's UserId, which the answer's entries echo.
func (a *ReinviteAdapter) Identity(item UserRef) string { return item.UserId }

// Validate checks item as [DeleteAdapter.Validate] does.
func (a *ReinviteAdapter) Validate(item UserRef) error { return a.c.validate(item) }

// Call invites items again, which all belong to the network key, in one
// BatchReinviteUser request, and attributes the answer to them.
func (a *ReinviteAdapter) Call(ctx context.Context, key string, items []UserRef) ([]batch.Result[UserResult], error) {
	return a.c.call(ctx, key, items)
}

// Classify turns an error returned by [ReinviteAdapter.Call] into a
// [*batch.Error] and its scope, with the rules of [Adapter.Classify].
func (a *ReinviteAdapter) Classify(err error) (*batch.Error, batch.Scope) {
	return classifyListCall(ReinviteOperation, a.c.spec.keyText, userField, err)
}

// ClientToken returns the client token of the first call carrying exactly
// items; see [DeleteAdapter.ClientToken].
func (a *ReinviteAdapter) ClientToken(items ...UserRef) string { return a.c.clientToken(items) }

// SuspendAdapter runs [SuspendStatus] items through
// BatchToggleUserSuspendStatus. It implements [batch.Adapter] for
// SuspendStatus and [UserResult]; hand it to [batch.New] or use
// [SuspendAdapter.Runner]. It is safe for concurrent use; build one per
// job.
type SuspendAdapter struct {
	c *core[SuspendStatus, UserResult]
}

var _ batch.Adapter[SuspendStatus, UserResult] = (*SuspendAdapter)(nil)

// NewSuspend returns a SuspendAdapter that sends calls through client.
// Option functions are applied in order to a zero [Options], as for [New].
func NewSuspend(client SuspendAPI, optFns ...func(*Options)) *SuspendAdapter {
	spec := &opSpec[SuspendStatus, UserResult]{
		name:     SuspendOperation,
		what:     "user ID",
		key:      suspendKey,
		identity: func(u SuspendStatus) string { return u.UserId },
		validate: func(u SuspendStatus) error { return validUserRef(u.NetworkId, u.UserId) },
		field:    userField,
		rules:    []reasonRule{ruleAlreadyInState},
		keyText:  "the network does not exist",
		send: func(ctx context.Context, first SuspendStatus, ids []string, token string, optFns []func(*wickrapi.Options)) (*listAnswer[UserResult], error) {
			out, err := client.BatchToggleUserSuspendStatus(ctx, &wickrapi.BatchToggleUserSuspendStatusInput{
				NetworkId: aws.String(first.NetworkId), Suspend: aws.Bool(first.Suspend), UserIds: ids, ClientToken: aws.String(token),
			}, optFns...)
			if err != nil {
				return nil, err
			}
			if out == nil {
				return nil, nil
			}
			a := userAnswer(out.Successful, out.Failed)
			a.md = out.ResultMetadata
			return a, nil
		},
	}
	return &SuspendAdapter{c: newCore(spec, !wire.NoClient(client), optFns)}
}

// NewSuspendRunner returns a [batch.Runner] that suspends or reinstates users through client,
// built in one step from one [Options] and checking its arguments as
// [NewRunner] does.
func NewSuspendRunner(client SuspendAPI, optFns ...func(*Options)) (*batch.Runner[SuspendStatus, UserResult], error) {
	o, bo, err := build("NewSuspendRunner", client, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.New[SuspendStatus, UserResult](NewSuspend(client, o.set), bo)
	return r, named("NewSuspendRunner", err)
}

// NewSuspendBatcher returns a [batch.Batcher] that takes suspend statuses one at a
// time and runs them through client, configured as [NewSuspendRunner] is.
// Close it when done.
func NewSuspendBatcher(client SuspendAPI, optFns ...func(*Options)) (*batch.Batcher[SuspendStatus, UserResult], error) {
	o, bo, err := build("NewSuspendBatcher", client, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.NewBatcher[SuspendStatus, UserResult](NewSuspend(client, o.set), bo)
	return r, named("NewSuspendBatcher", err)
}

// suspendKey is the call key of a SuspendStatus: the network and the query
// string, "12345678?suspend=true".
func suspendKey(u SuspendStatus) string {
	return u.NetworkId + "?suspend=" + strconv.FormatBool(u.Suspend)
}

// Runner returns a [batch.Runner] that runs items through a.
func (a *SuspendAdapter) Runner(optFns ...func(*batch.Options)) (*batch.Runner[SuspendStatus, UserResult], error) {
	return batch.New[SuspendStatus, UserResult](a, optFns...)
}

// Batcher returns a [batch.Batcher] that takes items one at a time and runs
// them through a, configured by optFns. Close it when done.
func (a *SuspendAdapter) Batcher(optFns ...func(*batch.Options)) (*batch.Batcher[SuspendStatus, UserResult], error) {
	return batch.NewBatcher[SuspendStatus, UserResult](a, optFns...)
}

// Operation returns [SuspendOperation].
func (a *SuspendAdapter) Operation() string { return SuspendOperation }

// MaxItems returns the most user IDs per call.
func (a *SuspendAdapter) MaxItems() int { return a.c.maxItems }

// Key returns the item's NetworkId and Suspend as the request's query
// names them, for example "12345678?suspend=true": users to suspend and
// users to reinstate never share a call.
func (a *SuspendAdapter) Key(item SuspendStatus) string { return suspendKey(item) }

// Identity returns the item's UserId, which the answer's entries echo.
func (a *SuspendAdapter) Identity(item SuspendStatus) string { return item.UserId }

// Validate checks item as [DeleteAdapter.Validate] does.
func (a *SuspendAdapter) Validate(item SuspendStatus) error { return a.c.validate(item) }

// Call sets the state of items, which all have the call key key, in one
// BatchToggleUserSuspendStatus request, and attributes the answer to them.
func (a *SuspendAdapter) Call(ctx context.Context, key string, items []SuspendStatus) ([]batch.Result[UserResult], error) {
	return a.c.call(ctx, key, items)
}

// Classify turns an error returned by [SuspendAdapter.Call] into a
// [*batch.Error] and its scope, with the rules of [Adapter.Classify]. A
// network that does not exist fails the items of its key, those to
// suspend or those to reinstate; the other key of the network gets its own
// answer.
func (a *SuspendAdapter) Classify(err error) (*batch.Error, batch.Scope) {
	return classifyListCall(SuspendOperation, a.c.spec.keyText, userField, err)
}

// ClientToken returns the client token of the first call carrying exactly
// items; see [DeleteAdapter.ClientToken].
func (a *SuspendAdapter) ClientToken(items ...SuspendStatus) string { return a.c.clientToken(items) }
