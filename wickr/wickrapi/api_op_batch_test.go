package wickrapi_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/internal/awsrest/resttest"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

// siblingCase is one of the batch operations on existing users, devices and
// unames, with the wire form the official client gives its input
// (aws-sdk-go-v2 service/wickr serializers.go: URI template, method, query
// binding and body member) and a 200 answer from the model's examples.
type siblingCase struct {
	name string
	// send calls the operation with a full input carrying token, and
	// returns the output and the token the input holds afterwards.
	send func(c *wickrapi.Client, token *string, optFns ...func(*wickrapi.Options)) (any, *string, error)
	// line is the request line: method and request URI.
	line string
	body string
	// answer and want are a 200 body and its decoding.
	answer string
	want   any
}

func siblingCases() []siblingCase {
	ctx := context.Background()
	return []siblingCase{
		{
			name: "BatchDeleteUser",
			send: func(c *wickrapi.Client, token *string, optFns ...func(*wickrapi.Options)) (any, *string, error) {
				in := &wickrapi.BatchDeleteUserInput{NetworkId: aws.String("12345678"), UserIds: []string{"123", "456"}, ClientToken: token}
				out, err := c.BatchDeleteUser(ctx, in, optFns...)
				return out, in.ClientToken, err
			},
			line:   "POST /networks/12345678/users/batch-delete",
			body:   `{"userIds":["123","456"]}`,
			answer: `{"message":"partial success","successful":[{"userId":"123"}],"failed":[{"userId":"456","field":"username","reason":"User not found"}]}`,
			want: &wickrapi.BatchDeleteUserOutput{
				Message:    aws.String("partial success"),
				Successful: []wickrapi.BatchUserSuccessResponseItem{{UserId: aws.String("123")}},
				Failed:     []wickrapi.BatchUserErrorResponseItem{{UserId: aws.String("456"), Field: aws.String("username"), Reason: aws.String("User not found")}},
			},
		},
		{
			name: "BatchReinviteUser",
			send: func(c *wickrapi.Client, token *string, optFns ...func(*wickrapi.Options)) (any, *string, error) {
				in := &wickrapi.BatchReinviteUserInput{NetworkId: aws.String("12345678"), UserIds: []string{"12345", "99999"}, ClientToken: token}
				out, err := c.BatchReinviteUser(ctx, in, optFns...)
				return out, in.ClientToken, err
			},
			line:   "PATCH /networks/12345678/users/re-invite",
			body:   `{"userIds":["12345","99999"]}`,
			answer: `{"successful":[{"userId":"12345"}],"failed":[{"userId":"99999","reason":"user not found in current network"}]}`,
			want: &wickrapi.BatchReinviteUserOutput{
				Successful: []wickrapi.BatchUserSuccessResponseItem{{UserId: aws.String("12345")}},
				Failed:     []wickrapi.BatchUserErrorResponseItem{{UserId: aws.String("99999"), Reason: aws.String("user not found in current network")}},
			},
		},
		{
			name: "BatchToggleUserSuspendStatus",
			send: func(c *wickrapi.Client, token *string, optFns ...func(*wickrapi.Options)) (any, *string, error) {
				in := &wickrapi.BatchToggleUserSuspendStatusInput{NetworkId: aws.String("12345678"), Suspend: aws.Bool(true), UserIds: []string{"123", "456"}, ClientToken: token}
				out, err := c.BatchToggleUserSuspendStatus(ctx, in, optFns...)
				return out, in.ClientToken, err
			},
			line:   "PATCH /networks/12345678/users/toggleSuspend?suspend=true",
			body:   `{"userIds":["123","456"]}`,
			answer: `{"message":"success","successful":[{"userId":"123"},{"userId":"456"}],"failed":[]}`,
			want: &wickrapi.BatchToggleUserSuspendStatusOutput{
				Message:    aws.String("success"),
				Successful: []wickrapi.BatchUserSuccessResponseItem{{UserId: aws.String("123")}, {UserId: aws.String("456")}},
				Failed:     []wickrapi.BatchUserErrorResponseItem{},
			},
		},
		{
			name: "BatchToggleUserSuspendStatus unsuspend",
			send: func(c *wickrapi.Client, token *string, optFns ...func(*wickrapi.Options)) (any, *string, error) {
				in := &wickrapi.BatchToggleUserSuspendStatusInput{NetworkId: aws.String("12345678"), Suspend: aws.Bool(false), UserIds: []string{"456"}, ClientToken: token}
				out, err := c.BatchToggleUserSuspendStatus(ctx, in, optFns...)
				return out, in.ClientToken, err
			},
			line:   "PATCH /networks/12345678/users/toggleSuspend?suspend=false",
			body:   `{"userIds":["456"]}`,
			answer: `{"message":"partial success","successful":[],"failed":[{"userId":"456","field":"username","reason":"User not found"}]}`,
			want: &wickrapi.BatchToggleUserSuspendStatusOutput{
				Message:    aws.String("partial success"),
				Successful: []wickrapi.BatchUserSuccessResponseItem{},
				Failed:     []wickrapi.BatchUserErrorResponseItem{{UserId: aws.String("456"), Field: aws.String("username"), Reason: aws.String("User not found")}},
			},
		},
		{
			name: "BatchResetDevicesForUser",
			send: func(c *wickrapi.Client, token *string, optFns ...func(*wickrapi.Options)) (any, *string, error) {
				in := &wickrapi.BatchResetDevicesForUserInput{NetworkId: aws.String("12345678"), UserId: aws.String("1234"), AppIds: []string{"d3135a42", "invalid-app-id"}, ClientToken: token}
				out, err := c.BatchResetDevicesForUser(ctx, in, optFns...)
				return out, in.ClientToken, err
			},
			line:   "PATCH /networks/12345678/users/1234/devices",
			body:   `{"appIds":["d3135a42","invalid-app-id"]}`,
			answer: `{"message":"partial success","successful":[{"appId":"d3135a42"}],"failed":[{"appId":"invalid-app-id","field":"appId","reason":"Invalid app ID."}]}`,
			want: &wickrapi.BatchResetDevicesForUserOutput{
				Message:    aws.String("partial success"),
				Successful: []wickrapi.BatchDeviceSuccessResponseItem{{AppId: aws.String("d3135a42")}},
				Failed:     []wickrapi.BatchDeviceErrorResponseItem{{AppId: aws.String("invalid-app-id"), Field: aws.String("appId"), Reason: aws.String("Invalid app ID.")}},
			},
		},
		{
			name: "BatchLookupUserUname",
			send: func(c *wickrapi.Client, token *string, optFns ...func(*wickrapi.Options)) (any, *string, error) {
				in := &wickrapi.BatchLookupUserUnameInput{NetworkId: aws.String("12345678"), Unames: []string{"a1b2c3d4e5f6", "invaliduname"}, ClientToken: token}
				out, err := c.BatchLookupUserUname(ctx, in, optFns...)
				return out, in.ClientToken, err
			},
			line:   "POST /networks/12345678/users/uname-lookup",
			body:   `{"unames":["a1b2c3d4e5f6","invaliduname"]}`,
			answer: `{"message":"partial success","successful":[{"uname":"a1b2c3d4e5f6","username":"john.doe@example.com"}],"failed":[{"uname":"invaliduname","field":"uname","reason":"Uname not found"}]}`,
			want: &wickrapi.BatchLookupUserUnameOutput{
				Message:    aws.String("partial success"),
				Successful: []wickrapi.BatchUnameSuccessResponseItem{{Uname: aws.String("a1b2c3d4e5f6"), Username: aws.String("john.doe@example.com")}},
				Failed:     []wickrapi.BatchUnameErrorResponseItem{{Uname: aws.String("invaliduname"), Field: aws.String("uname"), Reason: aws.String("Uname not found")}},
			},
		},
	}
}

// TestSiblingWire compares each request with what the official client sends
// for the same input, and each decoded answer with the model's example.
func TestSiblingWire(t *testing.T) {
	for _, tc := range siblingCases() {
		t.Run(tc.name, func(t *testing.T) {
			s := resttest.NewServer(t, func(int, *http.Request, resttest.Request) resttest.Reply {
				return resttest.Reply{Status: 200, Body: tc.answer}
			})
			out, _, err := tc.send(wickrapi.NewFromConfig(s.Config()), aws.String("6ba7b815-9dad-11d1-80b4-00c04fd430c8"))
			require.NoError(t, err)
			// The answer's metadata rides on the output, as in the official
			// client's; compared apart from the decoded members.
			md := reflect.ValueOf(out).Elem().FieldByName("ResultMetadata")
			require.True(t, md.IsValid(), "%T has no ResultMetadata", out)
			assert.NotNil(t, awsmiddleware.GetRawResponse(md.Interface().(middleware.Metadata)), "ResultMetadata holds no raw response")
			md.Set(reflect.Zero(md.Type()))
			assert.Equal(t, tc.want, out)

			reqs := s.Requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, tc.line, r.Method+" "+r.RequestURI)
			assert.Equal(t, tc.body, string(r.Body))
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			assert.Equal(t, "6ba7b815-9dad-11d1-80b4-00c04fd430c8", r.Header.Get("X-Client-Token"))
			assert.Equal(t, "attempt=1; max=3", r.Header.Get("Amz-Sdk-Request"))
			assert.Regexp(t, uuidRE, r.Header.Get("Amz-Sdk-Invocation-Id"))
			assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "aws-sdk-go-v2/"), r.Header.Get("User-Agent"))
			assert.Contains(t, r.Header.Get("Authorization"), "x-client-token")
			assert.NoError(t, resttest.VerifySignature(r, "wickr", "us-east-1"))
		})
	}
}

// TestSiblingClientToken checks the idempotency token: filled from the
// provider when nil and written back, reused by every retry attempt, and
// not sent when empty.
func TestSiblingClientToken(t *testing.T) {
	for _, tc := range siblingCases() {
		t.Run(tc.name, func(t *testing.T) {
			s := resttest.NewServer(t, func(n int, _ *http.Request, _ resttest.Request) resttest.Reply {
				if n == 1 {
					return resttest.Reply{Status: 500, Header: map[string]string{"X-Amzn-ErrorType": "InternalServerError"}, Body: `{"message":"boom"}`}
				}
				return resttest.Reply{Status: 200, Body: `{}`}
			})
			client := wickrapi.NewFromConfig(s.Config())
			_, token, err := tc.send(client, nil)
			require.NoError(t, err)
			require.NotNil(t, token)
			require.Regexp(t, uuidRE, *token)

			_, _, err = tc.send(client, aws.String(""))
			require.NoError(t, err)
			_, _, err = tc.send(client, nil, func(o *wickrapi.Options) { o.IdempotencyTokenProvider = fixedToken("tok-1") })
			require.NoError(t, err)

			reqs := s.Requests()
			require.Len(t, reqs, 4)
			assert.Equal(t, *token, reqs[0].Header.Get("X-Client-Token"))
			assert.Equal(t, *token, reqs[1].Header.Get("X-Client-Token"), "the retry attempt")
			assert.Empty(t, reqs[2].Header.Values("X-Client-Token"), "an empty token is not sent")
			assert.Equal(t, "tok-1", reqs[3].Header.Get("X-Client-Token"))
		})
	}
}

// TestSiblingErrors checks that every operation surfaces service errors
// like BatchCreateUser: an OperationError naming it, around a ResponseError,
// around the modeled error type.
func TestSiblingErrors(t *testing.T) {
	for _, tc := range siblingCases() {
		t.Run(tc.name, func(t *testing.T) {
			s := resttest.NewServer(t, func(n int, _ *http.Request, _ resttest.Request) resttest.Reply {
				switch n {
				case 1:
					return resttest.Reply{Status: 403, Header: map[string]string{"x-amzn-RequestId": "rid-1"}, Body: `{"__type":"ForbiddenError","message":"Invalid networkId."}`}
				case 2:
					return resttest.Reply{Status: 404, Header: map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundError"}, Body: `{"message":"User not found."}`}
				case 3:
					return resttest.Reply{Status: 422, Header: map[string]string{"X-Amzn-ErrorType": "ValidationError"}, Body: `{"reasons":[{"field":"userIds","reason":"bad"}]}`}
				}
				return resttest.Reply{Status: 429, Header: map[string]string{"X-Amzn-ErrorType": "RateLimitError"}, Body: `{"message":"Too many requests sent"}`}
			})
			client := wickrapi.NewFromConfig(s.Config(), func(o *wickrapi.Options) { o.RetryMaxAttempts = 1 })
			name := strings.Fields(tc.name)[0]

			_, _, err := tc.send(client, nil)
			var opErr *smithy.OperationError
			require.ErrorAs(t, err, &opErr)
			assert.Equal(t, "Wickr", opErr.ServiceID)
			assert.Equal(t, name, opErr.OperationName)
			var re *awshttp.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "rid-1", re.RequestID)
			assert.Equal(t, 403, re.HTTPStatusCode())
			var fe *wickrapi.ForbiddenError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, "Invalid networkId.", fe.ErrorMessage())

			_, _, err = tc.send(client, nil)
			assert.True(t, isType[*wickrapi.ResourceNotFoundError](err), "%v", err)
			_, _, err = tc.send(client, nil)
			var ve *wickrapi.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "userIds", aws.ToString(ve.Reasons[0].Field))
			_, _, err = tc.send(client, nil)
			assert.True(t, isType[*wickrapi.RateLimitError](err), "%v", err)
		})
	}
}

// TestSiblingRequiredInput checks the members the official validators
// require, and the empty path labels the official serializer refuses:
// nothing is sent.
func TestSiblingRequiredInput(t *testing.T) {
	stub := &resttest.StubClient{}
	client := wickrapi.New(wickrapi.Options{Region: "us-east-1", HTTPClient: stub})
	ctx := context.Background()
	tests := []struct {
		name   string
		call   func() error
		fields []string
	}{
		{"delete nil", func() error { _, err := client.BatchDeleteUser(ctx, nil); return err },
			[]string{"BatchDeleteUserInput.NetworkId", "BatchDeleteUserInput.UserIds"}},
		{"delete empty network", func() error {
			_, err := client.BatchDeleteUser(ctx, &wickrapi.BatchDeleteUserInput{NetworkId: aws.String(""), UserIds: []string{}})
			return err
		}, []string{"BatchDeleteUserInput.NetworkId"}},
		{"reinvite nil", func() error { _, err := client.BatchReinviteUser(ctx, nil); return err },
			[]string{"BatchReinviteUserInput.NetworkId", "BatchReinviteUserInput.UserIds"}},
		{"toggle without suspend", func() error {
			_, err := client.BatchToggleUserSuspendStatus(ctx, &wickrapi.BatchToggleUserSuspendStatusInput{NetworkId: aws.String("12345678"), UserIds: []string{"1"}})
			return err
		}, []string{"BatchToggleUserSuspendStatusInput.Suspend"}},
		{"toggle nil", func() error { _, err := client.BatchToggleUserSuspendStatus(ctx, nil); return err },
			[]string{"BatchToggleUserSuspendStatusInput.NetworkId", "BatchToggleUserSuspendStatusInput.Suspend", "BatchToggleUserSuspendStatusInput.UserIds"}},
		{"reset without user", func() error {
			_, err := client.BatchResetDevicesForUser(ctx, &wickrapi.BatchResetDevicesForUserInput{NetworkId: aws.String("12345678"), AppIds: []string{"a"}})
			return err
		}, []string{"BatchResetDevicesForUserInput.UserId"}},
		{"reset empty user", func() error {
			_, err := client.BatchResetDevicesForUser(ctx, &wickrapi.BatchResetDevicesForUserInput{NetworkId: aws.String("12345678"), UserId: aws.String(""), AppIds: []string{"a"}})
			return err
		}, []string{"BatchResetDevicesForUserInput.UserId"}},
		{"reset nil", func() error { _, err := client.BatchResetDevicesForUser(ctx, nil); return err },
			[]string{"BatchResetDevicesForUserInput.NetworkId", "BatchResetDevicesForUserInput.UserId", "BatchResetDevicesForUserInput.AppIds"}},
		{"lookup nil", func() error { _, err := client.BatchLookupUserUname(ctx, nil); return err },
			[]string{"BatchLookupUserUnameInput.NetworkId", "BatchLookupUserUnameInput.Unames"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var params smithy.InvalidParamsError
			require.ErrorAs(t, err, &params)
			var got []string
			for _, e := range params.Errs() {
				var pe smithy.InvalidParamError
				require.ErrorAs(t, e, &pe)
				got = append(got, pe.Field())
			}
			assert.Equal(t, tt.fields, got)
			var opErr *smithy.OperationError
			assert.True(t, errors.As(err, &opErr), "%v", err)
		})
	}
	assert.Empty(t, stub.Requests(), "nothing may be sent")
}

// TestSiblingEscapedLabels checks that path labels are escaped as the SDK
// escapes them.
func TestSiblingEscapedLabels(t *testing.T) {
	s := resttest.NewServer(t, ok)
	client := wickrapi.NewFromConfig(s.Config())
	_, err := client.BatchResetDevicesForUser(context.Background(), &wickrapi.BatchResetDevicesForUserInput{
		NetworkId: aws.String("12/34"), UserId: aws.String("1 2"), AppIds: []string{},
	})
	require.NoError(t, err)
	r := s.Requests()[0]
	assert.Equal(t, "/networks/12%2F34/users/1%202/devices", r.RequestURI)
	assert.Equal(t, `{"appIds":[]}`, string(r.Body))
	assert.NoError(t, resttest.VerifySignature(r, "wickr", "us-east-1"))
}
