import { HEALTHY, healthAt } from "../../pool/key-health.js";
import type { PooledKey } from "../../pool/pooled-key.js";
import type { QuotaScope } from "../../pool/quota-scope.js";
import { persistHold, persistQuotaParts, type PersistedScope } from "./persisted-quota.js";
import type { PersistedKey } from "./persisted-state.js";

/** What of a key must outlive the process at `now`; undefined when nothing does (no counted request, full health). */
export function persistKey(provider: string, key: PooledKey, now: number): PersistedKey | undefined {
  key.usage.advance(now);
  const usage = key.usage.history().map((e) => [e.at, e.tokens] as const);
  const h = healthAt(key.health, now);
  // Disabled by configuration is the configuration's to say again, not the file's; an operator's hold is the file's.
  const keepHealth = !h.disabledByConfig && (h.state !== "active" || h.consecutiveRateLimits > 0 || h.consecutiveServerErrors > 0);
  const { hold } = h;
  const quota = persistQuotaParts(key.quota, now);
  if (usage.length === 0 && !keepHealth && hold === undefined && quota.models === undefined && quota.learned === undefined) return undefined;
  // Under a hold alone the health underneath is the configuration's (disabled there) or healthy: not worth keeping.
  const { state, reason, until, consecutiveRateLimits, consecutiveServerErrors } = keepHealth ? h : HEALTHY;
  const kept = { state, reason, until, consecutiveRateLimits, consecutiveServerErrors, by: h.by, ...(hold === undefined ? {} : { hold }) };
  const health = keepHealth || hold !== undefined ? kept : undefined;
  return { provider, id: key.id, usage, health, ...quota };
}

/**
 * Gives a freshly configured key what it knew before a restart: its windows
 * count the saved requests again (those that have left every window since
 * fall away at once) and its health returns, unless the configuration now
 * disables it.
 */
export function restoreKey(key: PooledKey, saved: PersistedKey, now: number): void {
  // Learned limits first: they may add windows to the general log that the saved requests then count in.
  key.quota.restore(saved.models ?? {}, saved.learned ?? [], now);
  for (const [at, tokens] of saved.usage) key.usage.record(Math.min(at, now), tokens);
  key.usage.advance(now);
  const last = saved.usage[saved.usage.length - 1];
  if (last !== undefined) key.lastUsedAt = Math.min(last[0], now);
  if (saved.health === undefined) return;
  if (!key.health.disabledByConfig) {
    key.health = { ...HEALTHY, ...saved.health, probeLease: undefined, disabledByConfig: false };
  } else if (saved.health.hold !== undefined) {
    key.health = { ...key.health, hold: saved.health.hold };
  }
}

/** What of a scope must outlive the process at `now`; undefined when nothing does. */
export function persistScope(provider: string, scope: QuotaScope, now: number): PersistedScope | undefined {
  scope.quota.usage.advance(now);
  const usage = scope.quota.usage.history().map((e) => [e.at, e.tokens] as const);
  const parts = persistQuotaParts(scope.quota, now);
  const hold = persistHold(scope.hold, now);
  if (usage.length === 0 && hold === undefined && parts.models === undefined && parts.learned === undefined) return undefined;
  return { provider, name: scope.name, usage, ...parts, ...(hold === undefined ? {} : { hold }) };
}

/** Gives a configured scope what it counted and learned before a restart, and its hold while it lasts. */
export function restoreScope(scope: QuotaScope, saved: PersistedScope, now: number): void {
  scope.quota.restore(saved.models ?? {}, saved.learned ?? [], now);
  for (const [at, tokens] of saved.usage) scope.quota.usage.record(Math.min(at, now), tokens);
  scope.quota.usage.advance(now);
  if (saved.hold !== undefined && now < saved.hold.until) scope.hold = saved.hold;
}
