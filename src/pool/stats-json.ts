import type { LimitSet } from "../config/types.js";
import type { KeySnapshot, PoolSnapshot, ProviderSnapshot, ScopeSnapshot, StoreStatus } from "./stats-types.js";

/**
 * The JSON form of a statistics snapshot, shared by GET /v1/stats, the SSE
 * stream and `keypool stats --json`: the proto's field names (snake_case),
 * every field present, times as RFC 3339 strings, durations in milliseconds
 * (`_ms`), and null for "none" (no limit, no cooldown, no latency yet).
 */
export function snapshotToJson(s: PoolSnapshot): Record<string, unknown> {
  return {
    generated_at: iso(s.generatedAt),
    config_generation: s.configGeneration,
    providers: s.providers.map(providerJson),
    ...(s.store === undefined ? {} : { store: storeJson(s.store) }),
  };
}

/** The shared store as this sidecar sees it: whether it answers, since when not and why, and the live sidecars. */
function storeJson(s: StoreStatus): Record<string, unknown> {
  return {
    kind: s.kind,
    location: s.location,
    failure_mode: s.failureMode,
    degraded: s.degraded,
    degraded_since: s.degradedSince === undefined ? null : iso(s.degradedSince),
    reason: s.reason,
    sidecars_alive: s.sidecarsAlive,
    sidecar_id: s.sidecarId,
    limits_divided_by: s.limitsDividedBy ?? null,
  };
}

function providerJson(p: ProviderSnapshot): Record<string, unknown> {
  return {
    provider: p.provider,
    balance_ratio: p.balanceRatio,
    balance_ratio_total: p.balanceRatioTotal,
    requests_total: p.requestsTotal,
    successes_total: p.successesTotal,
    rate_limited_total: p.rateLimitedTotal,
    errors_total: p.errorsTotal,
    prompt_tokens_total: p.promptTokensTotal,
    completion_tokens_total: p.completionTokensTotal,
    in_flight: p.inFlight,
    waiting: p.waiting,
    keys: p.keys.map(keyJson),
    clients: p.clients.map((c) => ({ client: c.client, client_id: c.clientId, open_leases: c.openLeases, waiting: c.waiting })),
  };
}

function keyJson(k: KeySnapshot): Record<string, unknown> {
  return {
    key_id: k.keyId,
    label: k.label,
    masked_key: k.maskedKey,
    state: k.state,
    state_reason: k.stateReason,
    cooldown_until: k.cooldownUntil === undefined ? null : iso(k.cooldownUntil),
    in_flight: k.inFlight,
    requests_total: k.requestsTotal,
    successes_total: k.successesTotal,
    rate_limited_total: k.rateLimitedTotal,
    errors_total: k.errorsTotal,
    errors_by_outcome: { ...k.errorsByOutcome },
    expired_leases_total: k.expiredLeasesTotal,
    prompt_tokens_total: k.promptTokensTotal,
    completion_tokens_total: k.completionTokensTotal,
    requests_in_window: k.requestsInWindow,
    tokens_in_window: k.tokensInWindow,
    limits: {
      rpm: k.limits.rpm ?? null,
      tpm: k.limits.tpm ?? null,
      rpd: k.limits.rpd ?? null,
      max_concurrent: k.limits.maxConcurrent ?? null,
      windows: k.limits.windows.map((w) => ({ [w.kind]: w.limit, per_ms: w.perMs })),
    },
    utilization: k.utilization,
    latency_p50_ms: k.latency?.p50Ms ?? null,
    latency_p95_ms: k.latency?.p95Ms ?? null,
    latency_p99_ms: k.latency?.p99Ms ?? null,
    last_used_at: k.lastUsedAt === undefined ? null : iso(k.lastUsedAt),
    weight: k.weight,
    changed_by: k.changedBy,
    scope: k.scope === undefined ? null : scopeJson(k.scope),
    model_limits: modelLimitsJson(k.modelLimits),
    learned_limits: k.learnedLimits.map((l) => ({
      holder: l.holder,
      model: l.model,
      dimension: l.dimension,
      window_ms: l.windowMs,
      limit: l.limit ?? null,
      remaining: l.remaining ?? null,
      reset_at: l.resetAt === undefined ? null : iso(l.resetAt),
      others: l.others,
      source: l.source,
      seen_at: iso(l.seenAt),
      expires_at: iso(l.expiresAt),
    })),
  };
}

function scopeJson(s: ScopeSnapshot): Record<string, unknown> {
  return {
    name: s.name,
    state: s.state,
    reason: s.reason,
    until: s.until === undefined ? null : iso(s.until),
    limits: limitSetJson(s.limits),
    model_limits: modelLimitsJson(s.modelLimits),
    requests_in_window: s.requestsInWindow,
  };
}

function limitSetJson(l: LimitSet): Record<string, number | null> {
  return { rpm: l.rpm ?? null, tpm: l.tpm ?? null, rpd: l.rpd ?? null };
}

function modelLimitsJson(m: Readonly<Record<string, LimitSet>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(m).map(([model, l]) => [model, limitSetJson(l)]));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
