package awsrest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"

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
// deserializers do: object members match the JSON names of v's fields
// exactly, case included (the names in their `json` tags, or the Go field
// names), and members of any other spelling are ignored like unknown ones,
// where encoding/json alone would take {"Successful": ...} for
// "successful"; an empty body leaves v untouched; and any other failure is
// a *smithy.DeserializationError (without a snapshot of the body). v must
// be a non-nil pointer.
func DecodeJSON(body []byte, v any) error {
	return decodeJSON(body, v, false)
}

// DecodeErrorJSON is [DecodeJSON] for the body of a modeled error: as in
// the current SDK's error deserializers, the error's message member, named
// "message" or "Message" in the model, is read from either spelling; every
// other member, and the message under any other spelling ("MESSAGE"),
// matches exactly as in DecodeJSON.
func DecodeErrorJSON(body []byte, v any) error {
	return decodeJSON(body, v, true)
}

func decodeJSON(body []byte, v any, isError bool) error {
	fail := func(err error) error {
		return &smithy.DeserializationError{Err: fmt.Errorf("failed to decode response body, %w", err)}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return fail(err)
	}
	t := reflect.TypeOf(v)
	if isError {
		doc = messageAlias(doc, t)
	}
	exact, err := json.Marshal(exactMembers(doc, t))
	if err != nil {
		return fail(err)
	}
	if err := json.Unmarshal(exact, v); err != nil {
		return fail(err)
	}
	return nil
}

// exactMembers returns doc, a decoded JSON value meant for a value of type
// t, without the object members whose names are not exactly the JSON name
// of a field of the struct they are meant for, at every depth.
func exactMembers(doc any, t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := doc.(map[string]any)
		if !ok {
			return doc
		}
		fields := jsonFields(t)
		out := make(map[string]any, len(m))
		for k, v := range m {
			if ft, ok := fields[k]; ok {
				out[k] = exactMembers(v, ft)
			}
		}
		return out
	case reflect.Slice, reflect.Array:
		if l, ok := doc.([]any); ok {
			for i := range l {
				l[i] = exactMembers(l[i], t.Elem())
			}
		}
	case reflect.Map:
		if m, ok := doc.(map[string]any); ok {
			for k, v := range m {
				m[k] = exactMembers(v, t.Elem())
			}
		}
	}
	return doc
}

// messageAlias returns doc, the decoded body of an error of type t, with a
// "message" or "Message" member renamed to the JSON name of t's message
// field when that field is named the other way.
func messageAlias(doc any, t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	m, ok := doc.(map[string]any)
	if !ok || t.Kind() != reflect.Struct {
		return doc
	}
	fields := jsonFields(t)
	for name, other := range map[string]string{"message": "Message", "Message": "message"} {
		_, hasField := fields[name]
		_, hasName := m[name]
		v, hasOther := m[other]
		if hasField && !hasName && hasOther {
			m[name] = v
		}
	}
	return m
}

// fieldCache holds jsonFields' answers, by struct type.
var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// jsonFields returns the exported fields of struct type t by JSON name:
// the name in the field's `json` tag, else the Go field name. Fields
// tagged "-" are left out.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	fields := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		fields[name] = f.Type
	}
	fieldCache.Store(t, fields)
	return fields
}
