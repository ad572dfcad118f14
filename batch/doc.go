// Package batch runs large sets of items through AWS batch APIs: operations
// that take a bounded list of items per call and answer HTTP 200 with a list
// of the items that failed.
//
// The package is the engine; it knows no service. An [Adapter] maps one
// operation onto it: the adapter packages of this module (appstream, chime,
// wickr, messaging) provide adapters for AppStream BatchAssociateUserStack
// and BatchDisassociateUserStack, Amazon Chime BatchUpdateUser, AWS Wickr
// BatchCreateUser and Amazon Chime SDK Messaging BatchCreateChannelMembership.
//
// # Which entry point
//
//   - [Runner.Run] takes a slice and returns a [Report] with one [Outcome] per
//     item, in input order. Use it when the items fit in memory.
//   - [Runner.Stream] takes an iter.Seq, reads it lazily and yields outcomes
//     as calls complete, holding at most [Options.MaxBuffered] items at a
//     time. Use it for files or queries of any size.
//   - [Runner.Plan] returns the calls a run would make, sending nothing: a
//     dry run.
//   - [Batcher] takes items one at a time, as a service produces them (a
//     request handler adding one member): [Batcher.Add] blocks until the
//     item's outcome, and items added together share calls, which go out
//     full or after [Options.MaxDelay].
//
// # What a run promises
//
// Every input item ends in exactly one terminal outcome, reported once, with
// its input index: [StatusSucceeded], [StatusFailed] with an [*Error], or
// [StatusCanceled] when the run ended first (Attempts tells whether the item
// was ever sent). An answer that does not account for an item, or names an
// item that was not sent, never counts as success: the item fails with
// [CodeUnmatched].
//
// Items with different keys ([Adapter.Key]) never share a call, calls hold at
// most the operation's limit ([Options.MaxItemsPerCall] may lower it), and two
// items with the same identity never share a call, so answers can be
// attributed. At most [Options.MaxInFlight] calls run at once.
//
// # Errors and retries
//
// Every failure is an [*Error] with a normalized [Code], the service's own
// code and message, the field at fault when one is named, whether it is
// retryable, the operation and the request ID. errors.Is works with the
// sentinels: errors.Is(err, batch.ErrThrottled). [Report.Err] joins the
// failures of a run with their indexes in a [*RunError].
//
// Retries are split by layer. The SDK's retryer retries single HTTP calls
// (transport errors, 5xx, throttling codes; adapters register the throttle
// codes the SDK does not know). The engine retries what the SDK cannot see:
// items that failed inside a 200 with a retryable code, and items of calls
// that still failed retryably after the SDK's attempts. Items that failed
// inside an answer are packed with other pending items of their key into
// full calls; the items of a call that failed as a whole are sent again
// together, as the same call, because the service may have applied it before
// the answer was lost: an operation whose client token derives from the
// call's items (Wickr) then replays the call instead of applying it twice.
// Both wait an exponential backoff with full jitter. An item is sent again
// after at most [Options.MaxAttempts]-1 failures, and after at most four
// times [Options.MaxAttempts] less one throttles (a throttle is the service
// pacing the run, not the item failing); the test calls that isolate bad
// items in a call rejected as a whole do not count toward either bound, so
// [Outcome.Attempts] may exceed MaxAttempts by a few. The whole run draws retries
// after failures from one budget ([Options.RetryBudget]), so an outage ends a
// run quickly.
//
// # Errors agree with outcomes
//
// errors.Is(err, batch.ErrX) on [Report.Err], or on the error of a run,
// matches a sentinel only when some outcome of the run has that code: an
// [*Error] matches its own Code, and the engine never wraps one [*Error] in
// another of a different code (an item canceled while it waited to be sent
// again names its last failure in the message instead). A run ended by its
// context returns an [*Error] with [CodeCanceled] that wraps the context's
// cause, so both errors.Is(err, batch.ErrCanceled) and errors.Is(err,
// context.DeadlineExceeded) hold; it is returned only when the cancellation
// left items unanswered or unread.
//
// Call-level errors are scoped by the adapter ([Scope]). A call rejected as a
// whole for bad input makes its items suspects. Suspects are tested a part
// at a time (a quarter of them, or half when no fresh items are left), in
// calls filled up with fresh items of the same key, so a test that passes
// does a full call's work. When a test call is rejected, the other suspects
// wait until its own are narrowed down, since a fresh item may have been the
// cause. An item fails with the service's error only when its guilt is
// proven: it was rejected alone, or every other item of a rejected call it
// was in has been accepted in another call. Test calls do
// not count toward [Options.MaxAttempts]; each rejection narrows a suspect's
// part, so an item rides on a few of them at most. An error that condemns a
// key (the account, network or channel does not exist) fails every item of
// that key without more calls. Credential and signature errors end the run.
//
// # Send rate
//
// A client-side send rate follows what the service accepts. A run starts
// with one call, in slow start: each accepted call adds a call per round
// trip, so the rate grows about 1.8 times per round trip until MaxInFlight
// holds it (without a quota a run is at full speed within a few round
// trips) or the service throttles. Throttle signals are a throttled call, an
// HTTP attempt the SDK retried after a throttle ([SignalThrottle]), and
// throttle codes inside an answer, weighed by their share of the call; the
// SDK's retry of a throttled attempt waits for the rate like a call
// ([PaceRetry]), so that it does not meet the empty bucket again. A
// quota is a token bucket: while it throttles, the calls it accepts come at
// its refill rate, so the calls accepted between two throttles, over the
// time between them, measure the quota whatever the bucket's size. On a
// throttle the rate drops 8% below that measurement (to a quarter of it at
// the end of slow start, whose measurement includes the bucket's burst),
// never to a fixed floor, and while throttles go on it follows the calls
// accepted since they began. It then climbs back along a cubic curve: fast
// at first, level with the measurement after a probe cycle of about 100
// calls, then above it, gently and then faster, until the service throttles
// again and the measurement is renewed; twice above it without a throttle,
// it returns to slow start. A throttled call sent before the rate last
// changed does not change it again. [Options.MaxRate] is a ceiling the rate
// never exceeds, [Options.MinRate] a floor, [Options.Rate] the rate slow
// start begins at, and [Options.FixedRate] turns adaptation off. Against the
// test kits' quotas a run settles within a few percent of the quota with 1-3%
// of requests throttled after the start-up; quotas below about 1 call per
// second are followed only roughly, so set MaxRate to them.
//
// [Options.Limiter] replaces a run's own rate with a [Limiter] of the
// caller's, which several runs and processes may share: a run given
// [NewAdaptiveLimiter]'s value shares that adaptive rate in process, and
// package github.com/batchkit/batchkit/redislimit keeps one rate in Redis for
// all the workers of a quota.
//
// # Observability
//
// [Hooks] report calls, retries, throttles and outcomes, enough for progress
// bars and metrics; [Options.Logger] receives slog records. Neither ever
// carries item identities or other fields the service marks sensitive.
//
// # Writing an adapter
//
// An adapter implements [Adapter]: the operation's name and limit, the key
// and identity of an item, validation against the service model, the call
// itself (results aligned with the items sent), and the classification of
// call-level errors. Adapters never schedule, sleep or retry. An adapter
// whose client retries HTTP attempts reports each throttled attempt with
// [SignalThrottle] and waits with [PaceRetry] before retrying it. A panic in
// an adapter fails the items concerned instead of the caller's process.
package batch
