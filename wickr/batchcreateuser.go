package wickr

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

// NewUser is one item of BatchCreateUser: the network to create the user in
// and the members of one [wickrapi.BatchCreateUserRequestItem], with plain
// values where the client uses pointers. Field names follow the SDK's.
//
// FirstName, LastName and InviteCode are sensitive: this package never puts
// them in errors or logs, and withholds the service's messages when they
// quote them. Username is not sensitive in the service model.
type NewUser struct {
	// NetworkId is the Wickr network to create the user in: exactly 8
	// digits. Required. Users of different networks never share a call.
	NetworkId string

	// Username is the user's email address or user name, unique within the
	// network. Required, non-empty, valid UTF-8. It is the item's identity:
	// two items with the same Username in one network never share a call,
	// and the second to arrive fails with [batch.CodeConflict].
	Username string

	// SecurityGroupIds names the user's security group. Required: exactly
	// one ID (the service allows one group per user), non-empty and without
	// white space.
	SecurityGroupIds []string

	// FirstName and LastName are the user's names. Empty sends none.
	FirstName, LastName string

	// InviteCode is a custom invite code. Empty lets the service generate
	// one. Restricted to networks under preview.
	InviteCode string

	// InviteCodeTtl is the invite code's lifetime in days. Nil sends none.
	// Restricted to networks under preview.
	InviteCodeTtl *int32

	// CodeValidation says whether the user can be verified by invite code.
	// Nil sends none. Restricted to networks under preview.
	CodeValidation *bool
}

// Result is the value of a user that was created: the service's record of
// it, from the answer's successful list.
type Result struct {
	// UserId is the ID the service gave the user; empty if the answer
	// carried none.
	UserId string

	// User is the whole record. Its FirstName, LastName and InviteCode are
	// sensitive.
	User wickrapi.User
}

// Key returns the item's NetworkId: users of different networks never share
// a call.
func (a *Adapter) Key(item NewUser) string { return item.NetworkId }

// Identity returns the item's Username, which the answer's successful list
// names. Matching is exact (byte for byte).
func (a *Adapter) Identity(item NewUser) string { return item.Username }

// Validate checks item against the service model before anything is sent:
// NetworkId is exactly 8 digits; Username is non-empty; SecurityGroupIds
// holds exactly one ID, non-empty and without white space (the model's
// pattern ^[\S]+$); every string is valid UTF-8 (the JSON encoder would
// otherwise alter it). It also fails every item when
// [Options.ClientTokenPrefix] is invalid. The error is a [*batch.Error] with
// [batch.CodeInvalidInput] naming the field; it never quotes a sensitive
// value. Validate does not need a client, so an Adapter built with a nil
// one can validate and plan.
func (a *Adapter) Validate(item NewUser) error {
	if a.prefixErr != nil {
		e := *a.prefixErr
		return &e
	}
	if !networkID(item.NetworkId) {
		return batch.InvalidInput("NetworkId", "NetworkId must be exactly 8 digits, got %q", item.NetworkId)
	}
	switch {
	case item.Username == "":
		return batch.InvalidInput("Username", "Username is required")
	case !utf8.ValidString(item.Username):
		return batch.InvalidInput("Username", "Username must be valid UTF-8")
	}
	switch n := len(item.SecurityGroupIds); {
	case n == 0:
		return batch.InvalidInput("SecurityGroupIds", "SecurityGroupIds must hold one security group ID, got none")
	case n > 1:
		return batch.InvalidInput("SecurityGroupIds", "SecurityGroupIds must hold one security group ID (a user belongs to one group), got %d", n)
	}
	if id := item.SecurityGroupIds[0]; !securityGroupID(id) {
		return batch.InvalidInput("SecurityGroupIds", "SecurityGroupIds[0] must be non-empty valid UTF-8 without white space, got %q", id)
	}
	for _, f := range []struct{ name, v string }{
		{"FirstName", item.FirstName}, {"LastName", item.LastName}, {"InviteCode", item.InviteCode},
	} {
		if !utf8.ValidString(f.v) {
			return batch.InvalidInput(f.name, "%s must be valid UTF-8", f.name)
		}
	}
	return nil
}

// networkID reports whether s matches the model's pattern ^[0-9]{8}$.
func networkID(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// securityGroupID reports whether s matches the model's pattern ^[\S]+$.
// Smithy patterns are ECMAScript regular expressions, whose \s is Unicode
// white space and U+FEFF, but not U+0085.
func securityGroupID(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == 0xFEFF || (r != 0x85 && unicode.IsSpace(r)) {
			return false
		}
	}
	return true
}

// noClient is the error of an Adapter built with a nil client. New cannot
// fail, and Validate and Plan need no client, so the first call of a run
// fails with it and Classify ends the run with it: every item fails with
// this one error, and nothing is sent.
func noClient() *batch.Error {
	e := batch.InvalidInput("", "wickr: the adapter has no client: wickr.New was given a nil API")
	e.Operation = Operation
	return e
}

// callError carries a call-level error together with the call's items, so
// that Classify can keep sensitive values out of messages.
type callError struct {
	err   error
	items []NewUser
}

func (e *callError) Error() string { return e.err.Error() }
func (e *callError) Unwrap() error { return e.err }

// callState is what the per-call retryer hook learns about one call.
type callState struct {
	// unsure is set when an attempt failed without a definite refusal
	// (a transport error, a 5xx, an answer that could not be read): the
	// service may have created the call's users.
	unsure atomic.Bool
}

// Call sends items, which all belong to the network key, in one
// BatchCreateUser request and attributes the answer to them; see
// "Answers" in the package documentation for the rule.
//
// The request lists the users sorted by Username, so the same users always
// make the same request body, and carries the call's client token (see
// "Client tokens"): the token of its first request when ctx says the engine
// sends the call again ([batch.CallID]), a new one otherwise. A request that
// failed as a whole returns its error for [Adapter.Classify].
func (a *Adapter) Call(ctx context.Context, key string, items []NewUser) ([]batch.Result[Result], error) {
	if wire.NoClient(a.client) {
		return nil, noClient()
	}
	if a.prefixErr != nil {
		return nil, a.prefixErr
	}
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(items[x].Username, items[y].Username) })
	sorted := make([]NewUser, len(items))
	users := make([]wickrapi.BatchCreateUserRequestItem, len(items))
	for k, i := range order {
		sorted[k] = items[i]
		users[k] = toRequestItem(&items[i])
	}
	token, id, hasID := a.callToken(ctx, key, sorted)
	in := &wickrapi.BatchCreateUserInput{NetworkId: aws.String(key), Users: users, ClientToken: aws.String(token)}

	cs := &callState{}
	out, err := a.client.BatchCreateUser(ctx, in, a.callOptions(ctx, cs)...)
	if err != nil {
		if cs.unsure.Load() || !refused(err) {
			a.markUnsure(key, items)
		}
		return nil, &callError{err: err, items: items}
	}
	if hasID {
		a.answered(id)
	}
	// attribute's second result, whether the answer left users to retry,
	// no longer matters for tokens: users retried after an answer go in a
	// new call, which gets a new token.
	res, _ := a.attribute(key, items, out)
	if out != nil {
		wire.StampRequestID(res, out.ResultMetadata)
	}
	return res, nil
}

func toRequestItem(it *NewUser) wickrapi.BatchCreateUserRequestItem {
	u := wickrapi.BatchCreateUserRequestItem{
		Username:         aws.String(it.Username),
		SecurityGroupIds: slices.Clone(it.SecurityGroupIds),
		InviteCodeTtl:    it.InviteCodeTtl,
		CodeValidation:   it.CodeValidation,
	}
	if u.SecurityGroupIds == nil {
		u.SecurityGroupIds = []string{}
	}
	if it.FirstName != "" {
		u.FirstName = aws.String(it.FirstName)
	}
	if it.LastName != "" {
		u.LastName = aws.String(it.LastName)
	}
	if it.InviteCode != "" {
		u.InviteCode = aws.String(it.InviteCode)
	}
	return u
}

// markUnsure records that items may have been created by a call whose answer
// was lost or could not be attributed to them.
func (a *Adapter) markUnsure(network string, items []NewUser) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range items {
		a.unsure[unsureKey(network, items[i].Username)] = struct{}{}
	}
}

// attribute turns a 200 answer into one result per item, by elimination:
//
//  1. An item whose Username is named by exactly one entry of successful
//     was created; its result carries that entry.
//  2. An item named by more than one entry, or sharing its Username with
//     another item of the call, cannot be attributed: CodeUnmatched,
//     permanent (the service says the user exists; sending it again could
//     only conflict).
//  3. The answer is consistent when every entry of successful names an
//     item (no entry without a user name or naming a user the call did not
//     carry), no item is named twice or carried twice, and
//     len(successful)+len(failed) equals the number of items. Then every
//     item not named in successful is one of the failed entries: with one
//     such item, it gets that entry's error; with several, they get the
//     entries' common error when all entries classify alike, and otherwise
//     CodeUnmatched (retryable when one of the entries is), because the
//     answer does not say which user got which reason.
//  4. When the answer is not consistent, every item not named in successful
//     fails with CodeUnmatched, retryable: it may or may not have been
//     created, and sending it again either creates it or conflicts.
//
// again reports that the answer was consistent and left some item to be
// retried, so a resend of the same set must get a new client token.
func (a *Adapter) attribute(network string, items []NewUser, out *wickrapi.BatchCreateUserOutput) (res []batch.Result[Result], again bool) {
	n := len(items)
	res = make([]batch.Result[Result], n)
	var succ []wickrapi.User
	var failed []wickrapi.BatchUserErrorResponseItem
	if out != nil {
		succ, failed = out.Successful, out.Failed
	}

	pos := make(map[string]int, n)
	twice := make([]bool, n) // the call carries the item's Username more than once
	for i := range items {
		if j, ok := pos[items[i].Username]; ok {
			twice[i], twice[j] = true, true
			continue
		}
		pos[items[i].Username] = i
	}
	hits := make([]int, n)
	named := make([]*wickrapi.User, n)
	strangers := 0
	for k := range succ {
		u := &succ[k]
		i, ok := -1, false
		if u.Username != nil {
			i, ok = pos[*u.Username]
		}
		if !ok {
			strangers++
			continue
		}
		hits[i]++
		if named[i] == nil {
			named[i] = u
		}
	}

	consistent := strangers == 0 && len(succ)+len(failed) == n
	var rest []int // items not named in successful
	for i := range items {
		switch {
		case twice[i]:
			consistent = false
			res[i].Err = unmatched(false, "the call carried this user name more than once, so the answer cannot be attributed")
		case hits[i] > 1:
			consistent = false
			res[i].Err = unmatched(false, fmt.Sprintf("the answer lists this user as created %d times, so it cannot be attributed", hits[i]))
		case hits[i] == 1:
			res[i].Value = Result{UserId: aws.ToString(named[i].UserId), User: *named[i]}
		default:
			rest = append(rest, i)
		}
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case len(rest) == 0:
	case !consistent:
		msg := fmt.Sprintf("the answer does not add up (%d users sent, %d listed as created, %d failures, %d unknown user names), so it is unknown whether this user was created",
			n, len(succ), len(failed), strangers)
		e := unmatched(true, msg)
		for _, i := range rest {
			res[i].Err = e
			a.unsure[unsureKey(network, items[i].Username)] = struct{}{}
		}
	default:
		a.failRest(network, items, rest, failed, res)
	}

	for i := range res {
		switch e := res[i].Err; {
		case e == nil, !e.Retryable && e.Code != batch.CodeUnmatched:
			// A final answer: whatever happened to earlier calls carrying
			// the user no longer matters.
			delete(a.unsure, unsureKey(network, items[i].Username))
		case e.Retryable && consistent:
			again = true
		}
	}
	return res, again
}

// failRest gives the items of rest, which a consistent answer did not list
// as created, the errors of the failed entries. a.mu must be held.
func (a *Adapter) failRest(network string, items []NewUser, rest []int, failed []wickrapi.BatchUserErrorResponseItem, res []batch.Result[Result]) {
	classes := make([]entryClass, len(failed))
	uniform, anyRetryable := true, false
	var reasons []string
	for k := range failed {
		classes[k] = classifyEntry(aws.ToString(failed[k].Field), aws.ToString(failed[k].Reason))
		uniform = uniform && classes[k] == classes[0]
		anyRetryable = anyRetryable || classes[k].retryable
		if r := aws.ToString(failed[k].Reason); !slices.Contains(reasons, r) {
			reasons = append(reasons, r)
		}
	}
	concerned := make([]NewUser, len(rest))
	for k, i := range rest {
		concerned[k] = items[i]
	}
	if !uniform {
		msg := redact(fmt.Sprintf("the service failed %d users of the call for different reasons (%s) and its answer does not say which user had which",
			len(rest), strings.Join(quoteAll(reasons), ", ")),
			fmt.Sprintf("the service failed %d users of the call for different reasons and its answer does not say which user had which", len(rest)),
			concerned)
		e := unmatched(anyRetryable, msg)
		for _, i := range rest {
			res[i].Err = e
		}
		return
	}
	c := classes[0]
	reason := reasons[0]
	if len(reasons) > 1 {
		reason = "one of: " + strings.Join(quoteAll(reasons), ", ")
	}
	if reason == "" {
		reason = c.text
	}
	msg := redact(reason, c.text, concerned)
	for _, i := range rest {
		e := &batch.Error{
			Code:      c.code,
			Message:   msg,
			Field:     c.field,
			Retryable: c.retryable,
			Operation: Operation,
		}
		if c.code == batch.CodeConflict {
			if _, ok := a.unsure[unsureKey(network, items[i].Username)]; ok {
				e.Message += "; an earlier call carrying this user lost its answer, so this run may have created the user"
			}
		}
		res[i].Err = e
	}
}

func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return q
}

func unmatched(retryable bool, msg string) *batch.Error {
	return &batch.Error{Code: batch.CodeUnmatched, Operation: Operation, Retryable: retryable, Message: msg}
}
