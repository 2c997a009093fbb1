import type { Outcome } from "../protocol/outcome.js";
import type { ParsedRateLimits } from "../provider-http/rate-limits/rate-limit-facts.js";

/** The parts of a provider's answer that speak of its limits, as a caller passes them on. */
export interface ReportedAnswer {
  /** Lower-case names; only rate-limit headers are read, nothing is kept. */
  readonly headers: Readonly<Record<string, string>>;
  /** The first bytes of a non-2xx body: parsed for quota details, never stored or echoed. */
  readonly errorBody?: string | Uint8Array | undefined;
}

import type { KeyStateName } from "../protocol/proto-names.js";

export type { KeyStateName };

export interface AcquireRequest {
  readonly provider: string;
  /** Empty or undefined: any model. */
  readonly model?: string | undefined;
  readonly estimatedTokens?: number | undefined;
  /** How long the caller will wait for a key; 0 answers at once. Capped by the server maximum. */
  readonly maxWaitMs?: number | undefined;
  /** Lease lifetime; undefined or 0 uses the configured default. */
  readonly leaseTtlMs?: number | undefined;
  readonly clientId?: string | undefined;
  /** Authenticated client that will own the lease: only it may report the lease. "" is anonymous. */
  readonly owner?: string | undefined;
  /** Aborts a waiting acquisition (client gone, deadline reached). */
  readonly signal?: AbortSignal | undefined;
}

export interface Lease {
  readonly leaseId: string;
  readonly provider: string;
  readonly keyId: string;
  /** The provider secret: for the caller only, never for logs or stats. */
  readonly secret: string;
  readonly maskedKey: string;
  readonly baseUrl: string | undefined;
  readonly acquiredAt: number;
  readonly expiresAt: number;
  readonly waitedMs: number;
  readonly estimatedTokens: number;
  readonly clientId: string;
  readonly owner: string;
}

export interface UsageReport {
  /** Undefined: derive from httpStatus. */
  readonly outcome?: Outcome | undefined;
  readonly httpStatus?: number | undefined;
  readonly promptTokens?: number | undefined;
  readonly completionTokens?: number | undefined;
  readonly latencyMs?: number | undefined;
  readonly retryAfterMs?: number | undefined;
  /** Short provider error text; secrets in it are redacted before it is kept. */
  readonly errorMessage?: string | undefined;
  /** The provider's answer, read in the lease's provider's dialect for the limits it states. */
  readonly answer?: ReportedAnswer | undefined;
}

/**
 * What a reporting client may do to a key beyond ending its own lease. A
 * caller that states no rights is the embedding program itself and has them all.
 */
export interface ReporterRights {
  /** Its UNAUTHORIZED report alone disables a key. */
  readonly trusted: boolean;
  /** Confirms an UNAUTHORIZED alone and is not bound by the key-action budget. */
  readonly admin: boolean;
}

export interface ReportResult {
  readonly provider: string;
  readonly keyId: string;
  readonly keyState: KeyStateName;
  readonly alreadyReported: boolean;
  readonly outcome: Outcome | undefined;
  /** What the answer said about the provider's limits, for a debug line; only numbers and known ids. */
  readonly rateLimits?: ParsedRateLimits | undefined;
}

export interface ConfigDiff {
  readonly generation: number;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly updated: readonly string[];
  readonly unchanged: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Something worth a log line or a metric; ids only, never secrets. `model` is
 * the one the lease was asked for ("" for any model).
 */
export type PoolEvent =
  | { type: "key_state"; provider: string; keyId: string; from: KeyStateName; to: KeyStateName; reason: string; by: string }
  | {
      /** A report was held to a server-side bound: its retry_after clamped, or its client over its key-action budget. */
      type: "report_limited";
      provider: string;
      keyId: string;
      /** The reporting client ("anonymous" without a name). */
      client: string;
      limit: "retry_after_clamped" | "key_action_budget";
      detail: string;
    }
  | {
      /** A quota scope was held (cooled down or exhausted) by an answer the provider put on the whole scope. */
      type: "scope_state";
      provider: string;
      scope: string;
      state: "cooling_down" | "exhausted";
      reason: string;
      until: number;
      /** The key whose report held it, and who reported. */
      keyId: string;
      by: string;
    }
  | { type: "lease_expired"; provider: string; keyId: string; model?: string }
  | { type: "acquired"; provider: string; keyId: string; waitedMs: number; model?: string }
  | { type: "refused"; provider: string; code: string; retryAfterMs: number | undefined; limit?: "client_rate" | "client_open_leases" | "waiting_queue" }
  | {
      type: "reported";
      provider: string;
      keyId: string;
      outcome: Outcome;
      latencyMs: number | undefined;
      promptTokens: number;
      completionTokens: number;
      model?: string;
    };
