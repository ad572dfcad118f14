package chimetest

import (
	"net/http"
	"time"

	"github.com/batchkit/batchkit/internal/awsfake"
)

// Faults is the fault plan of a [Server] (in [Options] and
// [Server.SetFaults]). The zero value injects nothing. Rates are
// probabilities in [0, 1]; values outside are clamped. Draws come from
// sources seeded with Seed, so a plan is deterministic for a given order of
// requests; only the quota depends on timing (use ThrottleRate for
// throttles that do not).
//
// Faults is the same struct type in every batchkit test kit (appstreamtest,
// chimetest, wickrtest and messagingtest): one plan can be handed to
// several kits.
type Faults = struct {
	// Seed seeds the random draws. Zero is a valid seed like any other.
	Seed int64

	// Latency is added to every request before it is answered, refused
	// ones included. Zero adds nothing. The wait ends early when the client
	// goes away (for example on its HTTP time-out); the request is then
	// logged with [FaultCanceled] and not served.
	Latency time.Duration

	// LatencyFirst, when positive, adds Latency only to the first
	// LatencyFirst requests that arrive after the plan was installed; later
	// requests get none. Zero adds Latency to every request.
	LatencyFirst int

	// Quota is a token bucket's rate in requests per second: requests
	// beyond it get a 429 ThrottledClientException. Zero means unlimited.
	Quota float64

	// QuotaBurst is the bucket's capacity. Zero means Quota rounded up (one
	// second's worth), at least 1.
	QuotaBurst int

	// ThrottleRate is the probability that a request the quota admitted is
	// throttled all the same, like one beyond the quota. It depends only on
	// Seed and the order of requests, never on timing. Zero throttles none.
	ThrottleRate float64

	// ItemFailureRate is the probability that an item fails retryably:
	// users fail inside a 200 answer with a code of Options.ItemFailureCodes,
	// in turn, and are not updated.
	ItemFailureRate float64

	// CallFailureRate is the probability that a request that passed the
	// signature check and the quota fails as a whole, unapplied, with
	// a 500 ServiceFailureException.
	CallFailureRate float64

	// DropRate is the probability that a call is applied and its connection
	// then closed without an answer ([FaultDrop]).
	DropRate float64

	// MalformedRate is the probability that a call is applied and, when it
	// was answered 200, its body sent corrupted ([FaultMalformed]): as
	// Malformation says, or, for [MalformKit], in turn a truncated body, an
	// empty body, a JSON null, the answer followed by a second JSON object,
	// and a well-formed answer whose UserErrors names a user the call did not
	// carry.
	MalformedRate float64

	// Malformation is how MalformedRate corrupts a body. Zero is
	// [MalformKit].
	Malformation Malformation

	// Poison lists user IDs; any call carrying one fails as a whole with a
	// 400 BadRequestException.
	Poison []string
}

// Request is one entry of the request log returned by [Server.Requests].
// Header and Body are the server's own copies; treat them as read-only.
//
// Request is the same struct type in every batchkit test kit.
type Request = struct {
	// Method is the HTTP method.
	Method string
	// Path is the decoded URL path.
	Path string
	// RawPath is the path as sent, percent-encoded.
	RawPath string
	// Query is the raw query string, without '?'.
	Query string
	// Operation is the operation the request called, for example
	// "BatchUpdateUser"; empty when the kit could not tell.
	Operation string
	// Header holds the request headers; Host is in Header["Host"].
	Header http.Header
	// Body is the full request body.
	Body []byte
	// Status is the status sent; 0 when nothing was sent ([FaultDrop],
	// [FaultCanceled]).
	Status int
	// Fault is "" for a request served normally, else one of the Fault
	// constants ([FaultSignature], [FaultThrottle], [FaultDrop],
	// [FaultPoison], ...).
	Fault string
	// RequestID is the x-amzn-RequestId the answer carried.
	RequestID string
	// Seq numbers requests in arrival order, from 1.
	Seq uint64
	// Time is when the request arrived.
	Time time.Time
}

// Values of [Request].Fault.
const (
	// FaultSignature: a request refused for its signature: a credential
	// scope for another service or region, a date more than 15 minutes
	// off, a malformed Authorization header, or a signature that does not
	// match (a wrong secret, a tampered body, header, path or query).
	FaultSignature = "signature"
	// FaultMissingAuth: a request refused because it was not signed.
	FaultMissingAuth = "missing-auth"
	// FaultUnknownKey: a request refused because it was signed with an
	// access key other than [AccessKeyID].
	FaultUnknownKey = "unknown-key"
	// FaultThrottle: a request throttled by Faults.Quota or
	// Faults.ThrottleRate.
	FaultThrottle = "throttle"
	// FaultInternal: a request failed as a whole by Faults.CallFailureRate,
	// or answered while the server was closing.
	FaultInternal = "internal"
	// FaultDrop: a call applied and then dropped by Faults.DropRate.
	FaultDrop = "drop"
	// FaultMalformed: a call applied and answered with a corrupted 200 by
	// Faults.MalformedRate.
	FaultMalformed = "malformed"
	// FaultCanceled: a request whose client went away during Faults.Latency
	// (or while sending its body); it was not served.
	FaultCanceled = "canceled"
	// FaultPoison: a call refused as a whole because it carries a user ID of
	// Faults.Poison.
	FaultPoison = "poison"
	// FaultItemErrors: a 200 answer whose UserErrors list is not empty.
	FaultItemErrors = "item-errors"
)

// Faults and Request must stay the shared machinery's types.
var (
	_ awsfake.Faults  = Faults{}
	_ awsfake.Request = Request{}
)
