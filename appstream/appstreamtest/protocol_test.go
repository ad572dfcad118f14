package appstreamtest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/cbor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/appstream/appstreamtest"
)

const (
	cborAssociatePath    = "/service/PhotonAdminProxyService/operation/BatchAssociateUserStack"
	cborDisassociatePath = "/service/PhotonAdminProxyService/operation/BatchDisassociateUserStack"
)

func newServer(t *testing.T, optFns ...func(*appstreamtest.Options)) *appstreamtest.Server {
	t.Helper()
	srv := appstreamtest.NewServer(optFns...)
	t.Cleanup(srv.Close)
	srv.AddStack("Stack")
	srv.AddUser("jane@example.com", "USERPOOL")
	srv.AddUser("bob@example.com", "SAML")
	return srv
}

// send signs (unless unsigned) and sends a request to srv, returning the
// answer and its body.
func send(t *testing.T, srv *appstreamtest.Server, path string, header map[string]string, body []byte, unsigned bool) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if !unsigned {
		sum := sha256.Sum256(body)
		creds := aws.Credentials{AccessKeyID: appstreamtest.AccessKeyID, SecretAccessKey: appstreamtest.SecretAccessKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]),
			appstreamtest.SigningName, appstreamtest.Region, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := srv.Config().HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, out
}

var cborHeaders = map[string]string{
	"Smithy-Protocol": "rpc-v2-cbor",
	"Content-Type":    "application/cbor",
	"Accept":          "application/cbor",
}

func jsonHeaders(op string) map[string]string {
	return map[string]string{
		"X-Amz-Target": "PhotonAdminProxyService." + op,
		"Content-Type": "application/x-amz-json-1.1",
	}
}

func cborAssoc(stack, user, auth string, email bool) cbor.Map {
	return cbor.Map{
		"StackName":             cbor.String(stack),
		"UserName":              cbor.String(user),
		"AuthenticationType":    cbor.String(auth),
		"SendEmailNotification": cbor.Bool(email),
	}
}

func cborBody(items ...cbor.Value) []byte {
	return cbor.Encode(cbor.Map{"UserStackAssociations": cbor.List(items)})
}

// decodeCBOR decodes an answer body into a map.
func decodeCBOR(t *testing.T, b []byte) cbor.Map {
	t.Helper()
	v, err := cbor.Decode(b)
	if err != nil {
		t.Fatalf("answer is not CBOR: %v (%x)", err, b)
	}
	m, ok := v.(cbor.Map)
	if !ok {
		t.Fatalf("answer is %T, want a map", v)
	}
	return m
}

func checkCBORAnswer(t *testing.T, resp *http.Response, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status: got %d, want %d", resp.StatusCode, status)
	}
	if got := resp.Header.Get("Smithy-Protocol"); got != "rpc-v2-cbor" {
		t.Fatalf("Smithy-Protocol: got %q", got)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/cbor" {
		t.Fatalf("Content-Type: got %q", got)
	}
	if resp.Header.Get("X-Amzn-RequestId") == "" {
		t.Fatal("no X-Amzn-RequestId")
	}
}

// cborErrorType checks a CBOR error answer and returns its __type. The
// message must be under the key the official client reads: "Message" for
// the errors the model defines, "message" for the others.
func cborErrorType(t *testing.T, resp *http.Response, body []byte, status int) string {
	t.Helper()
	checkCBORAnswer(t, resp, status)
	m := decodeCBOR(t, body)
	typ, _ := m["__type"].(cbor.String)
	key := "message"
	switch typ {
	case "InvalidParameterCombinationException", "OperationNotPermittedException":
		key = "Message"
	}
	if msg, ok := m[key].(cbor.String); !ok || msg == "" || len(m) != 2 {
		t.Fatalf("%s error: got %v, want __type and %q only", typ, m, key)
	}
	return string(typ)
}

func TestCBORAssociate(t *testing.T) {
	srv := newServer(t)
	body := cborBody(
		cborAssoc("Stack", "jane@example.com", "USERPOOL", true),
		cborAssoc("NoStack", "bob@example.com", "SAML", false),
		cborAssoc("Stack", "bob@example.com", "API", false),
		cborAssoc("Stack", "bob@example.com", "SAML", false),
	)
	resp, out := send(t, srv, cborAssociatePath, cborHeaders, body, false)
	checkCBORAnswer(t, resp, 200)
	m := decodeCBOR(t, out)
	list, ok := m["errors"].(cbor.List)
	if !ok || len(list) != 2 {
		t.Fatalf("errors: got %v, want 2 entries", m["errors"])
	}
	want := []struct{ stack, user, auth, code string }{
		{"NoStack", "bob@example.com", "SAML", "STACK_NOT_FOUND"},
		{"Stack", "bob@example.com", "API", "USER_NAME_NOT_FOUND"},
	}
	for i, w := range want {
		e := list[i].(cbor.Map)
		echo := e["UserStackAssociation"].(cbor.Map)
		got := fmt.Sprint(echo["StackName"], echo["UserName"], echo["AuthenticationType"], e["ErrorCode"])
		if exp := fmt.Sprint(w.stack, w.user, w.auth, w.code); got != exp {
			t.Errorf("entry %d: got %s, want %s", i, got, exp)
		}
		if echo["SendEmailNotification"] != cbor.Bool(false) {
			t.Errorf("entry %d: SendEmailNotification not echoed: %v", i, echo["SendEmailNotification"])
		}
		if msg, _ := e["ErrorMessage"].(cbor.String); msg == "" || strings.Contains(string(msg), "bob") {
			t.Errorf("entry %d: message %q", i, msg)
		}
	}
	got := srv.Associations()
	if len(got) != 2 || !srv.IsAssociated(appstreamtest.Association{StackName: "Stack", UserName: "jane@example.com", AuthenticationType: "USERPOOL"}) ||
		!srv.IsAssociated(appstreamtest.Association{StackName: "Stack", UserName: "bob@example.com", AuthenticationType: "SAML"}) {
		t.Fatalf("associations: got %v", got)
	}
	if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Operation != "BatchAssociateUserStack" || reqs[0].Fault != "item-errors" {
		t.Fatalf("request log: got %+v", reqs)
	}

	// Disassociate both, twice: the second time nothing is associated and
	// the call still succeeds.
	for range 2 {
		resp, out = send(t, srv, cborDisassociatePath, cborHeaders, cborBody(
			cborAssoc("Stack", "jane@example.com", "USERPOOL", false),
			cborAssoc("Stack", "bob@example.com", "SAML", false)), false)
		checkCBORAnswer(t, resp, 200)
		if l, ok := decodeCBOR(t, out)["errors"].(cbor.List); !ok || len(l) != 0 {
			t.Fatalf("disassociate errors: got %v, want an empty list", decodeCBOR(t, out)["errors"])
		}
		if n := len(srv.Associations()); n != 0 {
			t.Fatalf("associations after disassociate: %d", n)
		}
	}
}

func TestCBORIndefiniteLengthRequest(t *testing.T) {
	srv := newServer(t)
	var b bytes.Buffer
	str := func(s string) {
		b.WriteByte(0x60 | byte(len(s))) // text string, length < 24
		b.WriteString(s)
	}
	b.WriteByte(0xbf) // indefinite map
	str("UserStackAssociations")
	b.WriteByte(0x9f) // indefinite list
	b.WriteByte(0xbf)
	str("StackName")
	str("Stack")
	str("UserName")
	b.WriteByte(0x70) // 16-byte text string
	b.WriteString("jane@example.com")
	str("AuthenticationType")
	str("USERPOOL")
	b.WriteByte(0xff)
	b.WriteByte(0xff)
	b.WriteByte(0xff)
	resp, out := send(t, srv, cborAssociatePath, cborHeaders, b.Bytes(), false)
	checkCBORAnswer(t, resp, 200)
	if len(srv.Associations()) != 1 {
		t.Fatalf("associations: got %v (answer %v)", srv.Associations(), decodeCBOR(t, out))
	}
}

func TestCBORPaths(t *testing.T) {
	for _, path := range []string{
		"/service/com.amazonaws.appstream.PhotonAdminProxyService/operation/BatchAssociateUserStack",
		"/some/prefix/service/PhotonAdminProxyService/operation/BatchAssociateUserStack",
	} {
		srv := newServer(t)
		resp, _ := send(t, srv, path, cborHeaders, cborBody(cborAssoc("Stack", "jane@example.com", "USERPOOL", false)), false)
		checkCBORAnswer(t, resp, 200)
		if len(srv.Associations()) != 1 {
			t.Fatalf("%s: not associated", path)
		}
	}
}

func TestCBORRefusals(t *testing.T) {
	one := cborBody(cborAssoc("Stack", "jane@example.com", "USERPOOL", false))
	many := make([]cbor.Value, 26)
	for i := range many {
		many[i] = cborAssoc("Stack", fmt.Sprintf("u%d@example.com", i), "USERPOOL", false)
	}
	without := func(k string) map[string]string {
		h := map[string]string{}
		for kk, v := range cborHeaders {
			if kk != k {
				h[kk] = v
			}
		}
		return h
	}
	withTarget := without("")
	withTarget["X-Amz-Target"] = "PhotonAdminProxyService.BatchAssociateUserStack"
	for _, tc := range []struct {
		name     string
		path     string
		header   map[string]string
		body     []byte
		unsigned bool
		status   int
		typ      string
	}{
		{"no Smithy-Protocol", cborAssociatePath, without("Smithy-Protocol"), one, false, 400, "SerializationException"},
		{"X-Amz-Target", cborAssociatePath, withTarget, one, false, 400, "SerializationException"},
		{"unknown operation", "/service/PhotonAdminProxyService/operation/CreateStack", cborHeaders, one, false, 404, "UnknownOperationException"},
		{"unknown service", "/service/Other/operation/BatchAssociateUserStack", cborHeaders, one, false, 404, "UnknownOperationException"},
		{"not CBOR", cborAssociatePath, cborHeaders, []byte("{}"), false, 400, "SerializationException"},
		{"list of strings", cborAssociatePath, cborHeaders, cbor.Encode(cbor.Map{"UserStackAssociations": cbor.List{cbor.String("x")}}), false, 400, "SerializationException"},
		{"no list", cborAssociatePath, cborHeaders, cbor.Encode(cbor.Map{}), false, 400, "ValidationException"},
		{"empty list", cborAssociatePath, cborHeaders, cborBody(), false, 400, "ValidationException"},
		{"26 items", cborAssociatePath, cborHeaders, cborBody(many...), false, 400, "ValidationException"},
		{"bad auth type", cborAssociatePath, cborHeaders, cborBody(cborAssoc("Stack", "jane@example.com", "OIDC", false)), false, 400, "ValidationException"},
		{"user name with space", cborAssociatePath, cborHeaders, cborBody(cborAssoc("Stack", "jane doe", "API", false)), false, 400, "ValidationException"},
		{"unsigned", cborAssociatePath, cborHeaders, one, true, 403, "MissingAuthenticationTokenException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			resp, out := send(t, srv, tc.path, tc.header, tc.body, tc.unsigned)
			if got := cborErrorType(t, resp, out, tc.status); got != tc.typ {
				t.Fatalf("__type: got %q, want %q", got, tc.typ)
			}
			if strings.Contains(string(out), "jane") {
				t.Fatalf("error quotes the user name: %q", out)
			}
			if len(srv.Associations()) != 0 {
				t.Fatal("state changed by a refused call")
			}
		})
	}
}

func TestCBORFaults(t *testing.T) {
	t.Run("poison", func(t *testing.T) {
		srv := newServer(t, func(o *appstreamtest.Options) { o.Faults.Poison = []string{"bob@example.com"} })
		resp, out := send(t, srv, cborAssociatePath, cborHeaders, cborBody(
			cborAssoc("Stack", "jane@example.com", "USERPOOL", false),
			cborAssoc("Stack", "bob@example.com", "SAML", false)), false)
		if got := cborErrorType(t, resp, out, 400); got != "InvalidParameterCombinationException" {
			t.Fatalf("__type: got %q", got)
		}
		if len(srv.Associations()) != 0 || srv.Requests()[0].Fault != "poison" {
			t.Fatal("a poisoned call changed state or was not logged as poison")
		}
	})
	t.Run("throttle", func(t *testing.T) {
		srv := newServer(t, func(o *appstreamtest.Options) { o.Faults.Quota = 0.001; o.Faults.QuotaBurst = 1 })
		body := cborBody(cborAssoc("Stack", "jane@example.com", "USERPOOL", false))
		resp, _ := send(t, srv, cborAssociatePath, cborHeaders, body, false)
		checkCBORAnswer(t, resp, 200)
		resp, out := send(t, srv, cborAssociatePath, cborHeaders, body, false)
		if got := cborErrorType(t, resp, out, 400); got != "ThrottlingException" {
			t.Fatalf("__type: got %q", got)
		}
	})
	t.Run("internal", func(t *testing.T) {
		srv := newServer(t, func(o *appstreamtest.Options) { o.Faults.CallFailureRate = 1 })
		resp, out := send(t, srv, cborAssociatePath, cborHeaders, cborBody(cborAssoc("Stack", "jane@example.com", "USERPOOL", false)), false)
		if got := cborErrorType(t, resp, out, 500); got != "InternalFailure" {
			t.Fatalf("__type: got %q", got)
		}
	})
	t.Run("item failures", func(t *testing.T) {
		srv := newServer(t, func(o *appstreamtest.Options) { o.Faults.ItemFailureRate = 1 })
		resp, out := send(t, srv, cborAssociatePath, cborHeaders, cborBody(cborAssoc("Stack", "jane@example.com", "USERPOOL", false)), false)
		checkCBORAnswer(t, resp, 200)
		list, _ := decodeCBOR(t, out)["errors"].(cbor.List)
		if len(list) != 1 || list[0].(cbor.Map)["ErrorCode"] != cbor.String("INTERNAL_ERROR") || len(srv.Associations()) != 0 {
			t.Fatalf("got %v and %d associations, want one INTERNAL_ERROR and none", list, len(srv.Associations()))
		}
	})
	t.Run("malformed", func(t *testing.T) {
		srv := newServer(t, func(o *appstreamtest.Options) { o.Faults.MalformedRate = 1 })
		resp, out := send(t, srv, cborAssociatePath, cborHeaders, cborBody(cborAssoc("Stack", "jane@example.com", "USERPOOL", false)), false)
		checkCBORAnswer(t, resp, 200)
		if _, err := cbor.Decode(out); err == nil {
			t.Fatalf("malformed body decodes: %x", out)
		}
	})
}

func TestJSONProtocol(t *testing.T) {
	one := `{"UserStackAssociations":[{"StackName":"Stack","UserName":"jane@example.com","AuthenticationType":"USERPOOL"}]}`
	for _, tc := range []struct {
		name   string
		path   string
		header map[string]string
		body   string
		status int
		typ    string // "" for success
		answer string
	}{
		{"success", "/", jsonHeaders("BatchAssociateUserStack"), one, 200, "", `{"errors":[]}`},
		{"item error", "/", jsonHeaders("BatchAssociateUserStack"),
			`{"UserStackAssociations":[{"StackName":"Nope","UserName":"jane@example.com","AuthenticationType":"USERPOOL","SendEmailNotification":true}]}`, 200, "",
			`{"errors":[{"UserStackAssociation":{"StackName":"Nope","UserName":"jane@example.com","AuthenticationType":"USERPOOL","SendEmailNotification":true},"ErrorCode":"STACK_NOT_FOUND","ErrorMessage":"The specified stack does not exist."}]}`},
		{"unknown target", "/", jsonHeaders("CreateStack"), one, 400, "UnknownOperationException", ""},
		{"no target", "/", map[string]string{"Content-Type": "application/x-amz-json-1.1"}, one, 400, "UnknownOperationException", ""},
		{"wrong content type", "/", map[string]string{"X-Amz-Target": "PhotonAdminProxyService.BatchAssociateUserStack", "Content-Type": "application/json"}, one, 400, "SerializationException", ""},
		{"wrong path", "/other", jsonHeaders("BatchAssociateUserStack"), one, 404, "UnknownOperationException", ""},
		{"not JSON", "/", jsonHeaders("BatchAssociateUserStack"), `{"UserStackAssociations":`, 400, "SerializationException", ""},
		{"empty body", "/", jsonHeaders("BatchAssociateUserStack"), ``, 400, "ValidationException", ""},
		{"empty list", "/", jsonHeaders("BatchAssociateUserStack"), `{"UserStackAssociations":[]}`, 400, "ValidationException", ""},
		{"missing stack", "/", jsonHeaders("BatchAssociateUserStack"), `{"UserStackAssociations":[{"UserName":"jane@example.com","AuthenticationType":"USERPOOL"}]}`, 400, "ValidationException", ""},
		{"long user name", "/", jsonHeaders("BatchAssociateUserStack"), `{"UserStackAssociations":[{"StackName":"S","UserName":"` + strings.Repeat("x", 129) + `","AuthenticationType":"USERPOOL"}]}`, 400, "ValidationException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			resp, out := send(t, srv, tc.path, tc.header, []byte(tc.body), false)
			if resp.StatusCode != tc.status {
				t.Fatalf("status: got %d (%s), want %d", resp.StatusCode, out, tc.status)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
				t.Fatalf("Content-Type: got %q", ct)
			}
			if tc.typ == "" {
				if string(out) != tc.answer {
					t.Fatalf("answer:\n got %s\nwant %s", out, tc.answer)
				}
				return
			}
			var e map[string]string
			if err := json.Unmarshal(out, &e); err != nil || e["__type"] != tc.typ || e["message"] == "" {
				t.Fatalf("error: got %s, want __type %s with a message", out, tc.typ)
			}
			if strings.Contains(string(out), "jane") {
				t.Fatalf("error quotes the user name: %s", out)
			}
		})
	}
}

func TestOmitEmptyErrors(t *testing.T) {
	srv := newServer(t, func(o *appstreamtest.Options) { o.OmitEmptyErrors = true })
	body := `{"UserStackAssociations":[{"StackName":"Stack","UserName":"jane@example.com","AuthenticationType":"USERPOOL"}]}`
	_, out := send(t, srv, "/", jsonHeaders("BatchAssociateUserStack"), []byte(body), false)
	if string(out) != `{}` {
		t.Fatalf("JSON answer: got %s, want {}", out)
	}
	_, out = send(t, srv, cborAssociatePath, cborHeaders, cborBody(cborAssoc("Stack", "jane@example.com", "USERPOOL", false)), false)
	if m := decodeCBOR(t, out); len(m) != 0 {
		t.Fatalf("CBOR answer: got %v, want an empty map", m)
	}
}

func TestSDKClient(t *testing.T) {
	srv := newServer(t)
	client := srv.Client()
	ctx := context.Background()
	in := []appstreamtypes.UserStackAssociation{
		{StackName: aws.String("Stack"), UserName: aws.String("jane@example.com"), AuthenticationType: "USERPOOL"},
		{StackName: aws.String("Stack"), UserName: aws.String("nobody@example.com"), AuthenticationType: "USERPOOL"},
	}
	// Associating twice is idempotent.
	for range 2 {
		out, err := client.BatchAssociateUserStack(ctx, &appstreamsdk.BatchAssociateUserStackInput{UserStackAssociations: in})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Errors) != 1 || out.Errors[0].ErrorCode != appstreamtypes.UserStackAssociationErrorCodeUserNameNotFound ||
			aws.ToString(out.Errors[0].UserStackAssociation.UserName) != "nobody@example.com" {
			t.Fatalf("errors: got %+v", out.Errors)
		}
	}
	if got := srv.Associations(); len(got) != 1 || got[0].UserName != "jane@example.com" {
		t.Fatalf("associations: got %v", got)
	}
	_, err := client.BatchDisassociateUserStack(ctx, &appstreamsdk.BatchDisassociateUserStackInput{UserStackAssociations: in[:1]})
	if err != nil || len(srv.Associations()) != 0 {
		t.Fatalf("disassociate: err %v, associations %v", err, srv.Associations())
	}

	srv.SetFaults(appstreamtest.Faults{Poison: []string{"jane@example.com"}})
	_, err = client.BatchAssociateUserStack(ctx, &appstreamsdk.BatchAssociateUserStackInput{UserStackAssociations: in})
	var ipc *appstreamtypes.InvalidParameterCombinationException
	if !errors.As(err, &ipc) {
		t.Fatalf("poison: got %v, want InvalidParameterCombinationException", err)
	}
	for _, r := range srv.Requests() {
		op, sent, err := appstreamtest.SentAssociations(r)
		require.NoError(t, err)
		assert.Equal(t, r.Operation, op)
		assert.NotEmpty(t, sent)
	}
}

// TestSDKClientReadsErrorMessages is the regression test of CBOR errors the
// model does not define decoding with the message "UnknownError": the kit
// wrote only "Message", and the official client reads "message" for them.
// Every error the kit renders reaches the client with its message (an
// unsigned request, which the client refuses to send, is in
// TestCBORRefusals).
func TestSDKClientReadsErrorMessages(t *testing.T) {
	one := []appstreamtypes.UserStackAssociation{
		{StackName: aws.String("Stack"), UserName: aws.String("jane@example.com"), AuthenticationType: "USERPOOL"},
	}
	creds := func(key, secret string) func(*appstreamsdk.Options) {
		return func(o *appstreamsdk.Options) {
			o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, nil
			})
		}
	}
	for _, tc := range []struct {
		name   string
		faults appstreamtest.Faults
		in     []appstreamtypes.UserStackAssociation
		optFn  func(*appstreamsdk.Options)
		code   string
		typed  bool // the client returns the modeled error type
	}{
		{"validation", appstreamtest.Faults{}, []appstreamtypes.UserStackAssociation{}, nil, "ValidationException", false},
		{"throttle", appstreamtest.Faults{ThrottleRate: 1}, one, nil, "ThrottlingException", false},
		{"internal", appstreamtest.Faults{CallFailureRate: 1}, one, nil, "InternalFailure", false},
		{"unknown key", appstreamtest.Faults{}, one, creds("AKIDSOMEONEELSE", appstreamtest.SecretAccessKey), "UnrecognizedClientException", false},
		{"wrong secret", appstreamtest.Faults{}, one, creds(appstreamtest.AccessKeyID, "wrong"), "InvalidSignatureException", false},
		{"wrong region", appstreamtest.Faults{}, one, func(o *appstreamsdk.Options) { o.Region = "eu-west-1" }, "InvalidSignatureException", false},
		{"poison", appstreamtest.Faults{Poison: []string{"jane@example.com"}}, one, nil, "InvalidParameterCombinationException", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, func(o *appstreamtest.Options) { o.Faults = tc.faults })
			client := srv.Client(func(o *appstreamsdk.Options) { o.RetryMaxAttempts = 1 })
			var optFns []func(*appstreamsdk.Options)
			if tc.optFn != nil {
				optFns = append(optFns, tc.optFn)
			}
			_, err := client.BatchAssociateUserStack(context.Background(),
				&appstreamsdk.BatchAssociateUserStackInput{UserStackAssociations: tc.in}, optFns...)
			var ae smithy.APIError
			require.True(t, errors.As(err, &ae), "got %v", err)
			assert.Equal(t, tc.code, ae.ErrorCode())
			assert.NotEqual(t, "UnknownError", ae.ErrorMessage())
			assert.NotEmpty(t, ae.ErrorMessage())
			var generic *smithy.GenericAPIError
			assert.Equal(t, !tc.typed, errors.As(err, &generic), "%T", ae)
			assert.Equal(t, srv.Requests()[0].Operation, "BatchAssociateUserStack")
		})
	}
}

// TestSentAssociations decodes logged requests of both protocols, the
// official client's CBOR and a hand-signed AWS JSON 1.1 one.
func TestSentAssociations(t *testing.T) {
	srv := newServer(t)
	_, err := srv.Client().BatchDisassociateUserStack(context.Background(), &appstreamsdk.BatchDisassociateUserStackInput{
		UserStackAssociations: []appstreamtypes.UserStackAssociation{
			{StackName: aws.String("Stack"), UserName: aws.String("jane@example.com"), AuthenticationType: "USERPOOL"},
			{StackName: aws.String("Other"), UserName: aws.String("bob@example.com"), AuthenticationType: "SAML"},
		},
	})
	require.NoError(t, err)
	resp, _ := send(t, srv, "/", jsonHeaders("BatchAssociateUserStack"),
		[]byte(`{"UserStackAssociations":[{"StackName":"Stack","UserName":"bob@example.com","AuthenticationType":"SAML"}]}`), false)
	require.Equal(t, 200, resp.StatusCode)
	send(t, srv, "/", jsonHeaders("CreateStack"), []byte(`{}`), false)

	reqs := srv.Requests()
	require.Len(t, reqs, 3)
	op, got, err := appstreamtest.SentAssociations(reqs[0])
	require.NoError(t, err)
	assert.Equal(t, "BatchDisassociateUserStack", op)
	assert.Equal(t, "rpc-v2-cbor", reqs[0].Header.Get("Smithy-Protocol"), "the pinned SDK speaks CBOR")
	assert.Equal(t, []appstreamtest.Association{
		{StackName: "Stack", UserName: "jane@example.com", AuthenticationType: "USERPOOL"},
		{StackName: "Other", UserName: "bob@example.com", AuthenticationType: "SAML"},
	}, got)
	op, got, err = appstreamtest.SentAssociations(reqs[1])
	require.NoError(t, err)
	assert.Equal(t, "BatchAssociateUserStack", op)
	assert.Equal(t, []appstreamtest.Association{{StackName: "Stack", UserName: "bob@example.com", AuthenticationType: "SAML"}}, got)
	_, _, err = appstreamtest.SentAssociations(reqs[2])
	assert.Error(t, err)
}
