package redislimit

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/batchkit/batchkit/batch"
)

// Defaults selected by the zero value of each [Options] field.
const (
	DefaultTimeout       = 100 * time.Millisecond
	DefaultRetryInterval = time.Second
	DefaultTTL           = 10 * time.Minute
)

// Options configures a [Limiter]. Every field's zero value selects the
// documented default. Options are copied by [New].
type Options struct {
	// MinRate is the floor of the shared rate in calls per second. Zero
	// means batch.DefaultMinRate.
	MinRate float64
	// MaxRate is a ceiling the shared rate never exceeds, in calls per
	// second. Zero means none.
	MaxRate float64
	// Rate is the rate slow start begins at. Zero means MinRate.
	Rate float64
	// Timeout bounds every Redis command, through its context: it takes
	// effect with a client whose ContextTimeoutEnabled option is set (see
	// [redis.Options]); otherwise the client's own ReadTimeout and
	// WriteTimeout (3 s by default) bound a Redis that hangs. Zero means
	// DefaultTimeout.
	Timeout time.Duration
	// RetryInterval is how often a Limiter that fell back to its local rate
	// tries Redis again. Zero means DefaultRetryInterval.
	RetryInterval time.Duration
	// TTL is how long the shared state outlives its last call: a quota
	// idle that long starts over in slow start. Zero means DefaultTTL.
	TTL time.Duration
	// Logger receives the warning when Redis stops answering and the notice
	// when it answers again. Nil means slog.Default().
	Logger *slog.Logger
}

// Limiter is a [batch.Limiter] whose rate lives in Redis, shared by every
// Limiter built on the same key. It is safe for concurrent use by any number
// of runs. Its callers ask Redis one at a time, so Wait costs one Redis round
// trip per call while the Limiters on a key take turns within 50 ms (10
// Limiters at 200 calls per second), and more below that: a caller then
// asks again every 50 ms at most. Done never blocks and makes none.
type Limiter struct {
	client redis.UniversalClient
	key    string
	opts   Options
	local  *batch.AdaptiveLimiter

	// turn is held by the one caller at a time that asks Redis for a slot,
	// until its slot comes; the others wait for their turn here. When every
	// caller asked on its own, each waiting caller asked once per interval
	// of the rate: about 20 script runs per call with 32 callers.
	turn chan struct{}

	// now is the clock; clockArg makes the script use it instead of
	// Redis's (tests drive the script in simulated time).
	now      func() time.Time
	clockArg bool

	mu       sync.Mutex
	accepted int64         // accepted calls not yet reported to Redis
	weight   float64       // the heaviest throttle not yet reported, 0 for none
	sent     time.Time     // when that throttled call was sent, by Redis's clock
	rtt      time.Duration // moving average of accepted calls' round trips
	offset   time.Duration
	rate     float64   // the shared rate as last seen
	down     bool      // Redis is not answering: the local rate paces calls
	outages  int       // times Redis stopped answering
	retryAt  time.Time // when to try Redis again while down
	probing  bool      // one caller is trying Redis
}

var _ batch.Limiter = (*Limiter)(nil)

// ErrKeyInUse reports a key that holds something other than a Limiter's state.
var ErrKeyInUse = errors.New("redislimit: key holds data that is not a redislimit state")

// keyInUseMark is the script's error for a key it does not recognise.
const keyInUseMark = "redislimit: key in use"

//go:embed limit.lua
var scriptSrc string

var script = redis.NewScript(scriptSrc)

// New returns a Limiter that keeps its state in Redis under key, through
// client. It pings Redis and checks that key is unused or holds a Limiter's
// state, and returns an error naming the problem otherwise (within
// opts.Timeout): a nil client, an empty key, an unreachable server or a
// refused password, or [ErrKeyInUse].
func New(ctx context.Context, client redis.UniversalClient, key string, optFns ...func(*Options)) (*Limiter, error) {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	if client == nil {
		return nil, errors.New("redislimit: no Redis client")
	}
	if key == "" {
		return nil, errors.New("redislimit: empty key")
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"Rate", o.Rate}, {"MinRate", o.MinRate}, {"MaxRate", o.MaxRate}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return nil, fmt.Errorf("redislimit: Options.%s must be a finite number of calls per second, not negative, got %v", f.name, f.v)
		}
	}
	if o.Timeout < 0 || o.RetryInterval < 0 || o.TTL < 0 {
		return nil, errors.New("redislimit: Options.Timeout, RetryInterval and TTL must not be negative")
	}
	if o.MinRate == 0 {
		o.MinRate = min(batch.DefaultMinRate, nonzero(o.Rate), nonzero(o.MaxRate))
	}
	if o.Rate == 0 {
		o.Rate = o.MinRate
	}
	if o.MaxRate > 0 && (o.MinRate > o.MaxRate || o.Rate > o.MaxRate) || o.MinRate > o.Rate {
		return nil, fmt.Errorf("redislimit: want MinRate (%v) <= Rate (%v) <= MaxRate (%v)", o.MinRate, o.Rate, o.MaxRate)
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.RetryInterval == 0 {
		o.RetryInterval = DefaultRetryInterval
	}
	if o.TTL == 0 {
		o.TTL = DefaultTTL
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	local, err := batch.NewAdaptiveLimiter(batch.Options{MinRate: o.MinRate, MaxRate: o.MaxRate})
	if err != nil {
		return nil, fmt.Errorf("redislimit: %w", err)
	}
	l := &Limiter{client: client, key: key, opts: o, local: local, turn: make(chan struct{}, 1), now: time.Now}
	cctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	if err := client.Ping(cctx).Err(); err != nil {
		return nil, fmt.Errorf("redislimit: ping Redis: %w", err)
	}
	if _, err := l.eval(ctx, false); err != nil {
		return nil, err
	}
	return l, nil
}

func nonzero(v float64) float64 {
	if v == 0 {
		return math.Inf(1)
	}
	return v
}

// reply is what the script answers.
type reply struct {
	ok   bool          // a call may go after wait
	wait time.Duration // how long to wait: before sending if ok, else before asking again
	rate float64       // the shared rate
}

// eval runs the script once, carrying the pending reports, and reserves a
// slot for one call if take is set. Reports are put back if it fails.
func (l *Limiter) eval(ctx context.Context, take bool) (reply, error) {
	l.mu.Lock()
	acc, w, sent, rtt := l.accepted, l.weight, l.sent, l.rtt
	l.accepted, l.weight = 0, 0
	l.mu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	sentUS := int64(0)
	if w > 0 {
		sentUS = sent.UnixMicro()
	}
	maxRate := l.opts.MaxRate
	takeN := 0
	if take {
		takeN = 1
	}
	before := l.now()
	nowUS := int64(0)
	if l.clockArg {
		nowUS = before.UnixMicro()
	}
	res, err := script.Run(cctx, l.client, []string{l.key},
		acc, strconv.FormatFloat(w, 'g', -1, 64), sentUS,
		strconv.FormatFloat(l.opts.MinRate, 'g', -1, 64), strconv.FormatFloat(maxRate, 'g', -1, 64),
		strconv.FormatFloat(l.opts.Rate, 'g', -1, 64), takeN, l.opts.TTL.Milliseconds(),
		rtt.Microseconds(), nowUS).Slice()
	after := l.now()
	if err != nil {
		l.mu.Lock()
		l.accepted += acc
		if w > l.weight {
			l.weight, l.sent = w, sent
		}
		l.mu.Unlock()
		if strings.Contains(err.Error(), keyInUseMark) {
			return reply{}, fmt.Errorf("%w: %q", ErrKeyInUse, l.key)
		}
		return reply{}, err
	}
	if len(res) != 4 {
		return reply{}, fmt.Errorf("redislimit: unexpected script answer %v", res)
	}
	ok, _ := res[0].(int64)
	waitUS, _ := res[1].(int64)
	rate, _ := strconv.ParseFloat(fmt.Sprint(res[2]), 64)
	redisUS, _ := res[3].(int64)
	local := before.Add(after.Sub(before) / 2)
	l.mu.Lock()
	l.offset = time.UnixMicro(redisUS).Sub(local)
	l.rate = rate
	l.mu.Unlock()
	return reply{ok: ok == 1, wait: time.Duration(waitUS) * time.Microsecond, rate: rate}, nil
}

// Wait blocks until one call may be sent at the shared rate, or at the local
// rate while Redis does not answer, or until ctx is done, and then returns
// ctx's error. The callers of one Limiter ask Redis one at a time: each
// holds its turn while it asks and while it waits for its slot, which Redis
// grants at most 50 ms ahead. A Wait that ctx ends while it waits for its
// slot leaves that slot unused.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		local, probe, outage := l.useLocal()
		if local {
			return l.local.Wait(ctx)
		}
		select {
		case l.turn <- struct{}{}:
		case <-ctx.Done():
			if probe {
				l.endProbe()
			}
			return ctx.Err()
		}
		r, err := l.eval(ctx, true)
		if err != nil {
			<-l.turn
			if ctx.Err() != nil {
				if probe {
					l.endProbe()
				}
				return ctx.Err()
			}
			l.fallBack(err)
			continue
		}
		l.up(outage)
		if r.wait > 0 {
			t := time.NewTimer(r.wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				<-l.turn
				return ctx.Err()
			}
		}
		<-l.turn
		if r.ok {
			return nil
		}
	}
}

// useLocal reports whether this call should go by the local rate: Redis is
// down and it is not yet time, or another caller's turn, to try it again;
// and whether this caller is the one to try it (probe). It also returns the
// count of outages so far, for up.
func (l *Limiter) useLocal() (local, probe bool, outages int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.down {
		return false, false, l.outages
	}
	if l.probing || time.Now().Before(l.retryAt) {
		return true, false, l.outages
	}
	l.probing = true // this caller tries Redis
	return false, true, l.outages
}

// endProbe lets another caller try Redis.
func (l *Limiter) endProbe() {
	l.mu.Lock()
	l.probing = false
	l.mu.Unlock()
}

// fallBack notes that Redis failed to answer, and warns once per outage.
func (l *Limiter) fallBack(err error) {
	l.mu.Lock()
	was := l.down
	if !was {
		l.outages++
	}
	l.down, l.probing = true, false
	l.retryAt = time.Now().Add(l.opts.RetryInterval)
	l.mu.Unlock()
	if !was {
		l.opts.Logger.Warn("redislimit: Redis does not answer; pacing calls with a local adaptive rate until it does",
			slog.String("key", l.key), slog.Any("error", err))
	}
}

// up notes that Redis answered a command sent after outages outages began.
// An answer to a command sent before the latest outage began says nothing
// about Redis now.
func (l *Limiter) up(outages int) {
	l.mu.Lock()
	if outages != l.outages {
		l.mu.Unlock()
		return
	}
	was := l.down
	l.down, l.probing = false, false
	l.mu.Unlock()
	if was {
		l.opts.Logger.Info("redislimit: Redis answers again; sharing its rate", slog.String("key", l.key))
	}
}

// Done takes one report about a call. It never blocks: the report goes to
// Redis with the next call's script, and to the local rate while Redis is
// down.
func (l *Limiter) Done(r batch.CallResult) {
	w := min(max(r.Throttled, 0), 1)
	now := l.now()
	l.mu.Lock()
	down := l.down
	if !r.InFlight && w < 1 {
		l.accepted++
		// The round trip paces slow start: each accepted call adds a call
		// per round trip to the shared rate. A call answered at once still
		// took a microsecond.
		d := max(now.Sub(r.Sent), time.Microsecond)
		if l.rtt == 0 {
			l.rtt = d
		} else {
			l.rtt += (d - l.rtt) / 8
		}
	}
	if w > l.weight || (w > 0 && w == l.weight && r.Sent.Add(l.offset).After(l.sent)) {
		l.weight, l.sent = w, r.Sent.Add(l.offset)
	}
	l.mu.Unlock()
	if down {
		l.local.Done(r)
	}
}

// Rate is the shared send rate as last seen, in calls per second, or the
// local rate while Redis does not answer.
func (l *Limiter) Rate() float64 {
	l.mu.Lock()
	down, r := l.down, l.rate
	l.mu.Unlock()
	if down {
		return l.local.Rate()
	}
	return r
}
