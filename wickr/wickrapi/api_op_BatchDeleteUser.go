package wickrapi

import (
	"context"
	"net/http"

	"github.com/aws/smithy-go/middleware"
	"github.com/batchkit/batchkit/internal/awsrest"
)

// BatchDeleteUserInput is the input of [Client.BatchDeleteUser].
type BatchDeleteUserInput struct {
	// NetworkId is the Wickr network (8 digits) to delete the users from.
	// Required and non-empty; sent as the path label {networkId}.
	NetworkId *string

	// UserIds lists the IDs of the users to delete (strings of 1 to 10
	// digits); the service accepts at most 50 per call (documented, not
	// checked here). Required.
	UserIds []string

	// ClientToken makes the call idempotent: resending a call with the same
	// token returns the first answer without deleting users again. Sent as
	// the X-Client-Token header. When nil, BatchDeleteUser sets it to a
	// fresh token from [Options.IdempotencyTokenProvider] and writes it back
	// here; every retry attempt of the call reuses it.
	ClientToken *string
}

// BatchDeleteUserOutput is the output of [Client.BatchDeleteUser]. Each
// entry of Successful and Failed names the user ID the request carried.
type BatchDeleteUserOutput struct {
	// Message is an optional summary from the service, for example
	// "partial success".
	Message *string `json:"message"`

	// Successful lists the users deleted.
	Successful []BatchUserSuccessResponseItem `json:"successful"`

	// Failed lists the users not deleted, with the reason, for example
	// {userId "456", field "username", reason "User not found"}.
	Failed []BatchUserErrorResponseItem `json:"failed"`

	// ResultMetadata holds the metadata of the answer, as in the official
	// client's outputs: the request ID (awsmiddleware.GetRequestIDMetadata),
	// the raw HTTP response (awsmiddleware.GetRawResponse) and its timing.
	ResultMetadata middleware.Metadata `json:"-"`
}

// BatchDeleteUser deletes up to 50 users of a Wickr network
// (POST /networks/{networkId}/users/batch-delete, body {"userIds":[...]}).
// The operation is idempotent in the model; the client token makes a resend
// return the first answer.
//
// It blocks until the call ends, including the retryer's retries, and
// returns early when ctx is done. Missing required input (NetworkId,
// UserIds) fails with a smithy.InvalidParamsError inside a
// *smithy.OperationError and nothing is sent. Service errors are as for
// [Client.BatchCreateUser]. It sets params.ClientToken when it is nil, so
// params must not be shared with concurrent calls.
func (c *Client) BatchDeleteUser(ctx context.Context, params *BatchDeleteUserInput, optFns ...func(*Options)) (*BatchDeleteUserOutput, error) {
	const opName = "BatchDeleteUser"
	if params == nil {
		params = &BatchDeleteUserInput{}
	}
	options := c.operationOptions(optFns)
	req := newRequired("BatchDeleteUserInput")
	req.label("NetworkId", params.NetworkId)
	req.set("UserIds", params.UserIds == nil)
	if err := req.err(); err != nil {
		return nil, service.OperationError(opName, err)
	}
	var out *BatchDeleteUserOutput
	var metadata middleware.Metadata
	err := c.invokeBatch(ctx, options, &batchCall{
		metadata: &metadata,
		name:     opName,
		method:   http.MethodPost,
		path:     "/networks/" + awsrest.EscapeLabel(*params.NetworkId) + "/users/batch-delete",
		token:    &params.ClientToken,
		list:     "userIds",
		items:    params.UserIds,
		decode: func(body []byte) error {
			out = &BatchDeleteUserOutput{}
			return awsrest.DecodeJSON(body, out)
		},
	})
	if err != nil {
		return nil, err
	}
	out.ResultMetadata = metadata
	return out, nil
}
