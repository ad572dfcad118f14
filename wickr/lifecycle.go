package wickr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/smithy-go/middleware"
	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/throttle"
	"github.com/batchkit/batchkit/internal/wire"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

// This file holds what the adapters of the operations on existing users,
// devices and unames share (BatchDeleteUser, BatchReinviteUser,
// BatchToggleUserSuspendStatus, BatchResetDevicesForUser,
// BatchLookupUserUname): every one sends a list of identifiers of one call
// key, with a client token, and gets back successful and failed entries
// that echo those identifiers.

// opSpec describes one of these operations to the shared core.
type opSpec[T, R any] struct {
	name string // the operation's name
	what string // the identity in messages: "user ID", "app ID", "uname"

	key      func(T) string
	identity func(T) string
	validate func(T) error

	// send sends one request for ids (distinct, sorted), all of the call
	// key of first, and returns the answer's entries.
	send func(ctx context.Context, first T, ids []string, token string, optFns []func(*wickrapi.Options)) (*listAnswer[R], error)

	// field maps a field named by the service to the item's field.
	field func(string) string

	// rules classify failed entries before the rules all these operations
	// share; see classifyListEntry.
	rules []reasonRule

	// lost, when not empty, is added to the message of a NotFound entry of
	// an item that an earlier call of the Adapter carried and whose answer
	// was lost (BatchDeleteUser: the run may have deleted the user).
	lost string

	// keyText describes what a ResourceNotFoundError of the call means,
	// used when the service sends no message.
	keyText string
}

// listAnswer is a 200 answer reduced to what attribution needs.
type listAnswer[R any] struct {
	ok     []okEntry[R]
	failed []failedEntry
	// md is the answer's metadata, for the request ID of per-item errors.
	md middleware.Metadata
}

type okEntry[R any] struct {
	id    *string
	value R
}

type failedEntry struct {
	id, field, reason *string
}

// core is the shared Adapter of these operations. It is safe for
// concurrent use.
type core[T, R any] struct {
	spec      *opSpec[T, R]
	hasClient bool
	maxItems  int
	prefix    string
	prefixErr *batch.Error
	codes     []string
	clientFn  []func(*wickrapi.Options)

	mu sync.Mutex // guards the maps below
	// seen and pending are as in Adapter: per call content, the calls that
	// carried it, and the calls not answered yet, to rank client tokens.
	seen    map[contentKey]uint64
	pending map[uint64]sentCall
	// unsure holds (key "\x00" identity) of items sent in a call whose
	// answer was lost or did not say what happened to them, until they get
	// a final answer. Used only when spec.lost is set.
	unsure map[string]struct{}
}

func newCore[T, R any](spec *opSpec[T, R], hasClient bool, optFns []func(*Options)) *core[T, R] {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	c := &core[T, R]{
		spec:      spec,
		hasClient: hasClient,
		maxItems:  MaxItemsPerCall,
		prefix:    o.ClientTokenPrefix,
		clientFn:  slices.Clone(o.ClientOptions),
		seen:      make(map[contentKey]uint64),
		pending:   make(map[uint64]sentCall),
		unsure:    make(map[string]struct{}),
	}
	if o.MaxItemsPerCall > 0 && o.MaxItemsPerCall < MaxItemsPerCall {
		c.maxItems = o.MaxItemsPerCall
	}
	if c.prefix == "" {
		c.prefix = randomPrefix()
	} else if err := checkPrefix(c.prefix); err != nil {
		c.prefixErr = err
	}
	c.codes = append(slices.Clone(wickrapi.ThrottleErrorCodes), o.ThrottleCodes...)
	return c
}

func (c *core[T, R]) validate(item T) error {
	if c.prefixErr != nil {
		e := *c.prefixErr
		e.Operation = c.spec.name
		return &e
	}
	return c.spec.validate(item)
}

// call sends items, which all have the call key key, in one request and
// attributes the answer; see "The user lifecycle" in the package
// documentation.
func (c *core[T, R]) call(ctx context.Context, key string, items []T) ([]batch.Result[R], error) {
	if !c.hasClient {
		e := batch.InvalidInput("", "wickr: the adapter has no client: it was built with a nil API")
		e.Operation = c.spec.name
		return nil, e
	}
	if c.prefixErr != nil {
		return nil, c.prefixErr
	}
	if len(items) == 0 {
		// The service's answer to an empty list is not documented: send
		// nothing.
		return []batch.Result[R]{}, nil
	}
	pos := make(map[string]int, len(items))
	twice := make([]bool, len(items))
	ids := make([]string, 0, len(items))
	for i := range items {
		id := c.spec.identity(items[i])
		if j, ok := pos[id]; ok {
			twice[i], twice[j] = true, true
			continue
		}
		pos[id] = i
		ids = append(ids, id)
	}
	// Each identifier once, in increasing byte order, so that the same
	// items always make the same request, and the same client token.
	slices.Sort(ids)
	token, callID, hasID := c.callToken(ctx, key, ids)

	cs := &callState{}
	out, err := c.spec.send(ctx, items[0], ids, token, c.callOptions(ctx, cs))
	if err != nil {
		if cs.unsure.Load() || !refused(err) {
			c.markUnsure(key, ids)
		}
		return nil, err
	}
	if hasID {
		c.mu.Lock()
		delete(c.pending, callID)
		c.mu.Unlock()
	}
	res := c.attribute(key, items, pos, twice, out)
	if out != nil {
		wire.StampRequestID(res, out.md)
	}
	return res, nil
}

// callOptions returns the client option functions of one call, as
// [Adapter] installs them: the caller's ClientOptions, then the retryer
// wrapper (throttle codes, throttle signals, unsure attempts) and the
// answer check.
func (c *core[T, R]) callOptions(ctx context.Context, cs *callState) []func(*wickrapi.Options) {
	fns := make([]func(*wickrapi.Options), 0, len(c.clientFn)+1)
	fns = append(fns, c.clientFn...)
	return append(fns, func(o *wickrapi.Options) {
		if o.Retryer != nil {
			o.Retryer = &notingRetryer{RetryerV2: throttle.Wrap(ctx, o.Retryer, c.codes...), call: cs}
		}
		o.HTTPClient = wire.CheckAnswers(o.HTTPClient)
	})
}

// attribute gives every item the entry that names its identity:
//
//  1. An item whose identity the call carried more than once (never in a
//     run) fails with CodeUnmatched, permanent.
//  2. An item named by exactly one entry gets it: the value of a
//     successful entry, or the classified error of a failed one.
//  3. An item named by several entries, or by none, fails with
//     CodeUnmatched, retryable: the answer does not say what happened to it.
//
// Entries with an empty identity or one the call did not carry name no
// item; they never make an item succeed.
func (c *core[T, R]) attribute(key string, items []T, pos map[string]int, twice []bool, out *listAnswer[R]) []batch.Result[R] {
	n := len(items)
	res := make([]batch.Result[R], n)
	if out == nil {
		out = &listAnswer[R]{}
	}
	hits := make([]int, n)
	okAt := make([]int, n)
	failAt := make([]int, n)
	for i := range okAt {
		okAt[i], failAt[i] = -1, -1
	}
	strangers := 0
	find := func(id *string) (int, bool) {
		if id == nil || *id == "" {
			return 0, false
		}
		i, ok := pos[*id]
		return i, ok
	}
	for k := range out.ok {
		i, ok := find(out.ok[k].id)
		if !ok {
			strangers++
			continue
		}
		hits[i]++
		okAt[i] = k
	}
	for k := range out.failed {
		i, ok := find(out.failed[k].id)
		if !ok {
			strangers++
			continue
		}
		hits[i]++
		failAt[i] = k
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range items {
		id := c.spec.identity(items[i])
		switch {
		case twice[i]:
			res[i].Err = c.unmatched(false, fmt.Sprintf("the call carried this %s more than once, so the answer cannot be attributed", c.spec.what))
		case hits[i] > 1:
			res[i].Err = c.unmatched(true, fmt.Sprintf("the answer names this %s %d times, so what happened to it is unknown", c.spec.what, hits[i]))
		case hits[i] == 0:
			res[i].Err = c.unmatched(true, fmt.Sprintf("the answer does not mention this %s (%d sent, %d successful and %d failed entries, %d naming nothing the call carried), so what happened to it is unknown",
				c.spec.what, len(pos), len(out.ok), len(out.failed), strangers))
		case okAt[i] >= 0:
			res[i].Value = out.ok[okAt[i]].value
		default:
			e := out.failed[failAt[i]]
			res[i].Err = c.entryError(key, id, derefString(e.field), derefString(e.reason))
		}
		if c.spec.lost == "" {
			continue
		}
		switch e := res[i].Err; {
		case e == nil, !e.Retryable && e.Code != batch.CodeUnmatched:
			delete(c.unsure, unsureKey(key, id))
		case e.Code == batch.CodeUnmatched && e.Retryable:
			c.unsure[unsureKey(key, id)] = struct{}{}
		}
	}
	return res
}

// entryError is the error of an item's failed entry. c.mu must be held.
func (c *core[T, R]) entryError(key, id, field, reason string) *batch.Error {
	cl := classifyListEntry(c.spec.rules, c.spec.field, field, reason)
	msg := reason
	if msg == "" {
		msg = cl.text
	}
	e := &batch.Error{Code: cl.code, Message: msg, Field: cl.field, Retryable: cl.retryable, Operation: c.spec.name}
	if c.spec.lost != "" && cl.code == batch.CodeNotFound {
		if _, ok := c.unsure[unsureKey(key, id)]; ok {
			e.Message += "; " + c.spec.lost
		}
	}
	return e
}

func (c *core[T, R]) unmatched(retryable bool, msg string) *batch.Error {
	return &batch.Error{Code: batch.CodeUnmatched, Operation: c.spec.name, Retryable: retryable, Message: msg}
}

// markUnsure records that ids may have been applied by a call whose answer
// was lost.
func (c *core[T, R]) markUnsure(key string, ids []string) {
	if c.spec.lost == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		c.unsure[unsureKey(key, id)] = struct{}{}
	}
}

// clientToken returns the token of the first call carrying the identities
// of items, whose call key is that of items[0]; "" when items is empty or
// the prefix is invalid.
func (c *core[T, R]) clientToken(items []T) string {
	if c.prefixErr != nil || len(items) == 0 {
		return ""
	}
	ids := make([]string, 0, len(items))
	for i := range items {
		ids = append(ids, c.spec.identity(items[i]))
	}
	slices.Sort(ids)
	return c.token(listHash(c.spec.name, c.spec.key(items[0]), slices.Compact(ids), 0))
}

// token returns the prefix and as many hex digits of sum as fit in 64
// characters.
func (c *core[T, R]) token(sum []byte) string {
	hexSum := hex.EncodeToString(sum)
	return c.prefix + hexSum[:maxClientToken-len(c.prefix)]
}

// callToken returns the client token of a call of key carrying ids (sorted,
// distinct), and the call's ID when ctx comes from a run, with the same
// ranking as [Adapter]'s calls: a call the engine sends again as a whole,
// with the same content, gets its first token; any other call the next
// rank of its content.
func (c *core[T, R]) callToken(ctx context.Context, key string, ids []string) (token string, id uint64, hasID bool) {
	base := listHash(c.spec.name, key, ids, 0)
	ck := contentKey(base[:16])
	id, hasID = batch.CallID(ctx)
	c.mu.Lock()
	sc, resend := c.pending[id]
	if !hasID || !resend || sc.content != ck {
		sc = sentCall{content: ck, n: c.seen[ck]}
		c.seen[ck]++
		if hasID {
			c.pending[id] = sc
		}
	}
	c.mu.Unlock()
	if sc.n == 0 {
		return c.token(base), id, hasID
	}
	return c.token(listHash(c.spec.name, key, ids, sc.n)), id, hasID
}

// listHash hashes a call's content: the operation's name, the call key,
// the number of identifiers and each of them in increasing byte order,
// then, for the n-th later call with the same content, n > 0. See "The
// user lifecycle" in the package documentation.
func listHash(op, key string, ids []string, n uint64) []byte {
	h := sha256.New()
	writeString(h, op)
	writeString(h, key)
	writeUvarint(h, uint64(len(ids)))
	for _, id := range ids {
		writeString(h, id)
	}
	if n > 0 {
		writeUvarint(h, n)
	}
	return h.Sum(nil)
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
