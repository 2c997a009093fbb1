import { LUA_LIBRARY } from "./lua-library.js";

/**
 * Adds to one provider's shared windows what a sidecar counted while it
 * served alone, so that the fleet stays within every limit once it is back:
 * each request granted meanwhile enters its key's log at the time it was
 * granted, with its tokens (settled, or the estimate of a lease still open);
 * a lease still open is opened in the store too (in flight, expiring at its
 * TTL), so that its report ends it there. Each lease counts once, however
 * often this runs.
 *
 * A store that came back without its data is also given the sidecar's last
 * view of each key's windows (`seed:N` entries): sidecars that replay their
 * views keep, entry by entry, the latest time and the most tokens, so the
 * store counts at least what the most recent view saw, not the sum.
 *
 * A sidecar that rejoins cannot know whether the others still serve alone:
 * it holds each one's share of every limit in the windows (`r:ID:N`
 * entries), and each releases what was held for it once it has replayed its
 * own grants (or finds it was never alone).
 *
 * KEYS: leases, expiries, then per key (in the order of `ids`) its hash, log, token counts.
 * ARGV: JSON {ids, grants: [{k, l, at, t, open, exp, o, m}], seeds: [[key id, [[at, tokens]...] newest first]...],
 * reserve: [[sidecar id, [[key id, entries newest first]...]]...], release: sidecar id or ""}.
 * Answers the number of requests added.
 */
export const REPLAY_SCRIPT = LUA_LIBRARY + String.raw`
local p = cjson.decode(ARGV[1])
local base = {}
for i, id in ipairs(p.ids) do base[id] = 2 + (i - 1) * 3 end
local added = 0
for _, g in ipairs(p.grants) do
  local b = base[g.k]
  if b and redis.call('EXISTS', KEYS[b + 1]) == 1 and redis.call('ZADD', KEYS[b + 2], 'NX', g.at, g.l) == 1 then
    local kh = KEYS[b + 1]
    redis.call('HSET', KEYS[b + 3], g.l, g.t)
    bump_counter(kh, 'requests', 1)
    if (tonumber(redis.call('HGET', kh, 'last')) or -1) < g.at then redis.call('HSET', kh, 'last', fmt(g.at)) end
    if g.open then
      redis.call('HSET', KEYS[1], g.l, g.k .. '|' .. g.o .. '|' .. fmt(g.exp) .. '|' .. fmt(g.at) .. '|' .. g.m)
      redis.call('ZADD', KEYS[2], g.exp, g.l)
      redis.call('HINCRBY', kh, 'inflight', 1)
    end
    added = added + 1
  end
end
-- Entries named by their rank, newest first: the latest time and the most tokens win.
local function merge(seeds, tag)
  for _, s in ipairs(seeds) do
    local b = base[s[1]]
    if b then
      local logk, tokk = KEYS[b + 2], KEYS[b + 3]
      for n, e in ipairs(s[2]) do
        local m = tag .. n
        local old = redis.call('ZSCORE', logk, m)
        if not old or tonumber(old) < e[1] then redis.call('ZADD', logk, e[1], m) end
        if (tonumber(redis.call('HGET', tokk, m)) or -1) < e[2] then redis.call('HSET', tokk, m, e[2]) end
      end
    end
  end
end
merge(p.seeds, 'seed:')
if p.release ~= '' then
  local tag = 'r:' .. p.release .. ':'
  for _, id in ipairs(p.ids) do
    local b = base[id]
    local logk, tokk = KEYS[b + 2], KEYS[b + 3]
    local n = 1
    while redis.call('ZREM', logk, tag .. n) == 1 do
      redis.call('HDEL', tokk, tag .. n)
      n = n + 1
    end
  end
end
for _, r in ipairs(p.reserve) do merge(r[2], 'r:' .. r[1] .. ':') end
-- Entries came and went at times of their own: every key's token sums are rebuilt from its log at the next read.
for _, id in ipairs(p.ids) do redis.call('HDEL', KEYS[base[id] + 1], 'tsum') end
return added
`;
