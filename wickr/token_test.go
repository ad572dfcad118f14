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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr"
)

// tokenRE is the model's pattern and length for X-Client-Token.
var tokenRE = regexp.MustCompile(`^[a-zA-Z0-9_:-]{1,64}$`)

// documentedToken derives the token of the n-th call (from 0) with the
// content network and users by the rule in the package documentation,
// independently of the adapter's code.
func documentedToken(prefix, network string, n uint64, users ...wickr.NewUser) string {
	users = slices.Clone(users)
	slices.SortStableFunc(users, func(x, y wickr.NewUser) int { return strings.Compare(x.Username, y.Username) })
	str := func(b []byte, s string) []byte {
		return append(binary.AppendUvarint(b, uint64(len(s))), s...)
	}
	b := str(nil, network)
	for _, u := range users {
		b = str(b, u.Username)
		b = binary.AppendUvarint(b, uint64(len(u.SecurityGroupIds)))
		for _, g := range u.SecurityGroupIds {
			b = str(b, g)
		}
		b = str(str(str(b, u.FirstName), u.LastName), u.InviteCode)
		if u.InviteCodeTtl == nil {
			b = append(b, 0)
		} else {
			b = binary.AppendUvarint(append(b, 1), uint64(uint32(*u.InviteCodeTtl)))
		}
		switch {
		case u.CodeValidation == nil:
			b = append(b, 0)
		case !*u.CodeValidation:
			b = append(b, 1)
		default:
			b = append(b, 2)
		}
	}
	if n > 0 {
		b = binary.AppendUvarint(b, n)
	}
	sum := sha256.Sum256(b)
	return prefix + hex.EncodeToString(sum[:])[:64-len(prefix)]
}

// fullUser is a user with every member set.
func fullUser(network, name string) wickr.NewUser {
	return wickr.NewUser{NetworkId: network, Username: name, SecurityGroupIds: []string{"sg-1"},
		FirstName: "First " + name, LastName: "Last", InviteCode: "INV-" + name, InviteCodeTtl: aws.Int32(300), CodeValidation: aws.Bool(true)}
}

func TestClientTokenRule(t *testing.T) {
	users := []wickr.NewUser{fullUser("12345678", "zed"), newUser("12345678", "amy"), fullUser("12345678", "é@example.com")}
	users[1].CodeValidation = aws.Bool(false)
	for _, prefix := range []string{"j", "job-7:", "A_b-C:d", strings.Repeat("p", wickr.MaxClientTokenPrefix)} {
		a := wickr.New(&cannedAPI{}, func(o *wickr.Options) { o.ClientTokenPrefix = prefix })
		got := a.ClientToken("12345678", users...)
		assert.Equal(t, documentedToken(prefix, "12345678", 0, users...), got, "prefix %q", prefix)
		assert.True(t, len(got) == 64 && tokenRE.MatchString(got) && strings.HasPrefix(got, prefix),
			"prefix %q: token %q does not fit the model or does not start with the prefix", prefix, got)
	}
}

func TestClientTokenDefaultPrefix(t *testing.T) {
	a, b := wickr.New(&cannedAPI{}), wickr.New(&cannedAPI{})
	u := newUser("12345678", "u")
	ta, tb := a.ClientToken("12345678", u), b.ClientToken("12345678", u)
	assert.NotEqual(t, ta, tb, "two Adapters without a prefix share a token")
	for _, tok := range []string{ta, tb} {
		require.True(t, len(tok) == 64 && tokenRE.MatchString(tok) && tok[16] == '-',
			"default token %q: want 16 random hex digits, '-', and hash, 64 in all", tok)
		assert.Equal(t, documentedToken(tok[:17], "12345678", 0, u), tok)
	}
	assert.Equal(t, ta, a.ClientToken("12345678", u), "an Adapter's token changed between two calls")
}

// TestClientTokenPerCall checks the tokens the adapter sends for calls that
// do not come from a run: each is a new call, so the same content gets the
// next rank, whatever the order of its users; any other content, down to
// one member of one user, gets a token of its own.
func TestClientTokenPerCall(t *testing.T) {
	api := &cannedAPI{}
	a := wickr.New(api, func(o *wickr.Options) { o.ClientTokenPrefix = "job-1:" })
	call := func(network string, users ...wickr.NewUser) string {
		t.Helper()
		_, err := a.Call(context.Background(), network, users)
		require.NoError(t, err)
		toks := api.tokens()
		return toks[len(toks)-1]
	}
	u := func(names ...string) []wickr.NewUser {
		var out []wickr.NewUser
		for _, n := range names {
			out = append(out, fullUser("12345678", n))
		}
		return out
	}
	abc := u("a", "b", "c")
	first := call("12345678", abc...)
	assert.Equal(t, documentedToken("job-1:", "12345678", 0, abc...), first, "the first call does not follow the documented rule")
	assert.Equal(t, a.ClientToken("12345678", abc...), first)
	again := call("12345678", u("c", "a", "b")...)
	assert.Equal(t, documentedToken("job-1:", "12345678", 1, abc...), again, "a second call with the same content must get rank 1")

	seen := map[string]string{first: "a b c", again: "a b c again"}
	renamed := u("a", "b", "c")
	renamed[1].FirstName = "Other"
	noTTL := u("a", "b", "c")
	noTTL[2].InviteCodeTtl = nil
	otherGroup := u("a", "b", "c")
	otherGroup[0].SecurityGroupIds = []string{"sg-2"}
	for _, c := range []struct {
		name    string
		network string
		users   []wickr.NewUser
	}{
		{"a b", "12345678", u("a", "b")},
		{"a b c d", "12345678", u("a", "b", "c", "d")},
		{"ab c", "12345678", u("ab", "c")}, // the length prefixes keep "ab"+"c" apart from "a"+"bc"
		{"a bc", "12345678", u("a", "bc")},
		{"other network", "87654321", abc},
		{"another first name", "12345678", renamed},
		{"no invite code lifetime", "12345678", noTTL},
		{"another group", "12345678", otherGroup},
	} {
		tok := call(c.network, c.users...)
		if prev, ok := seen[tok]; ok {
			t.Errorf("%s shares the token of %s", c.name, prev)
		}
		seen[tok] = c.name
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
		if a.ClientToken("12345678", newUser("12345678", "u")) != "" {
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
