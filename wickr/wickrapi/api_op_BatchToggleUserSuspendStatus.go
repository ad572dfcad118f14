package wickrapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/aws/smithy-go/middleware"
	"github.com/batchkit/batchkit/internal/awsrest"
)

// BatchToggleUserSuspendStatusInput is the input of
// [Client.BatchToggleUserSuspendStatus].
type BatchToggleUserSuspendStatusInput struct {
	// NetworkId is the Wickr network (8 digits) of the users. Required and
	// non-empty; sent as the path label {networkId}.
	NetworkId *string

	// Suspend is the state to set: true suspends the users, false lifts
	// their suspension. Despite the operation's name it does not flip the
	// current state. Required; sent as the query parameter suspend=true or
	// suspend=false, never in the body.
	Suspend *bool

	// UserIds lists the IDs of the users (strings of 1 to 10 digits); the
	// service accepts at most 50 per call (documented, not checked here).
	// Required.
	UserIds []string

	// ClientToken is the idempotency token, sent as the X-Client-Token
	// header. When nil, BatchToggleUserSuspendStatus sets it to a fresh
	// token from [Options.IdempotencyTokenProvider] and writes it back here;
	// every retry attempt of the call reuses it.
	ClientToken *string
}

// BatchToggleUserSuspendStatusOutput is the output of
// [Client.BatchToggleUserSuspendStatus]. Each entry of Successful and
// Failed names the user ID the request carried.
type BatchToggleUserSuspendStatusOutput struct {
	// Message is an optional summary from the service.
	Message *string `json:"message"`

	// Successful lists the users now in the requested state.
	Successful []BatchUserSuccessResponseItem `json:"successful"`

	// Failed lists the users whose state was not set, with the reason, for
	// example {userId "456", field "username", reason "User not found"}.
	Failed []BatchUserErrorResponseItem `json:"failed"`

	// ResultMetadata holds the metadata of the answer, as in the official
	// client's outputs: the request ID (awsmiddleware.GetRequestIDMetadata),
	// the raw HTTP response (awsmiddleware.GetRawResponse) and its timing.
	ResultMetadata middleware.Metadata `json:"-"`
}

// BatchToggleUserSuspendStatus suspends, or lifts the suspension of, up to
// 50 users (PATCH /networks/{networkId}/users/toggleSuspend?suspend=true|false,
// body {"userIds":[...]}). The operation is idempotent in the model.
//
// It blocks until the call ends, including the retryer's retries, and
// returns early when ctx is done. Missing required input (NetworkId,
// Suspend, UserIds) fails with a smithy.InvalidParamsError inside a
// *smithy.OperationError and nothing is sent. Service errors are as for
// [Client.BatchCreateUser]. It sets params.ClientToken when it is nil, so
// params must not be shared with concurrent calls.
func (c *Client) BatchToggleUserSuspendStatus(ctx context.Context, params *BatchToggleUserSuspendStatusInput, optFns ...func(*Options)) (*BatchToggleUserSuspendStatusOutput, error) {
	const opName = "BatchToggleUserSuspendStatus"
	if params == nil {
		params = &BatchToggleUserSuspendStatusInput{}
	}
	options := c.operationOptions(optFns)
	req := newRequired("BatchToggleUserSuspendStatusInput")
	req.label("NetworkId", params.NetworkId)
	req.set("Suspend", params.Suspend == nil)
	req.set("UserIds", params.UserIds == nil)
	if err := req.err(); err != nil {
		return nil, service.OperationError(opName, err)
	}
	var out *BatchToggleUserSuspendStatusOutput
	var metadata middleware.Metadata
	err := c.invokeBatch(ctx, options, &batchCall{
		metadata: &metadata,
		name:     opName,
		method:   http.MethodPatch,
		path:     "/networks/" + awsrest.EscapeLabel(*params.NetworkId) + "/users/toggleSuspend",
		// smithy-go's query encoder writes booleans with strconv.FormatBool.
		query: "suspend=" + strconv.FormatBool(*params.Suspend),
		token: &params.ClientToken,
		list:  "userIds",
		items: params.UserIds,
		decode: func(body []byte) error {
			out = &BatchToggleUserSuspendStatusOutput{}
			return awsrest.DecodeJSON(body, out)
		},
	})
	if err != nil {
		return nil, err
	}
	out.ResultMetadata = metadata
	return out, nil
}
