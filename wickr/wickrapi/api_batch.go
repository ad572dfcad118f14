package wickrapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/smithy-go"
	smithyjson "github.com/aws/smithy-go/encoding/json"
	"github.com/aws/smithy-go/middleware"

	"github.com/batchkit/batchkit/internal/awsrest"
)

// batchCall is one request of the batch operations on existing users,
// devices and unames: they all send a JSON body holding one list of
// strings, the client token in X-Client-Token and the network (and for
// BatchResetDevicesForUser the user) in the path, and answer 200 with
// {"message", "successful", "failed"}.
type batchCall struct {
	name   string
	method string
	path   string // escaped, labels included
	query  string // encoded, without '?'
	token  **string
	list   string // the body member: "userIds", "appIds" or "unames"
	items  []string
	decode func(body []byte) error
	// metadata receives the answer's metadata (request ID, raw response).
	metadata *middleware.Metadata
}

// invokeBatch fills the client token when it is nil, as the official
// client's OperationIdempotencyTokenAutoFill middleware does, and sends the
// call.
func (c *Client) invokeBatch(ctx context.Context, options Options, b *batchCall) error {
	if *b.token == nil {
		token, err := options.IdempotencyTokenProvider.GetIdempotencyToken()
		if err != nil {
			return service.OperationError(b.name, fmt.Errorf("failed to generate idempotency token, %w", err))
		}
		*b.token = &token
	}
	header := http.Header{}
	header.Set("Content-Type", "application/json")
	if t := *b.token; t != nil && *t != "" {
		header.Set("X-Client-Token", *t)
	}
	op := &awsrest.Operation{
		Name:         b.name,
		Method:       b.method,
		Path:         b.path,
		RawQuery:     b.query,
		Header:       header,
		Body:         encodeStringList(b.list, b.items),
		DecodeError:  decodeError,
		DecodeOutput: b.decode,
		// The official clients' outputs carry the answer's metadata.
		ResultMetadata: b.metadata,
	}
	return awsrest.Invoke(ctx, service, options.restConfig(), op)
}

// encodeStringList writes the body the SDK sends for these operations:
// {"<member>":[...]}, or {} when the list is nil.
func encodeStringList(member string, list []string) []byte {
	enc := smithyjson.NewEncoder()
	obj := enc.Value.Object()
	if list != nil {
		arr := obj.Key(member).Array()
		for _, s := range list {
			arr.Value().String(s)
		}
		arr.Close()
	}
	obj.Close()
	return enc.Bytes()
}

// required checks the members the model requires, as the official
// validators do (nil only), and, like the official serializer, refuses empty
// path labels. Each check names its member; values are never included.
type required struct {
	invalid smithy.InvalidParamsError
}

func newRequired(context string) *required {
	return &required{invalid: smithy.InvalidParamsError{Context: context}}
}

// label checks a path label: set and non-empty.
func (r *required) label(name string, v *string) {
	switch {
	case v == nil:
		r.invalid.Add(smithy.NewErrParamRequired(name))
	case *v == "":
		r.invalid.Add(awsrest.NewErrParamEmpty(name))
	}
}

// set checks a member that must be non-nil.
func (r *required) set(name string, isNil bool) {
	if isNil {
		r.invalid.Add(smithy.NewErrParamRequired(name))
	}
}

func (r *required) err() error {
	if r.invalid.Len() > 0 {
		return r.invalid
	}
	return nil
}
