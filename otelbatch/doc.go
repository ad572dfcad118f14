// Package otelbatch reports the runs of package batch to OpenTelemetry:
// metrics for items, calls, retries, throttles, call latency and the send
// rate, and traces with a span per run and a span per call.
//
// It is a module of its own (github.com/batchkit/batchkit/otelbatch), so the
// core module never depends on OpenTelemetry. It uses the OpenTelemetry API
// only (go.opentelemetry.io/otel, otel/metric, otel/trace): the program
// chooses the SDK and exporters. Its go.mod replaces
// github.com/batchkit/batchkit with the working tree (../); that affects
// only the development of this repository, because Go ignores the replace
// directives of dependencies. Users drop nothing: a published version of
// otelbatch resolves the core module by its required version.
//
// # Which entry point
//
// [New] builds an [Observer] from the meter and tracer providers in
// [Options] (the global providers by default). An Observer is safe for
// concurrent use and is meant to live as long as the program.
//
//   - [Observer.Hooks] returns metrics-only [batch.Hooks]. They keep no
//     state of their own, so any number of Runners, runs and Batchers may
//     share them: use them with a long-lived [batch.Runner] or a
//     [batch.Batcher].
//   - [Observer.Start] begins one run: it starts the run span as a child of
//     the span in ctx, returns a context holding the run span (pass it to
//     Run, so spans the adapter's SDK client makes nest under the run) and a
//     [RunObserver], whose [RunObserver.Hooks] record the same metrics plus
//     the call spans. [RunObserver.End] ends the run span.
//
// Combine either with other hooks through [batch.JoinHooks]:
//
//	obs, err := otelbatch.New() // global providers
//	...
//	ctx, ro := obs.Start(ctx, adapter.Operation())
//	r, err := batch.New(adapter, func(o *batch.Options) {
//		o.Hooks = batch.JoinHooks(progress, ro.Hooks())
//	})
//	rep, err := r.Run(ctx, items)
//	ro.End(err)
//
// # Why a Runner per traced run
//
// Hooks carry no context.Context and belong to a Runner (Options.Hooks is
// fixed when the Runner is built), so hooks cannot tell which run, and so
// which run span, a call belongs to. A RunObserver is therefore one run's
// state, and a traced run uses a Runner built for it. That is cheap:
// [batch.New] copies and checks the options and starts no goroutine.
// Hooks of a RunObserver shared by several runs at once stay safe (a mutex
// guards its state) but mix those runs' calls under one run span.
//
// # Matching a call's start and end
//
// The engine calls OnCall when a call is sent (Done false) and again when it
// completes (Done true), with the same [batch.CallInfo].CallID, so a
// RunObserver ends exactly the span it started for the call. Reports
// without a CallID (hooks driven by hand) fall back to a queue per
// (operation, key, items, test flag), the fields both reports share: a
// completion ends the span of that queue whose start is closest to the
// completion time less CallInfo.Elapsed, the oldest of equals, which can
// swap the timings of look-alike calls in flight at once but never their
// keys or sizes.
//
// # What is recorded
//
// Metrics (instrumentation scope [ScopeName]):
//
//   - batchkit.items ({item}, counter): items by final status, with
//     batchkit.operation, batchkit.item.status (succeeded, failed,
//     canceled) and, unless succeeded, batchkit.error.code.
//   - batchkit.calls ({call}, counter): completed calls, with
//     batchkit.operation, batchkit.call.outcome (ok, failed, throttled; see
//     [OutcomeOK]) and, for calls that failed as a whole,
//     batchkit.error.code.
//   - batchkit.call.duration (s, histogram): CallInfo.Elapsed of completed
//     calls, the wait for the send rate included, with batchkit.operation
//     and batchkit.call.outcome.
//   - batchkit.calls.active ({call}, up-down counter): calls sent and not yet
//     completed, with batchkit.operation.
//   - batchkit.retries ({retry}, counter): items scheduled to be sent again,
//     with batchkit.operation and batchkit.error.code.
//   - batchkit.throttles ({throttle}, counter): throttle signals reported by
//     OnThrottle, with batchkit.operation. The engine reports those that
//     lowered the send rate, at most one per round trip; batchkit.calls with
//     outcome throttled counts every throttled call.
//   - batchkit.send_rate ({call}/s, gauge): the send rate set by the last
//     throttle signal of the operation, with batchkit.operation; 0 means
//     unlimited. The engine reports the rate only when a throttle lowers
//     it, so the gauge does not follow the rate's climb back.
//
// Spans: a run span "batchkit.run <operation>" with batchkit.operation, and
// at its end batchkit.run.items.succeeded, .failed and .canceled,
// batchkit.run.calls, batchkit.run.retries and batchkit.run.throttles, plus
// an event "batchkit.throttle" with batchkit.send_rate per throttle signal.
// A call span "batchkit.call <operation>", a child of the run span, with
// batchkit.operation, batchkit.call.items, batchkit.call.test (the call
// tests suspects of a call rejected as a whole: CallInfo.Bisect),
// batchkit.call.outcome and batchkit.error.code. Spans are of kind
// internal: the HTTP client spans of an instrumented SDK client are the
// client spans. A call or run that failed as a whole has the error status,
// described by its normalized code only.
//
// # Nothing sensitive
//
// Every attribute value is an operation name, a count, a flag, a status, an
// outcome or a normalized [batch.Code]: never an item, an identity, a user
// name, the service's own error code or message (messages may quote input),
// or an error string. Codes outside the normalized set are recorded as
// Unknown, which also bounds the metrics' cardinality. Call keys (an
// account, network or channel ID; a channel, bearer, type and sub-channel
// for Chime SDK Messaging) are not marked sensitive by AWS and the engine's
// debug log holds them, but they name resources of the caller's tenants and
// a bearer is a user ARN, and trace backends are often read more widely
// than logs: they go on call spans as batchkit.call.key only when
// [Options.RecordKeys] is set, and never on metrics, whose cardinality they
// would not bound.
package otelbatch
