// Bench compares three ways of running a large set of items through a batch
// API, on the same work, against a test kit with added call latency and an
// optional service quota:
//
//   - sequential: one call at a time over chunks of the API's limit, through
//     the adapter's Call, without item-level retries;
//   - errgroup: the same chunks under an errgroup with SetLimit(concurrency),
//     without item-level retries (the SDK retryer still retries what it
//     retries, for example throttled calls);
//   - runner: a batch.Runner with MaxInFlight set to the concurrency.
//
// All three use the same adapter and the same SDK client configuration (the
// kit's aws.Config: the standard retryer with short backoffs), each on a
// fresh kit.
//
// The shared-quota scenario compares two other strategies, each with 4
// runners (batch.Runner, MaxInFlight set to the concurrency) that split the
// items, each in a process of its own with its own client, against the one
// quota of one kit served by bench:
//
//   - runner-local: each runner has its own adaptive rate, as by default;
//   - runner-shared: the runners share one rate through Redis, each with a
//     redislimit.Limiter on one key.
//
// The runner processes are a program of the redislimit module
// (redislimit/internal/benchworker), so that this module does not depend on
// a Redis client: bench builds it with the go tool from the repository's
// source, which must be there, and starts the 4 processes of a strategy
// together. runner-shared needs a Redis server at BATCHKIT_REDIS_ADDR
// (host:port); bench says how to start one when it is unset:
//
//	redis-server --port 6390 --bind 127.0.0.1 --save '' --appendonly no --daemonize yes
//	BATCHKIT_REDIS_ADDR=127.0.0.1:6390 go run ./examples/bench -scenario shared-quota
//	redis-cli -p 6390 shutdown nosave
//
// Usage:
//
//	go run ./examples/bench [flags]
//
// Scenarios (--scenarios, a comma-separated list, or --scenario for one;
// all but shared-quota by default):
//
//   - no-quota: latency only;
//   - quota: a quota below what the concurrency would send (--quota calls/s);
//   - quota-halves: the quota halves once half of the items have an outcome;
//   - quota-doubles: the quota doubles once half of the items have an
//     outcome;
//   - quota-low: a twentieth of --quota (5 calls/s by default), below what
//     one call in flight sends;
//   - item-failures: 2% of items fail with a retryable error inside a 200;
//   - poison: 0.5% of items make any call carrying them fail validation;
//   - shared-quota: twice --quota (200 calls/s by default) for 4 runners of
//     --concurrency calls in flight each, run only when named (see above).
//
// For every scenario and strategy bench writes one line to standard output:
//
//	bench <scenario> <strategy> items_per_s=<n> ratio=<r> throttled=<n> lost=<n> calls=<n>
//
// where items_per_s counts items that succeeded per second of wall-clock
// time (for several runners, from the first one's start to the last one's
// end); ratio is items_per_s over the ideal min(concurrency/latency, quota)
// × items per call (quota in calls per second; with several runners the
// concurrency is theirs together; when the quota changes the ideal spends
// half the items at each quota); throttled is the number of
// HTTP requests the service answered with its throttling error; lost is the
// number of items that failed for a retryable reason or got no outcome; and
// calls is the number of HTTP requests sent, the SDK's retries included, so
// throttled/calls is the share of requests throttled.
// Items failing for good (poison items, and for sequential and errgroup the
// other items of a call a poison item made the service reject) are not lost;
// they show as failed in the human-readable lines written to standard error.
//
// The sequential strategy runs fewer items (the count divided by the
// concurrency) so that it takes about as long as the others; its ratio uses
// the same ideal, so it shows what concurrency buys.
//
// After each run bench checks its accounting against the kit: every item
// has exactly one outcome, and the items the kit applied are exactly the
// items reported as succeeded. With --quick it also keeps the kit's request
// log and checks its own request and throttle counters against it. A failed
// check makes bench exit with status 1. In shared-quota the runners are in
// other processes: the requests and throttles are counted from the kit's
// request log, and each runner checks its own outcomes.
//
// --trace writes, to standard error, the runner's send rate at every
// throttle signal (in shared-quota, each runner's, as runner=N), quota
// changes, and the request and throttle rates every half second.
package main
