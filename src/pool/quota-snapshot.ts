import type { LearnedLimit } from "./learned-limits.js";
import type { PooledKey } from "./pooled-key.js";
import { holdAt } from "./quota-scope.js";
import type { LearnedLimitSnapshot, ScopeSnapshot } from "./stats-types.js";

/** What a key's scope and learned limits look like at `now`, for statistics. Reads only. */
export function quotaSnapshot(key: PooledKey, now: number): { scope: ScopeSnapshot | undefined; learnedLimits: LearnedLimitSnapshot[] } {
  key.quota.expire(now);
  const learnedLimits = key.quota.learned.map((l) => learnedSnapshot("key", l));
  const scope = key.scope;
  if (scope === undefined) return { scope: undefined, learnedLimits };
  scope.quota.expire(now);
  learnedLimits.push(...scope.quota.learned.map((l) => learnedSnapshot("scope", l)));
  const hold = holdAt(scope.hold, now);
  scope.quota.usage.advance(now);
  const { rpm, tpm, rpd, modelLimits } = scope.config;
  return {
    scope: {
      name: scope.name,
      state: hold.state,
      reason: hold.reason,
      until: hold.state === "active" ? undefined : hold.until,
      limits: { rpm, tpm, rpd },
      modelLimits,
      requestsInWindow: scope.quota.usage.history().filter((e) => e.at > now - 60_000).length,
    },
    learnedLimits,
  };
}

function learnedSnapshot(holder: "key" | "scope", l: LearnedLimit): LearnedLimitSnapshot {
  const { usedSince: _spent, ...stated } = l;
  return { ...stated, holder };
}
