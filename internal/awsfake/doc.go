// Package awsfake is the machinery shared by batchkit's fake AWS services
// (the appstreamtest, chimetest, wickrtest and messagingtest kits).
//
// A kit writes an [http.Handler] that speaks one service's protocol and keeps
// its state in memory, and hands it to [NewServer]. The server wraps that
// handler with what every fake needs, in this order:
//
//  1. The request body is read once and logged; the handler, WriteError and
//     Operation get a fresh reader over the same bytes.
//  2. [Faults.Latency] is added (ended early when the client goes away), to
//     every request or to the first [Faults.LatencyFirst] ones.
//  3. The SigV4 signature is verified as AWS verifies it, against
//     [AccessKeyID] and [SecretAccessKey], the server's signing name and
//     its region ([Options.Region], by default [Region]): a missing
//     signature, an unknown access key, a credential scope for another
//     service or region, a date more than 15 minutes off, and a signature
//     that does not match (a wrong secret, a tampered body, header, path or
//     query) are refused through [Options.WriteError] with
//     [KindMissingAuth], [KindUnknownKey] or [KindSignature].
//  4. The quota token bucket ([Faults.Quota]) refuses requests beyond the
//     rate with [KindThrottle], and [Faults.ThrottleRate] refuses some of
//     the others the same way.
//  5. The fault plan draws, in this fixed order, a whole-call failure
//     ([KindInternal]), a dropped response and a malformed body. A dropped
//     response runs the handler (so its state changes are committed), then
//     closes the connection without answering. A malformed body runs the
//     handler and, when it answered 200, sends its status and headers with a
//     corrupted body ([Faults.Malformation] says how).
//  6. Every request, refused or not, is appended to the log returned by
//     [Server.Requests], with the status sent and the fault applied, before
//     its answer leaves: answers are written into a buffer, logged, then
//     sent, so a client that got its answer finds its request in the log.
//
// Randomness comes from math/rand/v2 PCG sources seeded with [Faults.Seed],
// one for whole-call faults, one for [Faults.ThrottleRate] and one for
// [Server.ItemFails], each used under a mutex, so for a given seed and the
// same sequence of requests the faults are the same on every run. The quota
// bucket runs on the wall clock, so which requests it refuses depends on
// timing; requests it refuses take no draws. Tests that need throttles
// independent of timing use [Faults.ThrottleRate].
//
// A kit's handler sees only requests that passed steps 2 to 5. It calls
// [Server.IsPoison] for each identity of a call (and refuses the call with
// its validation error when one is poisoned), [Server.ItemFails] once per
// item to decide per-item retryable failures, and may label the log entry
// with [MarkFault]. Its WriteError renders [ErrorKind] refusals in the
// service's protocol; [ErrorKind.Code] and [ErrorKind.Status] give AWS's
// generic choices.
//
// [Server.Config] returns an aws.Config for the official SDK clients (and
// batchkit's own clients) pointed at the server with the test credentials.
//
// The helpers [WriteJSON], [WriteJSONError] and [WriteDefaultError] render
// AWS JSON 1.1 and restJson1 answers and errors, including the
// X-Amzn-ErrorType header the Go SDK reads first; [WriteCBOR] renders
// Smithy RPC v2 CBOR answers, and [WriteDefaultError] answers a CBOR
// request ([IsCBOR]) in CBOR.
//
// A Server is safe for concurrent use. Close it when done: it stops the
// listener, waits for handlers in flight and closes the client connections.
package awsfake
