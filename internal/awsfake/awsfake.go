package awsfake

import (
	"mime"
	"net/http"
	"strconv"
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
//
// Faults is an alias of a struct type literal, not a named type, and every
// kit declares its own Faults as an alias of the same literal with its own
// documentation: the types are identical, so one plan can be handed to
// several kits (batchctl fake does), and a kit's godoc shows every field.
// Keep the kits' declarations in step with this one; their compile-time
// assertions fail otherwise.
type Faults = struct {
	// Seed seeds the random sources. Zero is a valid seed like any other.
	Seed int64

	// Latency is added to every request before it is answered, including
	// refused ones. Zero adds nothing. The wait ends early when the client
	// goes away (for example on its HTTP time-out); the request is then
	// logged with [FaultCanceled] and the handler does not run.
	Latency time.Duration

	// LatencyFirst, when positive, adds Latency only to the first
	// LatencyFirst requests that arrive after the plan was installed (by
	// [NewServer] or [Server.SetFaults]); later requests get none. Zero adds
	// Latency to every request. With a Latency longer than a client's
	// time-out, the first attempts time out and the later ones are
	// answered at once.
	LatencyFirst int

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
	// answered 200, its body is sent corrupted as Malformation says.
	MalformedRate float64

	// Malformation is how MalformedRate corrupts a body. The zero value,
	// [MalformKit], applies [Options.Corrupt], the kit's own corruptions.
	Malformation Malformation

	// Poison lists identities (user names, user IDs, ARNs) that make the
	// whole call fail validation; kits ask [Server.IsPoison].
	Poison []string
}

// Malformation is one way to corrupt the body of a 200 answer; see
// [Faults.Malformation]. Each keeps the answer's status and headers.
type Malformation uint8

// The malformations. Those other than MalformKit depend on the answer's
// protocol only, read from its Content-Type: application/cbor is CBOR,
// anything else JSON.
const (
	// MalformKit applies [Options.Corrupt] (by default [Truncate]). Kits
	// rotate through several corruptions, some of them well-formed answers
	// that name items the call did not carry.
	MalformKit Malformation = iota
	// MalformTruncated sends the first half of the body ([Truncate]).
	MalformTruncated
	// MalformEmpty sends an empty body.
	MalformEmpty
	// MalformNull sends a null document: JSON null, or the CBOR simple
	// value null (0xf6).
	MalformNull
	// MalformTrailing sends the whole answer followed by a second document:
	// {"trailing":true} for JSON, an empty map (0xa0) for CBOR.
	MalformTrailing
)

func (m Malformation) String() string {
	switch m {
	case MalformKit:
		return "kit"
	case MalformTruncated:
		return "truncated"
	case MalformEmpty:
		return "empty"
	case MalformNull:
		return "null"
	case MalformTrailing:
		return "trailing"
	}
	return "Malformation(" + strconv.Itoa(int(m)) + ")"
}

// Apply returns body, the body of a 200 answer with the given Content-Type,
// corrupted as m says. For [MalformKit] it returns body unchanged; the
// server applies [Options.Corrupt] instead.
func (m Malformation) Apply(contentType string, body []byte) []byte {
	mt, _, _ := mime.ParseMediaType(contentType)
	cbor := mt == "application/cbor"
	switch m {
	case MalformTruncated:
		return Truncate(body)
	case MalformEmpty:
		return []byte{}
	case MalformNull:
		if cbor {
			return []byte{0xf6}
		}
		return []byte("null")
	case MalformTrailing:
		out := append([]byte(nil), body...)
		if cbor {
			return append(out, 0xa0)
		}
		return append(out, `{"trailing":true}`...)
	}
	return body
}

// ErrorKind names a protocol-level refusal the server makes before or
// instead of the service handler. [Options.WriteError] renders it.
type ErrorKind int

// The refusals. Their default codes and statuses are given by
// [ErrorKind.Code] and [ErrorKind.Status].
const (
	// KindSignature: a malformed Authorization header, a credential scope
	// for another service or region, a missing or mismatched X-Amz-Date, a
	// date more than 15 minutes from the server's clock, or a signature
	// that does not match (AWS: 403 InvalidSignatureException).
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

// Values recorded in [Request.Fault]. The first five are the
// [ErrorKind.String] of the refusals; kits add labels of their own with
// [MarkFault].
const (
	// FaultSignature: the request was refused with [KindSignature].
	FaultSignature = "signature"
	// FaultMissingAuth: the request was refused with [KindMissingAuth].
	FaultMissingAuth = "missing-auth"
	// FaultUnknownKey: the request was refused with [KindUnknownKey].
	FaultUnknownKey = "unknown-key"
	// FaultThrottle: the request was refused with [KindThrottle].
	FaultThrottle = "throttle"
	// FaultInternal: the request was refused with [KindInternal].
	FaultInternal = "internal"

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

	// Region is the region requests must be signed for, as AWS checks the
	// region of a request's credential scope against the endpoint's: a
	// request signed for another region is refused with [KindSignature].
	// It is also the region [Server.Config] sets. Empty means [Region].
	Region string

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
//
// Like [Faults], Request is an alias of a struct type literal that every
// kit declares again with its own documentation.
type Request = struct {
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
