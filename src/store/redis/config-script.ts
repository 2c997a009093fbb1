import { LUA_LIBRARY } from "./lua-library.js";

/**
 * Writes one provider's key configurations, atomically, as the scripts will
 * read them. A key already in the store keeps its windows, open leases and
 * health (its enabled flag applied, an operator's hold marked as outlived by
 * a change); a new key, a key back after being removed, or a key whose
 * secret changed (same id, other fingerprint) starts empty (keeping only an
 * operator's hold on a changed secret). Keys the store holds for this
 * provider that the configuration no longer names drain.
 *
 * Leases past their TTL end first, as they would have before a reload in one
 * process. Answers [statuses, expired leases].
 *
 * KEYS: leases, expiries, ended, ended-at, the provider's id set, then per
 * key its hash, log, token counts.
 * ARGV: key-hash prefix, now, reported retention, then per key five values: id, config JSON,
 * fingerprint, fresh health JSON, enabled ("1"/"0").
 */
export const CONFIG_SCRIPT = LUA_LIBRARY + String.raw`
local kp, now, retention = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local expired = expire_due(kp, KEYS[1], KEYS[2], KEYS[3], KEYS[4], now, retention)
local wanted = {}
local status = {}
local n = (#ARGV - 3) / 5
for i = 0, n - 1 do
  local id, cfg, fp, fresh, enabled = ARGV[4 + i * 5], ARGV[5 + i * 5], ARGV[6 + i * 5], ARGV[7 + i * 5], ARGV[8 + i * 5] == '1'
  local kh, logk, tokk = KEYS[6 + i * 3], KEYS[7 + i * 3], KEYS[8 + i * 3]
  wanted[id] = true
  local f = redis.call('HMGET', kh, 'cfg', 'fp', 'draining', 'health', 'hv')
  local hv = tonumber(f[5]) or 0
  if not f[1] or f[3] == '1' or f[2] ~= fp then
    local h = cjson.decode(fresh)
    local old = f[4] and cjson.decode(f[4])
    local changed_secret = f[1] and f[3] ~= '1'
    if changed_secret and type(old.hold) == 'table' then
      h.hold = old.hold
      h.hold.configChanged = true
      h.by = old.by
    end
    redis.call('DEL', logk, tokk)
    redis.call('HDEL', kh, 'tsum')
    redis.call('HSET', kh, 'cfg', cfg, 'fp', fp, 'draining', '0', 'health', cjson.encode(h), 'hv', hv + 1,
      'last', '-1', 'seq', '-1', 'counters', '{}')
    if not f[1] then redis.call('HSET', kh, 'inflight', 0) end
    if changed_secret then status[#status + 1] = { id, 'updated' } else status[#status + 1] = { id, 'added' } end
  elseif f[1] ~= cfg then
    local h = cjson.decode(f[4])
    if not enabled then
      h.state = 'disabled'
      h.reason = 'disabled in configuration'
      h.disabledByConfig = true
      h['until'] = 'Infinity'
      h.by = 'config'
    elseif h.disabledByConfig == true then
      h.disabledByConfig = false
      h.state = 'active'
      h.reason = ''
      h.by = 'config'
    end
    if type(h.hold) == 'table' then h.hold.configChanged = true end
    redis.call('HSET', kh, 'cfg', cfg, 'health', cjson.encode(h), 'hv', hv + 1)
    status[#status + 1] = { id, 'updated' }
  else
    status[#status + 1] = { id, 'unchanged' }
  end
  redis.call('SADD', KEYS[5], id)
end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[5])) do
  if not wanted[id] then
    redis.call('HSET', kp .. id, 'draining', '1')
    redis.call('SREM', KEYS[5], id)
  end
end
return cjson.encode({ status, expired })
`;
