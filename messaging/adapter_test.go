package messaging_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
	"github.com/batchkit/batchkit/messaging"
	"github.com/batchkit/batchkit/messaging/messagingapi"
)

const (
	appInstance = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1"
	channelArn  = appInstance + "/channel/ch-1"
	adminArn    = appInstance + "/user/admin"
)

func userArn(id string) string { return appInstance + "/user/" + id }

// cannedAPI is a hand-written messaging.API: it records each input and the
// per-call options, and answers with out or err.
type cannedAPI struct {
	out *messagingapi.BatchCreateChannelMembershipOutput
	err error

	mu     sync.Mutex
	inputs []*messagingapi.BatchCreateChannelMembershipInput
	opts   []messagingapi.Options
}

func (c *cannedAPI) BatchCreateChannelMembership(_ context.Context, in *messagingapi.BatchCreateChannelMembershipInput, optFns ...func(*messagingapi.Options)) (*messagingapi.BatchCreateChannelMembershipOutput, error) {
	o := messagingapi.Options{Retryer: retry.NewStandard(), HTTPClient: http.DefaultClient}
	for _, fn := range optFns {
		fn(&o)
	}
	c.mu.Lock()
	c.inputs = append(c.inputs, in)
	c.opts = append(c.opts, o)
	c.mu.Unlock()
	return c.out, c.err
}

func member(id string) messaging.Membership {
	return messaging.Membership{ChannelArn: channelArn, ChimeBearer: adminArn, MemberArn: userArn(id)}
}

func TestValidate(t *testing.T) {
	a := messaging.New(&cannedAPI{})
	ok := messaging.Membership{ChannelArn: channelArn, ChimeBearer: adminArn, MemberArn: userArn("u1"), Type: messagingapi.ChannelMembershipTypeHidden, SubChannelId: "sub_1-A"}
	with := func(f func(*messaging.Membership)) messaging.Membership {
		m := ok
		f(&m)
		return m
	}
	longResource := "arn:aws:chime:us-east-1:1:" + strings.Repeat("r", 1024)
	tests := []struct {
		name  string
		item  messaging.Membership
		field string // "" means valid
	}{
		{"valid", ok, ""},
		{"minimal", messaging.Membership{ChannelArn: "arn:a::::c", ChimeBearer: "arn:a::::b", MemberArn: "arn:a::::m"}, ""},
		{"default type", with(func(m *messaging.Membership) { m.Type = messagingapi.ChannelMembershipTypeDefault }), ""},
		{"no sub channel", with(func(m *messaging.Membership) { m.SubChannelId = "" }), ""},
		{"longest sub channel", with(func(m *messaging.Membership) { m.SubChannelId = strings.Repeat("s", 128) }), ""},
		{"resource of 1024", with(func(m *messaging.Membership) { m.MemberArn = longResource }), ""},
		{"resource with colons and unicode", with(func(m *messaging.Membership) { m.MemberArn = userArn("ü:x y") }), ""},
		// The pattern caps an ARN at 4+4·64+1024 = 1284 characters, below
		// the 1600 of the length limit; é counts as one character.
		{"longest", with(func(m *messaging.Membership) {
			m.MemberArn = "arn:" + strings.Repeat("a", 63) + ":" + strings.Repeat("b", 63) + ":" + strings.Repeat("c", 63) + ":" + strings.Repeat("d", 63) + ":" + strings.Repeat("é", 1024)
		}), ""},

		{"empty channel", with(func(m *messaging.Membership) { m.ChannelArn = "" }), "ChannelArn"},
		{"short channel", with(func(m *messaging.Membership) { m.ChannelArn = "arn:" }), "ChannelArn"},
		{"channel not an arn", with(func(m *messaging.Membership) { m.ChannelArn = "channel/ch-1" }), "ChannelArn"},
		{"channel upper-case service", with(func(m *messaging.Membership) { m.ChannelArn = "arn:aws:CHIME:us-east-1:1:x" }), "ChannelArn"},
		{"channel empty partition", with(func(m *messaging.Membership) { m.ChannelArn = "arn::chime:us-east-1:1:x" }), "ChannelArn"},
		{"channel too few fields", with(func(m *messaging.Membership) { m.ChannelArn = "arn:aws:chime:us-east-1" }), "ChannelArn"},
		{"channel resource starts with slash", with(func(m *messaging.Membership) { m.ChannelArn = "arn:aws:chime:us-east-1:1:/x" }), "ChannelArn"},
		{"channel empty resource", with(func(m *messaging.Membership) { m.ChannelArn = "arn:aws:chime:us-east-1:1:" }), "ChannelArn"},
		{"channel resource of 1025", with(func(m *messaging.Membership) { m.ChannelArn = longResource + "r" }), "ChannelArn"},
		{"channel line break", with(func(m *messaging.Membership) { m.ChannelArn = channelArn + "\nx" }), "ChannelArn"},
		{"channel field of 64", with(func(m *messaging.Membership) { m.ChannelArn = "arn:" + strings.Repeat("a", 64) + "::::x" }), "ChannelArn"},
		{"channel too long", with(func(m *messaging.Membership) {
			m.ChannelArn = "arn:" + strings.Repeat("a", 63) + ":" + strings.Repeat("b", 63) + ":" + strings.Repeat("c", 63) + ":" + strings.Repeat("d", 63) + ":" + strings.Repeat("e", 1024)
			m.ChannelArn += strings.Repeat("e", 1601-len(m.ChannelArn))
		}), "ChannelArn"},
		{"channel invalid utf-8", with(func(m *messaging.Membership) { m.ChannelArn = channelArn + "\xff" }), "ChannelArn"},
		{"empty bearer", with(func(m *messaging.Membership) { m.ChimeBearer = "" }), "ChimeBearer"},
		{"bearer not an arn", with(func(m *messaging.Membership) { m.ChimeBearer = "admin" }), "ChimeBearer"},
		{"bearer control character", with(func(m *messaging.Membership) { m.ChimeBearer = adminArn + "\x00" }), "ChimeBearer"},
		{"bearer starting with a line feed", with(func(m *messaging.Membership) { m.ChimeBearer = "arn:aws:chime:us-east-1:1:\nx" }), "ChimeBearer"},
		{"bearer trailing space", with(func(m *messaging.Membership) { m.ChimeBearer = adminArn + " " }), "ChimeBearer"},
		{"empty member", with(func(m *messaging.Membership) { m.MemberArn = "" }), "MemberArn"},
		{"member not an arn", with(func(m *messaging.Membership) { m.MemberArn = "u1" }), "MemberArn"},
		{"member carriage return", with(func(m *messaging.Membership) { m.MemberArn = userArn("u\r1") }), "MemberArn"},
		{"member line separator", with(func(m *messaging.Membership) { m.MemberArn = userArn("u\u20281") }), "MemberArn"},
		{"bad type", with(func(m *messaging.Membership) { m.Type = "SECRET" }), "Type"},
		{"type case", with(func(m *messaging.Membership) { m.Type = "hidden" }), "Type"},
		{"sub channel too long", with(func(m *messaging.Membership) { m.SubChannelId = strings.Repeat("s", 129) }), "SubChannelId"},
		{"sub channel space", with(func(m *messaging.Membership) { m.SubChannelId = "a b" }), "SubChannelId"},
		{"sub channel dot", with(func(m *messaging.Membership) { m.SubChannelId = "a.b" }), "SubChannelId"},
		{"sub channel invalid utf-8", with(func(m *messaging.Membership) { m.SubChannelId = "\xff" }), "SubChannelId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := a.Validate(tt.item)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var e *batch.Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate() = %v, want a *batch.Error", err)
			}
			if e.Code != batch.CodeInvalidInput || e.Field != tt.field || e.Retryable {
				t.Errorf("Validate() = code %s field %q retryable %v (%v), want %s field %q permanent", e.Code, e.Field, e.Retryable, e, batch.CodeInvalidInput, tt.field)
			}
			if !strings.Contains(e.Error(), tt.field) {
				t.Errorf("error %q does not name the field %s", e.Error(), tt.field)
			}
		})
	}
}

func TestAdapterShape(t *testing.T) {
	for _, tt := range []struct{ opt, want int }{{0, 100}, {-1, 100}, {5, 5}, {100, 100}, {101, 100}, {1000, 100}} {
		a := messaging.New(&cannedAPI{}, func(o *messaging.Options) { o.MaxItemsPerCall = tt.opt })
		if got := a.MaxItems(); got != tt.want {
			t.Errorf("MaxItemsPerCall %d: MaxItems() = %d, want %d", tt.opt, got, tt.want)
		}
	}
	a := messaging.New(&cannedAPI{})
	m := member("u1")
	if got := a.Operation(); got != "BatchCreateChannelMembership" {
		t.Errorf("Operation() = %q, want BatchCreateChannelMembership", got)
	}
	if got := a.Identity(m); got != userArn("u1") {
		t.Errorf("Identity() = %q, want the member ARN", got)
	}
	if a.Key(m) != a.Key(member("u2")) {
		t.Error("members of one channel, bearer, type and SubChannel have different keys")
	}
}

// TestKeyEncodingIsUnambiguous checks that items whose call fields differ
// get different keys, even when a naive concatenation of the fields would
// collide.
func TestKeyEncodingIsUnambiguous(t *testing.T) {
	a := messaging.New(&cannedAPI{})
	base := member("u1")
	mk := func(ch, bearer string, typ messagingapi.ChannelMembershipType, sub string) messaging.Membership {
		return messaging.Membership{ChannelArn: ch, ChimeBearer: bearer, MemberArn: base.MemberArn, Type: typ, SubChannelId: sub}
	}
	items := []messaging.Membership{
		mk(channelArn, adminArn, "", ""),
		mk(channelArn, adminArn, "DEFAULT", ""),
		mk(channelArn, adminArn, "HIDDEN", ""),
		mk(channelArn, adminArn, "", "s1"),
		mk(channelArn, adminArn, "HIDDEN", "s1"),
		mk(channelArn+"|1:x", adminArn, "", ""),
		mk(channelArn, "1:x|"+adminArn, "", ""),
		// Moving text across the boundary between two fields.
		mk("arn:a::::ab", "arn:a::::c", "", ""),
		mk("arn:a::::a", "barn:a::::c", "", ""),
		mk("arn:a::::a|10:arn:a::::c", "arn:a::::d", "", ""),
		mk("arn:a::::a", "arn:a::::c|10:arn:a::::d", "", ""),
		mk("arn:a::::x", "arn:a::::y", "HIDDEN", ""),
		mk("arn:a::::x", "arn:a::::y", "", "HIDDEN"),
	}
	seen := map[string]int{}
	for i, it := range items {
		k := a.Key(it)
		if j, dup := seen[k]; dup {
			t.Errorf("items %d and %d have the same key %q: %+v / %+v", j, i, k, items[j], it)
		}
		seen[k] = i
		if again := a.Key(it); again != k {
			t.Errorf("item %d: Key() is not stable: %q then %q", i, k, again)
		}
	}
	// Only the call fields matter.
	other := base
	other.MemberArn = userArn("u9")
	if a.Key(base) != a.Key(other) {
		t.Error("the member ARN changes the key")
	}
}

func TestCallBuildsRequest(t *testing.T) {
	api := &cannedAPI{out: &messagingapi.BatchCreateChannelMembershipOutput{}}
	var clientOptRan bool
	a := messaging.New(api, func(o *messaging.Options) {
		o.ClientOptions = append(o.ClientOptions, func(*messagingapi.Options) { clientOptRan = true })
	})
	items := []messaging.Membership{member("u1"), member("u2")}
	for i := range items {
		items[i].Type = messagingapi.ChannelMembershipTypeHidden
		items[i].SubChannelId = "sub-1"
	}
	if _, err := a.Call(context.Background(), a.Key(items[0]), items); err != nil {
		t.Fatalf("Call() error = %v", err)
	}
	if !clientOptRan {
		t.Error("Options.ClientOptions were not applied to the call")
	}
	in := api.inputs[0]
	if aws.ToString(in.ChannelArn) != channelArn || aws.ToString(in.ChimeBearer) != adminArn || in.Type != messagingapi.ChannelMembershipTypeHidden ||
		aws.ToString(in.SubChannelId) != "sub-1" || fmt.Sprint(in.MemberArns) != fmt.Sprint([]string{userArn("u1"), userArn("u2")}) {
		t.Errorf("input = %+v", in)
	}
	// No SubChannelId means none is sent.
	if _, err := a.Call(context.Background(), a.Key(member("u3")), []messaging.Membership{member("u3")}); err != nil {
		t.Fatal(err)
	}
	if in := api.inputs[1]; in.SubChannelId != nil || in.Type != "" {
		t.Errorf("input = SubChannelId %v Type %q, want both unset", in.SubChannelId, in.Type)
	}
	if o := api.opts[0]; o.HTTPClient == http.DefaultClient || o.HTTPClient == nil {
		t.Error("the call's HTTP client was not wrapped with the answer check")
	}
}

// TestCallRetryerSignalsAndRetriesThrottles checks the per-call retryer
// wrapper: it keeps the client's decisions and adds the throttle codes.
func TestCallRetryerSignalsAndRetriesThrottles(t *testing.T) {
	api := &cannedAPI{out: &messagingapi.BatchCreateChannelMembershipOutput{}}
	a := messaging.New(api, func(o *messaging.Options) { o.ThrottleCodes = []string{"SlowDownPlease"} })
	if _, err := a.Call(context.Background(), a.Key(member("u")), []messaging.Membership{member("u")}); err != nil {
		t.Fatal(err)
	}
	r := api.opts[0].Retryer
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&messagingapi.ThrottledClientException{}, true},
		{&smithy.GenericAPIError{Code: "Throttled"}, true},
		{&smithy.GenericAPIError{Code: "SlowDownPlease"}, true},
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, true},
		{&messagingapi.BadRequestException{}, false},
		{&messagingapi.NotFoundException{}, false},
	} {
		if got := r.IsErrorRetryable(tt.err); got != tt.want {
			t.Errorf("IsErrorRetryable(%T %v) = %v, want %v", tt.err, tt.err, got, tt.want)
		}
	}
}

func id(arn string) messagingapi.Identity {
	return messagingapi.Identity{Arn: aws.String(arn), Name: aws.String("name-of-" + arn[len(arn)-2:])}
}

func itemErr(arn *string, code messagingapi.ErrorCode, msg string) messagingapi.BatchCreateChannelMembershipError {
	return messagingapi.BatchCreateChannelMembershipError{MemberArn: arn, ErrorCode: code, ErrorMessage: aws.String(msg)}
}

func answer(members []messagingapi.Identity, errs ...messagingapi.BatchCreateChannelMembershipError) *messagingapi.BatchCreateChannelMembershipOutput {
	return &messagingapi.BatchCreateChannelMembershipOutput{
		BatchChannelMemberships: &messagingapi.BatchChannelMemberships{ChannelArn: aws.String(channelArn), Members: members},
		Errors:                  errs,
	}
}

// TestCallAttribution checks how answers are matched to items: success
// needs the member in Members, failure in Errors, and anything else is
// Unmatched.
func TestCallAttribution(t *testing.T) {
	items := []messaging.Membership{member("u0"), member("u1"), member("u2")}
	u0, u1, u2, stranger := userArn("u0"), userArn("u1"), userArn("u2"), userArn("zz")
	const ok = batch.Code("")
	um := batch.CodeUnmatched
	tests := []struct {
		name   string
		out    *messagingapi.BatchCreateChannelMembershipOutput
		want   []batch.Code
		retry  []bool
		svcErr string // ServiceCode of the first failed item
	}{
		{"all added", answer([]messagingapi.Identity{id(u2), id(u0), id(u1)}), []batch.Code{ok, ok, ok}, nil, ""},
		{"partial", answer([]messagingapi.Identity{id(u0)},
			itemErr(aws.String(u2), messagingapi.ErrorCodeThrottled, "slow down"),
			itemErr(aws.String(u1), messagingapi.ErrorCodeBadRequest, "not a user")),
			[]batch.Code{ok, batch.CodeInvalidInput, batch.CodeThrottled}, []bool{false, false, true}, "BadRequest"},
		{"unmentioned member is unmatched", answer([]messagingapi.Identity{id(u0)}, itemErr(aws.String(u2), messagingapi.ErrorCodeNotFound, "x")),
			[]batch.Code{ok, um, batch.CodeNotFound}, []bool{false, true, false}, ""},
		{"empty answer", answer(nil), []batch.Code{um, um, um}, []bool{true, true, true}, ""},
		{"no memberships object", &messagingapi.BatchCreateChannelMembershipOutput{Errors: []messagingapi.BatchCreateChannelMembershipError{
			itemErr(aws.String(u1), messagingapi.ErrorCodeForbidden, "no"),
		}}, []batch.Code{um, batch.CodeForbidden, um}, []bool{true, false, true}, ""},
		{"stranger in members is ignored", answer([]messagingapi.Identity{id(stranger), id(u1)}),
			[]batch.Code{um, ok, um}, []bool{true, false, true}, ""},
		{"stranger in errors is ignored", answer([]messagingapi.Identity{id(u0), id(u1), id(u2)}, itemErr(aws.String(stranger), messagingapi.ErrorCodeNotFound, "who")),
			[]batch.Code{ok, ok, ok}, nil, ""},
		{"only strangers", answer([]messagingapi.Identity{id(stranger)}, itemErr(aws.String(stranger), messagingapi.ErrorCodeNotFound, "who")),
			[]batch.Code{um, um, um}, []bool{true, true, true}, ""},
		{"entries without ARN are ignored", answer([]messagingapi.Identity{{Name: aws.String("x")}, id(u0)}, itemErr(nil, messagingapi.ErrorCodeNotFound, "who")),
			[]batch.Code{ok, um, um}, []bool{false, true, true}, ""},
		{"both added and failed is a contradiction", answer([]messagingapi.Identity{id(u0), id(u1)}, itemErr(aws.String(u1), messagingapi.ErrorCodeConflict, "dup")),
			[]batch.Code{ok, um, um}, []bool{false, true, true}, ""},
		{"duplicate error entries keep the permanent error", answer([]messagingapi.Identity{id(u0), id(u2)},
			itemErr(aws.String(u1), messagingapi.ErrorCodeServiceFailure, "oops"),
			itemErr(aws.String(u1), messagingapi.ErrorCodeNotFound, "gone"),
			itemErr(aws.String(u1), messagingapi.ErrorCodeThrottled, "slow")),
			[]batch.Code{ok, batch.CodeNotFound, ok}, []bool{false, false, false}, "NotFound"},
		{"unknown code", answer([]messagingapi.Identity{id(u1), id(u2)}, itemErr(aws.String(u0), "SomethingNew", "?")),
			[]batch.Code{batch.CodeUnknown, ok, ok}, []bool{false, false, false}, "SomethingNew"},
		{"another channel", &messagingapi.BatchCreateChannelMembershipOutput{BatchChannelMemberships: &messagingapi.BatchChannelMemberships{
			ChannelArn: aws.String(appInstance + "/channel/other"), Members: []messagingapi.Identity{id(u0), id(u1), id(u2)},
		}}, []batch.Code{um, um, um}, []bool{true, true, true}, ""},
		{"nil output", nil, []batch.Code{um, um, um}, []bool{true, true, true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := messaging.New(&cannedAPI{out: tt.out})
			res, err := a.Call(context.Background(), a.Key(items[0]), items)
			if err != nil {
				t.Fatalf("Call() error = %v", err)
			}
			if len(res) != len(items) {
				t.Fatalf("got %d results, want %d", len(res), len(items))
			}
			first := true
			for i, r := range res {
				var got batch.Code
				if r.Err != nil {
					got = r.Err.Code
				}
				if got != tt.want[i] {
					t.Errorf("item %d: got code %q (%v), want %q", i, got, r.Err, tt.want[i])
				}
				if r.Err == nil {
					if want := (messaging.Result{Arn: items[i].MemberArn, Name: "name-of-u" + fmt.Sprint(i)}); r.Value != want {
						t.Errorf("item %d: got value %+v, want %+v, the Members entry", i, r.Value, want)
					}
					continue
				}
				if r.Err.Retryable != tt.retry[i] {
					t.Errorf("item %d: got retryable %v, want %v", i, r.Err.Retryable, tt.retry[i])
				}
				if r.Err.Operation != "BatchCreateChannelMembership" {
					t.Errorf("item %d: got operation %q", i, r.Err.Operation)
				}
				if r.Err.Code != um && first && tt.svcErr != "" && r.Err.ServiceCode != tt.svcErr {
					t.Errorf("item %d: got service code %q, want %q", i, r.Err.ServiceCode, tt.svcErr)
				}
				if r.Err.Code != um {
					first = false
				}
			}
		})
	}
}

// TestCallSubChannelMismatch checks that an answer for another SubChannel
// is not trusted.
func TestCallSubChannelMismatch(t *testing.T) {
	items := []messaging.Membership{member("u0")}
	items[0].SubChannelId = "sub-1"
	out := answer([]messagingapi.Identity{id(userArn("u0"))})
	out.BatchChannelMemberships.SubChannelId = aws.String("sub-2")
	a := messaging.New(&cannedAPI{out: out})
	res, err := a.Call(context.Background(), a.Key(items[0]), items)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err == nil || res[0].Err.Code != batch.CodeUnmatched {
		t.Errorf("got %+v, want Unmatched", res[0])
	}
	out.BatchChannelMemberships.SubChannelId = aws.String("sub-1")
	if res, _ := a.Call(context.Background(), a.Key(items[0]), items); res[0].Err != nil {
		t.Errorf("matching SubChannel: got %v, want success", res[0].Err)
	}
}

// TestResultFromMembersEntry checks that a success's Result holds its
// Members entry's ARN and name, with an empty Name when the entry has none,
// and that the Result keeps nothing of the answer: the adapter's Result is
// its own type, not the client's.
func TestResultFromMembersEntry(t *testing.T) {
	items := []messaging.Membership{member("u0"), member("u1")}
	named := id(userArn("u0"))
	nameless := messagingapi.Identity{Arn: aws.String(userArn("u1"))}
	out := answer([]messagingapi.Identity{named, nameless})
	a := messaging.New(&cannedAPI{out: out})
	res, err := a.Call(context.Background(), a.Key(items[0]), items)
	require.NoError(t, err)
	require.Len(t, res, 2)
	for i := range res {
		require.Nil(t, res[i].Err, "item %d", i)
	}
	assert.Equal(t, messaging.Result{Arn: userArn("u0"), Name: "name-of-u0"}, res[0].Value, "item 0")
	assert.Equal(t, messaging.Result{Arn: userArn("u1")}, res[1].Value, "item 1 (an entry without Name)")

	*named.Name = "renamed" // the answer changes after the call
	assert.Equal(t, "name-of-u0", res[0].Value.Name, "item 0 after the answer changed")
}

// TestItemCodeTable checks that every ErrorCode of the client is mapped as
// documented.
func TestItemCodeTable(t *testing.T) {
	want := map[messagingapi.ErrorCode]struct {
		code      batch.Code
		retryable bool
	}{
		"BadRequest":                           {batch.CodeInvalidInput, false},
		"Conflict":                             {batch.CodeConflict, false},
		"Forbidden":                            {batch.CodeForbidden, false},
		"NotFound":                             {batch.CodeNotFound, false},
		"PreconditionFailed":                   {batch.CodeConflict, false},
		"ResourceLimitExceeded":                {batch.CodeLimitExceeded, false},
		"ServiceFailure":                       {batch.CodeInternal, true},
		"AccessDenied":                         {batch.CodeForbidden, false},
		"ServiceUnavailable":                   {batch.CodeUnavailable, true},
		"Throttled":                            {batch.CodeThrottled, true},
		"Throttling":                           {batch.CodeThrottled, true},
		"Unauthorized":                         {batch.CodeUnauthorized, false},
		"Unprocessable":                        {batch.CodeInvalidInput, false},
		"VoiceConnectorGroupAssociationsExist": {batch.CodeConflict, false},
		"PhoneNumberAssociationsExist":         {batch.CodeConflict, false},
	}
	values := messagingapi.ErrorCode("").Values()
	if len(values) != len(want) {
		t.Errorf("the client has %d ErrorCode values, the test expects %d", len(values), len(want))
	}
	for _, v := range values {
		w, ok := want[v]
		if !ok {
			t.Errorf("ErrorCode %s has no expectation", v)
			continue
		}
		a := messaging.New(&cannedAPI{out: answer(nil, itemErr(aws.String(userArn("u")), v, "m"))})
		res, err := a.Call(context.Background(), a.Key(member("u")), []messaging.Membership{member("u")})
		if err != nil {
			t.Fatal(err)
		}
		e := res[0].Err
		if e == nil {
			t.Errorf("%s: got success, want %s", v, w.code)
			continue
		}
		if e.Code != w.code || e.Retryable != w.retryable || e.ServiceCode != string(v) || e.Message != "m" {
			t.Errorf("%s: got %s retryable=%v service=%q message=%q, want %s retryable=%v", v, e.Code, e.Retryable, e.ServiceCode, e.Message, w.code, w.retryable)
		}
		if !errors.Is(e, sentinel(w.code)) {
			t.Errorf("%s: errors.Is(err, sentinel of %s) = false", v, w.code)
		}
	}
}

func sentinel(c batch.Code) error {
	return map[batch.Code]error{
		batch.CodeInvalidInput: batch.ErrInvalidInput, batch.CodeNotFound: batch.ErrNotFound,
		batch.CodeConflict: batch.ErrConflict, batch.CodeForbidden: batch.ErrForbidden,
		batch.CodeUnauthorized: batch.ErrUnauthorized, batch.CodeLimitExceeded: batch.ErrLimitExceeded,
		batch.CodeThrottled: batch.ErrThrottled, batch.CodeUnavailable: batch.ErrUnavailable,
		batch.CodeInternal: batch.ErrInternal, batch.CodeUnmatched: batch.ErrUnmatched,
		batch.CodeCanceled: batch.ErrCanceled, batch.CodeUnknown: batch.ErrUnknown,
	}[c]
}

// opErr wraps err the way the client does for an HTTP answer with status.
func opErr(status int, err error) error {
	return &smithy.OperationError{ServiceID: messagingapi.ServiceID, OperationName: "BatchCreateChannelMembership", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(""))}},
			Err:      err,
		},
		RequestID: "req-1",
	}}
}

func TestClassify(t *testing.T) {
	a := messaging.New(&cannedAPI{})
	msg := aws.String("m")
	tests := []struct {
		name      string
		err       error
		code      batch.Code
		scope     batch.Scope
		retryable bool
		service   string
	}{
		{"not found", opErr(404, &messagingapi.NotFoundException{Message: msg}), batch.CodeNotFound, batch.ScopeKey, false, "NotFoundException"},
		{"forbidden", opErr(403, &messagingapi.ForbiddenException{Message: msg}), batch.CodeForbidden, batch.ScopeKey, false, "ForbiddenException"},
		{"access denied", opErr(403, &smithy.GenericAPIError{Code: "AccessDeniedException"}), batch.CodeForbidden, batch.ScopeKey, false, "AccessDeniedException"},
		{"unknown 403", opErr(403, &smithy.GenericAPIError{Code: "Nope"}), batch.CodeForbidden, batch.ScopeKey, false, "Nope"},
		{"resource limit", opErr(400, &messagingapi.ResourceLimitExceededException{}), batch.CodeLimitExceeded, batch.ScopeKey, false, "ResourceLimitExceededException"},
		{"bad request", opErr(400, &messagingapi.BadRequestException{Message: msg}), batch.CodeInvalidInput, batch.ScopeItems, false, "BadRequestException"},
		{"unauthorized", opErr(401, &messagingapi.UnauthorizedClientException{}), batch.CodeUnauthorized, batch.ScopeRun, false, "UnauthorizedClientException"},
		{"unrecognized client", opErr(403, &smithy.GenericAPIError{Code: "UnrecognizedClientException"}), batch.CodeUnauthorized, batch.ScopeRun, false, "UnrecognizedClientException"},
		{"bad signature", opErr(403, &smithy.GenericAPIError{Code: "InvalidSignatureException"}), batch.CodeUnauthorized, batch.ScopeRun, false, "InvalidSignatureException"},
		{"missing auth", opErr(403, &smithy.GenericAPIError{Code: "MissingAuthenticationTokenException"}), batch.CodeUnauthorized, batch.ScopeRun, false, "MissingAuthenticationTokenException"},
		{"unknown 401", opErr(401, &smithy.GenericAPIError{Code: "Nope"}), batch.CodeUnauthorized, batch.ScopeRun, false, "Nope"},
		{"throttled", opErr(429, &messagingapi.ThrottledClientException{}), batch.CodeThrottled, batch.ScopeCall, true, "ThrottledClientException"},
		{"throttled after max attempts", opErr(429, &retry.MaxAttemptsError{Attempt: 3, Err: &messagingapi.ThrottledClientException{}}), batch.CodeThrottled, batch.ScopeCall, true, "ThrottledClientException"},
		{"unavailable", opErr(503, &messagingapi.ServiceUnavailableException{}), batch.CodeUnavailable, batch.ScopeCall, true, "ServiceUnavailableException"},
		{"service failure", opErr(500, &messagingapi.ServiceFailureException{}), batch.CodeInternal, batch.ScopeCall, true, "ServiceFailureException"},
		{"short code without header", opErr(403, &smithy.GenericAPIError{Code: "Forbidden"}), batch.CodeForbidden, batch.ScopeKey, false, "Forbidden"},
		{"unknown 502", opErr(502, &smithy.GenericAPIError{Code: "BadGateway"}), batch.CodeUnavailable, batch.ScopeCall, true, "BadGateway"},
		{"unknown 429", opErr(429, &smithy.GenericAPIError{Code: "Whoa"}), batch.CodeThrottled, batch.ScopeCall, true, "Whoa"},
		{"unknown 418", opErr(418, &smithy.GenericAPIError{Code: "Teapot"}), batch.CodeUnknown, batch.ScopeCall, false, "Teapot"},
		{"malformed 200", opErr(200, &smithy.DeserializationError{Err: fmt.Errorf("failed to decode response body, %w", &wire.MalformedError{Reason: "trailing data"})}), batch.CodeUnmatched, batch.ScopeCall, true, ""},
		{"undecodable 200", opErr(200, &smithy.DeserializationError{Err: errors.New("expected String")}), batch.CodeUnmatched, batch.ScopeCall, true, ""},
		{"200 cut off", opErr(200, &smithy.DeserializationError{Err: io.ErrUnexpectedEOF}), batch.CodeUnavailable, batch.ScopeCall, true, ""},
		{"malformed 503", opErr(503, &smithy.DeserializationError{Err: io.ErrUnexpectedEOF}), batch.CodeUnavailable, batch.ScopeCall, true, ""},
		{"retry quota", opErr(500, errors.Join(&messagingapi.ServiceFailureException{}, fmt.Errorf("failed to get rate limit token, %w", ratelimit.QuotaExceededError{}))), batch.CodeThrottled, batch.ScopeCall, true, "ServiceFailureException"},
		{"transport", &smithy.OperationError{Err: &smithyhttp.RequestSendError{Err: io.ErrUnexpectedEOF}}, batch.CodeUnavailable, batch.ScopeCall, true, ""},
		{"canceled", &smithy.OperationError{Err: &smithy.CanceledError{Err: context.Canceled}}, batch.CodeCanceled, batch.ScopeCall, false, ""},
		// Classify never sees the run's own cancellation: a deadline is a
		// time-out of something else, such as the HTTP client.
		{"deadline", &smithy.OperationError{Err: &aws.RequestCanceledError{Err: context.DeadlineExceeded}}, batch.CodeUnavailable, batch.ScopeCall, true, ""},
		{"client time-out", &smithy.OperationError{Err: &retry.MaxAttemptsError{Attempt: 3, Err: &smithyhttp.RequestSendError{Err: &url.Error{Op: "Post", URL: "u", Err: context.DeadlineExceeded}}}}, batch.CodeUnavailable, batch.ScopeCall, true, ""},
		{"invalid params", &smithy.OperationError{Err: smithy.InvalidParamsError{Context: "BatchCreateChannelMembershipInput"}}, batch.CodeInvalidInput, batch.ScopeCall, false, ""},
		{"other", errors.New("boom"), batch.CodeUnknown, batch.ScopeCall, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, scope := a.Classify(tt.err)
			if e.Code != tt.code || scope != tt.scope || e.Retryable != tt.retryable || e.ServiceCode != tt.service {
				t.Errorf("Classify() = %s %s retryable=%v service=%q, want %s %s retryable=%v service=%q",
					e.Code, scope, e.Retryable, e.ServiceCode, tt.code, tt.scope, tt.retryable, tt.service)
			}
			if !errors.Is(e, tt.err) {
				t.Error("the original error is not reachable with errors.Is")
			}
			if e.Operation != "BatchCreateChannelMembership" {
				t.Errorf("Operation = %q", e.Operation)
			}
			var re *awshttp.ResponseError
			if errors.As(tt.err, &re) && e.RequestID != "req-1" {
				t.Errorf("RequestID = %q, want req-1", e.RequestID)
			}
		})
	}
}
