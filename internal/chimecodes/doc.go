// Package chimecodes normalizes the error codes shared by Amazon Chime
// (legacy) and Amazon Chime SDK Messaging, for the chime and messaging
// adapters.
//
// Both services use one 15-value ErrorCode enum for per-item errors
// (UserErrors of BatchUpdateUser, Errors of BatchCreateChannelMembership)
// and for the Code member of their exceptions, and the same exception names
// (BadRequestException, NotFoundException, ThrottledClientException, ...)
// for whole-call failures. [Item] maps an ErrorCode value to a [batch.Code]
// and whether it is worth retrying; [Call] does the same for a call-level
// error code, [Status] for an HTTP status whose code is unknown. How far a
// call-level failure reaches (its [batch.Scope]) differs between the
// services, so each adapter decides it from the [Class].
package chimecodes
