import type { KeyStateName } from "../../pool/types.js";

/**
 * A statistics history as plain data: times in epoch milliseconds, durations
 * in milliseconds; key ids and masked keys, never a secret. Transports
 * translate it (GetStatsHistory, GET /v1/stats/history).
 */

export interface HistoryBucket {
  readonly start: number;
  /** False when nothing was recording during the bucket: no data, not zero traffic. */
  readonly recorded: boolean;
  readonly requests: number;
  readonly successes: number;
  readonly rateLimited: number;
  /** Every other outcome, expired leases included. */
  readonly errors: number;
  readonly errorsByOutcome: Readonly<Record<string, number>>;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly waits: number;
  readonly waitMs: number;
  readonly refusals: number;
  readonly latencySamples: number;
  readonly latencyP50Ms: number | undefined;
  readonly latencyP95Ms: number | undefined;
  readonly latencyP99Ms: number | undefined;
}

export type HistoryMarkerKind = "start" | "reload" | "key_state";

export interface HistoryMarker {
  readonly at: number;
  readonly kind: HistoryMarkerKind;
  readonly provider: string;
  readonly keyId: string;
  readonly keyState: KeyStateName | undefined;
  readonly configGeneration: number;
  readonly detail: string;
  /** Key state markers: who caused the change (a client's name, "anonymous", "config" or "time"); "" otherwise. */
  readonly changedBy: string;
  /** The sidecar it happened on (host name and process id); "" when the history is one process's alone. */
  readonly sidecar: string;
}

export interface HistoryResult {
  readonly provider: string;
  readonly keyId: string;
  readonly maskedKey: string;
  readonly model: string;
  readonly resolutionMs: number;
  readonly rangeStart: number;
  readonly rangeEnd: number;
  /** When the earliest sidecar in this history started recording. */
  readonly recordingSince: number;
  /** Whose history this is: this sidecar first, then the others of the fleet that wrote any. */
  readonly sidecars: readonly string[];
  /** Why the other sidecars' history is missing (the shared store could not be read); "" when it is not. */
  readonly fleetUnavailable: string;
  readonly buckets: readonly HistoryBucket[];
  readonly markers: readonly HistoryMarker[];
  readonly models: readonly string[];
}

/** What the history needs to know of the running configuration to answer NOT_FOUND. */
export interface HistoryDirectory {
  providerNames(): readonly string[];
  /** The provider's configured keys: id → masked key. */
  keysOf(provider: string): ReadonlyMap<string, string>;
}
