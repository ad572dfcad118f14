package messagingapi_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/internal/awsrest/resttest"
	"github.com/batchkit/batchkit/messaging/messagingapi"
)

// TestResultMetadata: the output carries the answer's metadata as the
// official client's outputs do, read with the SDK's own accessors.
func TestResultMetadata(t *testing.T) {
	s := resttest.NewServer(t, func(int, *http.Request, resttest.Request) resttest.Reply {
		return resttest.Reply{Status: 200, Header: map[string]string{"X-Amzn-RequestId": "req-42"}, Body: `{"Errors":[]}`}
	})
	out, err := messagingapi.NewFromConfig(s.Config()).BatchCreateChannelMembership(context.Background(), input())
	require.NoError(t, err)
	id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	assert.True(t, ok)
	assert.Equal(t, "req-42", id)
	raw, ok := awsmiddleware.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response)
	require.True(t, ok)
	assert.Equal(t, 200, raw.StatusCode)
	_, ok = awsmiddleware.GetResponseAt(out.ResultMetadata)
	assert.True(t, ok)
}

// TestOutputMembersAreCaseSensitive is the regression test of outputs and
// errors decoded case-insensitively: a lower-case "code" filled the Code
// of an exception, and {"errors": ...} the Errors of an output. The
// official deserializers match member names exactly, except the message
// of a modeled error, read from "Message" or "message".
func TestOutputMembersAreCaseSensitive(t *testing.T) {
	s := resttest.NewServer(t, func(n int, _ *http.Request, _ resttest.Request) resttest.Reply {
		if n == 1 {
			return resttest.Reply{Status: 200, Body: `{"errors":[{"MemberArn":"m1","ErrorCode":"NotFound"}],` +
				`"BatchChannelMemberships":{"members":[{"Arn":"m2"}],"Members":[{"arn":"x","Arn":"m3"}]}}`}
		}
		return resttest.Reply{Status: 400, Header: map[string]string{"X-Amzn-ErrorType": "BadRequestException"},
			Body: `{"code":"BadRequest","message":"m"}`}
	})
	client := messagingapi.NewFromConfig(s.Config(), func(o *messagingapi.Options) { o.RetryMaxAttempts = 1 })
	out, err := client.BatchCreateChannelMembership(context.Background(), input())
	require.NoError(t, err)
	assert.Nil(t, out.Errors)
	require.NotNil(t, out.BatchChannelMemberships)
	require.Len(t, out.BatchChannelMemberships.Members, 1)
	assert.Equal(t, "m3", aws.ToString(out.BatchChannelMemberships.Members[0].Arn))

	_, err = client.BatchCreateChannelMembership(context.Background(), input())
	var br *messagingapi.BadRequestException
	require.True(t, errors.As(err, &br), "got %v", err)
	assert.Empty(t, br.Code, "a lower-case code is not the Code member")
	assert.Equal(t, "m", br.ErrorMessage())
}
