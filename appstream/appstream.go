package appstream

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
)

// MaxItemsPerCall is the service's limit on associations in one
// BatchAssociateUserStack or BatchDisassociateUserStack call, and the default
// of [Options.MaxItemsPerCall].
const MaxItemsPerCall = 25

// MaxAssociationsPerCall is the former name of [MaxItemsPerCall].
//
// Deprecated: use MaxItemsPerCall, the name every adapter package uses.
const MaxAssociationsPerCall = MaxItemsPerCall

// MaxUserNameLength is the longest UserName the service accepts, in
// characters (runes).
const MaxUserNameLength = 128

// API is the part of the AppStream client the adapter calls.
// *appstreamsdk.Client satisfies it; tests may substitute their own.
type API interface {
	BatchAssociateUserStack(ctx context.Context, params *appstreamsdk.BatchAssociateUserStackInput, optFns ...func(*appstreamsdk.Options)) (*appstreamsdk.BatchAssociateUserStackOutput, error)
	BatchDisassociateUserStack(ctx context.Context, params *appstreamsdk.BatchDisassociateUserStackInput, optFns ...func(*appstreamsdk.Options)) (*appstreamsdk.BatchDisassociateUserStackOutput, error)
}

var _ API = (*appstreamsdk.Client)(nil)

// Names of the two operations, as [Adapter.Operation], [batch.Error] and
// [batch.Report] give them.
const (
	// AssociateOperation is the operation [Associate] runs.
	AssociateOperation = "BatchAssociateUserStack"
	// DisassociateOperation is the operation [Disassociate] runs.
	DisassociateOperation = "BatchDisassociateUserStack"
)

// Action selects what an [Adapter] does with its associations: [Associate]
// or [Disassociate]. Its value is the name of the operation it runs
// ([AssociateOperation] or [DisassociateOperation]). Any other value is
// refused by [NewRunner] and [NewBatcher], and fails every item of an
// Adapter built with [New].
type Action string

// The two actions.
const (
	// Associate associates users with stacks: it runs BatchAssociateUserStack.
	Associate Action = AssociateOperation
	// Disassociate disassociates users from stacks: it runs
	// BatchDisassociateUserStack.
	Disassociate Action = DisassociateOperation
)

func (act Action) valid() bool { return act == Associate || act == Disassociate }

// Operation is the former name of [Action].
//
// Deprecated: use Action. In every adapter package, names ending in
// Operation are string constants naming the operation on the wire, such as
// [AssociateOperation]; this alias keeps code written for the former name
// compiling.
type Operation = Action

// Association is one item: a user, identified by name and authentication
// type, and the stack to associate it with or disassociate it from. It
// mirrors appstreamtypes.UserStackAssociation with plain values.
//
// UserName is sensitive (it is usually an email address): the library never
// logs it or puts it in an error string.
type Association struct {
	// StackName names the stack. Required, at least one character.
	StackName string
	// UserName is the user's email address, case-sensitive. Required, 1 to
	// 128 characters, each a letter, mark, symbol, number or punctuation.
	UserName string
	// AuthenticationType is the user's authentication type: API, SAML,
	// USERPOOL or AWS_AD. Required.
	AuthenticationType appstreamtypes.AuthenticationType
	// SendEmailNotification asks the service to send the user a welcome
	// email. Optional; it does not take part in the item's identity.
	SendEmailNotification bool
}

// Result is the value of an association that succeeded. The operations
// return nothing per item, so it is empty.
type Result struct{}

// Options configures an [Adapter], and with its embedded [batch.Options]
// the Runner of [NewRunner] and the Batcher of [NewBatcher]. Every field's
// zero value selects the documented default. [New] and the Adapter's
// Runner and Batcher methods ignore the embedded batch.Options.
type Options struct {
	// Options are the engine's options, used by [NewRunner] and
	// [NewBatcher]: o.MaxInFlight = 4 sets batch.Options.MaxInFlight. Its
	// MaxItemsPerCall is shadowed by the field below and ignored.
	batch.Options

	// MaxItemsPerCall is the most associations sent in one call: the one
	// limit that counts (it shadows batch.Options.MaxItemsPerCall). Zero,
	// or a value above [MaxItemsPerCall], means MaxItemsPerCall.
	MaxItemsPerCall int

	// RetryNotFound is how many more times an association answered with
	// STACK_NOT_FOUND, USER_NAME_NOT_FOUND or DIRECTORY_NOT_FOUND is sent
	// again before the failure is final. Zero means never: the failure is
	// permanent. Callers who have just created the stack or the user set it to
	// ride out the service's eventual consistency. The engine's
	// batch.Options.MaxAttempts still caps the attempts of every item. See
	// the package documentation for how attempts are counted.
	RetryNotFound int

	// ClientOptions are applied to the client's options on every call,
	// before the adapter installs its own retryer wrapper.
	ClientOptions []func(*appstreamsdk.Options)
}

// Adapter runs one AppStream operation through a [batch.Runner]. It
// implements batch.Adapter[Association, Result] and is safe for concurrent
// use. Build it with [New].
type Adapter struct {
	client API
	action Action
	opts   Options

	// mu guards notFound.
	mu sync.Mutex
	// notFound counts, per identity, the NotFound answers seen while
	// Options.RetryNotFound is set. An entry is dropped when the identity
	// succeeds or its NotFound answer becomes final.
	notFound map[string]int
}

var _ batch.Adapter[Association, Result] = (*Adapter)(nil)

// New returns an Adapter that runs action through client. Option functions are
// applied in order to a zero [Options]; the result is copied, so later edits
// of anything the functions captured do not affect the Adapter.
//
// New does not fail. An unknown action makes every item fail validation with a
// [batch.CodeInvalidInput] error naming it. A nil client is only needed to
// send: Validate and Plan work without one, and the first call of a run
// fails with a [batch.CodeInvalidInput] error saying the client is missing,
// which ends the run with every item failing with it; nothing is sent.
func New(client API, action Action, optFns ...func(*Options)) *Adapter {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	if o.MaxItemsPerCall <= 0 || o.MaxItemsPerCall > MaxItemsPerCall {
		o.MaxItemsPerCall = MaxItemsPerCall
	}
	if o.RetryNotFound < 0 {
		o.RetryNotFound = 0
	}
	o.ClientOptions = append([]func(*appstreamsdk.Options){}, o.ClientOptions...)
	o.Options = batch.Options{} // the engine's, not the Adapter's
	return &Adapter{client: client, action: action, opts: o}
}

// NewRunner returns a [batch.Runner] that runs action through client, built in
// one step from one [Options]: the adapter's fields configure the
// [Adapter], the embedded batch.Options the engine. Option functions are
// applied in order to a zero Options, which is then copied.
//
// Unlike [New], NewRunner checks its arguments: a nil client (including a
// typed nil such as a nil *appstreamsdk.Client) or an action other than
// [Associate] and [Disassociate] is an error naming the argument, and so
// is any invalid engine option (see [batch.New]).
func NewRunner(client API, action Action, optFns ...func(*Options)) (*batch.Runner[Association, Result], error) {
	a, bo, err := build("NewRunner", client, action, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.New[Association, Result](a, bo)
	return r, named("NewRunner", err)
}

// NewBatcher returns a [batch.Batcher] that takes associations one at a
// time and runs them through client with action. It is configured and checks
// its arguments as [NewRunner] does. Close it when done.
func NewBatcher(client API, action Action, optFns ...func(*Options)) (*batch.Batcher[Association, Result], error) {
	a, bo, err := build("NewBatcher", client, action, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.NewBatcher[Association, Result](a, bo)
	return r, named("NewBatcher", err)
}

// named prefixes err, an error of the engine's constructor, with the
// package and fn, the constructor called.
func named(fn string, err error) error {
	if err != nil {
		return fmt.Errorf("appstream: %s: %w", fn, err)
	}
	return nil
}

// build checks the arguments of NewRunner and NewBatcher (named fn in
// errors) and returns the Adapter and the engine's options.
func build(fn string, client API, action Action, optFns []func(*Options)) (*Adapter, func(*batch.Options), error) {
	if wire.NoClient(client) {
		return nil, nil, fmt.Errorf("appstream: %s: client is nil", fn)
	}
	if !action.valid() {
		return nil, nil, fmt.Errorf("appstream: %s: action %q is not an action: use appstream.Associate or appstream.Disassociate", fn, truncate(string(action), 64))
	}
	var o Options
	for _, f := range optFns {
		f(&o)
	}
	engine := o.Options
	engine.MaxItemsPerCall = 0 // shadowed by Options.MaxItemsPerCall
	a := New(client, action, func(p *Options) { *p = o })
	return a, func(b *batch.Options) { *b = engine }, nil
}

// Runner returns a [batch.Runner] for the adapter, configured by optFns.
func (a *Adapter) Runner(optFns ...func(*batch.Options)) (*batch.Runner[Association, Result], error) {
	return batch.New[Association, Result](a, optFns...)
}

// Batcher returns a [batch.Batcher] that takes associations one at a time
// and runs them through a, configured by optFns. It is shorthand for
// batch.NewBatcher(a, optFns...). Close it when done.
func (a *Adapter) Batcher(optFns ...func(*batch.Options)) (*batch.Batcher[Association, Result], error) {
	return batch.NewBatcher[Association, Result](a, optFns...)
}

// Operation returns the name of the operation the Adapter runs,
// [AssociateOperation] or [DisassociateOperation] (for an unknown action,
// the action as given).
func (a *Adapter) Operation() string { return string(a.action) }

// MaxItems returns the most associations sent in one call:
// Options.MaxItemsPerCall after clamping.
func (a *Adapter) MaxItems() int { return a.opts.MaxItemsPerCall }

// Key returns "": any associations may share a call.
func (a *Adapter) Key(Association) string { return "" }

// Identity returns the exact (StackName, UserName, AuthenticationType) of
// item, the members the service echoes in its answer, encoded without
// ambiguity: each name is prefixed with its length in bytes, so names may hold
// any character. Comparison is case-sensitive, as the service's is. The
// identity holds the UserName, which is sensitive.
func (a *Adapter) Identity(item Association) string {
	return identity(item.StackName, item.UserName, string(item.AuthenticationType))
}

func identity(stack, user, auth string) string {
	var b strings.Builder
	b.Grow(len(stack) + len(user) + len(auth) + 8)
	b.WriteString(strconv.Itoa(len(stack)))
	b.WriteByte(':')
	b.WriteString(stack)
	b.WriteString(strconv.Itoa(len(user)))
	b.WriteByte(':')
	b.WriteString(user)
	b.WriteString(auth)
	return b.String()
}

// userNamePattern is the service model's pattern for UserName.
var userNamePattern = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)

// Validate checks item against the service model: StackName non-empty,
// UserName 1 to 128 characters matching the model's pattern, and
// AuthenticationType one of API, SAML, USERPOOL and AWS_AD. Errors come from
// [batch.InvalidInput], name the field, and never hold the UserName.
func (a *Adapter) Validate(item Association) error {
	if !a.action.valid() {
		return a.unknownAction()
	}
	return validate(item)
}

// unknownAction is the error of every item of an Adapter built with an
// unknown action.
func (a *Adapter) unknownAction() *batch.Error {
	e := batch.InvalidInput("", "appstream: unknown action %q: use appstream.Associate or appstream.Disassociate", truncate(string(a.action), 64))
	e.Operation = a.Operation()
	return e
}

// noClient is the error of an Adapter built with a nil client. New cannot
// fail, and Validate and Plan need no client, so the first call of a run
// fails with it and Classify ends the run with it: every item fails with
// this one error, and nothing is sent.
func (a *Adapter) noClient() *batch.Error {
	e := batch.InvalidInput("", "appstream: the adapter has no client: appstream.New was given a nil API")
	e.Operation = a.Operation()
	return e
}

func validate(item Association) error {
	switch {
	case item.StackName == "":
		return batch.InvalidInput("StackName", "must not be empty")
	case !utf8.ValidString(item.StackName):
		return batch.InvalidInput("StackName", "must be valid UTF-8")
	}
	switch n := utf8.RuneCountInString(item.UserName); {
	case item.UserName == "":
		return batch.InvalidInput("UserName", "must not be empty")
	case !utf8.ValidString(item.UserName):
		return batch.InvalidInput("UserName", "must be valid UTF-8")
	case n > MaxUserNameLength:
		return batch.InvalidInput("UserName", "is %d characters long; the limit is %d", n, MaxUserNameLength)
	case !userNamePattern.MatchString(item.UserName):
		return batch.InvalidInput("UserName", "must hold only letters, marks, symbols, numbers and punctuation (no spaces or control characters)")
	}
	switch item.AuthenticationType {
	case appstreamtypes.AuthenticationTypeApi, appstreamtypes.AuthenticationTypeSaml,
		appstreamtypes.AuthenticationTypeUserpool, appstreamtypes.AuthenticationTypeAwsAd:
		return nil
	case "":
		return batch.InvalidInput("AuthenticationType", "must not be empty")
	}
	return batch.InvalidInput("AuthenticationType", "must be one of API, SAML, USERPOOL and AWS_AD, got %q", truncate(string(item.AuthenticationType), 32))
}

// truncate shortens s to at most n bytes on a rune boundary, for messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
