package wickrapi

import (
	"context"
	"net/http"

	"github.com/aws/smithy-go/middleware"
	"github.com/batchkit/batchkit/internal/awsrest"
)

// BatchLookupUserUnameInput is the input of [Client.BatchLookupUserUname].
type BatchLookupUserUnameInput struct {
	// NetworkId is the Wickr network (8 digits) to look the unames up in.
	// Required and non-empty; sent as the path label {networkId}.
	NetworkId *string

	// Unames lists the user name hashes to look up; the service accepts at
	// most 50 per call (documented, not checked here). Required.
	Unames []string

	// ClientToken is the idempotency token, sent as the X-Client-Token
	// header even though the operation only reads. When nil,
	// BatchLookupUserUname sets it to a fresh token from
	// [Options.IdempotencyTokenProvider] and writes it back here; every
	// retry attempt of the call reuses it.
	ClientToken *string
}

// BatchLookupUserUnameOutput is the output of [Client.BatchLookupUserUname].
// Each entry of Successful and Failed names a uname the request carried.
type BatchLookupUserUnameOutput struct {
	// Message is an optional summary from the service.
	Message *string `json:"message"`

	// Successful lists the unames resolved, each with its user name.
	Successful []BatchUnameSuccessResponseItem `json:"successful"`

	// Failed lists the unames not resolved, with the reason, for example
	// {uname "invaliduname", field "uname", reason "Uname not found"}.
	Failed []BatchUnameErrorResponseItem `json:"failed"`

	// ResultMetadata holds the metadata of the answer, as in the official
	// client's outputs: the request ID (awsmiddleware.GetRequestIDMetadata),
	// the raw HTTP response (awsmiddleware.GetRawResponse) and its timing.
	ResultMetadata middleware.Metadata `json:"-"`
}

// BatchLookupUserUname looks up the user names of up to 50 unames (user name
// hashes) of a network (POST /networks/{networkId}/users/uname-lookup, body
// {"unames":[...]}).
//
// It blocks until the call ends, including the retryer's retries, and
// returns early when ctx is done. Missing required input (NetworkId,
// Unames) fails with a smithy.InvalidParamsError inside a
// *smithy.OperationError and nothing is sent. Service errors are as for
// [Client.BatchCreateUser]. It sets params.ClientToken when it is nil, so
// params must not be shared with concurrent calls.
func (c *Client) BatchLookupUserUname(ctx context.Context, params *BatchLookupUserUnameInput, optFns ...func(*Options)) (*BatchLookupUserUnameOutput, error) {
	const opName = "BatchLookupUserUname"
	if params == nil {
		params = &BatchLookupUserUnameInput{}
	}
	options := c.operationOptions(optFns)
	req := newRequired("BatchLookupUserUnameInput")
	req.label("NetworkId", params.NetworkId)
	req.set("Unames", params.Unames == nil)
	if err := req.err(); err != nil {
		return nil, service.OperationError(opName, err)
	}
	var out *BatchLookupUserUnameOutput
	var metadata middleware.Metadata
	err := c.invokeBatch(ctx, options, &batchCall{
		metadata: &metadata,
		name:     opName,
		method:   http.MethodPost,
		path:     "/networks/" + awsrest.EscapeLabel(*params.NetworkId) + "/users/uname-lookup",
		token:    &params.ClientToken,
		list:     "unames",
		items:    params.Unames,
		decode: func(body []byte) error {
			out = &BatchLookupUserUnameOutput{}
			return awsrest.DecodeJSON(body, out)
		},
	})
	if err != nil {
		return nil, err
	}
	out.ResultMetadata = metadata
	return out, nil
}
