package awsfake

import (
	"net/http"
	"time"
)

// Test credentials and region. Requests signed with any other access key are
// refused with [KindUnknownKey]; a wrong secret gives [KindSignature].
const (
	// AccessKeyID is the only access key the fake servers accept.
	AccessKeyID = "AKIDBATCHKITFAKE0001"
	// SecretAccessKey is the secret that goes with AccessKeyID.
	SecretAccessKey = "batchkit/fake/secret/key/0000000000000001"
	// Region is the region [Server.Config] sets.
	Region = "us-east-1"
)

// Faults is a fault plan. The zero value injects nothing. Rates are
// probabilities in [0, 1]; values outside are clamped. Draws come from
// sources seeded with Seed, so a plan is deterministic for a given order of
// requests (and, for ItemFailureRate, of [Server.ItemFails] calls).
type Faults struct {
	// Seed seeds the random sources. Zero is a valid seed like any other.
	Seed int64

	// Latency is added to every request before it is answered, including
	// refused ones. Zero adds nothing.
	Latency time.Duration

	// Quota is the token bucket's rate in requests per second; requests
	// beyond it are refused with [KindThrottle]. Zero means unlimited.
	Quota float64

	// QuotaBurst is the bucket's capacity. Zero means Quota rounded up
	// (one second's worth), at least 1.
	QuotaBurst int

	// ThrottleRate is the probability that a request the quota admitted is
	// refused with [KindThrottle] all the same. It is drawn from a source of
	// its own, so that unlike the quota it depends only on Seed and the order
	// of requests, never on timing, and setting it does not change which
	// requests the other faults pick. Zero throttles none.
	ThrottleRate float64

	// ItemFailureRate is the probability that [Server.ItemFails] reports
	// true. The kit decides which retryable item error it renders.
	ItemFailureRate float64

	// CallFailureRate is the probability that a request that passed the
	// signature check and the quota fails as a whole with [KindInternal]
	// (rendered as a 5xx by the kit) without reaching the handler.
	CallFailureRate float64

	// DropRate is the probability that the handler runs (committing its
	// state) and the connection is then closed without an answer.
	DropRate float64

	// MalformedRate is the probability that the handler runs and, when it
	// answered 200, its body is sent corrupted (see [Options.Corrupt]).
	MalformedRate float64

	// Poison lists identities (user names, user IDs, ARNs) that make the
	// whole call fail validation; kits ask [Server.IsPoison].
	Poison []string
}

// ErrorKind names a protocol-level refusal the server makes before or
// instead of the service handler. [Options.WriteError] renders it.
type ErrorKind int

// The refusals. Their default codes and statuses are given by
// [ErrorKind.Code] and [ErrorKind.Status].
const (
	// KindSignature: a malformed Authorization header, a wrong signing
	// name, a missing or mismatched X-Amz-Date, or a signature that does not
	// match (AWS: 403 InvalidSignatureException).
	KindSignature ErrorKind = iota + 1
	// KindMissingAuth: no Authorization header (AWS: 403
	// MissingAuthenticationTokenException).
	KindMissingAuth
	// KindUnknownKey: an access key other than [AccessKeyID] (AWS: 403
	// UnrecognizedClientException).
	KindUnknownKey
	// KindThrottle: the quota token bucket is empty. Kits render their
	// service's throttling error (ThrottlingException,
	// ThrottledClientException, RateLimitError, ...).
	KindThrottle
	// KindInternal: a whole-call failure drawn from
	// [Faults.CallFailureRate], or the server is closing. Kits render a 5xx.
	KindInternal
)

// Fault values recorded in [Request.Fault] besides [ErrorKind.String].
const (
	// FaultDrop: the handler ran and the connection was closed unanswered.
	FaultDrop = "drop"
	// FaultMalformed: the handler answered 200 and the body was corrupted.
	FaultMalformed = "malformed"
	// FaultCanceled: the client went away during the added latency.
	FaultCanceled = "canceled"
)

// Options configures [NewServer]. The zero value accepts any signing name,
// injects no faults and renders refusals with [WriteDefaultError].
type Options struct {
	// SigningName is the SigV4 service name requests must be signed for
	// ("appstream", "chime", "wickr"). Empty accepts any.
	SigningName string

	// Faults is the initial fault plan; see also [Server.SetFaults] and
	// [Server.SetQuota]. It is copied.
	Faults Faults

	// WriteError renders a protocol-level error in the service's own
	// protocol. r carries the request's headers, URL and a fresh body
	// reader; message is a human-readable reason. It must write a complete
	// answer. Nil means [WriteDefaultError].
	WriteError func(w http.ResponseWriter, r *http.Request, kind ErrorKind, message string)

	// Operation names the operation of a request for the log, for example
	// from X-Amz-Target or the path. r has a fresh body reader. Nil leaves
	// [Request.Operation] empty.
	Operation func(r *http.Request) string

	// Corrupt turns a 200 body into a malformed one when
	// [Faults.MalformedRate] fires. The result must differ from a valid
	// answer. Nil means [Truncate].
	Corrupt func(body []byte) []byte

	// DiscardLog keeps [Server.Requests] empty, for long benchmark runs
	// whose request log would only cost memory.
	DiscardLog bool
}

// Request is one entry of the request log. Header and Body are the
// server's own copies; treat them as read-only.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the decoded URL path.
	Path string
	// RawPath is the path as sent, percent-encoded (for example
	// /channels/arn%3Aaws%3A.../memberships).
	RawPath string
	// Query is the raw query string, without '?'.
	Query string
	// Operation is what [Options.Operation] returned.
	Operation string
	// Header holds the request headers (Host is in Header["Host"]).
	Header http.Header
	// Body is the full request body.
	Body []byte
	// Status is the status sent; 0 when nothing was sent (drop, cancel).
	Status int
	// Fault is "" when the request was handled normally, else
	// [ErrorKind.String] of a refusal, [FaultDrop], [FaultMalformed],
	// [FaultCanceled], or a label set with [MarkFault].
	Fault string
	// RequestID is the x-amzn-RequestId the answer carried.
	RequestID string
	// Seq numbers requests in arrival order, from 1.
	Seq uint64
	// Time is when the request arrived.
	Time time.Time
}
