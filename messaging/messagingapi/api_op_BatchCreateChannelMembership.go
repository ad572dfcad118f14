package messagingapi

import (
	"context"
	"net/http"

	"github.com/aws/smithy-go"
	smithyjson "github.com/aws/smithy-go/encoding/json"
	"github.com/aws/smithy-go/middleware"

	"github.com/batchkit/batchkit/internal/awsrest"
)

// BatchCreateChannelMembershipInput is the input of
// [Client.BatchCreateChannelMembership].
type BatchCreateChannelMembershipInput struct {
	// ChannelArn is the channel to add members to. Required and non-empty;
	// sent as the path label {ChannelArn}, percent-encoded (':' as %3A, '/'
	// as %2F).
	ChannelArn *string

	// ChimeBearer is the ARN of the AppInstanceUser or AppInstanceBot making
	// the call, sent as the X-Amz-Chime-Bearer header. Required and
	// non-empty (an empty value could not be sent).
	ChimeBearer *string

	// MemberArns lists the AppInstanceUsers and AppInstanceBots to add, 1 to
	// 100 (checked by the service, not here). Required.
	MemberArns []string

	// Type is the membership type; "" (omitted) means the service default,
	// DEFAULT. HIDDEN is for moderators only.
	Type ChannelMembershipType

	// SubChannelId names the SubChannel of an elastic channel, when adding a
	// moderator to one.
	SubChannelId *string
}

// BatchCreateChannelMembershipOutput is the output of
// [Client.BatchCreateChannelMembership]: the members added, and the ones that
// were not in Errors, keyed by MemberArn.
type BatchCreateChannelMembershipOutput struct {
	// BatchChannelMemberships holds the members that were added.
	BatchChannelMemberships *BatchChannelMemberships `json:"BatchChannelMemberships"`

	// Errors lists the members that were not added, and why.
	Errors []BatchCreateChannelMembershipError `json:"Errors"`

	// ResultMetadata holds the metadata of the answer, as in the official
	// client's outputs: the request ID (awsmiddleware.GetRequestIDMetadata),
	// the raw HTTP response (awsmiddleware.GetRawResponse) and its timing.
	ResultMetadata middleware.Metadata `json:"-"`
}

// BatchCreateChannelMembership adds up to 100 members to a channel
// (POST /channels/{ChannelArn}/memberships?operation=batch-create).
//
// optFns apply to a copy of the client's options for this call only; this is
// how a caller installs a per-call retryer, for example:
//
//	out, err := client.BatchCreateChannelMembership(ctx, in, func(o *messagingapi.Options) {
//		o.Retryer = myWrapper(o.Retryer) // keeps ThrottleErrorCodes
//	})
//
// It blocks until the call ends, including the retryer's retries, and
// returns early when ctx is done. Missing required input (ChannelArn,
// ChimeBearer, MemberArns) fails with a smithy.InvalidParamsError inside a
// *smithy.OperationError and nothing is sent. Service errors are
// *smithy.OperationError wrapping *awshttp.ResponseError wrapping one of this
// package's exception types (for example *[ThrottledClientException]) or a
// *smithy.GenericAPIError. params is not modified.
func (c *Client) BatchCreateChannelMembership(ctx context.Context, params *BatchCreateChannelMembershipInput, optFns ...func(*Options)) (*BatchCreateChannelMembershipOutput, error) {
	const opName = "BatchCreateChannelMembership"
	if params == nil {
		params = &BatchCreateChannelMembershipInput{}
	}
	options := c.operationOptions(optFns)
	if err := validateBatchCreateChannelMembershipInput(params); err != nil {
		return nil, service.OperationError(opName, err)
	}

	header := http.Header{}
	header.Set("Content-Type", "application/json")
	header.Set("X-Amz-Chime-Bearer", *params.ChimeBearer)
	var out *BatchCreateChannelMembershipOutput
	var metadata middleware.Metadata
	op := &awsrest.Operation{
		Name:        opName,
		Method:      http.MethodPost,
		Path:        "/channels/" + awsrest.EscapeLabel(*params.ChannelArn) + "/memberships",
		RawQuery:    "operation=batch-create",
		Header:      header,
		Body:        encodeBatchCreateChannelMembershipInput(params),
		DecodeError: decodeError,
		DecodeOutput: func(body []byte) error {
			out = &BatchCreateChannelMembershipOutput{}
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

// encodeBatchCreateChannelMembershipInput writes the body the SDK sends:
// MemberArns, SubChannelId and Type in that order, unset members omitted.
// ChannelArn and ChimeBearer travel in the path and a header only.
func encodeBatchCreateChannelMembershipInput(v *BatchCreateChannelMembershipInput) []byte {
	enc := smithyjson.NewEncoder()
	obj := enc.Value.Object()
	if v.MemberArns != nil {
		arns := obj.Key("MemberArns").Array()
		for _, arn := range v.MemberArns {
			arns.Value().String(arn)
		}
		arns.Close()
	}
	if v.SubChannelId != nil {
		obj.Key("SubChannelId").String(*v.SubChannelId)
	}
	if len(v.Type) > 0 {
		obj.Key("Type").String(string(v.Type))
	}
	obj.Close()
	return enc.Bytes()
}

// validateBatchCreateChannelMembershipInput checks the required members,
// naming each missing one.
func validateBatchCreateChannelMembershipInput(v *BatchCreateChannelMembershipInput) error {
	invalid := smithy.InvalidParamsError{Context: "BatchCreateChannelMembershipInput"}
	switch {
	case v.ChannelArn == nil:
		invalid.Add(smithy.NewErrParamRequired("ChannelArn"))
	case *v.ChannelArn == "":
		invalid.Add(awsrest.NewErrParamEmpty("ChannelArn"))
	}
	if v.MemberArns == nil {
		invalid.Add(smithy.NewErrParamRequired("MemberArns"))
	}
	switch {
	case v.ChimeBearer == nil:
		invalid.Add(smithy.NewErrParamRequired("ChimeBearer"))
	case *v.ChimeBearer == "":
		invalid.Add(awsrest.NewErrParamEmpty("ChimeBearer"))
	}
	if invalid.Len() > 0 {
		return invalid
	}
	return nil
}
