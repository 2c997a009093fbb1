import { LUA_LIBRARY } from "./lua-library.js";

/**
 * AcquireKey in one atomic step: ends leases past their TTL, chooses the key
 * by the balancer's rule over the fleet's counts (fewest requests in the
 * minute window per unit of weight, then least recently used, then smallest
 * id) among those that can serve the request under every limit, and leases
 * it: counts the request and its estimated tokens, opens the lease with its
 * TTL. When none can, it consumes nothing and answers when one could by time
 * alone, and whether every key is out of service.
 *
 * KEYS: leases, expiries, ended, ended-at, use sequence, then per key: its
 * hash, its request log, its token counts (as many triples as ids in ARGV).
 * ARGV: now, lease id, estimated tokens, model, lease TTL, owner, reported
 * retention (ms), key-hash prefix, key ids...
 */
export const ACQUIRE_SCRIPT = LUA_LIBRARY + String.raw`
local now = tonumber(ARGV[1])
local lid, tokens, model, ttl, owner = ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5]), ARGV[6]
local retention, kp = tonumber(ARGV[7]), ARGV[8]
local expired = expire_due(kp, KEYS[1], KEYS[2], KEYS[3], KEYS[4], now, retention)

local best, best_load, best_seq, best_id
local soonest = INF
local live, out_of_service = 0, 0
for i = 9, #ARGV do
  local id = ARGV[i]
  local base = 5 + (i - 9) * 3
  local kh, logk, tokk = KEYS[base + 1], KEYS[base + 2], KEYS[base + 3]
  local f = redis.call('HMGET', kh, 'cfg', 'health', 'inflight', 'seq', 'draining')
  if f[1] and f[5] ~= '1' then
    local cfg = cjson.decode(f[1])
    local h = cjson.decode(f[2])
    local inflight = tonumber(f[3]) or 0
    live = live + 1
    if held(h) or health_state(h, now) == 'disabled' then out_of_service = out_of_service + 1 end
    if serves(cfg, model) then
      local counts = window_counts(kh, logk, tokk, cfg, now)
      local full = cfg.c >= 0 and inflight >= cfg.c
      local room = room_at(logk, tokk, cfg, counts, tokens, now)
      local recheck = awaits_recheck(h, cfg, now)
      if leasable(h, now) and not recheck and not full and room == now then
        local load = counts[1][1] / cfg.wt
        local seq = tonumber(f[4]) or -1
        if best == nil or load < best_load or (load == best_load and (seq < best_seq or (seq == best_seq and id < best_id))) then
          best, best_load, best_seq, best_id = i, load, seq, id
        end
      else
        -- src/pool/pooled-key.ts waitFor: health, then room, then the concurrency hint
        local at = available_at(h, now)
        if recheck then at = INF end
        local wait = 0
        if at ~= nil then wait = at - now end
        wait = math.max(wait, room - now)
        if full then wait = math.max(wait, 1000) end
        soonest = math.min(soonest, wait)
      end
    end
  end
end

if best == nil then
  return cjson.encode({ 'refused', finite(soonest), live > 0 and out_of_service == live, expired })
end

local id = ARGV[best]
local base = 5 + (best - 9) * 3
local kh, logk, tokk = KEYS[base + 1], KEYS[base + 2], KEYS[base + 3]
local cfg = cjson.decode(redis.call('HGET', kh, 'cfg'))
-- Forget what no window counts any more, a little at a time.
local old = redis.call('ZRANGEBYSCORE', logk, '-inf', fmt(now - cfg.x), 'LIMIT', 0, 100)
if #old > 0 then
  redis.call('ZREM', logk, unpack(old))
  redis.call('HDEL', tokk, unpack(old))
end
-- The entry's tokens join the sums before the entry joins the log: a sum rebuilt now must not count it twice.
add_tokens(kh, logk, tokk, cfg, now, tokens, now)
redis.call('ZADD', logk, now, lid)
redis.call('HSET', tokk, lid, tokens)
local seq = redis.call('INCR', KEYS[5])
redis.call('HINCRBY', kh, 'inflight', 1)
redis.call('HSET', kh, 'last', fmt(now), 'seq', seq)
bump_counter(kh, 'requests', 1)
local h = cjson.decode(redis.call('HGET', kh, 'health'))
if health_state(h, now) ~= 'active' then
  -- the single probe of a key that is not active
  h.probeLease = lid
  h.probeDue = false
  redis.call('HSET', kh, 'health', cjson.encode(h))
  redis.call('HINCRBY', kh, 'hv', 1)
end
local exp = now + ttl
redis.call('HSET', KEYS[1], lid, id .. '|' .. owner .. '|' .. fmt(exp) .. '|' .. fmt(now) .. '|' .. model)
redis.call('ZADD', KEYS[2], exp, lid)
return cjson.encode({ 'granted', id, key_view(kh, logk, tokk, now), expired })
`;
