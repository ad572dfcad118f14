package chimecodes

import (
	"net/http"

	"github.com/batchkit/batchkit/batch"
)

// Class is how one error code is normalized.
type Class struct {
	// Code is the normalized code.
	Code batch.Code
	// Retryable reports whether sending the item or call again may succeed.
	Retryable bool
}

// ItemCodes returns the 15 values of the services' ErrorCode enum, in the
// models' order, in a new slice.
func ItemCodes() []string {
	return []string{
		"BadRequest", "Conflict", "Forbidden", "NotFound", "PreconditionFailed",
		"ResourceLimitExceeded", "ServiceFailure", "AccessDenied", "ServiceUnavailable",
		"Throttled", "Throttling", "Unauthorized", "Unprocessable",
		"VoiceConnectorGroupAssociationsExist", "PhoneNumberAssociationsExist",
	}
}

// itemCodes maps every ErrorCode value to a normalized code.
// PreconditionFailed means the resource's current state does not allow the
// change, so it is a Conflict rather than bad input.
var itemCodes = map[string]Class{
	"BadRequest":                           {batch.CodeInvalidInput, false},
	"Conflict":                             {batch.CodeConflict, false},
	"Forbidden":                            {batch.CodeForbidden, false},
	"NotFound":                             {batch.CodeNotFound, false},
	"PreconditionFailed":                   {batch.CodeConflict, false},
	"ResourceLimitExceeded":                {batch.CodeLimitExceeded, false},
	"ServiceFailure":                       {batch.CodeInternal, true},
	"AccessDenied":                         {batch.CodeForbidden, false},
	"ServiceUnavailable":                   {batch.CodeUnavailable, true},
	"Throttled":                            {batch.CodeThrottled, true},
	"Throttling":                           {batch.CodeThrottled, true},
	"Unauthorized":                         {batch.CodeUnauthorized, false},
	"Unprocessable":                        {batch.CodeInvalidInput, false},
	"VoiceConnectorGroupAssociationsExist": {batch.CodeConflict, false},
	"PhoneNumberAssociationsExist":         {batch.CodeConflict, false},
}

// Item returns the class of a per-item ErrorCode value. A value missing from
// the enum (a newer one, or empty) is [batch.CodeUnknown] and permanent.
//
//	Throttled, Throttling                       Throttled, retryable
//	ServiceUnavailable                          Unavailable, retryable
//	ServiceFailure                              Internal, retryable
//	BadRequest, Unprocessable                   InvalidInput
//	Conflict, PreconditionFailed,
//	VoiceConnectorGroupAssociationsExist,
//	PhoneNumberAssociationsExist                Conflict
//	Forbidden, AccessDenied                     Forbidden
//	NotFound                                    NotFound
//	ResourceLimitExceeded                       LimitExceeded
//	Unauthorized                                Unauthorized
func Item(code string) Class {
	if c, ok := itemCodes[code]; ok {
		return c
	}
	return Class{Code: batch.CodeUnknown}
}

// callCodes maps the error codes a call can fail with: the modeled exception
// names, the short ErrorCode values an answer without an X-Amzn-ErrorType
// header yields, and the AWS-wide authentication errors.
var callCodes = map[string]Class{
	"NotFoundException": {batch.CodeNotFound, false},
	"NotFound":          {batch.CodeNotFound, false},

	"BadRequestException":          {batch.CodeInvalidInput, false},
	"BadRequest":                   {batch.CodeInvalidInput, false},
	"UnprocessableEntityException": {batch.CodeInvalidInput, false},
	"Unprocessable":                {batch.CodeInvalidInput, false},
	"ValidationException":          {batch.CodeInvalidInput, false},

	"UnauthorizedClientException":         {batch.CodeUnauthorized, false},
	"Unauthorized":                        {batch.CodeUnauthorized, false},
	"UnrecognizedClientException":         {batch.CodeUnauthorized, false},
	"InvalidSignatureException":           {batch.CodeUnauthorized, false},
	"MissingAuthenticationTokenException": {batch.CodeUnauthorized, false},
	"IncompleteSignatureException":        {batch.CodeUnauthorized, false},
	"InvalidClientTokenId":                {batch.CodeUnauthorized, false},
	"ExpiredTokenException":               {batch.CodeUnauthorized, false},
	"ForbiddenException":                  {batch.CodeForbidden, false},
	"Forbidden":                           {batch.CodeForbidden, false},
	"AccessDeniedException":               {batch.CodeForbidden, false},
	"AccessDenied":                        {batch.CodeForbidden, false},

	"ConflictException":              {batch.CodeConflict, false},
	"Conflict":                       {batch.CodeConflict, false},
	"ResourceLimitExceededException": {batch.CodeLimitExceeded, false},
	"ResourceLimitExceeded":          {batch.CodeLimitExceeded, false},

	"ThrottledClientException":    {batch.CodeThrottled, true},
	"Throttled":                   {batch.CodeThrottled, true},
	"Throttling":                  {batch.CodeThrottled, true},
	"ThrottlingException":         {batch.CodeThrottled, true},
	"TooManyRequestsException":    {batch.CodeThrottled, true},
	"ServiceUnavailableException": {batch.CodeUnavailable, true},
	"ServiceUnavailable":          {batch.CodeUnavailable, true},
	"ServiceFailureException":     {batch.CodeInternal, true},
	"ServiceFailure":              {batch.CodeInternal, true},
	"InternalFailure":             {batch.CodeInternal, true},
}

// Call returns the class of a call-level error code, as
// smithy.APIError.ErrorCode reports it, and whether the code is known:
//
//	NotFoundException, NotFound                 NotFound
//	BadRequestException, BadRequest,
//	UnprocessableEntityException, Unprocessable,
//	ValidationException                         InvalidInput
//	UnauthorizedClientException, Unauthorized,
//	UnrecognizedClientException,
//	InvalidSignatureException,
//	MissingAuthenticationTokenException,
//	IncompleteSignatureException,
//	InvalidClientTokenId, ExpiredTokenException Unauthorized
//	ForbiddenException, Forbidden,
//	AccessDeniedException, AccessDenied         Forbidden
//	ConflictException, Conflict                 Conflict
//	ResourceLimitExceededException,
//	ResourceLimitExceeded                       LimitExceeded
//	ThrottledClientException, Throttled,
//	Throttling, ThrottlingException,
//	TooManyRequestsException                    Throttled, retryable
//	ServiceUnavailableException,
//	ServiceUnavailable                          Unavailable, retryable
//	ServiceFailureException, ServiceFailure,
//	InternalFailure                             Internal, retryable
func Call(code string) (Class, bool) {
	c, ok := callCodes[code]
	return c, ok
}

// Status returns the class of an HTTP status whose error code [Call] does
// not know, and whether the status says anything: 401 Unauthorized, 403
// Forbidden, 429 Throttled, 500 Internal and other 5xx Unavailable (the last
// three retryable).
func Status(status int) (Class, bool) {
	switch {
	case status == http.StatusUnauthorized:
		return Class{batch.CodeUnauthorized, false}, true
	case status == http.StatusForbidden:
		return Class{batch.CodeForbidden, false}, true
	case status == http.StatusTooManyRequests:
		return Class{batch.CodeThrottled, true}, true
	case status == http.StatusInternalServerError:
		return Class{batch.CodeInternal, true}, true
	case status >= 501 && status <= 599:
		return Class{batch.CodeUnavailable, true}, true
	}
	return Class{Code: batch.CodeUnknown}, false
}
