package wickrapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/smithy-go"
	smithyjson "github.com/aws/smithy-go/encoding/json"
	"github.com/aws/smithy-go/middleware"

	"github.com/batchkit/batchkit/internal/awsrest"
)

// BatchCreateUserInput is the input of [Client.BatchCreateUser].
type BatchCreateUserInput struct {
	// NetworkId is the Wickr network (8 digits) to create the users in.
	// Required and non-empty; sent as the path label {networkId}.
	NetworkId *string

	// Users lists the users to create; the service accepts at most 50 per
	// call (documented, not checked here). Required.
	Users []BatchCreateUserRequestItem

	// ClientToken makes the call idempotent: resending a call with the same
	// token returns the first answer without creating users twice. Sent as
	// the X-Client-Token header. When nil, BatchCreateUser sets it to a fresh
	// token from [Options.IdempotencyTokenProvider] and writes it back here,
	// so resending the same input reuses it; the token is also reused by
	// every retry attempt of one call.
	ClientToken *string
}

// BatchCreateUserOutput is the output of [Client.BatchCreateUser]. Users that
// were created are in Successful; the ones that were not are in Failed,
// which carries no user name (see the wickr adapter for attribution).
type BatchCreateUserOutput struct {
	// Message is an optional summary from the service.
	Message *string `json:"message"`

	// Successful lists the users created.
	Successful []User `json:"successful"`

	// Failed lists the users not created.
	Failed []BatchUserErrorResponseItem `json:"failed"`

	// ResultMetadata holds the metadata of the answer, as in the official
	// client's outputs: the request ID (awsmiddleware.GetRequestIDMetadata),
	// the raw HTTP response (awsmiddleware.GetRawResponse) and its timing.
	ResultMetadata middleware.Metadata `json:"-"`
}

// BatchCreateUser creates up to 50 users in a Wickr network
// (POST /networks/{networkId}/users).
//
// optFns apply to a copy of the client's options for this call only; this is
// how a caller installs a per-call retryer, for example:
//
//	out, err := client.BatchCreateUser(ctx, in, func(o *wickrapi.Options) {
//		o.Retryer = myWrapper(o.Retryer) // keeps ThrottleErrorCodes
//	})
//
// It blocks until the call ends, including the retryer's retries, and
// returns early when ctx is done. Missing required input (NetworkId, Users,
// each user's Username and SecurityGroupIds) fails with a
// smithy.InvalidParamsError inside a *smithy.OperationError and nothing is
// sent. Service errors are *smithy.OperationError wrapping
// *awshttp.ResponseError wrapping one of this package's error types (for
// example *[RateLimitError]) or a *smithy.GenericAPIError.
//
// BatchCreateUser sets params.ClientToken when it is nil, so params must not
// be shared with concurrent calls.
func (c *Client) BatchCreateUser(ctx context.Context, params *BatchCreateUserInput, optFns ...func(*Options)) (*BatchCreateUserOutput, error) {
	const opName = "BatchCreateUser"
	if params == nil {
		params = &BatchCreateUserInput{}
	}
	options := c.operationOptions(optFns)
	if err := validateBatchCreateUserInput(params); err != nil {
		return nil, service.OperationError(opName, err)
	}
	if params.ClientToken == nil {
		token, err := options.IdempotencyTokenProvider.GetIdempotencyToken()
		if err != nil {
			return nil, service.OperationError(opName, fmt.Errorf("failed to generate idempotency token, %w", err))
		}
		params.ClientToken = &token
	}

	header := http.Header{}
	header.Set("Content-Type", "application/json")
	if params.ClientToken != nil && *params.ClientToken != "" {
		header.Set("X-Client-Token", *params.ClientToken)
	}
	var out *BatchCreateUserOutput
	var metadata middleware.Metadata
	op := &awsrest.Operation{
		Name:        opName,
		Method:      http.MethodPost,
		Path:        "/networks/" + awsrest.EscapeLabel(*params.NetworkId) + "/users",
		Header:      header,
		Body:        encodeBatchCreateUserInput(params),
		DecodeError: decodeError,
		DecodeOutput: func(body []byte) error {
			out = &BatchCreateUserOutput{}
			return awsrest.DecodeJSON(body, out)
		},
		ResultMetadata: &metadata,
	}
	if err := awsrest.Invoke(ctx, service, options.restConfig(), op); err != nil {
		return nil, err
	}
	out.ResultMetadata = metadata
	return out, nil
}

// encodeBatchCreateUserInput writes the body the SDK sends: {"users":[...]},
// members in alphabetical order, unset members omitted. ClientToken travels
// in the header only.
func encodeBatchCreateUserInput(v *BatchCreateUserInput) []byte {
	enc := smithyjson.NewEncoder()
	obj := enc.Value.Object()
	if v.Users != nil {
		users := obj.Key("users").Array()
		for i := range v.Users {
			encodeRequestItem(users.Value(), &v.Users[i])
		}
		users.Close()
	}
	obj.Close()
	return enc.Bytes()
}

func encodeRequestItem(value smithyjson.Value, v *BatchCreateUserRequestItem) {
	obj := value.Object()
	defer obj.Close()
	if v.CodeValidation != nil {
		obj.Key("codeValidation").Boolean(*v.CodeValidation)
	}
	if v.FirstName != nil {
		obj.Key("firstName").String(*v.FirstName)
	}
	if v.InviteCode != nil {
		obj.Key("inviteCode").String(*v.InviteCode)
	}
	if v.InviteCodeTtl != nil {
		obj.Key("inviteCodeTtl").Integer(*v.InviteCodeTtl)
	}
	if v.LastName != nil {
		obj.Key("lastName").String(*v.LastName)
	}
	if v.SecurityGroupIds != nil {
		ids := obj.Key("securityGroupIds").Array()
		for _, id := range v.SecurityGroupIds {
			ids.Value().String(id)
		}
		ids.Close()
	}
	if v.Username != nil {
		obj.Key("username").String(*v.Username)
	}
}

// validateBatchCreateUserInput checks the required members, naming each
// missing one by its path (for example BatchCreateUserInput.Users[3].Username);
// values are never included.
func validateBatchCreateUserInput(v *BatchCreateUserInput) error {
	invalid := smithy.InvalidParamsError{Context: "BatchCreateUserInput"}
	switch {
	case v.NetworkId == nil:
		invalid.Add(smithy.NewErrParamRequired("NetworkId"))
	case *v.NetworkId == "":
		invalid.Add(awsrest.NewErrParamEmpty("NetworkId"))
	}
	if v.Users == nil {
		invalid.Add(smithy.NewErrParamRequired("Users"))
	} else {
		list := smithy.InvalidParamsError{Context: "BatchCreateUserRequestItemList"}
		for i := range v.Users {
			item := smithy.InvalidParamsError{Context: "BatchCreateUserRequestItem"}
			if v.Users[i].Username == nil {
				item.Add(smithy.NewErrParamRequired("Username"))
			}
			if v.Users[i].SecurityGroupIds == nil {
				item.Add(smithy.NewErrParamRequired("SecurityGroupIds"))
			}
			if item.Len() > 0 {
				list.AddNested(fmt.Sprintf("[%d]", i), item)
			}
		}
		if list.Len() > 0 {
			invalid.AddNested("Users", list)
		}
	}
	if invalid.Len() > 0 {
		return invalid
	}
	return nil
}
