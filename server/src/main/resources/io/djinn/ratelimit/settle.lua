-- Settlement of one admitted request, atomically: its in-flight lease is released, the tokens it reserved are
-- corrected to what it used (a refund moves the token bucket's TAT back, never below now = a full bucket), and its
-- usage is added to the day's meter.
-- KEYS: 1 tokens TAT, 2 in-flight leases, 3 usage hash of the key and day
-- ARGV: 1 tokens/min (0 = unlimited), 2 reserved tokens, 3 used tokens, 4 lease id, then field, increment pairs
redis.call('ZREM', KEYS[2], ARGV[4])
local tpm = tonumber(ARGV[1])
local delta = tonumber(ARGV[3]) - tonumber(ARGV[2])
if tpm > 0 and delta ~= 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local tat = tonumber(redis.call('GET', KEYS[2 - 1]))
  if tat == nil or tat < now then tat = now end
  local next = tat + delta * 60000 / tpm
  if next <= now then
    redis.call('DEL', KEYS[1])
  else
    redis.call('SET', KEYS[1], string.format('%.3f', next), 'PX', math.ceil(next - now) + 1)
  end
end
for i = 5, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[3], ARGV[i], ARGV[i + 1])
end
return 1
