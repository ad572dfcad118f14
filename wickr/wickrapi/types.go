package wickrapi

// BatchCreateUserRequestItem is one user to create. FirstName, LastName and
// InviteCode are sensitive: this package never puts them in errors.
// CodeValidation, InviteCode and InviteCodeTtl are restricted to networks
// under preview.
type BatchCreateUserRequestItem struct {
	// Username is the user's email address or user name, unique within the
	// network. Required.
	Username *string

	// SecurityGroupIds lists the security group to put the user in. Required;
	// the service accepts one group per user.
	SecurityGroupIds []string

	// FirstName is the user's first name.
	FirstName *string

	// LastName is the user's last name.
	LastName *string

	// InviteCode is a custom invite code; the service generates one when nil.
	InviteCode *string

	// InviteCodeTtl is the invite code's lifetime in days.
	InviteCodeTtl *int32

	// CodeValidation says whether the user can be verified by invite code.
	CodeValidation *bool
}

// User is a user the service created (an element of
// [BatchCreateUserOutput.Successful]).
type User struct {
	// UserId is the user's ID within the network (digits).
	UserId *string `json:"userId"`

	// Username is the user's email address or user name.
	Username *string `json:"username"`

	// FirstName is the user's first name.
	FirstName *string `json:"firstName"`

	// LastName is the user's last name.
	LastName *string `json:"lastName"`

	// SecurityGroups lists the IDs of the user's security groups.
	SecurityGroups []string `json:"securityGroups"`

	// IsAdmin says whether the user administers the network.
	IsAdmin *bool `json:"isAdmin"`

	// Suspended says whether the user is suspended.
	Suspended *bool `json:"suspended"`

	// Status is 1 for a pending invitation, 2 for an active user.
	Status *int32 `json:"status"`

	// OtpEnabled says whether one-time passwords are enabled.
	OtpEnabled *bool `json:"otpEnabled"`

	// ScimId is the user's SCIM identifier.
	ScimId *string `json:"scimId"`

	// Type is the account type, for example "user".
	Type *string `json:"type"`

	// Cell is the phone number without country code.
	Cell *string `json:"cell"`

	// CountryCode is the phone number's country code.
	CountryCode *string `json:"countryCode"`

	// ChallengeFailures counts failed password attempts.
	ChallengeFailures *int32 `json:"challengeFailures"`

	// IsInviteExpired says whether the invitation expired.
	IsInviteExpired *bool `json:"isInviteExpired"`

	// IsUser says whether the account is a user rather than a bot.
	IsUser *bool `json:"isUser"`

	// InviteCode is the user's invite code.
	InviteCode *string `json:"inviteCode"`

	// CodeValidation says whether the user can be verified by invite code.
	CodeValidation *bool `json:"codeValidation"`

	// Uname is the user's unique identifier (user name hash).
	Uname *string `json:"uname"`
}

// BatchUserErrorResponseItem is a user an operation did not apply to: an
// element of the Failed list of [BatchCreateUserOutput],
// [BatchDeleteUserOutput], [BatchReinviteUserOutput] and
// [BatchToggleUserSuspendStatusOutput]. For BatchCreateUser it does not name
// the user: for a user that has no ID yet the service sends UserId "0". The
// other operations echo the user ID the request named.
type BatchUserErrorResponseItem struct {
	// UserId is the ID of the user concerned, "0" when there is none.
	UserId *string `json:"userId"`

	// Field names the input member at fault, for example "username".
	Field *string `json:"field"`

	// Reason says why, for example "User already exists".
	Reason *string `json:"reason"`
}

// ValidationErrorDetail is one reason of a [ValidationError].
type ValidationErrorDetail struct {
	// Field names the member at fault.
	Field *string `json:"field"`

	// Reason says what is wrong with it.
	Reason *string `json:"reason"`
}

// ErrorDetail is the name the official SDK (service/wickr/types) gives to
// [ValidationErrorDetail].
type ErrorDetail = ValidationErrorDetail

// BatchUserSuccessResponseItem is a user an operation on existing users
// (BatchDeleteUser, BatchReinviteUser, BatchToggleUserSuspendStatus) applied
// to: an element of their output's Successful list. It is
// types.BatchUserSuccessResponseItem of the official SDK.
type BatchUserSuccessResponseItem struct {
	// UserId is the ID of the user, as the request named it. Required in
	// the model.
	UserId *string `json:"userId"`
}

// BatchDeviceSuccessResponseItem is a device BatchResetDevicesForUser reset
// (an element of [BatchResetDevicesForUserOutput.Successful]).
type BatchDeviceSuccessResponseItem struct {
	// AppId is the application ID of the device. Required in the model.
	AppId *string `json:"appId"`
}

// BatchDeviceErrorResponseItem is a device BatchResetDevicesForUser did not
// reset (an element of [BatchResetDevicesForUserOutput.Failed]).
type BatchDeviceErrorResponseItem struct {
	// AppId is the application ID of the device. Required in the model.
	AppId *string `json:"appId"`

	// Field names the input member at fault, for example "appId".
	Field *string `json:"field"`

	// Reason says why, for example "Invalid app ID.".
	Reason *string `json:"reason"`
}

// BatchUnameSuccessResponseItem is a uname BatchLookupUserUname resolved (an
// element of [BatchLookupUserUnameOutput.Successful]).
type BatchUnameSuccessResponseItem struct {
	// Uname is the user name hash that was looked up. Required in the
	// model.
	Uname *string `json:"uname"`

	// Username is the user name (often an email address) the hash stands
	// for. Required in the model.
	Username *string `json:"username"`
}

// BatchUnameErrorResponseItem is a uname BatchLookupUserUname did not
// resolve (an element of [BatchLookupUserUnameOutput.Failed]).
type BatchUnameErrorResponseItem struct {
	// Uname is the user name hash that was looked up. Required in the
	// model.
	Uname *string `json:"uname"`

	// Field names the input member at fault, for example "uname".
	Field *string `json:"field"`

	// Reason says why, for example "Uname not found".
	Reason *string `json:"reason"`
}
