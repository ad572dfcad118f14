package wickr_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

// tokenRE is the model's pattern and length for X-Client-Token.
var tokenRE = regexp.MustCompile(`^[a-zA-Z0-9_:-]{1,64}$`)

// documentedToken derives a token by the rule in the package
// documentation, independently of the adapter's code.
func documentedToken(prefix, network string, resend uint64, names ...string) string {
	names = slices.Clone(names)
	slices.Sort(names)
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(network)))
	b = append(b, network...)
	for _, n := range names {
		b = binary.AppendUvarint(b, uint64(len(n)))
		b = append(b, n...)
	}
	if resend > 0 {
		b = binary.AppendUvarint(b, resend)
	}
	sum := sha256.Sum256(b)
	return prefix + hex.EncodeToString(sum[:])[:64-len(prefix)]
}

func TestClientTokenRule(t *testing.T) {
	for _, prefix := range []string{"j", "job-7:", "A_b-C:d", strings.Repeat("p", wickr.MaxClientTokenPrefix)} {
		a := wickr.New(&cannedAPI{}, func(o *wickr.Options) { o.ClientTokenPrefix = prefix })
		got := a.ClientToken("12345678", "zed", "amy", "é@example.com")
		want := documentedToken(prefix, "12345678", 0, "amy", "zed", "é@example.com")
		if got != want {
			t.Errorf("prefix %q: ClientToken() = %q, want %q", prefix, got, want)
		}
		if len(got) != 64 || !tokenRE.MatchString(got) || !strings.HasPrefix(got, prefix) {
			t.Errorf("prefix %q: token %q does not fit the model or does not start with the prefix", prefix, got)
		}
	}
}

func TestClientTokenDefaultPrefix(t *testing.T) {
	a, b := wickr.New(&cannedAPI{}), wickr.New(&cannedAPI{})
	ta, tb := a.ClientToken("12345678", "u"), b.ClientToken("12345678", "u")
	if ta == tb {
		t.Errorf("two Adapters without a prefix share the token %q", ta)
	}
	for _, tok := range []string{ta, tb} {
		if len(tok) != 64 || !tokenRE.MatchString(tok) || tok[16] != '-' {
			t.Errorf("default token %q: want 16 random hex digits, '-', and hash, 64 in all", tok)
		}
		if want := documentedToken(tok[:17], "12345678", 0, "u"); tok != want {
			t.Errorf("default token %q, want %q by the rule", tok, want)
		}
	}
	if a.ClientToken("12345678", "u") != ta {
		t.Error("an Adapter's token changed between two calls")
	}
}

// TestClientTokenPerCall checks the tokens the adapter sends: the same call
// sends the same token, whatever the order of its items; another set of
// users or another network gets another.
func TestClientTokenPerCall(t *testing.T) {
	api := &cannedAPI{}
	a := wickr.New(api, func(o *wickr.Options) { o.ClientTokenPrefix = "job-1:" })
	call := func(network string, names ...string) string {
		t.Helper()
		var items []wickr.NewUser
		for _, n := range names {
			items = append(items, newUser(network, n))
		}
		if _, err := a.Call(context.Background(), network, items); err != nil {
			t.Fatal(err)
		}
		toks := api.tokens()
		return toks[len(toks)-1]
	}
	first := call("12345678", "a", "b", "c")
	if again := call("12345678", "c", "a", "b"); again != first {
		t.Errorf("the same users in another order got %q, want %q", again, first)
	}
	if first != documentedToken("job-1:", "12345678", 0, "a", "b", "c") {
		t.Errorf("token %q does not follow the documented rule", first)
	}
	seen := map[string]string{first: "a b c"}
	for _, c := range []struct {
		network string
		names   []string
	}{
		{"12345678", []string{"a", "b"}},
		{"12345678", []string{"a", "b", "c", "d"}},
		{"12345678", []string{"ab", "c"}}, // the length prefixes keep "ab"+"c" apart from "a"+"bc"
		{"12345678", []string{"a", "bc"}},
		{"87654321", []string{"a", "b", "c"}},
	} {
		tok := call(c.network, c.names...)
		if prev, ok := seen[tok]; ok {
			t.Errorf("users %v of %s share the token of %s", c.names, c.network, prev)
		}
		seen[tok] = strings.Join(c.names, " ")
	}
}

// TestClientTokenAfterAnswers checks when a resend of the same users reuses
// the token: after a lost or unattributable answer it must (so the service
// repeats its answer), after an answer leaving users to retry it must not
// (the service would only repeat that answer).
func TestClientTokenAfterAnswers(t *testing.T) {
	lost := &smithy.OperationError{Err: &smithyhttp.RequestSendError{Err: errors.New("connection reset")}}
	var answers []func() (*wickrapi.BatchCreateUserOutput, error)
	api := &cannedAPI{answer: func(*wickrapi.BatchCreateUserInput) (*wickrapi.BatchCreateUserOutput, error) {
		next := answers[0]
		answers = answers[1:]
		return next()
	}}
	a := wickr.New(api, func(o *wickr.Options) { o.ClientTokenPrefix = "p-" })
	items := []wickr.NewUser{newUser("12345678", "a"), newUser("12345678", "b")}
	tokenOf := func(answer func() (*wickrapi.BatchCreateUserOutput, error)) string {
		t.Helper()
		answers = append(answers, answer)
		_, _ = a.Call(context.Background(), "12345678", items)
		toks := api.tokens()
		return toks[len(toks)-1]
	}
	gen := func(n uint64) string { return documentedToken("p-", "12345678", n, "a", "b") }

	steps := []struct {
		name   string
		answer func() (*wickrapi.BatchCreateUserOutput, error)
		sent   string // the token the call carried
	}{
		{"lost answer", func() (*wickrapi.BatchCreateUserOutput, error) { return nil, lost }, gen(0)},
		{"unattributable answer", func() (*wickrapi.BatchCreateUserOutput, error) {
			return &wickrapi.BatchCreateUserOutput{Successful: created("x")}, nil
		}, gen(0)},
		{"permanent failures only", func() (*wickrapi.BatchCreateUserOutput, error) {
			return &wickrapi.BatchCreateUserOutput{Failed: failedEntries(noGroup, noGroup)}, nil
		}, gen(0)},
		{"a retryable failure", func() (*wickrapi.BatchCreateUserOutput, error) {
			return &wickrapi.BatchCreateUserOutput{Successful: created("a"), Failed: failedEntries(internal)}, nil
		}, gen(0)},
		{"resend after it", func() (*wickrapi.BatchCreateUserOutput, error) {
			return &wickrapi.BatchCreateUserOutput{Failed: failedEntries(internal, internal)}, nil
		}, gen(1)},
		{"and again", func() (*wickrapi.BatchCreateUserOutput, error) { return nil, lost }, gen(2)},
		{"after the lost answer", func() (*wickrapi.BatchCreateUserOutput, error) {
			return &wickrapi.BatchCreateUserOutput{Successful: created("a", "b")}, nil
		}, gen(2)},
	}
	for _, s := range steps {
		if got := tokenOf(s.answer); got != s.sent {
			t.Errorf("%s: sent token %q, want %q", s.name, got, s.sent)
		}
	}
	for n := range uint64(3) {
		if tok := gen(n); len(tok) != 64 || !tokenRE.MatchString(tok) {
			t.Errorf("resend %d token %q does not fit the model", n, tok)
		}
	}
}

func TestClientTokenPrefixInvalid(t *testing.T) {
	for _, prefix := range []string{
		strings.Repeat("p", wickr.MaxClientTokenPrefix+1),
		"job 1",
		"job/1",
		"jöb",
		"job.1",
	} {
		api := &cannedAPI{}
		a := wickr.New(api, func(o *wickr.Options) { o.ClientTokenPrefix = prefix })
		err := a.Validate(newUser("12345678", "u"))
		var e *batch.Error
		if !errors.As(err, &e) || e.Code != batch.CodeInvalidInput || e.Field != "ClientTokenPrefix" {
			t.Errorf("prefix %q: Validate() = %v, want InvalidInput in ClientTokenPrefix", prefix, err)
		}
		if a.ClientToken("12345678", "u") != "" {
			t.Errorf("prefix %q: ClientToken() is not empty", prefix)
		}
		_, err = a.Call(context.Background(), "12345678", []wickr.NewUser{newUser("12345678", "u")})
		if err == nil {
			t.Errorf("prefix %q: Call() succeeded", prefix)
		}
		if ce, scope := a.Classify(err); ce.Code != batch.CodeInvalidInput || scope != batch.ScopeRun || ce.Field != "ClientTokenPrefix" {
			t.Errorf("prefix %q: Classify() = %v %s", prefix, ce, scope)
		}
		if len(api.inputs) != 0 {
			t.Errorf("prefix %q: %d calls sent", prefix, len(api.inputs))
		}
	}
}
