/**
 * Lua shared by every script: number formatting, the key health's reading
 * (a port of healthState, healthLeasable and healthAvailableAt in
 * src/pool/key-health.ts) and the sliding windows (a port of UsageLog's
 * counting and roomAt in src/pool/usage-log.ts). Both sides must agree
 * exactly: the property test runs them against each other.
 *
 * Conventions: Infinity travels as the string "Infinity" in health JSON and
 * as -1 in limits and replies (JSON cannot carry it); times are numbers of
 * milliseconds passed in ARGV, never Redis TIME, so that a manual clock drives
 * the scripts in tests.
 */
export const LUA_LIBRARY = String.raw`
local INF = math.huge
local function num(v)
  if v == nil or v == 'Infinity' then return INF end
  return tonumber(v)
end
local function fmt(n) return string.format('%.17g', n) end
local function finite(n) if n == INF then return -1 end return n end

local function cooldown_over(h, now)
  return (h.state == 'cooling_down' or h.state == 'exhausted') and now >= num(h['until'])
end
local function health_state(h, now)
  if type(h.hold) == 'table' and h.hold.kind == 'disabled' then return 'disabled' end
  if cooldown_over(h, now) then return 'active' end
  return h.state
end
local function held(h) return type(h.hold) == 'table' end
local function probing(h) return type(h.probeLease) == 'string' end
local function leasable(h, now)
  if held(h) then return false end
  local s = health_state(h, now)
  if s == 'active' then return true end
  if probing(h) then return false end
  if s == 'disabled' then return h.disabledByConfig ~= true and now >= num(h['until']) end
  return h.probeDue == true
end
-- nil when the health lets the key serve now (active)
local function available_at(h, now)
  if held(h) then return INF end
  local s = health_state(h, now)
  if s == 'active' then return nil end
  if s == 'disabled' then
    if h.disabledByConfig == true or probing(h) then return INF end
    return num(h['until'])
  end
  if h.probeDue == true and not probing(h) then return now end
  return num(h['until'])
end
-- A key with probe: true, disabled by a 401/403 report, waits for the sidecar's recheck (src/pool/key-recheck.ts awaitsRecheck).
local function awaits_recheck(h, cfg, now)
  return cfg.p == true and not held(h) and h.disabledByConfig ~= true and health_state(h, now) == 'disabled'
end
-- the key's state name, draining included (src/pool/key-transitions.ts keyStateAt)
local function key_state(draining, h, now)
  if draining or (held(h) and h.hold.kind == 'draining') then return 'draining' end
  return health_state(h, now)
end

-- The tokens each token window counts are kept as running sums in the key's hash (field tsum), so that a
-- decision costs the same however many requests the window holds: each window has a sum and a cursor,
-- every entry scored at or before the cursor having been taken out of the sum. Reading at now moves the
-- cursor to now - span, taking out the entries that left; a reader whose clock is behind the cursor (a
-- sidecar's clock a little behind another's) adds back the few entries between its window start and the
-- cursor, and moves nothing. sig names the spans the sums were made for: a changed configuration rebuilds.
local function token_sig(cfg)
  local parts = {}
  for _, w in ipairs(cfg.w) do if w.k == 't' then parts[#parts + 1] = fmt(w.s) end end
  return table.concat(parts, ',')
end
local function sum_tokens(tokk, ids)
  local t = 0
  for j = 1, #ids, 500 do
    local ts = redis.call('HMGET', tokk, unpack(ids, j, math.min(#ids, j + 499)))
    for _, x in ipairs(ts) do t = t + (tonumber(x) or 0) end
  end
  return t
end
-- Stored as "sig|i:sum:cursor;..." with every number at full precision (cjson would round a time to 14 digits).
local function load_sums(kh, logk, tokk, cfg, now)
  local sig = token_sig(cfg)
  local raw = redis.call('HGET', kh, 'tsum')
  if raw then
    local stored_sig, body = string.match(raw, '^([^|]*)|(.*)$')
    if stored_sig == sig then
      local st = { sig = sig, w = {} }
      for i, sum, cursor in string.gmatch(body, '(%d+):([^:;]+):([^:;]+)') do st.w[i] = { tonumber(sum), tonumber(cursor) } end
      return st
    end
  end
  local st = { sig = sig, w = {} }
  for i, w in ipairs(cfg.w) do
    if w.k == 't' then
      local cursor = now - w.s
      st.w[tostring(i)] = { sum_tokens(tokk, redis.call('ZRANGEBYSCORE', logk, '(' .. fmt(cursor), '+inf')), cursor }
    end
  end
  return st
end
local function save_sums(kh, st)
  local parts = {}
  for i, ws in pairs(st.w) do parts[#parts + 1] = i .. ':' .. fmt(ws[1]) .. ':' .. fmt(ws[2]) end
  redis.call('HSET', kh, 'tsum', st.sig .. '|' .. table.concat(parts, ';'))
end

-- Requests and tokens each window counts now: an entry counts while at + span > now.
local function window_counts(kh, logk, tokk, cfg, now)
  local out = {}
  local st
  for i, w in ipairs(cfg.w) do
    local from = '(' .. fmt(now - w.s)
    local r = redis.call('ZCOUNT', logk, from, '+inf')
    local t = 0
    if w.k == 't' then
      st = st or load_sums(kh, logk, tokk, cfg, now)
      local ws = st.w[tostring(i)]
      local start = now - w.s
      if start >= ws[2] then
        ws[1] = ws[1] - sum_tokens(tokk, redis.call('ZRANGEBYSCORE', logk, '(' .. fmt(ws[2]), fmt(start)))
        ws[2] = start
        t = ws[1]
      else
        t = ws[1] + sum_tokens(tokk, redis.call('ZRANGEBYSCORE', logk, from, fmt(ws[2])))
      end
    end
    out[i] = { r, t }
  end
  if st then save_sums(kh, st) end
  return out
end

-- Tokens of an entry scored at: added to (or changed by delta in) every sum whose window still counts it.
local function add_tokens(kh, logk, tokk, cfg, at, delta, now)
  if delta == 0 or token_sig(cfg) == '' then return end
  local st = load_sums(kh, logk, tokk, cfg, now)
  for _, ws in pairs(st.w) do
    if at > ws[2] then ws[1] = ws[1] + delta end
  end
  save_sums(kh, st)
end

-- The time from which every window has room for one more request of tokens; INF when never.
local function room_at(logk, tokk, cfg, counts, tokens, now)
  local at = now
  for i, w in ipairs(cfg.w) do
    if w.l >= 0 then
      local c = counts[i]
      local from = '(' .. fmt(now - w.s)
      if w.k == 'r' then
        if c[1] + 1 > w.l then
          if w.l < 1 then return INF end
          local e = redis.call('ZRANGEBYSCORE', logk, from, '+inf', 'WITHSCORES', 'LIMIT', c[1] - w.l, 1)
          at = math.max(at, tonumber(e[2]) + w.s)
        end
      elseif c[2] + tokens > w.l then
        if tokens > w.l then return INF end
        local remaining = c[2]
        local e = redis.call('ZRANGEBYSCORE', logk, from, '+inf', 'WITHSCORES')
        for j = 1, #e, 2 do
          remaining = remaining - (tonumber(redis.call('HGET', tokk, e[j])) or 0)
          if remaining + tokens <= w.l then
            at = math.max(at, tonumber(e[j + 1]) + w.s)
            break
          end
        end
      end
    end
  end
  return at
end

local function serves(cfg, model)
  if model == '' or type(cfg.m) ~= 'table' then return true end
  for _, m in ipairs(cfg.m) do if m == model then return true end end
  return false
end

-- What a sidecar mirrors of one key: its fleet-wide counts and state.
local function key_view(kh, logk, tokk, now)
  local f = redis.call('HMGET', kh, 'cfg', 'health', 'hv', 'inflight', 'last', 'seq', 'draining', 'counters')
  if not f[1] then return false end
  local cfg = cjson.decode(f[1])
  local counts = window_counts(kh, logk, tokk, cfg, now)
  return { h = f[2], hv = tonumber(f[3]) or 0, inflight = tonumber(f[4]) or 0, last = tonumber(f[5]) or -1,
    seq = tonumber(f[6]) or -1, draining = f[7] == '1', counters = f[8] or '{}', counts = counts }
end

local function bump_counter(kh, name, by)
  local c = cjson.decode(redis.call('HGET', kh, 'counters') or '{}')
  c[name] = (c[name] or 0) + by
  redis.call('HSET', kh, 'counters', cjson.encode(c))
end

-- Ends a lease in the record of ended leases, remembered until forget_at.
local function remember_ended(ended, ended_at, lid, how, owner, key_id, forget_at)
  redis.call('HSET', ended, lid, how .. '|' .. fmt(forget_at) .. '|' .. key_id .. '|' .. owner)
  redis.call('ZADD', ended_at, forget_at, lid)
end

local function forget_ended(ended, ended_at, now)
  local old = redis.call('ZRANGEBYSCORE', ended_at, '-inf', fmt(now), 'LIMIT', 0, 200)
  if #old > 0 then
    redis.call('HDEL', ended, unpack(old))
    redis.call('ZREM', ended_at, unpack(old))
  end
end

-- A lease record: key id, owner, expiry, grant time, model (last: it may hold '|').
local function parse_lease(rec)
  local key_id, owner, exp, acq, model = string.match(rec, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|(.*)$')
  return { key = key_id, owner = owner, exp = tonumber(exp), acq = tonumber(acq), model = model }
end

-- Ends one open lease at its TTL: the estimate stays counted, the open count falls, counted once.
local function expire_lease(kp, leases, expz, ended, ended_at, lid, l, retention)
  local kh = kp .. l.key
  redis.call('HDEL', leases, lid)
  redis.call('ZREM', expz, lid)
  if redis.call('EXISTS', kh) == 1 then
    redis.call('HINCRBY', kh, 'inflight', -1)
    bump_counter(kh, 'expired', 1)
    local hj = redis.call('HGET', kh, 'health')
    local h = cjson.decode(hj)
    if h.probeLease == lid then
      h.probeLease = nil
      h.probeDue = h.state ~= 'disabled'
      redis.call('HSET', kh, 'health', cjson.encode(h))
      redis.call('HINCRBY', kh, 'hv', 1)
    end
  end
  remember_ended(ended, ended_at, lid, 'expired', l.owner, l.key, l.exp + math.max(retention, l.exp - l.acq))
end

-- Expires every lease past its TTL (at most 100 per call); returns {lease id, key id, owner} of each.
local function expire_due(kp, leases, expz, ended, ended_at, now, retention)
  local due = redis.call('ZRANGEBYSCORE', expz, '-inf', fmt(now), 'LIMIT', 0, 100)
  local out = {}
  for _, lid in ipairs(due) do
    local rec = redis.call('HGET', leases, lid)
    if rec then
      local l = parse_lease(rec)
      expire_lease(kp, leases, expz, ended, ended_at, lid, l, retention)
      out[#out + 1] = { lid, l.key, l.owner }
    else
      redis.call('ZREM', expz, lid)
    end
  end
  return out
end
`;
