-- The shared rate of redislimit (see doc.go): GCRA pacing at an adaptive
-- rate, the rate's state and the pending reports, in one hash, atomically.
--
-- KEYS[1]  the hash
-- ARGV[1]  accepted calls to count
-- ARGV[2]  weight of a throttle to act on, 0 for none
-- ARGV[3]  when that throttled call was sent, in microseconds by Redis's clock
-- ARGV[4]  MinRate   ARGV[5] MaxRate (0: none)   ARGV[6] Rate (slow start's)
-- ARGV[7]  1 to reserve a slot for one call, 0 to report only
-- ARGV[8]  TTL in milliseconds
-- Returns {ok, wait in microseconds, rate as a string, now in microseconds}:
-- ok=1: the call goes after wait; ok=0: ask again after wait.
local key = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local nowUS = tonumber(t[1]) * 1000000 + tonumber(t[2])

local typ = redis.call('TYPE', key).ok
if typ ~= 'none' and (typ ~= 'hash' or redis.call('HGET', key, 'v') ~= 'redislimit1') then
  return redis.error_reply('redislimit: key in use')
end

local acc_n = tonumber(ARGV[1])
local w = tonumber(ARGV[2])
local sent = tonumber(ARGV[3]) / 1e6
local minRate = tonumber(ARGV[4])
local maxRate = tonumber(ARGV[5])
local startRate = tonumber(ARGV[6])
local take = ARGV[7] == '1'

local DOUBLING = 0.5   -- seconds per doubling in slow start
local RATE_DIP = 0.08  -- below the measurement on a throttle
local START_DIP = 0.25 -- below half the rate at the end of slow start
local PROBE_RISE = 0.04
local PROBE_CALLS = 100
local RESTART_PROBE = 4
local MIN_SPAN = 10    -- accepted calls a measurement needs

local s = {}
if typ == 'none' then
  s = {mode = 'start', t0 = now, r0 = startRate, acc = 0, acc0 = 0, tat = now,
       base = 0, from = 0, tc = 0, accc = 0}
else
  local f = redis.call('HMGET', key, 'mode', 't0', 'r0', 'acc', 'acc0', 'tat', 'base', 'from', 'tc', 'accc')
  s = {mode = f[1], t0 = tonumber(f[2]), r0 = tonumber(f[3]), acc = tonumber(f[4]), acc0 = tonumber(f[5]),
       tat = tonumber(f[6]), base = tonumber(f[7]), from = tonumber(f[8]), tc = tonumber(f[9]), accc = tonumber(f[10])}
end

local function clamp(r)
  r = math.max(r, minRate)
  if maxRate > 0 then r = math.min(r, maxRate) end
  return r
end

local function cycle()
  return math.min(math.max(PROBE_CALLS / math.max(s.base, 1e-9), 1), 10)
end

-- The rate now: slow start doubles it every DOUBLING seconds; after a cut it
-- climbs back to base along a cubic within a probe cycle, then above it.
local function rateNow()
  if s.mode == 'start' then
    return clamp(s.r0 * 2 ^ math.min((now - s.t0) / DOUBLING, 60))
  end
  local x = (now - s.tc) / cycle()
  if x >= RESTART_PROBE then
    -- No throttle for long: the quota rose. Slow start from here.
    local r = clamp(s.base * (1 + PROBE_RISE * (RESTART_PROBE - 1) ^ 3))
    s.mode, s.t0, s.r0, s.acc0 = 'start', now, r, s.acc
    return r
  elseif x < 1 then
    return clamp(s.base + (s.from - s.base) * (1 - x) ^ 3)
  end
  return clamp(s.base * (1 + PROBE_RISE * (x - 1) ^ 3))
end

s.acc = s.acc + acc_n
local rate = rateNow()

-- A throttle of a call sent after the last cut: measure what the service
-- accepted since the cut and dip below it; at the end of slow start, dip
-- below the rate of a doubling ago.
if w > 0 and sent >= s.tc then
  local b = rate
  local dip = RATE_DIP
  if s.mode == 'start' then
    -- The rate a doubling ago went through; the quota's burst may have
    -- hidden more, which the next throttles find.
    b, dip = rate / 2, START_DIP
    s.base = b
  else
    local n = s.acc - s.accc
    local d = now - s.tc
    if n >= MIN_SPAN and d > 0 and n / d < b then
      b = n / d
      s.base = b
    else
      s.base = math.min(s.base, b)
    end
  end
  s.from = clamp(b * (1 - w * dip))
  s.base = clamp(s.base)
  s.mode, s.tc, s.accc = 'climb', now, s.acc
  rate = s.from
end

-- GCRA with no burst: a slot every 1/rate seconds, reserved at most one
-- interval ahead so that a cut slows the next calls at once.
local ok, wait = 0, 0
if take then
  local T = 1 / rate
  if s.tat < now then s.tat = now end
  wait = s.tat - now
  if wait <= T then
    ok = 1
    s.tat = s.tat + T
  else
    wait = wait - T
  end
end

redis.call('HSET', key, 'v', 'redislimit1', 'mode', s.mode, 't0', tostring(s.t0), 'r0', tostring(s.r0),
  'acc', tostring(s.acc), 'acc0', tostring(s.acc0), 'tat', tostring(s.tat), 'base', tostring(s.base),
  'from', tostring(s.from), 'tc', tostring(s.tc), 'accc', tostring(s.accc), 'rate', tostring(rate))
redis.call('PEXPIRE', key, ARGV[8])
return {ok, math.floor(wait * 1e6), tostring(rate), nowUS}
