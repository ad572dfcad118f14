package messaging

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/chimecodes"
	"github.com/batchkit/batchkit/internal/wire"
	"github.com/batchkit/batchkit/messaging/messagingapi"
)

// Membership is one item of BatchCreateChannelMembership: the member to add
// and the fields every member of one call shares. Field names follow the
// client's input.
//
// Items that differ in ChannelArn, ChimeBearer, Type or SubChannelId never
// share a call. Two items naming the same MemberArn with the same call key
// are sent in different calls, in input order.
type Membership struct {
	// ChannelArn is the channel to add the member to. Required.
	ChannelArn string

	// ChimeBearer is the ARN of the AppInstanceUser or AppInstanceBot that
	// makes the call; it must be allowed to add members to the channel.
	// Required.
	ChimeBearer string

	// MemberArn is the AppInstanceUser or AppInstanceBot to add. Required.
	MemberArn string

	// Type is the membership type, DEFAULT or HIDDEN (for moderators only).
	// Empty omits it from the request, which the service reads as DEFAULT;
	// items with an empty Type and items with DEFAULT do not share calls.
	Type messagingapi.ChannelMembershipType

	// SubChannelId is the SubChannel of an elastic channel, when adding a
	// moderator to one. Empty omits it.
	SubChannelId string
}

// Result is the value of an item that succeeded: the member it added, from
// the answer's BatchChannelMemberships.Members entry naming it.
//
// Name is sensitive (the service marks it so): the library never logs it or
// puts it in an error string, and neither should callers.
type Result struct {
	// Arn is the ARN of the AppInstanceUser or AppInstanceBot added, the
	// item's MemberArn: the entry is matched to the item by it.
	Arn string

	// Name is the member's display name, as the entry gives it; empty when
	// the entry carries none.
	Name string
}

// ARN and SubChannelId limits of the service model.
const (
	minArnLength          = 5
	maxArnLength          = 1600
	maxArnResourceLength  = 1024 // [^/].{0,1023}
	maxSubChannelIDLength = 128
)

// subChannelIDPattern is the model's SubChannelId pattern.
var subChannelIDPattern = regexp.MustCompile(`^[-_a-zA-Z0-9]*$`)

// Key returns the item's call key: ChannelArn, ChimeBearer, Type and
// SubChannelId, each written as its length in bytes, a colon and the value,
// joined by '|': "<n>:<ChannelArn>|<n>:<ChimeBearer>|7:DEFAULT|0:" for a
// DEFAULT membership without SubChannelId. The lengths make the encoding
// unambiguous whatever the fields hold, so items with different fields
// never share a call.
func (a *Adapter) Key(item Membership) string {
	return callKey(item)
}

func callKey(item Membership) string {
	var b strings.Builder
	fields := [...]string{item.ChannelArn, item.ChimeBearer, string(item.Type), item.SubChannelId}
	n := 0
	for _, f := range fields {
		n += len(f) + 6
	}
	b.Grow(n)
	for i, f := range fields {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
	}
	return b.String()
}

// Identity returns the item's MemberArn, which the service's Members and
// Errors entries name.
func (a *Adapter) Identity(item Membership) string { return item.MemberArn }

// Validate checks item against the service model: ChannelArn, ChimeBearer
// and MemberArn must be 5 to 1600 characters of valid UTF-8 matching the
// model's ARN pattern, ChimeBearer must also be sendable as an HTTP header
// value, Type must be empty, DEFAULT or HIDDEN, and SubChannelId, when set,
// 1 to 128 characters of [-_a-zA-Z0-9]. The error is a [*batch.Error] with
// [batch.CodeInvalidInput] naming the field. Validate does not need a
// client, so an Adapter built with a nil one can validate and plan.
func (a *Adapter) Validate(item Membership) error {
	if err := validateArn("ChannelArn", item.ChannelArn); err != nil {
		return err
	}
	if err := validateArn("ChimeBearer", item.ChimeBearer); err != nil {
		return err
	}
	if err := validateHeader("ChimeBearer", item.ChimeBearer); err != nil {
		return err
	}
	if err := validateArn("MemberArn", item.MemberArn); err != nil {
		return err
	}
	switch item.Type {
	case "", messagingapi.ChannelMembershipTypeDefault, messagingapi.ChannelMembershipTypeHidden:
	default:
		return batch.InvalidInput("Type", "Type %q is not one of DEFAULT, HIDDEN", item.Type)
	}
	if s := item.SubChannelId; s != "" {
		if !utf8.ValidString(s) {
			return batch.InvalidInput("SubChannelId", "SubChannelId is not valid UTF-8")
		}
		if n := utf8.RuneCountInString(s); n > maxSubChannelIDLength {
			return batch.InvalidInput("SubChannelId", "SubChannelId must be 1 to %d characters, got %d", maxSubChannelIDLength, n)
		}
		if !subChannelIDPattern.MatchString(s) {
			return batch.InvalidInput("SubChannelId", "SubChannelId may hold only letters, digits, '-' and '_'")
		}
	}
	return nil
}

// validateArn checks one ChimeArn member. The pattern's '.' is read as in
// ECMAScript, which Smithy patterns follow: any character but a line
// terminator (\n, \r, U+2028, U+2029).
func validateArn(field, v string) *batch.Error {
	if !utf8.ValidString(v) {
		return batch.InvalidInput(field, "%s is not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(v); n < minArnLength || n > maxArnLength {
		if n == 0 {
			return batch.InvalidInput(field, "%s is required", field)
		}
		return batch.InvalidInput(field, "%s must be %d to %d characters, got %d", field, minArnLength, maxArnLength, n)
	}
	resource, ok := arnResource(v)
	if !ok {
		return batch.InvalidInput(field, "%s is not an ARN: it must start with arn:partition:service:region:account: (lower-case letters, digits, '-' and '.')", field)
	}
	first, size := utf8.DecodeRuneInString(resource)
	switch {
	case resource == "":
		return batch.InvalidInput(field, "%s has an empty resource after the fifth ':'", field)
	case first == '/':
		return batch.InvalidInput(field, "%s has a resource starting with '/'", field)
	case utf8.RuneCountInString(resource) > maxArnResourceLength:
		return batch.InvalidInput(field, "%s has a resource longer than %d characters", field, maxArnResourceLength)
	case strings.ContainsAny(resource[size:], "\n\r\u2028\u2029"):
		return batch.InvalidInput(field, "%s holds a line break", field)
	}
	return nil
}

// arnResource matches the start of the model's ChimeArn pattern,
// ^arn:[a-z0-9-\.]{1,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:,
// and returns the rest of v. None of the classes holds ':', so the four
// fields are the text between the first five colons. (A hand-written match:
// a regular expression costs more than the rest of validation together.)
func arnResource(v string) (string, bool) {
	rest, ok := strings.CutPrefix(v, "arn:")
	if !ok {
		return "", false
	}
	for field := range 4 {
		n := 0
		for n < len(rest) && isArnFieldByte(rest[n]) {
			n++
		}
		if n == len(rest) || rest[n] != ':' || n > 63 || (field == 0 && n == 0) {
			return "", false
		}
		rest = rest[n+1:]
	}
	return rest, true
}

func isArnFieldByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.'
}

// validateHeader checks that v survives as an HTTP header value: no control
// character (Go's HTTP client refuses them) and no white space at the end
// (servers trim it, so the service would see another bearer).
func validateHeader(field, v string) *batch.Error {
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return batch.InvalidInput(field, "%s holds a control character, which an HTTP header cannot carry", field)
		}
	}
	if strings.TrimRight(v, " \t") != v {
		return batch.InvalidInput(field, "%s ends in white space, which an HTTP header cannot carry", field)
	}
	return nil
}

// Call sends items, which all share the call key, in one
// BatchCreateChannelMembership request, and matches the answer to them by
// MemberArn; the package documentation gives the rules.
func (a *Adapter) Call(ctx context.Context, key string, items []Membership) ([]batch.Result[Result], error) {
	if wire.NoClient(a.client) {
		return nil, noClient()
	}
	if len(items) == 0 {
		return nil, nil
	}
	first := items[0]
	in := &messagingapi.BatchCreateChannelMembershipInput{
		ChannelArn:  aws.String(first.ChannelArn),
		ChimeBearer: aws.String(first.ChimeBearer),
		MemberArns:  make([]string, len(items)),
		Type:        first.Type,
	}
	if first.SubChannelId != "" {
		in.SubChannelId = aws.String(first.SubChannelId)
	}
	for i := range items {
		in.MemberArns[i] = items[i].MemberArn
	}
	out, err := a.client.BatchCreateChannelMembership(ctx, in, a.callOptions(ctx)...)
	if err != nil {
		return nil, err
	}
	res := matchAnswer(first, items, out)
	if out != nil {
		wire.StampRequestID(res, out.ResultMetadata)
	}
	return res, nil
}

// matchAnswer turns an answer into one result per item; see the package
// documentation.
func matchAnswer(call Membership, items []Membership, out *messagingapi.BatchCreateChannelMembershipOutput) []batch.Result[Result] {
	res := make([]batch.Result[Result], len(items))
	if out == nil {
		fillUnmatched(res, "the service returned no answer")
		return res
	}
	if m := out.BatchChannelMemberships; m != nil {
		if m.ChannelArn != nil && *m.ChannelArn != call.ChannelArn {
			fillUnmatched(res, "the answer names another channel than the call's, so no member of the call can be reported as added")
			return res
		}
		if call.SubChannelId != "" && m.SubChannelId != nil && *m.SubChannelId != call.SubChannelId {
			fillUnmatched(res, "the answer names another SubChannel than the call's, so no member of the call can be reported as added")
			return res
		}
	}
	pos := make(map[string]int, len(items))
	for i := range items {
		pos[items[i].MemberArn] = i
	}
	added := make([]bool, len(items))
	if m := out.BatchChannelMemberships; m != nil {
		for _, id := range m.Members {
			if id.Arn == nil {
				continue
			}
			i, ok := pos[*id.Arn]
			if !ok || added[i] {
				continue
			}
			added[i] = true
			res[i].Value = Result{Arn: *id.Arn, Name: aws.ToString(id.Name)}
		}
	}
	errs := make([]*batch.Error, len(items))
	for j := range out.Errors {
		entry := &out.Errors[j]
		if entry.MemberArn == nil {
			continue
		}
		i, ok := pos[*entry.MemberArn]
		if !ok {
			continue
		}
		if prev := errs[i]; prev != nil && !prev.Retryable {
			continue
		}
		errs[i] = memberError(entry)
	}
	for i := range res {
		switch {
		case added[i] && errs[i] != nil:
			res[i] = batch.Result[Result]{Err: unmatched("the answer names the member both as added and as failed")}
		case added[i]:
		case errs[i] != nil:
			res[i].Err = errs[i]
		default:
			res[i].Err = unmatched("the answer does not name the member, so it cannot be reported as added")
		}
	}
	return res
}

// memberError normalizes one Errors entry with the table shared with the
// chime adapter. The message is the service's.
func memberError(entry *messagingapi.BatchCreateChannelMembershipError) *batch.Error {
	c := chimecodes.Item(string(entry.ErrorCode))
	return &batch.Error{
		Code:        c.Code,
		ServiceCode: string(entry.ErrorCode),
		Message:     aws.ToString(entry.ErrorMessage),
		Retryable:   c.Retryable,
		Operation:   Operation,
	}
}

func unmatched(msg string) *batch.Error {
	return &batch.Error{Code: batch.CodeUnmatched, Operation: Operation, Retryable: true, Message: msg}
}

func fillUnmatched(res []batch.Result[Result], msg string) {
	e := unmatched(msg)
	for i := range res {
		res[i] = batch.Result[Result]{Err: e}
	}
}
