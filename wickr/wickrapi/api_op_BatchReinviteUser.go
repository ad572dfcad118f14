package wickrapi

import (
	"context"
	"net/http"

	"github.com/aws/smithy-go/middleware"
	"github.com/batchkit/batchkit/internal/awsrest"
)

// BatchReinviteUserInput is the input of [Client.BatchReinviteUser].
type BatchReinviteUserInput struct {
	// NetworkId is the Wickr network (8 digits) of the users. Required and
	// non-empty; sent as the path label {networkId}.
	NetworkId *string

	// UserIds lists the IDs of the users to invite again (strings of 1 to
	// 10 digits); the service accepts at most 50 per call (documented, not
	// checked here). Required.
	UserIds []string

	// ClientToken is the idempotency token, sent as the X-Client-Token
	// header. When nil, BatchReinviteUser sets it to a fresh token from
	// [Options.IdempotencyTokenProvider] and writes it back here; every
	// retry attempt of the call reuses it. The service documents no replay
	// behaviour for this operation.
	ClientToken *string
}

// BatchReinviteUserOutput is the output of [Client.BatchReinviteUser]. Each
// entry of Successful and Failed names the user ID the request carried.
type BatchReinviteUserOutput struct {
	// Message is an optional summary from the service; the model's examples
	// for this operation have none.
	Message *string `json:"message"`

	// Successful lists the users whose invitation was sent again.
	Successful []BatchUserSuccessResponseItem `json:"successful"`

	// Failed lists the users not invited again, with the reason, for
	// example {userId "54321", reason "user cannot be reinvited"}.
	Failed []BatchUserErrorResponseItem `json:"failed"`

	// ResultMetadata holds the metadata of the answer, as in the official
	// client's outputs: the request ID (awsmiddleware.GetRequestIDMetadata),
	// the raw HTTP response (awsmiddleware.GetRawResponse) and its timing.
	ResultMetadata middleware.Metadata `json:"-"`
}

// BatchReinviteUser resends the invitation of up to 50 users with pending
// invitations (PATCH /networks/{networkId}/users/re-invite, body
// {"userIds":[...]}).
//
// It blocks until the call ends, including the retryer's retries, and
// returns early when ctx is done. Missing required input (NetworkId,
// UserIds) fails with a smithy.InvalidParamsError inside a
// *smithy.OperationError and nothing is sent. Service errors are as for
// [Client.BatchCreateUser]. It sets params.ClientToken when it is nil, so
// params must not be shared with concurrent calls.
func (c *Client) BatchReinviteUser(ctx context.Context, params *BatchReinviteUserInput, optFns ...func(*Options)) (*BatchReinviteUserOutput, error) {
	const opName = "BatchReinviteUser"
	if params == nil {
		params = &BatchReinviteUserInput{}
	}
	options := c.operationOptions(optFns)
	req := newRequired("BatchReinviteUserInput")
	req.label("NetworkId", params.NetworkId)
	req.set("UserIds", params.UserIds == nil)
	if err := req.err(); err != nil {
		return nil, service.OperationError(opName, err)
	}
	var out *BatchReinviteUserOutput
	var metadata middleware.Metadata
	err := c.invokeBatch(ctx, options, &batchCall{
		metadata: &metadata,
		name:     opName,
		method:   http.MethodPatch,
		path:     "/networks/" + awsrest.EscapeLabel(*params.NetworkId) + "/users/re-invite",
		token:    &params.ClientToken,
		list:     "userIds",
		items:    params.UserIds,
		decode: func(body []byte) error {
			out = &BatchReinviteUserOutput{}
			return awsrest.DecodeJSON(body, out)
		},
	})
	if err != nil {
		return nil, err
	}
	out.ResultMetadata = metadata
	return out, nil
}
