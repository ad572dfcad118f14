// Package redislimit shares one adaptive send rate between the runs of
// package batch in several goroutines and processes, through Redis: a
// [Limiter] is a [batch.Limiter] for [batch.Options.Limiter].
//
// The state lives in one Redis hash under a key the caller names, one key
// per quota (for example "batchkit:rate:wickr:us-east-1"). Every call goes
// through a Lua script that, atomically and by Redis's own clock, paces calls
// by GCRA (a token bucket with no burst) at the shared rate and adapts the
// rate: the in-process controller of batch ("Send rate"), simplified, and
// tuned for several processes. The rate starts at [Options.Rate]; in slow
// start each accepted call adds a call per round trip, which doubles the
// rate every round trip, up to 1.25 times what the service accepted over
// the last round trip or two. The first throttle sets it a
// quarter of the rate the service was accepting; a later throttle sets it 8%
// below that rate (measured between throttles, or over the last calls). It
// then climbs back within a probe cycle (about 100 calls, 1-10 s) and above
// it, more slowly than in one process (0.5% a cycle later, 4% two cycles
// later), since every process's calls in flight meet the throttles; a
// throttle on the way back cuts it again, to what the service accepted
// since the first. So a throttle met by any worker lowers the rate for all,
// and growth is probed once for all, not once per worker. A throttle of a
// call sent before the rate was last cut is ignored. Reports of accepted and
// throttled calls travel with the next call's script, so Done never blocks.
//
// A Limiter's callers ask Redis one at a time, and Redis grants a slot at
// most 50 ms ahead: a call costs one script run while the Limiters on a key
// each find a slot within 50 ms, about one run every 50 ms per Limiter at
// low rates.
//
// Every Redis command has a timeout ([Options.Timeout]; set the client's
// ContextTimeoutEnabled for it to apply). When Redis does not
// answer in time or cannot be reached, the Limiter logs one warning and paces
// its calls with a local [batch.AdaptiveLimiter] instead: no call is refused
// and no item lost. It tries Redis again every [Options.RetryInterval] and
// returns to the shared rate when it answers, logging that too. Configuration
// errors (no client, a wrong password, a key that holds something else) are
// reported by [New], which pings Redis and checks the key.
//
// A Limiter starts no goroutines and holds no resources of its own: closing
// the Redis client is the caller's job.
package redislimit
