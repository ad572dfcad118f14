package conformance

import (
	"testing"
	"time"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/awsfake"
)

// Setup says what a subtest needs from a fresh kit. [Harness.NewKit]
// receives it and returns a [Kit] built to match.
type Setup struct {
	// Faults is the fault plan the kit starts with. NewKit must add the
	// poison identities of the kit's Poison items to Faults.Poison before
	// starting the server.
	Faults awsfake.Faults

	// Items is how many valid items the kit must know, returned in
	// [Kit.Items]: with no faults, each of them succeeds.
	Items int

	// Keys is how many distinct call keys Items should be spread over
	// (round-robin, in order). Zero and 1 mean one key. Operations without
	// call keys ignore it.
	Keys int

	// Poison is how many poison items the kit must hold, returned in
	// [Kit.Poison]: valid items known to the kit, sharing the call key of
	// Items[0] (or the first key when Items is 0), whose identities are
	// listed in Faults.Poison so that any call carrying one is rejected as a
	// whole for bad input.
	Poison int

	// Unknown is how many unknown items the kit must return in
	// [Kit.Unknown]: valid items the kit does not know, which fail with a
	// permanent error (a user, or for keyed operations preferably a whole
	// account, network or channel, that does not exist).
	Unknown int

	// Secret, when not empty, is the secret access key the adapter's client
	// must sign with instead of the kit's, keeping the kit's access key, so
	// that the kit refuses every request (if the client caches signing keys
	// per access key and region, give it a region of its own).
	Secret string

	// GenericAuthErrors asks the kit to refuse credentials with AWS's
	// generic errors instead of the service's modeled one, where the kit
	// has both.
	GenericAuthErrors bool

	// ItemThrottles asks the kit to fail the items Faults.ItemFailureRate
	// picks with the service's throttle code inside the answer, instead of
	// a transient error. It is set only when [Harness.ItemThrottles] is.
	ItemThrottles bool
	// HTTPTimeout, when positive, is the Timeout of the HTTP client the
	// adapter's client must send through: NewKit passes the kit's HTTP
	// client through [Setup.HTTPClient]. Zero keeps the kit's client.
	HTTPTimeout time.Duration
}

// Kit is one running fake service, seeded as a [Setup] asked, together
// with an adapter that drives it through its real client.
type Kit[T, R any] struct {
	// Adapter is the adapter under test. It must reach the kit through the
	// real SDK client (or batchkit's own client), built from the kit's
	// aws.Config, so that everything below the adapter's client interface
	// runs for real.
	Adapter batch.Adapter[T, R]

	// Items are the valid items the kit knows, Setup.Items of them, with
	// distinct identities.
	Items []T

	// Poison are the poison items, Setup.Poison of them.
	Poison []T

	// Unknown are the unknown items, Setup.Unknown of them.
	Unknown []T

	// Requests returns the kit's request log in arrival order. The suite
	// calls it only after Close.
	Requests func() []awsfake.Request

	// SetFaults replaces the kit's fault plan for requests arriving
	// afterwards (awsfake.Server.SetFaults). The suite calls it from a
	// run's hooks, so it must not block.
	SetFaults func(f awsfake.Faults)

	// Close stops the kit, waits for the requests in flight, and closes the
	// HTTP client's idle connections, so that no goroutine of the kit
	// remains. The suite calls it before its leak check, possibly more than
	// once.
	Close func()

	// Applied, when not nil, reports whether the kit's state shows item as
	// applied. The suite checks that every item reported as succeeded was
	// applied. Nil skips the check.
	Applied func(item T) bool
}

// Invalid is an item that fails the adapter's validation.
type Invalid[T any] struct {
	// Item is the item. It needs no kit: it is never sent.
	Item T
	// Field is the field the validation error must name. Empty accepts any
	// non-empty field.
	Field string
}

// Harness is how an adapter joins the suite. Fields marked required must be
// set; the others have the documented defaults.
type Harness[T, R any] struct {
	// NewKit starts a fresh kit as s asks (required). It is called several
	// times per subtest; the suite closes every kit itself. It may report
	// setup failures with t.Fatal.
	NewKit func(t *testing.T, s Setup) *Kit[T, R]

	// Sent decodes one request of the kit's log into the items it carried
	// (required). The items need only the fields the adapter's Key and
	// Identity read; the suite compares them by Key and Identity with the
	// items it ran. Requests of other operations return nil.
	Sent func(r awsfake.Request) ([]T, error)

	// MaxItems is the operation's limit on items per call (required). It
	// must equal the adapter's MaxItems with default options.
	MaxItems int

	// Invalid lists items that fail validation (at least one required),
	// each with the field its error must name.
	Invalid []Invalid[T]

	// ItemFaultCodes are the codes items get when the kit's
	// Faults.ItemFailureRate picks them (required), for example
	// [batch.CodeInternal] for a retryable INTERNAL_ERROR entry.
	ItemFaultCodes []batch.Code

	// CallFaultCodes are codes, besides CodeInternal, CodeUnavailable,
	// CodeUnmatched and CodeThrottled (the SDK's retry quota running out),
	// that an item may end with when its calls fail as a whole (5xx answers,
	// dropped answers, malformed answers), for example CodeConflict for an
	// operation that creates, when an item is sent again after a call that
	// was applied but whose answer was lost. Nil adds none.
	CallFaultCodes []batch.Code

	// PoisonCodes are the codes an isolated poison item may fail with. Nil
	// means [batch.CodeInvalidInput] only.
	PoisonCodes []batch.Code

	// UnknownCodes are the codes an unknown item may fail with. Nil means
	// [batch.CodeNotFound] only.
	UnknownCodes []batch.Code

	// ItemThrottles says that the service reports throttles per item inside
	// its answers and that NewKit renders them when Setup.ItemThrottles
	// asks. False skips the subtest about them.
	ItemThrottles bool

	// DuplicateCodes are the codes a later occurrence of an item given
	// twice in the input fails with, for an operation that creates (Wickr's
	// CodeConflict): exactly one occurrence succeeds. Nil means every
	// occurrence succeeds.
	DuplicateCodes []batch.Code

	// Options, when not nil, is applied to the engine options of every run
	// after the suite's own (short backoffs, MinRate 1000, a seeded Rand),
	// for adapter-specific settings. It must not undo the suite's settings.
	Options func(*batch.Options)
}

// Run runs the conformance suite against the adapter h describes, as
// subtests of t. Each subtest runs a real [batch.Runner] over the adapter
// against fresh kits and ends with a goroutine leak check, so Run must not
// be called from a parallel test or alongside other goroutine-starting work.
//
// The subtests are:
//
//   - Ledger: under seeded random fault plans, every item gets exactly one
//     outcome, in input order, with consistent counts and errors.
//   - RetryPermanent: items failing permanently (unknown and poison items)
//     are not sent again after the answer that failed them.
//   - RetryRetryable: only retryable failures are retried, and every
//     attempt of an item is accounted for.
//   - Malformed: answers that cannot be read never count as success.
//   - Order: Run reports in input order; Stream yields every index once,
//     and breaking out of it leaves nothing running.
//   - Cancel: canceling a run with calls in flight returns promptly with
//     every item accounted for; items never sent are canceled with no
//     attempts (for Run and for Stream).
//   - Validation: invalid items fail with CodeInvalidInput and their field,
//     and are never sent.
//   - Bisect: poison items in a full call are isolated; only they fail.
//   - Quota, Dropped, Credentials, KeyFailure, Volume, ManyKeys,
//     Duplicates: the run-level behaviours of runs.go (quota and throttles
//     the client retried, lost answers, refused credentials, a key failing
//     as a whole, thousands of items under every fault, fifty keys with one
//     call in flight and a poison item, items given twice).
//   - HTTPTimeout: an HTTP client time-out shorter than the kit's latency
//     fails the first call retryably (never as canceled); the engine sends
//     its items again and they succeed.
//   - MalformedBodies: 200 answers with trailing data, truncated, empty or
//     null never count as success; their items end Unmatched, retryable.
//
// Run takes a few seconds per adapter with -race.
func Run[T, R any](t *testing.T, h Harness[T, R]) {
	t.Helper()
	if !h.valid(t) {
		return
	}
	s := &suite[T, R]{h: h}
	for _, st := range []struct {
		name string
		fn   func(*testing.T, *env[T, R])
	}{
		{"Ledger", s.testLedger},
		{"RetryPermanent", s.testRetryPermanent},
		{"RetryRetryable", s.testRetryRetryable},
		{"Malformed", s.testMalformed},
		{"Order", s.testOrder},
		{"Cancel", s.testCancel},
		{"Validation", s.testValidation},
		{"Bisect", s.testBisect},
		{"Quota", s.testQuota},
		{"Dropped", s.testDropped},
		{"Credentials", s.testCredentials},
		{"KeyFailure", s.testKeyFailure},
		{"Volume", s.testVolume},
		{"ManyKeys", s.testManyKeys},
		{"Duplicates", s.testDuplicates},
		{"HTTPTimeout", s.testHTTPTimeout},
		{"MalformedBodies", s.testMalformedBodies},
	} {
		t.Run(st.name, func(t *testing.T) { s.run(t, st.fn) })
	}
}

// valid reports whether h has its required fields, failing t otherwise.
func (h *Harness[T, R]) valid(t *testing.T) bool {
	t.Helper()
	ok := true
	need := func(cond bool, what string) {
		if !cond {
			t.Errorf("conformance: Harness.%s is required", what)
			ok = false
		}
	}
	need(h.NewKit != nil, "NewKit")
	need(h.Sent != nil, "Sent")
	need(h.MaxItems > 0, "MaxItems")
	need(len(h.Invalid) > 0, "Invalid")
	need(len(h.ItemFaultCodes) > 0, "ItemFaultCodes")
	return ok
}
