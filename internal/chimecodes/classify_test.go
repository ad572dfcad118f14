package chimecodes_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/chime"
	"github.com/batchkit/batchkit/internal/chimecodes"
	"github.com/batchkit/batchkit/internal/wire"
	"github.com/batchkit/batchkit/messaging"
)

func opErr(status int, err error) error {
	resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: http.NoBody}
	return &smithy.OperationError{Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp}, Err: err},
	}}
}

// TestChimeAndMessagingClassifyAlike is the regression test of the two
// adapters' copies of Classify drifting apart: an error both undecodable
// and canceled was Unmatched in chime and Canceled in messaging. They now
// share chimecodes.Classify and differ only in scopes.
func TestChimeAndMessagingClassifyAlike(t *testing.T) {
	c, m := chime.New(nil), messaging.New(nil)
	tests := []struct {
		name      string
		err       error
		code      batch.Code
		retryable bool
	}{
		{"undecodable and canceled", opErr(200, &smithy.DeserializationError{Err: fmt.Errorf("reading: %w", context.Canceled)}), batch.CodeCanceled, false},
		{"undecodable and timed out", opErr(200, &smithy.DeserializationError{Err: fmt.Errorf("reading: %w", context.DeadlineExceeded)}), batch.CodeUnavailable, true},
		{"malformed", opErr(200, &smithy.DeserializationError{Err: &wire.MalformedError{Reason: "null"}}), batch.CodeUnmatched, true},
		{"undecodable", opErr(200, &smithy.DeserializationError{Err: errors.New("expected string")}), batch.CodeUnmatched, true},
		{"cut off", opErr(200, &smithy.DeserializationError{Err: io.ErrUnexpectedEOF}), batch.CodeUnavailable, true},
		{"forbidden", opErr(403, &smithy.GenericAPIError{Code: "ForbiddenException"}), batch.CodeForbidden, false},
	}
	for _, tt := range tests {
		ce, _ := c.Classify(tt.err)
		me, _ := m.Classify(tt.err)
		for _, e := range []*batch.Error{ce, me} {
			assert.Equal(t, tt.code, e.Code, "%s (%s)", tt.name, e.Operation)
			assert.Equal(t, tt.retryable, e.Retryable, "%s (%s)", tt.name, e.Operation)
		}
		assert.Equal(t, ce.Message, me.Message, tt.name)
	}
	// Scopes are the services' own: a refusal ends a Chime run, and only
	// the channel's key in Chime SDK Messaging.
	_, cs := c.Classify(tests[len(tests)-1].err)
	_, ms := m.Classify(tests[len(tests)-1].err)
	assert.Equal(t, batch.ScopeRun, cs)
	assert.Equal(t, batch.ScopeKey, ms)

	e, scope := chimecodes.Classify(errors.New("boom"), "Op", func(batch.Code) batch.Scope { return batch.ScopeRun })
	assert.Equal(t, batch.CodeUnknown, e.Code)
	assert.Equal(t, "Op", e.Operation)
	assert.Equal(t, batch.ScopeCall, scope)
}
