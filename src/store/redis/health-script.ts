/**
 * Writes a key's health when it is still the version the caller computed
 * from (an operator's action): compare and set, so that two sidecars acting
 * at once never lose a change. Answers the current health when it moved on.
 *
 * KEYS: the key's hash. ARGV: health version seen, next health JSON, freed channel.
 */
export const HEALTH_SCRIPT = String.raw`
local f = redis.call('HMGET', KEYS[1], 'health', 'hv', 'draining', 'cfg')
if not f[4] or f[3] == '1' then return cjson.encode({ 'missing' }) end
local hv = tonumber(f[2]) or 0
if hv ~= tonumber(ARGV[1]) then return cjson.encode({ 'stale', f[1], hv }) end
redis.call('HSET', KEYS[1], 'health', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'hv', 1)
redis.call('PUBLISH', ARGV[3], 'action')
return cjson.encode({ 'ok', hv + 1 })
`;
