// Package benchjob is the contract between examples/bench and its runner
// program, redislimit/internal/benchworker, which lives in the redislimit
// module so that the core module does not depend on a Redis client: the
// bench writes a Job as JSON to the worker's standard input, and the worker
// answers a Report as JSON on its standard output.
package benchjob

import (
	"time"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/batch"
)

// Limiters a job may ask for.
const (
	LimiterLocal  = "local"  // the runner's own adaptive rate
	LimiterShared = "shared" // a redislimit.Limiter
)

// Job is what the bench asks of one worker.
type Job struct {
	// URL is the kit's base URL; Region, AccessKeyID and SecretAccessKey
	// are what its requests must be signed with.
	URL, Region, AccessKeyID, SecretAccessKey string
	// Limiter is LimiterLocal or LimiterShared.
	Limiter string
	// RedisAddr and Key locate the shared rate; TTL is how long it outlives
	// the last call (redislimit.Options.TTL).
	RedisAddr, Key string
	TTL            time.Duration
	// Concurrency is the runner's MaxInFlight.
	Concurrency int
	// Items are the worker's share of the items.
	Items []appstream.Association
	// Trace writes the send rate at every throttle signal to standard error.
	Trace bool
}

// Report is what the worker answers.
type Report struct {
	// Start and End bound the run, by the machine's clock, which the bench
	// shares.
	Start, End time.Time
	// Succeeded, Failed and Lost count the items: failed for good, or lost
	// (failed for a retryable reason, canceled, or without an outcome).
	Succeeded, Failed, Lost int
	// Stats are the runner's.
	Stats batch.Stats
	// Warnings counts the limiter's warnings: times Redis stopped answering.
	Warnings int64
	// Problems lists ledger violations: outcomes missing or misplaced.
	Problems []string
	// Err is the run's error, if any.
	Err string
}
