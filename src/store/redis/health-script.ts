import { LUA_LIBRARY } from "./lua-library.js";

/**
 * Writes a key's health when it is still the version the caller computed
 * from (an operator's action): compare and set, so that two sidecars acting
 * at once never lose a change. Answers the current health when it moved on.
 *
 * Leases of the provider past their TTL end first, as in one process (an
 * expired probe must end before the key is enabled). Answers [reply, expired].
 *
 * KEYS: leases, expiries, ended, ended-at, the key's hash. ARGV: health
 * version seen, next health JSON, freed channel, now, reported retention, key-hash prefix.
 */
export const HEALTH_SCRIPT = LUA_LIBRARY + String.raw`
local now, retention, kp = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local expired = expire_due(kp, KEYS[1], KEYS[2], KEYS[3], KEYS[4], now, retention)
local f = redis.call('HMGET', KEYS[5], 'health', 'hv', 'draining', 'cfg')
if not f[4] or f[3] == '1' then return cjson.encode({ { 'missing' }, expired }) end
local hv = tonumber(f[2]) or 0
if hv ~= tonumber(ARGV[1]) then return cjson.encode({ { 'stale', f[1], hv }, expired }) end
redis.call('HSET', KEYS[5], 'health', ARGV[2])
redis.call('HINCRBY', KEYS[5], 'hv', 1)
redis.call('PUBLISH', ARGV[3], 'action')
return cjson.encode({ { 'ok', hv + 1 }, expired })
`;
