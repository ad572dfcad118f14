package messagingapi

// ChannelMembershipType is the type of a channel membership.
type ChannelMembershipType string

// The membership types.
const (
	ChannelMembershipTypeDefault ChannelMembershipType = "DEFAULT"
	ChannelMembershipTypeHidden  ChannelMembershipType = "HIDDEN"
)

// Values returns every known ChannelMembershipType.
func (ChannelMembershipType) Values() []ChannelMembershipType {
	return []ChannelMembershipType{ChannelMembershipTypeDefault, ChannelMembershipTypeHidden}
}

// ErrorCode is the short error code carried by per-member errors
// ([BatchCreateChannelMembershipError]) and by the Code member of the
// exceptions.
type ErrorCode string

// The error codes of the service model.
const (
	ErrorCodeBadRequest                           ErrorCode = "BadRequest"
	ErrorCodeConflict                             ErrorCode = "Conflict"
	ErrorCodeForbidden                            ErrorCode = "Forbidden"
	ErrorCodeNotFound                             ErrorCode = "NotFound"
	ErrorCodePreconditionFailed                   ErrorCode = "PreconditionFailed"
	ErrorCodeResourceLimitExceeded                ErrorCode = "ResourceLimitExceeded"
	ErrorCodeServiceFailure                       ErrorCode = "ServiceFailure"
	ErrorCodeAccessDenied                         ErrorCode = "AccessDenied"
	ErrorCodeServiceUnavailable                   ErrorCode = "ServiceUnavailable"
	ErrorCodeThrottled                            ErrorCode = "Throttled"
	ErrorCodeThrottling                           ErrorCode = "Throttling"
	ErrorCodeUnauthorized                         ErrorCode = "Unauthorized"
	ErrorCodeUnprocessable                        ErrorCode = "Unprocessable"
	ErrorCodeVoiceConnectorGroupAssociationsExist ErrorCode = "VoiceConnectorGroupAssociationsExist"
	ErrorCodePhoneNumberAssociationsExist         ErrorCode = "PhoneNumberAssociationsExist"
)

// Values returns every known ErrorCode.
func (ErrorCode) Values() []ErrorCode {
	return []ErrorCode{
		ErrorCodeBadRequest, ErrorCodeConflict, ErrorCodeForbidden, ErrorCodeNotFound,
		ErrorCodePreconditionFailed, ErrorCodeResourceLimitExceeded, ErrorCodeServiceFailure,
		ErrorCodeAccessDenied, ErrorCodeServiceUnavailable, ErrorCodeThrottled, ErrorCodeThrottling,
		ErrorCodeUnauthorized, ErrorCodeUnprocessable, ErrorCodeVoiceConnectorGroupAssociationsExist,
		ErrorCodePhoneNumberAssociationsExist,
	}
}

// Identity is an AppInstanceUser or AppInstanceBot. Name is sensitive.
type Identity struct {
	// Arn is the identity's ARN.
	Arn *string `json:"Arn"`

	// Name is the identity's display name.
	Name *string `json:"Name"`
}

// BatchChannelMemberships describes the memberships a call created.
type BatchChannelMemberships struct {
	// InvitedBy is the identity that added the members (the bearer).
	InvitedBy *Identity `json:"InvitedBy"`

	// Type is the membership type.
	Type ChannelMembershipType `json:"Type"`

	// Members lists the members successfully added.
	Members []Identity `json:"Members"`

	// ChannelArn is the channel.
	ChannelArn *string `json:"ChannelArn"`

	// SubChannelId is the SubChannel, for elastic channels.
	SubChannelId *string `json:"SubChannelId"`
}

// BatchCreateChannelMembershipError is a member that was not added.
type BatchCreateChannelMembershipError struct {
	// MemberArn is the member concerned.
	MemberArn *string `json:"MemberArn"`

	// ErrorCode says what went wrong.
	ErrorCode ErrorCode `json:"ErrorCode"`

	// ErrorMessage explains it.
	ErrorMessage *string `json:"ErrorMessage"`
}
