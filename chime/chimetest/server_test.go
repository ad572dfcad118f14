package chimetest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	//lint:ignore SA1019 the legacy Amazon Chime API, deprecated with its end of support, is what this package wraps.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"
	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"
	"github.com/aws/smithy-go"
	"go.uber.org/goleak"

	"github.com/batchkit/batchkit/chime/chimetest"
)

func staticCreds(key, secret string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, nil
	})
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func item(id string, license chimetypes.License) chimetypes.UpdateUserRequestItem {
	return chimetypes.UpdateUserRequestItem{UserId: aws.String(id), LicenseType: license}
}

func update(t *testing.T, c *chimesdk.Client, account string, items ...chimetypes.UpdateUserRequestItem) (*chimesdk.BatchUpdateUserOutput, error) {
	t.Helper()
	return c.BatchUpdateUser(context.Background(), &chimesdk.BatchUpdateUserInput{AccountId: aws.String(account), UpdateUserRequestItems: items})
}

func TestBatchUpdateUser(t *testing.T) {
	srv := chimetest.NewServer()
	defer srv.Close()
	srv.AddUser("acct-1", "u1", chimetypes.LicenseBasic)
	srv.AddUser("acct-1", "u2", chimetypes.LicenseBasic)
	srv.AddAccount("acct-2")

	alexa := &chimetypes.AlexaForBusinessMetadata{IsAlexaForBusinessEnabled: aws.Bool(true)}
	out, err := update(t, srv.Client(), "acct-1",
		chimetypes.UpdateUserRequestItem{UserId: aws.String("u1"), LicenseType: chimetypes.LicensePro, UserType: chimetypes.UserTypeSharedDevice, AlexaForBusinessMetadata: alexa},
		item("ghost", chimetypes.LicensePro),
		item("u2", "Gold"),
	)
	if err != nil {
		t.Fatalf("BatchUpdateUser() error = %v", err)
	}
	got := map[string]chimetypes.ErrorCode{}
	for _, ue := range out.UserErrors {
		got[aws.ToString(ue.UserId)] = ue.ErrorCode
	}
	want := map[string]chimetypes.ErrorCode{"ghost": chimetypes.ErrorCodeNotFound, "u2": chimetypes.ErrorCodeBadRequest}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("UserErrors = %v, want %v", got, want)
	}

	u1, ok := srv.User("acct-1", "u1")
	if !ok || u1.LicenseType != chimetypes.LicensePro || u1.UserType != chimetypes.UserTypeSharedDevice || u1.Updates != 1 ||
		u1.AlexaForBusinessMetadata == nil || !aws.ToBool(u1.AlexaForBusinessMetadata.IsAlexaForBusinessEnabled) {
		t.Errorf("User(u1) = %+v, %v; want Pro SharedDevice with Alexa enabled, 1 update", u1, ok)
	}
	if u2, _ := srv.User("acct-1", "u2"); u2.LicenseType != chimetypes.LicenseBasic || u2.Updates != 0 {
		t.Errorf("User(u2) = %+v, want unchanged", u2)
	}
	if _, ok := srv.User("acct-1", "ghost"); ok {
		t.Error("User(ghost) exists")
	}
	if n := len(srv.Users("acct-1")); n != 2 {
		t.Errorf("Users(acct-1) has %d users, want 2", n)
	}

	// An empty list is allowed by the model.
	if out, err := update(t, srv.Client(), "acct-2", []chimetypes.UpdateUserRequestItem{}...); err != nil || len(out.UserErrors) != 0 {
		t.Errorf("empty BatchUpdateUser = %+v, %v; want no errors", out, err)
	}

	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("got %d logged requests, want 2", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/accounts/acct-1/users" || r.Query != "" || r.Operation != "BatchUpdateUser" || r.Status != 200 {
		t.Errorf("logged %s %s?%s op %q status %d, want POST /accounts/acct-1/users op BatchUpdateUser 200", r.Method, r.Path, r.Query, r.Operation, r.Status)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if auth := r.Header.Get("Authorization"); !strings.Contains(auth, "/us-east-1/chime/aws4_request") {
		t.Errorf("Authorization = %q, want a us-east-1/chime credential scope", auth)
	}
	if !strings.Contains(string(r.Body), `"UpdateUserRequestItems":[`) {
		t.Errorf("body = %s", r.Body)
	}
}

// apiError returns err's API error code and HTTP status.
func apiError(t *testing.T, err error) (string, int) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an API error", err)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error %v carries no HTTP response", err)
	}
	if re.RequestID == "" {
		t.Errorf("error %v carries no request ID", err)
	}
	return ae.ErrorCode(), re.HTTPStatusCode()
}

func TestErrors(t *testing.T) {
	users := func(n int) []chimetypes.UpdateUserRequestItem {
		items := make([]chimetypes.UpdateUserRequestItem, n)
		for i := range items {
			items[i] = item(fmt.Sprintf("u%d", i), chimetypes.LicensePlus)
		}
		return items
	}
	badCreds := func(o *chimesdk.Options) {
		o.Credentials = staticCreds(chimetest.AccessKeyID, "wrong-secret")
	}
	tests := []struct {
		name    string
		opts    func(*chimetest.Options)
		call    func(*chimetest.Server) error
		code    string
		status  int
		typed   any // the modeled error type the SDK must produce, or nil
		fault   string
		applied bool
	}{
		{"unknown account", nil, func(s *chimetest.Server) error {
			_, err := update(t, s.Client(), "nope", users(2)...)
			return err
		}, "NotFoundException", 404, new(*chimetypes.NotFoundException), "", false},
		{"too many items", nil, func(s *chimetest.Server) error {
			_, err := update(t, s.Client(), "acct", users(21)...)
			return err
		}, "BadRequestException", 400, new(*chimetypes.BadRequestException), "", false},
		{"blank user", nil, func(s *chimetest.Server) error {
			_, err := update(t, s.Client(), "acct", item("u1", chimetypes.LicensePro), item(" ", chimetypes.LicensePro))
			return err
		}, "BadRequestException", 400, new(*chimetypes.BadRequestException), "", false},
		{"poison", func(o *chimetest.Options) { o.Faults.Poison = []string{"u3"} }, func(s *chimetest.Server) error {
			_, err := update(t, s.Client(), "acct", users(5)...)
			return err
		}, "BadRequestException", 400, new(*chimetypes.BadRequestException), "poison", false},
		{"bad signature", nil, func(s *chimetest.Server) error {
			_, err := update(t, s.Client(badCreds), "acct", users(2)...)
			return err
		}, "UnauthorizedClientException", 401, new(*chimetypes.UnauthorizedClientException), "signature", false},
		{"unknown key", nil, func(s *chimetest.Server) error {
			_, err := update(t, s.Client(func(o *chimesdk.Options) {
				o.Credentials = staticCreds("AKIDUNKNOWN", "x")
			}), "acct", users(2)...)
			return err
		}, "UnauthorizedClientException", 401, new(*chimetypes.UnauthorizedClientException), "unknown-key", false},
		{"generic auth errors", func(o *chimetest.Options) { o.GenericAuthErrors = true }, func(s *chimetest.Server) error {
			_, err := update(t, s.Client(badCreds), "acct", users(2)...)
			return err
		}, "InvalidSignatureException", 403, nil, "signature", false},
		{"throttled", func(o *chimetest.Options) { o.Faults.Quota, o.Faults.QuotaBurst = 0.001, 1 }, func(s *chimetest.Server) error {
			if _, err := update(t, s.Client(), "acct", users(2)...); err != nil {
				return fmt.Errorf("first call: %w", err)
			}
			_, err := update(t, s.Client(), "acct", users(2)...)
			return err
		}, "ThrottledClientException", 429, new(*chimetypes.ThrottledClientException), "throttle", true},
		{"internal", func(o *chimetest.Options) { o.Faults.CallFailureRate = 1 }, func(s *chimetest.Server) error {
			_, err := update(t, s.Client(), "acct", users(2)...)
			return err
		}, "ServiceFailureException", 500, new(*chimetypes.ServiceFailureException), "internal", false},
		{"suspend is not served", nil, func(s *chimetest.Server) error {
			_, err := s.Client().BatchSuspendUser(context.Background(), &chimesdk.BatchSuspendUserInput{AccountId: aws.String("acct"), UserIdList: []string{"u1"}})
			return err
		}, "UnknownOperationException", 404, nil, "", false},
		{"list users is not served", nil, func(s *chimetest.Server) error {
			_, err := s.Client().ListUsers(context.Background(), &chimesdk.ListUsersInput{AccountId: aws.String("acct")})
			return err
		}, "UnknownOperationException", 404, nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var optFns []func(*chimetest.Options)
			if tt.opts != nil {
				optFns = append(optFns, tt.opts)
			}
			srv := chimetest.NewServer(optFns...)
			defer srv.Close()
			for i := range 21 {
				srv.AddUser("acct", fmt.Sprintf("u%d", i), chimetypes.LicenseBasic)
			}
			err := tt.call(srv)
			if err == nil {
				t.Fatal("call succeeded, want an error")
			}
			code, status := apiError(t, err)
			if code != tt.code || status != tt.status {
				t.Errorf("got %s (%d), want %s (%d)", code, status, tt.code, tt.status)
			}
			if tt.typed != nil && !errors.As(err, tt.typed) {
				t.Errorf("error %v is not a %T", err, tt.typed)
			}
			reqs := srv.Requests()
			if last := reqs[len(reqs)-1]; last.Fault != tt.fault {
				t.Errorf("logged fault %q, want %q", last.Fault, tt.fault)
			}
			u, _ := srv.User("acct", "u1")
			if applied := u.Updates > 0; applied != tt.applied {
				t.Errorf("user u1 applied = %v, want %v", applied, tt.applied)
			}
		})
	}
}

func TestErrorBodyCarriesShortCode(t *testing.T) {
	srv := chimetest.NewServer()
	defer srv.Close()
	_, err := update(t, srv.Client(), "missing", item("u1", chimetypes.LicensePro))
	var nf *chimetypes.NotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("error = %v, want NotFoundException", err)
	}
	if nf.Code != chimetypes.ErrorCodeNotFound || aws.ToString(nf.Message) == "" {
		t.Errorf("NotFoundException = Code %q Message %q, want Code NotFound and a message", nf.Code, aws.ToString(nf.Message))
	}
}

func TestItemFailures(t *testing.T) {
	srv := chimetest.NewServer(func(o *chimetest.Options) {
		o.Faults.ItemFailureRate = 1
		o.ItemFailureCodes = []chimetypes.ErrorCode{chimetypes.ErrorCodeThrottled, chimetypes.ErrorCodeServiceUnavailable}
	})
	defer srv.Close()
	srv.AddUser("acct", "u1", chimetypes.LicenseBasic)
	srv.AddUser("acct", "u2", chimetypes.LicenseBasic)
	srv.AddUser("acct", "u3", chimetypes.LicenseBasic)
	out, err := update(t, srv.Client(), "acct", item("u1", chimetypes.LicensePro), item("u2", chimetypes.LicensePro), item("u3", chimetypes.LicensePro))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ue := range out.UserErrors {
		got = append(got, aws.ToString(ue.UserId)+"="+string(ue.ErrorCode))
	}
	want := []string{"u1=Throttled", "u2=ServiceUnavailable", "u3=Throttled"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("UserErrors = %v, want %v", got, want)
	}
	for _, u := range srv.Users("acct") {
		if u.Updates != 0 || u.LicenseType != chimetypes.LicenseBasic {
			t.Errorf("user %s = %+v, want unchanged", u.UserId, u)
		}
	}
}

func TestDefaultItemFailureCodes(t *testing.T) {
	srv := chimetest.NewServer(func(o *chimetest.Options) { o.Faults.ItemFailureRate = 1 })
	defer srv.Close()
	srv.AddUser("acct", "u1", chimetypes.LicenseBasic)
	srv.AddUser("acct", "u2", chimetypes.LicenseBasic)
	out, err := update(t, srv.Client(), "acct", item("u1", chimetypes.LicensePro), item("u2", chimetypes.LicensePro))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.UserErrors) != 2 {
		t.Fatalf("got %d UserErrors, want 2", len(out.UserErrors))
	}
	for _, ue := range out.UserErrors {
		if ue.ErrorCode != chimetypes.ErrorCodeServiceFailure {
			t.Errorf("user %s got %s, want ServiceFailure", aws.ToString(ue.UserId), ue.ErrorCode)
		}
	}
}

func TestMalformedAndDropped(t *testing.T) {
	srv := chimetest.NewServer(func(o *chimetest.Options) { o.Faults.MalformedRate = 1 })
	defer srv.Close()
	srv.AddUser("acct", "u1", chimetypes.LicenseBasic)
	c := srv.Client()
	for range 5 {
		// Some corruptions decode (an empty body, null, a stranger), which
		// is why adapters must check answers; here only the log matters.
		_, _ = update(t, c, "acct", item("u1", chimetypes.LicensePro))
	}
	reqs := srv.Requests()
	if len(reqs) < 5 {
		t.Fatalf("got %d requests, want at least 5", len(reqs))
	}
	for _, r := range reqs {
		if r.Fault != "malformed" || r.Status != 200 {
			t.Errorf("request logged with status %d fault %q, want 200 malformed", r.Status, r.Fault)
		}
	}
	if u, _ := srv.User("acct", "u1"); u.Updates != len(reqs) {
		t.Errorf("user applied %d times, want %d (a corrupted answer is still applied)", u.Updates, len(reqs))
	}

	srv.SetFaults(chimetest.Faults{DropRate: 1})
	srv.ResetRequests()
	_, err := update(t, c, "acct", item("u1", chimetypes.LicensePlus))
	if err == nil {
		t.Fatal("dropped answer: call succeeded")
	}
	if u, _ := srv.User("acct", "u1"); u.LicenseType != chimetypes.LicensePlus {
		t.Errorf("dropped answer: license = %s, want Plus (the update is committed)", u.LicenseType)
	}
	for _, r := range srv.Requests() {
		if r.Fault != "drop" {
			t.Errorf("request logged with fault %q, want drop", r.Fault)
		}
	}
}

func TestPathEscapedAccount(t *testing.T) {
	srv := chimetest.NewServer()
	defer srv.Close()
	srv.AddUser("acct/with space", "u1", chimetypes.LicenseBasic)
	out, err := update(t, srv.Client(), "acct/with space", item("u1", chimetypes.LicensePro))
	if err != nil || len(out.UserErrors) != 0 {
		t.Fatalf("BatchUpdateUser() = %+v, %v", out, err)
	}
	if u, _ := srv.User("acct/with space", "u1"); u.LicenseType != chimetypes.LicensePro {
		t.Errorf("license = %s, want Pro", u.LicenseType)
	}
}
