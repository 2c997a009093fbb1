import type { HistoryMarker } from "./history-types.js";

/** One series' counters in one bucket: which series, and its row without the epoch (FIELDS - 1 counters). */
export interface SeriesRow {
  readonly provider: string;
  /** "" for the provider's own series. */
  readonly keyId: string;
  /** "" for a provider's or a key's own series. */
  readonly model: string;
  readonly counters: readonly number[];
}

/** What one sidecar recorded in one bucket. */
export interface SidecarBucket {
  /** Bucket number: start time / ring width. */
  readonly n: number;
  readonly rows: readonly SeriesRow[];
}

/** The series a sidecar holds: provider → its models in first-seen order, and key id → the key's models. */
export type SeriesIndex = Readonly<Record<string, { readonly models: readonly string[]; readonly keys: Readonly<Record<string, readonly string[]>> }>>;

/** Another sidecar's history, as it last wrote it to the shared store. */
export interface SidecarHistory {
  readonly sidecar: string;
  readonly recordingSince: number;
  /** When it last wrote: it recorded from recordingSince until then, as far as anyone knows. */
  readonly writtenAt: number;
  readonly markers: readonly HistoryMarker[];
  readonly index: SeriesIndex;
  /** Buckets of the ring asked for, in the window asked for. */
  readonly buckets: readonly SidecarBucket[];
}

/** The part of the other sidecars' histories a query needs. */
export interface FleetWindow {
  /** Which ring (RESOLUTIONS order). */
  readonly ring: number;
  readonly rangeStart: number;
  readonly rangeEnd: number;
}

/**
 * Where the other sidecars' histories come from (the shared store). The
 * history itself stays free of any store: it is handed one of these.
 */
export interface FleetHistorySource {
  /** Every other sidecar's history in the window; rejects when they cannot be read. */
  others(window: FleetWindow): Promise<readonly SidecarHistory[]>;
}
