// Package conformance is the conformance suite every batchkit adapter
// passes, in the manner of go-cloud's pubsub/drivertest: one exported
// function, [Run], that an adapter's own tests call with a [Harness]
// describing how to start the adapter's test kit.
//
// Each subtest runs the real [batch.Runner] over the adapter, and the
// adapter over its real client (the official SDK client, or batchkit's own
// client for wickr and messaging), against a fresh kit built on
// internal/awsfake: nothing below the adapter's client interface is mocked.
// The subtests check the engine's promises as seen through the adapter: the
// ledger (one outcome per item, in input order) under seeded random fault
// plans, that only retryable failures are retried, that malformed answers
// never count as success, ordering of Run and Stream, prompt cancellation,
// validation before sending, and bisection of calls rejected for a poison
// item; and, in runs.go, the run-level behaviours every adapter's tests used
// to repeat (quota, throttles, lost answers, credentials, key failures,
// volume, many keys, duplicate items), with count-based assertions only. The request log of the kit is the ground truth for what was sent:
// [Harness.Sent] decodes each logged request into the items it carried.
// Every subtest ends with a goroutine leak check (go.uber.org/goleak) after
// closing its kits.
//
// # Joining the suite
//
// An adapter joins by adding one test file, for example
// wickr/conformance_test.go, that calls Run with a harness (a sketch):
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, conformance.Harness[wickr.NewUser, wickr.Result]{
//			MaxItems:       wickr.MaxItemsPerCall,
//			ItemFaultCodes: []batch.Code{batch.CodeInternal},
//			// A create sent again after its applied answer was lost.
//			CallFaultCodes: []batch.Code{batch.CodeConflict},
//			Invalid: []conformance.Invalid[wickr.NewUser]{
//				{Item: wickr.NewUser{NetworkId: "bad", Username: "u"}, Field: "NetworkId"},
//			},
//			NewKit: func(t *testing.T, s conformance.Setup) *conformance.Kit[wickr.NewUser, wickr.Result] {
//				// Build s.Items known items over s.Keys networks, s.Poison
//				// poison items (their identities appended to
//				// s.Faults.Poison), and s.Unknown unknown items; start the
//				// kit with s.Faults, create its networks, and build the
//				// adapter from the kit's client.
//			},
//			Sent: func(r awsfake.Request) ([]wickr.NewUser, error) {
//				// Decode the logged request's path and body into the items
//				// it carried, with the fields Key and Identity read.
//			},
//		})
//	}
//
// appstream/conformance_test.go and chime/conformance_test.go are complete
// harnesses. The harness rules:
//
//   - NewKit returns a new kit on every call; the suite closes it with
//     [Kit.Close], which must stop the server and close the HTTP client's idle
//     connections (awsfake.Server.Close does both), or the leak check fails.
//     NewKit may also register Close with t.Cleanup.
//   - Items, Poison and Unknown items have pairwise distinct (Key, Identity)
//     pairs. Known items succeed when there are no faults, poison items make
//     any call carrying them fail as a whole with a bad-input error
//     (ScopeItems), and unknown items fail permanently (NotFound) with no
//     retries: for keyed operations, make some of them carry a key the kit
//     does not know.
//   - Sent returns, for every logged request, the items it carried, so the
//     suite can tell what reached the wire. A request the client abandoned
//     while sending it may be logged with part of its body; Sent may fail on
//     it.
//   - The adapter uses the kit's aws.Config as it is (its retryer has short
//     backoffs), so the suite stays fast, except that NewKit signs with
//     Setup.Secret when it is set, renders refused credentials generically
//     when Setup.GenericAuthErrors is, and renders item faults as throttles
//     when Setup.ItemThrottles is.
//   - The test calling Run is not parallel: the leak checks would see other
//     tests' goroutines.
//
// The suite sets the engine's options for speed: backoffs of a few
// milliseconds, MinRate 1000 so that rate control does not slow the tests,
// and a seeded Rand. [Harness.Options] may add adapter-specific settings.
//
// This package is internal: it serves batchkit's own adapters and may
// change with them.
package conformance
