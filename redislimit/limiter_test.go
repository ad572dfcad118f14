package redislimit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/sync/errgroup"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/redislimit"
)

func TestMain(m *testing.M) {
	// The tests cut connections on purpose: keep go-redis's reports of
	// failed dials out of the output.
	redis.SetLogger(quietLogger{})
	goleak.VerifyTestMain(m)
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// redisAddr is the test server's address; see redislimit's own redisAddr.
func redisAddr(t *testing.T) string {
	t.Helper()
	return redislimit.RedisAddr(t)
}

func newClient(t *testing.T, addr string, optFns ...func(*redis.Options)) *redis.Client {
	t.Helper()
	o := &redis.Options{Addr: addr, DisableIdentity: true, ContextTimeoutEnabled: true}
	for _, fn := range optFns {
		fn(o)
	}
	c := redis.NewClient(o)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// testKey is a key of the test's own, deleted when it ends.
func testKey(t *testing.T, c *redis.Client) string {
	k := "batchkit:test:" + t.Name() + ":" + strconv.FormatInt(time.Now().UnixNano(), 36)
	t.Cleanup(func() { c.Del(context.Background(), k) })
	return k
}

// quota is an adapter whose service takes one item per call and throttles
// calls beyond a token bucket of rate calls per second. It counts calls.
type quota struct {
	rate  float64
	burst float64

	mu     sync.Mutex
	tokens float64
	last   time.Time

	calls, throttled atomic.Int64
	onCall           func(n int64) // called with the call's number, from 1
}

var errThrottled = errors.New("throttled")

func (q *quota) Operation() string        { return "Quota" }
func (q *quota) MaxItems() int            { return 1 }
func (q *quota) Key(string) string        { return "k" }
func (q *quota) Identity(s string) string { return s }
func (q *quota) Validate(string) error    { return nil }
func (q *quota) Classify(err error) (*batch.Error, batch.Scope) {
	if errors.Is(err, errThrottled) {
		return &batch.Error{Code: batch.CodeThrottled, Retryable: true, Err: err}, batch.ScopeCall
	}
	return &batch.Error{Code: batch.CodeUnknown, Err: err}, batch.ScopeCall
}

func (q *quota) Call(ctx context.Context, _ string, items []string) ([]batch.Result[string], error) {
	n := q.calls.Add(1)
	if q.onCall != nil {
		q.onCall(n)
	}
	q.mu.Lock()
	now := time.Now()
	if q.last.IsZero() {
		q.tokens = q.burst
	} else {
		q.tokens = min(q.burst, q.tokens+now.Sub(q.last).Seconds()*q.rate)
	}
	q.last = now
	ok := q.tokens >= 1
	if ok {
		q.tokens--
	}
	q.mu.Unlock()
	if !ok {
		q.throttled.Add(1)
		return nil, errThrottled
	}
	out := make([]batch.Result[string], len(items))
	for i, it := range items {
		out[i].Value = it
	}
	return out, nil
}

func inputs(prefix string, n int) []string {
	in := make([]string, n)
	for i := range in {
		in[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	return in
}

// runAll runs len(lims) runners at once against q, each with its own
// limiter and 100 items, and checks every item got an outcome.
func runAll(t *testing.T, q *quota, lims []batch.Limiter) (succeeded int) {
	t.Helper()
	var g errgroup.Group
	reps := make([]*batch.Report[string, string], len(lims))
	for i, lim := range lims {
		r, err := batch.New[string, string](q, func(o *batch.Options) {
			o.Limiter = lim
			o.MaxAttempts = 50
			o.RetryBudget = 100000
			o.BackoffBase = time.Millisecond
			o.BackoffMax = 20 * time.Millisecond
		})
		require.NoError(t, err)
		g.Go(func() error {
			var err error
			reps[i], err = r.Run(context.Background(), inputs(strconv.Itoa(i), 100))
			return err
		})
	}
	require.NoError(t, g.Wait())
	for _, rep := range reps {
		require.Len(t, rep.Outcomes, 100)
		for _, o := range rep.Outcomes {
			require.NotEqual(t, batch.Status(0), o.Status, "an item without an outcome")
			if o.Status != batch.StatusSucceeded {
				t.Logf("item %s: %v after %d attempts", o.Item, o.Err, o.Attempts)
			}
		}
		succeeded += rep.Succeeded
	}
	return succeeded
}

// TestSharedRate runs 4 runners, each with its own client and Limiter on
// one key, against one quota, and then 4 runners with independent local
// rates against the same quota: every item gets its outcome, and the shared
// phase never falls back to local rates. How their throttles compare depends
// on timing, so it is only logged here: TestRateSimulation checks the
// shared rate's targets in simulated time, and examples/bench's
// shared-quota scenario compares the two against a kit.
func TestSharedRate(t *testing.T) {
	addr := redisAddr(t)
	key := testKey(t, newClient(t, addr))
	// A floor of 20 calls per second (80 for 4 runners, below the quota)
	// bounds how long a run whose rate was cut low takes to finish.
	const rate, minRate = 200, 20

	shared := &quota{rate: rate, burst: 10}
	var logs logBuffer
	var lims []batch.Limiter
	for range 4 {
		l, err := redislimit.New(context.Background(), newClient(t, addr), key, func(o *redislimit.Options) {
			o.MinRate = minRate
			o.Timeout = time.Second // a busy machine must not look like a slow Redis
			o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		})
		require.NoError(t, err)
		lims = append(lims, l)
	}
	start := time.Now()
	assert.Equal(t, 400, runAll(t, shared, lims))
	t.Logf("shared phase took %v", time.Since(start))
	require.Zero(t, logs.count("level=WARN"), "the shared phase fell back to local rates:\n%s", logs.buf.String())
	lims0 := lims

	local := &quota{rate: rate, burst: 10}
	lims = nil
	for range 4 {
		l, err := batch.NewAdaptiveLimiter(batch.Options{MinRate: minRate})
		require.NoError(t, err)
		lims = append(lims, l)
	}
	assert.Equal(t, 400, runAll(t, local, lims))
	t.Logf("shared rate at the end: %.0f", lims0[0].(*redislimit.Limiter).Rate())
	t.Logf("throttled calls: shared %d of %d, local %d of %d",
		shared.throttled.Load(), shared.calls.Load(), local.throttled.Load(), local.calls.Load())
}

// scriptHook counts the scripts a client runs at once.
type scriptHook struct {
	now, most atomic.Int64
	runs      atomic.Int64
}

func (h *scriptHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *scriptHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (h *scriptHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if name := cmd.Name(); name != "evalsha" && name != "eval" {
			return next(ctx, cmd)
		}
		h.runs.Add(1)
		n := h.now.Add(1)
		for {
			m := h.most.Load()
			if n <= m || h.most.CompareAndSwap(m, n) {
				break
			}
		}
		defer h.now.Add(-1)
		return next(ctx, cmd)
	}
}

// TestOneCallerAsksAtATime: however many callers wait, a Limiter asks Redis
// about one call at a time, so that waiting callers do not each poll it.
func TestOneCallerAsksAtATime(t *testing.T) {
	addr := redisAddr(t)
	c := newClient(t, addr)
	hook := &scriptHook{}
	c.AddHook(hook)
	lim, err := redislimit.New(context.Background(), c, testKey(t, c), func(o *redislimit.Options) {
		o.Rate = 500
		o.Timeout = time.Second
	})
	require.NoError(t, err)
	var g errgroup.Group
	for range 32 {
		g.Go(func() error {
			for range 5 {
				if err := lim.Wait(context.Background()); err != nil {
					return err
				}
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	t.Logf("%d script runs for 160 calls", hook.runs.Load())
	assert.Equal(t, int64(1), hook.most.Load(), "scripts run at once by one Limiter")
}

// proxy forwards TCP connections to a Redis server until cut.
type proxy struct {
	target string
	addr   string
	hold   bool // accept connections and never answer: a Redis that hangs

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
	wg    sync.WaitGroup
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{target: target}
	p.listen(t, "127.0.0.1:0")
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) listen(t *testing.T, addr string) {
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			hold := p.hold
			if hold {
				p.conns = append(p.conns, c)
			}
			p.mu.Unlock()
			if hold {
				continue
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			p.wg.Add(2)
			go func() { defer p.wg.Done(); _, _ = io.Copy(s, c); _ = s.Close() }()
			go func() { defer p.wg.Done(); _, _ = io.Copy(c, s); _ = c.Close() }()
		}
	}()
}

// cut closes the listener and every connection, and waits for its
// goroutines.
func (p *proxy) cut() {
	p.mu.Lock()
	if p.ln != nil {
		_ = p.ln.Close()
	}
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// logBuffer is a slog destination safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) count(s string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.buf.String(), s)
}

// TestRedisGoneMidRun cuts the connection to Redis in the middle of a run
// and restores it later: every item still gets its outcome, the cut is
// logged once, and the Limiter returns to the shared rate.
func TestRedisGoneMidRun(t *testing.T) {
	addr := redisAddr(t)
	direct := newClient(t, addr)
	key := testKey(t, direct)
	p := newProxy(t, addr)
	var logs logBuffer
	lim, err := redislimit.New(context.Background(), newClient(t, p.addr, func(o *redis.Options) { o.MaxRetries = -1 }), key,
		func(o *redislimit.Options) {
			o.RetryInterval = 20 * time.Millisecond
			o.Rate = 100
			o.Timeout = time.Second // a cut fails at once; a busy machine is not an outage
			o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		})
	require.NoError(t, err)

	restored := make(chan struct{})
	q := &quota{rate: 1000, burst: 10}
	q.onCall = func(n int64) {
		switch n {
		case 50:
			p.cut()
		case 150:
			p.listen(t, p.addr) // the same address: the client reconnects
			close(restored)
		}
	}
	assert.Equal(t, 300, runAll(t, q, []batch.Limiter{lim, lim, lim}))
	<-restored
	assert.Equal(t, 1, logs.count("level=WARN"), "one warning for the outage:\n%s", logs.buf.String())

	// Back on Redis: the next run's calls are counted there. After
	// RetryInterval the next call tries Redis, whatever the timing of the
	// first run.
	time.Sleep(2 * 20 * time.Millisecond)
	acc0, err := direct.HGet(context.Background(), key, "acc").Float64()
	require.NoError(t, err)
	assert.Equal(t, 100, runAll(t, &quota{rate: 1000, burst: 10}, []batch.Limiter{lim}))
	acc1, err := direct.HGet(context.Background(), key, "acc").Float64()
	require.NoError(t, err)
	assert.Greater(t, acc1, acc0, "calls after Redis came back were not counted in Redis")
	assert.Equal(t, 1, logs.count("answers again"), "%s", logs.buf.String())
}

// redisServer is a redis-server process of the test's own, which the test
// can stop and start again on the same port.
type redisServer struct {
	bin, addr string
	cmd       *exec.Cmd
}

// newRedisServer starts a redis-server on a free loopback port, without
// persistence, and stops it when the test ends. Without the redis-server
// program the test is skipped, except in CI (CI=true), where it fails.
func newRedisServer(t *testing.T) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not installed: CI must install it (see .ci/run)")
		}
		t.Skip("redis-server is not installed (on Debian: apt-get install redis-server)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &redisServer{bin: bin, addr: ln.Addr().String()}
	require.NoError(t, ln.Close())
	require.NoError(t, s.start())
	t.Cleanup(s.stop)
	return s
}

// start starts the server and waits until it answers.
func (s *redisServer) start() error {
	_, port, _ := net.SplitHostPort(s.addr)
	s.cmd = exec.Command(s.bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := s.cmd.Start(); err != nil {
		return err
	}
	c := redis.NewClient(&redis.Options{Addr: s.addr, DisableIdentity: true, MaxRetries: -1})
	defer c.Close()
	var err error
	for range 100 {
		if err = c.Ping(context.Background()).Err(); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("redis-server on %s does not answer: %w", s.addr, err)
}

// stop kills the server, as a crash or an operator would stop it, and waits
// for it to exit.
func (s *redisServer) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

// TestRedisServerStoppedMidRun stops a real redis-server in the middle of a
// run and starts it again later, on the same port and without the state it
// held: every item still gets its outcome, the outage is logged once, and
// the Limiter returns to the shared rate, which starts over.
func TestRedisServerStoppedMidRun(t *testing.T) {
	srv := newRedisServer(t)
	ctx := context.Background()
	const key = "batchkit:test:stopped"
	var logs logBuffer
	lim, err := redislimit.New(ctx, newClient(t, srv.addr, func(o *redis.Options) { o.MaxRetries = -1 }), key,
		func(o *redislimit.Options) {
			o.RetryInterval = 20 * time.Millisecond
			o.Rate = 100
			o.Timeout = time.Second // a stopped server fails at once; a busy machine is not an outage
			o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		})
	require.NoError(t, err)

	restarted := make(chan error, 1)
	q := &quota{rate: 1000, burst: 10}
	q.onCall = func(n int64) {
		switch n {
		case 50:
			srv.stop()
		case 150:
			restarted <- srv.start()
		}
	}
	assert.Equal(t, 300, runAll(t, q, []batch.Limiter{lim, lim, lim}))
	require.NoError(t, <-restarted)
	assert.Equal(t, 1, logs.count("level=WARN"), "one warning for the outage:\n%s", logs.buf.String())

	// Back on Redis: the next run's calls are counted in the new server.
	// After RetryInterval the next call tries Redis, whatever the timing of
	// the first run.
	time.Sleep(2 * 20 * time.Millisecond)
	assert.Equal(t, 100, runAll(t, &quota{rate: 1000, burst: 10}, []batch.Limiter{lim}))
	acc, err := newClient(t, srv.addr).HGet(ctx, key, "acc").Float64()
	require.NoError(t, err, "no shared state in the restarted server")
	assert.Positive(t, acc)
	assert.Equal(t, 1, logs.count("answers again"), "%s", logs.buf.String())
}

// TestRedisUnreachableFromStart: a Limiter whose Redis went away before the
// run paces with its local rate and warns once.
func TestRedisUnreachableFromStart(t *testing.T) {
	addr := redisAddr(t)
	direct := newClient(t, addr)
	p := newProxy(t, addr)
	var logs logBuffer
	lim, err := redislimit.New(context.Background(), newClient(t, p.addr, func(o *redis.Options) { o.MaxRetries = -1 }), testKey(t, direct),
		func(o *redislimit.Options) {
			o.Timeout = time.Second
			o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		})
	require.NoError(t, err)
	p.cut()
	assert.Equal(t, 200, runAll(t, &quota{rate: 1000, burst: 10}, []batch.Limiter{lim, lim}))
	assert.Equal(t, 1, logs.count("level=WARN"), "%s", logs.buf.String())
}

// TestRedisHangs: a Redis that accepts connections and never answers makes
// every command time out; the Limiter falls back after its Timeout and warns
// once.
func TestRedisHangs(t *testing.T) {
	addr := redisAddr(t)
	direct := newClient(t, addr)
	p := newProxy(t, addr)
	var logs logBuffer
	lim, err := redislimit.New(context.Background(), newClient(t, p.addr, func(o *redis.Options) { o.MaxRetries = -1 }), testKey(t, direct),
		func(o *redislimit.Options) {
			o.Timeout = 20 * time.Millisecond
			o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		})
	require.NoError(t, err)
	p.cut()
	p.mu.Lock()
	p.hold = true
	p.mu.Unlock()
	p.listen(t, p.addr)
	assert.Equal(t, 200, runAll(t, &quota{rate: 1000, burst: 10}, []batch.Limiter{lim, lim}))
	assert.Equal(t, 1, logs.count("level=WARN"), "%s", logs.buf.String())
	assert.Contains(t, logs.buf.String(), "timeout")
}

func TestBadConfiguration(t *testing.T) {
	addr := redisAddr(t)
	ctx := context.Background()
	good := newClient(t, addr)

	_, err := redislimit.New(ctx, good, "")
	assert.ErrorContains(t, err, "redislimit: empty key")
	_, err = redislimit.New(ctx, nil, "k")
	assert.ErrorContains(t, err, "redislimit: no Redis client")
	_, err = redislimit.New(ctx, good, "k", func(o *redislimit.Options) { o.MinRate, o.MaxRate = 10, 5 })
	assert.ErrorContains(t, err, "MinRate")

	_, err = redislimit.New(ctx, newClient(t, addr, func(o *redis.Options) { o.Username, o.Password = "batchkit-nobody", "wrong" }), "k")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "redislimit: ping Redis")
	assert.Contains(t, err.Error(), "WRONGPASS")

	// A closed port: nothing listens there once the listener is closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	require.NoError(t, ln.Close())
	_, err = redislimit.New(ctx, newClient(t, closed, func(o *redis.Options) { o.MaxRetries = -1 }), "k")
	assert.ErrorContains(t, err, "redislimit: ping Redis")

	key := testKey(t, good)
	require.NoError(t, good.Set(ctx, key, "someone else's", 0).Err())
	_, err = redislimit.New(ctx, good, key)
	assert.ErrorIs(t, err, redislimit.ErrKeyInUse)
	require.NoError(t, good.Del(ctx, key).Err())
	require.NoError(t, good.HSet(ctx, key, "field", "1").Err())
	_, err = redislimit.New(ctx, good, key)
	assert.ErrorIs(t, err, redislimit.ErrKeyInUse)
}

// TestThrottleCutsSharedRate: a throttle reported to one Limiter lowers the
// rate another Limiter on the same key sees.
func TestThrottleCutsSharedRate(t *testing.T) {
	addr := redisAddr(t)
	ctx := context.Background()
	key := testKey(t, newClient(t, addr))
	a, err := redislimit.New(ctx, newClient(t, addr), key, func(o *redislimit.Options) { o.Rate = 1000 })
	require.NoError(t, err)
	b, err := redislimit.New(ctx, newClient(t, addr), key, func(o *redislimit.Options) { o.Rate = 1000 })
	require.NoError(t, err)
	require.NoError(t, a.Wait(ctx))
	a.Done(batch.CallResult{Sent: time.Now(), Throttled: 1})
	require.NoError(t, a.Wait(ctx)) // carries the report
	require.NoError(t, b.Wait(ctx))
	assert.Less(t, b.Rate(), 1000.0)
	assert.Greater(t, b.Rate(), 0.0)
}

// TestWaitCanceled: a Wait whose context is done returns its error and lets
// no call go.
func TestWaitCanceled(t *testing.T) {
	addr := redisAddr(t)
	c := newClient(t, addr)
	lim, err := redislimit.New(context.Background(), c, testKey(t, c))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, lim.Wait(ctx), context.Canceled)

	// At 1 call per second the second call waits about a second: a short
	// deadline ends that wait.
	require.NoError(t, lim.Wait(context.Background()))
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, lim.Wait(ctx), context.DeadlineExceeded)
}
