import { LUA_LIBRARY } from "./lua-library.js";

/**
 * The periodic sweep and read of one provider: ends leases past their TTL
 * (each counted once, whichever sidecar's sweep finds it), forgets ended
 * leases past their retention, and answers every key's fleet-wide counts and
 * state for the sidecar's local view. Announces freed capacity when it ended
 * a lease.
 *
 * KEYS: leases, expiries, ended, ended-at, then per key its hash, log, token counts.
 * ARGV: now, reported retention (ms), key-hash prefix, freed channel, key ids...
 */
export const VIEW_SCRIPT = LUA_LIBRARY + String.raw`
local now, retention, kp, channel = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
local expired = expire_due(kp, KEYS[1], KEYS[2], KEYS[3], KEYS[4], now, retention)
forget_ended(KEYS[3], KEYS[4], now)
if #expired > 0 then redis.call('PUBLISH', channel, 'expired') end
local views = {}
for i = 5, #ARGV do
  local base = 4 + (i - 5) * 3
  views[#views + 1] = { ARGV[i], key_view(KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], now) }
end
return cjson.encode({ views, expired })
`;
