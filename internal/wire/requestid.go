package wire

import (
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"

	"github.com/batchkit/batchkit/batch"
)

// StampRequestID sets the request ID of the answer whose metadata md is on
// every per-item error of res that has none, so that a failure inside a 200
// names the call that reported it, as a call-level error does.
func StampRequestID[R any](res []batch.Result[R], md middleware.Metadata) {
	id, ok := awsmiddleware.GetRequestIDMetadata(md)
	if !ok || id == "" {
		return
	}
	for i := range res {
		if e := res[i].Err; e != nil && e.RequestID == "" {
			// Errors may be shared by several items (one Unmatched error for
			// the whole answer): stamping the shared value once is enough,
			// and it belongs to this call alone.
			e.RequestID = id
		}
	}
}
