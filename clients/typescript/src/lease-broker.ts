import type { Lease } from "./lease.js";
import type { OutcomeName } from "../../../src/protocol/outcome.js";

/** Where a key comes from. */
export interface AcquireOptions {
  /** Model the call will use; keys with a model list only serve those. */
  readonly model?: string;
  /** Tokens the call is expected to use, reserved until the report. */
  readonly estimatedTokens?: number;
  /** How long to wait for a key when none is free; 0 (default) answers at once. */
  readonly maxWaitMs?: number;
  /** Lease lifetime; the server default when unset. */
  readonly leaseTtlMs?: number;
  /** Cancels a waiting acquisition. */
  readonly signal?: AbortSignal;
}

/** How a provider call went, for ReportUsage. */
export interface UsageReport {
  /** Derived from `httpStatus` by the server when unset. */
  readonly outcome?: OutcomeName;
  readonly httpStatus?: number;
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  readonly latencyMs?: number;
  /** Delay the provider asked for. */
  readonly retryAfterMs?: number;
  /** Short reason, safe to show; secrets are removed before sending. */
  readonly errorMessage?: string;
  /**
   * The answer's headers: only the rate-limit headers among them are sent
   * (see RATE_LIMIT_HEADER_NAMES), so the sidecar learns what the provider
   * says is left; any other header stays here.
   */
  readonly responseHeaders?: Headers | Readonly<Record<string, string>>;
  /** The start of a non-2xx answer's body (only its first 8 KiB are sent), where Gemini puts its quota details. */
  readonly errorBody?: Uint8Array;
}

/**
 * What the adapters (`withKey`, `fetch`) need from a pool: a lease, and a
 * report that never throws. KeyPoolClient implements it over gRPC; an
 * in-process user of the pool can implement it directly.
 */
export interface LeaseBroker {
  acquire(provider: string, options?: AcquireOptions): Promise<Lease>;
  /** Reports a lease's outcome; a failure to report is handed to the broker's error hook, not thrown. */
  finish(lease: Lease, report: UsageReport): Promise<void>;
}
