import { balanceRatio } from "./balance-ratio.js";
import { healthAvailableAt, healthChangedBy, healthReason } from "./key-health.js";
import { keyUtilization } from "./key-utilization.js";
import type { PooledKey } from "./pooled-key.js";
import { quotaSnapshot } from "./quota-snapshot.js";
import type { ClientUsageSnapshot, KeySnapshot, PoolSnapshot, ProviderSnapshot } from "./stats-types.js";
import type { KeyStateName } from "./types.js";

/** What a snapshot reads from the pool; the memory store provides it. */
export interface SnapshotSource {
  readonly configGeneration: number;
  providerNames(): string[];
  keys(): Iterable<{ provider: string; key: PooledKey }>;
  stateOf(key: PooledKey, now: number): KeyStateName;
  waitingCount(provider: string): number;
  /** Open leases and waiting acquisitions of a provider, per client. */
  clientsOf(provider: string): readonly ClientUsageSnapshot[];
}

const DRAINING_REASON = "removed from the configuration; open leases may still report";

/**
 * The pool's statistics at `now`: every key (configured or draining) with its
 * counters, windows, limits, health and latency, grouped by provider in
 * configuration order. `providers` restricts it; empty or undefined is all.
 * Reads only: building a snapshot changes nothing a caller could observe.
 */
export function poolSnapshot(pool: SnapshotSource, now: number, providers?: readonly string[]): PoolSnapshot {
  const wanted = providers === undefined || providers.length === 0 ? undefined : new Set(providers);
  const grouped = new Map<string, PooledKey[]>();
  // Configured providers first, in configuration order, even before their keys show up.
  for (const name of pool.providerNames()) grouped.set(name, []);
  for (const { provider, key } of pool.keys()) {
    let list = grouped.get(provider);
    if (list === undefined) grouped.set(provider, (list = []));
    list.push(key);
  }
  const out: ProviderSnapshot[] = [];
  for (const [name, keys] of grouped) {
    if (wanted !== undefined && !wanted.has(name)) continue;
    out.push(providerSnapshot(pool, name, keys, now));
  }
  return { generatedAt: now, configGeneration: pool.configGeneration, providers: out };
}

function providerSnapshot(pool: SnapshotSource, name: string, keys: readonly PooledKey[], now: number): ProviderSnapshot {
  const stats = keys.map((k) => keySnapshot(k, pool.stateOf(k, now), now));
  const sum = (f: (k: KeySnapshot) => number) => stats.reduce((acc, k) => acc + f(k), 0);
  const current = stats.filter((k) => k.state === "active").map((k) => ({ requests: k.requestsInWindow, weight: k.weight }));
  const lifetime = keys
    .filter((k) => k.fromFirstConfig && !k.draining && k.config.enabled)
    .map((k) => ({ requests: k.counters.requests, weight: k.config.weight }));
  return {
    provider: name,
    balanceRatio: balanceRatio(current),
    balanceRatioTotal: balanceRatio(lifetime),
    requestsTotal: sum((k) => k.requestsTotal),
    successesTotal: sum((k) => k.successesTotal),
    rateLimitedTotal: sum((k) => k.rateLimitedTotal),
    errorsTotal: sum((k) => k.errorsTotal),
    promptTokensTotal: sum((k) => k.promptTokensTotal),
    completionTokensTotal: sum((k) => k.completionTokensTotal),
    inFlight: sum((k) => k.inFlight),
    waiting: pool.waitingCount(name),
    keys: stats,
    clients: pool.clientsOf(name),
  };
}

/** One key's statistics; `state` comes from the pool, which knows about draining. */
export function keySnapshot(key: PooledKey, state: KeyStateName, now: number): KeySnapshot {
  const c = key.counters;
  const cfg = key.config;
  const errorsByOutcome: Record<string, number> = {};
  for (const [outcome, n] of Object.entries(c.byOutcome)) {
    if (outcome !== "success" && outcome !== "rate_limited" && n > 0) errorsByOutcome[outcome] = n;
  }
  const availableAt = state === "active" || state === "draining" ? undefined : healthAvailableAt(key.health, now);
  const latency = key.latency.percentiles(now);
  return {
    keyId: key.id,
    label: cfg.label,
    maskedKey: cfg.masked,
    state,
    stateReason: key.draining ? DRAINING_REASON : healthReason(key.health, now),
    changedBy: key.draining ? "config" : healthChangedBy(key.health, now),
    cooldownUntil: availableAt !== undefined && Number.isFinite(availableAt) ? availableAt : undefined,
    inFlight: key.inFlight,
    requestsTotal: c.requests,
    successesTotal: c.successes,
    rateLimitedTotal: c.rateLimited,
    errorsTotal: c.errors,
    errorsByOutcome,
    expiredLeasesTotal: c.expired,
    promptTokensTotal: c.promptTokens,
    completionTokensTotal: c.completionTokens,
    requestsInWindow: key.requestsThisMinute(now),
    tokensInWindow: key.tokensThisMinute(now),
    limits: { rpm: cfg.rpm, tpm: cfg.tpm, rpd: cfg.rpd, maxConcurrent: cfg.maxConcurrent, windows: cfg.windows },
    utilization: keyUtilization(key, now),
    latency: latency === undefined ? undefined : { p50Ms: latency.p50, p95Ms: latency.p95, p99Ms: latency.p99, samples: latency.samples },
    lastUsedAt: Number.isFinite(key.lastUsedAt) ? key.lastUsedAt : undefined,
    weight: cfg.weight,
    modelLimits: cfg.modelLimits ?? {},
    ...quotaSnapshot(key, now),
  };
}
