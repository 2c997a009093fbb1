import { BucketRing } from "./bucket-ring.js";

/** The resolutions every series keeps: 10 s buckets for the last hour, 5 min buckets for the last day. */
export const RESOLUTIONS = [
  { widthMs: 10_000, retentionMs: 3_600_000 },
  { widthMs: 300_000, retentionMs: 86_400_000 },
] as const;

/** How long anything is kept: the longest retention. */
export const MAX_RETENTION_MS = 86_400_000;

/**
 * The history of one thing (a provider, a key, a key's model) at every
 * resolution. Its size is fixed at creation: SERIES_BYTES.
 */
export class HistorySeries {
  readonly rings: readonly BucketRing[];
  /** Time of the newest event, to drop series that have aged out entirely. */
  lastAt = Number.NEGATIVE_INFINITY;

  constructor(rings?: readonly BucketRing[]) {
    this.rings = rings ?? RESOLUTIONS.map((r) => new BucketRing(r.widthMs, r.retentionMs / r.widthMs));
  }

  /** A series holding the same counts as this one, from now on apart from it. */
  copy(): HistorySeries {
    const series = new HistorySeries(this.rings.map((r) => r.copy()));
    series.lastAt = this.lastAt;
    return series;
  }

  add(at: number, field: number, amount: number): void {
    for (const ring of this.rings) ring.add(at, field, amount);
    this.touch(at);
  }

  raise(at: number, field: number, value: number): void {
    for (const ring of this.rings) ring.raise(at, field, value);
    this.touch(at);
  }

  /** Bytes held by the buckets of this series. */
  bytes(): number {
    return this.rings.reduce((sum, r) => sum + r.rows.byteLength, 0);
  }

  private touch(at: number): void {
    if (at > this.lastAt) this.lastAt = at;
  }
}

/** Bytes of one series, from the ring dimensions alone. */
export const SERIES_BYTES = RESOLUTIONS.reduce((sum, r) => sum + BucketRing.bytes(r.retentionMs / r.widthMs), 0);
