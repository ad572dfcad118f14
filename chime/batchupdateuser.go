package chime

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	//lint:ignore SA1019 the legacy Amazon Chime API, deprecated with its end of support, is what this package wraps.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"
	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
)

// UserUpdate is one item of BatchUpdateUser: the account the user belongs to
// and the members of one [chimetypes.UpdateUserRequestItem]. Field names
// follow the SDK's.
//
// Items of different accounts never share a call. Two items naming the same
// user of one account are sent in different calls, in input order.
type UserUpdate struct {
	// AccountId is the Amazon Chime account ID. Required; it must contain a
	// non-space character.
	AccountId string

	// UserId is the user ID. Required; it must contain a non-space
	// character.
	UserId string

	// LicenseType is the new license type: Basic, Plus, Pro or ProTrial.
	// Empty leaves it unchanged. The service documents that only LicenseType
	// updates are supported by this operation.
	LicenseType chimetypes.License

	// UserType is PrivateUser or SharedDevice. Empty leaves it unchanged.
	UserType chimetypes.UserType

	// AlexaForBusinessMetadata is sent as it is when not nil. Its room ARN is
	// sensitive and never appears in errors or logs produced by this package.
	AlexaForBusinessMetadata *chimetypes.AlexaForBusinessMetadata
}

// Result is the per-item value of a successful update. BatchUpdateUser
// returns nothing for users it updated, so it is empty.
type Result struct{}

// Key returns the item's AccountId: users of different accounts never share
// a call.
func (a *Adapter) Key(item UserUpdate) string { return item.AccountId }

// Identity returns the item's UserId, which the service's UserErrors entries
// name.
func (a *Adapter) Identity(item UserUpdate) string { return item.UserId }

// Validate checks item against the service model: AccountId and UserId must
// contain a non-space character, and LicenseType and UserType, when set, must
// be values of their enums. The error is a [*batch.Error] with
// [batch.CodeInvalidInput] naming the field. Validate does not need a
// client, so an Adapter built with a nil one can validate and plan.
func (a *Adapter) Validate(item UserUpdate) error {
	if !hasNonSpace(item.AccountId) {
		return batch.InvalidInput("AccountId", "AccountId must contain a non-space character")
	}
	if !hasNonSpace(item.UserId) {
		return batch.InvalidInput("UserId", "UserId must contain a non-space character")
	}
	if item.LicenseType != "" && !oneOf(item.LicenseType, chimetypes.License("").Values()) {
		return batch.InvalidInput("LicenseType", "LicenseType %q is not one of %s", item.LicenseType, joinValues(chimetypes.License("").Values()))
	}
	if item.UserType != "" && !oneOf(item.UserType, chimetypes.UserType("").Values()) {
		return batch.InvalidInput("UserType", "UserType %q is not one of %s", item.UserType, joinValues(chimetypes.UserType("").Values()))
	}
	return nil
}

// hasNonSpace reports whether s matches the model's pattern \S: it holds a
// character that is not white space. Smithy patterns use ECMAScript regular
// expressions, whose \s covers Unicode white space and U+FEFF but not U+0085.
func hasNonSpace(s string) bool {
	for _, r := range s {
		if r == 0x85 || (!unicode.IsSpace(r) && r != 0xFEFF) {
			return true
		}
	}
	return false
}

func oneOf[E ~string](v E, values []E) bool {
	for _, x := range values {
		if v == x {
			return true
		}
	}
	return false
}

func joinValues[E ~string](values []E) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// Call sends items, which all belong to the account key, in one
// BatchUpdateUser request, and matches the answer to them.
//
// The service answers 200 with UserErrors listing only the users it failed to
// update; a user it does not list was updated. Because success is implied by
// absence, the answer is trusted only when every entry names a user of the
// call: an entry naming another user, or no user, means the answer cannot be
// read safely, and every item of the call fails with
// [batch.CodeUnmatched] (retryable, since setting a user's details again is
// harmless) instead of being reported as updated. When one user is named
// more than once, a permanent error wins over a retryable one.
func (a *Adapter) Call(ctx context.Context, key string, items []UserUpdate) ([]batch.Result[Result], error) {
	if wire.NoClient(a.client) {
		return nil, noClient()
	}
	in := &chimesdk.BatchUpdateUserInput{
		AccountId:              aws.String(key),
		UpdateUserRequestItems: make([]chimetypes.UpdateUserRequestItem, len(items)),
	}
	for i := range items {
		it := &items[i]
		in.UpdateUserRequestItems[i] = chimetypes.UpdateUserRequestItem{
			UserId:                   aws.String(it.UserId),
			LicenseType:              it.LicenseType,
			UserType:                 it.UserType,
			AlexaForBusinessMetadata: it.AlexaForBusinessMetadata,
		}
	}
	out, err := a.client.BatchUpdateUser(ctx, in, a.callOptions(ctx)...)
	if err != nil {
		return nil, err
	}
	res := matchUserErrors(items, out)
	if out != nil {
		wire.StampRequestID(res, out.ResultMetadata)
	}
	return res, nil
}

// matchUserErrors turns an answer into one result per item; see Call.
func matchUserErrors(items []UserUpdate, out *chimesdk.BatchUpdateUserOutput) []batch.Result[Result] {
	res := make([]batch.Result[Result], len(items))
	if out == nil {
		fillUnmatched(res, "the service returned no answer")
		return res
	}
	if len(out.UserErrors) == 0 {
		return res
	}
	pos := make(map[string]int, len(items))
	for i := range items {
		pos[items[i].UserId] = i
	}
	for j := range out.UserErrors {
		ue := &out.UserErrors[j]
		if ue.UserId == nil {
			fillUnmatched(res, fmt.Sprintf("UserErrors entry %d names no user, so no user of the call can be reported as updated", j))
			return res
		}
		i, ok := pos[*ue.UserId]
		if !ok {
			fillUnmatched(res, fmt.Sprintf("UserErrors entry %d names a user that was not in the call, so no user of the call can be reported as updated", j))
			return res
		}
		e := userError(ue)
		if prev := res[i].Err; prev != nil && !prev.Retryable {
			continue
		}
		res[i].Err = e
	}
	return res
}

func fillUnmatched(res []batch.Result[Result], msg string) {
	e := &batch.Error{Code: batch.CodeUnmatched, Operation: Operation, Retryable: true, Message: msg}
	for i := range res {
		res[i] = batch.Result[Result]{Err: e}
	}
}
