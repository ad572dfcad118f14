package wickrapi

import (
	"fmt"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/batchkit/batchkit/internal/awsrest"
)

// BadRequestError (HTTP 400) reports that the request was invalid or malformed.
type BadRequestError struct {
	// Message is the service's explanation.
	Message *string `json:"message"`
}

// Error returns "BadRequestError: " followed by the message.
func (e *BadRequestError) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorCode(), e.ErrorMessage())
}

// ErrorCode returns "BadRequestError".
func (e *BadRequestError) ErrorCode() string { return "BadRequestError" }

// ErrorMessage returns the service's message, or "".
func (e *BadRequestError) ErrorMessage() string { return deref(e.Message) }

// ErrorFault returns smithy.FaultClient.
func (e *BadRequestError) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// UnauthorizedError (HTTP 401) reports that the request was not authenticated or its credentials were invalid.
type UnauthorizedError struct {
	// Message is the service's explanation.
	Message *string `json:"message"`
}

// Error returns "UnauthorizedError: " followed by the message.
func (e *UnauthorizedError) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorCode(), e.ErrorMessage())
}

// ErrorCode returns "UnauthorizedError".
func (e *UnauthorizedError) ErrorCode() string { return "UnauthorizedError" }

// ErrorMessage returns the service's message, or "".
func (e *UnauthorizedError) ErrorMessage() string { return deref(e.Message) }

// ErrorFault returns smithy.FaultClient.
func (e *UnauthorizedError) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// ForbiddenError (HTTP 403) reports that the caller may not perform the operation.
type ForbiddenError struct {
	// Message is the service's explanation.
	Message *string `json:"message"`
}

// Error returns "ForbiddenError: " followed by the message.
func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorCode(), e.ErrorMessage())
}

// ErrorCode returns "ForbiddenError".
func (e *ForbiddenError) ErrorCode() string { return "ForbiddenError" }

// ErrorMessage returns the service's message, or "".
func (e *ForbiddenError) ErrorMessage() string { return deref(e.Message) }

// ErrorFault returns smithy.FaultClient.
func (e *ForbiddenError) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// ResourceNotFoundError (HTTP 404) reports that the network (or another named resource) does not exist.
type ResourceNotFoundError struct {
	// Message is the service's explanation.
	Message *string `json:"message"`
}

// Error returns "ResourceNotFoundError: " followed by the message.
func (e *ResourceNotFoundError) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorCode(), e.ErrorMessage())
}

// ErrorCode returns "ResourceNotFoundError".
func (e *ResourceNotFoundError) ErrorCode() string { return "ResourceNotFoundError" }

// ErrorMessage returns the service's message, or "".
func (e *ResourceNotFoundError) ErrorMessage() string { return deref(e.Message) }

// ErrorFault returns smithy.FaultClient.
func (e *ResourceNotFoundError) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// RateLimitError (HTTP 429) reports that too many requests were sent; it is a throttle, listed in
// [ThrottleErrorCodes].
type RateLimitError struct {
	// Message is the service's explanation.
	Message *string `json:"message"`
}

// Error returns "RateLimitError: " followed by the message.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorCode(), e.ErrorMessage())
}

// ErrorCode returns "RateLimitError".
func (e *RateLimitError) ErrorCode() string { return "RateLimitError" }

// ErrorMessage returns the service's message, or "".
func (e *RateLimitError) ErrorMessage() string { return deref(e.Message) }

// ErrorFault returns smithy.FaultClient.
func (e *RateLimitError) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// InternalServerError (HTTP 500) reports that the service failed internally; the SDK retryers retry it
// (HTTP 500).
type InternalServerError struct {
	// Message is the service's explanation.
	Message *string `json:"message"`
}

// Error returns "InternalServerError: " followed by the message.
func (e *InternalServerError) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorCode(), e.ErrorMessage())
}

// ErrorCode returns "InternalServerError".
func (e *InternalServerError) ErrorCode() string { return "InternalServerError" }

// ErrorMessage returns the service's message, or "".
func (e *InternalServerError) ErrorMessage() string { return deref(e.Message) }

// ErrorFault returns smithy.FaultServer.
func (e *InternalServerError) ErrorFault() smithy.ErrorFault { return smithy.FaultServer }

// ValidationError (HTTP 422) reports that fields of the request failed
// validation; Reasons names them. Like the official client, it reads only
// "reasons" from the body, so Message stays nil and ErrorMessage is "".
type ValidationError struct {
	Message *string                 `json:"-"`
	Reasons []ValidationErrorDetail `json:"reasons"`
}

// Error returns "ValidationError: " followed by the message.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorCode(), e.ErrorMessage())
}

// ErrorCode returns "ValidationError".
func (e *ValidationError) ErrorCode() string { return "ValidationError" }

// ErrorMessage returns the message, which the service does not send.
func (e *ValidationError) ErrorMessage() string { return deref(e.Message) }

// ErrorFault returns smithy.FaultClient.
func (e *ValidationError) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

var (
	_ smithy.APIError = (*BadRequestError)(nil)
	_ smithy.APIError = (*UnauthorizedError)(nil)
	_ smithy.APIError = (*ForbiddenError)(nil)
	_ smithy.APIError = (*ResourceNotFoundError)(nil)
	_ smithy.APIError = (*ValidationError)(nil)
	_ smithy.APIError = (*RateLimitError)(nil)
	_ smithy.APIError = (*InternalServerError)(nil)
)

// decodeError returns the modeled error for code (matched case-insensitively,
// as the SDK does) decoded from body, or nil when code is not modeled.
func decodeError(code string, body []byte) error {
	var e error
	switch {
	case strings.EqualFold(code, "BadRequestError"):
		e = &BadRequestError{}
	case strings.EqualFold(code, "UnauthorizedError"):
		e = &UnauthorizedError{}
	case strings.EqualFold(code, "ForbiddenError"):
		e = &ForbiddenError{}
	case strings.EqualFold(code, "ResourceNotFoundError"):
		e = &ResourceNotFoundError{}
	case strings.EqualFold(code, "ValidationError"):
		e = &ValidationError{}
	case strings.EqualFold(code, "RateLimitError"):
		e = &RateLimitError{}
	case strings.EqualFold(code, "InternalServerError"):
		e = &InternalServerError{}
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
