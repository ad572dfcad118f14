// Package wire is what the four adapters (appstream, chime, wickr,
// messaging) share about the HTTP exchange below their clients: which call
// errors are transport failures, the check that a successful answer's body
// is one well-formed document, and the test for a missing client.
//
// It lives apart from internal/awsrest (the restJson1 invoker of the wickr
// and messaging clients only) and internal/chimecodes (the Chime code
// tables) because every adapter needs it, whether its client is an official
// SDK client or one of batchkit's own, and because none of it depends on a
// service or a protocol's code table.
//
// # Classifying call errors
//
// [Classify] tells an adapter's Classify what a call error means on the
// wire, in one order for every adapter:
//
//   - [Malformed]: a 2xx answer whose body [CheckAnswers] refused.
//   - [Canceled]: a context was canceled, and no deadline ran out. The
//     engine never asks about its own run's cancellation (see
//     batch.Adapter.Classify), so this is a cancellation by something else,
//     for example the caller's HTTP client or option functions.
//   - [Transport]: the request got no complete answer: an HTTP client
//     time-out (http.Client.Timeout, a dial, TLS or response-header
//     time-out, any context deadline, which is never the run's own), a
//     refused, reset or closed connection, an answer cut off before its
//     end (io.ErrUnexpectedEOF), or any failure of the HTTP client's Do.
//   - [Other]: none of these; the adapter goes on with its own tables.
//
// Classify looks through every wrapper (smithy.OperationError,
// retry.MaxAttemptsError, awshttp.ResponseError, smithy.DeserializationError,
// url.Error, net.OpError, ...) with errors.Is and errors.As.
//
// # The rule for transport failures and malformed answers
//
// Both mean the same to the caller: the call may or may not have been
// applied, and nothing in hand says which item it was applied to. Every
// adapter reports them alike:
//
//   - a transport failure is batch.CodeUnavailable, retryable,
//     batch.ScopeCall;
//   - a malformed answer is batch.CodeUnmatched, retryable,
//     batch.ScopeCall.
//
// Retryable, because a malformed 200 is an answer lost in transit, exactly
// like a connection dropped after the service committed the call, which the
// SDK retryer already resends on its own: all four operations set state
// (associate, disassociate, set a license, add a member) or carry a client
// token that makes a resend replay the first answer (Wickr), so sending the
// items again either succeeds or gets the service's real answer about them.
// Reporting them as permanent would leave the caller to reconcile items the
// next attempt would settle. The engine's attempt limit and retry budget
// bound the resends, so an endpoint that only ever answers garbage still
// ends the run quickly, with every item Unmatched and none Succeeded.
//
// A refused body also reads as a retryable error inside the client (see
// [MalformedError]), so the SDK retryer resends the request first, with
// Wickr's client token unchanged.
package wire
