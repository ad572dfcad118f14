package wickrtest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"go.uber.org/goleak"

	"github.com/batchkit/batchkit/wickr/wickrapi"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const net1 = "12345678"

func staticCreds(key, secret string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, nil
	})
}

func user(name string, groups ...string) wickrapi.BatchCreateUserRequestItem {
	if groups == nil {
		groups = []string{"sg-1"}
	}
	return wickrapi.BatchCreateUserRequestItem{Username: aws.String(name), SecurityGroupIds: groups}
}

func create(c *wickrapi.Client, network string, users ...wickrapi.BatchCreateUserRequestItem) (*wickrapi.BatchCreateUserOutput, error) {
	return c.BatchCreateUser(context.Background(), &wickrapi.BatchCreateUserInput{NetworkId: aws.String(network), Users: users})
}

func failures(out *wickrapi.BatchCreateUserOutput) []string {
	var got []string
	for _, f := range out.Failed {
		got = append(got, aws.ToString(f.UserId)+"/"+aws.ToString(f.Field)+"/"+aws.ToString(f.Reason))
	}
	return got
}

func TestBatchCreateUser(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	srv.AddNetwork(net1, "sg-1", "sg-2")
	srv.AddUser(net1, "old@example.com", "sg-1")

	out, err := srv.Client().BatchCreateUser(context.Background(), &wickrapi.BatchCreateUserInput{
		NetworkId:   aws.String(net1),
		ClientToken: aws.String("tok-1"),
		Users: []wickrapi.BatchCreateUserRequestItem{
			{Username: aws.String("john@example.com"), SecurityGroupIds: []string{"sg-1"}, FirstName: aws.String("John"),
				LastName: aws.String("Doe"), InviteCode: aws.String("INV123"), InviteCodeTtl: aws.Int32(7), CodeValidation: aws.Bool(true)},
			user("old@example.com"),
			user("jane@example.com", "sg-2"),
			user("jane@example.com"),
			user("nogroup@example.com", "sg-9"),
			user("two@example.com", "sg-1", "sg-2"),
			user("none@example.com", []string{}...),
			user(""),
		},
	})
	if err != nil {
		t.Fatalf("BatchCreateUser() error = %v", err)
	}
	var created []string
	for _, u := range out.Successful {
		created = append(created, aws.ToString(u.Username)+"="+aws.ToString(u.UserId))
	}
	if want := []string{"john@example.com=2", "jane@example.com=3"}; fmt.Sprint(created) != fmt.Sprint(want) {
		t.Errorf("successful = %v, want %v", created, want)
	}
	want := []string{
		"0/username/User already exists",
		"0/username/User already exists",
		"0/securityGroupIds/Security group not found",
		"0/securityGroupIds/A user can belong to only one security group",
		"0/securityGroupIds/A security group is required",
		"0/username/Username is required",
	}
	if got := failures(out); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("failed =\n %v\nwant\n %v", got, want)
	}
	john := out.Successful[0]
	if aws.ToString(john.FirstName) != "John" || aws.ToString(john.InviteCode) != "INV123" || !aws.ToBool(john.CodeValidation) ||
		aws.ToInt32(john.Status) != 1 || fmt.Sprint(john.SecurityGroups) != "[sg-1]" {
		t.Errorf("john = %+v", john)
	}
	if jane := out.Successful[1]; aws.ToString(jane.InviteCode) != "INVITE3" || fmt.Sprint(jane.SecurityGroups) != "[sg-2]" {
		t.Errorf("jane invite code %q groups %v, want a generated code and sg-2", aws.ToString(jane.InviteCode), jane.SecurityGroups)
	}
	u, ok := srv.User(net1, "john@example.com")
	if !ok || u.LastName != "Doe" || u.InviteCodeTtl != 7 || !u.CodeValidation || u.NetworkId != net1 {
		t.Errorf("User(john) = %+v, %v", u, ok)
	}
	users := srv.Users(net1)
	var names []string
	for _, u := range users {
		names = append(names, u.Username)
	}
	if fmt.Sprint(names) != "[old@example.com john@example.com jane@example.com]" {
		t.Errorf("Users() = %v, want creation order", names)
	}
	if srv.Created() != 2 {
		t.Errorf("Created() = %d, want 2 (seeded users do not count)", srv.Created())
	}

	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d logged requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/networks/12345678/users" || r.Operation != "BatchCreateUser" || r.Status != 200 || r.Fault != "item-errors" {
		t.Errorf("logged %s %s op %q status %d fault %q", r.Method, r.Path, r.Operation, r.Status, r.Fault)
	}
	if r.Header.Get("X-Client-Token") != "tok-1" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", r.Header)
	}
	if auth := r.Header.Get("Authorization"); !strings.Contains(auth, "/us-east-1/wickr/aws4_request") {
		t.Errorf("Authorization = %q, want a us-east-1/wickr credential scope", auth)
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
	users := func(n int) []wickrapi.BatchCreateUserRequestItem {
		items := make([]wickrapi.BatchCreateUserRequestItem, n)
		for i := range items {
			items[i] = user(fmt.Sprintf("u%d@example.com", i))
		}
		return items
	}
	badCreds := func(o *wickrapi.Options) {
		o.Credentials = staticCreds(wickrtest.AccessKeyID, "wrong-secret")
	}
	call := func(s *wickrtest.Server, c *wickrapi.Client, network string, items ...wickrapi.BatchCreateUserRequestItem) error {
		if c == nil {
			c = s.Client(func(o *wickrapi.Options) { o.RetryMaxAttempts = 1 })
		}
		_, err := create(c, network, items...)
		return err
	}
	tests := []struct {
		name    string
		opts    func(*wickrtest.Options)
		call    func(*wickrtest.Server) error
		code    string
		status  int
		typed   any
		fault   string
		created int
	}{
		{"unknown network", nil, func(s *wickrtest.Server) error { return call(s, nil, "87654321", users(2)...) },
			"ResourceNotFoundError", 404, new(*wickrapi.ResourceNotFoundError), "", 0},
		{"bad network id", nil, func(s *wickrtest.Server) error { return call(s, nil, "1234", users(2)...) },
			"ValidationError", 422, new(*wickrapi.ValidationError), "", 0},
		{"too many users", nil, func(s *wickrtest.Server) error { return call(s, nil, net1, users(51)...) },
			"BadRequestError", 400, new(*wickrapi.BadRequestError), "", 0},
		{"blank security group", nil, func(s *wickrtest.Server) error { return call(s, nil, net1, user("a"), user("b", "sg 1")) },
			"ValidationError", 422, new(*wickrapi.ValidationError), "", 0},
		{"poison", func(o *wickrtest.Options) { o.Faults.Poison = []string{"u3@example.com"} },
			func(s *wickrtest.Server) error { return call(s, nil, net1, users(5)...) },
			"ValidationError", 422, new(*wickrapi.ValidationError), "poison", 0},
		{"bad signature", nil, func(s *wickrtest.Server) error { return call(s, s.Client(badCreds), net1, users(2)...) },
			"UnauthorizedError", 401, new(*wickrapi.UnauthorizedError), "signature", 0},
		{"unknown key", nil, func(s *wickrtest.Server) error {
			return call(s, s.Client(func(o *wickrapi.Options) { o.Credentials = staticCreds("AKIDUNKNOWN", "x") }), net1, users(2)...)
		}, "UnauthorizedError", 401, new(*wickrapi.UnauthorizedError), "unknown-key", 0},
		{"generic auth errors", func(o *wickrtest.Options) { o.GenericAuthErrors = true },
			func(s *wickrtest.Server) error { return call(s, s.Client(badCreds), net1, users(2)...) },
			"InvalidSignatureException", 403, nil, "signature", 0},
		{"throttled", func(o *wickrtest.Options) { o.Faults.Quota, o.Faults.QuotaBurst = 0.001, 1 }, func(s *wickrtest.Server) error {
			if err := call(s, nil, net1, users(2)...); err != nil {
				return fmt.Errorf("first call: %w", err)
			}
			return call(s, nil, net1, user("other"))
		}, "RateLimitError", 429, new(*wickrapi.RateLimitError), "throttle", 2},
		{"internal", func(o *wickrtest.Options) { o.Faults.CallFailureRate = 1 },
			func(s *wickrtest.Server) error { return call(s, nil, net1, users(2)...) },
			"InternalServerError", 500, new(*wickrapi.InternalServerError), "internal", 0},
		{"token reused with another body", nil, func(s *wickrtest.Server) error {
			c := s.Client()
			in := &wickrapi.BatchCreateUserInput{NetworkId: aws.String(net1), ClientToken: aws.String("t"), Users: users(1)}
			if _, err := c.BatchCreateUser(context.Background(), in); err != nil {
				return fmt.Errorf("first call: %w", err)
			}
			in.Users = users(2)
			_, err := c.BatchCreateUser(context.Background(), in)
			return err
		}, "BadRequestError", 400, new(*wickrapi.BadRequestError), "", 1},
		{"invalid token", nil, func(s *wickrtest.Server) error {
			_, err := s.Client().BatchCreateUser(context.Background(), &wickrapi.BatchCreateUserInput{
				NetworkId: aws.String(net1), ClientToken: aws.String("no spaces allowed"), Users: users(1)})
			return err
		}, "ValidationError", 422, new(*wickrapi.ValidationError), "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var optFns []func(*wickrtest.Options)
			if tt.opts != nil {
				optFns = append(optFns, tt.opts)
			}
			srv := wickrtest.NewServer(optFns...)
			defer srv.Close()
			srv.AddNetwork(net1, "sg-1")
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
			if n := srv.Created(); n != tt.created {
				t.Errorf("created %d users, want %d", n, tt.created)
			}
		})
	}
}

func TestErrorBodies(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.Poison = []string{"bad"} })
	defer srv.Close()
	srv.AddNetwork(net1, "sg-1")
	c := srv.Client()

	_, err := create(c, "87654321", user("a"))
	var nf *wickrapi.ResourceNotFoundError
	if !errors.As(err, &nf) || aws.ToString(nf.Message) == "" {
		t.Errorf("unknown network: %v, want ResourceNotFoundError with a message", err)
	}
	_, err = create(c, net1, user("a"), user("bad"))
	var ve *wickrapi.ValidationError
	if !errors.As(err, &ve) || len(ve.Reasons) != 1 || aws.ToString(ve.Reasons[0].Field) != "users[1].username" {
		t.Fatalf("poison: %v, want a ValidationError naming users[1].username", err)
	}
	r := srv.Requests()[1]
	if r.Status != 422 || !strings.Contains(r.Header.Get("Authorization"), "wickr") {
		t.Errorf("poison logged status %d", r.Status)
	}
}

// TestIdempotency checks client tokens: the same token and request get the
// first answer and create nobody; the answer survives a dropped response.
func TestIdempotency(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.DropRate = 1 })
	defer srv.Close()
	srv.AddNetwork(net1, "sg-1")
	c := srv.Client(func(o *wickrapi.Options) { o.RetryMaxAttempts = 1 })
	in := &wickrapi.BatchCreateUserInput{NetworkId: aws.String(net1), Users: []wickrapi.BatchCreateUserRequestItem{user("a"), user("b")}}
	if _, err := c.BatchCreateUser(context.Background(), in); err == nil {
		t.Fatal("dropped answer: call succeeded")
	}
	srv.WaitIdle()
	if srv.Created() != 2 {
		t.Fatalf("created %d users before the drop, want 2 (the answer is committed)", srv.Created())
	}
	token := aws.ToString(in.ClientToken)
	if token == "" {
		t.Fatal("the client did not set a token")
	}

	srv.SetFaults(wickrtest.Faults{})
	out, err := c.BatchCreateUser(context.Background(), in) // the same input, so the same token
	if err != nil {
		t.Fatalf("resend: %v", err)
	}
	if len(out.Successful) != 2 || len(out.Failed) != 0 {
		t.Errorf("resend answered %d created, %v; want the first answer (2 created)", len(out.Successful), failures(out))
	}
	if srv.Created() != 2 || len(srv.Users(net1)) != 2 {
		t.Errorf("created %d users, network holds %d; want 2 and 2", srv.Created(), len(srv.Users(net1)))
	}
	reqs := srv.Requests()
	if last := reqs[len(reqs)-1]; last.Fault != "replay" || last.Header.Get("X-Client-Token") != token {
		t.Errorf("resend logged fault %q token %q, want replay with %q", last.Fault, last.Header.Get("X-Client-Token"), token)
	}

	// Without the token the same users are refused as existing.
	out, err = create(c, net1, user("a"), user("b"))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 0 || len(out.Failed) != 2 {
		t.Errorf("new token: %d created, %v; want two existing users", len(out.Successful), failures(out))
	}

	// A 5xx is not kept: the token can be used again.
	srv.SetFaults(wickrtest.Faults{CallFailureRate: 1})
	in2 := &wickrapi.BatchCreateUserInput{NetworkId: aws.String(net1), ClientToken: aws.String("t2"), Users: []wickrapi.BatchCreateUserRequestItem{user("c")}}
	if _, err := c.BatchCreateUser(context.Background(), in2); err == nil {
		t.Fatal("internal failure: call succeeded")
	}
	srv.SetFaults(wickrtest.Faults{})
	if out, err := c.BatchCreateUser(context.Background(), in2); err != nil || len(out.Successful) != 1 {
		t.Errorf("after a 5xx: %+v, %v; want c created", out, err)
	}
}

func TestItemFailures(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) {
		o.Faults.ItemFailureRate = 1
		o.ItemFailureReasons = []string{"Rate limit exceeded", "Internal server error"}
	})
	defer srv.Close()
	srv.AddNetwork(net1, "sg-1")
	out, err := create(srv.Client(), net1, user("a"), user("b"), user("c"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"0//Rate limit exceeded", "0//Internal server error", "0//Rate limit exceeded"}
	if got := failures(out); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("failed = %v, want %v", got, want)
	}
	if len(out.Successful) != 0 || srv.Created() != 0 {
		t.Errorf("%d created, want none", srv.Created())
	}
}

func TestDefaultItemFailureReasons(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.ItemFailureRate = 1 })
	defer srv.Close()
	srv.AddNetwork(net1, "sg-1")
	out, err := create(srv.Client(), net1, user("a"))
	if err != nil {
		t.Fatal(err)
	}
	if got := failures(out); fmt.Sprint(got) != "[0//"+wickrtest.DefaultItemFailureReasons[0]+"]" {
		t.Errorf("failed = %v", got)
	}
}

func TestMalformedAndDropped(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.MalformedRate = 1 })
	defer srv.Close()
	srv.AddNetwork(net1, "sg-1")
	c := srv.Client(func(o *wickrapi.Options) { o.RetryMaxAttempts = 1 })
	var bodies []string
	for i := range 6 {
		// Some corruptions decode, which is why the adapter checks answers;
		// here only what was sent matters.
		_, _ = create(c, net1, user(fmt.Sprintf("u%d", i)))
	}
	for _, r := range srv.Requests() {
		if r.Fault != "malformed" || r.Status != 200 {
			t.Errorf("request logged with status %d fault %q, want 200 malformed", r.Status, r.Fault)
		}
		bodies = append(bodies, string(r.Body))
	}
	if len(bodies) != 6 {
		t.Fatalf("got %d requests, want 6", len(bodies))
	}
	if srv.Created() != 6 {
		t.Errorf("created %d users, want 6 (a corrupted answer is still applied)", srv.Created())
	}

	srv.SetFaults(wickrtest.Faults{DropRate: 1})
	srv.ResetRequests()
	if _, err := create(c, net1, user("dropped")); err == nil {
		t.Fatal("dropped answer: call succeeded")
	}
	srv.WaitIdle()
	if _, ok := srv.User(net1, "dropped"); !ok {
		t.Error("dropped answer: the user was not created (the call is committed)")
	}
	for _, r := range srv.Requests() {
		if r.Fault != "drop" {
			t.Errorf("request logged with fault %q, want drop", r.Fault)
		}
	}
}

// TestCorruptions reads the raw corrupted answers: each of the six kinds in
// turn.
func TestCorruptions(t *testing.T) {
	srv := wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults.MalformedRate = 1 })
	defer srv.Close()
	srv.AddNetwork(net1, "sg-1")
	hc := srv.Config().HTTPClient.(*http.Client)
	var got []string
	for i := range 6 {
		// Sign through the client, read through a recording transport.
		rec := &recorder{next: hc.Transport}
		c := srv.Client(func(o *wickrapi.Options) {
			o.HTTPClient = &http.Client{Transport: rec}
			o.RetryMaxAttempts = 1
		})
		_, _ = create(c, net1, user(fmt.Sprintf("c%d", i)))
		got = append(got, rec.body)
	}
	checks := []func(string) bool{
		func(b string) bool { return strings.HasPrefix(b, `{"successful":[{`) && !strings.HasSuffix(b, "}") },
		func(b string) bool { return b == "" },
		func(b string) bool { return b == "null" },
		func(b string) bool { return strings.HasSuffix(b, `]}{"successful":[],"failed":[]}`) },
		func(b string) bool {
			return strings.Contains(b, `"username":"wickrtest-stranger-0"`) && !strings.Contains(b, `"c4"`)
		},
		func(b string) bool {
			return strings.Contains(b, `"successful":[{"userId"`) && !strings.Contains(b, `"username":`) &&
				strings.Contains(b, `"failed":[{"userId":"0","field":"username","reason":"User already exists"}]`)
		},
	}
	for i, ok := range checks {
		if !ok(got[i]) {
			t.Errorf("corruption %d: body %q", i, got[i])
		}
	}
}

type recorder struct {
	next http.RoundTripper
	body string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.body = string(b)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// signRequest signs a bodiless request with the kit's credentials.
func signRequest(t *testing.T, req *http.Request) {
	t.Helper()
	sum := sha256.Sum256(nil)
	creds := aws.Credentials{AccessKeyID: wickrtest.AccessKeyID, SecretAccessKey: wickrtest.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "wickr", wickrtest.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownOperation(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	srv.AddNetwork(net1, "sg-1")
	cfg := srv.Config()
	for _, tt := range []struct{ method, path string }{
		{http.MethodGet, "/networks/12345678/users"},
		{http.MethodPatch, "/networks/12345678/users"},
		{http.MethodPost, "/networks/12345678/bots"},
		{http.MethodPost, "/"},
	} {
		req, err := http.NewRequest(tt.method, *cfg.BaseEndpoint+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		signRequest(t, req)
		resp, err := cfg.HTTPClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != 404 || resp.Header.Get("X-Amzn-ErrorType") != "UnknownOperationException" {
			t.Errorf("%s %s: %d %q, want 404 UnknownOperationException", tt.method, tt.path, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
	}
	for _, r := range srv.Requests() {
		if r.Operation != "Unsupported" {
			t.Errorf("%s %s logged as %q", r.Method, r.Path, r.Operation)
		}
	}
}

func TestPathEscapedNetwork(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	// Not 8 digits: refused by validation, but routed, not unknown.
	_, err := create(srv.Client(), "12/34 56", user("a"))
	var ve *wickrapi.ValidationError
	if !errors.As(err, &ve) || aws.ToString(ve.Reasons[0].Field) != "networkId" {
		t.Fatalf("error = %v, want a ValidationError on networkId", err)
	}
	if r := srv.Requests()[0]; r.Operation != "BatchCreateUser" || r.RawPath != "/networks/12%2F34%2056/users" {
		t.Errorf("logged %q %q", r.Operation, r.RawPath)
	}
}
