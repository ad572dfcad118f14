package appstream_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/batch"
)

// nopAPI is a client that is never called.
type nopAPI struct{ appstream.API }

func TestValidate(t *testing.T) {
	const secret = "sensitive\x01user"
	valid := appstream.Association{StackName: "Stack", UserName: "jane@example.com", AuthenticationType: "USERPOOL"}
	with := func(f func(*appstream.Association)) appstream.Association {
		a := valid
		f(&a)
		return a
	}
	for _, tc := range []struct {
		name  string
		item  appstream.Association
		field string // "" means valid
	}{
		{"valid", valid, ""},
		{"every auth type API", with(func(a *appstream.Association) { a.AuthenticationType = "API" }), ""},
		{"SAML", with(func(a *appstream.Association) { a.AuthenticationType = "SAML" }), ""},
		{"AWS_AD", with(func(a *appstream.Association) { a.AuthenticationType = "AWS_AD" }), ""},
		{"email notification", with(func(a *appstream.Association) { a.SendEmailNotification = true }), ""},
		{"stack with spaces and colons", with(func(a *appstream.Association) { a.StackName = "my stack: 1" }), ""},
		{"user name of 128 runes", with(func(a *appstream.Association) { a.UserName = strings.Repeat("é", 128) }), ""},
		{"user name with symbols", with(func(a *appstream.Association) { a.UserName = "a+b_c-d.e'f@ex.com" }), ""},
		{"user name with non-Latin letters", with(func(a *appstream.Association) { a.UserName = "用户@例子.中国" }), ""},
		{"empty stack", with(func(a *appstream.Association) { a.StackName = "" }), "StackName"},
		{"invalid UTF-8 stack", with(func(a *appstream.Association) { a.StackName = "\xff" }), "StackName"},
		{"empty user", with(func(a *appstream.Association) { a.UserName = "" }), "UserName"},
		{"user name of 129 runes", with(func(a *appstream.Association) { a.UserName = strings.Repeat("é", 129) }), "UserName"},
		{"user name with a space", with(func(a *appstream.Association) { a.UserName = "jane doe" }), "UserName"},
		{"user name with a control character", with(func(a *appstream.Association) { a.UserName = secret }), "UserName"},
		{"user name with invalid UTF-8", with(func(a *appstream.Association) { a.UserName = "jane\xff" }), "UserName"},
		{"empty auth type", with(func(a *appstream.Association) { a.AuthenticationType = "" }), "AuthenticationType"},
		{"lower-case auth type", with(func(a *appstream.Association) { a.AuthenticationType = "userpool" }), "AuthenticationType"},
		{"unknown auth type", with(func(a *appstream.Association) { a.AuthenticationType = "OIDC" }), "AuthenticationType"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := appstream.New(nopAPI{}, appstream.Associate)
			err := a.Validate(tc.item)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			var be *batch.Error
			if !errors.As(err, &be) || be.Code != batch.CodeInvalidInput || be.Field != tc.field || be.Retryable {
				t.Fatalf("got %#v, want InvalidInput in field %s", err, tc.field)
			}
			if tc.item.UserName != "" && strings.Contains(err.Error(), tc.item.UserName) {
				t.Fatalf("error %q holds the user name", err)
			}
		})
	}
}

func TestMisconfiguredAdapterFailsValidation(t *testing.T) {
	item := appstream.Association{StackName: "S", UserName: "u", AuthenticationType: "API"}
	a := appstream.New(nopAPI{}, appstream.Action("BatchSomething"))
	var be *batch.Error
	if err := a.Validate(item); !errors.As(err, &be) || be.Code != batch.CodeInvalidInput {
		t.Fatalf("Validate: got %v, want InvalidInput", err)
	}
	_, err := a.Call(context.Background(), "", []appstream.Association{item})
	if err == nil {
		t.Fatal("Call: want an error")
	}
	if e, scope := a.Classify(err); e.Code != batch.CodeInvalidInput || scope != batch.ScopeRun {
		t.Fatalf("Classify: got %s %v, want InvalidInput run", e.Code, scope)
	}
}

func TestIdentity(t *testing.T) {
	a := appstream.New(nil, appstream.Associate)
	id := func(stack, user string, auth appstreamtypes.AuthenticationType) string {
		return a.Identity(appstream.Association{StackName: stack, UserName: user, AuthenticationType: auth})
	}
	distinct := []string{
		id("a", "b", "API"),
		id("a:", "b", "API"),
		id("a", ":b", "API"),
		id("a1:b", "", "API"),
		id("a", "bA", "PI"),
		id("a", "b", "SAML"),
		id("A", "b", "API"),
		id("a", "B", "API"),
		id("ab", "", "API"),
		id("", "ab", "API"),
		id("1:a", "b", "API"),
		id("a", "1:b", "API"),
		id("a", "b1:", "API"),
	}
	seen := map[string]int{}
	for i, s := range distinct {
		if j, ok := seen[s]; ok {
			t.Fatalf("identities %d and %d collide: %q", j, i, s)
		}
		seen[s] = i
	}
	same := appstream.Association{StackName: "s", UserName: "u", AuthenticationType: "API"}
	other := same
	other.SendEmailNotification = true
	if a.Identity(same) != a.Identity(other) {
		t.Fatalf("SendEmailNotification changed the identity")
	}
	if a.Key(same) != "" {
		t.Fatalf("Key: got %q, want empty", a.Key(same))
	}
}

func TestMaxItems(t *testing.T) {
	for _, tc := range []struct{ set, want int }{{0, 25}, {-3, 25}, {10, 10}, {25, 25}, {26, 25}, {1000, 25}} {
		a := appstream.New(nil, appstream.Associate, func(o *appstream.Options) { o.MaxItemsPerCall = tc.set })
		if got := a.MaxItems(); got != tc.want {
			t.Errorf("MaxItemsPerCall %d: got %d, want %d", tc.set, got, tc.want)
		}
	}
	if got := appstream.New(nil, appstream.Disassociate).Operation(); got != "BatchDisassociateUserStack" {
		t.Errorf("Operation: got %q", got)
	}
}

func TestInvalidItemsAreNeverSent(t *testing.T) {
	srv := newKit(t)
	items := seed(srv, 30, 1)
	items[2].UserName = "has space"
	items[9].AuthenticationType = "nope"
	rep, err := runWith(t, appstream.New(srv.Client(), appstream.Associate), items)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, rep, items)
	if rep.Failed != 2 || rep.ByCode[batch.CodeInvalidInput] != 2 || rep.Outcomes[2].Attempts != 0 {
		t.Fatalf("got %d failed, codes %v", rep.Failed, rep.ByCode)
	}
	for _, r := range srv.Requests() {
		if strings.Contains(string(r.Body), "has space") {
			t.Fatal("an invalid item was sent")
		}
	}
}

func TestSameIdentityNeverSharesACall(t *testing.T) {
	srv := newKit(t)
	items := seed(srv, 5, 1)
	dup := items[0]
	dup.SendEmailNotification = true
	items = append(items, dup, items[0])
	rep, err := runWith(t, appstream.New(srv.Client(), appstream.Associate), items)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, rep, items)
	if rep.Succeeded != len(items) || rep.Stats.Calls != 3 {
		t.Fatalf("got %d succeeded in %d calls, want %d in 3", rep.Succeeded, rep.Stats.Calls, len(items))
	}
}
