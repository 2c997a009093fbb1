import type { LimitSet, WindowLimit } from "../config/types.js";
import type { LearnedLimit } from "./learned-limits.js";
import type { KeyStateName } from "./types.js";

/**
 * Statistics snapshots: plain data, times in epoch milliseconds, durations in
 * milliseconds. Transports translate them (gRPC messages, JSON). They carry
 * key ids, labels and masked keys, never a secret.
 */

/** A key's configured limits; undefined means no limit. */
export interface KeyLimitsSnapshot {
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
  readonly rpd: number | undefined;
  readonly maxConcurrent: number | undefined;
  readonly windows: readonly WindowLimit[];
}

/**
 * A limit learned from the provider's answers, beside the configured ones,
 * and where it came from (`source`: "openai-headers", "gemini-quota-failure", ...).
 */
export interface LearnedLimitSnapshot extends Omit<LearnedLimit, "usedSince" | "source"> {
  /** Who it was learned for: the key itself, or the scope it shares. */
  readonly holder: "key" | "scope";
  readonly source: string;
}

/** The scope a key shares and what holds it. */
export interface ScopeSnapshot {
  readonly name: string;
  readonly state: "active" | "cooling_down" | "exhausted";
  readonly reason: string;
  readonly until: number | undefined;
  /** The scope's configured limits, general and per model. */
  readonly limits: LimitSet;
  readonly modelLimits: Readonly<Record<string, LimitSet>>;
  /** Requests counted in the scope's minute, every member's together. */
  readonly requestsInWindow: number;
}

export interface LatencySnapshot {
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  /** Reports the percentiles come from (at most the last 1,000, at most 5 minutes old). */
  readonly samples: number;
}

export interface KeySnapshot {
  readonly keyId: string;
  readonly label: string;
  readonly maskedKey: string;
  readonly state: KeyStateName;
  /** Why the key is not active ("rate limited (429): ..."); empty when active. */
  readonly stateReason: string;
  /** Who caused the last state change: a client's name, "anonymous", "config" or "time"; "" before any. */
  readonly changedBy: string;
  /** When a cooling-down or exhausted key returns, or a disabled key may be probed again. */
  readonly cooldownUntil: number | undefined;
  readonly inFlight: number;
  readonly requestsTotal: number;
  readonly successesTotal: number;
  readonly rateLimitedTotal: number;
  /** Reports with any outcome other than success and rate_limited. */
  readonly errorsTotal: number;
  /** errorsTotal split by outcome (quota_exhausted, unauthorized, server_error, ...). */
  readonly errorsByOutcome: Readonly<Record<string, number>>;
  readonly expiredLeasesTotal: number;
  readonly promptTokensTotal: number;
  readonly completionTokensTotal: number;
  /** Requests counted in the current minute window (the balancer's measure of use). */
  readonly requestsInWindow: number;
  /** Tokens counted in the current minute window, estimates of open leases included. */
  readonly tokensInWindow: number;
  readonly limits: KeyLimitsSnapshot;
  /** Highest fraction of any limit in use, 0..1. */
  readonly utilization: number;
  readonly latency: LatencySnapshot | undefined;
  readonly lastUsedAt: number | undefined;
  readonly weight: number;
  /** The scope the key shares a quota with; undefined: the key is its own scope. */
  readonly scope: ScopeSnapshot | undefined;
  /** The key's configured limits per model. */
  readonly modelLimits: Readonly<Record<string, LimitSet>>;
  /** Learned from the provider's answers, for the key and for its scope. */
  readonly learnedLimits: readonly LearnedLimitSnapshot[];
}

/** One caller of a provider now: its open leases and its acquisitions waiting for a key. */
export interface ClientUsageSnapshot {
  /** The authenticated client's name (client tokens); "" for callers without a token. */
  readonly client: string;
  /** The id the caller declared in AcquireKey (client_id); "" when it gave none. */
  readonly clientId: string;
  readonly openLeases: number;
  readonly waiting: number;
}

export interface ProviderSnapshot {
  readonly provider: string;
  /** Smallest over largest weight-normalised requests in the current window among active keys; 1 without traffic. */
  readonly balanceRatio: number;
  /** The same over lifetime requests of the keys present since the start. */
  readonly balanceRatioTotal: number;
  readonly requestsTotal: number;
  readonly successesTotal: number;
  readonly rateLimitedTotal: number;
  readonly errorsTotal: number;
  readonly promptTokensTotal: number;
  readonly completionTokensTotal: number;
  readonly inFlight: number;
  /** Acquisitions waiting for a key now. */
  readonly waiting: number;
  readonly keys: readonly KeySnapshot[];
  /** Who holds leases or waits now, most open leases first; callers with neither are not listed. */
  readonly clients: readonly ClientUsageSnapshot[];
}

/** What a sidecar does when the shared store fails: serve alone with its share of every limit, or refuse. */
export type StoreFailureMode = "local" | "closed";

/** The shared store as this sidecar sees it; absent from the snapshots of a pool kept in the process. */
export interface StoreStatus {
  readonly kind: "redis";
  /** The store's URL with the password masked. */
  readonly location: string;
  readonly failureMode: StoreFailureMode;
  /** True while the store does not answer. */
  readonly degraded: boolean;
  /** When this spell of unavailability began. */
  readonly degradedSince: number | undefined;
  /** Why the store is taken for unavailable (its last error, masked); "" when it answers. */
  readonly reason: string;
  /** Sidecars of this pool with a live heartbeat, as last seen (this one included). */
  readonly sidecarsAlive: number;
  /** This sidecar's id in the heartbeats: random per process. */
  readonly sidecarId: string;
  /** Serving alone: the number of sidecars each limit is divided by; undefined otherwise. */
  readonly limitsDividedBy: number | undefined;
}

export interface PoolSnapshot {
  readonly generatedAt: number;
  readonly configGeneration: number;
  readonly providers: readonly ProviderSnapshot[];
  /** The shared store, when the pool lives in one. */
  readonly store?: StoreStatus;
}
