-- Admission of one request: concurrency, requests per minute and tokens per minute checked and taken together,
-- atomically. Requests and tokens are GCRA buckets (one "theoretical arrival time" per key, in ms since the epoch):
-- a minute's limit may be used in a burst and refills continuously, as the providers' limits do.
-- KEYS: 1 requests TAT, 2 tokens TAT, 3 in-flight leases (sorted set: lease id -> expiry ms)
-- ARGV: 1 requests/min, 2 tokens/min, 3 max concurrent, 4 token cost, 5 lease id, 6 lease ms   (0 = unlimited)
-- Returns {allowed, rejected_by (0 none, 1 concurrency, 2 requests, 3 tokens, 4 tokens above the per-minute limit),
--          retry_after_ms, req_remaining, req_reset_ms, tok_remaining, tok_reset_ms}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = 60000
local rpm, tpm, conc, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])

local function tat(key)
  local v = tonumber(redis.call('GET', key))
  if v == nil or v < now then return now end
  return v
end
local function remaining(limit, at)
  if limit <= 0 then return -1 end
  return math.max(0, math.floor((now + window - at) / (window / limit)))
end

local reqTat = rpm > 0 and tat(KEYS[1]) or now
local tokTat = tpm > 0 and tat(KEYS[2]) or now
local reqNext = rpm > 0 and reqTat + window / rpm or now
local tokNext = tpm > 0 and tokTat + cost * window / tpm or now

local function refuse(reason, retry)
  return {0, reason, math.ceil(retry), remaining(rpm, reqTat), math.ceil(reqTat - now),
          remaining(tpm, tokTat), math.ceil(tokTat - now)}
end

if conc > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  if redis.call('ZCARD', KEYS[3]) >= conc then return refuse(1, 1000) end
end
if rpm > 0 and reqNext - window > now then return refuse(2, reqNext - window - now) end
if tpm > 0 and cost > tpm then return refuse(4, 0) end
if tpm > 0 and tokNext - window > now then return refuse(3, tokNext - window - now) end

if rpm > 0 then redis.call('SET', KEYS[1], string.format('%.3f', reqNext), 'PX', math.ceil(reqNext - now) + 1) end
if tpm > 0 then redis.call('SET', KEYS[2], string.format('%.3f', tokNext), 'PX', math.ceil(tokNext - now) + 1) end
if conc > 0 then
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[6]), ARGV[5])
  redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[6]))
end
return {1, 0, 0, remaining(rpm, reqNext), math.ceil(reqNext - now), remaining(tpm, tokNext), math.ceil(tokNext - now)}
