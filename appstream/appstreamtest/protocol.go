package appstreamtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/batchkit/batchkit/internal/awsfake"
)

// Wire names of the service and its operations.
const (
	serviceName     = "PhotonAdminProxyService"
	serviceShapeID  = "com.amazonaws.appstream.PhotonAdminProxyService"
	targetPrefix    = serviceName + "."
	opAssociate     = "BatchAssociateUserStack"
	opDisassociate  = "BatchDisassociateUserStack"
	contentTypeJSON = awsfake.ContentTypeAmzJSON11
	contentTypeCBOR = awsfake.ContentTypeCBOR
	smithyProtocol  = awsfake.SmithyProtocolCBOR
)

// protocol is the wire protocol of a request.
type protocol uint8

const (
	protoJSON protocol = iota // AWS JSON 1.1
	protoCBOR                 // Smithy RPC v2 CBOR
)

// apiError is an error answer.
type apiError struct {
	status  int
	code    string
	message string
}

func badRequest(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// cborRoute splits an RPC v2 CBOR path, {prefix}/service/{service}/operation/{op},
// using its last four segments.
func cborRoute(path string) (service, op string, ok bool) {
	segs := strings.Split(path, "/")
	n := len(segs)
	if n < 5 || segs[n-4] != "service" || segs[n-2] != "operation" {
		return "", "", false
	}
	return segs[n-3], segs[n-1], true
}

// protocolOf returns the protocol a request speaks, from its path.
func protocolOf(r *http.Request) protocol {
	if _, _, ok := cborRoute(r.URL.EscapedPath()); ok {
		return protoCBOR
	}
	return protoJSON
}

// operationOf names the operation of r for the request log.
func operationOf(r *http.Request) string {
	if _, op, ok := cborRoute(r.URL.EscapedPath()); ok {
		return op
	}
	return strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
}

// route checks the protocol envelope of r and returns its protocol and
// operation.
func route(r *http.Request) (protocol, string, *apiError) {
	if svc, op, ok := cborRoute(r.URL.EscapedPath()); ok {
		switch {
		case r.Method != http.MethodPost:
			return protoCBOR, "", &apiError{status: http.StatusMethodNotAllowed, code: "UnknownOperationException", message: "RPC v2 CBOR requests must use POST"}
		case r.Header.Get("Smithy-Protocol") != smithyProtocol:
			return protoCBOR, "", badRequest("SerializationException", "RPC v2 CBOR requests must carry the header Smithy-Protocol: %s", smithyProtocol)
		case r.Header.Get("X-Amz-Target") != "" || r.Header.Get("X-Amzn-Target") != "":
			return protoCBOR, "", badRequest("SerializationException", "RPC v2 CBOR requests must not carry X-Amz-Target")
		case svc != serviceName && svc != serviceShapeID:
			return protoCBOR, "", &apiError{status: http.StatusNotFound, code: "UnknownOperationException", message: "unknown service"}
		case op != opAssociate && op != opDisassociate:
			return protoCBOR, "", &apiError{status: http.StatusNotFound, code: "UnknownOperationException", message: "unknown operation"}
		}
		if ct := r.Header.Get("Content-Type"); ct != "" {
			if mt, _, _ := mime.ParseMediaType(ct); mt != contentTypeCBOR {
				return protoCBOR, "", badRequest("SerializationException", "RPC v2 CBOR requests must have Content-Type %s", contentTypeCBOR)
			}
		}
		return protoCBOR, op, nil
	}
	if r.URL.EscapedPath() != "/" {
		return protoJSON, "", &apiError{status: http.StatusNotFound, code: "UnknownOperationException", message: "unknown path"}
	}
	if r.Method != http.MethodPost {
		return protoJSON, "", &apiError{status: http.StatusMethodNotAllowed, code: "UnknownOperationException", message: "AWS JSON requests must use POST"}
	}
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, targetPrefix)
	if !ok || (op != opAssociate && op != opDisassociate) {
		return protoJSON, "", badRequest("UnknownOperationException", "unknown operation")
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != contentTypeJSON {
		return protoJSON, "", badRequest("SerializationException", "AWS JSON 1.1 requests must have Content-Type %s", contentTypeJSON)
	}
	return protoJSON, op, nil
}

// wireAssociation is a UserStackAssociation as sent; nil members were absent.
type wireAssociation struct {
	StackName             *string `json:"StackName,omitempty"`
	UserName              *string `json:"UserName,omitempty"`
	AuthenticationType    *string `json:"AuthenticationType,omitempty"`
	SendEmailNotification *bool   `json:"SendEmailNotification,omitempty"`
}

// wireError is an entry of the answer's errors list.
type wireError struct {
	UserStackAssociation wireAssociation `json:"UserStackAssociation"`
	ErrorCode            string          `json:"ErrorCode"`
	ErrorMessage         string          `json:"ErrorMessage"`
}

// decodeRequest parses the request body. A nil list means the member was
// absent.
func decodeRequest(p protocol, body []byte) ([]wireAssociation, *apiError) {
	if p == protoCBOR {
		return decodeCBOR(body)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	var in struct {
		UserStackAssociations []wireAssociation
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, badRequest("SerializationException", "the request body is not valid JSON for this operation")
	}
	return in.UserStackAssociations, nil
}

func decodeCBOR(body []byte) ([]wireAssociation, *apiError) {
	if len(body) == 0 {
		return nil, nil
	}
	bad := badRequest("SerializationException", "the request body is not valid CBOR for this operation")
	v, err := cbor.Decode(body)
	if err != nil {
		return nil, bad
	}
	m, ok := v.(cbor.Map)
	if !ok {
		return nil, bad
	}
	lv, ok := m["UserStackAssociations"]
	if !ok || isNull(lv) {
		return nil, nil
	}
	list, ok := lv.(cbor.List)
	if !ok {
		return nil, bad
	}
	out := make([]wireAssociation, 0, len(list))
	for _, ev := range list {
		em, ok := ev.(cbor.Map)
		if !ok {
			return nil, bad
		}
		var a wireAssociation
		for k, fv := range em {
			if isNull(fv) {
				continue
			}
			switch k {
			case "StackName", "UserName", "AuthenticationType":
				s, ok := fv.(cbor.String)
				if !ok {
					return nil, bad
				}
				str := string(s)
				switch k {
				case "StackName":
					a.StackName = &str
				case "UserName":
					a.UserName = &str
				default:
					a.AuthenticationType = &str
				}
			case "SendEmailNotification":
				b, ok := fv.(cbor.Bool)
				if !ok {
					return nil, bad
				}
				bb := bool(b)
				a.SendEmailNotification = &bb
			}
		}
		out = append(out, a)
	}
	if out == nil {
		out = []wireAssociation{}
	}
	return out, nil
}

func isNull(v cbor.Value) bool {
	switch v.(type) {
	case nil, *cbor.Nil, *cbor.Undefined:
		return true
	}
	return false
}

// writeAnswer writes a 200 answer holding errs.
func writeAnswer(w http.ResponseWriter, p protocol, errs []wireError, omitEmpty bool) {
	if p == protoCBOR {
		m := cbor.Map{}
		if len(errs) > 0 || !omitEmpty {
			list := make(cbor.List, 0, len(errs))
			for _, e := range errs {
				list = append(list, cbor.Map{
					"UserStackAssociation": cborAssociation(e.UserStackAssociation),
					"ErrorCode":            cbor.String(e.ErrorCode),
					"ErrorMessage":         cbor.String(e.ErrorMessage),
				})
			}
			m["errors"] = list
		}
		writeCBOR(w, http.StatusOK, m)
		return
	}
	w.Header().Set("Content-Type", contentTypeJSON)
	var out struct {
		Errors *[]wireError `json:"errors,omitempty"`
	}
	if len(errs) > 0 || !omitEmpty {
		if errs == nil {
			errs = []wireError{}
		}
		out.Errors = &errs
	}
	awsfake.WriteJSON(w, http.StatusOK, out)
}

func cborAssociation(a wireAssociation) cbor.Map {
	m := cbor.Map{}
	if a.StackName != nil {
		m["StackName"] = cbor.String(*a.StackName)
	}
	if a.UserName != nil {
		m["UserName"] = cbor.String(*a.UserName)
	}
	if a.AuthenticationType != nil {
		m["AuthenticationType"] = cbor.String(*a.AuthenticationType)
	}
	if a.SendEmailNotification != nil {
		m["SendEmailNotification"] = cbor.Bool(*a.SendEmailNotification)
	}
	return m
}

func writeCBOR(w http.ResponseWriter, status int, v cbor.Value) {
	awsfake.WriteCBOR(w, status, v)
}

// modeledErrors are the errors the service model defines for the two
// operations. Their structure's member is "Message", and the official CBOR
// client reads that key, case-sensitively, from their body.
var modeledErrors = map[string]bool{
	"InvalidParameterCombinationException": true,
	"OperationNotPermittedException":       true,
}

// writeError renders an error answer in the request's protocol: for AWS JSON
// 1.1, {"__type":code,"message":...}; for RPC v2 CBOR, a map with __type and
// the message, with the Smithy-Protocol header. The CBOR message key is the
// one the official client reads: "Message", the member of the modeled
// errors, for InvalidParameterCombinationException and
// OperationNotPermittedException; "message" for every error the model does
// not define (ValidationException, ThrottlingException, InternalFailure,
// the authentication errors), which the client decodes generically.
func writeError(w http.ResponseWriter, p protocol, e *apiError) {
	if p == protoCBOR {
		key := "message"
		if modeledErrors[e.code] {
			key = "Message"
		}
		writeCBOR(w, e.status, cbor.Map{"__type": cbor.String(e.code), key: cbor.String(e.message)})
		return
	}
	w.Header().Set("Content-Type", contentTypeJSON)
	awsfake.WriteJSONError(w, e.status, e.code, map[string]any{"message": e.message}, false)
}

// writeKindError renders the refusals of the shared fake server (signature,
// quota, whole-call failure) as AppStream does, in the request's protocol.
func writeKindError(w http.ResponseWriter, r *http.Request, kind awsfake.ErrorKind, message string) {
	writeError(w, protocolOf(r), &apiError{status: kind.Status(), code: kind.Code(), message: message})
}
