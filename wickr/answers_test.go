package wickr_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

func created(names ...string) []wickrapi.User {
	users := make([]wickrapi.User, len(names))
	for i, n := range names {
		users[i] = wickrapi.User{UserId: aws.String(fmt.Sprint(500 + i)), Username: aws.String(n)}
		if n == "<nil>" {
			users[i].Username = nil
		}
	}
	return users
}

func failedEntries(reasons ...string) []wickrapi.BatchUserErrorResponseItem {
	out := make([]wickrapi.BatchUserErrorResponseItem, len(reasons))
	for i, r := range reasons {
		field, reason, _ := strings.Cut(r, "|")
		out[i] = wickrapi.BatchUserErrorResponseItem{UserId: aws.String("0"), Field: aws.String(field), Reason: aws.String(reason)}
	}
	return out
}

const (
	exists   = "username|User already exists"
	noGroup  = "securityGroupIds|Security group not found"
	internal = "|Internal server error, please retry"
)

// TestCallAttributesByElimination runs the attribution rule of the package
// documentation over consistent and malformed answers. Codes are written
// as "Code" for a permanent failure, "Code+" for a retryable one and "ok"
// for a user reported created.
func TestCallAttributesByElimination(t *testing.T) {
	tests := []struct {
		name string
		out  *wickrapi.BatchCreateUserOutput
		want []string // for users a, b, c
	}{
		{"all created", &wickrapi.BatchCreateUserOutput{Successful: created("a", "b", "c")}, []string{"ok", "ok", "ok"}},
		{"all created, in another order", &wickrapi.BatchCreateUserOutput{Successful: created("c", "a", "b"), Failed: failedEntries()}, []string{"ok", "ok", "ok"}},
		{"one exists", &wickrapi.BatchCreateUserOutput{Successful: created("a", "c"), Failed: failedEntries(exists)}, []string{"ok", "Conflict", "ok"}},
		{"two exist", &wickrapi.BatchCreateUserOutput{Successful: created("a"), Failed: failedEntries(exists, exists)}, []string{"ok", "Conflict", "Conflict"}},
		{"all fail alike", &wickrapi.BatchCreateUserOutput{Failed: failedEntries(noGroup, noGroup, noGroup)}, []string{"InvalidInput", "InvalidInput", "InvalidInput"}},
		{"two retryable alike", &wickrapi.BatchCreateUserOutput{Successful: created("b"), Failed: failedEntries(internal, internal)}, []string{"Internal+", "ok", "Internal+"}},
		{"two different permanent reasons", &wickrapi.BatchCreateUserOutput{Successful: created("a"), Failed: failedEntries(exists, noGroup)}, []string{"ok", "Unmatched", "Unmatched"}},
		{"permanent and retryable reasons", &wickrapi.BatchCreateUserOutput{Successful: created("a"), Failed: failedEntries(internal, exists)}, []string{"ok", "Unmatched+", "Unmatched+"}},
		{"a user name not sent", &wickrapi.BatchCreateUserOutput{Successful: created("a", "x"), Failed: failedEntries(exists)}, []string{"ok", "Unmatched+", "Unmatched+"}},
		{"a user name in another case", &wickrapi.BatchCreateUserOutput{Successful: created("A", "b", "c")}, []string{"Unmatched+", "ok", "ok"}},
		{"an entry without user name", &wickrapi.BatchCreateUserOutput{Successful: created("a", "<nil>"), Failed: failedEntries(exists)}, []string{"ok", "Unmatched+", "Unmatched+"}},
		{"a user listed twice", &wickrapi.BatchCreateUserOutput{Successful: created("a", "a"), Failed: failedEntries(exists)}, []string{"Unmatched", "Unmatched+", "Unmatched+"}},
		{"too many failed entries, all created", &wickrapi.BatchCreateUserOutput{Successful: created("a", "b", "c"), Failed: failedEntries(exists)}, []string{"ok", "ok", "ok"}},
		{"too many failed entries", &wickrapi.BatchCreateUserOutput{Successful: created("a"), Failed: failedEntries(exists, exists, exists)}, []string{"ok", "Unmatched+", "Unmatched+"}},
		{"too few failed entries", &wickrapi.BatchCreateUserOutput{Successful: created("a"), Failed: failedEntries(exists)}, []string{"ok", "Unmatched+", "Unmatched+"}},
		{"empty answer", &wickrapi.BatchCreateUserOutput{}, []string{"Unmatched+", "Unmatched+", "Unmatched+"}},
		{"nil answer", nil, []string{"Unmatched+", "Unmatched+", "Unmatched+"}},
	}
	items := []wickr.NewUser{newUser("12345678", "a"), newUser("12345678", "b"), newUser("12345678", "c")}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &cannedAPI{answer: func(*wickrapi.BatchCreateUserInput) (*wickrapi.BatchCreateUserOutput, error) { return tt.out, nil }}
			res, err := wickr.New(api).Call(context.Background(), "12345678", items)
			if err != nil {
				t.Fatalf("Call() error = %v", err)
			}
			if got := codes(res); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			for i, r := range res {
				switch {
				case r.Err == nil:
					if r.Value.User.Username == nil || *r.Value.User.Username != items[i].Username || r.Value.UserId == "" {
						t.Errorf("user %s created with record %+v", items[i].Username, r.Value)
					}
				case r.Err.Operation != "BatchCreateUser" || r.Err.Message == "":
					t.Errorf("user %s: error %+v lacks operation or message", items[i].Username, r.Err)
				}
			}
		})
	}
}

func codes(res []batch.Result[wickr.Result]) []string {
	out := make([]string, len(res))
	for i, r := range res {
		switch {
		case r.Err == nil:
			out[i] = "ok"
		case r.Err.Retryable:
			out[i] = string(r.Err.Code) + "+"
		default:
			out[i] = string(r.Err.Code)
		}
	}
	return out
}

func TestCallWithDuplicateUserNames(t *testing.T) {
	// The engine never sends one user name twice in a call; a direct caller
	// might.
	api := &cannedAPI{answer: func(*wickrapi.BatchCreateUserInput) (*wickrapi.BatchCreateUserOutput, error) {
		return &wickrapi.BatchCreateUserOutput{Successful: created("a", "b"), Failed: failedEntries(exists)}, nil
	}}
	items := []wickr.NewUser{newUser("12345678", "a"), newUser("12345678", "b"), newUser("12345678", "a")}
	res, err := wickr.New(api).Call(context.Background(), "12345678", items)
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(res); fmt.Sprint(got) != "[Unmatched ok Unmatched]" {
		t.Errorf("got %v, want the two copies of a Unmatched and b created", got)
	}
}

// TestEntryClassification checks the reading of failed entries, which carry
// only a field and a reason.
func TestEntryClassification(t *testing.T) {
	tests := []struct {
		field, reason string
		want          string // code, "+" when retryable, then "/" and the field
	}{
		{"username", "User already exists", "Conflict/Username"},
		{"username", "A user with this email address exists", "Conflict/Username"},
		{"", "User already exists", "Conflict/"},
		{"email", "Already exists in the network", "Conflict/email"},
		{"username", "User does not exist", "InvalidInput/Username"},
		{"username", "User doesn't exist", "InvalidInput/Username"},
		{"username", "Username is required", "InvalidInput/Username"},
		{"securityGroupIds", "Security group not found", "InvalidInput/SecurityGroupIds"},
		{"securityGroupIds", "A user can belong to only one security group", "InvalidInput/SecurityGroupIds"},
		{"users[2].inviteCodeTtl", "must be positive", "InvalidInput/InviteCodeTtl"},
		{"firstName", "too long", "InvalidInput/FirstName"},
		{"", "Internal server error, please retry", "Internal+/"},
		{"", "internal error", "Internal+/"},
		{"", "Please try again later", "Internal+/"},
		{"", "Service unavailable", "Internal+/"},
		{"", "Rate limit exceeded", "Throttled+/"},
		{"", "Request throttled", "Throttled+/"},
		{"", "Something nobody has seen", "InvalidInput/"},
		{"weird", "", "InvalidInput/weird"},
	}
	for _, tt := range tests {
		api := &cannedAPI{answer: func(*wickrapi.BatchCreateUserInput) (*wickrapi.BatchCreateUserOutput, error) {
			return &wickrapi.BatchCreateUserOutput{Failed: []wickrapi.BatchUserErrorResponseItem{
				{UserId: aws.String("0"), Field: aws.String(tt.field), Reason: aws.String(tt.reason)},
			}}, nil
		}}
		res, err := wickr.New(api).Call(context.Background(), "12345678", []wickr.NewUser{newUser("12345678", "u")})
		if err != nil {
			t.Fatal(err)
		}
		e := res[0].Err
		if e == nil {
			t.Errorf("%q/%q: got success", tt.field, tt.reason)
			continue
		}
		got := string(e.Code)
		if e.Retryable {
			got += "+"
		}
		got += "/" + e.Field
		if got != tt.want {
			t.Errorf("%q/%q: got %s, want %s", tt.field, tt.reason, got, tt.want)
		}
		if tt.reason != "" && e.Message != tt.reason {
			t.Errorf("%q/%q: message %q, want the reason", tt.field, tt.reason, e.Message)
		}
		if tt.reason == "" && e.Message == "" {
			t.Errorf("%q/%q: empty message", tt.field, tt.reason)
		}
	}
}

// TestConflictAfterLostAnswer checks the note on conflicts for users that a
// call whose answer was lost (or not attributable) may have created.
func TestConflictAfterLostAnswer(t *testing.T) {
	lost := &smithy.OperationError{ServiceID: "Wickr", OperationName: "BatchCreateUser", Err: &smithyhttp.RequestSendError{Err: fmt.Errorf("connection reset")}}
	step := 0
	api := &cannedAPI{answer: func(in *wickrapi.BatchCreateUserInput) (*wickrapi.BatchCreateUserOutput, error) {
		step++
		switch step {
		case 1: // a and b: the answer is lost (b was created)
			return nil, lost
		case 2: // b with c: b exists, c is created
			return &wickrapi.BatchCreateUserOutput{Successful: created("c"), Failed: failedEntries(exists)}, nil
		case 3: // b again: exists, and no answer was lost since the last final one
			return &wickrapi.BatchCreateUserOutput{Failed: failedEntries(exists)}, nil
		case 4: // d: the answer names a stranger
			return &wickrapi.BatchCreateUserOutput{Successful: created("x")}, nil
		default: // d: exists
			return &wickrapi.BatchCreateUserOutput{Failed: failedEntries(exists)}, nil
		}
	}}
	a := wickr.New(api)
	call := func(names ...string) []batch.Result[wickr.Result] {
		t.Helper()
		var items []wickr.NewUser
		for _, n := range names {
			items = append(items, newUser("12345678", n))
		}
		res, err := a.Call(context.Background(), "12345678", items)
		if step == 1 {
			if err == nil {
				t.Fatal("lost answer: no error")
			}
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	const note = "this run may have created the user"
	call("a", "b")
	res := call("b", "c")
	if e := res[0].Err; e == nil || e.Code != batch.CodeConflict || e.Retryable || !strings.Contains(e.Message, note) {
		t.Errorf("b after a lost answer: %v, want a permanent Conflict noting the lost answer", e)
	}
	if res[1].Err != nil {
		t.Errorf("c: %v, want created", res[1].Err)
	}
	res = call("b")
	if e := res[0].Err; e == nil || e.Code != batch.CodeConflict || strings.Contains(e.Message, note) {
		t.Errorf("b again: %v, want a Conflict without the note (its last answer was final)", e)
	}
	res = call("d")
	if e := res[0].Err; e == nil || e.Code != batch.CodeUnmatched || !e.Retryable {
		t.Fatalf("d with a stranger in the answer: %v, want retryable Unmatched", e)
	}
	res = call("d")
	if e := res[0].Err; e == nil || e.Code != batch.CodeConflict || !strings.Contains(e.Message, note) {
		t.Errorf("d after an unattributable answer: %v, want a Conflict noting it", e)
	}
}
