package awsfake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Content types and protocol markers of the protocols the kits speak.
const (
	// ContentTypeJSON is restJson1's content type (wickr, chime, messaging).
	ContentTypeJSON = "application/json"
	// ContentTypeAmzJSON11 is AWS JSON 1.1's content type (appstream before
	// Smithy RPC v2 CBOR).
	ContentTypeAmzJSON11 = "application/x-amz-json-1.1"
	// ContentTypeCBOR is Smithy RPC v2 CBOR's content type (appstream from
	// aws-sdk-go-v2 service/appstream v1.64.0 on).
	ContentTypeCBOR = "application/cbor"
	// SmithyProtocolCBOR is the value of the Smithy-Protocol header that
	// every Smithy RPC v2 CBOR request and answer carries.
	SmithyProtocolCBOR = "rpc-v2-cbor"
)

// IsCBOR reports whether r is a Smithy RPC v2 CBOR request: it carries
// Smithy-Protocol: rpc-v2-cbor.
func IsCBOR(r *http.Request) bool {
	return r.Header.Get("Smithy-Protocol") == SmithyProtocolCBOR
}

// WriteCBOR writes status and v encoded as CBOR, with the headers every
// Smithy RPC v2 CBOR answer carries (Smithy-Protocol: rpc-v2-cbor,
// Content-Type application/cbor) and Content-Length.
func WriteCBOR(w http.ResponseWriter, status int, v cbor.Value) {
	h := w.Header()
	h.Set("Smithy-Protocol", SmithyProtocolCBOR)
	h.Set("Content-Type", ContentTypeCBOR)
	WriteBody(w, status, cbor.Encode(v))
}

// String returns the kind's label as recorded in [Request.Fault]:
// "signature", "missing-auth", "unknown-key", "throttle" or "internal".
func (k ErrorKind) String() string {
	switch k {
	case KindSignature:
		return FaultSignature
	case KindMissingAuth:
		return FaultMissingAuth
	case KindUnknownKey:
		return FaultUnknownKey
	case KindThrottle:
		return FaultThrottle
	case KindInternal:
		return FaultInternal
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Code returns the error code AWS's JSON protocols use for the kind:
// InvalidSignatureException, MissingAuthenticationTokenException,
// UnrecognizedClientException, ThrottlingException or InternalFailure.
// ThrottlingException is retried by the SDK's standard retryer; services
// whose throttling code differs (Chime's ThrottledClientException, Wickr's
// RateLimitError) render their own.
func (k ErrorKind) Code() string {
	switch k {
	case KindSignature:
		return "InvalidSignatureException"
	case KindMissingAuth:
		return "MissingAuthenticationTokenException"
	case KindUnknownKey:
		return "UnrecognizedClientException"
	case KindThrottle:
		return "ThrottlingException"
	}
	return "InternalFailure"
}

// Status returns the HTTP status AWS's JSON protocols use for the kind:
// 403 for the three authentication kinds, 400 for KindThrottle (AWS JSON
// 1.1's ThrottlingException) and 500 for KindInternal.
func (k ErrorKind) Status() int {
	switch k {
	case KindSignature, KindMissingAuth, KindUnknownKey:
		return http.StatusForbidden
	case KindThrottle:
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// WriteJSON writes status and v encoded as JSON, with Content-Length and
// Content-Type (ContentTypeJSON unless the handler already set one). An
// unencodable v is a bug in the kit: it writes a 500 instead.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "awsfake: encoding answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	WriteBody(w, status, b)
}

// WriteBody writes status and an already encoded body, with Content-Length
// and Content-Type (ContentTypeJSON unless the handler already set one).
func WriteBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", ContentTypeJSON)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WriteJSONError writes a JSON protocol error: status, the body map as
// JSON, and, when withHeader is true, the X-Amzn-ErrorType: errType header
// (which the Go SDK reads before the body). When withHeader is false and
// body has no "__type" key, "__type": errType is added so the type is still
// discoverable. body may be nil and is not modified. Content-Type is
// ContentTypeJSON unless the handler already set one (AppStream kits set
// ContentTypeAmzJSON11 first).
//
// Chime and Chime SDK Messaging errors need withHeader, or the SDK only
// produces a generic error from their short body Code.
func WriteJSONError(w http.ResponseWriter, status int, errType string, body map[string]any, withHeader bool) {
	m := make(map[string]any, len(body)+1)
	for k, v := range body {
		m[k] = v
	}
	if withHeader {
		w.Header().Set("X-Amzn-ErrorType", errType)
	} else if _, ok := m["__type"]; !ok {
		m["__type"] = errType
	}
	WriteJSON(w, status, m)
}

// WriteDefaultError renders kind with [ErrorKind.Status] and
// [ErrorKind.Code], as X-Amzn-ErrorType plus {"__type":code,"message":...};
// to a Smithy RPC v2 CBOR request ([IsCBOR]) as the CBOR map {"__type":
// code, "message": ...} with [WriteCBOR]'s headers and no X-Amzn-ErrorType,
// which CBOR clients ignore. The lower-case "message" is the key the
// official clients read for errors their model does not define, which these
// are. It is what [NewServer] uses when [Options.WriteError] is nil, and
// kits may call it for the kinds they do not render themselves.
func WriteDefaultError(w http.ResponseWriter, r *http.Request, kind ErrorKind, message string) {
	if r != nil && IsCBOR(r) {
		WriteCBOR(w, kind.Status(), cbor.Map{"__type": cbor.String(kind.Code()), "message": cbor.String(message)})
		return
	}
	WriteJSONError(w, kind.Status(), kind.Code(), map[string]any{
		"__type":  kind.Code(),
		"message": message,
	}, true)
}

// Truncate is the default [Options.Corrupt]: it drops trailing whitespace
// and then the second half of the body, so a JSON object or array, or a
// CBOR map, no longer parses. A body shorter than two bytes becomes `{"`.
func Truncate(body []byte) []byte {
	b := bytes.TrimRight(body, " \t\r\n")
	if len(b) < 2 {
		return []byte(`{"`)
	}
	return append([]byte(nil), b[:len(b)/2]...)
}
