package wickrtest

import "github.com/batchkit/batchkit/internal/awsfake"

// Malformation is how Faults.MalformedRate corrupts the body of a 200
// answer, set in Faults.Malformation. Each keeps the answer's status and
// headers, and depends only on its protocol (CBOR or JSON, by
// Content-Type).
type Malformation = awsfake.Malformation

// The malformations.
const (
	// MalformKit, the zero value, is the kit's own corruption.
	MalformKit = awsfake.MalformKit
	// MalformTruncated sends the first half of the body.
	MalformTruncated = awsfake.MalformTruncated
	// MalformEmpty sends an empty body.
	MalformEmpty = awsfake.MalformEmpty
	// MalformNull sends a null document.
	MalformNull = awsfake.MalformNull
	// MalformTrailing sends the whole answer followed by a second document.
	MalformTrailing = awsfake.MalformTrailing
)
