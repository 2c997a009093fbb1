import { LUA_LIBRARY } from "./lua-library.js";

/**
 * ReportUsage in one atomic step: ends the lease once (a second report finds
 * it among the ended ones and changes nothing), settles its tokens, counts the
 * outcome and writes the key's next health. The health is computed by the
 * caller with the pure functions of src/pool/key-health.ts from the version
 * it last saw; when the key's health has moved on since (another sidecar's
 * report), nothing is written and the script answers the current health, to
 * be computed again. A lease past its TTL ends here as expired.
 *
 * KEYS: leases, expiries, ended, ended-at, the key's hash, request log, token counts.
 * ARGV: now, lease id, owner, key id the caller expects, tokens to settle
 * (-1: keep the estimate), outcome, prompt tokens, completion
 * tokens, health version seen, next health JSON ("" when unchanged), freed
 * channel, reported retention (ms), key-hash prefix.
 */
export const REPORT_SCRIPT = LUA_LIBRARY + String.raw`
local now, lid, owner, want_key = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local settle, outcome, pt, ct = tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])
local seen_hv, next_health, channel = tonumber(ARGV[9]), ARGV[10], ARGV[11]
local retention, kp = tonumber(ARGV[12]), ARGV[13]
local leases, expz, ended, ended_at = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local kh, logk, tokk = KEYS[5], KEYS[6], KEYS[7]

-- Leases past their TTL end first, as they would have in one process; the answer lists them.
local expired = expire_due(kp, leases, expz, ended, ended_at, now, retention)
if #expired > 0 then redis.call('PUBLISH', channel, 'expired') end
local function reply(r) return cjson.encode({ r, expired }) end
local rec = redis.call('HGET', leases, lid)
if rec then
  local l = parse_lease(rec)
  if l.exp <= now and l.key == want_key then
    expire_lease(kp, leases, expz, ended, ended_at, lid, l, retention)
    redis.call('PUBLISH', channel, 'expired')
    rec = nil
  elseif l.owner ~= owner then
    return reply({ 'denied' })
  elseif l.key ~= want_key then
    return reply({ 'other_key', l.key })
  end
end
if not rec then
  local e = redis.call('HGET', ended, lid)
  if not e then return reply({ 'unknown' }) end
  local how, forget_at, key_id, by = string.match(e, '^([^|]*)|([^|]*)|([^|]*)|(.*)$')
  if tonumber(forget_at) <= now then return reply({ 'unknown' }) end
  return reply({ 'ended', how, key_id, by, key_view(kp .. key_id, kp .. key_id .. ':log', kp .. key_id .. ':tok', now) })
end

local hv = tonumber(redis.call('HGET', kh, 'hv')) or 0
if hv ~= seen_hv then
  return reply({ 'stale', redis.call('HGET', kh, 'health'), hv, key_view(kh, logk, tokk, now) })
end
if settle >= 0 then
  local at = redis.call('ZSCORE', logk, lid)
  if at then
    local before = tonumber(redis.call('HGET', tokk, lid)) or 0
    -- The sums change first: a sum rebuilt now reads the entry's old tokens, and the change applies once.
    add_tokens(kh, logk, tokk, cjson.decode(redis.call('HGET', kh, 'cfg')), tonumber(at), settle - before, now)
    redis.call('HSET', tokk, lid, settle)
  end
end
redis.call('HINCRBY', kh, 'inflight', -1)
local c = cjson.decode(redis.call('HGET', kh, 'counters') or '{}')
c['o:' .. outcome] = (c['o:' .. outcome] or 0) + 1
c.promptTokens = (c.promptTokens or 0) + pt
c.completionTokens = (c.completionTokens or 0) + ct
redis.call('HSET', kh, 'counters', cjson.encode(c))
if next_health ~= '' then
  redis.call('HSET', kh, 'health', next_health)
  redis.call('HINCRBY', kh, 'hv', 1)
end
redis.call('HDEL', leases, lid)
redis.call('ZREM', expz, lid)
remember_ended(ended, ended_at, lid, 'reported', owner, want_key, now + retention)
forget_ended(ended, ended_at, now)
redis.call('PUBLISH', channel, 'reported')
return reply({ 'ok', key_view(kh, logk, tokk, now) })
`;
