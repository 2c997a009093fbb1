import { BucketRing } from "./bucket-ring.js";
import type { SeriesRow, SidecarHistory } from "./fleet-history-source.js";
import type { HistoryQuery } from "./history-query.js";
import { RESOLUTIONS } from "./history-series.js";
import type { HistoryMarker } from "./history-types.js";

/**
 * The other sidecars' part of a query's answer. Bucket numbers are time /
 * width, the same on every sidecar, so buckets written at different times
 * line up by number alone; those the reader's own ring no longer keeps
 * (older than its retention, by the reader's clock) are left out, as its
 * own would be.
 */

/** Whether a row belongs to the selection, as the query selects a sidecar's own series. */
function selects(q: HistoryQuery, r: SeriesRow): boolean {
  if (r.provider !== q.provider) return false;
  if (q.model !== "") return r.model === q.model && (q.keyId === "" ? r.keyId !== "" : r.keyId === q.keyId);
  return r.model === "" && r.keyId === q.keyId;
}

/** One ring holding the sum of every other sidecar's selected rows. */
export function othersRing(others: readonly SidecarHistory[], q: HistoryQuery, ring: number, now: number): BucketRing | undefined {
  const resolution = RESOLUTIONS[ring];
  if (resolution === undefined || others.length === 0) return undefined;
  const slots = resolution.retentionMs / resolution.widthMs;
  const newest = Math.floor(now / resolution.widthMs);
  const sum = new BucketRing(resolution.widthMs, slots);
  for (const o of others) {
    for (const b of o.buckets) {
      if (b.n > newest || b.n <= newest - slots) continue;
      for (const r of b.rows) if (selects(q, r)) sum.merge(b.n, r.counters);
    }
  }
  return sum;
}

/** A sidecar's models of a provider (keyId "") or of one key; undefined when it holds no such series. */
function modelsOf(o: SidecarHistory, provider: string, keyId: string): readonly string[] | undefined {
  // Own properties only: a name such as "constructor" must not find Object's.
  const p = Object.hasOwn(o.index, provider) ? o.index[provider] : undefined;
  if (p === undefined || keyId === "") return p?.models;
  return Object.hasOwn(p.keys, keyId) ? p.keys[keyId] : undefined;
}

/** Models the other sidecars hold in the selection (a provider's, or one key's). */
export function othersModels(others: readonly SidecarHistory[], provider: string, keyId: string): string[] {
  return others.flatMap((o) => modelsOf(o, provider, keyId) ?? []);
}

export function othersKnowKey(others: readonly SidecarHistory[], provider: string, keyId: string): boolean {
  return others.some((o) => modelsOf(o, provider, keyId) !== undefined);
}

export function othersMarkers(others: readonly SidecarHistory[], from: number, to: number, keep: (m: HistoryMarker) => boolean): HistoryMarker[] {
  return others.flatMap((o) => o.markers.filter((m) => m.at >= from && m.at < to && keep(m)));
}
