package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// MaxAnswerBytes is the largest 2xx body [CheckAnswers] reads. A longer
// body is refused as malformed: the largest answer of the four operations
// (100 members and 100 errors of Chime SDK Messaging) takes well under
// 1 MiB.
const MaxAnswerBytes = 16 << 20

// Media types of the protocols the checked operations speak.
const (
	// CBORType is the media type of Smithy RPC v2 CBOR, which AppStream
	// clients from aws-sdk-go-v2 service/appstream v1.64.0 on speak.
	CBORType = "application/cbor"
	// AWSJSONType is the media type of AWS JSON 1.1 (AppStream before
	// CBOR). restJson1 answers are application/json; any media type but
	// CBORType is checked as JSON.
	AWSJSONType = "application/x-amz-json-1.1"
)

// MalformedError is the error a 2xx answer's body reads as when
// [CheckAnswers] refused it. [Classify] reports it as [Malformed]. It never
// quotes the body, which may hold sensitive values.
type MalformedError struct {
	// ContentType is the answer's Content-Type header.
	ContentType string
	// Reason says what is wrong, for example "trailing data after the
	// document".
	Reason string
}

func (e *MalformedError) Error() string {
	return "the service's answer is not one well-formed document: " + e.Reason
}

// RetryableError reports true: the SDK's retryers, and batchkit's own
// clients, resend a request whose answer was malformed as they resend one
// whose answer was cut off. See the package documentation for the rule.
func (e *MalformedError) RetryableError() bool { return true }

// HTTPClient is the Do method through which the SDK's clients and
// batchkit's own clients send requests. *http.Client satisfies it.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// CheckAnswers returns next wrapped so that the body of every 2xx answer is
// read in full and checked with [WellFormed] before the client sees it. A
// body that is not one well-formed document (an empty body, null, a
// truncated document, trailing data after it, a top-level value that is not
// an object or map, more than [MaxAnswerBytes]) reads as a
// [*MalformedError] from its first byte, so the client's decoder fails with
// it instead of taking part of an answer for the whole: the SDK's JSON
// decoders read only the first value and take an empty body or null for an
// answer without errors, and the CBOR decoder of service/appstream v1.64
// takes an empty body for one, which would count every item of the call as
// a success. A body whose reading fails reads as that failure, which
// [Classify] reports as [Transport]. Other answers pass unchanged.
//
// The protocol is the one the client will decode the body with, which is
// the protocol of its request, whatever the answer claims: a request
// carrying Smithy-Protocol: rpc-v2-cbor (AppStream clients from
// aws-sdk-go-v2 service/appstream v1.64.0 on) is answered in CBOR, a
// request with a JSON Content-Type in JSON; only when the request says
// neither does the answer's Content-Type decide ([CBORType] as CBOR,
// anything else as JSON). A nil next means a default SDK HTTP client,
// shared by every nil next. The result is safe for concurrent use if next
// is.
func CheckAnswers(next HTTPClient) HTTPClient {
	if next == nil {
		next = defaultClient()
	}
	return checker{next}
}

var defaultClient = sync.OnceValue(func() HTTPClient { return awshttp.NewBuildableClient() })

type checker struct{ next HTTPClient }

// Do sends req with the wrapped client and checks a 2xx answer's body.
func (c checker) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(req)
	if err != nil || resp == nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, err
	}
	var body []byte
	var rerr error
	if resp.Body != nil {
		body, rerr = io.ReadAll(io.LimitReader(resp.Body, MaxAnswerBytes+1))
		_ = resp.Body.Close()
	}
	ct := resp.Header.Get("Content-Type")
	proto := answerProtocol(req, ct)
	switch {
	case rerr != nil:
		resp.Body = io.NopCloser(failingReader{rerr})
		return resp, nil
	case len(body) > MaxAnswerBytes:
		rerr = &MalformedError{ContentType: ct, Reason: fmt.Sprintf("the body is longer than %d bytes", MaxAnswerBytes)}
	default:
		if werr := WellFormed(proto, body); werr != nil {
			rerr = &MalformedError{ContentType: ct, Reason: werr.Error()}
		}
	}
	if rerr != nil {
		resp.Body = io.NopCloser(failingReader{rerr})
		return resp, nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// answerProtocol returns the media type whose rules a 2xx answer to req
// must follow: the protocol req was sent in, else the answer's own
// Content-Type ct. A client decodes the answer in its own protocol, so an
// answer in another is as unreadable as a truncated one.
func answerProtocol(req *http.Request, ct string) string {
	if req == nil {
		return ct
	}
	if req.Header.Get("Smithy-Protocol") == smithyProtocolCBOR {
		return CBORType
	}
	if mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type")); err == nil &&
		(mt == "application/json" || strings.HasPrefix(mt, "application/x-amz-json-")) {
		return mt
	}
	return ct
}

// smithyProtocolCBOR is the Smithy-Protocol header of RPC v2 CBOR requests.
const smithyProtocolCBOR = "rpc-v2-cbor"

// failingReader fails every read with err.
type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

// WellFormed reports whether body, the body of an answer with the given
// Content-Type, is exactly one well-formed document whose top-level value
// is an object: for [CBORType], one CBOR data item (RFC 8949, definite or
// indefinite lengths) that is a map, with nothing after it; for any other
// type, one JSON object, optionally surrounded by JSON white space. It
// returns nil or an error saying what is wrong.
func WellFormed(contentType string, body []byte) error {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && mt == CBORType {
		return cborMap(body)
	}
	return jsonObject(body)
}

// jsonObject reports whether body is one JSON object. Its errors do not
// quote the body.
func jsonObject(body []byte) error {
	b := bytes.Trim(body, " \t\r\n")
	switch {
	case len(b) == 0:
		return errors.New("the body is empty")
	case b[0] != '{':
		return errors.New("the body is not a JSON object")
	case json.Valid(b):
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var v json.RawMessage
	switch err := dec.Decode(&v); {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the JSON object is truncated")
	case err != nil:
		return errors.New("the JSON object is malformed")
	}
	return errors.New("trailing data after the JSON object")
}
