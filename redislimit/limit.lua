-- The shared rate of redislimit (see doc.go): GCRA pacing at an adaptive
-- rate, the rate's state and the pending reports, in one hash, atomically.
-- The controller is the in-process one of package batch (batch/rate.go,
-- "Send rate"), simplified, and tuned for several processes: their calls in
-- flight all meet the service's empty bucket when the rate goes over the
-- quota, so each episode of throttles costs more than in one process.
-- sim_test.go checks the targets against a simulated service.
--
-- KEYS[1]  the hash
-- ARGV[1]  accepted calls to count
-- ARGV[2]  weight of a throttle to act on, 0 for none
-- ARGV[3]  when that throttled call was sent, in microseconds by the script's clock
-- ARGV[4]  MinRate   ARGV[5] MaxRate (0: none)   ARGV[6] Rate (slow start's)
-- ARGV[7]  1 to reserve a slot for one call, 0 to report only
-- ARGV[8]  TTL in milliseconds
-- ARGV[9]  the reporting Limiter's round trip (from send to the outcome of
--          its accepted calls), in microseconds; 0 before it has measured one
-- ARGV[10] the time now in microseconds; 0 for Redis's clock (the tests'
--          simulation sets it)
-- Returns {ok, wait in microseconds, rate as a string, now in microseconds}:
-- ok=1: the call goes after wait; ok=0: ask again after wait.
local key = KEYS[1]
local nowUS = tonumber(ARGV[10])
if nowUS <= 0 then
  local t = redis.call('TIME')
  nowUS = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local now = nowUS / 1e6

local VERSION = 'redislimit2'
local typ = redis.call('TYPE', key).ok
if typ == 'hash' and redis.call('HGET', key, 'v') == 'redislimit1' then
  typ = 'none' -- the state of an earlier version of this script: start over
elseif typ ~= 'none' and (typ ~= 'hash' or redis.call('HGET', key, 'v') ~= VERSION) then
  return redis.error_reply('redislimit: key in use')
end

local accN = tonumber(ARGV[1])
local w = tonumber(ARGV[2])
local sent = tonumber(ARGV[3]) / 1e6
local minRate = tonumber(ARGV[4])
local maxRate = tonumber(ARGV[5])
local startRate = tonumber(ARGV[6])
local take = ARGV[7] == '1'
local rttArg = tonumber(ARGV[9]) / 1e6

-- RATE_DIP is how far below the measured rate a throttle sends the rate.
-- After a throttle the service's bucket is empty, and until it holds a token
-- again every call that arrives just before the next token is throttled: at
-- a dip d that lasts about 1/d calls. 8% keeps it to about a dozen calls,
-- and the climb back loses no goodput to it. (batch's value.)
local RATE_DIP = 0.08

-- START_DIP is the dip after the first throttle of slow start. What the
-- service accepted during the start includes its bucket's burst, so the
-- measurement can be several times the quota: the rate drops to a quarter of
-- it and climbs back within a probe cycle, and a throttle on the way back
-- measures the quota itself (see mode 'dip' below). (batch's value.)
local START_DIP = 0.75

-- START_GAIN bounds slow start: the rate grows to at most START_GAIN times
-- what the service accepted over the last round trip or two (at least HOLD:
-- reports come up to HOLD late). Once the bucket's burst is spent the
-- service accepts the quota, so the rate stops at 1.25 times it instead of
-- doubling on until the first throttle comes back (a round trip and a
-- report later): every call sent in between is throttled, and with several
-- processes' calls in flight that was most of a short run's throttles (at
-- 1.5, still half of them in examples/bench's shared-quota scenario). While
-- the service takes every call, the rate still grows by a quarter per
-- window at least; and it stops growing far beyond what the callers send.
local START_GAIN = 1.25

-- PROBE_RISE is how far above the measured rate the climb is one probe cycle
-- after it passed it: 0.5%, then 4% two cycles after, 13.5% three after.
-- batch climbs 4% in the first cycle; with several processes an episode of
-- throttles costs more, so the climb is gentler and episodes come about
-- half as often (a throttled call or two per Limiter, every 2 s at 200
-- calls/s), while a quota that doubled is still found within about 6
-- cycles.
local PROBE_RISE = 0.005

-- PROBE_CALLS sets the probe cycle: the climb is back at the measured rate
-- after PROBE_CALLS calls' worth of time, then probes above it. One episode
-- of throttles per few hundred calls keeps them to 1-2% of requests.
-- (batch's value.)
local PROBE_CALLS = 100

-- MIN_PROBE_RTTS bounds the probe cycle below in round trips, so each step
-- of the climb is seen before the next: at high rates PROBE_CALLS calls take
-- only a few round trips. (batch's value.)
local MIN_PROBE_RTTS = 4

-- MAX_PROBE bounds the probe cycle above, in seconds: at 5 calls per second
-- PROBE_CALLS calls take 20 s, and a low measurement would keep the rate low
-- that long. A pause longer than this starts the measurements over: what the
-- service accepted before it is stale, and the gap is not a low rate.
-- (batch's value.)
local MAX_PROBE = 10

-- SPAN_CALLS is the fewest accepted calls a measurement spans when it can:
-- counting one call more or less is then at most a 3% error. (batch's value.)
local SPAN_CALLS = 30

-- HOLD is the longest a call waits for a slot it was granted, in seconds; a
-- caller further from its slot asks again, at most HOLD later. A slot
-- granted no further ahead lets a rate that changed meanwhile apply to the
-- next calls. A slot granted this far ahead lets each of several Limiters,
-- each asking for one slot at a time, get one at its first ask while their
-- slots fit within HOLD (10 at 200 calls/s): a call then costs one script
-- run, where granting a single interval ahead made every waiting caller ask
-- once per interval, about 20 runs per call. 50 ms is a few round trips to
-- a service, and a few hundred to Redis.
local HOLD = 0.05

-- MEASURE_MIN is the shortest span, in seconds, over which a throttle during
-- the climb back measures the quota. Accepted calls reach the script with
-- their Limiter's next call, up to HOLD later; over less than twice that,
-- their count says more about when the Limiters last called than about the
-- quota, and a low count would keep the rate low for many cycles.
local MEASURE_MIN = 2 * HOLD

local function num(x) return string.format('%.17g', x) end

-- The state. mode: 'start' (slow start), 'dip' (the climb back from the
-- start dip, until a throttle on the way back measures the quota) or
-- 'climb' (after any other cut). rate: the rate. base, from, tc, probe:
-- the measurement, the rate the last cut set, when, and the probe clock
-- since. busy: the last call asked for had to wait (the rate holds calls
-- back). tick: the latest time seen. acc: accepted calls so far. pt, pa:
-- the time and count of the latest throttle (the bucket was empty). ept,
-- epa: the same at the start of the episode. w0, w1 (t, a): windows of
-- SPAN_CALLS calls' time for the recent rate; d0, d1: of a round trip, at
-- least HOLD, for slow start. last: the latest slot granted. rtt: the round
-- trip.
local FIELDS = {'mode', 'rate', 'base', 'from', 'tc', 'probe', 'busy', 'tick', 'acc', 'pt', 'pa',
  'ept', 'epa', 'w0t', 'w0a', 'w1t', 'w1a', 'd0t', 'd0a', 'd1t', 'd1a', 'last', 'rtt'}
local s = {}
if typ == 'none' then
  for _, name in ipairs(FIELDS) do s[name] = 0 end
  s.mode, s.rate, s.tick, s.w0t, s.w1t = 'start', startRate, now, now, now
else
  local f = redis.call('HMGET', key, unpack(FIELDS))
  for i, name in ipairs(FIELDS) do
    if name == 'mode' then s.mode = f[i] else s[name] = tonumber(f[i]) end
  end
end

local function clamp(r)
  r = math.max(r, minRate)
  if maxRate > 0 then r = math.min(r, maxRate) end
  return r
end

if rttArg > 0 then
  if s.rtt == 0 then s.rtt = rttArg else s.rtt = s.rtt + (rttArg - s.rtt) / 8 end
end

-- The probe cycle in seconds.
local function cycle()
  return math.min(math.max(PROBE_CALLS / math.max(s.base, 1e-9), MIN_PROBE_RTTS * s.rtt), MAX_PROBE)
end

local dt = now - s.tick
if dt > MAX_PROBE then
  -- A pause: start the measurements over.
  s.w0t, s.w0a, s.w1t, s.w1a = now, s.acc, now, s.acc
  s.d0t, s.d0a, s.d1t, s.d1a = 0, 0, 0, 0
  if s.pt > 0 then s.pt, s.pa = now, s.acc end
  dt = 0
end
if dt < 0 then dt = 0 end
s.tick = math.max(s.tick, now)

s.acc = s.acc + accN

-- The recent rate: accepted calls over the current window of SPAN_CALLS
-- calls' time and the one before.
local win = math.min(math.max(SPAN_CALLS / s.rate, 0.001), MAX_PROBE)
if now - s.w0t >= win then
  s.w1t, s.w1a, s.w0t, s.w0a = s.w0t, s.w0a, now, s.acc
end
local function recentRate()
  local n, d = s.acc - s.w1a, now - s.w1t
  if n < 2 or d <= 0 then return 0 end
  return n / d
end

-- What the service accepted over the last round trip or two, for slow start:
-- windows of at least HOLD, since reports come up to HOLD late.
if s.rtt > 0 and now - s.d0t >= math.max(s.rtt, HOLD) then
  s.d1t, s.d1a, s.d0t, s.d0a = s.d0t, s.d0a, now, s.acc
end
local function delivered()
  local n, d = s.acc - s.d1a, now - s.d1t
  if s.d1t == 0 or n < 2 or d <= 0 then return 0 end
  return n / d
end

if s.mode == 'start' then
  -- Slow start: each accepted call adds a call per round trip, which
  -- doubles the rate every round trip, up to START_GAIN times what the
  -- service accepts. The script hears of an accepted call up to HOLD after
  -- it ended, so the loop's round trip is never much shorter than that: a
  -- service that answers in microseconds must not make each report a
  -- licence for thousands of calls per second.
  if accN > 0 and rttArg > 0 then
    local r = s.rate + accN / math.max(rttArg, HOLD / 2)
    local dlv = delivered()
    if dlv > 0 then r = math.min(r, math.max(s.rate, START_GAIN * dlv)) end
    s.rate = clamp(r)
  end
else
  -- After a cut: back to base along a cubic within a probe cycle, fast at
  -- first and flat at the end, then above it, slowly and then faster. The
  -- probe clock runs only while calls wait for the rate (an idle spell is
  -- no evidence that the service would take more), at most a quarter cycle
  -- at once.
  local c = cycle()
  if s.busy == 1 then s.probe = s.probe + math.min(dt, c / 4) end
  local x = s.probe / c
  if x < 1 then
    s.rate = s.base + (s.from - s.base) * (1 - x) ^ 3
  else
    s.rate = s.base * (1 + PROBE_RISE * (x - 1) ^ 3)
  end
end
s.rate = clamp(s.rate)

local function cut(nextRate, base, mode)
  s.mode, s.from, s.base = mode or 'climb', clamp(nextRate), clamp(base)
  s.probe, s.tc = 0, now
  s.rate = s.from
end

-- A throttle of a call sent before the last cut went out at the old rate:
-- the cut already acted on it.
if w > 0 and sent >= s.tc then
  -- The climb back from the start dip measures nothing from the start-up
  -- cut: the service's bucket, empty then, refilled while the rate was a
  -- quarter of slow start's measurement and then wasted its refill while
  -- full, so the calls accepted since the cut count short of the quota.
  -- That first measurement came out 8-12% low in examples/bench's
  -- shared-quota, whenever the climb's throttle came within its probe cycle
  -- (slow start's measurement well above the quota), and the gentle probe
  -- kept the rate there for a few seconds. So a throttle on the way back
  -- opens an ordinary episode and is measured as one (below), with the
  -- count since the cut as a floor only. Throttles that come before the
  -- climb is back to about what the service accepted over the last calls
  -- (within RATE_DIP of it), within MEASURE_MIN of the cut, or for some
  -- items of a call, are the start-up's tail (calls in flight at the old
  -- rate, their retries): they recut as before and the climb stays in
  -- 'dip'. Deep in the dip the last calls are slow start's and the dip's,
  -- and an episode opened there would take the low rate for the quota.
  local tail = s.mode == 'dip' and (w < 1 or now - s.ept < MEASURE_MIN or s.rate < (1 - RATE_DIP) * recentRate())
  if s.probe < cycle() and (s.mode == 'climb' or tail) then
    -- A recut: a throttle during the climb back. The cut did not end the
    -- throttles: the measurement was high (the quota fell) or the SDK's
    -- retries of throttled calls keep the bucket empty. While the bucket is
    -- empty the calls accepted since the episode began measure the quota
    -- (but see mode 'dip' above), and the last calls follow a quota that
    -- fell since; counting one call more measures high rather than low.
    -- The dip deepens from the rate once per such throttle.
    local d = now - s.ept
    if d > 0 then
      local n = s.acc - s.epa
      local b = (n + 1) / d
      local r = recentRate()
      if r > 0 then b = math.min(b, r * (1 + 1 / SPAN_CALLS)) end
      b = math.min(s.base, b)
      if w < 1 or d < MEASURE_MIN then
        -- Throttle codes for some items of an accepted call (the call went
        -- through, so the measurement stands), or too short a span to
        -- measure: the rate dips from the measurement it has.
        b = s.base
      end
      local nextRate = math.min(s.rate, b) * (1 - w * RATE_DIP)
      if nextRate < s.rate then cut(nextRate, b, s.mode) end
    end
  else
    -- A new episode: the rate went above what the service accepts. It
    -- returns to what the service accepted: between throttles (the bucket
    -- empty at both ends), or over the last calls (up to date after a climb
    -- that began low, but including the bucket's burst that the climb
    -- drained, so a RATE_DIP below them); the higher of the two, and no more
    -- than the rate itself. After the start dip this is the first
    -- measurement of the quota itself, and the episode, which the next
    -- throttles measure from, begins here, not at the start-up cut.
    local b = s.rate
    local span = 0
    if s.pt > 0 and s.acc - s.pa >= SPAN_CALLS and now > s.pt then span = (s.acc - s.pa) / (now - s.pt) end
    if s.mode == 'dip' and now > s.ept then
      -- The calls accepted since the start-up cut, the bucket empty then and
      -- now, count short of the quota only by what the bucket wasted during
      -- the dip, which can be nothing (a bucket too big to fill in it): a
      -- floor for the rest, which the last calls less RATE_DIP can
      -- undercut. Counting one call more measures high rather than low, as
      -- in the recut.
      span = math.max(span, (s.acc - s.epa + 1) / (now - s.ept))
    end
    local est = math.max(span, recentRate() * (1 - RATE_DIP))
    s.ept, s.epa = now, s.acc
    if est > 0 and est < b then b = est end
    if s.mode == 'start' then
      cut(b - w * START_DIP * b, b, 'dip')
    else
      cut(b - w * RATE_DIP * b, b)
    end
  end
end
if w >= 1 then
  -- The bucket was empty: measure from here next time.
  s.pt, s.pa = now, s.acc
end

-- GCRA with no burst: a slot every 1/rate seconds after the last one, at the
-- rate as it is when the slot is asked for, granted at most HOLD ahead.
local ok, wait = 0, 0
if take then
  if s.pt == 0 then
    -- Measurements begin with the first call, not when the state was made.
    s.pt, s.pa = now, s.acc
    s.w0t, s.w0a, s.w1t, s.w1a = now, s.acc, now, s.acc
  end
  local nextSlot = math.max(now, s.last + 1 / s.rate)
  local ahead = nextSlot - now
  if ahead <= HOLD then
    ok, wait, s.last = 1, ahead, nextSlot
    if ahead > 0 then s.busy = 1 else s.busy = 0 end
  else
    wait, s.busy = math.min(ahead - HOLD, HOLD), 1
  end
end

local out = {'v', VERSION, 'mode', s.mode}
for _, name in ipairs(FIELDS) do
  if name ~= 'mode' then
    out[#out + 1] = name
    out[#out + 1] = num(s[name])
  end
end
redis.call('HSET', key, unpack(out))
redis.call('PEXPIRE', key, ARGV[8])
-- A caller asked to wait asks again at least a microsecond later.
local waitUS = math.floor(wait * 1e6)
if ok == 0 then waitUS = math.max(math.ceil(wait * 1e6), 1) end
return {ok, waitUS, num(s.rate), nowUS}
