package awsfake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"

	//lint:ignore SA1019 legacy Amazon Chime is one of the services batchkit wraps.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"
	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/cbor"
)

// messagingPath is a Chime SDK Messaging membership path with the channel
// ARN percent-encoded, as the official client sends it.
const messagingPath = "/channels/arn%3Aaws%3Achime%3Aus-east-1%3A123456789012%3Aapp-instance%2Fai-1%2Fchannel%2Fch-1/memberships"

// answer returns a handler answering body with content type ct and
// counting its calls in n (when not nil).
func answer(ct, body string, n *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n != nil {
			n.Add(1)
		}
		w.Header().Set("Content-Type", ct)
		WriteBody(w, http.StatusOK, []byte(body))
	})
}

// appstreamAnswer returns a handler answering {"errors":[]} in the
// request's protocol, AWS JSON 1.1 or Smithy RPC v2 CBOR, and counting its
// calls in n (when not nil): the official AppStream client speaks CBOR from
// service/appstream v1.64.0 on, JSON 1.1 before.
func appstreamAnswer(n *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n != nil {
			n.Add(1)
		}
		if IsCBOR(r) {
			WriteCBOR(w, http.StatusOK, cbor.Map{"errors": cbor.List{}})
			return
		}
		w.Header().Set("Content-Type", ContentTypeAmzJSON11)
		WriteBody(w, http.StatusOK, []byte(`{"errors":[]}`))
	})
}

// appstreamOperation names the operation of an AppStream request in either
// protocol: the last path segment of an RPC v2 CBOR request, the
// X-Amz-Target of an AWS JSON 1.1 one.
func appstreamOperation(r *http.Request) string {
	if IsCBOR(r) {
		return path.Base(r.URL.Path)
	}
	return targetOperation(r)
}

// testCreds are the credentials the fake accepts.
var testCreds = aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey}

// signed builds a request to s signed for service with creds at signedAt,
// the way the SDK signs restJson1 requests.
func signed(t *testing.T, s *Server, method, pathQuery string, body []byte, hdr map[string]string,
	service string, creds aws.Credentials, signedAt time.Time) *http.Request {
	t.Helper()
	return signedFor(t, s, method, pathQuery, body, hdr, service, Region, creds, signedAt)
}

// signedFor is signed with the credential scope's region given.
func signedFor(t *testing.T, s *Server, method, pathQuery string, body []byte, hdr map[string]string,
	service, region string, creds aws.Credentials, signedAt time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+pathQuery, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]),
		service, region, signedAt); err != nil {
		t.Fatal(err)
	}
	return req
}

// do sends req with the server's client and returns the status and body,
// or the transport error.
func do(s *Server, req *http.Request) (int, []byte, error) {
	resp, err := s.Client().Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// post sends one correctly signed messaging-style request.
func post(t *testing.T, s *Server, service string) (int, []byte, error) {
	t.Helper()
	return do(s, signed(t, s, http.MethodPost, messagingPath+"?operation=batch-create",
		[]byte(`{"MemberArns":["arn:aws:chime:us-east-1:123456789012:app-instance/ai-1/user/u1"]}`),
		map[string]string{"Content-Type": ContentTypeJSON, "X-Amz-Chime-Bearer": "arn:aws:chime:bearer"},
		service, testCreds, time.Now()))
}

func appstreamInput() *appstreamsdk.BatchAssociateUserStackInput {
	return &appstreamsdk.BatchAssociateUserStackInput{
		UserStackAssociations: []appstreamtypes.UserStackAssociation{{
			AuthenticationType: appstreamtypes.AuthenticationTypeUserpool,
			StackName:          aws.String("stack-1"),
			UserName:           aws.String("someone@example.com"),
		}},
	}
}

func targetOperation(r *http.Request) string {
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	return op
}

func TestAppStreamClientAccepted(t *testing.T) {
	var calls atomic.Int64
	s := NewServer(Options{SigningName: "appstream", Operation: appstreamOperation}, appstreamAnswer(&calls))
	defer s.Close()

	client := appstreamsdk.NewFromConfig(s.Config())
	out, err := client.BatchAssociateUserStack(context.Background(), appstreamInput())
	if err != nil {
		t.Fatalf("BatchAssociateUserStack: %v", err)
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("handler calls = %d, want 1", got)
	}
	log := s.Requests()
	if len(log) != 1 {
		t.Fatalf("log has %d entries, want 1", len(log))
	}
	e := log[0]
	if e.Status != http.StatusOK || e.Fault != "" || e.Operation != "BatchAssociateUserStack" {
		t.Errorf("log entry status=%d fault=%q op=%q, want 200, \"\", BatchAssociateUserStack", e.Status, e.Fault, e.Operation)
	}
	if !strings.Contains(e.Header.Get("Authorization"), "/us-east-1/appstream/aws4_request") {
		t.Errorf("Authorization = %q, want an appstream us-east-1 scope", e.Header.Get("Authorization"))
	}
	if !bytes.Contains(e.Body, []byte(`someone@example.com`)) {
		t.Errorf("logged body %s lacks the user name", e.Body)
	}
	if id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); id != e.RequestID || id == "" {
		t.Errorf("client saw request ID %q, log has %q", id, e.RequestID)
	}
}

func TestChimeClientEscapedPathAccepted(t *testing.T) {
	s := NewServer(Options{SigningName: "chime"}, answer(ContentTypeJSON, `{"UserErrors":[]}`, nil))
	defer s.Close()

	client := chimesdk.NewFromConfig(s.Config())
	_, err := client.BatchUpdateUser(context.Background(), &chimesdk.BatchUpdateUserInput{
		AccountId: aws.String("acct:1/2 x"),
		UpdateUserRequestItems: []chimetypes.UpdateUserRequestItem{{
			UserId: aws.String("user-1"), LicenseType: chimetypes.LicensePro,
		}},
	})
	if err != nil {
		t.Fatalf("BatchUpdateUser: %v", err)
	}
	log := s.Requests()
	if len(log) != 1 {
		t.Fatalf("log has %d entries, want 1", len(log))
	}
	if got, want := log[0].RawPath, "/accounts/acct%3A1%2F2%20x/users"; got != want {
		t.Errorf("RawPath = %q, want %q", got, want)
	}
	if got, want := log[0].Path, "/accounts/acct:1/2 x/users"; got != want {
		t.Errorf("Path = %q, want %q", got, want)
	}
}

func TestHandSignedEscapedPathAccepted(t *testing.T) {
	s := NewServer(Options{SigningName: "chime"}, answer(ContentTypeJSON, `{}`, nil))
	defer s.Close()

	status, body, err := post(t, s, "chime")
	if err != nil || status != http.StatusOK {
		t.Fatalf("got status %d body %s err %v, want 200", status, body, err)
	}
	e := s.Requests()[0]
	if e.RawPath != messagingPath || e.Query != "operation=batch-create" {
		t.Errorf("logged RawPath %q Query %q, want %q and operation=batch-create", e.RawPath, e.Query, messagingPath)
	}
}

func TestSDKRefusals(t *testing.T) {
	tests := []struct {
		name        string
		signingName string
		creds       aws.Credentials
		wantCode    string
		wantFault   string
	}{
		{"unknown key", "appstream", aws.Credentials{AccessKeyID: "AKIDOTHER", SecretAccessKey: SecretAccessKey},
			"UnrecognizedClientException", "unknown-key"},
		{"wrong secret", "appstream", aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: "wrong"},
			"InvalidSignatureException", "signature"},
		{"wrong signing name", "wickr", testCreds, "InvalidSignatureException", "signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			s := NewServer(Options{SigningName: tt.signingName}, appstreamAnswer(&calls))
			defer s.Close()
			cfg := s.Config()
			cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return tt.creds, nil
			})
			_, err := appstreamsdk.NewFromConfig(cfg).BatchAssociateUserStack(context.Background(), appstreamInput())
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.wantCode {
				t.Fatalf("got error %v, want API error %s", err, tt.wantCode)
			}
			if calls.Load() != 0 {
				t.Errorf("handler ran %d times, want 0", calls.Load())
			}
			log := s.Requests()
			if len(log) != 1 || log[0].Status != http.StatusForbidden || log[0].Fault != tt.wantFault {
				t.Fatalf("log = %+v, want one 403 entry with fault %q", log, tt.wantFault)
			}
		})
	}
}

func TestHandBuiltRefusals(t *testing.T) {
	body := []byte(`{"MemberArns":["a"]}`)
	hdr := map[string]string{"X-Amz-Chime-Bearer": "arn:bearer"}
	tests := []struct {
		name      string
		req       func(t *testing.T, s *Server) *http.Request
		wantCode  string
		wantFault string
	}{
		{"missing auth", func(t *testing.T, s *Server) *http.Request {
			req, _ := http.NewRequest(http.MethodPost, s.URL()+messagingPath, bytes.NewReader(body))
			return req
		}, "MissingAuthenticationTokenException", "missing-auth"},
		{"tampered body", func(t *testing.T, s *Server) *http.Request {
			req := signed(t, s, http.MethodPost, messagingPath, body, hdr, "chime", testCreds, time.Now())
			req.Body = io.NopCloser(bytes.NewReader(bytes.Replace(body, []byte(`"a"`), []byte(`"b"`), 1)))
			return req
		}, "InvalidSignatureException", "signature"},
		{"tampered signed header", func(t *testing.T, s *Server) *http.Request {
			req := signed(t, s, http.MethodPost, messagingPath, body, hdr, "chime", testCreds, time.Now())
			req.Header.Set("X-Amz-Chime-Bearer", "arn:someone-else")
			return req
		}, "InvalidSignatureException", "signature"},
		{"tampered path escaping", func(t *testing.T, s *Server) *http.Request {
			req := signed(t, s, http.MethodPost, messagingPath, body, hdr, "chime", testCreds, time.Now())
			// Same decoded path, different bytes on the wire.
			req.URL.RawPath = strings.Replace(req.URL.RawPath, "%3A", "%3a", 1)
			return req
		}, "InvalidSignatureException", "signature"},
		{"tampered query", func(t *testing.T, s *Server) *http.Request {
			req := signed(t, s, http.MethodPost, messagingPath+"?operation=batch-create", body, hdr, "chime", testCreds, time.Now())
			req.URL.RawQuery = "operation=batch-delete"
			return req
		}, "InvalidSignatureException", "signature"},
		{"stale date", func(t *testing.T, s *Server) *http.Request {
			return signed(t, s, http.MethodPost, messagingPath, body, hdr, "chime", testCreds, time.Now().Add(-time.Hour))
		}, "InvalidSignatureException", "signature"},
		{"garbage authorization", func(t *testing.T, s *Server) *http.Request {
			req := signed(t, s, http.MethodPost, messagingPath, body, hdr, "chime", testCreds, time.Now())
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 nonsense")
			return req
		}, "InvalidSignatureException", "signature"},
		{"unknown key", func(t *testing.T, s *Server) *http.Request {
			return signed(t, s, http.MethodPost, messagingPath, body, hdr, "chime",
				aws.Credentials{AccessKeyID: "AKIDOTHER", SecretAccessKey: "x"}, time.Now())
		}, "UnrecognizedClientException", "unknown-key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			s := NewServer(Options{SigningName: "chime"}, answer(ContentTypeJSON, `{}`, &calls))
			defer s.Close()
			status, got, err := do(s, tt.req(t, s))
			if err != nil {
				t.Fatal(err)
			}
			var eb struct {
				Type string `json:"__type"`
			}
			if status != http.StatusForbidden || json.Unmarshal(got, &eb) != nil || eb.Type != tt.wantCode {
				t.Errorf("got %d %s, want 403 %s", status, got, tt.wantCode)
			}
			if calls.Load() != 0 {
				t.Errorf("handler ran %d times, want 0", calls.Load())
			}
			if log := s.Requests(); len(log) != 1 || log[0].Fault != tt.wantFault {
				t.Errorf("log = %+v, want one entry with fault %q", log, tt.wantFault)
			}
		})
	}
}

func TestQuotaThrottlesAndSetQuota(t *testing.T) {
	// A rate so low that no token comes back during the test.
	s := NewServer(Options{Faults: Faults{Quota: 0.001, QuotaBurst: 2}}, answer(ContentTypeJSON, `{}`, nil))
	defer s.Close()
	statuses := func(n int) []int {
		var got []int
		for range n {
			status, _, err := post(t, s, "chime")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, status)
		}
		return got
	}
	want := func(got []int, want ...int) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("statuses %v, want %v", got, want)
		}
	}
	want(statuses(3), 200, 200, 400)
	s.SetQuota(0)
	want(statuses(3), 200, 200, 200)
	s.SetQuota(0.001) // from unlimited: a full bucket of QuotaBurst
	want(statuses(3), 200, 200, 400)

	var throttled int
	for _, e := range s.Requests() {
		if e.Fault == "throttle" {
			throttled++
			if e.Status != http.StatusBadRequest {
				t.Errorf("throttled entry status %d, want 400", e.Status)
			}
		}
	}
	if throttled != 2 {
		t.Errorf("%d throttled log entries, want 2", throttled)
	}
}

func TestQuotaThrottlesSDKWithThrottlingException(t *testing.T) {
	var calls atomic.Int64
	s := NewServer(Options{SigningName: "appstream", Faults: Faults{Quota: 0.001, QuotaBurst: 1}}, appstreamAnswer(&calls))
	defer s.Close()
	client := appstreamsdk.NewFromConfig(s.Config())
	if _, err := client.BatchAssociateUserStack(context.Background(), appstreamInput()); err != nil {
		t.Fatalf("first call: %v", err)
	}
	_, err := client.BatchAssociateUserStack(context.Background(), appstreamInput())
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ThrottlingException" {
		t.Fatalf("second call: %v, want ThrottlingException", err)
	}
	// The standard retryer retried the throttle: 1 + 3 attempts in all.
	if got := len(s.Requests()); got != 4 {
		t.Errorf("%d requests logged, want 4", got)
	}
	if calls.Load() != 1 {
		t.Errorf("handler ran %d times, want 1", calls.Load())
	}
}

func TestDropAfterCommit(t *testing.T) {
	var calls atomic.Int64
	s := NewServer(Options{Faults: Faults{DropRate: 1}}, answer(ContentTypeJSON, `{}`, &calls))
	defer s.Close()

	_, _, err := post(t, s, "chime")
	if err == nil {
		t.Fatal("dropped response: got no transport error")
	}
	if calls.Load() != 1 {
		t.Errorf("handler ran %d times, want 1 (committed before the drop)", calls.Load())
	}
	s.WaitIdle()
	log := s.Requests()
	if len(log) != 1 || log[0].Fault != FaultDrop || log[0].Status != 0 {
		t.Fatalf("log = %+v, want one dropped entry with status 0", log)
	}
}

func TestDropRetriedBySDK(t *testing.T) {
	var calls atomic.Int64
	s := NewServer(Options{SigningName: "appstream", Faults: Faults{DropRate: 1}}, appstreamAnswer(&calls))
	defer s.Close()
	_, err := appstreamsdk.NewFromConfig(s.Config()).BatchAssociateUserStack(context.Background(), appstreamInput())
	var apiErr smithy.APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("got %v, want a transport error", err)
	}
	// Each of the standard retryer's 3 attempts reached the handler.
	if calls.Load() != 3 {
		t.Errorf("handler ran %d times, want 3", calls.Load())
	}
}

func TestMalformedBody(t *testing.T) {
	s := NewServer(Options{SigningName: "appstream", Faults: Faults{MalformedRate: 1}}, appstreamAnswer(nil))
	defer s.Close()

	_, err := appstreamsdk.NewFromConfig(s.Config()).BatchAssociateUserStack(context.Background(), appstreamInput())
	if err == nil {
		t.Fatal("malformed body: client reported success")
	}
	log := s.Requests()
	if len(log) != 1 || log[0].Fault != FaultMalformed || log[0].Status != http.StatusOK {
		t.Fatalf("log = %+v, want one malformed 200 entry", log)
	}

	// Raw: the body is the truncated answer and Content-Length matches it
	// (a mismatch is a read error here).
	req := signed(t, s, http.MethodPost, "/", []byte(`{}`), nil, "appstream", testCreds, time.Now())
	status, body, err := do(s, req)
	if err != nil || status != http.StatusOK || string(body) != `{"erro` {
		t.Errorf("got %d %q %v, want 200 %q", status, body, err, `{"erro`)
	}
}

func TestMalformedLeavesErrorsAlone(t *testing.T) {
	s := NewServer(Options{Faults: Faults{MalformedRate: 1}}, http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			MarkFault(r, "poison")
			WriteJSONError(w, http.StatusBadRequest, "BadRequestException", map[string]any{"Code": "BadRequest"}, true)
		}))
	defer s.Close()
	status, body, err := post(t, s, "chime")
	if err != nil || status != http.StatusBadRequest || string(body) != `{"Code":"BadRequest"}` {
		t.Fatalf("got %d %s %v, want the handler's 400 untouched", status, body, err)
	}
	if e := s.Requests()[0]; e.Fault != "poison" {
		t.Errorf("fault %q, want the handler's mark poison", e.Fault)
	}
}

func TestCallFailure(t *testing.T) {
	var calls atomic.Int64
	s := NewServer(Options{Faults: Faults{CallFailureRate: 1}}, answer(ContentTypeJSON, `{}`, &calls))
	defer s.Close()
	status, _, err := post(t, s, "chime")
	if err != nil || status != http.StatusInternalServerError {
		t.Fatalf("got %d %v, want 500", status, err)
	}
	if calls.Load() != 0 {
		t.Errorf("handler ran %d times, want 0", calls.Load())
	}
}

// faultRun sends n sequential requests to a server with plan f and returns
// the faults logged and the item draws made by the handler.
func faultRun(t *testing.T, f Faults, n int) (faults []string, items []bool) {
	var s *Server
	s = NewServer(Options{Faults: f}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		items = append(items, s.ItemFails(), s.ItemFails()) // requests are sequential
		WriteJSON(w, http.StatusOK, map[string]any{})
	}))
	defer s.Close()
	for range n {
		_, _, _ = post(t, s, "chime")
	}
	s.WaitIdle()
	for _, e := range s.Requests() {
		faults = append(faults, e.Fault)
	}
	return faults, items
}

func TestFaultsDeterministic(t *testing.T) {
	plan := Faults{Seed: 7, CallFailureRate: 0.25, DropRate: 0.2, MalformedRate: 0.2, ItemFailureRate: 0.5}
	f1, i1 := faultRun(t, plan, 40)
	f2, i2 := faultRun(t, plan, 40)
	if !slices.Equal(f1, f2) || !slices.Equal(i1, i2) {
		t.Fatalf("same seed, different plans:\n%q %v\n%q %v", f1, i1, f2, i2)
	}
	seen := map[string]int{}
	for _, f := range f1 {
		seen[f]++
	}
	for _, f := range []string{"", "internal", FaultDrop, FaultMalformed} {
		if seen[f] == 0 {
			t.Errorf("fault %q never drawn in %q", f, f1)
		}
	}
	var fails int
	for _, b := range i1 {
		if b {
			fails++
		}
	}
	if fails == 0 || fails == len(i1) {
		t.Errorf("%d of %d item draws failed, want some but not all", fails, len(i1))
	}
	plan.Seed = 8
	if f3, _ := faultRun(t, plan, 40); slices.Equal(f1, f3) {
		t.Errorf("seeds 7 and 8 gave the same plan %q", f1)
	}
}

func TestRequestLog(t *testing.T) {
	s := NewServer(Options{
		SigningName: "chime",
		Operation:   func(r *http.Request) string { return r.Method + " " + r.URL.EscapedPath() },
	}, answer(ContentTypeJSON, `{}`, nil))
	defer s.Close()

	if status, _, err := post(t, s, "chime"); err != nil || status != 200 {
		t.Fatalf("got %d %v", status, err)
	}
	unsigned, _ := http.NewRequest(http.MethodGet, s.URL()+"/accounts/a%2Fb/users?x=1", nil)
	if _, _, err := do(s, unsigned); err != nil {
		t.Fatal(err)
	}
	log := s.Requests()
	if len(log) != 2 {
		t.Fatalf("%d entries, want 2", len(log))
	}
	first, second := log[0], log[1]
	if first.Seq != 1 || second.Seq != 2 || first.Time.After(second.Time) {
		t.Errorf("entries out of order: seq %d, %d", first.Seq, second.Seq)
	}
	if first.Method != http.MethodPost || first.Operation != "POST "+messagingPath ||
		first.Header.Get("X-Amz-Chime-Bearer") != "arn:aws:chime:bearer" ||
		!bytes.HasPrefix(first.Body, []byte(`{"MemberArns"`)) || first.Status != 200 {
		t.Errorf("first entry = %+v", first)
	}
	if first.Header.Get("Host") == "" {
		t.Errorf("logged header lacks Host")
	}
	if second.Method != http.MethodGet || second.Path != "/accounts/a/b/users" || second.RawPath != "/accounts/a%2Fb/users" ||
		second.Query != "x=1" || second.Status != http.StatusForbidden || second.Fault != "missing-auth" {
		t.Errorf("second entry = %+v", second)
	}
	if first.RequestID == second.RequestID || first.RequestID == "" {
		t.Errorf("request IDs %q and %q, want distinct", first.RequestID, second.RequestID)
	}
	s.ResetRequests()
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d entries after reset", n)
	}
}

func TestDiscardLog(t *testing.T) {
	s := NewServer(Options{DiscardLog: true}, answer(ContentTypeJSON, `{}`, nil))
	defer s.Close()
	if status, _, err := post(t, s, "chime"); err != nil || status != 200 {
		t.Fatalf("got %d %v", status, err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d entries with DiscardLog, want 0", n)
	}
}

func TestLatencyEndsWithClientContext(t *testing.T) {
	arrived := make(chan struct{}, 1)
	s := NewServer(Options{
		Faults:    Faults{Latency: time.Hour},
		Operation: func(*http.Request) string { arrived <- struct{}{}; return "" },
	}, answer(ContentTypeJSON, `{}`, nil))
	defer s.Close()

	ctx, cancel := context.WithCancel(context.Background())
	req := signed(t, s, http.MethodPost, "/", nil, nil, "chime", testCreds, time.Now()).WithContext(ctx)
	errc := make(chan error, 1)
	go func() {
		_, _, err := do(s, req)
		errc <- err
	}()
	<-arrived
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	s.WaitIdle() // the server noticed the client leaving
	log := s.Requests()
	if len(log) != 1 || log[0].Fault != FaultCanceled || log[0].Status != 0 {
		t.Errorf("log = %+v, want one canceled entry with status 0", log)
	}
}

func TestCloseEndsLatency(t *testing.T) {
	arrived := make(chan struct{}, 1)
	s := NewServer(Options{
		Faults:    Faults{Latency: time.Hour},
		Operation: func(*http.Request) string { arrived <- struct{}{}; return "" },
	}, answer(ContentTypeJSON, `{}`, nil))
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	req := signed(t, s, http.MethodPost, "/", nil, nil, "chime", testCreds, time.Now())
	go func() {
		status, _, err := do(s, req)
		done <- result{status, err}
	}()
	<-arrived
	s.Close()
	if r := <-done; r.err != nil || r.status != http.StatusInternalServerError {
		t.Errorf("got %d %v, want 500 while closing", r.status, r.err)
	}
}

func TestPoisonAndFaultsCopy(t *testing.T) {
	poison := []string{"bad-user"}
	s := NewServer(Options{Faults: Faults{Poison: poison}}, answer(ContentTypeJSON, `{}`, nil))
	defer s.Close()
	poison[0] = "changed"
	if !s.IsPoison("bad-user") || s.IsPoison("changed") || s.IsPoison("good-user") {
		t.Errorf("IsPoison does not match the plan given to NewServer")
	}
	s.SetFaults(Faults{Poison: []string{"other"}})
	if s.IsPoison("bad-user") || !s.IsPoison("other") {
		t.Errorf("SetFaults did not replace the poison list")
	}
	if got := s.Faults().Poison; len(got) != 1 || got[0] != "other" {
		t.Errorf("Faults().Poison = %q", got)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{}`, `{`},
		{"{}\n\n\n\n", `{`},
		{`{"errors":[]}`, `{"erro`},
		{``, `{"`},
		{`5`, `{"`},
	}
	for _, tt := range tests {
		got := string(Truncate([]byte(tt.in)))
		if got != tt.want {
			t.Errorf("Truncate(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if json.Valid([]byte(got)) {
			t.Errorf("Truncate(%q) = %q is valid JSON", tt.in, got)
		}
	}
}

func TestWriteJSONError(t *testing.T) {
	tests := []struct {
		name       string
		withHeader bool
		body       map[string]any
		wantHeader string
		wantBody   string
	}{
		{"header", true, map[string]any{"Code": "NotFound", "Message": "m"}, "NotFoundException", `{"Code":"NotFound","Message":"m"}`},
		{"no header adds __type", false, map[string]any{"message": "m"}, "", `{"__type":"NotFoundException","message":"m"}`},
		{"no header keeps __type", false, map[string]any{"__type": "X"}, "", `{"__type":"X"}`},
		{"nil body", true, nil, "NotFoundException", `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newRecorder("id")
			WriteJSONError(w, http.StatusNotFound, "NotFoundException", tt.body, tt.withHeader)
			if w.Code != http.StatusNotFound || w.Header().Get("X-Amzn-ErrorType") != tt.wantHeader ||
				w.Body.String() != tt.wantBody || w.Header().Get("Content-Type") != ContentTypeJSON {
				t.Errorf("got %d %q %s (%q), want 404 %q %s", w.Code, w.Header().Get("X-Amzn-ErrorType"),
					w.Body, w.Header().Get("Content-Type"), tt.wantHeader, tt.wantBody)
			}
		})
	}
}

func TestSilentHandlerLoggedAs200(t *testing.T) {
	s := NewServer(Options{}, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer s.Close()
	status, _, err := post(t, s, "chime")
	if err != nil || status != http.StatusOK {
		t.Fatalf("got %d %v, want 200", status, err)
	}
	if e := s.Requests()[0]; e.Status != http.StatusOK {
		t.Errorf("logged status %d, want 200", e.Status)
	}
}

func TestConcurrentFaultsAccounted(t *testing.T) {
	var calls atomic.Int64
	s := NewServer(Options{
		SigningName: "appstream",
		Faults: Faults{Seed: 3, Quota: 2000, QuotaBurst: 5, CallFailureRate: 0.1, DropRate: 0.1,
			MalformedRate: 0.1, Latency: time.Millisecond},
	}, appstreamAnswer(&calls))
	defer s.Close()
	client := appstreamsdk.NewFromConfig(s.Config())

	const workers, perWorker = 8, 10
	errc := make(chan error, workers*perWorker)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range perWorker {
				_, err := client.BatchAssociateUserStack(context.Background(), appstreamInput())
				errc <- err
			}
		})
	}
	wg.Wait()
	close(errc)
	var ok int
	for err := range errc {
		if err == nil {
			ok++
		}
	}
	s.WaitIdle()
	var reached int64
	for _, e := range s.Requests() {
		switch e.Fault {
		case "", FaultDrop, FaultMalformed:
			reached++
		case "throttle", "internal":
		default:
			t.Errorf("unexpected fault %q", e.Fault)
		}
	}
	if reached != calls.Load() {
		t.Errorf("log says the handler ran %d times, it ran %d", reached, calls.Load())
	}
	if ok == 0 {
		t.Errorf("no call succeeded")
	}
}
