package messagingapi

import (
	"fmt"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/batchkit/batchkit/internal/awsrest"
)

// BadRequestException (HTTP 400) reports that the input does not meet the service's restrictions.
type BadRequestException struct {
	// Message is the service's explanation.
	Message *string `json:"Message"`

	// Code is the short error code the body carries, for example
	// [ErrorCodeBadRequest]. It is not the value of ErrorCode.
	Code ErrorCode `json:"Code"`
}

// Error returns "BadRequestException: " followed by the message.
func (e *BadRequestException) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorCode(), e.ErrorMessage())
}

// ErrorCode returns "BadRequestException".
func (e *BadRequestException) ErrorCode() string { return "BadRequestException" }

// ErrorMessage returns the service's message, or "".
func (e *BadRequestException) ErrorMessage() string { return deref(e.Message) }

// ErrorFault returns smithy.FaultClient.
func (e *BadRequestException) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// UnauthorizedClientException (HTTP 401) reports that the client is not authorized.
type UnauthorizedClientException struct {
	// Message is the service's explanation.
	Message *string `json:"Message"`

	// Code is the short error code the body carries, for example
	// [ErrorCodeBadRequest]. It is not the value of ErrorCode.
	Code ErrorCode `json:"Code"`
}

// Error returns "UnauthorizedClientException: " followed by the message.
func (e *UnauthorizedClientException) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorCode(), e.ErrorMessage())
}

// ErrorCode returns "UnauthorizedClientException".
func (e *UnauthorizedClientException) ErrorCode() string { return "UnauthorizedClientException" }

// ErrorMessage returns the service's message, or "".
func (e *UnauthorizedClientException) ErrorMessage() string { return deref(e.Message) }

// ErrorFault returns smithy.FaultClient.
func (e *UnauthorizedClientException) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// ForbiddenException (HTTP 403) reports that the caller (or the bearer) may not perform the operation.
type ForbiddenException struct {
	// Message is the service's explanation.
	Message *string `json:"Message"`

	// Code is the short error code the body carries, for example
	// [ErrorCodeBadRequest]. It is not the value of ErrorCode.
	Code ErrorCode `json:"Code"`
}

// Error returns "ForbiddenException: " followed by the message.
func (e *ForbiddenException) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorCode(), e.ErrorMessage())
}

// ErrorCode returns "ForbiddenException".
func (e *ForbiddenException) ErrorCode() string { return "ForbiddenException" }

// ErrorMessage returns the service's message, or "".
func (e *ForbiddenException) ErrorMessage() string { return deref(e.Message) }

// ErrorFault returns smithy.FaultClient.
func (e *ForbiddenException) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// NotFoundException (HTTP 404) reports that a named resource, such as the channel, does not exist.
type NotFoundException struct {
	// Message is the service's explanation.
	Message *string `json:"Message"`

	// Code is the short error code the body carries, for example
	// [ErrorCodeBadRequest]. It is not the value of ErrorCode.
	Code ErrorCode `json:"Code"`
}

// Error returns "NotFoundException: " followed by the message.
func (e *NotFoundException) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorCode(), e.ErrorMessage())
}

// ErrorCode returns "NotFoundException".
func (e *NotFoundException) ErrorCode() string { return "NotFoundException" }

// ErrorMessage returns the service's message, or "".
func (e *NotFoundException) ErrorMessage() string { return deref(e.Message) }

// ErrorFault returns smithy.FaultClient.
func (e *NotFoundException) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// ResourceLimitExceededException (HTTP 400) reports that a service resource limit was reached.
type ResourceLimitExceededException struct {
	// Message is the service's explanation.
	Message *string `json:"Message"`

	// Code is the short error code the body carries, for example
	// [ErrorCodeBadRequest]. It is not the value of ErrorCode.
	Code ErrorCode `json:"Code"`
}

// Error returns "ResourceLimitExceededException: " followed by the message.
func (e *ResourceLimitExceededException) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorCode(), e.ErrorMessage())
}

// ErrorCode returns "ResourceLimitExceededException".
func (e *ResourceLimitExceededException) ErrorCode() string { return "ResourceLimitExceededException" }

// ErrorMessage returns the service's message, or "".
func (e *ResourceLimitExceededException) ErrorMessage() string { return deref(e.Message) }

// ErrorFault returns smithy.FaultClient.
func (e *ResourceLimitExceededException) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// ThrottledClientException (HTTP 429) reports that the client exceeded the API rate; it is a throttle, listed
// in [ThrottleErrorCodes].
type ThrottledClientException struct {
	// Message is the service's explanation.
	Message *string `json:"Message"`

	// Code is the short error code the body carries, for example
	// [ErrorCodeBadRequest]. It is not the value of ErrorCode.
	Code ErrorCode `json:"Code"`
}

// Error returns "ThrottledClientException: " followed by the message.
func (e *ThrottledClientException) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorCode(), e.ErrorMessage())
}

// ErrorCode returns "ThrottledClientException".
func (e *ThrottledClientException) ErrorCode() string { return "ThrottledClientException" }

// ErrorMessage returns the service's message, or "".
func (e *ThrottledClientException) ErrorMessage() string { return deref(e.Message) }

// ErrorFault returns smithy.FaultClient.
func (e *ThrottledClientException) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// ServiceFailureException (HTTP 500) reports that the service failed internally; the SDK retryers retry it
// (HTTP 500).
type ServiceFailureException struct {
	// Message is the service's explanation.
	Message *string `json:"Message"`

	// Code is the short error code the body carries, for example
	// [ErrorCodeBadRequest]. It is not the value of ErrorCode.
	Code ErrorCode `json:"Code"`
}

// Error returns "ServiceFailureException: " followed by the message.
func (e *ServiceFailureException) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorCode(), e.ErrorMessage())
}

// ErrorCode returns "ServiceFailureException".
func (e *ServiceFailureException) ErrorCode() string { return "ServiceFailureException" }

// ErrorMessage returns the service's message, or "".
func (e *ServiceFailureException) ErrorMessage() string { return deref(e.Message) }

// ErrorFault returns smithy.FaultServer.
func (e *ServiceFailureException) ErrorFault() smithy.ErrorFault { return smithy.FaultServer }

// ServiceUnavailableException (HTTP 503) reports that the service is temporarily unavailable; the SDK retryers
// retry it (HTTP 503).
type ServiceUnavailableException struct {
	// Message is the service's explanation.
	Message *string `json:"Message"`

	// Code is the short error code the body carries, for example
	// [ErrorCodeBadRequest]. It is not the value of ErrorCode.
	Code ErrorCode `json:"Code"`
}

// Error returns "ServiceUnavailableException: " followed by the message.
func (e *ServiceUnavailableException) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorCode(), e.ErrorMessage())
}

// ErrorCode returns "ServiceUnavailableException".
func (e *ServiceUnavailableException) ErrorCode() string { return "ServiceUnavailableException" }

// ErrorMessage returns the service's message, or "".
func (e *ServiceUnavailableException) ErrorMessage() string { return deref(e.Message) }

// ErrorFault returns smithy.FaultServer.
func (e *ServiceUnavailableException) ErrorFault() smithy.ErrorFault { return smithy.FaultServer }

var (
	_ smithy.APIError = (*BadRequestException)(nil)
	_ smithy.APIError = (*UnauthorizedClientException)(nil)
	_ smithy.APIError = (*ForbiddenException)(nil)
	_ smithy.APIError = (*NotFoundException)(nil)
	_ smithy.APIError = (*ResourceLimitExceededException)(nil)
	_ smithy.APIError = (*ThrottledClientException)(nil)
	_ smithy.APIError = (*ServiceFailureException)(nil)
	_ smithy.APIError = (*ServiceUnavailableException)(nil)
)

// decodeError returns the modeled exception for code (matched
// case-insensitively, as the SDK does) decoded from body, or nil when code is
// not modeled.
func decodeError(code string, body []byte) error {
	var e error
	switch {
	case strings.EqualFold(code, "BadRequestException"):
		e = &BadRequestException{}
	case strings.EqualFold(code, "UnauthorizedClientException"):
		e = &UnauthorizedClientException{}
	case strings.EqualFold(code, "ForbiddenException"):
		e = &ForbiddenException{}
	case strings.EqualFold(code, "NotFoundException"):
		e = &NotFoundException{}
	case strings.EqualFold(code, "ResourceLimitExceededException"):
		e = &ResourceLimitExceededException{}
	case strings.EqualFold(code, "ThrottledClientException"):
		e = &ThrottledClientException{}
	case strings.EqualFold(code, "ServiceFailureException"):
		e = &ServiceFailureException{}
	case strings.EqualFold(code, "ServiceUnavailableException"):
		e = &ServiceUnavailableException{}
	default:
		return nil
	}
	if err := awsrest.DecodeErrorJSON(body, e); err != nil {
		return err
	}
	return e
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
