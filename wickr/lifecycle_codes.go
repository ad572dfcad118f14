package wickr

import (
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

// reasonRule classifies the failed entries whose reason (lower-cased,
// trimmed) it matches.
type reasonRule struct {
	match     func(reason string) bool
	code      batch.Code
	retryable bool
	text      string // our description, used when the service gives no reason
}

func containsAny(r string, subs ...string) bool {
	for _, s := range subs {
		if strings.Contains(r, s) {
			return true
		}
	}
	return false
}

// Rules every operation on existing users, devices and unames shares,
// tried after the operation's own. Matching ignores case.
var (
	// ruleThrottled: the service throttled the item.
	ruleThrottled = reasonRule{
		match:     func(r string) bool { return containsAny(r, "throttl", "rate limit", "too many requests") },
		code:      batch.CodeThrottled,
		retryable: true,
		text:      "the service throttled the item",
	}
	// ruleTransient: the service failed on the item and says to retry;
	// wickrtest renders Faults.ItemFailureRate this way. It is sound
	// against AWS: each of these operations may be sent again (deleting
	// twice fails "User not found", see BatchDeleteUser).
	ruleTransient = reasonRule{
		match: func(r string) bool {
			return strings.HasPrefix(r, "internal error") || strings.HasPrefix(r, "internal server error") ||
				containsAny(r, "try again", "temporarily unavailable", "service unavailable")
		},
		code:      batch.CodeInternal,
		retryable: true,
		text:      "the service failed on the item",
	}
	// ruleNotFound: the user, device or uname does not exist (the model's
	// examples: "User not found", "user not found in current network",
	// "Uname not found").
	ruleNotFound = reasonRule{
		match: func(r string) bool { return containsAny(r, "not found", "does not exist", "doesn't exist", "no such") },
		code:  batch.CodeNotFound,
		text:  "the service did not find the item",
	}
	// ruleCannotReinvite (BatchReinviteUser): the user's invitation is not
	// pending (the model's example: "user cannot be reinvited").
	ruleCannotReinvite = reasonRule{
		match: func(r string) bool {
			return containsAny(r, "cannot be reinvited", "can't be reinvited", "cannot be re-invited", "not pending")
		},
		code: batch.CodeConflict,
		text: "the user cannot be invited again",
	}
	// ruleAlreadyInState (BatchToggleUserSuspendStatus): the user is already
	// in the requested state. The model shows no such failure; whether the
	// service fails or accepts such a user is UNCONFIRMED.
	ruleAlreadyInState = reasonRule{
		match: func(r string) bool {
			return containsAny(r, "already suspended", "not suspended", "already unsuspended", "already active")
		},
		code: batch.CodeConflict,
		text: "the user is already in the requested state",
	}
)

// classifyListEntry normalizes a failed entry of the operations on existing
// users, devices and unames: the operation's rules, then ruleThrottled,
// ruleTransient and ruleNotFound; anything else is a permanent
// CodeInvalidInput ("Invalid app ID." for BatchResetDevicesForUser). As for
// BatchCreateUser, entries carry no code, so this reads the reason text,
// narrowly. field maps the service's field name to the item's.
func classifyListEntry(rules []reasonRule, field func(string) string, f, reason string) entryClass {
	r := strings.ToLower(strings.TrimSpace(reason))
	name := field(f)
	for _, rule := range append(append([]reasonRule(nil), rules...), ruleThrottled, ruleTransient, ruleNotFound) {
		if rule.match(r) {
			return entryClass{code: rule.code, retryable: rule.retryable, field: name, text: rule.text}
		}
	}
	return entryClass{code: batch.CodeInvalidInput, field: name, text: "the service refused the item"}
}

// userField maps a field named by the service in an answer or a
// ValidationError of BatchDeleteUser, BatchReinviteUser or
// BatchToggleUserSuspendStatus to the item's field. The service names
// "username" for a user it did not find by ID (the model's examples), so
// that is UserId too.
func userField(f string) string {
	switch baseField(f) {
	case "":
		return ""
	case "networkid":
		return "NetworkId"
	case "userid", "userids", "username", "user":
		return "UserId"
	case "suspend":
		return "Suspend"
	}
	return strings.TrimSpace(f)
}

// deviceField is userField for BatchResetDevicesForUser.
func deviceField(f string) string {
	switch baseField(f) {
	case "":
		return ""
	case "networkid":
		return "NetworkId"
	case "userid", "username", "user":
		return "UserId"
	case "appid", "appids", "device", "devices":
		return "AppId"
	}
	return strings.TrimSpace(f)
}

// unameField is userField for BatchLookupUserUname.
func unameField(f string) string {
	switch baseField(f) {
	case "":
		return ""
	case "networkid":
		return "NetworkId"
	case "uname", "unames":
		return "Uname"
	}
	return strings.TrimSpace(f)
}

// baseField reduces "userIds[3]" or "request.appIds" to "userids" or
// "appids".
func baseField(f string) string {
	base := strings.TrimSpace(f)
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		base = base[i+1:]
	}
	if i := strings.IndexByte(base, '['); i >= 0 {
		base = base[:i]
	}
	return strings.ToLower(base)
}

// classifyListCall classifies an error returned by the Call of an adapter
// of the operations on existing users, devices and unames. They share
// BatchCreateUser's errors (the service's seven, the AWS front end's and
// the transport's), so this applies [Adapter.Classify]'s table, then names
// the operation, the item field of a ValidationError, and what a key-wide
// failure concerns.
func classifyListCall(op, keyText string, field func(string) string, err error) (*batch.Error, batch.Scope) {
	e, scope := new(Adapter).Classify(err)
	e.Operation = op
	var ve *wickrapi.ValidationError
	if errors.As(err, &ve) {
		e.Field = ""
		for i, r := range ve.Reasons {
			name := field(aws.ToString(r.Field))
			switch {
			case i == 0:
				e.Field = name
			case e.Field != name:
				e.Field = ""
			}
		}
	}
	switch e.Message {
	case classNotFound.text:
		e.Message = keyText
	case classForbiddenKey.text:
		e.Message = "the caller may not manage the network's users"
	}
	return e, scope
}
