// Package quota is the service quota of the test kits and of the send-rate
// simulations: a token bucket, as AWS meters a request rate. It is not safe
// for concurrent use; its users hold their own lock.
package quota

import (
	"math"
	"time"
)

// Bucket is a token bucket whose tokens are calls. The zero value is
// unlimited: it lets every call go.
type Bucket struct {
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

// Set changes the rate (calls per second) and the burst (the bucket's
// capacity in calls) at time now. A rate of zero or less makes the bucket
// unlimited; a burst of zero or less is a second of the rate, at least one
// call. An unlimited bucket given a rate starts full; a limited one keeps
// its tokens, earned at the old rate until now, up to the new burst.
func (b *Bucket) Set(rate, burst float64, now time.Time) {
	if rate <= 0 {
		*b = Bucket{}
		return
	}
	wasUnlimited := b.rate <= 0
	b.refill(now)
	b.rate = rate
	b.burst = burst
	if burst <= 0 {
		b.burst = math.Max(1, math.Ceil(rate))
	}
	if wasUnlimited {
		b.tokens = b.burst
		b.last = now
	}
	b.tokens = math.Min(b.tokens, b.burst)
}

// Rate returns the rate in calls per second, 0 when unlimited.
func (b *Bucket) Rate() float64 { return b.rate }

// Empty spends every token at time now: a client that came before spent
// the bucket.
func (b *Bucket) Empty(now time.Time) {
	b.refill(now)
	b.tokens = 0
}

// Take spends one token at time now and reports whether there was one.
func (b *Bucket) Take(now time.Time) bool {
	if b.rate <= 0 {
		return true
	}
	b.refill(now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// refill adds the tokens earned since the last refill.
func (b *Bucket) refill(now time.Time) {
	if b.rate > 0 && now.After(b.last) {
		b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
}
