package wickr_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

// lifecycleAPI is a hand-written client of the five lifecycle operations:
// it records every input and the options the adapter set, and answers with
// the override of the operation, or with every item successful.
type lifecycleAPI struct {
	del     func(*wickrapi.BatchDeleteUserInput) (*wickrapi.BatchDeleteUserOutput, error)
	suspend func(*wickrapi.BatchToggleUserSuspendStatusInput) (*wickrapi.BatchToggleUserSuspendStatusOutput, error)

	mu     sync.Mutex
	inputs []any
	opts   []wickrapi.Options
}

func (c *lifecycleAPI) record(in any, optFns []func(*wickrapi.Options)) {
	o := wickrapi.Options{Retryer: retry.NewStandard(), HTTPClient: http.DefaultClient}
	for _, fn := range optFns {
		fn(&o)
	}
	c.mu.Lock()
	c.inputs = append(c.inputs, in)
	c.opts = append(c.opts, o)
	c.mu.Unlock()
}

func okUsers(ids []string) []wickrapi.BatchUserSuccessResponseItem {
	out := []wickrapi.BatchUserSuccessResponseItem{}
	for _, id := range ids {
		out = append(out, wickrapi.BatchUserSuccessResponseItem{UserId: aws.String(id)})
	}
	return out
}

func (c *lifecycleAPI) BatchDeleteUser(_ context.Context, in *wickrapi.BatchDeleteUserInput, optFns ...func(*wickrapi.Options)) (*wickrapi.BatchDeleteUserOutput, error) {
	c.record(in, optFns)
	if c.del != nil {
		return c.del(in)
	}
	return &wickrapi.BatchDeleteUserOutput{Successful: okUsers(in.UserIds)}, nil
}

func (c *lifecycleAPI) BatchReinviteUser(_ context.Context, in *wickrapi.BatchReinviteUserInput, optFns ...func(*wickrapi.Options)) (*wickrapi.BatchReinviteUserOutput, error) {
	c.record(in, optFns)
	return &wickrapi.BatchReinviteUserOutput{Successful: okUsers(in.UserIds)}, nil
}

func (c *lifecycleAPI) BatchToggleUserSuspendStatus(_ context.Context, in *wickrapi.BatchToggleUserSuspendStatusInput, optFns ...func(*wickrapi.Options)) (*wickrapi.BatchToggleUserSuspendStatusOutput, error) {
	c.record(in, optFns)
	if c.suspend != nil {
		return c.suspend(in)
	}
	return &wickrapi.BatchToggleUserSuspendStatusOutput{Successful: okUsers(in.UserIds)}, nil
}

func (c *lifecycleAPI) BatchResetDevicesForUser(_ context.Context, in *wickrapi.BatchResetDevicesForUserInput, optFns ...func(*wickrapi.Options)) (*wickrapi.BatchResetDevicesForUserOutput, error) {
	c.record(in, optFns)
	out := &wickrapi.BatchResetDevicesForUserOutput{}
	for _, id := range in.AppIds {
		out.Successful = append(out.Successful, wickrapi.BatchDeviceSuccessResponseItem{AppId: aws.String(id)})
	}
	return out, nil
}

func (c *lifecycleAPI) BatchLookupUserUname(_ context.Context, in *wickrapi.BatchLookupUserUnameInput, optFns ...func(*wickrapi.Options)) (*wickrapi.BatchLookupUserUnameOutput, error) {
	c.record(in, optFns)
	out := &wickrapi.BatchLookupUserUnameOutput{}
	for _, id := range in.Unames {
		out.Successful = append(out.Successful, wickrapi.BatchUnameSuccessResponseItem{Uname: aws.String(id), Username: aws.String("user-of-" + id)})
	}
	return out, nil
}

func refs(ids ...string) []wickr.UserRef {
	out := make([]wickr.UserRef, len(ids))
	for i, id := range ids {
		out[i] = wickr.UserRef{NetworkId: "12345678", UserId: id}
	}
	return out
}

func TestLifecycleAdapterShape(t *testing.T) {
	api := &lifecycleAPI{}
	for _, tt := range []struct{ opt, want int }{{0, 50}, {-3, 50}, {7, 7}, {50, 50}, {51, 50}} {
		opt := func(o *wickr.Options) { o.MaxItemsPerCall = tt.opt }
		assert.Equal(t, tt.want, wickr.NewDelete(api, opt).MaxItems())
		assert.Equal(t, tt.want, wickr.NewReinvite(api, opt).MaxItems())
		assert.Equal(t, tt.want, wickr.NewSuspend(api, opt).MaxItems())
		assert.Equal(t, tt.want, wickr.NewResetDevices(api, opt).MaxItems())
		assert.Equal(t, tt.want, wickr.NewLookup(api, opt).MaxItems())
	}
	ref := wickr.UserRef{NetworkId: "12345678", UserId: "42"}
	del, re := wickr.NewDelete(api), wickr.NewReinvite(api)
	assert.Equal(t, "BatchDeleteUser", del.Operation())
	assert.Equal(t, "BatchReinviteUser", re.Operation())
	for _, a := range []batch.Adapter[wickr.UserRef, wickr.UserResult]{del, re} {
		assert.Equal(t, "12345678", a.Key(ref))
		assert.Equal(t, "42", a.Identity(ref))
	}
	sus := wickr.NewSuspend(api)
	assert.Equal(t, "BatchToggleUserSuspendStatus", sus.Operation())
	assert.Equal(t, "12345678?suspend=true", sus.Key(wickr.SuspendStatus{NetworkId: "12345678", UserId: "42", Suspend: true}))
	assert.Equal(t, "12345678?suspend=false", sus.Key(wickr.SuspendStatus{NetworkId: "12345678", UserId: "42"}))
	assert.Equal(t, "42", sus.Identity(wickr.SuspendStatus{NetworkId: "12345678", UserId: "42"}))
	rd := wickr.NewResetDevices(api)
	dev := wickr.Device{NetworkId: "12345678", UserId: "42", AppId: "app-1"}
	assert.Equal(t, "BatchResetDevicesForUser", rd.Operation())
	assert.Equal(t, "12345678/42", rd.Key(dev))
	assert.Equal(t, "app-1", rd.Identity(dev))
	lk := wickr.NewLookup(api)
	un := wickr.UnameLookup{NetworkId: "12345678", Uname: "abc"}
	assert.Equal(t, "BatchLookupUserUname", lk.Operation())
	assert.Equal(t, "12345678", lk.Key(un))
	assert.Equal(t, "abc", lk.Identity(un))
}

func TestLifecycleValidate(t *testing.T) {
	api := &lifecycleAPI{}
	check := func(t *testing.T, err error, field string) {
		t.Helper()
		if field == "" {
			assert.NoError(t, err)
			return
		}
		var e *batch.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, batch.CodeInvalidInput, e.Code)
		assert.Equal(t, field, e.Field)
		assert.False(t, e.Retryable)
	}
	del := wickr.NewDelete(api)
	for _, tt := range []struct {
		ref   wickr.UserRef
		field string
	}{
		{wickr.UserRef{NetworkId: "12345678", UserId: "1"}, ""},
		{wickr.UserRef{NetworkId: "12345678", UserId: "1234567890"}, ""},
		{wickr.UserRef{NetworkId: "12345678", UserId: "0007"}, ""},
		{wickr.UserRef{NetworkId: "1234567", UserId: "1"}, "NetworkId"},
		{wickr.UserRef{NetworkId: "1234567a", UserId: "1"}, "NetworkId"},
		{wickr.UserRef{NetworkId: "12345678"}, "UserId"},
		{wickr.UserRef{NetworkId: "12345678", UserId: "12345678901"}, "UserId"},
		{wickr.UserRef{NetworkId: "12345678", UserId: "1a"}, "UserId"},
		{wickr.UserRef{NetworkId: "12345678", UserId: " 1"}, "UserId"},
		{wickr.UserRef{NetworkId: "12345678", UserId: "١"}, "UserId"},
		{wickr.UserRef{NetworkId: "12345678", UserId: "\xff"}, "UserId"},
	} {
		check(t, del.Validate(tt.ref), tt.field)
		check(t, wickr.NewReinvite(api).Validate(tt.ref), tt.field)
		check(t, wickr.NewSuspend(api).Validate(wickr.SuspendStatus{NetworkId: tt.ref.NetworkId, UserId: tt.ref.UserId, Suspend: true}), tt.field)
		check(t, wickr.NewResetDevices(api).Validate(wickr.Device{NetworkId: tt.ref.NetworkId, UserId: tt.ref.UserId, AppId: "a"}), tt.field)
	}
	rd := wickr.NewResetDevices(api)
	check(t, rd.Validate(wickr.Device{NetworkId: "12345678", UserId: "1", AppId: "any string at all / é"}), "")
	check(t, rd.Validate(wickr.Device{NetworkId: "12345678", UserId: "1"}), "AppId")
	check(t, rd.Validate(wickr.Device{NetworkId: "12345678", UserId: "1", AppId: "a\xffb"}), "AppId")
	lk := wickr.NewLookup(api)
	check(t, lk.Validate(wickr.UnameLookup{NetworkId: "12345678", Uname: "a1b2c3"}), "")
	check(t, lk.Validate(wickr.UnameLookup{NetworkId: "12345678"}), "Uname")
	check(t, lk.Validate(wickr.UnameLookup{NetworkId: "12345678", Uname: "\xfe"}), "Uname")
	check(t, lk.Validate(wickr.UnameLookup{NetworkId: "123", Uname: "x"}), "NetworkId")

	bad := wickr.NewDelete(api, func(o *wickr.Options) { o.ClientTokenPrefix = "bad prefix" })
	check(t, bad.Validate(wickr.UserRef{NetworkId: "12345678", UserId: "1"}), "ClientTokenPrefix")
	assert.Empty(t, bad.ClientToken(refs("1")...))
}

// TestLifecycleCallBuildsRequest checks the requests: each identity once,
// in increasing byte order, the call key's members, a token of the
// documented rule, the caller's client options and the adapter's retryer.
func TestLifecycleCallBuildsRequest(t *testing.T) {
	ctx := context.Background()
	api := &lifecycleAPI{}
	var ran int
	opt := func(o *wickr.Options) {
		o.ClientTokenPrefix = "job-1:"
		o.ClientOptions = []func(*wickrapi.Options){func(*wickrapi.Options) { ran++ }}
		o.ThrottleCodes = []string{"SlowDown"}
	}
	res, err := wickr.NewDelete(api, opt).Call(ctx, "12345678", refs("9", "10", "1"))
	require.NoError(t, err)
	require.Len(t, res, 3)
	for i, id := range []string{"9", "10", "1"} {
		assert.Nil(t, res[i].Err)
		assert.Equal(t, id, res[i].Value.UserId)
	}
	del := api.inputs[0].(*wickrapi.BatchDeleteUserInput)
	assert.Equal(t, "12345678", aws.ToString(del.NetworkId))
	assert.Equal(t, []string{"1", "10", "9"}, del.UserIds)
	assert.Equal(t, listToken("job-1:", "BatchDeleteUser", "12345678", 0, "1", "10", "9"), aws.ToString(del.ClientToken))
	assert.Equal(t, 1, ran)
	assert.True(t, api.opts[0].Retryer.IsErrorRetryable(&smithy.GenericAPIError{Code: "SlowDown"}))
	assert.True(t, api.opts[0].Retryer.IsErrorRetryable(&wickrapi.RateLimitError{}))
	assert.False(t, api.opts[0].Retryer.IsErrorRetryable(&wickrapi.ResourceNotFoundError{}))

	_, err = wickr.NewSuspend(api, opt).Call(ctx, "12345678?suspend=false", []wickr.SuspendStatus{{NetworkId: "12345678", UserId: "5"}})
	require.NoError(t, err)
	sus := api.inputs[1].(*wickrapi.BatchToggleUserSuspendStatusInput)
	assert.False(t, aws.ToBool(sus.Suspend))
	require.NotNil(t, sus.Suspend)
	assert.Equal(t, listToken("job-1:", "BatchToggleUserSuspendStatus", "12345678?suspend=false", 0, "5"), aws.ToString(sus.ClientToken))

	rres, err := wickr.NewResetDevices(api, opt).Call(ctx, "12345678/42", []wickr.Device{{NetworkId: "12345678", UserId: "42", AppId: "b"}, {NetworkId: "12345678", UserId: "42", AppId: "a"}})
	require.NoError(t, err)
	assert.Equal(t, "b", rres[0].Value.AppId)
	rd := api.inputs[2].(*wickrapi.BatchResetDevicesForUserInput)
	assert.Equal(t, "42", aws.ToString(rd.UserId))
	assert.Equal(t, []string{"a", "b"}, rd.AppIds)

	lres, err := wickr.NewLookup(api, opt).Call(ctx, "12345678", []wickr.UnameLookup{{NetworkId: "12345678", Uname: "u1"}})
	require.NoError(t, err)
	assert.Equal(t, wickr.UnameResult{Uname: "u1", Username: "user-of-u1"}, lres[0].Value)

	_, err = wickr.NewReinvite(api, opt).Call(ctx, "12345678", refs("3"))
	require.NoError(t, err)
	assert.IsType(t, &wickrapi.BatchReinviteUserInput{}, api.inputs[4])

	// No items: nothing is sent.
	res, err = wickr.NewDelete(api).Call(ctx, "12345678", nil)
	require.NoError(t, err)
	assert.Empty(t, res)
	assert.Len(t, api.inputs, 5)
}

// listToken derives a lifecycle client token by the rule in the package
// documentation, independently of the adapter's code.
func listToken(prefix, op, key string, n uint64, ids ...string) string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	str := func(b []byte, s string) []byte { return append(binary.AppendUvarint(b, uint64(len(s))), s...) }
	b := str(str(nil, op), key)
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		b = str(b, id)
	}
	if n > 0 {
		b = binary.AppendUvarint(b, n)
	}
	sum := sha256.Sum256(b)
	return prefix + hex.EncodeToString(sum[:])[:64-len(prefix)]
}

func TestLifecycleClientTokens(t *testing.T) {
	api := &lifecycleAPI{}
	opt := func(o *wickr.Options) { o.ClientTokenPrefix = "p:" }
	del, re := wickr.NewDelete(api, opt), wickr.NewReinvite(api, opt)
	tok := del.ClientToken(refs("7", "3")...)
	assert.Equal(t, listToken("p:", "BatchDeleteUser", "12345678", 0, "3", "7"), tok)
	assert.Equal(t, tok, del.ClientToken(refs("3", "7")...), "order does not matter")
	assert.Regexp(t, tokenRE, tok)
	assert.Len(t, tok, 64)
	assert.NotEqual(t, tok, re.ClientToken(refs("7", "3")...), "another operation, another token")
	assert.NotEqual(t, tok, del.ClientToken(refs("7")...))
	sus := wickr.NewSuspend(api, opt)
	on := sus.ClientToken(wickr.SuspendStatus{NetworkId: "12345678", UserId: "7", Suspend: true})
	off := sus.ClientToken(wickr.SuspendStatus{NetworkId: "12345678", UserId: "7"})
	assert.NotEqual(t, on, off, "suspending and reinstating are different calls")
	assert.Empty(t, del.ClientToken())

	// Calls outside a run are always new calls: the same content gets the
	// next rank.
	ctx := context.Background()
	for range 3 {
		_, err := del.Call(ctx, "12345678", refs("3", "7"))
		require.NoError(t, err)
	}
	var got []string
	for _, in := range api.inputs {
		got = append(got, aws.ToString(in.(*wickrapi.BatchDeleteUserInput).ClientToken))
	}
	assert.Equal(t, []string{
		listToken("p:", "BatchDeleteUser", "12345678", 0, "3", "7"),
		listToken("p:", "BatchDeleteUser", "12345678", 1, "3", "7"),
		listToken("p:", "BatchDeleteUser", "12345678", 2, "3", "7"),
	}, got)

	// The default prefix is random per adapter.
	a, b := wickr.NewDelete(api), wickr.NewDelete(api)
	assert.NotEqual(t, a.ClientToken(refs("1")...), b.ClientToken(refs("1")...))
	assert.Regexp(t, `^[0-9a-f]{16}-[0-9a-f]{47}$`, a.ClientToken(refs("1")...))
}

func userFailed(id, field, reason string) wickrapi.BatchUserErrorResponseItem {
	e := wickrapi.BatchUserErrorResponseItem{UserId: aws.String(id), Reason: aws.String(reason)}
	if field != "" {
		e.Field = aws.String(field)
	}
	return e
}

func lifecycleCodes[R any](res []batch.Result[R]) []string {
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

// TestLifecycleAttribution runs the attribution rule of the package
// documentation over answers for users 1, 2 and 3.
func TestLifecycleAttribution(t *testing.T) {
	nilID := wickrapi.BatchUserSuccessResponseItem{}
	tests := []struct {
		name string
		out  *wickrapi.BatchDeleteUserOutput
		want []string
	}{
		{"all deleted", &wickrapi.BatchDeleteUserOutput{Successful: okUsers([]string{"3", "1", "2"})}, []string{"ok", "ok", "ok"}},
		{"one not found", &wickrapi.BatchDeleteUserOutput{Successful: okUsers([]string{"1", "3"}), Failed: []wickrapi.BatchUserErrorResponseItem{userFailed("2", "username", "User not found")}},
			[]string{"ok", "NotFound", "ok"}},
		{"mixed reasons are each attributed", &wickrapi.BatchDeleteUserOutput{Failed: []wickrapi.BatchUserErrorResponseItem{
			userFailed("3", "", "Internal server error, please retry"), userFailed("1", "userId", "bad"), userFailed("2", "", "Rate limit exceeded")}},
			[]string{"InvalidInput", "Throttled+", "Internal+"}},
		{"one not mentioned", &wickrapi.BatchDeleteUserOutput{Successful: okUsers([]string{"1", "3"})}, []string{"ok", "Unmatched+", "ok"}},
		{"nothing mentioned", &wickrapi.BatchDeleteUserOutput{}, []string{"Unmatched+", "Unmatched+", "Unmatched+"}},
		{"nil answer", nil, []string{"Unmatched+", "Unmatched+", "Unmatched+"}},
		{"one in both lists", &wickrapi.BatchDeleteUserOutput{Successful: okUsers([]string{"1", "2", "3"}), Failed: []wickrapi.BatchUserErrorResponseItem{userFailed("2", "", "User not found")}},
			[]string{"ok", "Unmatched+", "ok"}},
		{"one listed twice", &wickrapi.BatchDeleteUserOutput{Successful: okUsers([]string{"1", "2", "3", "3"})}, []string{"ok", "ok", "Unmatched+"}},
		{"strangers do not stop the others", &wickrapi.BatchDeleteUserOutput{Successful: okUsers([]string{"1", "4", "3"}), Failed: []wickrapi.BatchUserErrorResponseItem{userFailed("5", "", "User not found")}},
			[]string{"ok", "Unmatched+", "ok"}},
		{"another spelling", &wickrapi.BatchDeleteUserOutput{Successful: okUsers([]string{"01", "2", "3"})}, []string{"Unmatched+", "ok", "ok"}},
		{"entries without ID", &wickrapi.BatchDeleteUserOutput{Successful: append(okUsers([]string{"1", ""}), nilID), Failed: []wickrapi.BatchUserErrorResponseItem{{Reason: aws.String("User not found")}}},
			[]string{"ok", "Unmatched+", "Unmatched+"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &lifecycleAPI{del: func(*wickrapi.BatchDeleteUserInput) (*wickrapi.BatchDeleteUserOutput, error) { return tt.out, nil }}
			res, err := wickr.NewDelete(api).Call(context.Background(), "12345678", refs("1", "2", "3"))
			require.NoError(t, err)
			assert.Equal(t, tt.want, lifecycleCodes(res))
			for i, r := range res {
				if r.Err != nil {
					assert.Equal(t, "BatchDeleteUser", r.Err.Operation)
					assert.NotEmpty(t, r.Err.Message)
				} else {
					assert.Equal(t, refs("1", "2", "3")[i].UserId, r.Value.UserId)
				}
			}
		})
	}
}

func TestLifecycleDuplicateInCall(t *testing.T) {
	// The engine never puts one identity twice in a call; a direct caller
	// might. The request carries it once, and neither item can be told the
	// outcome.
	api := &lifecycleAPI{}
	res, err := wickr.NewDelete(api).Call(context.Background(), "12345678", refs("1", "2", "1"))
	require.NoError(t, err)
	assert.Equal(t, []string{"Unmatched", "ok", "Unmatched"}, lifecycleCodes(res))
	assert.Equal(t, []string{"1", "2"}, api.inputs[0].(*wickrapi.BatchDeleteUserInput).UserIds)
}

// TestLifecycleEntryCodes checks the code table of failed entries.
func TestLifecycleEntryCodes(t *testing.T) {
	type entry struct{ field, reason string }
	tests := []struct {
		op        string
		in        entry
		code      batch.Code
		retryable bool
		field     string
	}{
		{"delete", entry{"username", "User not found"}, batch.CodeNotFound, false, "UserId"},
		{"delete", entry{"", "The user does not exist"}, batch.CodeNotFound, false, ""},
		{"delete", entry{"", "Internal server error, please retry"}, batch.CodeInternal, true, ""},
		{"delete", entry{"", "Please try again later"}, batch.CodeInternal, true, ""},
		{"delete", entry{"", "Rate limit exceeded"}, batch.CodeThrottled, true, ""},
		{"delete", entry{"", "THROTTLED"}, batch.CodeThrottled, true, ""},
		{"delete", entry{"userIds[2]", "cannot delete an admin"}, batch.CodeInvalidInput, false, "UserId"},
		{"delete", entry{"", "user cannot be reinvited"}, batch.CodeInvalidInput, false, ""},
		{"reinvite", entry{"", "user not found in current network"}, batch.CodeNotFound, false, ""},
		{"reinvite", entry{"", "user cannot be reinvited"}, batch.CodeConflict, false, ""},
		{"reinvite", entry{"userId", "Invitation not pending"}, batch.CodeConflict, false, "UserId"},
		{"suspend", entry{"username", "User not found"}, batch.CodeNotFound, false, "UserId"},
		{"suspend", entry{"", "User is already suspended"}, batch.CodeConflict, false, ""},
		{"suspend", entry{"suspend", "User is not suspended"}, batch.CodeConflict, false, "Suspend"},
		{"reset", entry{"appId", "Invalid app ID."}, batch.CodeInvalidInput, false, "AppId"},
		{"reset", entry{"appId", "Device not found"}, batch.CodeNotFound, false, "AppId"},
		{"reset", entry{"", "Too many requests"}, batch.CodeThrottled, true, ""},
		{"lookup", entry{"uname", "Uname not found"}, batch.CodeNotFound, false, "Uname"},
		{"lookup", entry{"unames[0]", "malformed"}, batch.CodeInvalidInput, false, "Uname"},
		{"lookup", entry{"other", "service unavailable"}, batch.CodeInternal, true, "other"},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.op+" "+tt.in.reason, func(t *testing.T) {
			field, reason := aws.String(tt.in.field), aws.String(tt.in.reason)
			var e *batch.Error
			switch tt.op {
			case "delete", "reinvite", "suspend":
				api := &lifecycleAPI{
					del: func(in *wickrapi.BatchDeleteUserInput) (*wickrapi.BatchDeleteUserOutput, error) {
						return &wickrapi.BatchDeleteUserOutput{Failed: []wickrapi.BatchUserErrorResponseItem{{UserId: aws.String("1"), Field: field, Reason: reason}}}, nil
					},
					suspend: func(in *wickrapi.BatchToggleUserSuspendStatusInput) (*wickrapi.BatchToggleUserSuspendStatusOutput, error) {
						return &wickrapi.BatchToggleUserSuspendStatusOutput{Failed: []wickrapi.BatchUserErrorResponseItem{{UserId: aws.String("1"), Field: field, Reason: reason}}}, nil
					},
				}
				var res []batch.Result[wickr.UserResult]
				var err error
				switch tt.op {
				case "delete":
					res, err = wickr.NewDelete(api).Call(ctx, "12345678", refs("1"))
				case "reinvite":
					res, err = wickr.NewReinvite(reinviteFailing{field, reason}).Call(ctx, "12345678", refs("1"))
				default:
					res, err = wickr.NewSuspend(api).Call(ctx, "12345678?suspend=true", []wickr.SuspendStatus{{NetworkId: "12345678", UserId: "1", Suspend: true}})
				}
				require.NoError(t, err)
				e = res[0].Err
			case "reset":
				res, err := wickr.NewResetDevices(resetFailing{field, reason}).Call(ctx, "12345678/1", []wickr.Device{{NetworkId: "12345678", UserId: "1", AppId: "a"}})
				require.NoError(t, err)
				e = res[0].Err
			case "lookup":
				res, err := wickr.NewLookup(lookupFailing{field, reason}).Call(ctx, "12345678", []wickr.UnameLookup{{NetworkId: "12345678", Uname: "u"}})
				require.NoError(t, err)
				e = res[0].Err
			}
			require.NotNil(t, e)
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, tt.retryable, e.Retryable)
			assert.Equal(t, tt.field, e.Field)
			assert.Equal(t, tt.in.reason, e.Message)
			assert.ErrorIs(t, e, sentinel(tt.code))
		})
	}
}

type reinviteFailing struct{ field, reason *string }

func (f reinviteFailing) BatchReinviteUser(_ context.Context, in *wickrapi.BatchReinviteUserInput, _ ...func(*wickrapi.Options)) (*wickrapi.BatchReinviteUserOutput, error) {
	return &wickrapi.BatchReinviteUserOutput{Failed: []wickrapi.BatchUserErrorResponseItem{{UserId: aws.String(in.UserIds[0]), Field: f.field, Reason: f.reason}}}, nil
}

type resetFailing struct{ field, reason *string }

func (f resetFailing) BatchResetDevicesForUser(_ context.Context, in *wickrapi.BatchResetDevicesForUserInput, _ ...func(*wickrapi.Options)) (*wickrapi.BatchResetDevicesForUserOutput, error) {
	return &wickrapi.BatchResetDevicesForUserOutput{Failed: []wickrapi.BatchDeviceErrorResponseItem{{AppId: aws.String(in.AppIds[0]), Field: f.field, Reason: f.reason}}}, nil
}

type lookupFailing struct{ field, reason *string }

func (f lookupFailing) BatchLookupUserUname(_ context.Context, in *wickrapi.BatchLookupUserUnameInput, _ ...func(*wickrapi.Options)) (*wickrapi.BatchLookupUserUnameOutput, error) {
	return &wickrapi.BatchLookupUserUnameOutput{Failed: []wickrapi.BatchUnameErrorResponseItem{{Uname: aws.String(in.Unames[0]), Field: f.field, Reason: f.reason}}}, nil
}

// TestLifecycleDeleteAfterLostAnswer: a user whose delete lost its answer,
// then not found in a later call, fails NotFound with a note saying that
// this run may have deleted it; the note goes once the answer is final.
func TestLifecycleDeleteAfterLostAnswer(t *testing.T) {
	calls := 0
	api := &lifecycleAPI{del: func(in *wickrapi.BatchDeleteUserInput) (*wickrapi.BatchDeleteUserOutput, error) {
		calls++
		if calls == 1 {
			return nil, &smithy.OperationError{Err: &smithyhttp.RequestSendError{Err: io.ErrUnexpectedEOF}}
		}
		return &wickrapi.BatchDeleteUserOutput{Failed: []wickrapi.BatchUserErrorResponseItem{userFailed(in.UserIds[0], "username", "User not found")}}, nil
	}}
	a := wickr.NewDelete(api)
	ctx := context.Background()
	_, err := a.Call(ctx, "12345678", refs("1"))
	require.Error(t, err)
	e, scope := a.Classify(err)
	assert.Equal(t, batch.CodeUnavailable, e.Code)
	assert.Equal(t, batch.ScopeCall, scope)

	res, err := a.Call(ctx, "12345678", refs("1"))
	require.NoError(t, err)
	assert.Equal(t, batch.CodeNotFound, res[0].Err.Code)
	assert.Contains(t, res[0].Err.Message, "this run may have deleted the user")
	res, err = a.Call(ctx, "12345678", refs("1"))
	require.NoError(t, err)
	assert.Equal(t, "User not found", res[0].Err.Message, "the NotFound answer was final")

	// Another operation never adds the note.
	res2, err := wickr.NewReinvite(reinviteFailing{aws.String(""), aws.String("user not found in current network")}).Call(ctx, "12345678", refs("1"))
	require.NoError(t, err)
	assert.Equal(t, "user not found in current network", res2[0].Err.Message)
}

func TestLifecycleClassify(t *testing.T) {
	api := &lifecycleAPI{}
	msg := aws.String("m")
	tests := []struct {
		name      string
		classify  func(error) (*batch.Error, batch.Scope)
		op        string
		err       error
		code      batch.Code
		scope     batch.Scope
		retryable bool
		field     string
		message   string
	}{
		{"network not found", wickr.NewDelete(api).Classify, "BatchDeleteUser", opErr(404, &wickrapi.ResourceNotFoundError{Message: aws.String("Network not found")}),
			batch.CodeNotFound, batch.ScopeKey, false, "", "Network not found"},
		{"user not found, no message", wickr.NewResetDevices(api).Classify, "BatchResetDevicesForUser", opErr(404, &wickrapi.ResourceNotFoundError{}),
			batch.CodeNotFound, batch.ScopeKey, false, "", "the network or the user does not exist"},
		{"forbidden", wickr.NewSuspend(api).Classify, "BatchToggleUserSuspendStatus", opErr(403, &wickrapi.ForbiddenError{}),
			batch.CodeForbidden, batch.ScopeKey, false, "", "the caller may not manage the network's users"},
		{"validation of user IDs", wickr.NewReinvite(api).Classify, "BatchReinviteUser", opErr(422, &wickrapi.ValidationError{Reasons: []wickrapi.ValidationErrorDetail{
			{Field: aws.String("userIds[1]"), Reason: aws.String("bad")}, {Field: aws.String("userIds[4]"), Reason: aws.String("bad")}}}),
			batch.CodeInvalidInput, batch.ScopeItems, false, "UserId", "userIds[1]: bad; userIds[4]: bad"},
		{"validation of app IDs", wickr.NewResetDevices(api).Classify, "BatchResetDevicesForUser", opErr(422, &wickrapi.ValidationError{Reasons: []wickrapi.ValidationErrorDetail{
			{Field: aws.String("appIds[0]"), Reason: aws.String("bad")}}}),
			batch.CodeInvalidInput, batch.ScopeItems, false, "AppId", "appIds[0]: bad"},
		{"validation of two fields", wickr.NewLookup(api).Classify, "BatchLookupUserUname", opErr(422, &wickrapi.ValidationError{Reasons: []wickrapi.ValidationErrorDetail{
			{Field: aws.String("unames[0]"), Reason: aws.String("bad")}, {Field: aws.String("networkId"), Reason: aws.String("bad")}}}),
			batch.CodeInvalidInput, batch.ScopeItems, false, "", "unames[0]: bad; networkId: bad"},
		{"bad request", wickr.NewDelete(api).Classify, "BatchDeleteUser", opErr(400, &wickrapi.BadRequestError{Message: msg}),
			batch.CodeInvalidInput, batch.ScopeItems, false, "", "m"},
		{"unauthorized", wickr.NewLookup(api).Classify, "BatchLookupUserUname", opErr(401, &wickrapi.UnauthorizedError{Message: msg}),
			batch.CodeUnauthorized, batch.ScopeRun, false, "", "m"},
		{"rate limit", wickr.NewDelete(api).Classify, "BatchDeleteUser", opErr(429, &wickrapi.RateLimitError{Message: msg}),
			batch.CodeThrottled, batch.ScopeCall, true, "", "m"},
		{"internal", wickr.NewReinvite(api).Classify, "BatchReinviteUser", opErr(500, &wickrapi.InternalServerError{Message: msg}),
			batch.CodeInternal, batch.ScopeCall, true, "", "m"},
		// A body cut off in transit, as the shared classification reads it
		// (internal/wire): a retryable transport failure.
		{"malformed 200", wickr.NewSuspend(api).Classify, "BatchToggleUserSuspendStatus", opErr(200, &smithy.DeserializationError{Err: io.ErrUnexpectedEOF}),
			batch.CodeUnavailable, batch.ScopeCall, true, "", ""},
		{"transport", wickr.NewResetDevices(api).Classify, "BatchResetDevicesForUser", &smithy.OperationError{Err: &smithyhttp.RequestSendError{Err: io.ErrUnexpectedEOF}},
			batch.CodeUnavailable, batch.ScopeCall, true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, scope := tt.classify(tt.err)
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, tt.scope, scope)
			assert.Equal(t, tt.retryable, e.Retryable)
			assert.Equal(t, tt.field, e.Field)
			assert.Equal(t, tt.op, e.Operation)
			if tt.message != "" {
				assert.Equal(t, tt.message, e.Message)
			}
			assert.NotEmpty(t, e.Message)
			assert.True(t, errors.Is(e, tt.err))
		})
	}

	_, err := wickr.NewDelete(nil).Call(context.Background(), "12345678", refs("1"))
	require.Error(t, err)
	e, scope := wickr.NewDelete(nil).Classify(err)
	assert.Equal(t, batch.ScopeRun, scope)
	assert.Equal(t, batch.CodeInvalidInput, e.Code, "a nil client fails clearly, as for every adapter")
	assert.Equal(t, "BatchDeleteUser", e.Operation)
	bad := wickr.NewLookup(api, func(o *wickr.Options) { o.ClientTokenPrefix = "no spaces" })
	_, err = bad.Call(context.Background(), "12345678", []wickr.UnameLookup{{NetworkId: "12345678", Uname: "u"}})
	e, scope = bad.Classify(err)
	assert.Equal(t, batch.ScopeRun, scope)
	assert.Equal(t, batch.CodeInvalidInput, e.Code)
	assert.Equal(t, "ClientTokenPrefix", e.Field)
}
