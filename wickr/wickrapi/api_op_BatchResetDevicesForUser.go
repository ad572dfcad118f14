package wickrapi

import (
	"context"
	"net/http"

	"github.com/aws/smithy-go/middleware"
	"github.com/batchkit/batchkit/internal/awsrest"
)

// BatchResetDevicesForUserInput is the input of
// [Client.BatchResetDevicesForUser].
type BatchResetDevicesForUserInput struct {
	// NetworkId is the Wickr network (8 digits) of the user. Required and
	// non-empty; sent as the path label {networkId}.
	NetworkId *string

	// UserId is the ID of the user whose devices are reset (1 to 10
	// digits). Required and non-empty; sent as the path label {userId}.
	UserId *string

	// AppIds lists the application IDs of the user's devices to reset; the
	// service accepts at most 50 per call (documented, not checked here).
	// Required.
	AppIds []string

	// ClientToken is the idempotency token, sent as the X-Client-Token
	// header. When nil, BatchResetDevicesForUser sets it to a fresh token
	// from [Options.IdempotencyTokenProvider] and writes it back here; every
	// retry attempt of the call reuses it.
	ClientToken *string
}

// BatchResetDevicesForUserOutput is the output of
// [Client.BatchResetDevicesForUser]. Each entry of Successful and Failed
// names an application ID the request carried, never a user.
type BatchResetDevicesForUserOutput struct {
	// Message is an optional summary from the service.
	Message *string `json:"message"`

	// Successful lists the devices reset.
	Successful []BatchDeviceSuccessResponseItem `json:"successful"`

	// Failed lists the devices not reset, with the reason, for example
	// {appId "invalid-app-id", field "appId", reason "Invalid app ID."}.
	Failed []BatchDeviceErrorResponseItem `json:"failed"`

	// ResultMetadata holds the metadata of the answer, as in the official
	// client's outputs: the request ID (awsmiddleware.GetRequestIDMetadata),
	// the raw HTTP response (awsmiddleware.GetRawResponse) and its timing.
	ResultMetadata middleware.Metadata `json:"-"`
}

// BatchResetDevicesForUser resets up to 50 devices of one user, which must
// log in again (PATCH /networks/{networkId}/users/{userId}/devices, body
// {"appIds":[...]}). The operation is idempotent in the model.
//
// It blocks until the call ends, including the retryer's retries, and
// returns early when ctx is done. Missing required input (NetworkId,
// UserId, AppIds) fails with a smithy.InvalidParamsError inside a
// *smithy.OperationError and nothing is sent. Service errors are as for
// [Client.BatchCreateUser]. It sets params.ClientToken when it is nil, so
// params must not be shared with concurrent calls.
func (c *Client) BatchResetDevicesForUser(ctx context.Context, params *BatchResetDevicesForUserInput, optFns ...func(*Options)) (*BatchResetDevicesForUserOutput, error) {
	const opName = "BatchResetDevicesForUser"
	if params == nil {
		params = &BatchResetDevicesForUserInput{}
	}
	options := c.operationOptions(optFns)
	req := newRequired("BatchResetDevicesForUserInput")
	req.label("NetworkId", params.NetworkId)
	req.label("UserId", params.UserId)
	req.set("AppIds", params.AppIds == nil)
	if err := req.err(); err != nil {
		return nil, service.OperationError(opName, err)
	}
	var out *BatchResetDevicesForUserOutput
	var metadata middleware.Metadata
	err := c.invokeBatch(ctx, options, &batchCall{
		metadata: &metadata,
		name:     opName,
		method:   http.MethodPatch,
		path:     "/networks/" + awsrest.EscapeLabel(*params.NetworkId) + "/users/" + awsrest.EscapeLabel(*params.UserId) + "/devices",
		token:    &params.ClientToken,
		list:     "appIds",
		items:    params.AppIds,
		decode: func(body []byte) error {
			out = &BatchResetDevicesForUserOutput{}
			return awsrest.DecodeJSON(body, out)
		},
	})
	if err != nil {
		return nil, err
	}
	out.ResultMetadata = metadata
	return out, nil
}
