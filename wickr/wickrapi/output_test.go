package wickrapi_test

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
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

// TestResultMetadata: the output carries the answer's metadata as the
// official client's outputs do, read with the SDK's own accessors.
func TestResultMetadata(t *testing.T) {
	s := resttest.NewServer(t, func(int, *http.Request, resttest.Request) resttest.Reply {
		return resttest.Reply{Status: 200, Header: map[string]string{
			"X-Amzn-RequestId": "req-42", "Date": "Mon, 02 Jan 2006 15:04:05 GMT",
		}, Body: `{"successful":[],"failed":[]}`}
	})
	out, err := wickrapi.NewFromConfig(s.Config()).BatchCreateUser(context.Background(), minimalInput())
	require.NoError(t, err)
	id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	assert.True(t, ok)
	assert.Equal(t, "req-42", id)
	raw, ok := awsmiddleware.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response)
	require.True(t, ok, "raw response %T", awsmiddleware.GetRawResponse(out.ResultMetadata))
	assert.Equal(t, 200, raw.StatusCode)
	_, ok = awsmiddleware.GetResponseAt(out.ResultMetadata)
	assert.True(t, ok)
	at, ok := awsmiddleware.GetServerTime(out.ResultMetadata)
	assert.True(t, ok)
	assert.Equal(t, 2006, at.Year())
}

// TestOutputMembersAreCaseSensitive is the regression test of outputs and
// errors decoded case-insensitively: {"Successful": ...} was read as
// "successful". The official deserializers match member names exactly,
// except the message of a modeled error, read from "message" or "Message".
func TestOutputMembersAreCaseSensitive(t *testing.T) {
	s := resttest.NewServer(t, func(n int, _ *http.Request, _ resttest.Request) resttest.Reply {
		switch n {
		case 1:
			return resttest.Reply{Status: 200, Body: `{"Successful":[{"userId":"1","username":"a"}],` +
				`"failed":[{"UserId":"2","userId":"3","Reason":"no","reason":"yes"}],"Message":"no"}`}
		case 2:
			return resttest.Reply{Status: 400, Header: map[string]string{"X-Amzn-ErrorType": "BadRequestError"},
				Body: `{"Message":"either spelling"}`}
		default:
			return resttest.Reply{Status: 400, Header: map[string]string{"X-Amzn-ErrorType": "BadRequestError"},
				Body: `{"MESSAGE":"no other"}`}
		}
	})
	client := wickrapi.NewFromConfig(s.Config(), func(o *wickrapi.Options) { o.RetryMaxAttempts = 1 })
	out, err := client.BatchCreateUser(context.Background(), minimalInput())
	require.NoError(t, err)
	assert.Nil(t, out.Successful)
	assert.Nil(t, out.Message)
	require.Len(t, out.Failed, 1)
	assert.Equal(t, "3", aws.ToString(out.Failed[0].UserId))
	assert.Equal(t, "yes", aws.ToString(out.Failed[0].Reason))

	for _, want := range []string{"either spelling", ""} {
		_, err = client.BatchCreateUser(context.Background(), minimalInput())
		var br *wickrapi.BadRequestError
		require.True(t, errors.As(err, &br), "got %v", err)
		assert.Equal(t, want, br.ErrorMessage())
	}
}
