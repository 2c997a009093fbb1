import { durationFromMs, durationToMs, timestampFromMs, timestampToMs } from "../protocol/duration.js";
import {
  type KeyLimits,
  type KeyStats,
  type ProviderStats,
  type StreamStatsResponse,
} from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import type { WindowLimit } from "../config/types.js";
import type { KeyLimitsSnapshot, KeySnapshot, PoolSnapshot, ProviderSnapshot, StoreStatus } from "../pool/stats-types.js";
import { storeStatusFromProto, storeStatusToProto } from "./store-status-messages.js";
import { keyStateFromProto, keyStateToProto } from "../protocol/proto-names.js";
import { learnedFromProto, learnedToProto, modelLimitsFromProto, modelLimitsToProto, scopeFromProto, scopeToProto } from "./quota-stats-messages.js";

/** A statistics snapshot as the StreamStats message. */
export function snapshotToProto(s: PoolSnapshot): StreamStatsResponse {
  return {
    generatedAt: timestampFromMs(s.generatedAt),
    configGeneration: s.configGeneration,
    providers: s.providers.map(providerToProto),
    store: s.store === undefined ? undefined : storeStatusToProto(s.store),
  };
}

function providerToProto(p: ProviderSnapshot): ProviderStats {
  return {
    provider: p.provider,
    balanceRatio: p.balanceRatio,
    balanceRatioTotal: p.balanceRatioTotal,
    requestsTotal: p.requestsTotal,
    successesTotal: p.successesTotal,
    rateLimitedTotal: p.rateLimitedTotal,
    errorsTotal: p.errorsTotal,
    promptTokensTotal: p.promptTokensTotal,
    completionTokensTotal: p.completionTokensTotal,
    inFlight: p.inFlight,
    keys: p.keys.map(keyToProto),
    waiting: p.waiting,
    clients: p.clients.map((c) => ({ client: c.client, clientId: c.clientId, openLeases: c.openLeases, waiting: c.waiting })),
  };
}

function keyToProto(k: KeySnapshot): KeyStats {
  const optionalTime = (ms: number | undefined) => (ms === undefined ? undefined : timestampFromMs(ms));
  return {
    keyId: k.keyId,
    label: k.label,
    maskedKey: k.maskedKey,
    state: keyStateToProto(k.state),
    stateReason: k.stateReason,
    cooldownUntil: optionalTime(k.cooldownUntil),
    inFlight: k.inFlight,
    requestsTotal: k.requestsTotal,
    successesTotal: k.successesTotal,
    rateLimitedTotal: k.rateLimitedTotal,
    errorsTotal: k.errorsTotal,
    errorsByOutcome: { ...k.errorsByOutcome },
    expiredLeasesTotal: k.expiredLeasesTotal,
    promptTokensTotal: k.promptTokensTotal,
    completionTokensTotal: k.completionTokensTotal,
    requestsInWindow: k.requestsInWindow,
    tokensInWindow: k.tokensInWindow,
    limits: limitsToProto(k.limits),
    utilization: k.utilization,
    latencyP50: k.latency === undefined ? undefined : durationFromMs(k.latency.p50Ms),
    latencyP95: k.latency === undefined ? undefined : durationFromMs(k.latency.p95Ms),
    latencyP99: k.latency === undefined ? undefined : durationFromMs(k.latency.p99Ms),
    lastUsedAt: optionalTime(k.lastUsedAt),
    weight: k.weight,
    changedBy: k.changedBy,
    scope: scopeToProto(k.scope),
    modelLimits: modelLimitsToProto(k.modelLimits),
    learnedLimits: k.learnedLimits.map(learnedToProto),
  };
}

function limitsToProto(l: KeyLimitsSnapshot): KeyLimits {
  return {
    rpm: l.rpm ?? 0,
    tpm: l.tpm ?? 0,
    rpd: l.rpd ?? 0,
    maxConcurrent: l.maxConcurrent ?? 0,
    windows: l.windows.map((w) => ({
      requests: w.kind === "requests" ? w.limit : 0,
      tokens: w.kind === "tokens" ? w.limit : 0,
      per: durationFromMs(w.perMs),
    })),
  };
}

/**
 * A StreamStats message back as a snapshot, for clients that print it (the
 * `keypool stats` command). Latency samples are not in the message: a key
 * with percentiles reports 0 samples here.
 */
export function snapshotFromProto(m: StreamStatsResponse): PoolSnapshot {
  return {
    generatedAt: timestampToMs(m.generatedAt) ?? 0,
    configGeneration: m.configGeneration,
    ...storeFromProto(m),
    providers: m.providers.map((p) => ({
      provider: p.provider,
      balanceRatio: p.balanceRatio,
      balanceRatioTotal: p.balanceRatioTotal,
      requestsTotal: p.requestsTotal,
      successesTotal: p.successesTotal,
      rateLimitedTotal: p.rateLimitedTotal,
      errorsTotal: p.errorsTotal,
      promptTokensTotal: p.promptTokensTotal,
      completionTokensTotal: p.completionTokensTotal,
      inFlight: p.inFlight,
      waiting: p.waiting,
      keys: p.keys.map(keyFromProto),
      clients: p.clients.map((c) => ({ client: c.client, clientId: c.clientId, openLeases: c.openLeases, waiting: c.waiting })),
    })),
  };
}

function keyFromProto(k: KeyStats): KeySnapshot {
  const p50 = durationToMs(k.latencyP50);
  const limits = k.limits;
  const positive = (n: number | undefined) => (n === undefined || n <= 0 ? undefined : n);
  return {
    keyId: k.keyId,
    label: k.label,
    maskedKey: k.maskedKey,
    state: keyStateFromProto(k.state) ?? "active",
    stateReason: k.stateReason,
    cooldownUntil: timestampToMs(k.cooldownUntil),
    inFlight: k.inFlight,
    requestsTotal: k.requestsTotal,
    successesTotal: k.successesTotal,
    rateLimitedTotal: k.rateLimitedTotal,
    errorsTotal: k.errorsTotal,
    errorsByOutcome: { ...k.errorsByOutcome },
    expiredLeasesTotal: k.expiredLeasesTotal,
    promptTokensTotal: k.promptTokensTotal,
    completionTokensTotal: k.completionTokensTotal,
    requestsInWindow: k.requestsInWindow,
    tokensInWindow: k.tokensInWindow,
    limits: {
      rpm: positive(limits?.rpm),
      tpm: positive(limits?.tpm),
      rpd: positive(limits?.rpd),
      maxConcurrent: positive(limits?.maxConcurrent),
      windows: (limits?.windows ?? []).map(
        (w): WindowLimit =>
          w.tokens > 0
            ? { kind: "tokens", limit: w.tokens, perMs: durationToMs(w.per) ?? 0 }
            : { kind: "requests", limit: w.requests, perMs: durationToMs(w.per) ?? 0 },
      ),
    },
    utilization: k.utilization,
    latency:
      p50 === undefined
        ? undefined
        : { p50Ms: p50, p95Ms: durationToMs(k.latencyP95) ?? p50, p99Ms: durationToMs(k.latencyP99) ?? p50, samples: 0 },
    lastUsedAt: timestampToMs(k.lastUsedAt),
    weight: k.weight,
    changedBy: k.changedBy,
    scope: scopeFromProto(k.scope),
    modelLimits: modelLimitsFromProto(k.modelLimits),
    learnedLimits: k.learnedLimits.map(learnedFromProto),
  };
}

function storeFromProto(m: StreamStatsResponse): { store?: StoreStatus } {
  const store = m.store === undefined ? undefined : storeStatusFromProto(m.store);
  return store === undefined ? {} : { store };
}
