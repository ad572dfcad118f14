package awsrest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/smithy-go"
)

// SanitizeErrorCode reduces a wire error type to its bare name, as the SDK
// does: everything from the first ':' is dropped, then everything up to and
// including the first '#'. "aws.protocoltests#FooError:http://internal/" is
// "FooError".
func SanitizeErrorCode(code string) string {
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.IndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return code
}

// ErrorInfo returns the error code and message a restJson1 error body
// carries: the "code" key, else "__type", and the "message" key, all matched
// case-insensitively (the last of several spellings wins). An empty body has
// neither; a body that is not JSON, or whose values are not strings, is an
// error.
func ErrorInfo(body []byte) (code, message string, err error) {
	var info struct {
		Code    string
		Type    string `json:"__type"`
		Message string
	}
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&info); err != nil && !errors.Is(err, io.EOF) {
		return "", "", err
	}
	code = info.Code
	if code == "" {
		code = info.Type
	}
	return SanitizeErrorCode(code), info.Message, nil
}

// decodeError turns an error answer into the modeled error or a
// *smithy.GenericAPIError, with the SDK's restJson1 precedence: the
// X-Amzn-ErrorType header, then the body's code, then its __type.
func decodeError(h http.Header, body []byte, decode func(code string, body []byte) error) error {
	code := "UnknownError"
	message := code

	header := h.Get("X-Amzn-ErrorType")
	if header != "" {
		code = SanitizeErrorCode(header)
	}
	bodyCode, bodyMessage, err := ErrorInfo(body)
	if err != nil {
		return &smithy.DeserializationError{Err: fmt.Errorf("failed to decode response body, %w", err)}
	}
	if header == "" && bodyCode != "" {
		code = bodyCode
	}
	if bodyMessage != "" {
		message = bodyMessage
	}
	if decode != nil {
		if err := decode(code, body); err != nil {
			return err
		}
	}
	return &smithy.GenericAPIError{Code: code, Message: message}
}

// DecodeJSON decodes the first JSON value of body into v, as the SDK's
// deserializers do: an empty body leaves v untouched, and any other failure
// is a *smithy.DeserializationError (without a snapshot of the body).
func DecodeJSON(body []byte, v any) error {
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return &smithy.DeserializationError{Err: fmt.Errorf("failed to decode response body, %w", err)}
	}
	return nil
}
