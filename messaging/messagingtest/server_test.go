package messagingtest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"go.uber.org/goleak"

	"github.com/batchkit/batchkit/messaging/messagingapi"
	"github.com/batchkit/batchkit/messaging/messagingtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	appInstance = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1"
	channel     = appInstance + "/channel/ch-1"
	admin       = appInstance + "/user/admin"
)

func user(id string) string { return appInstance + "/user/" + id }

func staticCreds(key, secret string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, nil
	})
}

func add(c *messagingapi.Client, channelArn, bearer string, arns ...string) (*messagingapi.BatchCreateChannelMembershipOutput, error) {
	return c.BatchCreateChannelMembership(context.Background(), &messagingapi.BatchCreateChannelMembershipInput{
		ChannelArn: aws.String(channelArn), ChimeBearer: aws.String(bearer), MemberArns: arns,
	})
}

func arnsOf(ids []messagingapi.Identity) []string {
	var out []string
	for _, id := range ids {
		out = append(out, aws.ToString(id.Arn))
	}
	return out
}

func TestBatchCreateChannelMembership(t *testing.T) {
	srv := messagingtest.NewServer()
	defer srv.Close()
	srv.AddChannel(channel, admin)

	bot := appInstance + "/bot/helper"
	other := "arn:aws:chime:us-east-1:111122223333:app-instance/ai-2/user/u9"
	out, err := srv.Client().BatchCreateChannelMembership(context.Background(), &messagingapi.BatchCreateChannelMembershipInput{
		ChannelArn:  aws.String(channel),
		ChimeBearer: aws.String(admin),
		MemberArns:  []string{user("u1"), bot, other, user("u1")},
		Type:        messagingapi.ChannelMembershipTypeHidden,
	})
	if err != nil {
		t.Fatalf("BatchCreateChannelMembership() error = %v", err)
	}
	m := out.BatchChannelMemberships
	if m == nil || aws.ToString(m.ChannelArn) != channel || m.Type != messagingapi.ChannelMembershipTypeHidden ||
		m.InvitedBy == nil || aws.ToString(m.InvitedBy.Arn) != admin || aws.ToString(m.InvitedBy.Name) != "admin" || m.SubChannelId != nil {
		t.Fatalf("BatchChannelMemberships = %+v", m)
	}
	if got, want := fmt.Sprint(arnsOf(m.Members)), fmt.Sprint([]string{user("u1"), bot}); got != want {
		t.Errorf("Members = %s, want %s (the duplicate answered once)", got, want)
	}
	if aws.ToString(m.Members[0].Name) != "u1" {
		t.Errorf("Members[0].Name = %q, want u1", aws.ToString(m.Members[0].Name))
	}
	if len(out.Errors) != 1 || aws.ToString(out.Errors[0].MemberArn) != other || out.Errors[0].ErrorCode != messagingapi.ErrorCodeBadRequest {
		t.Errorf("Errors = %+v, want BadRequest for the user of another app instance", out.Errors)
	}
	members := srv.Members(channel)
	if len(members) != 2 {
		t.Fatalf("Members() = %+v, want 2", members)
	}
	mem, ok := srv.Member(channel, user("u1"), "")
	if !ok || mem.Type != messagingapi.ChannelMembershipTypeHidden || mem.InvitedBy != admin || mem.Adds != 1 || mem.ChannelArn != channel {
		t.Errorf("Member(u1) = %+v, %v", mem, ok)
	}

	// Wire facts: escaped path, query, bearer header, signing name, body.
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d logged requests, want 1", len(reqs))
	}
	r := reqs[0]
	wantRaw := "/channels/arn%3Aaws%3Achime%3Aus-east-1%3A111122223333%3Aapp-instance%2Fai-1%2Fchannel%2Fch-1/memberships"
	if r.Method != "POST" || r.RawPath != wantRaw || r.Query != "operation=batch-create" || r.Operation != "BatchCreateChannelMembership" || r.Status != 200 {
		t.Errorf("logged %s %s?%s op %q status %d", r.Method, r.RawPath, r.Query, r.Operation, r.Status)
	}
	if got := r.Header.Get("X-Amz-Chime-Bearer"); got != admin {
		t.Errorf("X-Amz-Chime-Bearer = %q", got)
	}
	if auth := r.Header.Get("Authorization"); !strings.Contains(auth, "/us-east-1/chime/aws4_request") || !strings.Contains(auth, "x-amz-chime-bearer") {
		t.Errorf("Authorization = %q, want a us-east-1/chime scope signing x-amz-chime-bearer", auth)
	}
	if !strings.HasPrefix(string(r.Body), `{"MemberArns":[`) || !strings.HasSuffix(string(r.Body), `"Type":"HIDDEN"}`) {
		t.Errorf("body = %s", r.Body)
	}
}

func TestAddingAnExistingMemberSucceeds(t *testing.T) {
	srv := messagingtest.NewServer()
	defer srv.Close()
	srv.AddChannel(channel, admin)
	for range 2 {
		out, err := add(srv.Client(), channel, admin, user("u1"))
		if err != nil || len(out.Errors) != 0 || len(out.BatchChannelMemberships.Members) != 1 {
			t.Fatalf("add = %+v, %v; want u1 added", out, err)
		}
	}
	if m, _ := srv.Member(channel, user("u1"), ""); m.Adds != 2 || m.Type != messagingapi.ChannelMembershipTypeDefault {
		t.Errorf("Member(u1) = %+v, want 2 adds of a DEFAULT membership", m)
	}
	// A SubChannel holds its own memberships.
	out, err := srv.Client().BatchCreateChannelMembership(context.Background(), &messagingapi.BatchCreateChannelMembershipInput{
		ChannelArn: aws.String(channel), ChimeBearer: aws.String(admin), MemberArns: []string{user("u1")}, SubChannelId: aws.String("sub-1"),
	})
	if err != nil || aws.ToString(out.BatchChannelMemberships.SubChannelId) != "sub-1" {
		t.Fatalf("add to SubChannel = %+v, %v", out, err)
	}
	if n := len(srv.Members(channel)); n != 2 {
		t.Errorf("Members() has %d memberships, want 2", n)
	}
	if srv.Members("arn:aws:chime:us-east-1:1:app-instance/x/channel/nope") != nil {
		t.Error("Members() of an unknown channel is not nil")
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
	users := func(n int) []string {
		arns := make([]string, n)
		for i := range arns {
			arns[i] = user(fmt.Sprintf("u%d", i))
		}
		return arns
	}
	badCreds := func(o *messagingapi.Options) {
		o.Credentials = staticCreds(messagingtest.AccessKeyID, "wrong-secret")
	}
	call := func(in messagingapi.BatchCreateChannelMembershipInput, optFns ...func(*messagingapi.Options)) func(*messagingtest.Server) error {
		return func(s *messagingtest.Server) error {
			if in.ChannelArn == nil {
				in.ChannelArn = aws.String(channel)
			}
			if in.ChimeBearer == nil {
				in.ChimeBearer = aws.String(admin)
			}
			if in.MemberArns == nil {
				in.MemberArns = users(2)
			}
			_, err := s.Client().BatchCreateChannelMembership(context.Background(), &in, optFns...)
			return err
		}
	}
	tests := []struct {
		name    string
		opts    func(*messagingtest.Options)
		call    func(*messagingtest.Server) error
		code    string
		status  int
		typed   any // the modeled error type the client must produce, or nil
		fault   string
		applied bool
	}{
		{"unknown channel", nil, call(messagingapi.BatchCreateChannelMembershipInput{ChannelArn: aws.String(appInstance + "/channel/nope")}),
			"NotFoundException", 404, new(*messagingapi.NotFoundException), "", false},
		{"bearer not a moderator", nil, call(messagingapi.BatchCreateChannelMembershipInput{ChimeBearer: aws.String(user("u0"))}),
			"ForbiddenException", 403, new(*messagingapi.ForbiddenException), "", false},
		{"too many members", nil, call(messagingapi.BatchCreateChannelMembershipInput{MemberArns: users(101)}),
			"BadRequestException", 400, new(*messagingapi.BadRequestException), "", false},
		{"no members", nil, call(messagingapi.BatchCreateChannelMembershipInput{MemberArns: []string{}}),
			"BadRequestException", 400, new(*messagingapi.BadRequestException), "", false},
		{"member not an ARN", nil, call(messagingapi.BatchCreateChannelMembershipInput{MemberArns: []string{user("u1"), "u2"}}),
			"BadRequestException", 400, new(*messagingapi.BadRequestException), "", false},
		{"bearer not an ARN", nil, call(messagingapi.BatchCreateChannelMembershipInput{ChimeBearer: aws.String("admin")}),
			"BadRequestException", 400, new(*messagingapi.BadRequestException), "", false},
		{"bad type", nil, call(messagingapi.BatchCreateChannelMembershipInput{Type: "SECRET"}),
			"BadRequestException", 400, new(*messagingapi.BadRequestException), "", false},
		{"bad sub channel", nil, call(messagingapi.BatchCreateChannelMembershipInput{SubChannelId: aws.String("no spaces")}),
			"BadRequestException", 400, new(*messagingapi.BadRequestException), "", false},
		{"poison", func(o *messagingtest.Options) { o.Faults.Poison = []string{user("u1")} }, call(messagingapi.BatchCreateChannelMembershipInput{}),
			"BadRequestException", 400, new(*messagingapi.BadRequestException), "poison", false},
		{"channel full", func(o *messagingtest.Options) { o.MaxMembersPerChannel = 1 }, call(messagingapi.BatchCreateChannelMembershipInput{}),
			"ResourceLimitExceededException", 400, new(*messagingapi.ResourceLimitExceededException), "", false},
		{"bad signature", nil, call(messagingapi.BatchCreateChannelMembershipInput{}, badCreds),
			"UnauthorizedClientException", 401, new(*messagingapi.UnauthorizedClientException), "signature", false},
		{"unknown key", nil, call(messagingapi.BatchCreateChannelMembershipInput{}, func(o *messagingapi.Options) {
			o.Credentials = staticCreds("AKIDUNKNOWN", "x")
		}), "UnauthorizedClientException", 401, new(*messagingapi.UnauthorizedClientException), "unknown-key", false},
		{"generic auth errors", func(o *messagingtest.Options) { o.GenericAuthErrors = true }, call(messagingapi.BatchCreateChannelMembershipInput{}, badCreds),
			"InvalidSignatureException", 403, nil, "signature", false},
		{"throttled", func(o *messagingtest.Options) { o.Faults.Quota, o.Faults.QuotaBurst = 0.001, 1 }, func(s *messagingtest.Server) error {
			if err := call(messagingapi.BatchCreateChannelMembershipInput{})(s); err != nil {
				return fmt.Errorf("first call: %w", err)
			}
			return call(messagingapi.BatchCreateChannelMembershipInput{}, func(o *messagingapi.Options) { o.RetryMaxAttempts = 1 })(s)
		}, "ThrottledClientException", 429, new(*messagingapi.ThrottledClientException), "throttle", true},
		{"internal", func(o *messagingtest.Options) { o.Faults.CallFailureRate = 1 }, call(messagingapi.BatchCreateChannelMembershipInput{}),
			"ServiceFailureException", 500, new(*messagingapi.ServiceFailureException), "internal", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var optFns []func(*messagingtest.Options)
			if tt.opts != nil {
				optFns = append(optFns, tt.opts)
			}
			srv := messagingtest.NewServer(optFns...)
			defer srv.Close()
			srv.AddChannel(channel, admin)
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
			if _, applied := srv.Member(channel, user("u0"), ""); applied != tt.applied {
				t.Errorf("member u0 added = %v, want %v", applied, tt.applied)
			}
		})
	}
}

func TestUnsupportedOperations(t *testing.T) {
	srv := messagingtest.NewServer()
	defer srv.Close()
	srv.AddChannel(channel, admin)
	cfg := srv.Config()
	for _, tt := range []struct{ method, path string }{
		{"POST", "/channels/" + strings.ReplaceAll(channel, "/", "%2F") + "/memberships"}, // CreateChannelMembership
		{"GET", "/channels/" + strings.ReplaceAll(channel, "/", "%2F") + "/memberships?operation=batch-create"},
		{"POST", "/channels/" + channel + "/memberships?operation=batch-create"}, // '/' not escaped
		{"POST", "/channels?operation=batch-create"},
	} {
		req, err := newSignedRequest(cfg, tt.method, srv.URL()+tt.path, admin)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := cfg.HTTPClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 404 || resp.Header.Get("X-Amzn-ErrorType") != "UnknownOperationException" {
			t.Errorf("%s %s: got %d %q, want 404 UnknownOperationException", tt.method, tt.path, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
	}
	for _, r := range srv.Requests() {
		if r.Operation != "Unsupported" {
			t.Errorf("request %s %s logged as %q", r.Method, r.RawPath, r.Operation)
		}
	}
	if len(srv.Members(channel)) != 0 {
		t.Error("an unsupported request added members")
	}
}

func TestErrorBodyCarriesShortCode(t *testing.T) {
	srv := messagingtest.NewServer()
	defer srv.Close()
	_, err := add(srv.Client(), appInstance+"/channel/missing", admin, user("u1"))
	var nf *messagingapi.NotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("error = %v, want NotFoundException", err)
	}
	if nf.Code != messagingapi.ErrorCodeNotFound || aws.ToString(nf.Message) == "" {
		t.Errorf("NotFoundException = Code %q Message %q, want Code NotFound and a message", nf.Code, aws.ToString(nf.Message))
	}
}

func TestItemFailures(t *testing.T) {
	srv := messagingtest.NewServer(func(o *messagingtest.Options) {
		o.Faults.ItemFailureRate = 1
		o.ItemFailureCodes = []messagingapi.ErrorCode{messagingapi.ErrorCodeThrottled, messagingapi.ErrorCodeServiceUnavailable}
	})
	defer srv.Close()
	srv.AddChannel(channel, admin)
	out, err := add(srv.Client(), channel, admin, user("u1"), user("u2"), user("u3"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range out.Errors {
		got = append(got, displayID(aws.ToString(e.MemberArn))+"="+string(e.ErrorCode))
	}
	want := []string{"u1=Throttled", "u2=ServiceUnavailable", "u3=Throttled"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Errors = %v, want %v", got, want)
	}
	if len(out.BatchChannelMemberships.Members) != 0 || len(srv.Members(channel)) != 0 {
		t.Error("failed members were added")
	}
	if last := srv.Requests()[0]; last.Fault != "item-errors" {
		t.Errorf("logged fault %q, want item-errors", last.Fault)
	}
}

func displayID(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

func TestDefaultItemFailureCodes(t *testing.T) {
	srv := messagingtest.NewServer(func(o *messagingtest.Options) { o.Faults.ItemFailureRate = 1 })
	defer srv.Close()
	srv.AddChannel(channel, admin)
	out, err := add(srv.Client(), channel, admin, user("u1"), user("u2"))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Errors) != 2 {
		t.Fatalf("got %d Errors, want 2", len(out.Errors))
	}
	for _, e := range out.Errors {
		if e.ErrorCode != messagingapi.ErrorCodeServiceFailure {
			t.Errorf("member %s got %s, want ServiceFailure", aws.ToString(e.MemberArn), e.ErrorCode)
		}
	}
}

func TestChannelLimit(t *testing.T) {
	srv := messagingtest.NewServer(func(o *messagingtest.Options) { o.MaxMembersPerChannel = 3 })
	defer srv.Close()
	srv.AddChannel(channel, admin)
	if _, err := add(srv.Client(), channel, admin, user("u1"), user("u2")); err != nil {
		t.Fatal(err)
	}
	// Existing members and refused ARNs do not count.
	if _, err := add(srv.Client(), channel, admin, user("u1"), user("u2"), user("u3"), "arn:aws:chime:us-east-1:1:app-instance/other/user/x"); err != nil {
		t.Fatalf("filling the channel: %v", err)
	}
	_, err := add(srv.Client(), channel, admin, user("u4"))
	if code, status := apiError(t, err); code != "ResourceLimitExceededException" || status != 400 {
		t.Errorf("got %s (%d), want ResourceLimitExceededException (400)", code, status)
	}
	if n := len(srv.Members(channel)); n != 3 {
		t.Errorf("channel holds %d members, want 3", n)
	}
}

func TestMalformedAndDropped(t *testing.T) {
	srv := messagingtest.NewServer(func(o *messagingtest.Options) { o.Faults.MalformedRate = 1 })
	defer srv.Close()
	srv.AddChannel(channel, admin)
	c := srv.Client()
	var bodies []string
	for range 6 {
		// Some corruptions decode (an empty body, null, a stranger, a
		// contradiction), which is why adapters must check answers.
		out, err := add(c, channel, admin, user("u1"))
		switch {
		case err != nil:
			bodies = append(bodies, "error")
		case out.BatchChannelMemberships == nil:
			bodies = append(bodies, "empty")
		default:
			bodies = append(bodies, strings.Join(arnsOf(out.BatchChannelMemberships.Members), ",")+fmt.Sprintf("+%d errors", len(out.Errors)))
		}
	}
	want := []string{"error", "empty", "empty", user("u1") + "+0 errors", "arn:aws:chime:us-east-1:000000000000:app-instance/messagingtest/user/stranger+0 errors", user("u1") + "+1 errors"}
	if fmt.Sprint(bodies) != fmt.Sprint(want) {
		t.Errorf("answers decoded as\n%v\nwant\n%v", bodies, want)
	}
	reqs := srv.Requests()
	for _, r := range reqs {
		if r.Fault != "malformed" || r.Status != 200 {
			t.Errorf("request logged with status %d fault %q, want 200 malformed", r.Status, r.Fault)
		}
	}
	if m, _ := srv.Member(channel, user("u1"), ""); m.Adds != len(reqs) {
		t.Errorf("member added %d times, want %d (a corrupted answer is still applied)", m.Adds, len(reqs))
	}

	srv.SetFaults(messagingtest.Faults{DropRate: 1})
	srv.ResetRequests()
	if _, err := add(c, channel, admin, user("u2")); err == nil {
		t.Fatal("dropped answer: call succeeded")
	}
	if _, ok := srv.Member(channel, user("u2"), ""); !ok {
		t.Error("dropped answer: u2 was not added (the call is committed)")
	}
	for _, r := range srv.Requests() {
		if r.Fault != "drop" {
			t.Errorf("request logged with fault %q, want drop", r.Fault)
		}
	}
}

func TestChannelWithoutAppInstance(t *testing.T) {
	srv := messagingtest.NewServer()
	defer srv.Close()
	const plain = "arn:aws:chime:us-east-1:1:my-channel"
	srv.AddChannel(plain, admin)
	out, err := add(srv.Client(), plain, admin, user("u1"), appInstance+"/bot/b", appInstance+"/channel/c")
	if err != nil {
		t.Fatal(err)
	}
	if len(out.BatchChannelMemberships.Members) != 2 || len(out.Errors) != 1 || aws.ToString(out.Errors[0].MemberArn) != appInstance+"/channel/c" {
		t.Errorf("answer = %+v / %+v, want the user and the bot added, the channel refused", out.BatchChannelMemberships.Members, out.Errors)
	}
}

// newSignedRequest builds a request the typed client cannot send, signed
// with the server's test credentials.
func newSignedRequest(cfg aws.Config, method, rawURL, bearer string) (*http.Request, error) {
	const body = "{}"
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Chime-Bearer", bearer)
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(body))
	err = v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "chime", cfg.Region, time.Now())
	return req, err
}
