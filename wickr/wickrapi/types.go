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

// BatchUserErrorResponseItem is a user the service did not create (an
// element of [BatchCreateUserOutput.Failed]). It does not name the user: for
// a user that has no ID yet the service sends UserId "0".
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
